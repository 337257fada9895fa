/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: idle threads, waiting in calls that are not socket calls
 * (epoll_wait, nanosleep, sigtimedwait) in slices of slice_ms until
 * stopped. No cancel may ever reach them: every failed call is counted (the
 * first ones with their errno and time, idler_report()), and a test fails
 * if the count is not 0.
 *
 * They block every signal they can (signals.h): epoll_wait fails with
 * EINTR whatever the signal, one whose default is to be ignored too, where
 * nanosleep is restarted (bench/results/soak.md). A cancel's interruption
 * is no signal: an idle thread still sees any that reaches it.
 */
#ifndef TOOLKIT_IDLER_H
#define TOOLKIT_IDLER_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "signals.h"
#include "timing.h"

enum idle_kind { IDLE_EPOLL_WAIT, IDLE_NANOSLEEP, IDLE_SIGTIMEDWAIT };

/* failed calls recorded, with their errno and CLOCK_MONOTONIC time */
#define IDLER_RECORDS	16

struct idler_fail {
	int err;
	long mono_us;
};

struct idler {
	enum idle_kind kind;
	int epfd;		/* IDLE_EPOLL_WAIT: the epoll instance */
	int slice_ms;		/* how long one wait lasts */
	atomic_int tid;
	atomic_long failed;	/* calls that failed: must stay 0 */
	atomic_int stop;
	pthread_t thread;
	struct idler_fail fails[IDLER_RECORDS];	/* the first failures */
};

static inline const char *idler_call(const struct idler *d)
{
	return d->kind == IDLE_EPOLL_WAIT ? "epoll_wait" :
	       d->kind == IDLE_NANOSLEEP ? "nanosleep" : "sigtimedwait";
}

/* Print the failed calls recorded, one line each. */
static inline void idler_report(const struct idler *d)
{
	long i, n = atomic_load(&d->failed);

	for (i = 0; i < n && i < IDLER_RECORDS; i++)
		fprintf(stderr, "# idle %s of %d failed: errno %d (%s) at %ld.%06ld s (CLOCK_MONOTONIC)\n",
			idler_call(d), atomic_load(&d->tid), d->fails[i].err,
			strerror(d->fails[i].err), d->fails[i].mono_us / 1000000,
			d->fails[i].mono_us % 1000000);
	if (n > IDLER_RECORDS)
		fprintf(stderr, "# idle %s of %d: %ld failed calls more\n",
			idler_call(d), atomic_load(&d->tid), n - IDLER_RECORDS);
}

static inline void *idler_thread(void *p)
{
	struct idler *d = p;
	struct timespec ts = { 0, d->slice_ms * 1000L * 1000 };
	struct epoll_event ev;
	sigset_t set;
	struct timespec now;
	long n;
	int r;

	block_all_signals();
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	atomic_store(&d->tid, gettid());
	while (!atomic_load(&d->stop)) {
		errno = 0;
		switch (d->kind) {
		case IDLE_EPOLL_WAIT:
			r = epoll_wait(d->epfd, &ev, 1, d->slice_ms);
			break;
		case IDLE_NANOSLEEP:
			r = nanosleep(&ts, NULL);
			break;
		default:
			r = sigtimedwait(&set, NULL, &ts);
			if (r < 0 && errno == EAGAIN)
				r = 0;	/* the time-out */
			break;
		}
		if (r >= 0)
			continue;
		/* the only writer: the record is there before it is counted */
		n = atomic_load(&d->failed);
		if (n < IDLER_RECORDS) {
			d->fails[n].err = errno;
			clock_gettime(CLOCK_MONOTONIC, &now);
			d->fails[n].mono_us = now.tv_sec * 1000000L +
					      now.tv_nsec / 1000;
		}
		atomic_store(&d->failed, n + 1);
	}
	return NULL;
}

/* Start @d; true once its thread runs and has published its tid. */
static inline bool idler_start(struct idler *d)
{
	long deadline = now_ms() + RETURN_MS;

	if (pthread_create(&d->thread, NULL, idler_thread, d))
		return false;
	while (!atomic_load(&d->tid)) {
		if (now_ms() > deadline)
			return false;
		usleep(1000);
	}
	return true;
}

static inline void idler_stop(struct idler *d)
{
	atomic_store(&d->stop, 1);
	pthread_join(d->thread, NULL);
}

#endif /* TOOLKIT_IDLER_H */
