#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# arm64: build the module and every test program for Debian's arm64 kernels
# and run the whole suite on them in QEMU (scripts/vm.sh -a arm64), judged as
# on x86-64. make check runs it after the x86-64 kernels.
#
# usage: scripts/arm64-check.sh [-P PATCH] [-o OUTDIR] [-p NAME=VAL] [KERNEL...]
#   KERNEL     an arm64 line of scripts/kernels.list: 6.1 (Debian 12, the
#              machine's own ABI), 6.12 (Debian 13), 7.3 (trixie-backports);
#              default: those make check runs (RUN not "asked")
#   -P PATCH   apply PATCH (git diff format, -p1) to the copy of the tree
#              that is built, e.g. to show that a test catches a bug
#   -o OUTDIR  where the builds and consoles go (default: build/arm64)
#   -p NAME=VAL  a guest parameter (repeatable; scripts/guest/init.sh), e.g.
#              PROGRAMS=/tests/exact_test to run one program
#   -t DIR     boot with DIR as the payload instead of the test programs
#              (scripts/bench-vm.sh: the benchmark, built for arm64)
# Environment: SOCKCANCEL_CACHE (the cache, default ~/.cache/sockcancel),
# VM_TIMEOUT (seconds per boot, default 1500), QEMU_CPU (the -cpu option,
# default max,pauth-impdef=on), and the test counts
# FUZZ_CALLS, UNLOAD_CYCLES, STRESS_SECONDS (make check's by default).
# Run as root on Debian 12. Prints one result line per kernel and the sum
# "N passed, N failed, N skipped"; exits 1 on any failure.
#
# What it does:
#   1. installs what is missing: the arm64 architecture for dpkg, the cross
#      compiler (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross), the 32-bit
#      ARM one for aarch32_test's helper (gcc-arm-linux-gnueabihf,
#      libc6-dev-armhf-cross), qemu-system-arm, busybox-static, cpio,
#      debootstrap;
#   2. fetches Debian's linux-headers and linux-image(-unsigned) for arm64
#      and busybox-static:arm64: the list's "bookworm" kernel (6.1) with
#      the machine's apt (the ABI of the installed amd64 6.1 headers) into
#      $SOCKCANCEL_CACHE/arm64, its "trixie" kernels through scripts/kernels.sh
#      (its private trixie apt and build root, as for amd64); and, with the
#      machine's apt, Debian 12's arm64 python3.11 and the libraries it
#      and ctypes link (python3.11-minimal, libpython3.11-minimal,
#      libpython3.11-stdlib, libc6, libffi8, zlib1g, libexpat1), unpacked
#      into $SOCKCANCEL_CACHE/arm64/python;
#   3. builds, in a copy of the tree, the test build of the module
#      (FAULT_INJECT=1) for each kernel, and libsockcancel, the command and
#      every test program (static, aarch64-linux-gnu-gcc), and the payload
#      of preload_close_test and python_sockcancel_test as for x86-64
#      (lib/tests/preload-payload -r: that python3.11 with its C library,
#      loader and modules, libsockcancel.so.0, libsockcancel-close.so and
#      preload_check cross-built, dynamically linked);
#   4. boots each kernel with qemu-system-aarch64 (TCG, -M virt, -cpu max
#      with pauth-impdef, 2 vCPUs) and a busybox initramfs with scripts/guest/init.sh, runs every
#      test program, and judges the console with scripts/tap-summary.sh (any
#      splat fails, as on x86-64).
#
# Kbuild's host tools: Debian's arm64 header packages link scripts/ and
# tools/ to linux-kbuild, whose programs are arm64 binaries in the arm64
# package. The amd64 linux-kbuild of the same version is built from the
# same source and reads the arm64 objects as they are (fixdep, genksyms
# and modpost handle any target's ELF; cross-building kernels relies on
# it): the headers unpacked next to it build the module, with nothing run
# under emulation and nothing rebuilt. The vermagic is the kernel's
# ("6.1.0-N-arm64 SMP mod_unload modversions aarch64"). For 6.1 the amd64
# linux-kbuild-6.1 is the machine's own (the same version as the arm64
# headers, checked); for the trixie kernels (6.12, 7.3) its tools need
# trixie's glibc, so scripts/kernels.sh unpacks the arm64 headers into its
# trixie build root, which
# has the amd64 linux-kbuild and the common headers of that version, and
# gcc-14-aarch64-linux-gnu is installed there: each kernel is built with the
# compiler version it was built with (gcc-12, gcc-14). Alternatives not
# taken: rebuilding the tools from linux-source (a second build of what
# Debian ships, per version), or an arm64 debootstrap root run under
# qemu-user (slow, and binfmt on the host).
#
# The guest: busybox-static:arm64 of Debian 12 (the same version as the
# machine's busybox-static, whose applet list is used, since the arm64
# binary does not run here), Debian's gzipped Image booted directly
# (-kernel), console ttyAMA0.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
set -euo pipefail

