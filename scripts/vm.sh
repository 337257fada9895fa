#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The one VM runner: every test, the demo, the benchmark and the debug
# kernel boot through here. Builds the initramfs (busybox, the module, the
# payload in /tests, the guest scripts in /guest, /params), boots the kernel
# in QEMU with software emulation (TCG), and judges the console with
# scripts/tap-summary.sh: every program's TAP and exit status, a clean insmod
# and rmmod, no splat in the kernel log. Prints "N passed, N failed, N
# skipped" last; exits 1 on any failure.
#
# usage: vm [OPTION...] OUTDIR
#   -k IMAGE    the kernel (default: the machine's Debian 6.1, scripts/kver.sh)
#   -m MODULE   the module loaded (default: sockcancel.ko); "none" for
#               a kernel that has the mechanism built in (check-upstream)
#   -t DIR      the payload, copied to /tests: test programs and their
#               count files (fuzz.calls, ...) or the demo's programs
#   -p NAME=VAL a guest parameter (repeatable; see scripts/guest/init.sh):
#               PROGRAMS (e.g. /guest/demo), KMEMLEAK=1, HALT
#   -a ARCH     the guest's architecture: x86_64 (default) or arm64
#   -b BUSYBOX  a static busybox for that architecture (default: the
#               machine's /bin/busybox, for x86_64)
#   -M MIB      guest memory (default 1024)
#   -T SECONDS  give up after (default 900)
#   -i REGEX    a kernel log line matching REGEX is not a splat (repeatable)
#   -r REGEX    the console must contain a line matching REGEX (repeatable)
# The console is left in OUTDIR/console.log.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
set -eu

kernel="" module=sockcancel.ko payload="" arch=x86_64 mem=1024 timeout_s=900
busybox=/bin/busybox
params=() judge=()
while getopts k:m:t:p:a:b:M:T:i:r: opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	m) module=$OPTARG ;;
	t) payload=$OPTARG ;;
	p) params+=("$OPTARG") ;;
	a) arch=$OPTARG ;;
	b) busybox=$OPTARG ;;
	M) mem=$OPTARG ;;
	T) timeout_s=$OPTARG ;;
	i) judge+=(--ignore "$OPTARG") ;;
	r) judge+=(--require "$OPTARG") ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || die "usage: vm [OPTION...] OUTDIR (see the header of $0)"
out=$1
[ -n "$kernel" ] || kernel=/boot/vmlinuz-$(scripts/kver.sh)

# shellcheck disable=SC2054 # options with commas
case $arch in
x86_64)
	qemu=(qemu-system-x86_64 -accel tcg,thread=multi)
	# Under emulation the clocksource watchdog may find the TSC
	# drifting when the host is busy and mark it unstable, which
	# patches code (a static key) under the running tests; the
	# emulated TSC follows the host's clock: trust it.
	cmdline="console=ttyS0 tsc=reliable" ;;
arm64)
	qemu=(qemu-system-aarch64 -M virt -cpu "${QEMU_CPU:-max,pauth-impdef=on}"
	      -accel tcg,thread=multi)
	cmdline="console=ttyAMA0" ;;
*)
	die "architecture $arch is not supported" ;;
esac
[ -f "$kernel" ] || die "$kernel missing (run scripts/deps.sh)"
[ "$module" = none ] || [ -f "$module" ] || die "$module missing"
[ -x "$busybox" ] || die "$busybox missing (a static busybox for $arch)"
command -v "${qemu[0]}" >/dev/null || die "${qemu[0]} missing (run scripts/deps.sh)"

mkdir -p "$out"
root=$out/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,tests,etc}
cp "$busybox" "$root/bin/busybox"
# busybox lists itself: linking that name too would make a loop
# (the machine's own busybox lists the applets: the same version)
for app in $(/bin/busybox --list); do
	[ "$app" = busybox ] || ln -s busybox "$root/bin/$app"
done
mkdir -p "$root/guest"
for f in scripts/guest/*.sh; do
	cp -a "$f" "$root/guest/$(basename "$f" .sh)"
done
ln -s guest/init "$root/init"
[ "$module" = none ] || install -m 0644 "$module" "$root/sockcancel.ko"
[ -z "$payload" ] || cp -a "$payload"/. "$root/tests/"
for p in ${params[@]+"${params[@]}"}; do
	printf "%s='%s'\n" "${p%%=*}" "${p#*=}"
done > "$root/params"
echo "root:x:0:0:root:/:/bin/sh" > "$root/etc/passwd"
echo "nobody:x:65534:65534:nobody:/:/bin/sh" >> "$root/etc/passwd"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out/initramfs.cpio.gz"

log=$out/console.log
rc=0
timeout --foreground -k 10 "$timeout_s" \
	"${qemu[@]}" -smp 2 -m "$mem" -nographic -no-reboot \
	-kernel "$kernel" -initrd "$out/initramfs.cpio.gz" \
	-append "$cmdline quiet panic=-1 rdinit=/init" \
	> "$log" 2>&1 < /dev/null || rc=$?
# without carriage returns and the firmware's terminal escapes
sed -E 's/\r//g; s/\x1b(\[[0-9;?]*[A-Za-z]|c)//g' "$log" > "$log.txt"
mv "$log.txt" "$log"

exec scripts/tap-summary.sh ${judge[@]+"${judge[@]}"} "$log" "$rc"
