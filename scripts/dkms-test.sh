#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make dkms-test: dkms add and build of a copy of the module as
# sockcancel/VERSION-test; the .ko must have the kernel's vermagic.
# usage: dkms-test [KERNEL]
#   6.1 (default)  the machine's kernel and headers, Debian 12's dkms
#   KVER           another kernel with headers in /lib/modules/KVER
#   6.12, 7.3      Debian 13's dkms in the trixie build root (kernels.sh)
# More: Documentation/testing.rst, "Other checks".
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

target=${1:-6.1}
start=$SECONDS
version=$(version)

if [ "$target" != 6.1 ] && [ -d "/lib/modules/$target/build" ]; then
	KREL=$target KROOT=/
else
	kernel_info "$target" || die "no kernel $target"
fi
kver=$KREL root=${KROOT%/} run=()
[ -z "$root" ] || run=(in_root "$root")
[ -d "$root/lib/modules/$kver/build" ] ||
	die "no headers for $kver in $root/lib/modules/$kver/build"
need_root dkms
if [ -z "$root" ]; then
	apt_install dkms
elif ! in_root "$root" sh -c 'command -v dkms' >/dev/null; then
	log "installing dkms in $root"
	quiet root_install "$root" dkms
fi

v=$version-test
stage=
cleanup() {
	"${run[@]}" dkms remove "sockcancel/$v" --all >/dev/null 2>&1 || true
	rm -rf "$root/usr/src/sockcancel-$v" "$root/var/lib/dkms/sockcancel/$v" \
		${stage:+"$stage"}
	rmdir "$root/var/lib/dkms/sockcancel" 2>/dev/null || true
}
cleanup
trap cleanup EXIT
stage=$(mktemp -d "$root/tmp/sockcancel-dkms.XXXXXX")

copy_module "$SC_ROOT" "$stage"
sed "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$v\"/" dkms.conf > "$stage/dkms.conf"

# shellcheck disable=SC2016 # expanded by the inner sh
if ! "${run[@]}" sh -c 'cd "$1" && dkms add . && dkms build "sockcancel/$2" -k "$3"' \
	sh "${stage#"$root"}" "$v" "$kver"; then
	cat "$root/var/lib/dkms/sockcancel/$v/build/make.log" 2>/dev/null || true
	die "dkms build failed"
fi

ko=$(find "$root/var/lib/dkms/sockcancel/$v/$kver" -name 'sockcancel.ko*' | head -1)
[ -n "$ko" ] || die "no sockcancel.ko after dkms build"
vermagic=$(modinfo -F vermagic "$ko")
[ "${vermagic%% *}" = "$kver" ] || die "$ko has vermagic '$vermagic', not $kver"
say "ok: $(basename "$ko") for $kver ($vermagic) in $((SECONDS - start)) s"
