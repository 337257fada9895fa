#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The suite on kernels of scripts/kernels.list: for each, the module's test
# build (FAULT_INJECT=1) booted with the test programs; "KERNEL (KREL): N
# passed, N failed, N skipped" per kernel, the sum last; exit 1 on a failure.
# usage: check-kernels [-a ARCH] [-P PATCH] [-o OUTDIR] [-p NAME=VAL] [-t DIR] [KERNEL...]
#   KERNEL       a line of the list for ARCH (default: make check's)
#   -a ARCH      x86_64 (default) or arm64: cross-built, as root
#   -P PATCH     build a copy of the tree with PATCH (git diff, -p1) applied
#   -o OUTDIR    builds and consoles (default build/kernels, build/arm64)
#   -p NAME=VAL  a guest parameter (repeatable), e.g. PROGRAMS=/tests/exact_test
#   -t DIR       boot with DIR as the payload instead of the tests
#   TESTDIR=DIR  x86-64 test programs already built (default: built here)
#   VM_TIMEOUT (900 s a boot, arm64 1500), QEMU_CPU; FUZZ_CALLS,
#   UNLOAD_CYCLES, STRESS_SECONDS (default: make check's)
# More: Documentation/testing.rst, "make check".
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

arch=x86_64 patch="" out="" params=() payload=""
while getopts a:P:o:p:t: opt; do
	case $opt in
	a) arch=$OPTARG ;;
	P) patch=$(realpath "$OPTARG") ;;
	o) out=$OPTARG ;;
	p) params+=(-p "$OPTARG") ;;
	t) payload=$(realpath "$OPTARG") ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
case $arch in
x86_64) out=${out:-build/kernels} timeout_s=${VM_TIMEOUT:-900} vm=() ;;
arm64) out=${out:-build/arm64} timeout_s=${VM_TIMEOUT:-1500} ;;
*) die "architecture $arch: x86_64 or arm64" ;;
esac
read -ra kernels <<< "${*:-$(default_kernels "$arch")}"
for k in "${kernels[@]}"; do
	[ -n "$(kernel_source "$arch" "$k")" ] ||
		die "kernel $k: not an $arch kernel of scripts/kernels.list ($(kernel_list "$arch" | awk '{print $1}' | tr '\n' ' '))"
done
out=$(abs_dir "$out")
cache=$SC_CACHE/arm64
cross=aarch64-linux-gnu-
start=$SECONDS

# Debian 12's arm64 packages, with the machine's apt
debs() { fetch_debs "$cache/debs" apt-get "$@"; }
deb() { deb_of "$cache/debs" "$1"; }

# Debian 12's arm64 busybox; the machine's, of its version, lists its applets
fetch_busybox() {
	local v_arm v_host
	debs busybox-static:arm64 >/dev/null
	v_arm=$(dpkg-deb -f "$(deb busybox-static)" Version)
	v_host=$(dpkg-query -W -f='${Version}' busybox-static)
	[ "${v_arm%%+b*}" = "${v_host%%+b*}" ] ||
		die "busybox-static:arm64 $v_arm and the machine's $v_host differ: the applet list would not match (apt-get upgrade busybox-static)"
	[ -x "$cache/busybox/bin/busybox" ] || { rm -rf "$cache/busybox" &&
		dpkg-deb -x "$(deb busybox-static)" "$cache/busybox"; }
}

# Debian 12's arm64 python3.11 and what it and ctypes link, in $cache/python
python_pkgs=(python3.11-minimal libpython3.11-minimal libpython3.11-stdlib
	     libc6 libffi8 zlib1g libexpat1)
fetch_python() {
	local p debs
	debs=$(debs "${python_pkgs[@]/%/:arm64}" | xargs -n1 basename |
		sed 's/^/ /' | tr -d '\n')
	[ "$(cat "$cache/python/.debs" 2>/dev/null)" = "$debs" ] && return
	rm -rf "$cache/python"
	for p in "${python_pkgs[@]}"; do dpkg-deb -x "$(deb "$p")" "$cache/python"; done
	echo "$debs" > "$cache/python/.debs"
}

