// SPDX-License-Identifier: GPL-2.0
/*
 * SOCKCANCEL_RESET_ON_PARTIAL: a cancelled stream call that moved part of
 * its data resets the connection and returns EINTR; one that moved nothing
 * returns EINTR and leaves the socket alone; datagram sockets are never
 * reset; a call whose fd names another socket when it ends is not touched.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sched.h>
#include <signal.h>

#include "toolkit/toolkit.h"
#include "kselftest_harness.h"
#include "toolkit/dev_pair.h"
#include "toolkit/stream_fixture.h"

/* Cancel @c with SOCKCANCEL_RESET_ON_PARTIAL: it must return EINTR. */
static void reset_cancel(struct __test_metadata *_metadata, int dev,
			 struct call *c)
{
	ASSERT_EQ(0, sc_cancel(dev, c->tid, SOCKCANCEL_RESET_ON_PARTIAL, NULL));
	ASSERT_TRUE(call_join(c, RETURN_MS));
	EXPECT_EQ(-1, c->ret);
	EXPECT_EQ(EINTR, c->err);
}

/* Read everything until the stream ends; returns bytes, *err the errno. */
static long drain(int fd, int *err)
{
	static char buf[65536];
	long total = 0, n;

	*err = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, RETURN_MS) != 1) {
			*err = ETIMEDOUT;
			return total;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0)
			return total;
		if (n < 0) {
			*err = errno;
			return total;
		}
		total += n;
	}
}

TEST_F(stream, partial_send_resets)
{
	struct call c = { .fn = do_send, .fd = self->sv[0], .len = BIG };
	long got;
	int err;

	c.buf = calloc(1, BIG);
	ASSERT_NE(NULL, c.buf);
	ASSERT_TRUE(call_start(&c, SYS_sendto));
	reset_cancel(_metadata, self->dev, &c);

	/* the peer gets what arrived, then learns the stream is broken */
	got = drain(self->sv[1], &err);
	EXPECT_LT(0, got);
	EXPECT_GT(BIG, got);
	/* AF_UNIX has no RST: the peer sees the end of the stream */
	EXPECT_EQ(variant->family == AF_INET ? ECONNRESET : 0, err);

	/* locally the connection is aborted */
	if (variant->family == AF_INET) {
		EXPECT_EQ(-1, send(self->sv[0], "x", 1, MSG_NOSIGNAL));
		EXPECT_EQ(ECONNABORTED, errno);
		EXPECT_EQ(-1, send(self->sv[0], "x", 1, MSG_NOSIGNAL));
		EXPECT_EQ(EPIPE, errno);
	} else {
		EXPECT_EQ(-1, recv(self->sv[0], c.buf, 16, 0));
		EXPECT_EQ(ECONNABORTED, errno);
		EXPECT_EQ(0, recv(self->sv[0], c.buf, 16, 0));
		EXPECT_EQ(-1, send(self->sv[0], "x", 1, MSG_NOSIGNAL));
		EXPECT_EQ(EPIPE, errno);
	}
	free(c.buf);
}

