#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernels of scripts/kernels.list: Debian 13 ones fetched into the
# cache (the machine's apt untouched); the module built for any of them.
# usage: kernels [-a x86_64|arm64] COMMAND
#   info KERNEL          fetch; print KERNEL ARCH KREL VMLINUZ KROOT KDIR
#                        CROSS_COMPILE as KEY=VALUE lines
#   build KERNEL OUTDIR [MAKEARG...]   OUTDIR/sockcancel.ko (e.g. W=1)
#   fetch [KERNEL...]    fetch only (default: every trixie kernel)
#   run KERNEL CMD...    CMD as root in KERNEL's build root
#   deb PACKAGE...       trixie(-backports) .debs into the cache; their paths
#   refresh              update the private package lists
# KERNEL: a line of the list (6.12, 7.3-rt) or a release (6.12.117+deb13-amd64).
# More: Documentation/testing.rst, "The kernel list".
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

arch=x86_64
while getopts a: opt; do
	case $opt in a) arch=$OPTARG ;; *) usage ;; esac
done
shift $((OPTIND - 1))
case $arch in
x86_64) darch=amd64 cross="" ;;
arm64) darch=arm64 cross=aarch64-linux-gnu- ;;
*) die "architecture $arch: x86_64 or arm64" ;;
esac

cache=$SC_CACHE/kernels
lock=$cache/.lock
root=$cache/trixie-root
apt_dir=$cache/apt
# gcc-14 make pahole: the kernels' build tools; perl: kernel-doc of W=1
root_pkgs=gcc-14,make,libc6-dev,libelf1t64,libssl3t64,zlib1g,dwarves,kmod,perl

apt_opts=()
for o in Etc::sourcelist=sources.list Etc::sourceparts=sources.list.d \
	 Etc::preferences=preferences Etc::preferencesparts=preferences.d \
	 State::Lists=lists State::status=status Cache=cache; do
	apt_opts+=(-o "Dir::${o%%=*}=$apt_dir/${o#*=}")
done
# shellcheck disable=SC2054 # options with commas
apt_opts+=(-o APT::Architecture=amd64 -o APT::Architectures=amd64,arm64
	   -o Acquire::Languages=none -o APT::Sandbox::User=root)
apt_cache() { apt-cache "${apt_opts[@]}" "$@"; }
# apt-get with the private configuration; its update writes the sources
apt_get() {
	[ "$1" = update ] || { apt-get -q "${apt_opts[@]}" "$@"; return; }
	[ -f "$DEB_KEYRING" ] || die "$DEB_KEYRING missing (apt-get install debian-archive-keyring)"
	mkdir -p "$apt_dir"/{sources.list.d,preferences.d,lists/partial,cache/archives/partial,debs}
	: > "$apt_dir/preferences"
	[ -f "$apt_dir/status" ] || : > "$apt_dir/status"
	printf 'deb [signed-by=%s] %s %s main\n' "$DEB_KEYRING" "$(mirror)" trixie \
		"$DEB_KEYRING" "$(mirror)" trixie-backports > "$apt_dir/sources.list"
	log "updating the private trixie package lists"
	apt-get -q "${apt_opts[@]}" update >/dev/null ||
		die "apt-get update (private trixie lists) failed"
	touch "$apt_dir/.updated-amd64-arm64"
}
lists() { [ -f "$apt_dir/.updated-amd64-arm64" ] || apt_get update; }
has_pkg() { [ -n "$(apt_cache show --no-all-versions "$1" 2>/dev/null)" ]; }
download() { fetch_debs "$apt_dir/debs" apt_get "$@"; }
deb() { lists && download "$@"; }

