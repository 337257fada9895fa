#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build a debug kernel from Debian's linux-source-6.1 for scripts/check-debug.sh
# and scripts/soak.sh: tinyconfig, plus what the module and the selftests need,
# plus the kernel's own checkers. Two variants, since KCSAN excludes KASAN:
#   kasan  (default) KASAN, lockdep, kmemleak, debug objects, list
#          debugging, atomic-sleep checks, panic on oops
#   kcsan  KCSAN, the data race detector, with the same checkers but
#          lockdep and kmemleak (the kasan variant has them; under emulation
#          each slows the run a lot)
# Each is built once per machine into its own cache directory outside the
# repo (lib.sh's debug_tree); prints the tree's directory (bzImage is in
# arch/x86/boot/bzImage, Module.symvers at the top).
#
# usage: debug-kernel [kasan|kcsan]
# About 15-25 minutes on 2 cores the first time; afterwards it only checks
# that the build is complete. DEBUG_KERNEL_REBUILD=1 forces a new build.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
set -eu

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
# The kernel's checkers. synchronize_rcu_tasks() is only a real Tasks RCU
# wait when TASKS_RCU is set (Debian's kernel has it through PREEMPTION and
# its tracers); here FORCE_TASKS_RCU selects it.
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
	# KCSAN instruments every object, the module's included (Kbuild
	# adds its flags to external modules too), and reports a race
	# when a watched access sees the value change under it. Not
	# strict (KCSAN_STRICT): the kernel's rules for what is a data
	# race, so a report is one the kernel itself would fix. No
	# interrupt watchers (KCSAN_INTERRUPT_WATCHER): the module has no
	# interrupt-context code, and they report false races on per-CPU
	# data in the core. One report per race per ten minutes
	# (KCSAN_REPORT_ONCE_IN_MS), so a hot race in the core, reported
	# again every three seconds by default, cannot drown the rest.
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
args=()
for o in "${need[@]}" "${debug[@]}"; do
	args+=(--enable "$o")
done
for o in "${off[@]}"; do
	args+=(--disable "$o")
done
for v in ${values[@]+"${values[@]}"}; do
	args+=(--set-val "${v%%=*}" "${v#*=}")
done
scripts/config "${args[@]}"
make -s olddefconfig >&2
# Kconfig drops what it cannot satisfy: check that everything asked is set.
missing=()
for o in "${need[@]}" "${debug[@]}"; do
	grep -qx "CONFIG_$o=y" .config || missing+=("$o")
done
for v in ${values[@]+"${values[@]}"}; do
	grep -qx "CONFIG_$v" .config || missing+=("$v")
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
