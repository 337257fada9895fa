#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The soak (scripts/soak.sh), run by scripts/guest/init.sh with the module
# loaded and KMEMLEAK=1: /tests/stress_test for as long as its
# stress.seconds says, its output passed through; at each of its progress
# lines (stress.report_s) the module's memory is sampled into one line
#   @@ soak MIN STREAMS BYTES CANCELS EINTRS LOST FAILURES LEAKED
#           OUTSTANDING UNREFERENCED KMALLOC256
# (scripts/soak.sh says what each is). OUTSTANDING is the module's
# reference count less the stress test's one open of the device: each
# pending interruption (struct sc_pending, the only allocation that
# outlives an ioctl) holds one reference. The exit status is the stress
# test's.
leak=/sys/kernel/debug/kmemleak

sample() {
	s=0 streams=0 bytes=0 cancels=0 eintr=0 lost=0 failures=0
	for kv in "$@"; do
		case $kv in
		s=*) s=${kv#s=} ;;
		streams=*) streams=${kv#streams=} ;;
		bytes=*) bytes=${kv#bytes=} ;;
		cancels=*) cancels=${kv#cancels=} ;;
		eintr=*) eintr=${kv#eintr=} ;;
		lost=*) lost=${kv#lost=} ;;
		failures=*) failures=${kv#failures=} ;;
		esac
	done
	leaked=- unref=-
	if [ -w $leak ]; then
		echo scan > $leak
		unref=$(grep -c '^unreferenced object' $leak)
		leaked=$(awk '/^unreferenced object/ { n += mine; mine = 0 }
			/\[sockcancel\]/ { mine = 1 }
			END { print n + mine }' $leak)
	fi
	refs=$(cat /sys/module/sockcancel/refcnt)
	slab=$(awk '$1 == "kmalloc-256" { print $2 }' /proc/slabinfo 2>/dev/null)
	echo "@@ soak $((s / 60)) $streams $bytes $cancels $eintr $lost $failures $leaked $((refs - 1)) $unref ${slab:--}"
}

{
	/tests/stress_test
	echo $? > /tmp/soak.rc
} 2>&1 | while IFS= read -r line; do
	echo "$line"
	case $line in
	"# progress "*)
		# shellcheck disable=SC2086 # the fields, one word each
		sample ${line#\# progress }
		;;
	esac
done
exit "$(cat /tmp/soak.rc)"
