#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Python module sockcancel in the guest: Debian's python3.11 (from
# preload/, see preload-payload) runs python_sockcancel.py with the module
# and libsockcancel.so.0 of python/ beside this script (the tree's; in
# scripts/deb-test.sh the packaged ones). Its kselftest TAP is this test's.
# Needs the module.
here=$(cd "$(dirname "$0")" && pwd)
d=$here/preload
py=$here/python

if [ ! -x "$d/python3.11" ] || [ ! -f "$py/sockcancel.py" ]; then
	echo "TAP version 13"
	echo "1..1"
	echo "ok 1 # SKIP no $d/python3.11 or $py/sockcancel.py"
	exit 0
fi
# the payload's loader, whatever the architecture (ld-linux-x86-64.so.2,
# ld-linux-aarch64.so.1)
for ld in "$d"/ld-linux-*; do :; done
exec env -i PYTHONHOME="$d" PYTHONPATH="$py" PYTHONUTF8=1 \
	PYTHONDONTWRITEBYTECODE=1 \
	"$ld" --library-path "$py:$d" \
	"$d/python3.11" -S "$py/python_sockcancel.py"
