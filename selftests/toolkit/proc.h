/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: what a thread is doing, as procfs shows it. Its syscall
 * file names the syscall it sleeps in ("running" while it runs), its stat
 * file its state letter. A pid of 0 means this process.
 */
#ifndef TOOLKIT_PROC_H
#define TOOLKIT_PROC_H

#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timing.h"

static inline void task_path(char *buf, size_t len, pid_t pid, pid_t tid,
			     const char *file)
{
	if (pid)
		snprintf(buf, len, "/proc/%d/task/%d/%s", pid, tid, file);
	else
		snprintf(buf, len, "/proc/self/task/%d/%s", tid, file);
}

/*
 * A thread's syscall file, kept open: each read at offset 0 regenerates
 * it, so watching costs one pread, fast enough for the benchmarks.
 */
struct syscall_watch {
	int fd;
};

static inline int watch_open(struct syscall_watch *w, pid_t pid, pid_t tid)
{
	char path[96];

	task_path(path, sizeof(path), pid, tid, "syscall");
	w->fd = open(path, O_RDONLY | O_CLOEXEC);
	return w->fd < 0 ? -1 : 0;
}

static inline void watch_close(struct syscall_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

/* The syscall the thread sleeps in; -1 while it runs, -2 if unreadable. */
static inline long watch_nr(struct syscall_watch *w)
{
	char buf[256];
	ssize_t n = pread(w->fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -2;
	buf[n] = 0;
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	return strtol(buf, NULL, 10);
}

/* Spin (yielding) until the thread sleeps in @nr; false after @ms. */
static inline bool watch_until(struct syscall_watch *w, long nr, long ms)
{
	long deadline = now_ms() + ms;
	unsigned int i = 0;

	for (;;) {
		if (watch_nr(w) == nr)
			return true;
		if ((++i & 15) == 0 && now_ms() > deadline)
			return false;
		sched_yield();
	}
}

/* The state letter of thread @tid of process @pid (R, S, D, T...), or 0. */
static inline char thread_state(pid_t pid, pid_t tid)
{
	char path[96], buf[512], state = 0, *p;
	FILE *f;

	task_path(path, sizeof(path), pid, tid, "stat");
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 1, " %c", &state);
	fclose(f);
	return state;
}

/*
 * Wait until thread @tid of process @pid sleeps in syscall @nr in one of
 * the states @states. Returns true when it does within @ms milliseconds.
 */
static inline bool wait_in_syscall(pid_t pid, pid_t tid, long nr,
				   const char *states, long ms)
{
	struct syscall_watch w = { -1 };
	long deadline = now_ms() + ms;
	bool in = false;
	char state;

	for (;;) {
		if (w.fd < 0)
			watch_open(&w, pid, tid);
		if (w.fd >= 0 && watch_nr(&w) == nr) {
			state = thread_state(pid, tid);
			in = state && strchr(states, state);
		}
		if (in || now_ms() > deadline)
			break;
		usleep(2000);
	}
	watch_close(&w);
	return in;
}

/* Wait until thread @tid of process @pid is asleep (or stopped) in @nr. */
static inline bool wait_blocked_in(pid_t pid, pid_t tid, long nr, long ms)
{
	return wait_in_syscall(pid, tid, nr, "StT", ms);
}

#endif /* TOOLKIT_PROC_H */
