#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make deb-test (as root): the five packages installed into a fresh
# Debian root, checked, their DKMS-built module booted, purged. Prints
# "KERNEL: N passed, ..." per kernel, "deb-test: N passed, ..." last.
# usage: deb-test [KERNEL...]   6.1 (default; bookworm) or 6.12 (trixie)
#   DEBS=DIR     test these .debs (default: built by scripts/deb-build.sh)
#   TESTDIR=DIR  the test programs already built (default: built here)
#   OUT=DIR      logs and VM files (default build/deb-test)
#   KEEP_ROOT=1  keep the installed root in OUT
#   FUZZ_CALLS, UNLOAD_CYCLES, STRESS_SECONDS  (default 10000, 10, 3)
# More: Documentation/packaging.rst, "Checking".
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

read -ra kernels <<< "${*:-6.1}"
# the Debian release whose root tests kernel $1
suite_of() { case $1 in 6.1) echo bookworm ;; 6.12) echo trixie ;; *) return 1 ;; esac; }
for k in "${kernels[@]}"; do suite_of "$k" >/dev/null || die "unknown kernel $k (6.1 or 6.12)"; done
out=$(abs_dir "${OUT:-build/deb-test}")
cache=$SC_CACHE/deb-test
# there before the packages, so that the purge leaves the root as it was
root_pkgs="dkms gcc pkgconf libc6-dev python3"
pkgs="sockcancel-dkms libsockcancel0 libsockcancel-dev sockcancel python3-sockcancel"
mok_cn="sockcancel deb-test machine owner key"
start=$SECONDS

need_root "debootstrap, chroot"
need "run scripts/deps.sh" debootstrap zstd openssl qemu-system-x86_64
mkdir -p "$cache"

if [ -z "${DEBS:-}" ]; then
	say "building the packages (scripts/deb-build.sh)"
	logged "$out/deb-build.log" scripts/deb-build.sh "$out/debs" ||
		die "scripts/deb-build.sh failed"
	DEBS=$out/debs
fi
debs=()
for p in $pkgs; do
	f=$(deb_of "$DEBS" "$p")
	[ -n "$f" ] || die "no ${p}_*.deb in $DEBS"
	debs+=("$(realpath "$f")")
done
version=$(dpkg-deb -f "${debs[0]}" Version)
version=${version%-*}
need_tests "$out/tests"
ksft=$(scripts/ksrc.sh)/tools/testing/selftests

# deb lines for SUITE: bookworm's as the machine has them, else the mirror
sources() {
	if [ "$1" = bookworm ]; then
		apt_sources | awk -v k="$DEB_KEYRING" '$1 ~ /^bookworm(-updates|-security)?$/ {
			printf "deb [signed-by=%s] %s %s main\n", k, $2, $1 }'
	else
		echo "deb [signed-by=$DEB_KEYRING] $(mirror) $1 main"
	fi
}

# make_root SUITE KVER ROOT: the root with KVER's headers (cached) into ROOT
make_root() {
	local suite=$1 kver=$2 root=$3 tarball=$cache/$1-root.tar.zst stamp
	stamp="$suite $root_pkgs linux-headers-$kver"
	if [ -f "$tarball" ] && [ "$(cat "$tarball.stamp" 2>/dev/null)" = "$stamp" ]; then
		fresh "$root"
		zstd -dc "$tarball" | tar -x -C "$root"
		return
	fi
	say "making the $suite root (debootstrap, once; cached in $tarball)"
	bootstrap "$suite" "$root" "$out/$suite.debootstrap.log"
	sources "$suite" > "$root/etc/apt/sources.list"
	# shellcheck disable=SC2086
	logged "$out/$suite.apt.log" root_install "$root" $root_pkgs "linux-headers-$kver" ||
		die "installing $root_pkgs linux-headers-$kver in the $suite root failed"
	in_root "$root" apt-get clean
	# the depmod indexes of a kernel package, which the purge leaves
	in_root "$root" depmod -a "$kver" 2>/dev/null
	tar -C "$root" -cf - . | zstd -q -T0 -3 > "$tarball.new"
	mv "$tarball.new" "$tarball"
	echo "$stamp" > "$tarball.stamp"
}