patch="" out=build/arm64 params=() payload=""
while getopts P:o:p:t: opt; do
	case $opt in
	P) patch=$(realpath "$OPTARG") ;;
	o) out=$OPTARG ;;
	p) params+=("$OPTARG") ;;
	t) payload=$(realpath "$OPTARG") ;;
	*) sed -n '3,/^# shellcheck/{/^# shellcheck/d;s/^# \{0,1\}//;p}' "$0" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
# SOURCE of arm64 kernel $1 in scripts/kernels.list
source_of() { kernel_list arm64 | awk -v k="$1" '$1 == k {print $3}'; }
kernels=("$@")
[ ${#kernels[@]} -gt 0 ] ||
	read -ra kernels <<< "$(default_kernels arm64)"
for k in "${kernels[@]}"; do
	[ -n "$(source_of "$k")" ] ||
		die "kernel $k: not an arm64 kernel of scripts/kernels.list ($(kernel_list arm64 | awk '{print $1}' | tr '\n' ' '))"
done
[ "$(id -u)" -eq 0 ] || die "run as root (apt-get, the trixie build root)"

cache=$SC_CACHE/arm64
timeout_s=${VM_TIMEOUT:-1500}
# scripts/vm.sh's cpu, max,pauth-impdef=on: QEMU's "max" computes pointer
# authentication codes with the architected QARMA cipher, slow under TCG,
# and Debian's kernels sign every return address; pauth-impdef keeps the
# feature with QEMU's cheap implementation-defined algorithm. QEMU_CPU
# chooses another.
cross=aarch64-linux-gnu-
mkdir -p "$cache/debs" "$out"
out=$(realpath "$out")

step() { echo "arm64-check: $*"; }

# ---- 1. what the host needs ----

install_deps() {
	local pkgs="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm
		    gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
		    busybox-static cpio debootstrap" missing="" p

	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		log "adding the arm64 architecture to dpkg"
		dpkg --add-architecture arm64
		quiet apt-get update -qq
	fi
	for p in $pkgs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return
	log "installing:$missing"
	# shellcheck disable=SC2086 # a list of packages
	DEBIAN_FRONTEND=noninteractive quiet apt-get install -y -qq \
		--no-install-recommends $missing
}

# ---- 2. Debian's arm64 kernels ----

# apt-get download PKG... into $cache/debs with the machine's apt (6.1).
host_download() {
	local p

	for p in "$@"; do
		[ -n "$(find "$cache/debs" -maxdepth 1 -name "${p%%:*}_*.deb")" ] &&
			continue
		(cd "$cache/debs" && apt-get download -q "$p" >/dev/null 2>&1) || {
			quiet apt-get update -qq
			(cd "$cache/debs" && quiet apt-get download -q "$p")
		}
	done
}

deb_of() { find "$cache/debs" -maxdepth 1 -name "${1}_*.deb" | sort -V | tail -1; }

# vmlinuz of the image package $1 into $cache/$2/vmlinuz.
take_vmlinuz() {
	local deb=$1 dir=$cache/$2 f

	[ -f "$dir/vmlinuz" ] && return
	rm -rf "$dir/x"
	mkdir -p "$dir/x"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir/x" --wildcards '*vmlinuz*'
	f=$(find "$dir/x" -type f -name 'vmlinuz*' | head -1)
	[ -n "$f" ] || die "no vmlinuz in $deb"
	mv "$f" "$dir/vmlinuz"
	rm -rf "$dir/x"
}

# The arm64 busybox of Debian 12 and the applet list of the same version.
fetch_busybox() {
	local v_arm v_host

	host_download busybox-static:arm64
	v_arm=$(dpkg-deb -f "$(deb_of busybox-static)" Version)
	v_host=$(dpkg-query -W -f='${Version}' busybox-static)
	[ "${v_arm%%+b*}" = "${v_host%%+b*}" ] ||
		die "busybox-static:arm64 $v_arm and the machine's $v_host differ: the applet list would not match (apt-get upgrade busybox-static)"
	if [ ! -x "$cache/busybox/bin/busybox" ]; then
		rm -rf "$cache/busybox"
		dpkg-deb -x "$(deb_of busybox-static)" "$cache/busybox"
	fi
}

# Debian 12's arm64 python3.11 for preload-payload -r: its packages and
# those of the libraries it and ctypes link, unpacked into $cache/python
# (again when one of them changes). The machine's python3.11 compiles its
# modules: Debian 12's too, the same Python version (3.11), checked by
# preload-payload (the bytecode magic).
python_pkgs=(python3.11-minimal libpython3.11-minimal libpython3.11-stdlib
	     libc6 libffi8 zlib1g libexpat1)
fetch_python() {
	local p debs=""

	host_download "${python_pkgs[@]/%/:arm64}"
	for p in "${python_pkgs[@]}"; do
		debs="$debs $(basename "$(deb_of "$p")")"
	done
	[ "$(cat "$cache/python/.debs" 2>/dev/null)" = "$debs" ] && return
	rm -rf "$cache/python"
	for p in "${python_pkgs[@]}"; do
		dpkg-deb -x "$(deb_of "$p")" "$cache/python"
	done
	echo "$debs" > "$cache/python/.debs"
}

# Sets KREL VMLINUZ KROOT KDIR for kernel $1 (fetched if needed).
kernel_info() {
	local abi krel amd64 root info

	case $(source_of "$1") in
	bookworm)
		amd64=$(scripts/kver.sh)
		abi=${amd64%-amd64}
		krel=$abi-arm64
		host_download "linux-headers-$krel:arm64" \
			"linux-image-$krel-unsigned:arm64"
		# the machine's amd64 kbuild must be the headers' version
		[ "$(dpkg-deb -f "$(deb_of "linux-headers-$krel")" Version)" = \
		  "$(dpkg-query -W -f='${Version}' linux-kbuild-6.1)" ] ||
			die "linux-headers-$krel:arm64 and linux-kbuild-6.1 differ in version (apt-get upgrade)"
		take_vmlinuz "$(deb_of "linux-image-$krel-unsigned")" "$krel"
		root=$cache/6.1-root
		if [ ! -f "$root/.complete-$krel" ]; then
			rm -rf "$root"
			dpkg-deb -x "$(deb_of "linux-headers-$krel")" "$root"
			# the headers link scripts/ and tools/ to ../../lib/linux-kbuild-6.1
			mkdir -p "$root/usr/lib"
			ln -sfn /usr/lib/linux-kbuild-6.1 "$root/usr/lib/linux-kbuild-6.1"
			touch "$root/.complete-$krel"
		fi
		KREL=$krel VMLINUZ=$cache/$krel/vmlinuz KROOT=/
		KDIR=$root/usr/src/linux-headers-$krel ;;
	trixie)
		# headers, image, the amd64 kbuild and the cross compiler in
		# the trixie build root of scripts/kernels.sh
		info=$(scripts/kernels.sh -a arm64 info "$1") ||
			die "scripts/kernels.sh -a arm64 info $1 failed"
		KREL=$(field KREL <<<"$info")
		VMLINUZ=$(field VMLINUZ <<<"$info")
		KROOT=$(field KROOT <<<"$info")
		KDIR=$(field KDIR <<<"$info") ;;
	esac
}

