// SPDX-License-Identifier: GPL-2.0
/*
 * The Winsock 1.1 blocking model of libsockcancel, in one thread: the
 * blocking hook, cancel from the hook (WSAEINTR), WSAEINPROGRESS inside
 * the hook, WSAIsBlocking, all-or-nothing sends and the sticky
 * WSAECONNABORTED after a reset. Needs no module.
 */
#define _GNU_SOURCE
#include <poll.h>

#include "lib_test_util.h"
#include "kselftest_harness.h"

/* What the hooks saw, checked by the test after the call returns. */
static struct {
	int calls;
	int cancel_after;	/* cancel on this call; 0: never */
	int cancel_ret;
	int blocking, thread_blocking;
	int nested_ret, nested_err;
	int sethook_err, close_ret, close_err;
	ws11_blocking_hook sethook_ret;
	int other_fd;		/* a socket the hook tries a call on */
	int feed_fd;		/* the hook writes one byte here ... */
	int feed_after;		/* ... on this call */
} h;

static void hook_reset(void)
{
	memset(&h, 0, sizeof(h));
	h.other_fd = -1;
	h.feed_fd = -1;
}

static int hook_cancel(void)
{
	char c = 'f';

	h.calls++;
	h.blocking = ws11_is_blocking();
	h.thread_blocking = wsp_thread_is_blocking(gettid());
	if (h.feed_after && h.calls == h.feed_after)
		h.cancel_ret = send(h.feed_fd, &c, 1, 0) == 1 ? 0 : -2;
	if (h.cancel_after && h.calls == h.cancel_after)
		h.cancel_ret = ws11_cancel_blocking_call();
	return 0;
}

static int hook_nested(void)
{
	char buf[4];

	h.calls++;
	ws11_set_last_error(0);
	h.nested_ret = (int)ws11_recv(h.other_fd, buf, sizeof(buf), 0);
	h.nested_err = ws11_get_last_error();
	ws11_set_last_error(0);
	h.sethook_ret = ws11_set_blocking_hook(hook_cancel);
	h.sethook_err = ws11_get_last_error();
	ws11_set_last_error(0);
	h.close_ret = ws11_closesocket(h.other_fd);
	h.close_err = ws11_get_last_error();
	h.cancel_ret = ws11_cancel_blocking_call();
	return 0;
}

/* Put a fresh unconnected TCP socket at fd number @fd. */
static int reuse_fd(int fd)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0 || (s != fd && dup2(s, fd) != fd))
		return -1;
	if (s != fd)
		close(s);
	return 0;
}

