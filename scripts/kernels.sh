#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernels sockcancel is tested on (scripts/kernels.list): the machine's
# own Debian 6.1, and Debian 13 (trixie, trixie-backports) kernels whose
# image and headers it fetches into a cache outside the repo. Builds the
# module against any of them. Idempotent; never touches the machine's apt sources or
# installs a kernel package on the machine.
#
#   kernels [-a ARCH] info KERNEL    fetch if needed; print KEY=VALUE
#                                lines: KERNEL ARCH KREL VMLINUZ KROOT KDIR
#                                CROSS_COMPILE
#   kernels [-a ARCH] build KERNEL OUTDIR [MAKEARG...]
#                                build the module of this tree for KERNEL,
#                                leaving OUTDIR/sockcancel.ko (e.g. W=1)
#   kernels [-a ARCH] fetch [KERNEL...]   fetch only (default: every
#                                trixie kernel of the list for ARCH)
#   kernels run KERNEL CMD...    run CMD in the build root of KERNEL (a
#                                6.12 or 7.x kernel), as root
#   kernels deb PACKAGE...       download Debian trixie/trixie-backports
#                                packages (e.g. linux-source-7.3) into
#                                the cache; print the .deb paths
#   kernels refresh              update the private package lists, so that
#                                a series names its newest Debian build
#                                (otherwise the lists of the first fetch
#                                are kept and the kernels tested stay put)
#
# KERNEL is a line of the list for ARCH (x86_64, the default, or arm64): a
# series (6.1 is the machine's own x86-64 kernel, scripts/kver.sh; a trixie
# series the newest Debian trixie/trixie-backports build of it), with a
# flavour after a dash (7.3-rt: Debian's PREEMPT_RT build), or an exact
# release such as 6.12.117+deb13-amd64. Flavours share the unflavoured
# headers' common part and kbuild. arm64's kernels of the "bookworm"
# source are scripts/arm64-check.sh's own (the machine's apt); its trixie ones
# come from here, built with the cross compiler of the build root
# (gcc-14-aarch64-linux-gnu) and the amd64 kbuild of the same version,
# which reads arm64 objects as they are.
#
# How (see also "Why a chroot" below):
#   - apt-get update/download with a private configuration: own sources list
#     (trixie and trixie-backports, the machine's own Debian mirror, the
#     archive keyring's trixie keys), lists, cache and an empty dpkg status,
#     all under $cache/apt.
#   - The kernel image .deb: only vmlinuz is taken out (dpkg-deb
#     --fsys-tarfile), into $cache/KREL/vmlinuz. 6.12 ships it in
#     linux-image-KREL-unsigned (/boot), 7.x in linux-binary-unsigned-KREL
#     (/usr/lib/modules/KREL/vmlinuz.unsigned).
#   - linux-headers-KREL, linux-headers-ABI-common and linux-kbuild-ABI are
#     unpacked with dpkg-deb -x into a trixie root ($cache/trixie-root). Debian
#     splits the headers: the arch part's Makefile includes
#     /usr/src/linux-headers-ABI-common/Makefile by absolute path, and both
#     parts link scripts and tools to ../../lib/linux-kbuild-ABI. Unpacked at
#     the same paths inside the root, every link resolves as on an installed
#     system; nothing is rewritten.
#
# Why a chroot: the trixie kbuild tools do not run on Debian 12. modpost
# (scripts/mod/modpost.real-lsb-64), objtool and resolve_btfids need
# GLIBC_2.38 (__isoc23_strtol and friends; Debian 12 has glibc 2.36), and
# both kernels were built with gcc-14 14.2.0, which Debian 12 does not have.
# A minimal trixie root made once with debootstrap (about 750 MB with both
# kernels' headers, 1 to 1.5 minutes) holds gcc-14, make and pahole from
# trixie: the module is built with the very compiler and tools the kernel
# was built with, unmodified. Builds run in a private mount namespace, so
# the /proc mounted for them never outlives them.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
set -eu

