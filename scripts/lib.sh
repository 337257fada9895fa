# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # the variables are for the sourcing script
# What the scripts share; sourced, never run. Sets the tree's root as the
# working directory and defines:
#
#   SC_CACHE            the cache outside the repo (Debian kernels, build
#                       roots, the debug kernel, the harness): $SOCKCANCEL_CACHE,
#                       else $XDG_CACHE_HOME/sockcancel, else ~/.cache/sockcancel
#   SC_NAME             the running script's name, the prefix of its messages
#   log MSG / die MSG   a message on stderr (die exits 1)
#   quiet CMD...        run CMD; show its output only if it fails (then exit 1)
#   copy_module SRC DIR the module's sources (Kbuild, module/, uapi/) from the
#                       tree SRC into DIR, without objects: a clean place
#                       to build it for one kernel
#   kernel_list [ARCH]  the supported kernels, one "NAME ARCH SOURCE [RUN]"
#                       line each, from scripts/kernels.list
#   default_kernels ARCH  the names of ARCH's kernels make check runs when
#                       none is named (RUN is not "asked")
#   field KEY           the value of KEY in KEY=VALUE lines on stdin (what
#                       scripts/kernels.sh info prints)
#   debug_tree VARIANT  the source tree of the debug kernel VARIANT (kasan,
#                       kcsan) that scripts/debug-kernel.sh builds in the cache;
#                       it is complete when it holds .sockcancel-complete
#   KASAN_VM            scripts/vm.sh's options for the KASAN debug kernel
#                       (check-debug, soak): kmemleak's scan after the unload,
#                       how that kernel stops, the checkers it must announce
set -o pipefail

SC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SC_CACHE=${SOCKCANCEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sockcancel}
SC_NAME=$(basename "$0" .sh)
cd "$SC_ROOT" || exit 1

log() { echo "$SC_NAME: $*" >&2; }
die() { log "$*"; exit 1; }

quiet() {
	local out rc=0

	out=$(mktemp)
	"$@" >"$out" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || cat "$out"
	rm -f "$out"
	[ "$rc" -eq 0 ] || exit 1
}

copy_module() {
	mkdir -p "$2"
	cp -a "$1/Kbuild" "$1/module" "$1/uapi" "$2/"
	rm -f "$2"/module/*.o "$2"/module/.*.cmd
}

kernel_list() {
	awk -v a="${1:-}" '!/^#/ && NF >= 3 && (a == "" || $2 == a)' \
		"$SC_ROOT/scripts/kernels.list"
}

default_kernels() {
	kernel_list "$1" | awk '$4 != "asked" {print $1}' | tr '\n' ' '
}

field() { sed -n "s/^$1=//p"; }

debug_tree() {
	case $1 in
	kasan) echo "$SC_CACHE/debug-kernel/linux-source-6.1" ;;
	kcsan) echo "$SC_CACHE/debug-kernel-kcsan/linux-source-6.1" ;;
	*) die "debug kernel variant '$1' unknown (kasan, kcsan)" ;;
	esac
}

# This kernel halts on poweroff; one of its boot lines names lockdep
# without reporting anything; the checkers must have been there.
KASAN_VM=(-p KMEMLEAK=1 -p "HALT=reboot -f"
	-i 'RCU lockdep checking is enabled'
	-r '^@@ kmemleak done' -r 'KernelAddressSanitizer initialized'
	-r 'Lock dependency validator'
	-r 'Kernel memory leak detector initialized')
