#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what building and testing sockcancel needs on Debian 12.
# Idempotent: packages already present are not fetched again.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
set -eu

# gcc-12-multilib rather than the gcc-multilib metapackage, which conflicts
# with gcc-aarch64-linux-gnu (scripts/arm64-check.sh); gcc -m32 works with it.
# apparmor: apparmor_parser compiles lsm_test's profile for the guests.
# ccache for check-upstream's kernel builds; python3-ply and python3-git for
# the 7.3 tree's checkpatch (spdxcheck.py).
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
