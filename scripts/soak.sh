#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The soak (make soak): selftests/stress_test for SOAK_MINUTES (default 120)
# with the test build of the module (FAULT_INJECT=1: every other two
# seconds each cancel is delayed between finding its call and queueing it)
# on the KASAN debug kernel (scripts/debug-kernel.sh kasan: KASAN, lockdep,
# kmemleak), in one VM. Every SOAK_EVERY minutes (default 10) the guest
# (scripts/guest/soak.sh) samples the module's memory and one line is printed
# here as it comes:
#   min          minutes since the stress test started
#   streams      streams opened; bytes: bytes checked, in streams ended
#   cancels      cancels that returned 0 (CANCEL, and calls CANCEL_SOCKET
#                ended); EINTRs: verified-blocked calls ended by EINTR
#   lost         cancelled blocked calls not ended within 15 s; fails:
#                every invariant the stress test broke, lost included
#   leaked       kmemleak's unreferenced objects the module allocated
#                (after a scan); unref: kmemleak's count, the kernel's too
#   outstanding  the module's objects alive: one pending interruption per
#                module reference beyond the stress test's open device
#   kmalloc-256  active objects of the cache they come from (the whole
#                kernel's, for context)
# Then the VM is judged as check-debug judges it: the stress test's
# result, a clean unload, no kernel report, nothing left for kmemleak after
# the module is removed; and the outstanding objects' range over the last
# hour is printed.
#
# usage: soak   (SOAK_MINUTES, SOAK_EVERY; the VM's files in build/soak)
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
set -eu

minutes=${SOAK_MINUTES:-120}
every=${SOAK_EVERY:-10}
[[ $minutes =~ ^[0-9]+$ && $every =~ ^[0-9]+$ ]] &&
	[ "$minutes" -ge 1 ] && [ "$every" -ge 1 ] ||
	die "SOAK_MINUTES and SOAK_EVERY are minutes (whole numbers from 1)"
# the stress test's own limit is a day
[ "$minutes" -le 1380 ] || die "SOAK_MINUTES is at most 1380 (23 hours)"

scripts/deps.sh
ksft=$(scripts/ksrc.sh)/tools/testing/selftests
tree=$(scripts/debug-kernel.sh kasan)
out=$SC_ROOT/build/soak
rm -rf "$out"
mkdir -p "$out/tests"
log "building the test build of the module against $tree"
module_build "$tree" "$out/mod" FAULT_INJECT=1
quiet make -s -C selftests KSFT_DIR="$ksft" OUTPUT="$out/tests" \
	"$out/tests/stress_test"
echo $((minutes * 60)) > "$out/tests/stress.seconds"
echo $((every * 60)) > "$out/tests/stress.report_s"

log "$minutes minutes, a line every $every (console: $out/vm/console.log)"
scripts/vm.sh -k "$tree/arch/x86/boot/bzImage" -m "$out/mod/sockcancel.ko" \
	-t "$out/tests" -p PROGRAMS=/guest/soak "${KASAN_VM[@]}" \
	-r '^@@ soak ' -T $((minutes * 60 + 1800)) "$out/vm" \
	> "$out/verdict" 2>&1 &
vm=$!

printed=0
samples() {
	sed -n 's/\r$//; s/^@@ soak //p' "$out/vm/console.log" 2>/dev/null ||
		true
}
show_new() {
	local lines

	lines=$(samples | tail -n +$((printed + 1)))
	[ -n "$lines" ] || return 0
	awk '{ printf "%5s %8s %14s %9s %9s %5s %5s %6s %11s %6s %11s\n",
	       $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }' <<<"$lines"
	printed=$((printed + $(wc -l <<<"$lines")))
}
printf "%5s %8s %14s %9s %9s %5s %5s %6s %11s %6s %11s\n" min streams \
	bytes cancels EINTRs lost fails leaked outstanding unref kmalloc-256
while kill -0 "$vm" 2>/dev/null; do
	sleep 15
	show_new
done
rc=0
wait "$vm" || rc=$?
show_new
# the module's outstanding objects over the last hour (or the whole run)
samples | awk -v last="$((minutes - 60))" '$1 >= last {
		if (min == "" || $9 < min) min = $9
		if (max == "" || $9 > max) max = $9
	}
	END { if (min != "") printf "outstanding objects over the last hour: %d to %d\n", min, max }'
cat "$out/verdict"
exit $rc
