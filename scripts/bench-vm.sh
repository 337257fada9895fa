#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: the module (if stale) and bench/sockbench built, every
# benchmark run in one boot of Debian's 6.1 but the hot path, which runs in
# a boot of Debian's 7.3 counting instructions (vm.sh -c);
# bench/results/latest.{md,json}, latency.png.
# usage: bench-vm [OUTDIR]      (default /tmp/bench-run)
#   BENCH_ARCH  x86_64 (default), arm64 (KERNEL: an arm64 kernel, default
#               6.1) or upstream (check-upstream -b sets BENCH_*_IMAGE)
#   BENCH_ONLY  some of mempending enoent latency xproc scale csock hotpath
#               memthreads psscale (default all; arm64: latency; upstream:
#               latency hotpath rwstep)
#   BENCH_SAMPLES (2000), BENCH_ROUNDS (10; x86_64's counted: 4),
#   BENCH_HOTPATH_KERNEL (7.3), BENCH_PP_SECONDS (1),
#   BENCH_PS_COUNTS (100,1000,10000), BENCH_PS_RUNS (5), BENCH_MEM (3072),
#   VM_TIMEOUT (1500)
# More: bench/README.md
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

out=${1:-/tmp/bench-run}
arch=${BENCH_ARCH:-x86_64}
case $arch in x86_64|arm64|upstream) ;; *) die "BENCH_ARCH $arch: x86_64, arm64 or upstream" ;; esac
samples=${BENCH_SAMPLES:-2000}
mem=${BENCH_MEM:-3072}
timeout_s=${VM_TIMEOUT:-1500}
read -ra words <<< "${BENCH_ONLY:-}"
only=${words[*]}
# the guest's phases (its default ONLY); the series' runs of its own
phases=$(sed -n 's/^ONLY="\(.*\)"$/\1/p' scripts/guest/bench.sh)
[ "$arch" != upstream ] || phases="latency hotpath rwstep"
for p in "${words[@]}"; do
	[[ " $phases " == *" $p "* ]] || die "BENCH_ONLY: no phase $p ($phases)"
done
results=bench/results
[ "$arch" != upstream ] || results=bench/results/upstream
if [ "$arch" = arm64 ]; then
	# another arm64 kernel than 6.1: results of its own
	results=bench/results/arm64
	[ "${KERNEL:-6.1}" = 6.1 ] || results+=-$KERNEL
fi
# a partial run does not replace the published results
[ -z "$only" ] || results=$out/results
[ "$arch" != arm64 ] || only=${only:-latency}
cmdline="scripts/bench-vm.sh $*"
params=(-p PROGRAMS=/guest/bench -p SAMPLES="$samples"
	-p ROUNDS="${BENCH_ROUNDS:-10}" -p PP_SECONDS="${BENCH_PP_SECONDS:-1}"
	-p PS_COUNTS="${BENCH_PS_COUNTS:-100,1000,10000}"
	-p PS_RUNS="${BENCH_PS_RUNS:-5}")
[ -z "$only" ] || params+=(-p ONLY="$only")
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

