/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: one blocking call made by a thread of its own, started and
 * seen asleep in its syscall before the test acts on it, and joined with a
 * bound.
 */
#ifndef TOOLKIT_CALL_H
#define TOOLKIT_CALL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>
#include <sys/socket.h>

#include "proc.h"
#include "timing.h"

struct call {
	long (*fn)(struct call *c);
	int fd;
	void *buf;
	size_t len;
	int flags;
	long arg;
	pid_t tid;
	long ret;
	int err;
	pthread_t thread;
	volatile int started;
};

static inline void *call_thread(void *p)
{
	struct call *c = p;

	c->tid = gettid();
	__atomic_store_n(&c->started, 1, __ATOMIC_SEQ_CST);
	errno = 0;
	c->ret = c->fn(c);
	c->err = errno;
	return NULL;
}

/* Start @c and wait until it sleeps in syscall @nr; false if it never did. */
static inline bool call_start(struct call *c, long nr)
{
	if (pthread_create(&c->thread, NULL, call_thread, c))
		return false;
	while (!__atomic_load_n(&c->started, __ATOMIC_SEQ_CST))
		usleep(100);
	return wait_blocked_in(0, c->tid, nr, RETURN_MS);
}

static inline bool call_join(struct call *c, long ms)
{
	return join_within(c->thread, ms);
}

/*
 * A child process whose main thread blocks in recv on @fd; it exits 0 if
 * that call gave EINTR, 1 otherwise.
 */
static inline pid_t blocked_child(int fd)
{
	pid_t pid = fork();
	char b;

	if (pid)
		return pid;
	_exit(recv(fd, &b, 1, 0) == -1 && errno == EINTR ? 0 : 1);
}

static inline long do_recv(struct call *c)
{
	return recv(c->fd, c->buf, c->len, c->flags);
}

static inline long do_send(struct call *c)
{
	return send(c->fd, c->buf, c->len, c->flags);
}

static inline long do_read(struct call *c)
{
	return read(c->fd, c->buf, c->len);
}

static inline long do_accept(struct call *c)
{
	return accept(c->fd, NULL, NULL);
}

#endif /* TOOLKIT_CALL_H */
