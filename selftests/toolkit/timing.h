/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: the clock and the time bounds every test uses.
 */
#ifndef TOOLKIT_TIMING_H
#define TOOLKIT_TIMING_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

/* Upper bound for a cancelled call to return. */
#define RETURN_MS		5000
/* How long a thread that should stay blocked is watched. */
#define STILL_BLOCKED_MS	300

/* CLOCK_MONOTONIC in milliseconds. */
static inline long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Join @th within @ms; false if it is still running (blocked). */
static inline bool join_within(pthread_t th, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return pthread_timedjoin_np(th, NULL, &ts) == 0;
}

#endif /* TOOLKIT_TIMING_H */