rm -rf "$out"
mkdir -p "$out/bench"
# the machine's ss with its libraries and loader for psscale (optional)
copy_ss() {
	local ss lib
	ss=$(command -v ss || true)
	[ -n "$ss" ] || { log "no ss on this machine: psscale without it"; return 0; }
	mkdir -p "$1"
	cp "$ss" "$1/ss"
	for lib in $(ldd "$ss" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		cp -L "$lib" "$1/"
	done
}
# Is phase $1 to run (BENCH_ONLY names it, or is empty)?
wanted() { [ -z "$only" ] || [[ " $only " == *" $1 "* ]]; }
# other work on the host shows up as noise: note it
host() { echo "load $(cut -d' ' -f1-3 /proc/loadavg), $1$(( $(pgrep -c -f qemu-system || true) )) qemu running"; }
# the host before the boot; the clock starts
begin() { host_before=$(host "$(nproc) cores, "); start=$(date +%s); }
rc=0
case $arch in
x86_64)
	kver=$(scripts/kver.sh)
	if [ ! -f sockcancel.ko ] ||
	   [ -n "$(find module uapi -newer sockcancel.ko -name '*.[ch]' 2>/dev/null)" ]; then
		log "building the module for $kver"
		quiet make -s module KVER="$kver"
	fi
	log "building bench/sockbench, bench/psbench and the sockcancel command"
	quiet make -s -C bench sockbench psbench
	quiet make -s -C cli sockcancel-static
	cp bench/sockbench bench/psbench "$out/bench/"
	cp cli/sockcancel-static "$out/bench/sockcancel"
	copy_ss "$out/bench/ss"
	console=$out/console.log
	log "booting $kver (TCG, 2 vCPUs, ${mem} MiB); console in $console"
	begin
	scripts/vm.sh "${params[@]}" -p SKIP=hotpath -M "$mem" -T "$timeout_s" \
		-t "$out/bench" "$out" || rc=$?
	# the hot path counted in instructions, where the emulator's speed
	# does not enter; Debian's 6.1 does not come up under vm.sh -c
	if [ $rc -eq 0 ] && wanted hotpath; then
		hot=$out/hotpath
		kernel_info "${BENCH_HOTPATH_KERNEL:-7.3}" || die "no kernel ${BENCH_HOTPATH_KERNEL:-7.3}"
		hot_kver=$KREL
		log "building the module for $hot_kver"
		scripts/kernels.sh build "$hot_kver" "$hot/mod" >/dev/null ||
			die "the module does not build for $hot_kver"
		main_console=$console console=$hot/console.log
		log "booting $hot_kver counting instructions (vm.sh -c), the hot path; console in $console"
		scripts/vm.sh -c -k "$VMLINUZ" -m "$hot/mod/sockcancel.ko" "${params[@]}" \
			-p ONLY=hotpath -p WARMUP=1 -p ROUNDS="${BENCH_ROUNDS:-4}" \
			-M "$mem" -T "$timeout_s" -t "$out/bench" "$hot" || rc=$?
		report_hot=(--hotpath "$console" --hotpath-kernel "$hot_kver")
	fi
	;;
arm64)
	kernel=${KERNEL:-6.1}
	kver=$(scripts/kernels.sh -a arm64 info "$kernel" | field KREL) ||
		die "no arm64 kernel $kernel"
	cmdline="BENCH_ARCH=arm64 $cmdline (make bench ARCH=arm64; the module's test build from scripts/check-kernels.sh -a arm64, inject_delay_us 0)"
	log "building bench/sockbench for arm64"
	src=$(mktemp -d)
	cp -a bench selftests uapi warnings.mk "$src/"
	rm -f "$src/bench/sockbench"
	quiet make -s -C "$src/bench" CC=aarch64-linux-gnu-gcc sockbench
	cp "$src/bench/sockbench" "$out/bench/sockbench"
	rm -rf "$src"
	console=$out/arm64/$kernel/console.log
	log "booting $kver through scripts/check-kernels.sh; console in $console"
	begin
	VM_TIMEOUT=$timeout_s scripts/check-kernels.sh -a arm64 -o "$out/arm64" \
		-t "$out/bench" "${params[@]}" "$kernel" || rc=$?
	;;
