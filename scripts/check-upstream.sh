#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-upstream: the in-kernel series (upstream/) on Debian's
# linux-source-7.3, built, booted and tested with its own kselftests.
# usage: check-upstream [-i] [-p] [-c] [-s] [-b] [OUTDIR]  (build/upstream)
#   -i  only if the series' kernel is cached, else say so and exit 0
#   -p  build the series patch by patch first (upstream/build-log)
#   -c  checkpatch.pl --strict on every patch (upstream/checkpatch-log)
#   -s  then the project's whole suite with the module on that kernel
#   -b  the benchmark instead (make bench KERNEL=upstream)
#   SOCKCANCEL_JOBS  make -j (default 2)
# More: Documentation/sockcancel-upstream.rst, bench/README.md.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

per_patch=0 checkpatch=0 suite=0 if_cached=0 bench=0
while getopts ipcsb opt; do
	case $opt in
	i) if_cached=1 ;;
	p) per_patch=1 ;;
	c) checkpatch=1 ;;
	s) suite=1 ;;
	b) bench=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
out=$(realpath -m "${1:-build/upstream}")
jobs=${SOCKCANCEL_JOBS:-2}

cache=$SC_CACHE/upstream
lock=$cache/.lock
tree=$cache/linux-source-7.3
objdir=$cache/build
export CCACHE_DIR=$cache/ccache
fragment=$SC_ROOT/upstream/kernel.config
mapfile -t patches < <(find "$SC_ROOT/upstream" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
	! -name '0000-cover-letter.patch' | sort)
