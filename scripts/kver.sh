#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian 6.1 kernel the VM boots: the newest with both an image in
# /boot and headers in /lib/modules/KVER/build.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
for img in $(find /boot -maxdepth 1 -name 'vmlinuz-6.1.*' | sort -rV); do
	kver=${img#/boot/vmlinuz-}
	if [ -d "/lib/modules/$kver/build" ]; then
		echo "$kver"
		exit 0
	fi
done
die "no 6.1 kernel with headers (run scripts/deps.sh)"
