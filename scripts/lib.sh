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
#                       scripts/kernels info prints)
set -o pipefail

SC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SC_CACHE=${SOCKCANCEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sockcancel}
SC_NAME=$(basename "$0")
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