# Every path in ROOT, but the ones apt and dpkg keep for themselves.
file_list() {
	(cd "$1" && find . -xdev \
		\( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run \
		   -o -path ./tmp -o -path ./var/tmp -o -path ./var/log \
		   -o -path ./var/cache -o -path ./var/lib/apt -o -path ./var/lib/dpkg \
		   -o -path ./etc/ld.so.cache \) -prune -o -print | sort)
}

# check WHAT CMD...: "ok N WHAT" or "not ok N WHAT"; CMD's output in checks.log
check() {
	local what=$1
	shift
	n=$((n + 1))
	echo "### $n $what" >> "$dir/checks.log"
	if "$@" >> "$dir/checks.log" 2>&1; then
		echo "  ok $n $what"
	else
		echo "  not ok $n $what (see $dir/checks.log)"
		failed=$((failed + 1))
	fi
}

# wrapper FILE CMD: a script running CMD with its arguments
wrapper() {
	printf '#!/bin/sh\n%s "$@"\n' "$2" > "$1"
	chmod 0755 "$1"
}

same() { [ "$1" = "$2" ] || { echo "expected '$2', got '$1'"; return 1; }; }
# a key id as hex digits, upper case, no leading zeros
hex_id() { tr -d ': \n' | tr a-f A-F | sed 's/^0*//'; }

# The checks on the root (dynamic scope: $root, $kver, $version, $pkgs).
dkms_installed() {
	local status
	status=$(in_root "$root" dkms status sockcancel)
	echo "$status"
	[[ $'\n'$status == *$'\n'"sockcancel/$version, $kver, "*": installed"* ]]
}
# shellcheck disable=SC2086
none_installed() { ! in_root "$root" dpkg -l $pkgs 2>/dev/null | grep '^[hiu]i'; }
# none of the paths (globs) exists
none_exists() {
	local p rc=0
	for p in "$@"; do
		if [ -e "$p" ] || [ -L "$p" ]; then echo "left: $p"; rc=1; fi
	done
	return $rc
}
# a file of the root, its symbolic links resolved inside the root
root_file() { echo "$root$(in_root "$root" readlink -f "$1")"; }
# pc_build shared|static: pc_test.c built with pkg-config runs, needs only
# libsockcancel.so.0 or nothing
pc_build() {
	local opt="" pc="" test="readelf -d pc_test | grep -q 'NEEDED.*libsockcancel.so.0'"
	[ "$1" = shared ] || opt=-static pc=--static test="! readelf -d pc_test | grep -q NEEDED"
	in_root "$root" sh -c "cd /tmp && gcc $opt -Wall -Werror -o pc_test pc_test.c \
		\$(pkg-config $pc --cflags --libs sockcancel) && $test &&
		test \"\$(./pc_test)\" = '$version WSAEINTR 3'"
}