upstream)
	series=${BENCH_SERIES_IMAGE:?the series kernel (scripts/check-upstream.sh -b)}
	base=${BENCH_BASE_IMAGE:?the base kernel (scripts/check-upstream.sh -b)}
	cmdline="make bench KERNEL=upstream (scripts/check-upstream.sh -b)"
	log "building bench/sockbench and bench/rwstep"
	quiet make -s -C bench sockbench rwstep
	cp bench/sockbench "$out/bench/"
	begin
	# latency twice on the series' kernel; the hot path on both kernels
	# in ABBA order, counting instructions (vm.sh -c): two images differ
	# in wall-clock speed under emulation whatever the code measured
	runs=()
	wanted latency &&
		runs+=("series latency" "series latency")
	wanted hotpath &&
		runs+=("series hotpath" "base hotpath" "base hotpath" "series hotpath")
	steps=()
	wanted rwstep && steps=(series base)
	boots=() i=0 steps_args=()
	for run in "${runs[@]}"; do
		i=$((i + 1))
		k=${run% *} what=${run#* }
		img=${!k} count=()	# $series or $base
		[ "$what" = latency ] || count=(-c)
		# the series' hot path also once cancellation is switched on
		[ "$run" != "series hotpath" ] || count+=(-p ARM=1)
		log "boot $i: the $k kernel ($what); console in $out/boot$i/console.log"
		boots+=("$k=$out/boot$i/console.log")
		scripts/vm.sh -k "$img" -m none "${count[@]}" "${params[@]}" \
			-p ONLY="$what" -i 'RCU lockdep checking is enabled' \
			-M "$mem" -T "$timeout_s" -t "$out/bench" "$out/boot$i" ||
			{ rc=$?; break; }
	done
	console=$out/boot$i/console.log
	# one write(), poll(), read(), sendto() and recvfrom() of each kernel,
	# counted exactly: gdb steps them through QEMU's stub (bench/rwstep.py)
	[ $rc -ne 0 ] || [ ${#steps[@]} -eq 0 ] || apt_install gdb
	for k in "${steps[@]}"; do
		[ $rc -eq 0 ] || break
		d=$out/rwstep-$k
		mkdir -p "$d/tests"
		cp bench/rwstep "$d/tests/"
		log "the $k kernel's calls, single-stepped; console in $d/console.log"
		scripts/vm.sh -c -g -k "${!k}" -m none -t "$d/tests" \
			-p PROGRAMS=/tests/rwstep -T 900 "$d" > "$d/vm.log" 2>&1 &
		RWSTEP_CONSOLE=$d/console.log gdb -q -batch -x bench/rwstep.py \
			> "$d/gdb.log" 2>&1 || rc=$?
		wait $! || rc=$?
		grep -q '^rwstep fewest' "$d/gdb.log" || rc=1
		console=$d/console.log
		steps_args+=(--rwstep "$k=$d/gdb.log")
	done
	;;
esac
wall=$(( $(date +%s) - start ))
load="before: $host_before; after: $(host "")"
[ $rc -eq 0 ] || die "the run failed after ${wall}s; see $console"

mkdir -p "$results"
if [ "$arch" = upstream ]; then
	python3 bench/upstream.py "$results" "${boots[@]}" "${steps_args[@]}" \
		--command "$cmdline" --wall "$wall" --samples "$samples" \
		--series-image "$series" --base-image "$base" \
		--base-patches "${BENCH_BASE_PATCHES:-}" \
		--build "${BENCH_BASE_BUILD:-}" --host "$load" --rev "$rev"
	consoles="consoles in $out/boot*"
else
	git diff --quiet HEAD -- module uapi 2>/dev/null || rev="$rev+uncommitted changes in module/ or uapi/"
	python3 bench/report.py "${main_console:-$console}" "$results" \
		${report_hot[@]+"${report_hot[@]}"} \
		--command "$cmdline" --kernel "$kver" --wall "$wall" \
		--samples "$samples" --host "$load" --rev "$rev"
	if ! command -v gnuplot >/dev/null; then
		log "gnuplot not installed (apt-get install gnuplot-nox): no plot"
	elif gnuplot -e "datadir='$results'" bench/latency.gp; then
		log "plot $results/latency.png"
	fi
	consoles="raw console: $console, ${wall}s"
fi
log "results in $results/latest.md ($consoles)"
cat "$results/latest.md"
