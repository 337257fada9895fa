#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the module with Debian's dkms against installed kernel headers, the
# way a user installs it: dkms add . && dkms build sockcancel/VERSION -k KVER.
# Checks that the .ko appears and carries the kernel's vermagic, then removes
# what it added.
#
# usage: dkms-test [KERNEL]
#   6.1 (default)  the machine's Debian 12 kernel (scripts/kver.sh) and its
#                  installed headers, with Debian 12's dkms
#   KVER           another kernel whose headers are in /lib/modules/KVER
#   6.12, 7.3      a Debian 13 kernel: Debian 13's dkms, run in the trixie
#                  build root of scripts/kernels.sh where its headers are
#                  unpacked at their installed paths
#
# The tree added is a clean copy of what dkms.conf needs (dkms.conf, Kbuild,
# module/, uapi/), registered as VERSION-test so that a real installation
# of sockcancel/VERSION is never touched.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
set -eu

target=${1:-6.1}
start=$SECONDS

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
lib_version=$(sed -n 's/^VERSION *= *//p' lib/Makefile)
if [ "$version" != "$lib_version" ]; then
	echo "dkms-test: dkms.conf PACKAGE_VERSION $version != lib/Makefile VERSION $lib_version" >&2
	exit 1
fi

install_dkms='command -v dkms >/dev/null || {
	echo "dkms-test: installing dkms" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends dkms ||
	{ apt-get update -qq && apt-get install -y -qq -o Dpkg::Use-Pty=0 \
		--no-install-recommends dkms; }
} >/dev/null'

if [ "$target" = 6.1 ] || [ -d "/lib/modules/$target/build" ]; then
	kver=$target
	[ "$kver" = 6.1 ] && kver=$(scripts/kver.sh)
	root=
	run=()
else
	vars=$(scripts/kernels.sh info "$target")
	kver=$(field KREL <<<"$vars")
	root=$(field KROOT <<<"$vars")
	run=(scripts/kernels.sh run "$target")
fi
[ -d "$root/lib/modules/$kver/build" ] ||
	{ echo "dkms-test: no headers for $kver in $root/lib/modules/$kver/build" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "dkms-test: must run as root (dkms)" >&2; exit 1; }
"${run[@]}" sh -c "$install_dkms"

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
cp dkms.conf "$stage/"
sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$v\"/" "$stage/dkms.conf"

# shellcheck disable=SC2016 # expanded by the inner sh
if ! "${run[@]}" sh -c 'cd "$1" && dkms add . && dkms build "sockcancel/$2" -k "$3"' \
	sh "${stage#"$root"}" "$v" "$kver"; then
	cat "$root/var/lib/dkms/sockcancel/$v/build/make.log" 2>/dev/null || true
	echo "dkms-test: dkms build failed" >&2
	exit 1
fi

ko=$(find "$root/var/lib/dkms/sockcancel/$v/$kver" -name 'sockcancel.ko*' | head -1)
if [ -z "$ko" ]; then
	echo "dkms-test: no sockcancel.ko after dkms build" >&2
	exit 1
fi
vermagic=$(modinfo -F vermagic "$ko")
if [ "${vermagic%% *}" != "$kver" ]; then
	echo "dkms-test: $ko has vermagic '$vermagic', not $kver" >&2
	exit 1
fi
echo "dkms-test: ok: $(basename "$ko") for $kver ($vermagic) in $((SECONDS - start)) s"
