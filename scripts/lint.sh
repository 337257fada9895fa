#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make lint: checkpatch --strict on the kernel code and the uapi header,
# the scripts through shellcheck, sparse (C=2) and a W=1 -Werror build.
# usage: lint KDIR
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || usage
kdir=$1
ksrc=$(scripts/ksrc.sh)
rc=0

checkpatch() {
	perl "$ksrc/scripts/checkpatch.pl" --strict --no-tree --quiet \
		--terse --show-types --ignore FILE_PATH_CHANGES "$@"
}

echo "lint: checkpatch --strict"
# ENOSYS: target.c reads -ENOSYS as the entry code's "syscall running"
# marker in pt_regs->ax; it never returns it.
checkpatch --ignore ENOSYS -f module/*.c module/sc_internal.h || rc=1
# compat.h is where kernel versions are compared, by design.
checkpatch --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f module/compat.h ||
	rc=1
# BIT_MACRO: BIT() does not exist for userspace; the uapi spells it out.
checkpatch --ignore BIT_MACRO -f uapi/linux/*.h || rc=1
# the kernel's own layout of TRACE_EVENT()
checkpatch --ignore OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT -f module/sc_trace.h ||
	rc=1

echo "lint: shellcheck (warnings) on scripts/"
if command -v shellcheck >/dev/null; then
	shellcheck -x -S warning scripts/*.sh scripts/guest/*.sh || rc=1
else
	echo "lint: shellcheck not installed (apt-get install shellcheck): skipped"
fi

echo "lint: sparse and W=1 -Werror"
# in a copy: the tree's own sockcancel.ko stays as it was
src=$(mktemp -d /tmp/sockcancel-lint.XXXXXX)
log=$src/log
trap 'rm -rf "$src"' EXIT
copy_module "$SC_ROOT" "$src"
make -s -C "$kdir" M="$src" C=2 W=1 KCFLAGS=-Werror modules >"$log" 2>&1 ||
	rc=1
# sparse reports as warnings without failing the build
grep -vE "Skipping BTF|^make|^$" "$log" | sed "s|$src/||g" | grep . && rc=1
[ $rc -eq 0 ] && echo "lint: clean"
exit $rc
