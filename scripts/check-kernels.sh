#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the test programs against the module on each supported kernel: build
# the module for it (scripts/kernels.sh), boot it (scripts/vm.sh) and judge
# the console. The test programs are the same for every kernel; only the
# module and the kernel change.
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

read -ra kernels <<< "${*:-$(default_kernels x86_64)}"
out=${OUT:-build/kernels}
mkdir -p "$out"
out=$(cd "$out" && pwd)
start=$SECONDS

if [ -z "${TESTDIR:-}" ]; then
	log "installing dependencies, building the tests"
	scripts/deps.sh
	scripts/ksrc.sh >/dev/null
	make_tests "$out/tests"
	TESTDIR=$out/tests
fi

summary=() rc=0
for k in "${kernels[@]}"; do
	t0=$SECONDS
	log "$k: fetching, building the module"
	line=""
	kernel_info "$k" || KREL=$k line="0 passed, 1 failed, 0 skipped (no kernel)"
	rm -rf "${out:?}/$KREL"
	mkdir -p "$out/$KREL"
	if [ -n "$line" ]; then
		:
	elif ! scripts/kernels.sh build "$k" "$out/$KREL" FAULT_INJECT=1 \
		>"$out/$KREL/build.log" 2>&1; then
		cat "$out/$KREL/build.log"
		line="0 passed, 1 failed, 0 skipped (module build failed)"
	else
		t1=$SECONDS
		log "$k: booting $KREL, running the tests"
		scripts/vm.sh -k "$VMLINUZ" -m "$out/$KREL/sockcancel.ko" \
			-t "$TESTDIR" "$out/$KREL" | tee "$out/$KREL/result" || rc=1
		line=$(tail -n 1 "$out/$KREL/result")
		[[ $line =~ ^[0-9]+\ passed,\ [0-9]+\ failed,\ [0-9]+\ skipped$ ]] ||
			line="0 passed, 1 failed, 0 skipped (no result)"
		log "$k: build $((t1 - t0)) s, VM $((SECONDS - t1)) s"
	fi
	tally "$line"
	[[ $line == *" 0 failed,"* ]] || rc=1
	summary+=("$KREL: $line")
done

log "${#kernels[@]} kernels in $((SECONDS - start)) s"
printf '%s\n' "${summary[@]}"
totals
exit $rc
