#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make soak: stress_test with the module's test build on the KASAN debug
# kernel, a line of counts every SOAK_EVERY minutes, then the verdict.
# usage: soak    (the VM's files in build/soak)
#   SOAK_MINUTES  how long (default 120, at most 1380)
#   SOAK_EVERY    minutes between lines (default 10)
# More: Documentation/testing.rst, "The soak" (the columns).
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

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
fmt="%5s %8s %14s %9s %9s %5s %5s %6s %11s %6s %11s\n"
samples() {
	sed -n 's/\r$//; s/^@@ soak //p' "$out/vm/console.log" 2>/dev/null ||
		true
}
show_new() {
	local cols
	while read -ra cols; do
		# shellcheck disable=SC2059 # the format is $fmt
		printf "$fmt" "${cols[@]:0:11}"
		printed=$((printed + 1))
	done < <(samples | tail -n +$((printed + 1)))
}
# shellcheck disable=SC2059
printf "$fmt" min streams bytes cancels EINTRs lost fails leaked \
	outstanding unref kmalloc-256
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