test_kernel() {
	local k=$1 suite kver vmlinuz root ko ko_plain serial signer t0 line
	local before after
	suite=$(suite_of "$k")
	kernel_info "$k" || die "no kernel $k"
	kver=$KREL vmlinuz=$VMLINUZ
	dir=$out/$k
	root=$dir/root
	fresh "$dir"
	n=0 failed=0
	t0=$SECONDS

	make_root "$suite" "$kver" "$root"
	say "$k: root ready ($suite, $kver) after $((SECONDS - t0)) s"

	# a machine owner key, as mokutil would enrol (DER certificate)
	mkdir -p "$root/var/lib/dkms"
	openssl req -new -x509 -nodes -days 36500 -subj "/CN=$mok_cn" \
		-newkey rsa:2048 -keyout "$root/var/lib/dkms/mok.key" \
		-outform DER -out "$root/var/lib/dkms/mok.pub" 2>/dev/null
	chmod 0600 "$root/var/lib/dkms/mok.key"
	before=$(file_list "$root")
	mkdir -p "$root/tmp/debs"
	cp "${debs[@]}" "$root/tmp/debs/"
	say "$k: apt-get install ./*.deb (DKMS builds the module)"
	check "apt-get install of the five packages" \
		in_root "$root" sh -c 'cd /tmp/debs && apt-get install -y ./*.deb'
	# what dkms said
	sed -n '/^### 1 /,/^### 2 /{/Building for\|Building initial\|Installing to\|rror/p}' \
		"$dir/checks.log" | sed 's/^/    dkms: /'

	check "dkms status: sockcancel/$version installed for $kver" dkms_installed

	ko=$(find "$root/lib/modules/$kver/updates/dkms" -name 'sockcancel.ko*' 2>/dev/null | head -1)
	check "module installed in /lib/modules/$kver/updates/dkms" test -n "$ko"
	ko_plain=$dir/sockcancel.ko
	case $ko in
	*.ko.xz) xz -dc "$ko" > "$ko_plain" ;;
	*.ko.zst) zstd -qdc "$ko" > "$ko_plain" ;;
	*.ko) cp "$ko" "$ko_plain" ;;
	*) : > "$ko_plain" ;;
	esac
	check "module vermagic names $kver" \
		same "$(modinfo -F vermagic "$ko_plain" | awk '{print $1}')" "$kver"
	# Secure Boot: dkms signed the module with the machine owner key
	serial=$(openssl x509 -inform DER -in "$root/var/lib/dkms/mok.pub" \
		-noout -serial | sed 's/^serial=//' | hex_id)
	signer=$(modinfo -F signer "$ko_plain")
	check "module signed: signer '$signer'" same "$signer" "$mok_cn"
	check "signature key id is the MOK certificate's serial" \
		same "$(modinfo -F sig_key "$ko_plain" | hex_id)" "$serial"
	echo "    signer: $signer, key $(modinfo -F sig_key "$ko_plain"), $(modinfo -F sig_hashalgo "$ko_plain")"

	check "sockcancel --version says $version" \
		same "$(in_root "$root" sockcancel --version)" "sockcancel $version"
	check "man pages installed (sockcancel.1, sockcancel.4, libsockcancel.3)" \
		test -f "$root/usr/share/man/man1/sockcancel.1.gz" \
		-a -f "$root/usr/share/man/man4/sockcancel.4.gz" \
		-a -f "$root/usr/share/man/man3/libsockcancel.3.gz"
	check "udev rule and modules-load.d entry installed" \
		test -f "$root/lib/udev/rules.d/60-sockcancel.rules" \
		-a -f "$root/usr/lib/modules-load.d/sockcancel.conf"

	cat > "$root/tmp/pc_test.c" <<-'EOF'
	#include <errno.h>
	#include <stdio.h>
	#include <libsockcancel.h>
	#include <linux/sockcancel.h>

	int main(void)
	{
		printf("%s %s %d\n", SOCKCANCEL_LIB_VERSION,
		       wsa_error_name(wsa_error_from_errno(EINTR)),
		       SOCKCANCEL_OP_ACCEPT);
		return 0;
	}
	EOF
	check "pkg-config build, shared: runs, needs libsockcancel.so.0" pc_build shared
	check "pkg-config build, static: runs" pc_build static

	# shellcheck disable=SC2016 # expanded in the root
	check "the installed example builds with pkg-config" \
		in_root "$root" sh -c 'cd /tmp && gcc -Wall -pthread -o winsock_cancel \
			/usr/share/doc/libsockcancel-dev/examples/winsock_cancel.c \
			$(pkg-config --cflags --libs sockcancel)'

	# the root's python3 imports the packaged module, which loads the
	# packaged library (no device here: names only)
	# shellcheck disable=SC2016 # expanded in the root
	check "python3 -c 'import sockcancel': the packaged module and library" \
		in_root "$root" python3 -c 'import sockcancel, errno
