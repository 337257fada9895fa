# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # the variables are for the sourcing script
# What the scripts share (sourced): set -eu -o pipefail, cd to the tree.
# SC_CACHE: the cache outside the repo ($SOCKCANCEL_CACHE, else
# $XDG_CACHE_HOME/sockcancel, else ~/.cache/sockcancel).
# More: Documentation/testing.rst, "The scripts".
set -eu -o pipefail

SC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SC_CACHE=${SOCKCANCEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sockcancel}
SC_NAME=$(basename "$0" .sh)
DEB_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
APT_INSTALL=(install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends)
cd "$SC_ROOT" || exit 1

# Messages with the script's name: log, die (exit 1) to stderr; say to stdout.
log() { echo "$SC_NAME: $*" >&2; }
die() { log "$*"; exit 1; }
say() { echo "$SC_NAME: $*"; }

# The header comment is the help: stdout for -h/--help, else stderr, exit 2.
usage() {
	awk 'NR > 2 { if (!/^#/ || /^# shellcheck/) exit; sub(/^# ?/, ""); print }' \
		"$0" >&"${1:-2}"
	exit $((${1:-2} == 1 ? 0 : 2))
}
case ${1:-} in -h|--help) usage 1 ;; esac

# A new, empty directory $1.
fresh() { rm -rf "$1" && mkdir -p "$1"; }

# Directory $1, made if missing, as an absolute path.
abs_dir() { mkdir -p "$1" && (cd "$1" && pwd); }

need_root() { [ "$(id -u)" -eq 0 ] || die "run as root ($1)"; }

# need HINT TOOL...: each TOOL is a command, else die naming HINT.
need() {
	local t
	for t in "${@:2}"; do
		command -v "$t" >/dev/null || die "$t missing ($1)"
	done
}

# Run CMD; show its output only if it fails (then exit 1).
quiet() {
	local out
	out=$("$@" 2>&1) || { printf '%s\n' "$out"; exit 1; }
}

# logged LOG CMD...: CMD's output into LOG; on failure its end on stderr.
logged() { "${@:2}" >"$1" 2>&1 || { tail -n 30 "$1" >&2; return 1; }; }

# Run CMD with the lock $lock held (the script sets lock).
with_lock() {
	# shellcheck disable=SC2154 # set by the script
	mkdir -p "$(dirname "$lock")"
	(flock 9 && "$@") 9>"$lock"
}

# The Debian packages named that are not installed.
missing_pkgs() {
	local p
	for p; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || echo "$p"
	done
}

# Install those of the packages named that are missing.
apt_install() {
	local missing
	missing=$(missing_pkgs "$@" | tr '\n' ' ')
	[ -n "$missing" ] || return 0
	need_root "to install $missing"
	log "installing: $missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086 # a list of packages
	apt-get "${APT_INSTALL[@]}" $missing >/dev/null 2>&1 || {
		quiet apt-get update -qq
		quiet apt-get "${APT_INSTALL[@]}" $missing
	}
}

# The machine's Debian mirror for its release, or SOCKCANCEL_DEBIAN_MIRROR.
mirror() {
	local codename uri
	[ -z "${SOCKCANCEL_DEBIAN_MIRROR:-}" ] || { echo "$SOCKCANCEL_DEBIAN_MIRROR"; return; }
	# shellcheck disable=SC1091
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	uri=$(apt_sources | awk -v c="$codename" '$1 == c {print $2; exit}')
	[ -n "$uri" ] || die "no Debian mirror for '$codename' in the apt sources; set SOCKCANCEL_DEBIAN_MIRROR"
	echo "${uri%/}"
}

# "SUITE URI" for each package list of the machine's apt sources.
apt_sources() {
	# shellcheck disable=SC2016 # apt's own $(FIELD) syntax
	apt-get indextargets --no-release-info \
		--format '$(RELEASE) $(REPO_URI)' 'Identifier: Packages' | sort -u
}

