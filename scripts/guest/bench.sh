#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The benchmark (make bench), run by scripts/guest/init.sh with the module
# loaded: every sockbench phase in this one boot, "R ..." result lines and
# "@@ phase NAME UPTIME" stamps for bench/report.py, and one TAP result per
# phase. Parameters: /params (written by scripts/bench-vm.sh). Leaves the
# module loaded. Without /sockcancel.ko (scripts/vm.sh -m none: the in-kernel
# series' kernel or the same kernel without it, make bench KERNEL=upstream)
# nothing is loaded and each hot-path round runs once, module=0.
SAMPLES=2000
ROUNDS=10
PP_SECONDS=1
MASS=1000
PENDING=10000
PS_COUNTS=100,1000,10000
PS_RUNS=5
ONLY="mempending enoent latency xproc scale csock hotpath memthreads psscale"
# shellcheck disable=SC1091
. /params
want() { case " $ONLY " in *" $1 "*) return 0;; esac; return 1; }
n=0 failed=0
# one phase: a TAP result of its own
T() {
	n=$((n + 1))
	p=$1
	shift
	if "/tests/$p" "$@"; then
		echo "ok $n $p $*"
	else
		echo "not ok $n $p $*"
		failed=1
	fi
}
B() { T sockbench "$@"; }

loaded=1 nomod=0
[ -f /sockcancel.ko ] || { loaded=0 nomod=1; }
load() {
	[ $nomod = 0 ] || return 0
	if [ $loaded = 0 ]; then
		insmod /sockcancel.ko || { n=$((n + 1)); failed=1
			echo "not ok $n insmod"; return 1; }
		loaded=1
	fi
}
unload() {
	[ $nomod = 0 ] || return 0
	if [ $loaded = 1 ]; then
		rmmod sockcancel || { n=$((n + 1)); failed=1
			echo "not ok $n rmmod"; return 1; }
		loaded=0
	fi
}
stamp() { echo "@@ phase $1 $(cut -d' ' -f1 /proc/uptime)"; }

echo
echo "R env kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo) mem_kb=$(sed -n 's/MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
# reaching 10000 threads needs headroom over the defaults
echo 65536 > /proc/sys/kernel/threads-max 2>/dev/null
echo 4194304 > /proc/sys/kernel/pid_max 2>/dev/null

if load; then
	want mempending && { stamp mempending; B mempending $PENDING; }
	want enoent &&     { stamp enoent;     B enoent 10; }
	want latency &&    { stamp latency;    B latency $SAMPLES; }
	want xproc &&      { stamp xproc;      B xproc $SAMPLES; }
	want scale &&      { stamp scale;      B scale $SAMPLES; }
	want csock &&      { stamp csock;      B csock $MASS 10; }
	# hot path: loaded and unloaded alternated (ABBA order) in this boot
	r=1
	want hotpath || r=$((ROUNDS + 1))
	while [ $r -le $ROUNDS ]; do
		if [ $((r % 2)) = 1 ]; then states="1 0"; else states="0 1"; fi
		[ $nomod = 0 ] || states=0
		for s in $states; do
			if [ $s = 1 ]; then load; else unload; fi
			stamp "hotpath round=$r module=$loaded"
			for cpus in same cross; do
				B pingpong tcp $PP_SECONDS $cpus
				B pingpong unix $PP_SECONDS $cpus
			done
		done
		r=$((r + 1))
	done
	# kernel memory per idle thread, loaded and unloaded alternated
	want memthreads && for r in 1 2 3 4; do
		if [ $((r % 2)) = 1 ]; then states="1 0"; else states="0 1"; fi
		for s in $states; do
			if [ $s = 1 ]; then load; else unload; fi
			stamp "memthreads round=$r module=$loaded"
			B memthreads 1000
		done
	done
	load
	# sockcancel ps next to ss -p and netstat -anp at 100 to 10,000
	# blocked threads (bench/psbench)
	want psscale && for proto in tcp unix; do
		stamp "psscale proto=$proto"
		T psbench $proto $PS_COUNTS $PS_RUNS
	done
fi
stamp "done"
echo "1..$n"
exit $failed
