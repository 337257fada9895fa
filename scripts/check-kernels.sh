#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The tests on each x86-64 kernel: "KREL: N passed, N failed, N skipped"
# per kernel, the sum last; exit 1 if any failed.
# usage: check-kernels [KERNEL...]     (default: make check's x86-64 ones)
#   TESTDIR=DIR  the test programs, already built (default: built here)
#   OUT=DIR      module builds and VM logs (default build/kernels)
# More: Documentation/testing.rst, "make check".
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

read -ra kernels <<< "${*:-$(default_kernels x86_64)}"
out=$(abs_dir "${OUT:-build/kernels}")
start=$SECONDS
need_tests "$out/tests"

summary=()
for k in "${kernels[@]}"; do
	t0=$SECONDS
	log "$k: fetching, building the module"
	line=""
	kernel_info "$k" || KREL=$k line="0 passed, 1 failed, 0 skipped (no kernel)"
	dir=$out/$KREL
	fresh "$dir"
	if [ -z "$line" ] && ! scripts/kernels.sh build "$k" "$dir" \
		FAULT_INJECT=1 >"$dir/build.log" 2>&1; then
		cat "$dir/build.log"
		line="0 passed, 1 failed, 0 skipped (module build failed)"
	elif [ -z "$line" ]; then
		t1=$SECONDS
		log "$k: booting $KREL, running the tests"
		scripts/vm.sh -k "$VMLINUZ" -m "$dir/sockcancel.ko" \
			-t "$TESTDIR" "$dir" | tee "$dir/result" || true
		line=$(result_of "$dir/result")
		log "$k: build $((t1 - t0)) s, VM $((SECONDS - t1)) s"
	fi
	tally "$line"
	summary+=("$KREL: $line")
done

log "${#kernels[@]} kernels in $((SECONDS - start)) s"
printf '%s\n' "${summary[@]}"
totals
[ "$total_f" -eq 0 ]
