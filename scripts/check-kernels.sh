#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the test programs against the module on each supported kernel: build
# the module for it (scripts/kernels.sh), boot it (scripts/vm.sh) and judge the
# console. The test programs are the same for every kernel; only the module
# and the kernel change.
#
# usage: check-kernels [KERNEL...]   (default: the x86-64 kernels of
#                                    scripts/kernels.list make check runs)
#   TESTDIR=DIR   the test programs, already built (scripts/check.sh builds
#                 them); without it they are built here
#   OUT=DIR       where module builds and VM logs go (default build/kernels)
#
# Prints one "KREL: N passed, N failed, N skipped" line per kernel and the
# sum over all kernels last, as "N passed, N failed, N skipped"; exits 1 if
# any kernel failed.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
set -eu

if [ $# -eq 0 ]; then
	read -ra kernels <<< "$(default_kernels x86_64)"
else
	kernels=("$@")
fi
out=${OUT:-build/kernels}
mkdir -p "$out"
out=$(cd "$out" && pwd)
start=$SECONDS

if [ -z "${TESTDIR:-}" ]; then
	log "installing dependencies, building the tests"
	scripts/deps.sh
	scripts/ksrc.sh >/dev/null
	rm -rf "$out/tests"
	quiet make -s tests KVER="$(scripts/kver.sh)" TESTS="$out/tests"
	TESTDIR=$out/tests
fi

summary=()
total_p=0 total_f=0 total_s=0 rc=0
for k in "${kernels[@]}"; do
	t0=$SECONDS
	log "$k: fetching, building the module"
	if ! vars=$(scripts/kernels.sh info "$k"); then
		summary+=("$k: 0 passed, 1 failed, 0 skipped (no kernel)")
		total_f=$((total_f + 1)) rc=1
		continue
	fi
	KREL=$(field KREL <<<"$vars")
	VMLINUZ=$(field VMLINUZ <<<"$vars")
	rm -rf "${out:?}/$KREL"
	mkdir -p "$out/$KREL"
	if ! scripts/kernels.sh build "$k" "$out/$KREL" FAULT_INJECT=1 \
		>"$out/$KREL/build.log" 2>&1; then
		cat "$out/$KREL/build.log"
		summary+=("$KREL: 0 passed, 1 failed, 0 skipped (module build failed)")
		total_f=$((total_f + 1)) rc=1
		continue
	fi
	t1=$SECONDS
	log "$k: booting $KREL, running the tests"
	scripts/vm.sh -k "$VMLINUZ" -m "$out/$KREL/sockcancel.ko" -t "$TESTDIR" \
		"$out/$KREL" | tee "$out/$KREL/result" || rc=1
	line=$(tail -n 1 "$out/$KREL/result")
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
		total_p=$((total_p + BASH_REMATCH[1]))
		total_f=$((total_f + BASH_REMATCH[2]))
		total_s=$((total_s + BASH_REMATCH[3]))
	else
		line="0 passed, 1 failed, 0 skipped (no result)"
		total_f=$((total_f + 1)) rc=1
	fi
	log "$k: build $((t1 - t0)) s, VM $((SECONDS - t1)) s"
	summary+=("$KREL: $line")
done

log "${#kernels[@]} kernels in $((SECONDS - start)) s"
printf '%s\n' "${summary[@]}"
echo "$total_p passed, $total_f failed, $total_s skipped"
exit $rc