arch=x86_64
while getopts a: opt; do
	case $opt in
	a) arch=$OPTARG ;;
	*) sed -n '3,/^source/{/^source/d;s/^# \{0,1\}//;p}' "$0" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case $arch in
x86_64) darch=amd64 cross="" ;;
arm64) darch=arm64 cross=aarch64-linux-gnu- ;;
*) die "architecture $arch: x86_64 or arm64" ;;
esac

cache=$SC_CACHE/kernels
root=$cache/trixie-root
apt_dir=$cache/apt
# gcc-14 make pahole: the kernels' build tools; perl: kernel-doc of W=1
root_pkgs=gcc-14,make,libc6-dev,libelf1t64,libssl3t64,zlib1g,dwarves,kmod,perl
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# The Debian mirror the machine already uses for its own release.
mirror() {
	local codename uri

	if [ -n "${SOCKCANCEL_DEBIAN_MIRROR:-}" ]; then
		echo "$SOCKCANCEL_DEBIAN_MIRROR"
		return
	fi
	# shellcheck disable=SC1091
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	# shellcheck disable=SC2016 # apt's own $(FIELD) syntax
	uri=$(apt-get indextargets --no-release-info \
		--format '$(RELEASE) $(REPO_URI)' 'Identifier: Packages' |
		awk -v c="$codename" '$1 == c {print $2; exit}')
	[ -n "$uri" ] || die "no Debian mirror for '$codename' in the apt sources; set SOCKCANCEL_DEBIAN_MIRROR"
	echo "${uri%/}"
}

apt_opts=(
	-o "Dir::Etc::sourcelist=$apt_dir/sources.list"
	-o "Dir::Etc::sourceparts=$apt_dir/sources.list.d"
	-o "Dir::Etc::preferences=$apt_dir/preferences"
	-o "Dir::Etc::preferencesparts=$apt_dir/preferences.d"
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::State::status=$apt_dir/status"
	-o "Dir::Cache=$apt_dir/cache"
	-o "APT::Architecture=amd64"
	-o "APT::Architectures=amd64,arm64"
	-o "Acquire::Languages=none"
	-o "APT::Sandbox::User=root"
)
apt_get() { apt-get -q "${apt_opts[@]}" "$@"; }
apt_cache() { apt-cache "${apt_opts[@]}" "$@"; }

apt_update() {
	local m

	m=$(mirror)
	[ -f "$keyring" ] || die "$keyring missing (apt-get install debian-archive-keyring)"
	mkdir -p "$apt_dir"/{sources.list.d,preferences.d,lists/partial,cache/archives/partial,debs}
	: > "$apt_dir/preferences"
	[ -f "$apt_dir/status" ] || : > "$apt_dir/status"
	cat > "$apt_dir/sources.list" <<-EOF
	deb [signed-by=$keyring] $m trixie main
	deb [signed-by=$keyring] $m trixie-backports main
	EOF
	log "updating the private trixie package lists"
	apt_get update >/dev/null || die "apt-get update (private trixie lists) failed"
	touch "$apt_dir/.updated-amd64-arm64"
}

has_pkg() { [ -n "$(apt_cache show --no-all-versions "$1" 2>/dev/null)" ]; }

