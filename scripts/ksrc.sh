#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The few files taken from Debian's linux-source-6.1 (the kselftest
# harness, lib.mk, checkpatch), extracted once into the cache; prints the
# directory. LINUX_SOURCE_TARBALL: another tarball.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
dest=$SC_CACHE/linux-source-6.1

if [ ! -f "$dest/.complete" ]; then
	[ -f "$tarball" ] || die "$tarball missing (apt-get install linux-source-6.1)"
	fresh "$dest"
	tar -xJf "$tarball" -C "$dest" --strip-components=1 --wildcards \
		linux-source-6.1/tools/testing/selftests/{lib.mk,'kselftest*'} \
		linux-source-6.1/scripts/{checkpatch.pl,spelling.txt,const_structs.checkpatch}
	touch "$dest/.complete"
fi
echo "$dest"