# fetch_debs DIR APT PKG[:ARCH]...: a .deb of each PKG in DIR, downloaded
# with APT (apt-get, or a function alike) unless there; prints their paths.
fetch_debs() {
	local dir=$1 apt=$2 p
	shift 2
	mkdir -p "$dir"
	for p; do
		[ -n "$(deb_of "$dir" "$p")" ] && continue
		(cd "$dir" && "$apt" download "$p" >/dev/null 2>&1) ||
			{ "$apt" update >/dev/null &&
			  (cd "$dir" && "$apt" download "$p" >/dev/null); } ||
			die "apt-get download $p failed"
	done
	for p; do deb_of "$dir" "$p"; done
}

# The newest .deb of package $2 (PKG:ARCH too) in directory $1.
deb_of() { find "$1" -maxdepth 1 -name "${2%%:*}_*.deb" | sort -V | tail -1; }

# deb_vmlinuz DEB FILE: DEB's kernel image (vmlinuz*, wherever it is) as FILE.
deb_vmlinuz() {
	local x=$2.x f
	fresh "$x"
	dpkg-deb --fsys-tarfile "$1" | tar -x -C "$x" --wildcards '*vmlinuz*'
	f=$(find "$x" -type f -name 'vmlinuz*' | head -1)
	[ -n "$f" ] || die "no vmlinuz in $1"
	mv "$f" "$2"
	rm -rf "$x"
}

# bootstrap SUITE ROOT LOG [OPTION...]: a minbase Debian root from the mirror.
bootstrap() {
	local suite=$1 root=$2 log=$3
	shift 3
	rm -rf "$root"
	logged "$log" debootstrap --variant=minbase --keyring="$DEB_KEYRING" \
		"$@" "$suite" "$root" "$(mirror)" ||
		die "debootstrap $suite failed (log: $log)"
}

# in_root ROOT CMD...: CMD in the Debian root ROOT, as root, in a private
# mount namespace whose /proc (apt, objtool) vanishes with it.
in_root() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive \
		unshare --mount --propagation private -- /bin/sh -c \
		'mount -t proc proc "$1/proc" && exec chroot "$@"' sh "$@"
}

# root_install ROOT PKG...: apt-get install in ROOT, its lists updated.
root_install() {
	in_root "$1" apt-get update -qq &&
		in_root "$1" apt-get "${APT_INSTALL[@]}" "${@:2}"
}

# A copy of the tree's sources into DIR, no build products: in a git
# checkout what git tracks and new files it does not ignore.
copy_tree() {
	local x ex=()
	mkdir -p "$1"
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		# not the files deleted but not committed
		git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do
				[ ! -e "$f" ] && [ ! -L "$f" ] || printf '%s\0' "$f"
			done | tar --null -T - -cf - | tar -x -C "$1"
		return
	fi
	for x in ./.git ./build '*.o' '*.ko' '*.a' '*.so' '*.so.*' '*.cmd' \
		 '*.mod' '*.mod.c' Module.symvers modules.order ./cli/sockcancel \
		 ./cli/sockcancel-static ./lib/sockcancel.pc; do
		ex+=(--exclude="$x")
	done
	tar "${ex[@]}" -cf - . | tar -x -C "$1"
}

# copy_module SRC DIR: the module's sources of tree SRC (no objects) into DIR.
copy_module() {
	mkdir -p "$2"
	cp -a "$1/Kbuild" "$1/module" "$1/uapi" "$2/"
	rm -f "$2"/module/*.o "$2"/module/.*.cmd
}

# module_build KDIR DIR [MAKEARG...]: DIR/sockcancel.ko built against KDIR.
module_build() {
	copy_module "$SC_ROOT" "$2"
	quiet make -s -C "$1" M="$2" "${@:3}" modules
}

# The one version of dkms.conf, lib/Makefile and ($1) debian/changelog.
version() {
	local dkms lib
	dkms=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
	lib=$(sed -n 's/^VERSION *= *//p' lib/Makefile)
	[ "$dkms" = "$lib" ] && [ "${1:-$lib}" = "$lib" ] ||
		die "versions differ: dkms.conf $dkms, lib/Makefile $lib${1:+, debian/changelog $1}"
	echo "$lib"
}

