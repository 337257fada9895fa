#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Judge a VM's console (TAP, exit statuses, module load, kernel log): the
# failures, then "N passed, N failed, N skipped"; exit 1 on any failure.
# usage: tap-summary [--ignore REGEX]... [--require REGEX]... LOG QEMU_RC
#   --ignore REGEX   a kernel log line matching REGEX is not a splat
#   --require REGEX  the log must contain a line matching REGEX
# More: Documentation/testing.rst, "The VM".
set -uo pipefail

usage() {
	sed -n '3,/^# More/s/^# \{0,1\}//p' "$0" >&"$1"
	exit $(($1 == 1 ? 0 : 2))
}
ignore=() require=()
while [ $# -gt 2 ]; do
	case $1 in
	--ignore) ignore+=("$2") ;;
	--require) require+=("$2") ;;
	*) usage 2 ;;
	esac
	shift 2
done
case ${1:-} in -h|--help) usage 1 ;; esac
[ $# -eq 2 ] || usage 2
log=$1 qemu_rc=$2
passed=0 failed=0 skipped=0
problems=()
for re in ${require[@]+"${require[@]}"}; do
	grep -qE "$re" "$log" || problems+=("no line matching '$re' in the log")
done

if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
	problems+=("VM timed out (hung guest?)")
elif ! grep -q '^@@ end' "$log"; then
	problems+=("VM did not finish (qemu exit $qemu_rc)")
fi
# "none": a kernel with the mechanism built in (scripts/vm.sh -m none)
grep -qE '^@@ insmod (ok|none)' "$log" || problems+=("insmod failed")
grep -qE '^@@ rmmod (ok|none)' "$log" || problems+=("rmmod failed")

# Per program: its TAP plan, results and exit status.
while read -r prog; do
	section=$(awk -v p="$prog" '$0 == "@@ run " p {on=1; next}
		on && /^@@ exit / {exit} on {print}' "$log")
	read -r plan p s f < <(awk '/^1\.\.[0-9]+/ && plan == "" { plan = substr($0, 4) + 0 }
		/^ok [0-9]+/ { if (/# SKIP/) s++; else p++ } /^not ok [0-9]+/ { f++ }
		END { print plan + 0, p + 0, s + 0, f + 0 }' <<<"$section")
	status=$(grep -m1 -E "^@@ exit $prog " "$log" | awk '{print $4}')
	if [ -z "$status" ]; then
		problems+=("$prog did not finish")
		f=$((f + 1))
	elif [ $((p + s + f)) -lt "$plan" ]; then
		problems+=("$prog: $((plan - p - s - f)) of $plan tests gave no result")
		f=$((f + plan - p - s - f))
	elif [ "$status" != 0 ] && [ "$f" -eq 0 ]; then
		problems+=("$prog exited $status")
		f=$((f + 1))
	fi
	# each failed test with what it printed (from its "#  RUN" line)
	awk -v p="$prog" '/^#  RUN / {n = 0} {buf[n++] = $0}
		/^not ok [0-9]+/ {
			for (i = (n > 21 ? n - 21 : 0); i < n - 1; i++)
				print p ":   " buf[i]
			print p ": " $0
		}' <<<"$section"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done < <(sed -n 's/^@@ run //p' "$log")

splat='(BUG:|WARNING:|Oops|general protection fault|kernel BUG|KASAN|UBSAN'
splat+='|possible circular locking|possible recursive locking|inconsistent lock state'
splat+='|lockdep|INFO: task .* blocked|rcu_.*stall|unreferenced object|Kernel panic'
splat+='|Call Trace:|Call trace:|Internal error|Unable to handle kernel|cut here)'
splats=$(grep -nE "$splat" "$log")
for re in ${ignore[@]+"${ignore[@]}"}; do
	splats=$(grep -vE "$re" <<<"$splats")
done
if [ -n "$splats" ]; then
	problems+=("kernel log reports a problem:")
	head -20 <<<"$splats" | sed 's/^/    /' >&2
	# the first report's task, instruction and the functions under it
	first=$(head -1 <<<"$splats" | cut -d: -f1)
	tail -n +"$first" "$log" | head -60 |
		grep -E 'CPU: [0-9]+ |RIP: |^\[ *[0-9.]+\]  [?]? *[A-Za-z_.0-9]+\+0x' |
		head -16 | sed 's/^/    | /' >&2
fi

[ ${#problems[@]} -eq 0 ] || printf 'FAIL: %s\n' "${problems[@]}" >&2
[ ${#problems[@]} -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ ${#problems[@]} -eq 0 ]
