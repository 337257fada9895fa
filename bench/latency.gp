# SPDX-License-Identifier: GPL-2.0
# Latency distributions (CDF) of every cancel method, one panel per blocking
# call. Run by scripts/bench-vm.sh: gnuplot -e "datadir='bench/results'" latency.gp
if (!exists("datadir")) datadir = "bench/results"
set terminal pngcairo size 1500,900 font ",10" noenhanced
set output datadir."/latency.png"
set multiplot layout 2,3 title "sockcancel benchmark: cancel latency CDF (QEMU TCG; t0 = canceller starts, t1 = blocked call returns)"
set logscale x
set xlabel "latency (µs, log)"
set ylabel "percentile"
set yrange [0:100]
set grid
set key bottom right
titles = "tcp-recv udp-recv unix-recv accept poll"
do for [i=0:4] {
    set title word(titles, i+1)
    plot datadir."/latency-cdf.dat" index i using 2:1 with lines lw 2 title "sockcancel", \
         '' index i using 3:1 with lines lw 2 title "cancel_socket", \
         '' index i using 4:1 with lines lw 2 title "tgkill", \
         '' index i using 5:1 with lines lw 2 dt 2 title "shutdown", \
         '' index i using 6:1 with lines lw 2 title "io_uring"
}
unset multiplot