TEST_F(stream, partial_waitall_recv_resets)
{
	struct call c = { .fn = do_recv, .fd = self->sv[0], .len = 100,
			  .flags = MSG_WAITALL };
	char buf[100];
	int err;

	c.buf = buf;
	ASSERT_EQ(10, send(self->sv[1], "0123456789", 10, 0));
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	reset_cancel(_metadata, self->dev, &c);

	EXPECT_EQ(0, drain(self->sv[1], &err));
	EXPECT_EQ(variant->family == AF_INET ? ECONNRESET : 0, err);
	EXPECT_EQ(-1, recv(self->sv[0], buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNABORTED, errno);
	EXPECT_EQ(0, recv(self->sv[0], buf, sizeof(buf), 0));
}

TEST_F(stream, nothing_moved_no_reset)
{
	struct call c = { .fn = do_recv, .fd = self->sv[0], .len = 16 };
	char buf[16];

	c.buf = buf;
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	reset_cancel(_metadata, self->dev, &c);

	/* both directions still work */
	ASSERT_EQ(2, send(self->sv[1], "ab", 2, 0));
	EXPECT_EQ(2, recv(self->sv[0], buf, sizeof(buf), 0));
	ASSERT_EQ(2, send(self->sv[0], "cd", 2, 0));
	EXPECT_EQ(2, recv(self->sv[1], buf, sizeof(buf), 0));
}

TEST_F(stream, plain_recv_with_data_is_not_partial)
{
	char buf[16];

	/*
	 * A recv without MSG_WAITALL that returned data completed: the flag
	 * changes nothing for it. The idle thread has nothing to cancel.
	 */
	ASSERT_EQ(3, send(self->sv[1], "abc", 3, 0));
	EXPECT_EQ(-1, sc_cancel(self->dev, gettid(),
				SOCKCANCEL_RESET_ON_PARTIAL, NULL));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(3, recv(self->sv[0], buf, sizeof(buf), 0));
}

TEST(datagram_never_reset)
{
	struct call c = { .fn = do_recv, .len = 4, .flags = MSG_WAITALL };
	int dev, sv[2];
	char buf[4];

	dev_pair_open(_metadata, &dev, sv, AF_UNIX, SOCK_DGRAM);
	c.fd = sv[0];
	c.buf = buf;
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	reset_cancel(_metadata, dev, &c);
	ASSERT_EQ(2, send(sv[1], "ok", 2, 0));
	EXPECT_EQ(2, recv(sv[0], buf, sizeof(buf), 0));
	dev_pair_close(dev, sv);
}

/*
 * The sender is held off its CPU by a SCHED_FIFO spinner between the cancel
 * and its return, and meanwhile its fd number is made to name a fresh
 * connection.
 */
static volatile int spin_stop;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static long pinned_send(struct call *c)
{
	pin(1);
	return send(c->fd, c->buf, c->len, 0);
}

static void *spinner(void *arg)
{
	struct sched_param sp = { .sched_priority = 50 };

	pin(1);
	sched_setscheduler(0, SCHED_FIFO, &sp);
	__atomic_store_n((int *)arg, 1, __ATOMIC_SEQ_CST);
	while (!spin_stop)
		;
	return NULL;
}

static void spin_start(pthread_t *spin, int *spinning)
{
	spin_stop = 0;
	*spinning = 0;
	if (pthread_create(spin, NULL, spinner, spinning))
		return;
	while (!__atomic_load_n(spinning, __ATOMIC_SEQ_CST))
		usleep(100);
}

static void spin_end(pthread_t spin)
{
	spin_stop = 1;
	pthread_join(spin, NULL);
}

/*
 * Cancel @c while a spinner holds its CPU, so that it cannot return yet.
 * The sender must be asleep then: woken meanwhile (an ACK freed buffer
 * space) and kept off its CPU, it runs inside its call, and the cancel
 * waits for it and says EAGAIN, as documented. Then it is let run and
 * block again, and the cancel is tried again. Returns with the spinner
 * running and the cancel made, or fails the test.
 */
static void cancel_held_off(struct __test_metadata *_metadata, int dev,
			    struct call *c, pthread_t *spin)
{
	int spinning, tries;

	for (tries = 1; ; tries++) {
		ASSERT_TRUE(wait_blocked_in(0, c->tid, SYS_sendto, RETURN_MS));
		spin_start(spin, &spinning);
		ASSERT_EQ(1, spinning);
		if (!sc_cancel(dev, c->tid, SOCKCANCEL_RESET_ON_PARTIAL, NULL))
			break;
		ASSERT_EQ(EAGAIN, errno) TH_LOG("cancel: %s", strerror(errno));
		spin_end(*spin);
		ASSERT_GT(10, tries) TH_LOG("the sender never stayed asleep");
		usleep(20000);
	}
	if (tries > 1)
		TH_LOG("the sender was woken meanwhile %d times", tries - 1);
}

/*
 * The fd the call was made on names another socket by the time the call
 * ends: the interruption no longer knows which call it stands at and
 * touches nothing. The call returns its own short count (no EINTR), and
 * neither the original connection nor the one now at that fd number is
 * reset.
 */
TEST_F(stream, replaced_fd_touches_nothing)
{
	struct call c = { .fn = pinned_send, .fd = self->sv[0], .len = BIG };
	int fresh[2], err;
	pthread_t spin;
	char buf[8];
	long moved;

	if (variant->family != AF_INET)
		SKIP(return, "one family is enough");
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	pin(0);
	c.buf = calloc(1, BIG);
	ASSERT_NE(NULL, c.buf);
	ASSERT_TRUE(call_start(&c, SYS_sendto));

	cancel_held_off(_metadata, self->dev, &c, &spin);
	/* the sender cannot run yet: give its fd number to a new connection */
	ASSERT_EQ(0, make_pair(AF_INET, SOCK_STREAM, fresh));
	ASSERT_EQ(self->sv[0], dup2(fresh[0], self->sv[0]));
	close(fresh[0]);
	EXPECT_FALSE(call_join(&c, 50));
	spin_end(spin);

	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_LT(0, c.ret);
	EXPECT_GT(BIG, c.ret);
	EXPECT_EQ(0, c.err);
	/*
	 * the original connection carries exactly that count and is closed
	 * normally (dup2 closed its last fd), not reset ...
	 */
	moved = drain(self->sv[1], &err);
	EXPECT_EQ(c.ret, moved);
	EXPECT_EQ(0, err);
	/* ... and so does the one now at that fd number */
	ASSERT_EQ(2, send(self->sv[0], "ok", 2, 0));
	EXPECT_EQ(2, recv(fresh[1], buf, sizeof(buf), 0));
	close(fresh[1]);
	free(c.buf);
}

TEST_HARNESS_MAIN