# The arm64 test programs, static, cross-built in the copy
build_arm64_tests() {
	local ksft t=$out/tests d
	local cc=("CC=${cross}gcc" "AR=${cross}ar" "CROSS_COMPILE=$cross")
	ksft=$(scripts/ksrc.sh)/tools/testing/selftests
	fresh "$t"
	quiet make -C lib "${cc[@]}" libsockcancel.a \
		libsockcancel.so.0 libsockcancel-close.so
	quiet make -C cli "${cc[@]}" sockcancel-static
	for d in selftests lib/tests cli/tests; do
		quiet make -C "$d" "${cc[@]}" KSFT_DIR="$ksft" OUTPUT="$t"
	done
	quiet env CC="${cross}gcc" KSFT_DIR="$ksft" \
		lib/tests/preload-payload -r "$cache/python" "$t"
	cp cli/sockcancel-static "$t/sockcancel"
	test_counts "$t" "${FUZZ_CALLS:-100000}" "${UNLOAD_CYCLES:-50}" \
		"${STRESS_SECONDS:-10}"
}

if [ "$arch" = arm64 ] || [ -n "$patch" ]; then
	# from here on in a copy: the arm64 objects, the patch stay out of the tree
	src=$out/src
	rm -rf "$src"
	copy_tree "$src"
	cd "$src"
	[ -z "$patch" ] || git apply -p1 "$patch" || die "$patch does not apply"
	[ -z "$patch" ] || TESTDIR=""
fi
if [ "$arch" = x86_64 ]; then
	[ -n "$payload" ] || { need_tests "$out/tests"; payload=$TESTDIR; }
else
	need_root "apt-get, the trixie build root"
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		log "adding the arm64 architecture to dpkg"
		dpkg --add-architecture arm64
		quiet apt-get update -qq
	fi
	apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm \
		gcc-arm-linux-gnueabihf libc6-dev-armhf-cross busybox-static cpio debootstrap
	log "fetching Debian's arm64 busybox into $cache"
	fetch_busybox
	vm=(-a arm64 -b "$cache/busybox/bin/busybox")
	if [ -z "$payload" ]; then
		log "cross-building the tests in $PWD"
		fetch_python
		build_arm64_tests
		payload=$out/tests
	fi
fi

summary=()
for k in "${kernels[@]}"; do
	t0=$SECONDS dir=$out/$k line=""
	fresh "$dir"
	log "$k: fetching, building the module"
	if ! kernel_info -a "$arch" "$k"; then
		KREL=none line="0 passed, 1 failed, 0 skipped (no kernel)"
	elif ! scripts/kernels.sh -a "$arch" build "$k" "$dir" \
		FAULT_INJECT=1 >"$dir/build.log" 2>&1; then
		cat "$dir/build.log"
		line="0 passed, 1 failed, 0 skipped (module build failed)"
	elif ! modinfo -F vermagic "$dir/sockcancel.ko" | grep -q "^$KREL "; then
		line="0 passed, 1 failed, 0 skipped (the module's vermagic is not $KREL)"
	else
		t1=$SECONDS
		log "$k: booting $KREL, running the tests"
		scripts/vm.sh "${vm[@]}" -k "$VMLINUZ" -m "$dir/sockcancel.ko" \
			-t "$payload" -T "$timeout_s" ${params[@]+"${params[@]}"} \
			"$dir" | tee "$dir/result" || true
		line=$(result_of "$dir/result")
		log "$k: build $((t1 - t0)) s, VM $((SECONDS - t1)) s (console: $dir/console.log)"
	fi
	tally "$line"
	summary+=("$k ($KREL): $line")
done

log "${#kernels[@]} kernels in $((SECONDS - start)) s"
printf '%s\n' "${summary[@]}"
totals
[ "$total_f" -eq 0 ]
