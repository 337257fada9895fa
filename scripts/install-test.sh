#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install into a DESTDIR installs exactly the expected files, and
# make uninstall removes every one of them.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
kver=$(scripts/kver.sh)
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

expected="/lib/modules/$kver/updates/sockcancel.ko
/lib/udev/rules.d/60-sockcancel.rules
/usr/bin/sockcancel
/usr/include/libsockcancel.h
/usr/include/linux/sockcancel.h
/usr/lib/libsockcancel-close.so
/usr/lib/libsockcancel.a
/usr/lib/libsockcancel.so
/usr/lib/libsockcancel.so.0
/usr/lib/modules-load.d/sockcancel.conf
/usr/lib/pkgconfig/sockcancel.pc
/usr/share/man/man1/sockcancel.1
/usr/share/man/man3/libsockcancel.3
/usr/share/man/man4/sockcancel.4"

make -s install DESTDIR="$dest" PREFIX=/usr KVER="$kver" >/dev/null
got=$(cd "$dest" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort)
if [ "$got" != "$expected" ]; then
	log "installed files differ from the expected list:"
	diff <(echo "$expected") <(echo "$got") >&2 || true
	exit 1
fi
grep -q '^prefix=/usr$' "$dest/usr/lib/pkgconfig/sockcancel.pc" ||
	die "sockcancel.pc does not name prefix /usr"
make -s uninstall DESTDIR="$dest" PREFIX=/usr KVER="$kver" >/dev/null
left=$(cd "$dest" && find . \( -type f -o -type l \))
[ -z "$left" ] || die "uninstall left: $left"
say "$(echo "$expected" | wc -l) files installed and removed"
