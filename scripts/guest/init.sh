#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of every VM of scripts/vm.sh: mount, load the module, run the
# programs, unload, print the kernel log, stop.
# /params (vm.sh -p): PROGRAMS (globs; default the tests, *_final last),
# KMEMLEAK=1 (scan for leaks after the unload), HALT (default poweroff -f).
# The console protocol ("@@ ..." lines, read by scripts/tap-summary.sh):
# Documentation/testing.rst, "The VM".
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

# record-cmd would switch on the scheduler's tracepoints with trace_test's
# events; QEMU's multi-threaded x86 may then run a stale int3 of that code
# patching ("Oops: int3" in __schedule). The events need no command names.
if mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
	echo 0 > /sys/kernel/tracing/options/record-cmd
fi

if [ "$KMEMLEAK" = 1 ]; then
	mount -t debugfs debugfs /sys/kernel/debug
	# forget what boot left (kmemleak reports objects 5 s old)
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
	rmmod sockcancel && echo "@@ rmmod ok" || echo "@@ rmmod failed"
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
	# boot's ACPI caches (acpi_os_create_cache) turn up late: counted,
	# not printed
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
