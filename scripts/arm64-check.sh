#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The suite on Debian's arm64 kernels (run as root), cross-built in a copy
# of the tree: a result line per kernel, their sum last; exit 1 on a failure.
# usage: arm64-check [-P PATCH] [-o OUTDIR] [-p NAME=VAL] [-t DIR] [KERNEL...]
#   KERNEL       an arm64 line of scripts/kernels.list (default: make check's)
#   -P PATCH     apply PATCH (git diff, -p1) to the copy that is built
#   -o OUTDIR    builds and consoles (default build/arm64)
#   -p NAME=VAL  a guest parameter (repeatable), e.g. PROGRAMS=/tests/exact_test
#   -t DIR       boot with DIR as the payload instead of the tests
#   VM_TIMEOUT (1500 s a boot), QEMU_CPU; FUZZ_CALLS, UNLOAD_CYCLES,
#   STRESS_SECONDS (default: make check's)
# More: Documentation/testing.rst, "make check".
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

patch="" out=build/arm64 params=() payload=""
while getopts P:o:p:t: opt; do
	case $opt in
	P) patch=$(realpath "$OPTARG") ;;
	o) out=$OPTARG ;;
	p) params+=(-p "$OPTARG") ;;
	t) payload=$(realpath "$OPTARG") ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
read -ra kernels <<< "${*:-$(default_kernels arm64)}"
for k in "${kernels[@]}"; do
	[ -n "$(kernel_source arm64 "$k")" ] ||
		die "kernel $k: not an arm64 kernel of scripts/kernels.list ($(kernel_list arm64 | awk '{print $1}' | tr '\n' ' '))"
done
need_root "apt-get, the trixie build root"

cache=$SC_CACHE/arm64
cross=aarch64-linux-gnu-
out=$(abs_dir "$out")

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

# the copy's module, FAULT_INJECT=1, for kernel $1
build_module() {
	local dir=$out/$1/module
	quiet "$src/scripts/kernels.sh" -a arm64 build "$1" "$dir" FAULT_INJECT=1
	modinfo -F vermagic "$dir/sockcancel.ko" | grep -q "^${KRELS[$1]} " ||
		die "$1: the module's vermagic is not ${KRELS[$1]}"
}

build_tests() {
	local ksft t=$out/tests d
	local cc=("CC=${cross}gcc" "AR=${cross}ar" "CROSS_COMPILE=$cross")
	ksft=$(scripts/ksrc.sh)/tools/testing/selftests
	fresh "$t"
	quiet make -C "$src/lib" "${cc[@]}" libsockcancel.a \
		libsockcancel.so.0 libsockcancel-close.so
	quiet make -C "$src/cli" "${cc[@]}" sockcancel-static
	for d in selftests lib/tests cli/tests; do
		quiet make -C "$src/$d" "${cc[@]}" KSFT_DIR="$ksft" OUTPUT="$t"
	done
	quiet env CC="${cross}gcc" KSFT_DIR="$ksft" \
		"$src/lib/tests/preload-payload" -r "$cache/python" "$t"
	cp "$src/cli/sockcancel-static" "$t/sockcancel"
	test_counts "$t" "${FUZZ_CALLS:-100000}" "${UNLOAD_CYCLES:-50}" \
		"${STRESS_SECONDS:-10}"
}

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	log "adding the arm64 architecture to dpkg"
	dpkg --add-architecture arm64
	quiet apt-get update -qq
fi
apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm \
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross busybox-static cpio debootstrap
say "fetching Debian's arm64 kernels and busybox into $cache"
fetch_busybox
[ -n "$payload" ] || fetch_python
declare -A KRELS IMAGES
for k in "${kernels[@]}"; do
	kernel_info -a arm64 "$k" || die "scripts/kernels.sh -a arm64 info $k failed"
	KRELS[$k]=$KREL IMAGES[$k]=$VMLINUZ
done

say "building the module (FAULT_INJECT=1) and the tests in $out/src"
src=$out/src
rm -rf "$src"
copy_tree "$src"
if [ -n "$patch" ]; then
	log "applying $patch"
	(cd "$src" && git apply -p1 "$patch") || die "$patch does not apply"
fi
[ -n "$payload" ] || build_tests
for k in "${kernels[@]}"; do build_module "$k"; done

for k in "${kernels[@]}"; do
	say "$k (${KRELS[$k]}): booting and running the tests"
	t0=$SECONDS
	"$src/scripts/vm.sh" -a arm64 -b "$cache/busybox/bin/busybox" \
		-k "${IMAGES[$k]}" -m "$out/$k/module/sockcancel.ko" \
		-t "${payload:-$out/tests}" -T "${VM_TIMEOUT:-1500}" \
		${params[@]+"${params[@]}"} "$out/$k" | tee "$out/$k/result.txt" || true
	summary=$(result_of "$out/$k/result.txt")
	say "$k: $summary ($((SECONDS - t0)) s; console: $out/$k/console.log)"
	tally "$summary"
done
totals
[ "$total_f" -eq 0 ]
