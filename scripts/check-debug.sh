#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-debug: the suite with long counts on scripts/debug-kernel.sh's
# kernels, KCSAN's reports judged; a line per variant, exit 1 on a failure.
# usage: check-debug [--if-cached] [kasan|kcsan]...   (default: both)
#   --if-cached  skip (exit 0) a variant whose kernel is not built yet
#   FUZZ_CALLS (1000000), UNLOAD_CYCLES (1000), STRESS_SECONDS (300),
#   VM_TIMEOUT (5400 s a variant)
# More: Documentation/testing.rst, "Debug kernels".
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

if_cached=0
[ "${1:-}" != --if-cached ] || { if_cached=1; shift; }
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(kasan kcsan)
for v in "${variants[@]}"; do debug_tree "$v" >/dev/null; done

# The kernel's own races: a regex on a report's first line, one on its
# stacks, and why (more: Documentation/testing.rst)
core_races=(
	# the x86 TLB code reads the mm's CPU mask without a lock by design
	'data-race in (_find_next_bit|_find_first_and_bit|__bitmap_and)[+]'
	'flush_tlb_mm_range'
	# handle_pte_fault() checks the pte again under the lock
	'data-race in __handle_mm_fault / do_set_pte'
	'handle_mm_fault'
	# get_task_mm() tests PF_KTHREAD, which never changes for a task
	'data-race in do_exit / get_task_mm'
	'access_process_vm'
)

# Judge KCSAN's reports in console log $1, from the kernel log after
# "@@ dmesg": "quiet" keeps their stacks off the console.
kcsan_reports() {
	local listed found bad
	listed=$(printf '%s\t%s\n' ${core_races[@]+"${core_races[@]}"})
	found=$(awk -v skip="$(grep -c '^@@ dmesg' "$1")" -v listed="$listed" '
		BEGIN {
			n = split(listed, l, "\n")
			for (i = 1; i <= n; i++)
				if (split(l[i], f, "\t") == 2) { h[i] = f[1]; st[i] = f[2] }
		}
		skip && /^@@ dmesg/ { skip = 0; next }
		skip { next }
		{ sub(/^\[[ 0-9.]*\] ?/, "") }
		/BUG: KCSAN: / {
			rep = 1; all++; head = $0; body = ""
			own = mod = stack = top = 0
			sub(/^.*BUG: /, "BUG: ", head)
			next
		}
		!rep { next }
		/ to 0x[0-9a-f]+ of [0-9]+ bytes by / { top = 1; next }
		top && NF { top = 0; if (/\[sockcancel\]/) own = 1 }
		/\[sockcancel\]/ { mod++ }
		/\+0x[0-9a-f]+\/0x[0-9a-f]+/ { stack = 1 }
		/^=+$/ {
			rep = 0
			if (own) { print "own " head; next }
			if (!stack) { print "bad " head " (no stacks)"; next }
			for (i in h)
				if (head ~ h[i] && body ~ st[i]) {
					print "listed" (mod ? "-via " : " ") head
					next
				}
			print "bad " head
			next
		}
		{ body = body "\n" $0 }
		END { print "all " all + 0 }' "$1")
	say "$(sed -n 's/^all //p' <<<"$found") KCSAN reports:" \
	     "$(grep -c '^own ' <<<"$found") a racing access of the module's own," \
	     "$(grep -c '^listed' <<<"$found") the kernel's as listed" \
	     "($(grep -c '^listed-via ' <<<"$found") reached through a module call)," \
	     "$(grep -c '^bad ' <<<"$found") other"
	grep '^listed' <<<"$found" | sed 's/^[a-z-]* /    listed: /' | counted
	bad=$(grep -E '^(own|bad) ' <<<"$found" || true)
	[ -n "$bad" ] || return 0
	sed 's/^own /    FAIL, the module: /; s/^bad /    FAIL, not listed: /' \
		<<<"$bad" | counted
	return 1
}

# Distinct lines of stdin, each once with its count if more than one.
counted() {
	sort | uniq -c | awk '{ n = $1; sub(/^ *[0-9]+ /, "")
		print $0 (n > 1 ? " (" n " times)" : "") }'
}

# One variant: build, boot, judge. Prints the VM's verdict last.
run_variant() {
	local variant=$1 tree kernel out judge rc=0
	tree=$(scripts/debug-kernel.sh "$variant") || return 1
	kernel=$tree/arch/x86/boot/bzImage
	out=$SC_ROOT/build/debug/$variant
	fresh "$out"
	echo "[$variant 1/4] building the module against $tree"
	(module_build "$tree" "$out/mod" FAULT_INJECT=1) || return 1
	[ "$variant" != kcsan ] || nm -u "$out/mod/sockcancel.ko" | grep -q ' __tsan_' ||
		{ say "the module was built without KCSAN instrumentation"; return 1; }
	echo "[$variant 2/4] building the tests (kselftests, library and command tests)"
	(make_tests "$out/tests" "${FUZZ_CALLS:-1000000}" \
		"${UNLOAD_CYCLES:-1000}" "${STRESS_SECONDS:-300}") || return 1
	# the checkers slow sockcancel_close's race test: 300 rounds, not 1,000
	echo 300 > "$out/tests/close.rounds"

	judge=("${KASAN_VM[@]}")
	# kcsan halts on poweroff; KCSAN started, passed its test
	[ "$variant" = kasan ] || judge=(-p "HALT=reboot -f" -r 'kcsan: enabled early'
		-r 'kcsan: selftest: ([0-9]+)/\1 tests passed' -i 'BUG: KCSAN: ')
	echo "[$variant 3/4] booting the debug kernel and running the selftests"
	scripts/vm.sh -k "$kernel" -m "$out/mod/sockcancel.ko" -t "$out/tests" \
		-T "${VM_TIMEOUT:-5400}" "${judge[@]}" "$out" || rc=1
	if [ "$variant" = kcsan ]; then
		echo "[$variant 4/4] judging KCSAN's reports"
		kcsan_reports "$out/console.log" || rc=1
	fi
	return $rc
}

echo "[deps] dependencies and the kselftest harness"
deps

summary=() rc=0
for v in "${variants[@]}"; do
	if [ $if_cached = 1 ] && [ ! -f "$(debug_tree "$v")/.sockcancel-complete" ]; then
		say "no $v debug kernel in $SC_CACHE (scripts/debug-kernel.sh $v builds it); skipped"
		summary+=("$v: skipped (not built)")
		continue
	fi
	out=$SC_ROOT/build/debug/$v.result
	mkdir -p "$(dirname "$out")"
	if run_variant "$v" | tee "$out"; then
		summary+=("$v: $(grep -E 'passed, .* failed' "$out" | tail -n 1)")
	else
		summary+=("$v: FAILED ($(grep -E 'passed, .* failed' "$out" | tail -n 1))")
		rc=1
	fi
done
for s in "${summary[@]}"; do say "$s"; done
exit $rc
