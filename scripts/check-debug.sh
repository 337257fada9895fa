#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check on the debug kernels: Debian's linux-source-6.1 built by
# scripts/debug-kernel.sh (cached outside the repo) in two variants,
#   kasan  KASAN, lockdep, kmemleak, debug objects, list debugging,
#          atomic-sleep checks and panic on oops
#   kcsan  KCSAN, the data race detector, with the same checkers but
#          lockdep and kmemleak
# For each: the test build of the module against that tree (checked to be
# instrumented), every selftest with the long counts below (kasan: a
# kmemleak scan after the unload), judged as make check judges. On kcsan a
# data race report fails if either racing access is the module's own, or
# if it is the kernel's and not listed below (core_races) with the reason.
#
# usage: check-debug [--if-cached] [kasan|kcsan]...
#   no variant   both, kasan first
#   --if-cached  skip (exit 0) a variant whose kernel is not built yet,
#                rather than building it (15-25 minutes each on 2 cores)
# Counts: FUZZ_CALLS (default 1000000), UNLOAD_CYCLES (1000),
# STRESS_SECONDS (300); VM_TIMEOUT (default 5400 s, per variant).
# Ends with one line per variant and exits 1 if any failed.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
set -eu

if_cached=0
[ "${1:-}" != --if-cached ] || { if_cached=1; shift; }
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(kasan kcsan)
for v in "${variants[@]}"; do
	debug_tree "$v" >/dev/null
done

# KCSAN reports whose racing accesses are both the kernel's, each with the
# reason it is left to the kernel: a regex on the report's first line
# ("BUG: KCSAN: data-race in A / B", or "in A+off/size" for a race of
# unknown origin) and one that must match somewhere in its stacks. Module
# frames may be below (the module called the kernel); a report in which
# the module's code made one of the racing accesses can never be listed.
core_races=(
	# flush_tlb_mm_range() and smp_call_function_many_cond() read the
	# mm's CPU mask (cpumask_any_but, cpumask_first_and, bitmap_and)
	# while switch_mm_irqs_off(), not instrumented, sets and clears its
	# bits with atomic bit operations: the x86 TLB code reads that
	# mask without a lock by design and copes with a CPU that joins or
	# leaves meanwhile. Seen from page faults and mprotect of the test
	# programs, no module code involved.
	'data-race in (_find_next_bit|_find_first_and_bit|__bitmap_and)[+]'
	'flush_tlb_mm_range'
	# handle_pte_fault() reads the pte without the page table lock and
	# checks it again under that lock before using it; another fault
	# installing the same pte meanwhile (do_set_pte) is the case it
	# expects. Seen with get_user_pages_remote() below the other side,
	# from the module's access_process_vm() of another process's
	# memory: an exported call whose internals the module cannot mark.
	'data-race in __handle_mm_fault / do_set_pte'
	'handle_mm_fault'
	# get_task_mm() tests PF_KTHREAD, which never changes for a task,
	# in the flags word whose other bits do_exit() sets. Seen through
	# the module's access_process_vm() of a thread that was exiting;
	# the module now asks that of the caller for its own memory (no
	# race), and of the target only for another process's memory.
	'data-race in do_exit / get_task_mm'
	'access_process_vm'
)

# Judge KCSAN's reports in a console log: print the count, and each report
# that fails, one line per distinct race with its count (the module's own
# access; the kernel's, not listed; a report without its stacks); fail if
# there is any. Read in the kernel log printed after "@@ dmesg": the
# console itself shows only a report's first lines (its stacks have the
# default log level, which "quiet" keeps off the console). That log is
# whole when it still has its boot lines (the "kcsan: enabled early" the
# judge requires); without it (a crash) the console is read, where no
# report can be cleared.
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
	local variant=$1 tree kernel out judge=()

	tree=$(scripts/debug-kernel.sh "$variant") || return 1
	kernel=$tree/arch/x86/boot/bzImage
	out=$SC_ROOT/build/debug/$variant
	rm -rf "$out"
	mkdir -p "$out"
	echo "[$variant 1/4] building the module against $tree"
	(module_build "$tree" "$out/mod" FAULT_INJECT=1) || return 1
	if [ "$variant" = kcsan ] &&
	   ! nm -u "$out/mod/sockcancel.ko" | grep -q ' __tsan_'; then
		say "the module was built without KCSAN instrumentation"
		return 1
	fi

	echo "[$variant 2/4] building the tests (kselftests, library and command tests)"
	(make_tests "$out/tests" "${FUZZ_CALLS:-1000000}" \
		"${UNLOAD_CYCLES:-1000}" "${STRESS_SECONDS:-300}") || return 1
	# the checkers slow every round of sockcancel_close's race test:
	# fewer rounds than the 1,000 of make check
	echo 300 > "$out/tests/close.rounds"

	case $variant in
	kasan) judge=("${KASAN_VM[@]}") ;;
	kcsan)
		# halts on poweroff too; KCSAN must have started and passed
		# its own boot-time test; its reports are judged by
		# kcsan_reports, with their stacks
		judge=(-p "HALT=reboot -f" -r 'kcsan: enabled early'
		       -r 'kcsan: selftest: ([0-9]+)/\1 tests passed'
		       -i 'BUG: KCSAN: ')
		;;
	esac
	echo "[$variant 3/4] booting the debug kernel and running the selftests"
	local rc=0
	scripts/vm.sh -k "$kernel" -m "$out/mod/sockcancel.ko" -t "$out/tests" \
		-T "${VM_TIMEOUT:-5400}" "${judge[@]}" "$out" || rc=1
	if [ "$variant" = kcsan ]; then
		echo "[$variant 4/4] judging KCSAN's reports"
		kcsan_reports "$out/console.log" || rc=1
	fi
	return $rc
}

echo "[deps] dependencies and the kselftest harness"
scripts/deps.sh
scripts/ksrc.sh >/dev/null

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
for s in "${summary[@]}"; do
	say "$s"
done
exit $rc
