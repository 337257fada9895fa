/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the sockcancel benchmarks: clocks, futexes, CPU pinning,
 * statistics, and the "R key=value ..." result lines that scripts/bench-vm.sh
 * parses from the guest console. What the tests use too (the device,
 * socket pairs, the syscall watch on procfs) is the test toolkit's.
 */
#ifndef SOCKCANCEL_BENCH_H
#define SOCKCANCEL_BENCH_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>

#include "../selftests/toolkit/device.h"
#include "../selftests/toolkit/proc.h"
#include "../selftests/toolkit/sockets.h"
#include "../selftests/toolkit/syscalls.h"

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline pid_t bench_gettid(void)
{
	return syscall(SYS_gettid);
}

static inline void futex_wait(int *addr, int val)
{
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static inline void futex_wake(int *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
}

/* Wait until *addr != val. */
static inline void wait_change(int *addr, int val)
{
	while (__atomic_load_n(addr, __ATOMIC_ACQUIRE) == val)
		futex_wait(addr, val);
}

static inline void pin_cpu(int cpu)
{
	cpu_set_t set;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	CPU_ZERO(&set);
	CPU_SET(cpu % n, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static inline void die(const char *what)
{
	fprintf(stdout, "FATAL %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v in place. */
static inline uint64_t quantile(uint64_t *v, size_t n, double q, bool sorted)
{
	size_t i;

	if (!n)
		return 0;
	if (!sorted)
		qsort(v, n, sizeof(*v), cmp_u64);
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i];
}

/* Result line: "R <section> key=value ...". */
static inline void result(const char *fmt, ...)
{
	va_list ap;

	fputs("R ", stdout);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/* Quantiles 0, 1, ..., 100 % of sorted @v in microseconds, for the plot. */
static inline void result_cdf(const char *name, uint64_t *v, size_t n)
{
	int q;

	fputs("R cdf name=", stdout);
	fputs(name, stdout);
	fputs(" us=", stdout);
	for (q = 0; q <= 100; q++)
		fprintf(stdout, "%s%.2f", q ? "," : "",
			quantile(v, n, q / 100.0, true) / 1000.0);
	fputc('\n', stdout);
	fflush(stdout);
}

#endif /* SOCKCANCEL_BENCH_H */