assert sockcancel.__file__ == "/usr/lib/python3/dist-packages/sockcancel.py", sockcancel.__file__
assert sockcancel.WSAEINTR == 10004
assert sockcancel.error_from_errno(errno.EINTR) == sockcancel.WSAEINTR
print(sockcancel.__file__, sockcancel.errorcode[10004])'

	# the VM: the test programs, and the packaged ones with the root's
	# loader and libraries (library tests, the command under cli_test)
	local tests=$dir/tests pkg=$dir/tests/pkg src=$root/tmp/src f name
	local ld="/tests/pkg/ld.so --library-path /tests/pkg/lib"
	local lib=/usr/lib/x86_64-linux-gnu
	fresh "$tests"
	cp -a "$TESTDIR"/. "$tests/"
	test_counts "$tests" "${FUZZ_CALLS:-10000}" "${UNLOAD_CYCLES:-10}" \
		"${STRESS_SECONDS:-3}"
	mkdir -p "$pkg/lib" "$pkg/bin" "$src/ksft" "$src/tests"
	cp "$ksft"/kselftest*.h "$src/ksft/"
	cp -a selftests "$src/selftests"	# the test toolkit's headers
	cp lib/tests/*.c lib/tests/*.h "$src/tests/"
	for f in lib/tests/*_test.c; do
		name=$(basename "$f" .c)
		# shellcheck disable=SC2016 # expanded in the root
		check "$name built against the packaged library" \
			in_root "$root" sh -c 'cd /tmp/src/tests &&
				gcc -O2 -g -Wall -Wno-unused-parameter -pthread \
				-isystem ../ksft -I../selftests -o "$1" "$1.c" \
				$(pkg-config --cflags --libs sockcancel) -pthread' sh "$name"
		cp "$src/tests/$name" "$pkg/bin/" 2>/dev/null || continue
		wrapper "$tests/pkg_$name" "exec $ld /tests/pkg/bin/$name"
	done
	cp "$(root_file /lib64/ld-linux-x86-64.so.2)" "$pkg/ld.so"
	cp "$(root_file /lib/x86_64-linux-gnu/libc.so.6)" "$pkg/lib/libc.so.6"
	cp "$(root_file $lib/libsockcancel.so.0)" "$pkg/lib/libsockcancel.so.0"
	# the preload and Python tests with the packaged libraries and module
	[ ! -d "$tests/preload" ] ||
		cp "$(root_file $lib/libsockcancel-close.so)" \
			"$tests/preload/libsockcancel-close.so"
	[ ! -d "$tests/python" ] ||
		cp "$root/usr/lib/python3/dist-packages/sockcancel.py" \
			"$(root_file $lib/libsockcancel.so.0)" "$tests/python/"
	cp "$root/usr/bin/sockcancel" "$pkg/bin/sockcancel"
	wrapper "$pkg/sockcancel" "exec $ld /tests/pkg/bin/sockcancel"
	wrapper "$tests/pkg_cli_test" \
		"SOCKCANCEL_CLI=/tests/pkg/sockcancel exec /tests/cli_test"

	say "$k: booting $kver with the DKMS-built module"
	scripts/vm.sh -k "$vmlinuz" -m "$ko_plain" -t "$tests" "$dir/vm" \
		> "$dir/vm.result" 2>&1 || true
	line=$(result_of "$dir/vm.result")
	read -r vm_p _ vm_f _ vm_s _ <<<"${line//,/}"
	[ "$vm_f" -eq 0 ] || sed 's/^/    /' "$dir/vm.result"
	echo "    VM: $line"

	# the removal
	say "$k: apt-get purge"
	# shellcheck disable=SC2086
	check "apt-get purge of the five packages" \
		in_root "$root" apt-get purge -y $pkgs
	rm -rf "$root/tmp/debs" "$root/tmp/src" "$root"/tmp/pc_test* \
		"$root/tmp/winsock_cancel"
	check "no package left installed" none_installed
	check "no dkms tree, source or module left" \
		none_exists "$root"/var/lib/dkms/sockcancel "$root"/usr/src/sockcancel-* \
			"$root"/lib/modules/*/updates/dkms/sockcancel.ko*
	check "no udev rule, modules-load.d entry, library, command or Python module left" \
		none_exists "$root"/lib/udev/rules.d/60-sockcancel.rules \
			"$root"/usr/lib/modules-load.d/sockcancel.conf \
			"$root"/usr/lib/*/libsockcancel* "$root"/usr/bin/sockcancel \
			"$root"/usr/include/sockcancel.h "$root"/usr/include/linux/sockcancel.h \
			"$root"/usr/lib/python3/dist-packages/sockcancel.py \
			"$root"/usr/lib/python3/dist-packages/__pycache__/sockcancel.*
	after=$(file_list "$root")
	check "the root's files are those before the install" \
		diff <(echo "$before") <(echo "$after")

	[ -n "${KEEP_ROOT:-}" ] || rm -rf "$root"
	result="$((n - failed + vm_p)) passed, $((failed + vm_f)) failed, $vm_s skipped"
	say "$k: $kver: $result in $((SECONDS - t0)) s"
	summary+=("$k: $result")
	tally "$result"
}

summary=()
for k in "${kernels[@]}"; do
	test_kernel "$k"
done
say "${#kernels[@]} kernel(s) in $((SECONDS - start)) s"
printf '%s\n' "${summary[@]}"
say "$(totals)"
[ "$total_f" -eq 0 ]