# ---- 3. the builds ----

# A copy of the tree without build products, with the patch applied.
make_copy() {
	src=$out/src
	rm -rf "$src"
	mkdir -p "$src"
	tar -C "$SC_ROOT" --exclude=./.git --exclude=./build \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' \
		--exclude='*.so*' --exclude=./Module.symvers \
		--exclude=./modules.order -cf - . | tar -C "$src" -xf -
	if [ -n "$patch" ]; then
		log "applying $patch"
		(cd "$src" && git apply -p1 "$patch") || die "$patch does not apply"
	fi
}

build_module() {
	local k=$1 dir

	if [ "$KROOT" = / ]; then
		dir=$out/$k/module
		copy_module "$src" "$dir"
		quiet make -C "$KDIR" M="$dir" ARCH=arm64 CROSS_COMPILE=$cross \
			FAULT_INJECT=1 modules
	else
		dir=$(mktemp -d "$KROOT/tmp/sockcancel-arm64.XXXXXX")
		copy_module "$src" "$dir"
		quiet scripts/kernels.sh -a arm64 run "$k" make -C "$KDIR" \
			M="${dir#"$KROOT"}" ARCH=arm64 CROSS_COMPILE=$cross \
			FAULT_INJECT=1 modules
		mkdir -p "$out/$k/module"
		cp "$dir/sockcancel.ko" "$out/$k/module/"
		rm -rf "$dir"
	fi
	modinfo -F vermagic "$out/$k/module/sockcancel.ko" | grep -q "^$KREL " ||
		die "$k: the module's vermagic is not $KREL"
}

