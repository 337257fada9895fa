#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test command (make check), from a fresh Debian 12 machine to "N
# passed, N failed, N skipped" over every check and kernel.
#   KERNEL=6.1   the machine's kernel only (quick), or a list of kernels;
#                default: all but those marked "asked"
#   ARCH=x86_64|arm64  one architecture only (default both)
# More: Documentation/testing.rst, "make check".
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "[$1/7] $2"; }

# KERNEL=6.1 alone means x86_64 (the machine's own kernel)
kernels=${KERNEL:-all}
arch=${ARCH:-all}
[ "$arch" != all ] || [ "$kernels" != 6.1 ] || arch=x86_64
case $arch in all|x86_64|arm64) ;; *) die "ARCH=$arch: x86_64 or arm64" ;; esac
# the kernels of the list for each architecture: those asked, else make check's
declare -A of
for a in x86_64 arm64; do
	[ "$arch" = all ] || [ "$arch" = "$a" ] || continue
	if [ "$kernels" = all ]; then
		of[$a]=$(default_kernels "$a")
	else
		of[$a]=$(kernel_list "$a" | awk -v want=" $kernels " \
			'index(want, " " $1 " ") { printf "%s ", $1 }')
	fi
done
[ -n "${of[x86_64]:-}${of[arm64]:-}" ] || die "no kernel of scripts/kernels.list is KERNEL=$kernels${ARCH:+ for ARCH=$arch}"

step 1 "installing dependencies"
scripts/deps.sh
step 2 "taking the kselftest harness from linux-source-6.1"
scripts/ksrc.sh >/dev/null
step 3 "building libsockcancel, the sockcancel command and the tests"
# make check's counts of the reliability tests (check-debug: long ones)
make_tests build/tests 100000 50 10

step 4 "checking the man pages, libsockcancel's ABI, make install, the DKMS build and the packages"
quiet make -s man-check
make -s abi-check
scripts/install-test.sh
quiet scripts/dkms-test.sh 6.1
# (6.1, with the whole matrix 6.12 too); a failure does not stop the rest
deb=$(mktemp) runs=$(mktemp)
trap 'rm -f "$deb" "$runs"' EXIT
rc=0 deb_rc=0
# shellcheck disable=SC2046
TESTDIR=build/tests scripts/deb-test.sh 6.1 \
	$([ "${KERNEL:-all}" = 6.1 ] || echo 6.12) | tee "$deb" || deb_rc=1 rc=1

step 5 "make demo (its own VM)"
quiet scripts/demo.sh

n=5
for a in x86_64 arm64; do
	n=$((n + 1))
	[ -n "${of[$a]:-}" ] || continue
	step $n "running the tests on ${of[$a]}($a)"
	# shellcheck disable=SC2086 # a list of kernels
	TESTDIR=build/tests scripts/check-kernels.sh -a "$a" ${of[$a]} 2>&1 |
		tee -a "$runs" || rc=1
	# each run's sum is its last line
	tally "$(tail -n 1 "$runs")" || true
done
# the failed tests again, each with its kernel and what it printed
if [ "$deb_rc" != 0 ]; then
	echo "failed: the packages (scripts/deb-test.sh)"
	grep -E 'not ok|[1-9][0-9]* failed' "$deb" | sed 's/^ */  /' || true
fi
if grep -qE '^[a-z0-9_]+: not ok |^FAIL: ' "$runs"; then
	echo "failed:"
	awk 'match($0, /booting [^,]+/) { k = substr($0, RSTART + 8, RLENGTH - 8) }
	     /^[a-z0-9_]+:(   | not ok )/ || /^FAIL: / { print "  " k ": " $0 }' \
		"$runs"
fi
[ "$rc" = 0 ] || [ "$total_f" -gt 0 ] || total_f=1
totals
exit $rc
