#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test command (make check): everything from a fresh Debian 12 machine
# to a verdict. Installs what is missing, builds the library, the command
# and the tests, checks the man pages, the library's ABI against the last
# release's (abidiff), make install and the DKMS build on
# the host, installs the Debian packages into a Debian root and boots their
# DKMS-built module (scripts/deb-test.sh), runs the demo, then runs every test
# program against the module on each supported kernel
# (scripts/check-kernels.sh), and ends with "N passed, N failed, N skipped".
#
# KERNEL=6.1 (the quick way: the machine's own kernel, no download), or a
# list of kernels, chooses; default: all of them, every line of
# scripts/kernels.list, x86-64 (scripts/check-kernels.sh) and arm64
# (scripts/arm64-check.sh). ARCH=x86_64 or ARCH=arm64 chooses the
# architecture; a kernel named for one architecture only runs there.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
set -eu

step() { echo "[$1/7] $2"; }

step 1 "installing dependencies"
scripts/deps.sh

step 2 "taking the kselftest harness from linux-source-6.1"
scripts/ksrc.sh >/dev/null

step 3 "building libsockcancel, the sockcancel command and the tests"
# make check's share of the reliability tests; make fuzz and
# scripts/check-debug.sh run the long counts.
make_tests build/tests 100000 50 10

step 4 "checking the man pages, libsockcancel's ABI, make install, the DKMS build and the packages"
quiet make -s man-check
# libsockcancel.so.0 against the ABI of the last release (lib/abi, abidiff)
make -s abi-check
scripts/install-test.sh
quiet scripts/dkms-test.sh 6.1
# the packages installed into a Debian root, their DKMS-built module booted
# (6.1; with the whole matrix also trixie's 6.12). A failure there is
# counted at the end; the kernels are still tested.
deb=$(mktemp) x86=$(mktemp) arm=$(mktemp)
trap 'rm -f "$deb" "$x86" "$arm"' EXIT
rc=0 deb_rc=0
# shellcheck disable=SC2046
TESTDIR=build/tests scripts/deb-test.sh 6.1 \
	$([ "${KERNEL:-all}" = 6.1 ] || echo 6.12) | tee "$deb" || deb_rc=1
[ "$deb_rc" = 0 ] || rc=1

step 5 "make demo (its own VM)"
quiet scripts/demo.sh

# KERNEL: all (default) or a list; ARCH: all (default; with KERNEL=6.1
# alone, x86_64), x86_64 or arm64
kernels=${KERNEL:-all}
[ "$kernels" != all ] || kernels=""
arch=${ARCH:-all}
[ "$arch" != all ] || [ "${KERNEL:-}" != 6.1 ] || arch=x86_64
# the kernels of $1's lines of the list: those asked for, or by default
# those make check runs
kernels_of() {
	local k

	if [ -z "$kernels" ]; then
		default_kernels "$1"
		return
	fi
	for k in $(kernel_list "$1" | awk '{print $1}'); do
		if [[ " $kernels " == *" $k "* ]]; then
			echo "$k"
		fi
	done | tr '\n' ' '
}
x86_kernels=$(kernels_of x86_64) arm_kernels=$(kernels_of arm64)
if [ "$arch" != arm64 ] && [ -n "$x86_kernels" ]; then
	step 6 "running the tests on $x86_kernels(x86-64)"
	# shellcheck disable=SC2086 # a list of kernels
	TESTDIR=build/tests scripts/check-kernels.sh $x86_kernels 2>&1 | tee "$x86" || rc=1
fi
if [ "$arch" != x86_64 ] && [ -n "$arm_kernels" ]; then
	step 7 "running the tests on $arm_kernels(arm64)"
	# shellcheck disable=SC2086 # a list of kernels
	scripts/arm64-check.sh $arm_kernels 2>&1 | tee "$arm" || rc=1
fi
# the failed tests again, each with its kernel and what it printed
# (scripts/tap-summary.sh's "PROGRAM:   " lines), where the end of a long
# log shows them
if [ "$deb_rc" != 0 ]; then
	echo "failed: the packages (scripts/deb-test.sh)"
	grep -E 'not ok|[1-9][0-9]* failed' "$deb" | sed 's/^ */  /' || true
fi
if grep -qE '^[a-z0-9_]+: not ok |^FAIL: ' "$x86" "$arm"; then
	echo "failed:"
	awk '/booting/ {
		if (match($0, /\([^)]*\)/))
			k = substr($0, RSTART + 1, RLENGTH - 2)
		else if (match($0, /booting [^,]+/))
			k = substr($0, RSTART + 8, RLENGTH - 8)
	     }
	     /^[a-z0-9_]+:(   | not ok )/ || /^FAIL: / { print "  " k ": " $0 }' \
		"$x86" "$arm"
fi
# each run's sum is its last line; the sum of both, last
for f in "$x86" "$arm"; do
	tally "$(tail -n 1 "$f")" || true
done
[ "$rc" = 0 ] || [ "$total_f" -gt 0 ] || total_f=1
totals
exit $rc