build_tests() {
	local ksft t=$out/tests
	local cc=("CC=${cross}gcc" "AR=${cross}ar" "CROSS_COMPILE=$cross")

	ksft=$(scripts/ksrc.sh)/tools/testing/selftests
	rm -rf "$t"
	mkdir -p "$t"
	quiet make -C "$src/lib" "${cc[@]}" libsockcancel.a \
		libsockcancel.so.0 libsockcancel-close.so
	quiet make -C "$src/cli" "${cc[@]}" sockcancel-static
	quiet make -C "$src/selftests" "${cc[@]}" KSFT_DIR="$ksft" OUTPUT="$t"
	quiet make -C "$src/lib/tests" "${cc[@]}" KSFT_DIR="$ksft" OUTPUT="$t"
	quiet make -C "$src/cli/tests" "${cc[@]}" KSFT_DIR="$ksft" OUTPUT="$t"
	quiet env CC="${cross}gcc" KSFT_DIR="$ksft" \
		"$src/lib/tests/preload-payload" -r "$cache/python" "$t"
	cp "$src/cli/sockcancel-static" "$t/sockcancel"
	# make check's counts of the reliability tests
	echo "${FUZZ_CALLS:-100000}" > "$t/fuzz.calls"
	echo "${UNLOAD_CYCLES:-50}" > "$t/unload.cycles"
	echo "${STRESS_SECONDS:-10}" > "$t/stress.seconds"
}

# ---- 4. the VM: scripts/vm.sh, for arm64 ----

run_vm() {
	local k=$1 dir=$out/$1 p opts=()

	for p in ${params[@]+"${params[@]}"}; do
		opts+=(-p "$p")
	done
	"$src/scripts/vm.sh" -a arm64 -b "$cache/busybox/bin/busybox" \
		-k "$VMLINUZ" -m "$dir/module/sockcancel.ko" \
		-t "${payload:-$out/tests}" \
		-T "$timeout_s" ${opts[@]+"${opts[@]}"} "$dir"
}

install_deps
step "fetching Debian's arm64 kernels and busybox into $cache"
fetch_busybox
[ -n "$payload" ] || fetch_python
declare -A KRELS KDIRS KROOTS IMAGES
for k in "${kernels[@]}"; do
	kernel_info "$k"
	KRELS[$k]=$KREL KDIRS[$k]=$KDIR KROOTS[$k]=$KROOT IMAGES[$k]=$VMLINUZ
done

step "building the module (FAULT_INJECT=1) and the tests in $out/src"
make_copy
[ -n "$payload" ] || build_tests
for k in "${kernels[@]}"; do
	KREL=${KRELS[$k]} KDIR=${KDIRS[$k]} KROOT=${KROOTS[$k]}
	build_module "$k"
done

total_p=0 total_f=0 total_s=0 status=0
for k in "${kernels[@]}"; do
	KREL=${KRELS[$k]} VMLINUZ=${IMAGES[$k]}
	step "$k ($KREL): booting and running the tests"
	t0=$SECONDS
	run_vm "$k" | tee "$out/$k/result.txt" || status=1
	summary=$(tail -1 "$out/$k/result.txt")
	echo "arm64-check: $k: $summary ($((SECONDS - t0)) s; console: $out/$k/console.log)"
	read -r p _ f _ s _ <<<"$summary"
	total_p=$((total_p + ${p:-0})) total_f=$((total_f + ${f:-1}))
	total_s=$((total_s + ${s:-0}))
done
echo "$total_p passed, $total_f failed, $total_s skipped"
exit $status
