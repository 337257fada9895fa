/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: idle threads, waiting in calls that are not socket calls
 * (epoll_wait, nanosleep, sigtimedwait) in slices of slice_ms until
 * stopped. No cancel may ever reach them: every failed call is counted, and
 * a test fails if the count is not 0.
 */
#ifndef TOOLKIT_IDLER_H
#define TOOLKIT_IDLER_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "timing.h"

enum idle_kind { IDLE_EPOLL_WAIT, IDLE_NANOSLEEP, IDLE_SIGTIMEDWAIT };

struct idler {
	enum idle_kind kind;
	int epfd;		/* IDLE_EPOLL_WAIT: the epoll instance */
	int slice_ms;		/* how long one wait lasts */
	atomic_int tid;
	atomic_long failed;	/* calls that failed: must stay 0 */
	atomic_int stop;
	pthread_t thread;
};

static inline void *idler_thread(void *p)
{
	struct idler *d = p;
	struct timespec ts = { 0, d->slice_ms * 1000L * 1000 };
	struct epoll_event ev;
	sigset_t set;
	int r;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
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
		if (r < 0)
			atomic_fetch_add(&d->failed, 1);
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
