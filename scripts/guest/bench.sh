#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The benchmark's guest (bench-vm.sh): every sockbench phase, "R ..." lines
# and "@@ phase NAME UPTIME" stamps for bench/report.py, a TAP result each.
# Without /sockcancel.ko each hot-path round runs once, module=0. ARM=1
# (the series' kernel): the hot path again once cancellation is switched on.
# WARMUP=1: the four ping-pongs once before the first round, not counted
# (the first run after the boot is slower, and round 1 starts loaded).
# More: bench/README.md
SAMPLES=2000
ROUNDS=10
PP_SECONDS=1
MASS=1000
PENDING=10000
PS_COUNTS=100,1000,10000
PS_RUNS=5
ARM=0
WARMUP=0
ONLY="mempending enoent latency xproc scale csock hotpath memthreads psscale"
SKIP=
# shellcheck disable=SC1091
. /params
# a phase of ONLY and not of SKIP
want() {
	case " $SKIP " in *" $1 "*) return 1;; esac
	case " $ONLY " in *" $1 "*) return 0;; esac
	return 1
}
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
# module 1|0: load or unload it unless it already is (or there is none)
module() {
	[ $nomod = 0 ] && [ "$1" != $loaded ] || return 0
	cmd="rmmod sockcancel"
	[ "$1" = 0 ] || cmd="insmod /sockcancel.ko"
	$cmd || { n=$((n + 1)); failed=1; echo "not ok $n ${cmd%% *}"; return 1; }
	loaded=$1
}
# round $1's module states: loaded and unloaded alternated in ABBA order
states() { if [ $(($1 % 2)) = 1 ]; then echo "1 0"; else echo "0 1"; fi; }
stamp() { echo "@@ phase $1 $(cut -d' ' -f1 /proc/uptime)"; }
pingpongs() {
	for cpus in same cross; do
		B pingpong tcp $PP_SECONDS $cpus
		B pingpong unix $PP_SECONDS $cpus
	done
}
# ROUNDS rounds of ping-pong, $1 added to their phase stamps
hotpath() {
	[ "$WARMUP" = 0 ] || { stamp warmup; pingpongs; }
	r=1
	while [ $r -le $ROUNDS ]; do
		st=$(states $r)
		[ $nomod = 0 ] || st=0	# once without a module
		for s in $st; do
			module $s
			stamp "hotpath round=$r module=$loaded$1"
			pingpongs
		done
		r=$((r + 1))
	done
}

echo
echo "R env kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo) mem_kb=$(sed -n 's/MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
# reaching 10000 threads needs headroom over the defaults
echo 65536 > /proc/sys/kernel/threads-max 2>/dev/null
echo 4194304 > /proc/sys/kernel/pid_max 2>/dev/null

if module 1; then
	want mempending && { stamp mempending; B mempending $PENDING; }
	want enoent &&     { stamp enoent;     B enoent 10; }
	want latency &&    { stamp latency;    B latency $SAMPLES; }
	want xproc &&      { stamp xproc;      B xproc $SAMPLES; }
	want scale &&      { stamp scale;      B scale $SAMPLES; }
	want csock &&      { stamp csock;      B csock $MASS 10; }
	want hotpath && hotpath ""
	# the series' kernel: again once a request has switched it on
	want hotpath && [ "$ARM" = 1 ] && B arm && hotpath " armed=1"
	# kernel memory per idle thread
	want memthreads && for r in 1 2 3 4; do
		for s in $(states $r); do
			module $s
			stamp "memthreads round=$r module=$loaded"
			B memthreads 1000
		done
	done
	module 1
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
