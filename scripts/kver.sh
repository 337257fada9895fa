#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Debian 6.1 kernel the VM boots: the newest one with both an image in
# /boot and headers in /lib/modules/KVER/build.
set -eu
for img in $(ls -1 /boot/vmlinuz-6.1.* 2>/dev/null | sort -rV); do
	kver=${img#/boot/vmlinuz-}
	if [ -d "/lib/modules/$kver/build" ]; then
		echo "$kver"
		exit 0
	fi
done
echo "kver: no 6.1 kernel with headers (run scripts/deps.sh)" >&2
exit 1
