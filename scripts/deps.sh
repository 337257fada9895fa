#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make deps: the Debian 12 packages building and testing need, if missing.
# More: Documentation/testing.rst, "Other checks".
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

# gcc-12-multilib: gcc-multilib conflicts with gcc-aarch64-linux-gnu
pkgs=(make gcc gcc-12-multilib libc6-dev-i386 linux-headers-amd64 linux-image-amd64
      qemu-system-x86 busybox-static cpio sparse linux-source-6.1 xz-utils
      perl python3 man-db groff-base dkms debootstrap
      bc flex bison libelf-dev gnuplot-nox
      dpkg-dev debhelper dh-dkms dh-python lintian openssl zstd
      abigail-tools apparmor ccache python3-ply python3-git)

if [ -z "$(missing_pkgs "${pkgs[@]}")" ]; then
	say "all present"
else
	apt_install "${pkgs[@]}"
	say "done"
fi