# SERIES[-FLAVOUR] -> the release, e.g. 7.3.4+deb13-rt-amd64
resolve() {
	local want=$1 series flavour suffix krel
	case $want in
	*-amd64|*-arm64) echo "$want"; return ;;
	esac
	series=${want%%-*}
	flavour=${want#"$series"}
	suffix=${flavour#-}${flavour:+-}$darch
	lists
	krel=$(apt_cache pkgnames linux-headers-"$series". |
		grep -E "^linux-headers-${series//./\\.}\\.[0-9]+\\+deb[0-9]+-$suffix\$" |
		sed 's/^linux-headers-//' | sort -V | tail -1 || true)
	[ -n "$krel" ] || die "no Debian trixie or trixie-backports kernel $want for $arch (have: $(apt_cache pkgnames linux-headers- | sed -nE "s/^linux-headers-([0-9]+\\.[0-9]+)\\..*-$darch\$/\\1/p" | sort -uV | tr '\n' ' '))"
	echo "$krel"
}

# The trixie build root, made once (kept up to date with root_pkgs).
make_root() {
	if [ -f "$root/.complete" ]; then
		[ "$(cat "$root/.complete")" = "$root_pkgs" ] && return
		log "adding packages to the build root"
		root_install "$root" ${root_pkgs//,/ } >/dev/null ||
			die "apt-get install in the build root failed"
	else
		apt_install debootstrap
		log "creating the trixie build root (debootstrap, once)"
		bootstrap trixie "$root" "$cache/debootstrap.log" --include="$root_pkgs"
	fi
	echo "$root_pkgs" > "$root/.complete"
}

# $cache/KREL/vmlinuz; the headers, common part and kbuild in the build root
fetch() {
	local krel=$1 abi=${1%%-*} deb p img="" q=""
	[ "$darch" = amd64 ] || q=:$darch
	if [ ! -f "$cache/$krel/vmlinuz" ]; then
		log "fetching $krel"
		for p in "linux-binary-unsigned-$krel" "linux-image-$krel-unsigned" \
			 "linux-image-$krel"; do
			has_pkg "$p$q" && { img=$p$q; break; }
		done
		[ -n "$img" ] || die "no kernel image package for $krel"
		deb=$(download "$img")
		deb_vmlinuz "$deb" "$cache/$krel/vmlinuz"
	fi
	make_root
	if [ ! -f "$root/.complete-$krel" ]; then
		log "unpacking the $krel headers into the build root"
		for deb in $(download "linux-headers-$krel$q" \
				"linux-headers-$abi-common" "linux-kbuild-$abi"); do
			dpkg-deb -x "$deb" "$root"
		done
		[ -f "$root/usr/src/linux-headers-$krel/Makefile" ] ||
			die "linux-headers-$krel did not unpack"
		touch "$root/.complete-$krel"
	fi
	if [ -n "$cross" ] && [ ! -x "$root/usr/bin/${cross}gcc-14" ]; then
		log "installing gcc-14-aarch64-linux-gnu in the build root"
		root_install "$root" gcc-14-aarch64-linux-gnu >/dev/null ||
			die "installing the cross compiler failed"
	fi
}

# The "bookworm" kernel, with the machine's apt and its (amd64) kbuild of
# the same version; sets krel and broot.
bookworm() {
	local debs=$SC_CACHE/arm64/debs
	broot=$SC_CACHE/arm64/6.1-root
	krel=$(scripts/kver.sh)
	krel=${krel%-amd64}-$darch
	fetch_debs "$debs" apt-get "linux-headers-$krel:$darch" \
		"linux-image-$krel-unsigned:$darch" >/dev/null
	[ "$(dpkg-deb -f "$(deb_of "$debs" "linux-headers-$krel")" Version)" = \
	  "$(dpkg-query -W -f='${Version}' linux-kbuild-6.1)" ] ||
		die "linux-headers-$krel:$darch and linux-kbuild-6.1 differ in version (apt-get upgrade)"
	[ -f "$SC_CACHE/arm64/$krel/vmlinuz" ] ||
		deb_vmlinuz "$(deb_of "$debs" "linux-image-$krel-unsigned")" \
			"$SC_CACHE/arm64/$krel/vmlinuz"
	if [ ! -f "$broot/.complete-$krel" ]; then
		rm -rf "$broot"
		dpkg-deb -x "$(deb_of "$debs" "linux-headers-$krel")" "$broot"
		# the headers link scripts/ and tools/ to ../../lib/linux-kbuild-6.1
		mkdir -p "$broot/usr/lib"
		ln -sfn /usr/lib/linux-kbuild-6.1 "$broot/usr/lib/linux-kbuild-6.1"
		touch "$broot/.complete-$krel"
	fi
}

# KEY=VALUE lines describing KERNEL (fetched if needed).
info() {
	local want=$1 krel broot
	case $(kernel_source "$arch" "$want") in
	host)
		krel=$(scripts/kver.sh)
		set -- "/boot/vmlinuz-$krel" / "/lib/modules/$krel/build" ;;
	bookworm)
		bookworm
		set -- "$SC_CACHE/arm64/$krel/vmlinuz" / \
			"$broot/usr/src/linux-headers-$krel" "$cross" ;;
	*)
		krel=$(with_lock resolve "$want")
		with_lock fetch "$krel"
		set -- "$cache/$krel/vmlinuz" "$root" "/usr/src/linux-headers-$krel" "$cross" ;;
	esac
	printf 'KERNEL=%s\nARCH=%s\nKREL=%s\nVMLINUZ=%s\nKROOT=%s\nKDIR=%s\nCROSS_COMPILE=%s\n' \
		"$want" "$arch" "$krel" "$@"
}

build() {
	local out=$2 KROOT KDIR src run=()
	kernel_info -a "$arch" "$1" || return 1
	shift 2
	mkdir -p "$out"
	[ -z "$cross" ] || set -- ARCH=arm64 CROSS_COMPILE="$cross" "$@"
	[ "$KROOT" = / ] || run=(in_root "$root")
	src=$(mktemp -d "${KROOT%/}/tmp/sockcancel-build.XXXXXX")
	copy_module "$SC_ROOT" "$src"
	"${run[@]}" make -s -C "$KDIR" M="${src#"${KROOT%/}"}" "$@" modules ||
		{ rm -rf "$src"; return 1; }
	cp "$src/sockcancel.ko" "$out/sockcancel.ko"
	rm -rf "$src"
}

cmd=${1:-}
shift || true
case $cmd in
info) [ $# -eq 1 ] || usage; info "$1" ;;
build) [ $# -ge 2 ] || usage; build "$@" ;;
refresh) with_lock apt_get update ;;
deb) [ $# -ge 1 ] || usage; with_lock deb "$@" ;;
run)
	[ $# -ge 2 ] || usage
	[ "$(info "$1" | field KROOT)" != / ] ||
		die "$1 is the machine's own kernel: run CMD directly"
	shift
	in_root "$root" "$@" ;;
fetch)
	# shellcheck disable=SC2046 # a list of names
	[ $# -gt 0 ] || set -- $(kernel_list "$arch" | awk '$3 == "trixie" {print $1}')
	for k in "$@"; do info "$k" >/dev/null; done ;;
*) usage ;;
esac