/* Fill @fd's send path until a send stays refused for 50 ms. */
static int fill_send_path(int fd)
{
	static char chunk[65536];
	int sndbuf = 4096, i;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)))
		return -1;
	for (i = 0; i < 1000; i++) {
		while (send(fd, chunk, sizeof(chunk),
			    MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
			;
		if (errno != EAGAIN)
			return -1;
		usleep(50000);
		if (send(fd, chunk, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
		    errno == EAGAIN)
			return 0;
	}
	return -1;
}

FIXTURE(pair) {
	int sv[2];
};

FIXTURE_SETUP(pair)
{
	hook_reset();
	ASSERT_EQ(0, tcp_pair(self->sv, NULL));
}

FIXTURE_TEARDOWN(pair)
{
	ws11_unhook_blocking_hook();
	close(self->sv[0]);
	close(self->sv[1]);
}

TEST_F(pair, not_blocking_outside_a_call)
{
	EXPECT_EQ(0, ws11_is_blocking());
	EXPECT_EQ(0, wsp_thread_is_blocking(gettid()));
	ws11_set_last_error(0);
	EXPECT_EQ(SOCKET_ERROR, ws11_cancel_blocking_call());
	EXPECT_EQ(WSAEINVAL, ws11_get_last_error());
}

TEST_F(pair, set_hook_returns_previous)
{
	EXPECT_TRUE(ws11_set_blocking_hook(hook_cancel) == NULL);
	EXPECT_TRUE(ws11_set_blocking_hook(hook_nested) == hook_cancel);
	EXPECT_EQ(0, ws11_unhook_blocking_hook());
	EXPECT_TRUE(ws11_set_blocking_hook(NULL) == NULL);
}

TEST_F(pair, hook_cancels_recv)
{
	char buf[8], c = 'z';

	h.cancel_after = 3;
	ws11_set_blocking_hook(hook_cancel);
	ws11_set_last_error(0);
	EXPECT_EQ(SOCKET_ERROR, ws11_recv(self->sv[0], buf, sizeof(buf), 0));
	EXPECT_EQ(WSAEINTR, ws11_get_last_error());
	EXPECT_EQ(3, h.calls);
	EXPECT_EQ(0, h.cancel_ret);
	EXPECT_EQ(1, h.blocking);
	EXPECT_EQ(1, h.thread_blocking);
	EXPECT_EQ(0, ws11_is_blocking());

	/* recv is not an integrity loss: the socket still works */
	ASSERT_EQ(1, send(self->sv[1], &c, 1, 0));
	EXPECT_EQ(1, ws11_recv(self->sv[0], buf, sizeof(buf), 0));
	EXPECT_EQ('z', buf[0]);
}

TEST_F(pair, hook_runs_until_data)
{
	char buf[8];

	h.feed_fd = self->sv[1];
	h.feed_after = 4;
	ws11_set_blocking_hook(hook_cancel);
	EXPECT_EQ(1, ws11_recv(self->sv[0], buf, sizeof(buf), 0));
	EXPECT_EQ('f', buf[0]);
	EXPECT_EQ(4, h.calls);
	EXPECT_EQ(0, h.cancel_ret);
}

TEST_F(pair, inprogress_inside_hook)
{
	char buf[8];
	int other[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, other));
	h.other_fd = other[0];
	ws11_set_blocking_hook(hook_nested);
	ws11_set_last_error(0);
	EXPECT_EQ(SOCKET_ERROR, ws11_recv(self->sv[0], buf, sizeof(buf), 0));
	EXPECT_EQ(WSAEINTR, ws11_get_last_error());
	EXPECT_EQ(1, h.calls);
	EXPECT_EQ(SOCKET_ERROR, h.nested_ret);
	EXPECT_EQ(WSAEINPROGRESS, h.nested_err);
	EXPECT_TRUE(h.sethook_ret == NULL);
	EXPECT_EQ(WSAEINPROGRESS, h.sethook_err);
	EXPECT_EQ(SOCKET_ERROR, h.close_ret);
	EXPECT_EQ(WSAEINPROGRESS, h.close_err);
	/* the hook was not replaced and the other socket not closed */
	EXPECT_TRUE(ws11_set_blocking_hook(NULL) == hook_nested);
	EXPECT_EQ(0, fcntl(other[0], F_GETFD) < 0);
	close(other[0]);
	close(other[1]);
}

TEST_F(pair, hook_cancels_select)
{
	fd_set r;

	FD_ZERO(&r);
	FD_SET(self->sv[0], &r);
	h.cancel_after = 2;
	ws11_set_blocking_hook(hook_cancel);
	ws11_set_last_error(0);
	EXPECT_EQ(SOCKET_ERROR, ws11_select(self->sv[0] + 1, &r, NULL, NULL,
					    NULL));
	EXPECT_EQ(WSAEINTR, ws11_get_last_error());
	EXPECT_EQ(2, h.calls);
}

TEST_F(pair, select_times_out_with_hook)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
	long t0 = now_ms();
	fd_set r;

	FD_ZERO(&r);
	FD_SET(self->sv[0], &r);
	ws11_set_blocking_hook(hook_cancel);
	EXPECT_EQ(0, ws11_select(self->sv[0] + 1, &r, NULL, NULL, &tv));
	EXPECT_LE(90, now_ms() - t0);
	EXPECT_LT(1, h.calls);
	EXPECT_EQ(0, FD_ISSET(self->sv[0], &r));
}

TEST(hook_cancels_accept_and_keeps_listener)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int l, c, s;

	hook_reset();
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, bind(l, (void *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(l, 4));
	ASSERT_EQ(0, getsockname(l, (void *)&a, &len));

	h.cancel_after = 2;
	ws11_set_blocking_hook(hook_cancel);
	ws11_set_last_error(0);
	EXPECT_EQ(SOCKET_ERROR, ws11_accept(l, NULL, NULL));
	EXPECT_EQ(WSAEINTR, ws11_get_last_error());

	/* the listener is as it was: a connection is accepted */
	h.cancel_after = 0;
	c = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect(c, (void *)&a, sizeof(a)));
	s = ws11_accept(l, NULL, NULL);
	EXPECT_LE(0, s);
	ws11_unhook_blocking_hook();
	close(s);
	close(c);
	close(l);
}

/*
 * A send that has moved part of its data when the hook cancels it: the
 * connection is reset, the send fails with WSAEINTR and every later call
 * on the socket but closesocket fails with WSAECONNABORTED.
 */