[ ${#patches[@]} -gt 0 ] || die "no patches in upstream/"
need "apt-get install ccache" ccache
# gc.auto=0: a detached gc would hold the lock (its fd) for minutes
tgit() { git -C "$tree" -c gc.auto=0 -c user.name=check-upstream -c user.email=none "$@"; }
# -i without the kernel: say so, exit 0
skip() { log "$1: skipped"; exit 0; }
# the cache key of the kernel built from these files and the source package
key_of() { cat "$@" <(basename "$deb") | sha256sum | cut -c1-16; }

# The pristine tree, once: linux-source-7.3 as a git repository.
unpack() {
	local deb=$1
	[ -f "$tree/.complete" ] && return
	log "unpacking $(basename "$deb") (once)"
	rm -rf "$tree"
	mkdir -p "$cache"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO ./usr/src/linux-source-7.3.tar.xz | tar -xJ -C "$cache"
	# -f: Debian's .gitignore ignores the top level
	quiet tgit init -q
	quiet tgit add -f -A .
	quiet tgit commit -q -m "$(basename "$deb" .deb)"
	tgit tag -f base >/dev/null
	touch "$tree/.complete"
}

# PATCH... as commits on base, the work tree untouched; prints their ids.
commit_series() {
	local index p tree_id parent=base subject
	index=$(mktemp)
	export GIT_INDEX_FILE=$index
	tgit read-tree base
	for p; do
		tgit apply --cached "$p" ||
			{ rm -f "$index"; die "$(basename "$p") does not apply"; }
		tree_id=$(tgit write-tree)
		subject=$(sed -n 's/^Subject: \(\[PATCH[^]]*\] \)\{0,1\}//p' "$p" | head -1)
		parent=$(tgit commit-tree "$tree_id" -p "$parent" -m "$subject")
		echo "$parent"
	done
	rm -f "$index"
}

# defconfig + kvm_guest.config + the tests' configs + the fragment
configure() {
	make -s -C "$tree" O="$objdir" x86_64_defconfig >/dev/null
	quiet "$tree/scripts/kconfig/merge_config.sh" -m -O "$objdir" \
		"$objdir/.config" "$tree/kernel/configs/kvm_guest.config" \
		"$SC_ROOT/selftests/config" \
		"$tree/tools/testing/selftests/pidfd/config" "$fragment" \
		${bench_fragment:+"$bench_fragment"}
	make -s -C "$tree" O="$objdir" olddefconfig
}

# build_at COMMIT [IMAGE]: its bzImage (copied to IMAGE); prints the seconds
build_at() {
	local t0=$SECONDS
	tgit checkout -q -f --detach "$1"
	configure
	nice -n 15 make -s -C "$tree" O="$objdir" -j"$jobs" CC="ccache gcc" \
		bzImage >"$out/make.log" 2>&1 || return 1
	[ -z "${2:-}" ] || install -D "$objdir/arch/x86/boot/bzImage" "$2"
	echo $((SECONDS - t0))
}

# build WHAT COMMIT IMAGE: build_at with the lock held, or die
build() {
	log "building $1 (nice -n 15, -j$jobs, ccache)"
	secs=$(with_lock build_at "$2" "$3") ||
		{ tail -30 "$out/make.log" >&2; die "$1 does not build"; }
	log "built in $secs s"
}

mkdir -p "$out"
[ "$if_cached" = 0 ] || compgen -G "$cache/*/bzImage" >/dev/null ||
	skip "no kernel of the series is cached"
deb=$(scripts/kernels.sh deb linux-source-7.3)
with_lock unpack "$deb"

image=$cache/$(key_of "${patches[@]}" "$fragment" selftests/config)/bzImage
[ "$if_cached" = 0 ] || [ -f "$image" ] ||
	skip "this series' kernel is not cached ($image)"
mapfile -t commits < <(with_lock commit_series "${patches[@]}")
[ ${#commits[@]} -eq ${#patches[@]} ] || die "the series does not apply to linux-source-7.3"

if [ "$checkpatch" = 1 ]; then
	log "checkpatch --strict on ${#patches[@]} patches (upstream/checkpatch-log)"
	rc=0
	for p in "${patches[@]}"; do
		echo "== $(basename "$p")"
		# spdxcheck.py wants Debian's python3 (ply, git modules)
		(cd "$tree" && PATH=/usr/bin:/bin:$PATH \
			./scripts/checkpatch.pl --strict -q "$p") || rc=1
	done > upstream/checkpatch-log 2>&1
	[ "$rc" = 0 ] || { cat upstream/checkpatch-log; die "checkpatch complains"; }
fi

if [ "$per_patch" = 1 ]; then
	log "building each of the ${#patches[@]} patches (upstream/build-log)"
	cat > upstream/build-log <<-'EOF'
	# check-upstream -p: bzImage after each patch (x86_64_defconfig
	# + kvm_guest.config + selftests/config + the pidfd kselftests'
	# config + upstream/kernel.config; ccache, incremental; seconds
	# are wall time on this machine)
	EOF
	for i in "${!commits[@]}"; do
		p=$(basename "${patches[$i]}")
		secs=$(with_lock build_at "${commits[$i]}") || {
			echo "$p: FAILED" >> upstream/build-log
			tail -30 "$out/make.log" >&2
			die "$p does not build on its own"
		}
		echo "$p: ok (${secs} s)" | tee -a upstream/build-log >&2
	done
	install -D "$objdir/arch/x86/boot/bzImage" "$image"
fi

if [ "$bench" = 1 ]; then
	# both kernels without lock debugging, in an object directory of
	# their own: upstream/bench.config
	objdir=$cache/build-bench bench_fragment=$SC_ROOT/upstream/bench.config
	configs=("$fragment" "$bench_fragment" selftests/config)
	image=$cache/bench-$(key_of "${patches[@]}" "${configs[@]}")/bzImage
	# the base: 7.3 with the patches of upstream/bench-base, the series'
	# changes outside the feature that its own code relies on
	mapfile -t pre < <(sed -n "s|^\\([0-9][^ #]*\\.patch\\)\$|$SC_ROOT/upstream/\\1|p" \
		upstream/bench-base)
	base_dir=$cache/bench-base-$(key_of "${pre[@]}" "${configs[@]}")
	base_commit=base
	[ ${#pre[@]} -eq 0 ] ||
		base_commit=$(with_lock commit_series "${pre[@]}" | tail -1)
	[ "$base_commit" ] || die "upstream/bench-base: ${pre[*]} do not apply"
	[ -f "$image" ] ||
		build "the series' kernel for the benchmark" "${commits[-1]}" "$image"
	if [ ! -f "$base_dir/bzImage" ]; then
		build "the base for the benchmark" "$base_commit" "$base_dir/bzImage"
		echo "$secs" > "$base_dir/build-seconds"
	fi
	secs=$(cat "$base_dir/build-seconds" 2>/dev/null || echo '?')
	BENCH_ARCH=upstream BENCH_SERIES_IMAGE=$image \
		BENCH_BASE_IMAGE=$base_dir/bzImage BENCH_BASE_BUILD="$secs s" \
		BENCH_BASE_PATCHES="${pre[*]##*/}" \
		exec scripts/bench-vm.sh "$out/bench"
fi

if [ -f "$image" ]; then
	log "bzImage of this series is cached ($image)"
else
	build "the patched kernel" "${commits[-1]}" "$image"
fi

log "building the series' kselftests (static, from the patched tree)"
fresh "$out/tests"
with_lock tgit checkout -q -f --detach "${commits[-1]}"
quiet make -C "$tree/tools/testing/selftests/pidfd" OUTPUT="$out/tests" \
	LDFLAGS=-static "$out/tests/pidfd_socket_wait_test"
# and the module's known limits, which the series has not (skipped by name)
quiet make -C selftests KSFT_DIR="$tree/tools/testing/selftests" \
	OUTPUT="$out/tests" "$out/tests/upstream_limits_test"

log "booting the patched kernel"
# lockdep on (PROVE_LOCKING): its banner is not a splat; the boot's
# first request finds a call under way unmarked (first_request)
rc=0
scripts/vm.sh -k "$image" -m none -t "$out/tests" -T 600 \
	-i 'RCU lockdep checking is enabled' -r 'Lock dependency validator' \
	-r '^ok [0-9]+ socket_wait.recv$' \
	-r 'first_request:first request since boot' "$out/vm" || rc=1
[ "$suite" = 1 ] || exit "$rc"

# the module against the image's very objects (the series changes task_struct)
build "the patched kernel's objects for the module" "${commits[-1]}" "$image"
quiet make -s -C "$tree" O="$objdir" CC="ccache gcc" modules_prepare
# no modules of the kernel's own are built: vmlinux's symbols are all
cp "$objdir/vmlinux.symvers" "$objdir/Module.symvers"
rm -rf "$out/mod"
module_build "$tree" "$out/mod" O="$objdir" CC="ccache gcc"
log "building the project's tests (make tests)"
make_tests build/tests 100000 50 10
log "booting the patched kernel with the module, the project's suite"
scripts/vm.sh -k "$image" -m "$out/mod/sockcancel.ko" -t build/tests \
	-i 'RCU lockdep checking is enabled' "$out/vm-suite" || rc=1
exit "$rc"