# test_counts DIR FUZZ UNLOAD STRESS: the reliability tests' counts.
test_counts() {
	echo "$2" > "$1/fuzz.calls"
	echo "$3" > "$1/unload.cycles"
	echo "$4" > "$1/stress.seconds"
}

# make_tests DIR [FUZZ UNLOAD STRESS]: make tests into DIR, with these counts.
make_tests() {
	rm -rf "$1"
	quiet make -s tests KVER="$(scripts/kver.sh)" TESTS="$(realpath -m "$1")"
	[ $# -lt 4 ] || test_counts "$@"
}

# tally LINE: add a run's "N passed, N failed, N skipped" to the totals;
# fails on another line. totals prints their sum.
RESULT_RE='^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped'
total_p=0 total_f=0 total_s=0
tally() {
	[[ $1 =~ $RESULT_RE ]] || return 1
	total_p=$((total_p + BASH_REMATCH[1]))
	total_f=$((total_f + BASH_REMATCH[2]))
	total_s=$((total_s + BASH_REMATCH[3]))
}
totals() { echo "$total_p passed, $total_f failed, $total_s skipped"; }

# The last line of file $1 if it is a result, else one failure for it.
result_of() {
	local line
	line=$(tail -n 1 "$1" 2>/dev/null)
	[[ $line =~ $RESULT_RE$ ]] || line="0 passed, 1 failed, 0 skipped (no result)"
	echo "$line"
}

# The packages and the kselftest harness.
deps() {
	scripts/deps.sh
	scripts/ksrc.sh >/dev/null
}

# need_tests DIR: TESTDIR as given, else the tests built into DIR (deps first).
need_tests() {
	[ -z "${TESTDIR:-}" ] || return 0
	log "installing dependencies, building the tests"
	deps >&2
	make_tests "$1"
	TESTDIR=$1
}

# The "NAME ARCH SOURCE [RUN]" lines of scripts/kernels.list (of ARCH $1).
kernel_list() {
	awk -v a="${1:-}" '!/^#/ && NF >= 3 && (a == "" || $2 == a)' \
		"$SC_ROOT/scripts/kernels.list"
}

# The names of $1's kernels make check runs when none is named.
default_kernels() {
	kernel_list "$1" | awk '$4 != "asked" {print $1}' | tr '\n' ' '
}

# SOURCE of kernel $2 of architecture $1.
kernel_source() { kernel_list "$1" | awk -v k="$2" '$1 == k {print $3}'; }

# The value of KEY in the KEY=VALUE lines on stdin.
field() { sed -n "s/^$1=//p"; }

# kernel_info [-a ARCH] KERNEL: sets KREL VMLINUZ KROOT KDIR (kernels.sh info).
kernel_info() {
	local vars k v
	vars=$(scripts/kernels.sh "${@:1:$#-1}" info "${!#}") || return 1
	while IFS='=' read -r k v; do
		case $k in
		KREL|VMLINUZ|KROOT|KDIR) printf -v "$k" %s "$v" ;;
		esac
	done <<<"$vars"
}

# The tree of debug kernel $1 (kasan, kcsan); built if .sockcancel-complete.
debug_tree() {
	case $1 in
	kasan) echo "$SC_CACHE/debug-kernel/linux-source-6.1" ;;
	kcsan) echo "$SC_CACHE/debug-kernel-kcsan/linux-source-6.1" ;;
	*) die "debug kernel variant '$1' unknown (kasan, kcsan)" ;;
	esac
}

# scripts/vm.sh's options for the KASAN debug kernel (check-debug, soak):
# kmemleak scan after the unload; it halts on poweroff; a boot line names
# lockdep without reporting anything; the checkers must have started.
KASAN_VM=(-p KMEMLEAK=1 -p "HALT=reboot -f"
	-i 'RCU lockdep checking is enabled'
	-r '^@@ kmemleak done' -r 'KernelAddressSanitizer initialized'
	-r 'Lock dependency validator'
	-r 'Kernel memory leak detector initialized')
