#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Extract the few files we take from Debian's linux-source-6.1 at build time
# (the kselftest harness, lib.mk, checkpatch) into a cache outside the repo.
# Prints the cache directory. Nothing from the kernel tree is committed.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
set -eu

tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
dest=$SC_CACHE/linux-source-6.1

if [ ! -f "$dest/.complete" ]; then
	if [ ! -f "$tarball" ]; then
		die "$tarball missing (apt-get install linux-source-6.1)"
	fi
	rm -rf "$dest"
	mkdir -p "$dest"
	tar -xJf "$tarball" -C "$dest" --strip-components=1 \
		--wildcards \
		'linux-source-6.1/tools/testing/selftests/lib.mk' \
		'linux-source-6.1/tools/testing/selftests/kselftest*' \
		'linux-source-6.1/scripts/checkpatch.pl' \
		'linux-source-6.1/scripts/spelling.txt' \
		'linux-source-6.1/scripts/const_structs.checkpatch'
	touch "$dest/.complete"
fi
echo "$dest"
