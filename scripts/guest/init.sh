#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of every VM scripts/vm.sh boots: mount, load the module, run the
# programs, unload, print the kernel log, stop. The host reads the console.
#
# Parameters: /params, shell assignments written by scripts/vm.sh:
#   PROGRAMS  the programs to run, in order (globs; default: the test
#             programs /tests/*_test /tests/*_test32, then /tests/*_final,
#             which change the machine for good, e.g. Yama's ptrace_scope 3);
#             each prints kselftest TAP, and its exit status counts
#   KMEMLEAK  1: forget what boot leaves unreferenced before the module is
#             loaded; scan for leaks after it is unloaded
#   HALT      how the guest stops (default "poweroff -f"; a kernel that
#             halts on poweroff needs "reboot -f", qemu runs with -no-reboot)
#
# The console protocol, defined here and read by scripts/tap-summary.sh:
#   @@ insmod ok|failed|none loading the module (none: the kernel has no
#                            module to load, scripts/vm.sh -m none)
#   @@ run NAME              program NAME starts; its TAP follows
#   @@ exit NAME STATUS      it ended with STATUS
#   @@ rmmod ok|failed|none  unloading the module (a program may unload and
#                            load it, but leaves it loaded)
#   @@ kmemleak done         (KMEMLEAK=1) the scan ran; its findings follow
#                            as the kernel words them
#   @@ dmesg                 the kernel log follows
#   @@ end                   everything ran
PROGRAMS="/tests/*_test /tests/*_test32 /tests/*_final"
KMEMLEAK=0
HALT="poweroff -f"
# shellcheck disable=SC1091
[ -f /params ] && . /params

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp && mount -t tmpfs tmp /tmp
ip link set lo up
export PATH=/tests:/bin:/sbin

# Enabling a trace event (trace_test) would also record the command names
# of the tasks scheduled, which turns on the scheduler's tracepoints: their
# code is patched while the other CPU runs it. QEMU's multi-threaded
# emulation of x86 may then execute the patch's transient breakpoint after
# the patch is done ("Oops: int3" in __schedule, the guest panics). Keep
# tracing off the scheduler; the sockcancel events need no command names.
if mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
	echo 0 > /sys/kernel/tracing/options/record-cmd
fi

if [ "$KMEMLEAK" = 1 ]; then
	mount -t debugfs debugfs /sys/kernel/debug
	# kmemleak reports an object once it is 5 s old: let boot's show up
	# now, then forget them
	sleep 5
	echo scan > /sys/kernel/debug/kmemleak
	echo clear > /sys/kernel/debug/kmemleak
fi

run_programs() {
	for p in $PROGRAMS; do
		[ -x "$p" ] || continue
		echo "@@ run ${p##*/}"
		"$p"
		echo "@@ exit ${p##*/} $?"
	done
}

echo
if [ ! -f /sockcancel.ko ]; then
	echo "@@ insmod none"
	run_programs
	echo "@@ rmmod none"
elif insmod /sockcancel.ko; then
	echo "@@ insmod ok"
	run_programs
	if rmmod sockcancel; then
		echo "@@ rmmod ok"
	else
		echo "@@ rmmod failed"
	fi
else
	echo "@@ insmod failed"
fi

if [ "$KMEMLEAK" = 1 ] && [ ! -w /sys/kernel/debug/kmemleak ]; then
	echo "@@ kmemleak unavailable"
elif [ "$KMEMLEAK" = 1 ]; then
	# reported once unreferenced for 5 s and seen by two scans
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	sleep 1
	echo scan > /sys/kernel/debug/kmemleak
	echo "@@ kmemleak done"
	# ACPI's caches made at boot (acpi_os_create_cache) turn up late;
	# they are the kernel's: counted, not printed
	awk '/^unreferenced object/ { flush(); rec = $0; next }
	     { rec = rec "\n" $0 }
	     function flush() {
		if (rec == "") return
		if (rec ~ /acpi_os_create_cache/) acpi++; else print rec
		rec = ""
	     }
	     END { flush(); printf "kmemleak: %d boot-time ACPI objects not counted\n", acpi }' \
		/sys/kernel/debug/kmemleak
fi
echo "@@ dmesg"
dmesg
echo "@@ end"
$HALT