TEST_F(pair, partial_send_resets_and_sticks)
{
	char *big = calloc(1, BIG_SEND), buf[8];
	int i, fd;

	ASSERT_NE(NULL, big);
	h.cancel_after = 2;
	ws11_set_blocking_hook(hook_cancel);
	ws11_set_last_error(0);
	EXPECT_EQ(SOCKET_ERROR, ws11_send(self->sv[0], big, BIG_SEND, 0));
	EXPECT_EQ(WSAEINTR, ws11_get_last_error());
	ws11_unhook_blocking_hook();
	free(big);

	for (i = 0; i < 3; i++) {
		ws11_set_last_error(0);
		EXPECT_EQ(SOCKET_ERROR,
			  ws11_recv(self->sv[0], buf, sizeof(buf), 0));
		EXPECT_EQ(WSAECONNABORTED, ws11_get_last_error());
		ws11_set_last_error(0);
		EXPECT_EQ(SOCKET_ERROR, ws11_send(self->sv[0], "x", 1, 0));
		EXPECT_EQ(WSAECONNABORTED, ws11_get_last_error());
	}
	/* the peer sees a reset, not an orderly end of stream */
	EXPECT_EQ(ECONNRESET, read_to_end(self->sv[1], 5000));

	/* closesocket works and forgets the socket */
	fd = self->sv[0];
	EXPECT_EQ(0, ws11_closesocket(fd));
	ASSERT_EQ(0, reuse_fd(fd));
	ws11_set_last_error(0);
	EXPECT_EQ(SOCKET_ERROR, ws11_recv(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(WSAENOTCONN, ws11_get_last_error());
}

/* A socket closed with close(): its fd reused is not taken as aborted. */
TEST_F(pair, stale_entry_after_plain_close)
{
	char *big = calloc(1, BIG_SEND), buf[8];
	int fd = self->sv[0];

	ASSERT_NE(NULL, big);
	h.cancel_after = 2;
	ws11_set_blocking_hook(hook_cancel);
	EXPECT_EQ(SOCKET_ERROR, ws11_send(fd, big, BIG_SEND, 0));
	ws11_unhook_blocking_hook();
	free(big);
	close(fd);
	ASSERT_EQ(0, reuse_fd(fd));
	ws11_set_last_error(0);
	EXPECT_EQ(SOCKET_ERROR, ws11_recv(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(WSAENOTCONN, ws11_get_last_error());
}

/* Cancel before anything moved: no reset, the stream stays usable. */
TEST_F(pair, send_cancelled_before_data_keeps_stream)
{
	char buf[8], c = 'k';

	/* fill the send path first so the next send cannot move a byte */
	ASSERT_EQ(0, fill_send_path(self->sv[0]));

	h.cancel_after = 1;
	ws11_set_blocking_hook(hook_cancel);
	ws11_set_last_error(0);
	EXPECT_EQ(SOCKET_ERROR, ws11_send(self->sv[0], &c, 1, 0));
	EXPECT_EQ(WSAEINTR, ws11_get_last_error());
	ws11_unhook_blocking_hook();

	/* not aborted: recv on it reaches the kernel (would block) */
	ASSERT_EQ(0, fcntl(self->sv[0], F_SETFL, O_NONBLOCK));
	ws11_set_last_error(0);
	EXPECT_EQ(SOCKET_ERROR, ws11_recv(self->sv[0], buf, sizeof(buf), 0));
	EXPECT_EQ(WSAEWOULDBLOCK, ws11_get_last_error());
}

/* MSG_WAITALL recv that consumed part of its data when cancelled. */
TEST_F(pair, partial_waitall_recv_resets)
{
	char buf[64];

	ASSERT_EQ(5, send(self->sv[1], "hello", 5, 0));
	h.cancel_after = 3;
	ws11_set_blocking_hook(hook_cancel);
	ws11_set_last_error(0);
	EXPECT_EQ(SOCKET_ERROR, ws11_recv(self->sv[0], buf, sizeof(buf),
					  MSG_WAITALL));
	EXPECT_EQ(WSAEINTR, ws11_get_last_error());
	ws11_unhook_blocking_hook();
	ws11_set_last_error(0);
	EXPECT_EQ(SOCKET_ERROR, ws11_recv(self->sv[0], buf, sizeof(buf), 0));
	EXPECT_EQ(WSAECONNABORTED, ws11_get_last_error());
}

/* A whole send with a hook: every byte arrives, in order. */
TEST_F(pair, pseudo_blocking_send_completes)
{
	size_t len = 4 << 20, got = 0, i;
	unsigned char *out = malloc(len), *in = malloc(len);
	int status;
	ssize_t n;
	pid_t pid;

	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, in);
	for (i = 0; i < len; i++)
		out[i] = (unsigned char)(i * 7 + 3);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ws11_set_blocking_hook(hook_cancel);
		_exit(ws11_send(self->sv[0], out, len, 0) == (ssize_t)len ?
		      0 : 1);
	}
	while (got < len) {
		n = recv(self->sv[1], in + got, len - got, 0);
		if (n <= 0)
			break;
		got += n;
	}
	EXPECT_EQ(len, got);
	EXPECT_EQ(0, memcmp(in, out, len));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(in);
	free(out);
}

TEST_HARNESS_MAIN
