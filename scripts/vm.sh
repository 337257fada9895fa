#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The one VM runner: initramfs built, kernel booted in QEMU (TCG), console
# judged (tap-summary.sh); "N passed, N failed, N skipped" last.
# usage: vm [OPTION...] OUTDIR        (the console: OUTDIR/console.log)
#   -k IMAGE     the kernel (default: the machine's Debian 6.1)
#   -m MODULE    the module to load (default sockcancel.ko; none: built in)
#   -t DIR       the payload, copied to /tests
#   -p NAME=VAL  a guest parameter (repeatable; scripts/guest/init.sh)
#   -a ARCH      x86_64 (default) or arm64
#   -b BUSYBOX   a static busybox for ARCH (default /bin/busybox)
#   -M MIB       guest memory (default 1024)
#   -T SECONDS   give up after (default 900)
#   -i REGEX     a kernel log line matching it is no splat (repeatable)
#   -r REGEX     the console must have a line matching it (repeatable)
#   -c           count instructions: the guest's clock advances 1 ns per
#                instruction executed (one host thread for the vCPUs)
#   -g           a debugger may attach: QEMU's gdb stub on :1234, nokaslr
#                (one host thread; bench/rwstep.py)
# More: Documentation/testing.rst, "The VM".
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

kernel="" module=sockcancel.ko payload="" arch=x86_64 mem=1024 timeout_s=900
busybox=/bin/busybox accel=tcg,thread=multi icount=() gdb=()
params=() judge=()
while getopts k:m:t:p:a:b:M:T:i:r:cg opt; do
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
	c) accel=tcg,thread=single icount=(-icount "shift=0,sleep=off") ;;
	g) accel=tcg,thread=single gdb=(-s) ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
out=$1
[ -n "$kernel" ] || kernel=/boot/vmlinuz-$(scripts/kver.sh)

# shellcheck disable=SC2054 # options with commas
case $arch in
x86_64)
	qemu=(qemu-system-x86_64 -accel "$accel" "${icount[@]}")
	# a busy host makes the watchdog call the TSC unstable, which
	# patches code under the tests; the emulated TSC is the host's
	cmdline="console=ttyS0 tsc=reliable" ;;
arm64)
	qemu=(qemu-system-aarch64 -M virt -cpu "${QEMU_CPU:-max,pauth-impdef=on}"
	      -accel "$accel" "${icount[@]}")
	cmdline="console=ttyAMA0" ;;
*)
	die "architecture $arch is not supported" ;;
esac
[ -f "$kernel" ] || die "$kernel missing (run scripts/deps.sh)"
[ "$module" = none ] || [ -f "$module" ] || die "$module missing"
[ -x "$busybox" ] || die "$busybox missing (a static busybox for $arch)"
need "run scripts/deps.sh" "${qemu[0]}"

root=$out/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,tests,etc,guest}
cp "$busybox" "$root/bin/busybox"
# the machine's busybox (same version) lists the applets; not busybox
# itself, which would make a loop
for app in $(/bin/busybox --list); do
	[ "$app" = busybox ] || ln -s busybox "$root/bin/$app"
done
for f in scripts/guest/*.sh; do
	cp -a "$f" "$root/guest/$(basename "$f" .sh)"
done
ln -s guest/init "$root/init"
[ "$module" = none ] || install -m 0644 "$module" "$root/sockcancel.ko"
[ -z "$payload" ] || cp -a "$payload"/. "$root/tests/"
for p in ${params[@]+"${params[@]}"}; do
	printf "%s='%s'\n" "${p%%=*}" "${p#*=}"
done > "$root/params"
printf '%s\n' root:x:0:0:root:/:/bin/sh nobody:x:65534:65534:nobody:/:/bin/sh \
	> "$root/etc/passwd"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out/initramfs.cpio.gz"

log=$out/console.log
boot() {
	rc=0
	timeout --foreground -k 10 "$timeout_s" \
		"${qemu[@]}" ${gdb[@]+"${gdb[@]}"} -smp 2 -m "$mem" -nographic \
		-no-reboot -kernel "$kernel" -initrd "$out/initramfs.cpio.gz" \
		-append "$cmdline${gdb[*]:+ nokaslr} quiet panic=-1 rdinit=/init" \
		> "$log" 2>&1 < /dev/null || rc=$?
	# without carriage returns and the firmware's terminal escapes
	sed -E 's/\r//g; s/\x1b(\[[0-9;?]*[A-Za-z]|c)//g' "$log" > "$log.txt"
	mv "$log.txt" "$log"
}
boot
# A kernel that dies before the guest's init has said a word ran none of
# the tests: under multi-threaded TCG, code the boot patches (a static
# key) can trap on the other vCPU. Once more; a kernel that cannot boot
# dies again. The first console stays in console.log.boot1.
if ! grep -q '^@@ ' "$log" && grep -qE 'Oops: |Kernel panic' "$log"; then
	mv "$log" "$log.boot1"
	log "the kernel died before init ($(grep -m1 -E 'Oops: |Kernel panic' \
		"$log.boot1" | cut -c1-80)); booting once more"
	boot
fi

exec scripts/tap-summary.sh ${judge[@]+"${judge[@]}"} "$log" "$rc"
