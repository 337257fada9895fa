#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A debug kernel from Debian's linux-source-6.1, built once into the cache
# (15-25 minutes on 2 cores); prints its tree (arch/x86/boot/bzImage).
# usage: debug-kernel [kasan|kcsan]
#   kasan  (default) KASAN, lockdep, kmemleak and other checkers
#   kcsan  KCSAN with the same checkers but lockdep and kmemleak
#   DEBUG_KERNEL_REBUILD=1, JOBS (default nproc), LINUX_SOURCE_TARBALL
# More: Documentation/testing.rst, "Debug kernels".
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

variant=${1:-kasan}
tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
tree=$(debug_tree "$variant")
dest=$(dirname "$tree")
jobs=${JOBS:-$(nproc)}

# What the selftests need (selftests/config), and what the VM needs.
mapfile -t need < <(sed -n 's/^CONFIG_\(.*\)=y$/\1/p' selftests/config)
need+=(
	64BIT SMP PREEMPT PRINTK PRINTK_TIME BUG
	TTY SERIAL_8250 SERIAL_8250_CONSOLE ACPI X86_MPPARSE
	BLK_DEV_INITRD RD_GZIP BINFMT_ELF BINFMT_SCRIPT DEVTMPFS
	KALLSYMS KALLSYMS_ALL STACKTRACE UNWINDER_ORC
	SLUB SLUB_DEBUG KERNEL_GZIP
)
# The checkers; FORCE_TASKS_RCU for a real synchronize_rcu_tasks() as Debian's
debug=(
	DEBUG_KERNEL DEBUG_FS DEBUG_ATOMIC_SLEEP DEBUG_OBJECTS
	DEBUG_OBJECTS_FREE DEBUG_OBJECTS_TIMERS DEBUG_OBJECTS_WORK
	DEBUG_OBJECTS_RCU_HEAD DEBUG_LIST PANIC_ON_OOPS DETECT_HUNG_TASK
	SOFTLOCKUP_DETECTOR RCU_EXPERT FORCE_TASKS_RCU TASKS_RCU
)
off=(SLOB KERNEL_XZ UNWINDER_GUESS MODULE_SIG MODVERSIONS DEBUG_INFO)
values=()
case $variant in
kasan)
	debug+=(KASAN KASAN_GENERIC PROVE_LOCKING DEBUG_KMEMLEAK)
	off+=(DEBUG_KMEMLEAK_AUTO_SCAN DEBUG_KMEMLEAK_DEFAULT_OFF)
	;;
kcsan)
	# not strict: the kernel's own rules of a data race; no interrupt
	# watchers (false races on per-CPU data); a race reported once in
	# ten minutes, so a hot one cannot drown the rest
	debug+=(KCSAN KCSAN_REPORT_VALUE_CHANGE_ONLY KCSAN_SELFTEST)
	off+=(KCSAN_STRICT KCSAN_INTERRUPT_WATCHER KCSAN_KUNIT_TEST)
	values+=(KCSAN_REPORT_ONCE_IN_MS=600000)
	;;
esac

if [ -f "$tree/.sockcancel-complete" ] && [ -z "${DEBUG_KERNEL_REBUILD:-}" ]; then
	echo "$tree"
	exit 0
fi

need "apt-get install flex bison bc libelf-dev" flex bison bc gcc make
[ -f /usr/include/libelf.h ] || die "libelf-dev missing (objtool needs it)"

if [ ! -f "$tree/Makefile" ]; then
	[ -f "$tarball" ] || die "$tarball missing (apt-get install linux-source-6.1)"
	log "extracting $tarball into $dest"
	rm -rf "$tree"
	mkdir -p "$dest"
	tar -xJf "$tarball" -C "$dest"
fi

cd "$tree"
rm -f .sockcancel-complete
make -s tinyconfig >&2
values+=("${need[@]/%/=y}" "${debug[@]/%/=y}")
args=()
for v in "${values[@]}"; do
	args+=(--set-val "${v%%=*}" "${v#*=}")
done
for o in "${off[@]}"; do
	args+=(--disable "$o")
done
scripts/config "${args[@]}"
make -s olddefconfig >&2
# Kconfig drops what it cannot satisfy: check that everything asked is set.
missing=()
for v in "${values[@]}"; do
	grep -qx "CONFIG_$v" .config || missing+=("${v%=y}")
done
for o in "${off[@]}"; do
	grep -q "^CONFIG_$o=" .config && missing+=("no $o")
done
[ ${#missing[@]} -eq 0 ] || die "not set after olddefconfig: ${missing[*]}"

log "building the $variant variant with $jobs jobs (log: $dest/build.log)"
start=$(date +%s)
logged "$dest/build.log" make -j"$jobs" || exit 1
log "built in $(( $(date +%s) - start )) s"
touch .sockcancel-complete
echo "$tree"
