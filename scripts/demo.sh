#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: a VM tells sockcancel's story with real programs
# (scripts/guest/demo.sh); the story shown and judged.
# More: Documentation/testing.rst, "Other checks".
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

echo "[1/3] installing dependencies"
deps
kver=$(scripts/kver.sh)
echo "[2/3] building the module, the command and the example"
quiet make -s module KVER="$kver"
quiet make -s -C cli sockcancel-static
quiet make -s -C examples
rm -rf build/demo
mkdir -p build/demo/bin
cp cli/sockcancel-static build/demo/bin/sockcancel
cp examples/winsock_cancel build/demo/bin/
echo "[3/3] booting the VM"
rc=0
scripts/vm.sh -p PROGRAMS=/guest/demo -T 300 -t build/demo/bin build/demo \
	> build/demo/result || rc=$?
# the story, without the kernel's messages and the TAP results
sed -n '/^== 1\./,/^@@ exit/p' build/demo/console.log |
	grep -vE '^(\[ *[0-9.]*\]|ok [0-9]|1\.\.|@@ )'
cat build/demo/result
if [ $rc -eq 0 ]; then
	echo "The demo succeeded."
else
	echo "The demo FAILED (console: build/demo/console.log)." >&2
	exit 1
fi