# KERNEL (SERIES or SERIES-FLAVOUR) -> the kernel release to use, e.g.
# 6.12.117+deb13-amd64, 7.3.4+deb13-rt-amd64, 7.3.4+deb13-arm64.
resolve() {
	local want=$1 series flavour suffix krel

	case $want in
	*-amd64|*-arm64) echo "$want"; return ;;
	esac
	series=${want%%-*}
	flavour=${want#"$series"}
	suffix=${flavour#-}${flavour:+-}$darch
	[ -f "$apt_dir/.updated-amd64-arm64" ] || apt_update
	krel=$(apt_cache pkgnames linux-headers-"$series". |
		grep -E "^linux-headers-${series//./\\.}\\.[0-9]+\\+deb[0-9]+-$suffix\$" |
		sed 's/^linux-headers-//' | sort -V | tail -1 || true)
	[ -n "$krel" ] || die "no Debian trixie or trixie-backports kernel $want for $arch (have: $(apt_cache pkgnames linux-headers- | sed -nE "s/^linux-headers-([0-9]+\\.[0-9]+)\\..*-$darch\$/\\1/p" | sort -uV | tr '\n' ' '))"
	echo "$krel"
}

# apt-get download PKG... into $apt_dir/debs, refreshing the lists once if
# the mirror has moved on. Prints the .deb paths.
download() {
	local p f debs=()

	(
		cd "$apt_dir/debs"
		for p in "$@"; do
			[ -n "$(find . -maxdepth 1 -name "${p%:*}_*.deb")" ] && continue
			apt_get download "$p" >/dev/null 2>&1 ||
				{ apt_update && apt_get download "$p" >/dev/null; } ||
				exit 1
		done
	) || die "apt-get download $* failed"
	for p in "$@"; do
		# PKG:ARCH is saved as PKG_VERSION_ARCH.deb
		f=$(find "$apt_dir/debs" -maxdepth 1 -name "${p%:*}_*.deb" |
			sort -V | tail -1)
		debs+=("$f")
	done
	printf '%s\n' "${debs[@]}"
}

# PACKAGE... -> their .deb files in the cache, the lists made first.
deb() {
	[ -f "$apt_dir/.updated" ] || apt_update
	download "$@"
}

# Run a command in the build root, in a private mount namespace where /proc
# (objtool reads its limits there, apt wants it) is mounted for this command
# only and vanishes with it.
in_root() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive \
		unshare --mount --propagation private -- /bin/sh -c \
		'mount -t proc proc "$1/proc" && exec chroot "$@"' sh "$root" "$@"
}

make_root() {
	if [ -f "$root/.complete" ]; then
		# a root made by an older version of this script
		[ "$(cat "$root/.complete")" = "$root_pkgs" ] && return
		log "adding packages to the build root"
		{ in_root apt-get update -qq &&
		  in_root apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends \
			${root_pkgs//,/ }; } >/dev/null ||
			die "apt-get install in the build root failed"
		echo "$root_pkgs" > "$root/.complete"
		return
	fi
	command -v debootstrap >/dev/null || {
		[ "$(id -u)" -eq 0 ] || die "debootstrap missing (run as root or install it)"
		log "installing debootstrap"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends debootstrap >/dev/null ||
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-install-recommends \
				debootstrap >/dev/null; }
	}
	log "creating the trixie build root (debootstrap, once)"
	rm -rf "$root"
	if ! debootstrap --variant=minbase --keyring="$keyring" \
		--include="$root_pkgs" trixie "$root" "$(mirror)" \
		> "$cache/debootstrap.log" 2>&1; then
		tail -20 "$cache/debootstrap.log" >&2
		die "debootstrap failed (log: $cache/debootstrap.log)"
	fi
	echo "$root_pkgs" > "$root/.complete"
}

fetch() {
	local krel=$1 abi img d deb p q=""

	# the release without flavour and architecture: 7.3.4+deb13
	abi=${krel%%-*}
	[ "$darch" = amd64 ] || q=:$darch
	mkdir -p "$cache/$krel"
	if [ ! -f "$cache/$krel/.complete" ]; then
		log "fetching $krel"
		img=""
		for p in "linux-binary-unsigned-$krel" "linux-image-$krel-unsigned" \
			 "linux-image-$krel"; do
			has_pkg "$p$q" && { img=$p$q; break; }
		done
		[ -n "$img" ] || die "no kernel image package for $krel"
		deb=$(download "$img")
		rm -rf "$cache/$krel/x"
		mkdir -p "$cache/$krel/x"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -x -C "$cache/$krel/x" --wildcards '*vmlinuz*'
		d=$(find "$cache/$krel/x" -type f -name 'vmlinuz*' | head -1)
		[ -n "$d" ] || die "no vmlinuz in $deb"
		mv "$d" "$cache/$krel/vmlinuz"
		rm -rf "$cache/$krel/x"
		touch "$cache/$krel/.complete"
	fi

	make_root
	if [ ! -f "$root/.complete-$krel" ]; then
		log "unpacking the $krel headers into the build root"
		# the kbuild is the host's (amd64) for every architecture
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
		{ in_root apt-get update -qq &&
		  in_root apt-get install -y -qq -o Dpkg::Use-Pty=0 \
			--no-install-recommends gcc-14-aarch64-linux-gnu; } \
			>/dev/null || die "installing the cross compiler failed"
	fi
}

# Shell assignments describing KERNEL (fetched if needed).
info() {
	local want=$1 krel

	case $(kernel_list "$arch" | awk -v k="$want" '$1 == k {print $3}') in
	host)
		krel=$(scripts/kver.sh)
		printf 'KERNEL=%s\nARCH=%s\nKREL=%s\nVMLINUZ=%s\nKROOT=/\nKDIR=%s\nCROSS_COMPILE=\n' \
			"$want" "$arch" "$krel" "/boot/vmlinuz-$krel" \
			"/lib/modules/$krel/build"
		return ;;
	bookworm)
		die "$want ($arch) comes from the machine's apt: scripts/arm64-check.sh fetches it" ;;
	esac
	krel=$(with_lock resolve "$want")
	with_lock fetch "$krel"
	printf 'KERNEL=%s\nARCH=%s\nKREL=%s\nVMLINUZ=%s\nKROOT=%s\nKDIR=%s\nCROSS_COMPILE=%s\n' \
		"$want" "$arch" "$krel" "$cache/$krel/vmlinuz" "$root" \
		"/usr/src/linux-headers-$krel" "$cross"
}

