// SPDX-License-Identifier: GPL-2.0
/*
 * SOCKCANCEL_IOC_CANCEL_SOCKET: every call of the process on one socket
 * (whichever fd refers to it) is cancelled, polls watching it too, and
 * nothing on other sockets.
 */
#define _GNU_SOURCE
#include <poll.h>

#include "toolkit/toolkit.h"
#include "toolkit/syscalls.h"
#include "kselftest_harness.h"

FIXTURE(two) {
	int dev;
	int a[2], b[2];
};

FIXTURE_SETUP(two)
{
	self->dev = open_dev();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, self->a));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, self->b));
}

FIXTURE_TEARDOWN(two)
{
	close(self->a[0]);
	close(self->a[1]);
	close(self->b[0]);
	close(self->b[1]);
	close(self->dev);
}

TEST_F(two, eight_on_one_two_on_another)
{
	struct call c[10];
	char buf[10][8];
	int dup_a = dup(self->a[0]), i;
	__u32 count;

	ASSERT_LE(0, dup_a);
	memset(c, 0, sizeof(c));
	for (i = 0; i < 10; i++) {
		c[i].fn = do_recv;
		c[i].buf = buf[i];
		c[i].len = sizeof(buf[i]);
		/* 8 on socket a through two fds, 2 on socket b */
		c[i].fd = i < 8 ? (i % 2 ? dup_a : self->a[0]) : self->b[0];
		ASSERT_TRUE(call_start(&c[i], SYS_recvfrom));
	}

	ASSERT_EQ(0, sc_cancel_socket(self->dev, dup_a, 0, &count));
	EXPECT_EQ(8, count);
	for (i = 0; i < 8; i++) {
		ASSERT_TRUE(call_join(&c[i], RETURN_MS));
		EXPECT_EQ(-1, c[i].ret);
		EXPECT_EQ(EINTR, c[i].err);
	}
	/* the two on the other socket stay blocked until their data */
	EXPECT_FALSE(call_join(&c[8], STILL_BLOCKED_MS));
	EXPECT_FALSE(call_join(&c[9], 10));
	ASSERT_EQ(1, send(self->b[1], "1", 1, 0));
	ASSERT_EQ(1, send(self->b[1], "2", 1, 0));
	for (i = 8; i < 10; i++) {
		ASSERT_TRUE(call_join(&c[i], RETURN_MS));
		EXPECT_EQ(1, c[i].ret);
	}
	close(dup_a);
}

TEST_F(two, nothing_blocked)
{
	__u32 count;

	ASSERT_EQ(0, sc_cancel_socket(self->dev, self->a[0], 0, &count));
	EXPECT_EQ(0, count);
}

static long do_poll_two(struct call *c)
{
	struct pollfd p[2] = { { .fd = c->fd, .events = POLLIN },
			       { .fd = (int)c->arg, .events = POLLIN } };

	return poll(p, 2, -1);
}

TEST_F(two, poll_watching_the_socket)
{
	struct call watching = { .fn = do_poll_two, .fd = self->b[0],
				 .arg = self->a[0] };
	struct call other = { .fn = do_poll_two, .fd = self->b[0],
			      .arg = self->b[1] };
	__u32 count;

	ASSERT_TRUE(call_start(&watching, NR_POLL));
	ASSERT_TRUE(call_start(&other, NR_POLL));
	ASSERT_EQ(0, sc_cancel_socket(self->dev, self->a[0], 0, &count));
	EXPECT_EQ(1, count);
	ASSERT_TRUE(call_join(&watching, RETURN_MS));
	EXPECT_EQ(-1, watching.ret);
	EXPECT_EQ(EINTR, watching.err);
	EXPECT_FALSE(call_join(&other, STILL_BLOCKED_MS));
	ASSERT_EQ(1, send(self->b[1], "x", 1, 0));
	ASSERT_TRUE(call_join(&other, RETURN_MS));
	EXPECT_EQ(1, other.ret);
}

TEST_F(two, other_process_is_not_touched)
{
	pid_t pid = fork();
	int status;
	__u32 count;
	char x;

	ASSERT_LE(0, pid);
	if (!pid)
		_exit(recv(self->a[0], &x, 1, 0) == 1 ? 0 : 1);
	ASSERT_TRUE(wait_blocked_in(pid, pid, SYS_recvfrom, 5000));
	/* the same socket, but another process: not ours to cancel */
	ASSERT_EQ(0, sc_cancel_socket(self->dev, self->a[0], 0, &count));
	EXPECT_EQ(0, count);
	ASSERT_EQ(1, send(self->a[1], "z", 1, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * A call whose fd another thread closed, or gave another file with dup2,
 * while it sleeps is still a call on the socket: CANCEL_SOCKET through
 * another fd of that socket finds it asleep on the socket's wait queue.
 * A call asleep on the other socket, its fd closed too, is not touched.
 */
static void fd_gone(int fd, bool replace)
{
	int pipefd[2];

	if (!replace) {
		close(fd);
		return;
	}
	if (pipe(pipefd))
		return;
	dup2(pipefd[0], fd);
	close(pipefd[0]);
	close(pipefd[1]);
}

static void fd_gone_while_asleep(struct __test_metadata *_metadata,
				 FIXTURE_DATA(two) *self, bool replace)
{
	int on_a = dup(self->a[0]), on_b = dup(self->b[0]);
	struct call a = { .fn = do_recv, .fd = on_a };
	struct call b = { .fn = do_recv, .fd = on_b };
	char buf[2][8];
	__u32 count;

	ASSERT_LE(0, on_a);
	ASSERT_LE(0, on_b);
	a.buf = buf[0];
	a.len = sizeof(buf[0]);
	b.buf = buf[1];
	b.len = sizeof(buf[1]);
	ASSERT_TRUE(call_start(&a, SYS_recvfrom));
	ASSERT_TRUE(call_start(&b, SYS_recvfrom));
	fd_gone(on_a, replace);
	fd_gone(on_b, replace);

	ASSERT_EQ(0, sc_cancel_socket(self->dev, self->a[0], 0, &count));
	EXPECT_EQ(1, count);
	ASSERT_TRUE(call_join(&a, RETURN_MS));
	EXPECT_EQ(-1, a.ret);
	EXPECT_EQ(EINTR, a.err);

	EXPECT_FALSE(call_join(&b, STILL_BLOCKED_MS));
	ASSERT_EQ(1, send(self->b[1], "b", 1, 0));
	ASSERT_TRUE(call_join(&b, RETURN_MS));
	EXPECT_EQ(1, b.ret);
	if (replace) {
		close(on_a);
		close(on_b);
	}
}

TEST_F(two, fd_closed_while_asleep)
{
	fd_gone_while_asleep(_metadata, self, false);
}

TEST_F(two, fd_replaced_while_asleep)
{
	fd_gone_while_asleep(_metadata, self, true);
}

/* The same for accept on a TCP listener, its fd closed. */
TEST(accept_fd_closed_while_asleep)
{
	int dev = open_dev(), l = tcp_listener(NULL, 4), fd;
	struct call c = { .fn = do_accept };
	__u32 count;

	ASSERT_LE(0, dev);
	ASSERT_LE(0, l);
	fd = dup(l);
	ASSERT_LE(0, fd);
	c.fd = fd;
	ASSERT_TRUE(call_start(&c, SYS_accept));
	close(fd);
	ASSERT_EQ(0, sc_cancel_socket(dev, l, 0, &count));
	EXPECT_EQ(1, count);
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(EINTR, c.err);
	close(l);
	close(dev);
}

TEST_HARNESS_MAIN
