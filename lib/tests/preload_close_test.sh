#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# libsockcancel-close.so under programs that know nothing of sockcancel.
# An unmodified program, Debian's python3.11, closes sockets that other
# threads are blocked on (python_close.py): without the library the three
# threads stay blocked, with LD_PRELOAD=libsockcancel-close.so each raises
# OSError within a second. Then preload_check, the details of close, dup2
# and dup3 under the library (its own TAP shown as comments). Prints
# kselftest TAP. Needs the module, and preload/ beside it (made by
# lib/tests/preload-payload).
d=$(cd "$(dirname "$0")" && pwd)/preload
out=/tmp/preload_close.out

echo "TAP version 13"
echo "1..3"
if [ ! -x "$d/python3.11" ]; then
	for i in 1 2 3; do
		echo "ok $i # SKIP no $d/python3.11"
	done
	exit 0
fi

# the payload's loader, whatever the architecture (ld-linux-x86-64.so.2,
# ld-linux-aarch64.so.1)
for ld in "$d"/ld-linux-*; do :; done

# run PROGRAM [VAR=VALUE...]: through the payload's loader; output in
# $out, shown as TAP comments; the exit status is PROGRAM's
run() {
	prog=$1
	shift
	# shellcheck disable=SC2086 # a program and its arguments
	env -i PYTHONHOME="$d" PYTHONUTF8=1 PYTHONDONTWRITEBYTECODE=1 "$@" \
		"$ld" --library-path "$d" $prog > "$out" 2>&1
	rc=$?
	sed 's/^/# /' "$out"
	return $rc
}

# result N DESCRIPTION: "ok" when the last command succeeded
result() {
	if [ "$?" -eq 0 ]; then
		echo "ok $1 $2"
	else
		echo "not ok $1 $2"
		status=1
	fi
}

python="$d/python3.11 -S $d/python_close.py"
status=0
start=$(cut -d' ' -f1 /proc/uptime)
echo "# python3.11 python_close.py"
run "$python"
[ "$(grep -c ": still blocked" "$out")" = 3 ]
result 1 "python3: without the preload library the threads stay blocked"

echo "# LD_PRELOAD=libsockcancel-close.so python3.11 python_close.py"
run "$python" LD_PRELOAD=libsockcancel-close.so
[ "$(grep -c ": OSError .*, 0\.[0-9]* s after close()" "$out")" = 3 ]
result 2 "python3: with LD_PRELOAD=libsockcancel-close.so they raise OSError within a second"

echo "# LD_PRELOAD=libsockcancel-close.so preload_check"
run "$d/preload_check" LD_PRELOAD=libsockcancel-close.so
result 3 "preload_check: close, dup2 and dup3 under the library"
echo "# $(awk -v s="$start" '{printf "%.1f", $1 - s}' /proc/uptime) s"
exit $status