with_lock() {
	mkdir -p "$cache"
	(
		flock 9
		"$@"
	) 9>"$cache/.lock"
}

build() {
	local want=$1 out=$2 KROOT KDIR src vars

	shift 2
	vars=$(info "$want") || return 1
	KROOT=$(field KROOT <<<"$vars")
	KDIR=$(field KDIR <<<"$vars")
	mkdir -p "$out"
	[ -z "$cross" ] || set -- ARCH=arm64 CROSS_COMPILE="$cross" "$@"
	if [ "$KROOT" = / ]; then
		src=$(mktemp -d /tmp/sockcancel-build.XXXXXX)
		copy_module "$SC_ROOT" "$src"
		make -s -C "$KDIR" M="$src" "$@" modules ||
			{ rm -rf "$src"; return 1; }
	else
		src=$(mktemp -d "$KROOT/tmp/sockcancel-build.XXXXXX")
		copy_module "$SC_ROOT" "$src"
		in_root make -s -C "$KDIR" M="${src#"$KROOT"}" "$@" modules ||
			{ rm -rf "$src"; return 1; }
	fi
	cp "$src/sockcancel.ko" "$out/sockcancel.ko"
	rm -rf "$src"
}

cmd=${1:-}
shift || true
case $cmd in
info)
	[ $# -eq 1 ] || die "usage: kernels info KERNEL"
	info "$1"
	;;
build)
	[ $# -ge 2 ] || die "usage: kernels build KERNEL OUTDIR [MAKEARG...]"
	build "$@"
	;;
refresh)
	with_lock apt_update
	;;
deb)
	[ $# -ge 1 ] || die "usage: kernels deb PACKAGE..."
	with_lock deb "$@"
	;;
run)
	[ $# -ge 2 ] || die "usage: kernels run KERNEL CMD..."
	[ "$(info "$1" | field KROOT)" != / ] ||
		die "$1 is the machine's own kernel: run CMD directly"
	shift
	in_root "$@"
	;;
fetch)
	# shellcheck disable=SC2046 # a list of names
	[ $# -gt 0 ] || set -- $(kernel_list "$arch" | awk '$3 == "trixie" {print $1}')
	for k in "$@"; do
		info "$k" >/dev/null
	done
	;;
*)
	sed -n '3,/^source/{/^source/d;s/^# \{0,1\}//;p}' "$0" >&2
	exit 2
	;;
esac
