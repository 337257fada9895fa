/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the libsockcancel tests: a thread that makes one ws11_ call
 * and keeps the Winsock error it saw, a wait until the module reports a
 * thread blocked, and a reader that tells a reset connection from a closed
 * one. The rest (socket pairs, /proc waits, time bounds) is the test
 * toolkit, selftests/toolkit.
 */
#ifndef LIB_TEST_UTIL_H
#define LIB_TEST_UTIL_H

#include "toolkit/toolkit.h"
#include "libsockcancel.h"

/* Big enough to fill both socket buffers of a loopback TCP pair. */
#define BIG_SEND	(16 << 20)

struct wcall {
	long (*fn)(struct wcall *c);
	int fd;
	void *buf;
	size_t len;
	int flags;
	ws11_blocking_hook hook;
	pid_t tid;
	long ret;
	int wsa;		/* ws11_get_last_error() of the thread */
	int done;		/* atomic */
	pthread_t thread;
	int started;		/* atomic */
};

static inline void *wcall_thread(void *p)
{
	struct wcall *c = p;

	c->tid = gettid();
	if (c->hook)
		ws11_set_blocking_hook(c->hook);
	ws11_set_last_error(0);
	__atomic_store_n(&c->started, 1, __ATOMIC_SEQ_CST);
	c->ret = c->fn(c);
	c->wsa = ws11_get_last_error();
	__atomic_store_n(&c->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static inline bool wcall_start(struct wcall *c)
{
	if (pthread_create(&c->thread, NULL, wcall_thread, c))
		return false;
	while (!__atomic_load_n(&c->started, __ATOMIC_SEQ_CST))
		usleep(100);
	return true;
}

static inline bool wcall_join(struct wcall *c, long ms)
{
	return join_within(c->thread, ms);
}

/* Wait until the module reports thread @tid blocked in @op. */
static inline bool wait_op(pid_t tid, int op, long ms)
{
	long deadline = now_ms() + ms;
	int cur;

	while (now_ms() <= deadline) {
		if (!sockcancel_query(tid, &cur, NULL) && cur == op)
			return true;
		usleep(2000);
	}
	return false;
}

static inline long w_recv(struct wcall *c)
{
	return ws11_recv(c->fd, c->buf, c->len, c->flags);
}

static inline long w_send(struct wcall *c)
{
	return ws11_send(c->fd, c->buf, c->len, c->flags);
}

static inline long w_accept(struct wcall *c)
{
	return ws11_accept(c->fd, NULL, NULL);
}

static inline long w_select(struct wcall *c)
{
	fd_set r;

	FD_ZERO(&r);
	FD_SET(c->fd, &r);
	return ws11_select(c->fd + 1, &r, NULL, NULL, NULL);
}

/*
 * Read @fd until it reports an error or end of stream (bounded by
 * @limit_ms). Returns the errno of the final recv, 0 for end of stream,
 * -1 if neither came.
 */
static inline int read_to_end(int fd, long limit_ms)
{
	long deadline = now_ms() + limit_ms;
	static char sink[65536];
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (now_ms() <= deadline) {
		n = recv(fd, sink, sizeof(sink), 0);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return errno;
	}
	return -1;
}

#endif /* LIB_TEST_UTIL_H */
