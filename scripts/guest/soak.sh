#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The soak's guest (soak.sh): stress_test's output passed through, and at
# each progress line "@@ soak MIN STREAMS BYTES CANCELS EINTRS LOST
# FAILURES LEAKED OUTSTANDING UNREFERENCED KMALLOC256"; its exit status.
# More: Documentation/testing.rst, "The soak".
leak=/sys/kernel/debug/kmemleak

sample() {
	s=0 streams=0 bytes=0 cancels=0 eintr=0 lost=0 failures=0
	# the stress test's NAME=NUMBER words, these names and numbers only
	for kv in "$@"; do
		case $kv in
		s=*|streams=*|bytes=*|cancels=*|eintr=*|lost=*|failures=*)
			case ${kv#*=} in ''|*[!0-9]*) ;; *) eval "$kv" ;; esac ;;
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
	# one reference per pending interruption, the only allocation that
	# outlives an ioctl, and one for the stress test's open device
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
