// SPDX-License-Identifier: GPL-2.0
/*
 * libsockcancel through /dev/sockcancel: wsp_cancel_blocking_call() on
 * another thread (blocking and pseudo-blocking calls, another process),
 * its errors (WSAEINVAL, WSAEACCES, WSAENETDOWN), wsp_thread_is_blocking(),
 * the all-or-nothing send and the module's SOCKCANCEL_RESET_ON_PARTIAL; the
 * pidfd functions of the device layer.
 */
#define _GNU_SOURCE
#include <poll.h>

#include "lib_test_util.h"
#include "kselftest_harness.h"

/* libsockcancel 0.1's names of the uapi's values still build, and agree */
_Static_assert(SCL_OP_NONE == SOCKCANCEL_OP_NONE &&
	       SCL_OP_RECV == SOCKCANCEL_OP_RECV &&
	       SCL_OP_SEND == SOCKCANCEL_OP_SEND &&
	       SCL_OP_ACCEPT == SOCKCANCEL_OP_ACCEPT &&
	       SCL_OP_CONNECT == SOCKCANCEL_OP_CONNECT &&
	       SCL_OP_POLL == SOCKCANCEL_OP_POLL &&
	       SCL_RESET_ON_PARTIAL == SOCKCANCEL_RESET_ON_PARTIAL,
	       "the SCL_ aliases");

FIXTURE(tcp) {
	int sv[2];
	int listener;
	char buf[64];
};

FIXTURE_SETUP(tcp)
{
	ASSERT_EQ(0, tcp_pair(self->sv, &self->listener));
}

FIXTURE_TEARDOWN(tcp)
{
	close(self->sv[0]);
	close(self->sv[1]);
	close(self->listener);
}

/* Cancel the thread of @c, which is in a ws11_ call, and expect WSAEINTR. */
static void cancel_expect_eintr(struct __test_metadata *_metadata,
				struct wcall *c)
{
	int err = -1;

	EXPECT_EQ(1, wsp_thread_is_blocking(c->tid));
	ASSERT_EQ(0, wsp_cancel_blocking_call(c->tid, &err));
	EXPECT_EQ(0, err);
	ASSERT_TRUE(wcall_join(c, RETURN_MS));
	EXPECT_EQ(SOCKET_ERROR, c->ret);
	EXPECT_EQ(WSAEINTR, c->wsa);
}

TEST_F(tcp, cross_thread_recv)
{
	struct wcall c = { .fn = w_recv, .fd = self->sv[0], .buf = self->buf,
			   .len = sizeof(self->buf) };
	char x = 'q';

	ASSERT_TRUE(wcall_start(&c));
	ASSERT_TRUE(wait_blocked_in(0, c.tid, SYS_recvfrom, RETURN_MS));
	cancel_expect_eintr(_metadata, &c);

	/* recv cancelled with nothing consumed: the stream is intact */
	ASSERT_EQ(1, send(self->sv[1], &x, 1, 0));
	EXPECT_EQ(1, ws11_recv(self->sv[0], self->buf, 1, 0));
	EXPECT_EQ('q', self->buf[0]);
}

TEST_F(tcp, cross_thread_accept_keeps_listener)
{
	struct wcall c = { .fn = w_accept, .fd = self->listener };
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int s, fd;

	ASSERT_TRUE(wcall_start(&c));
	ASSERT_TRUE(wait_op(c.tid, SOCKCANCEL_OP_ACCEPT, RETURN_MS));
	cancel_expect_eintr(_metadata, &c);

	ASSERT_EQ(0, getsockname(self->listener, (void *)&a, &len));
	s = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(s, (void *)&a, sizeof(a)));
	fd = ws11_accept(self->listener, NULL, NULL);
	EXPECT_LE(0, fd);
	close(fd);
	close(s);
}

TEST_F(tcp, cross_thread_select)
{
	struct wcall c = { .fn = w_select, .fd = self->sv[0] };

	ASSERT_TRUE(wcall_start(&c));
	ASSERT_TRUE(wait_op(c.tid, SOCKCANCEL_OP_POLL, RETURN_MS));
	cancel_expect_eintr(_metadata, &c);
}

static int count_hook_calls;

static int counting_hook(void)
{
	__atomic_add_fetch(&count_hook_calls, 1, __ATOMIC_SEQ_CST);
	return 0;
}

/* A pseudo-blocking call is outstanding even between two waits. */
TEST_F(tcp, cross_thread_pseudo_blocking_recv)
{
	struct wcall c = { .fn = w_recv, .fd = self->sv[0], .buf = self->buf,
			   .len = sizeof(self->buf), .hook = counting_hook };
	long deadline = now_ms() + RETURN_MS;

	ASSERT_TRUE(wcall_start(&c));
	while (__atomic_load_n(&count_hook_calls, __ATOMIC_SEQ_CST) < 3 &&
	       now_ms() < deadline)
		usleep(1000);
	ASSERT_LE(3, __atomic_load_n(&count_hook_calls, __ATOMIC_SEQ_CST));
	cancel_expect_eintr(_metadata, &c);
}

/*
 * A blocking send that has queued part of its data: the library resets
 * the stream (all-or-nothing) and the socket stays aborted.
 */
TEST_F(tcp, cross_thread_partial_send_resets)
{
	struct wcall c = { .fn = w_send, .fd = self->sv[0], .len = BIG_SEND };
	int i;

	c.buf = calloc(1, BIG_SEND);
	ASSERT_NE(NULL, c.buf);
	ASSERT_TRUE(wcall_start(&c));
	ASSERT_TRUE(wait_blocked_in(0, c.tid, SYS_sendto, RETURN_MS));
	cancel_expect_eintr(_metadata, &c);
	free(c.buf);

	for (i = 0; i < 2; i++) {
		ws11_set_last_error(0);
		EXPECT_EQ(SOCKET_ERROR, ws11_recv(self->sv[0], self->buf, 1, 0));
		EXPECT_EQ(WSAECONNABORTED, ws11_get_last_error());
	}
	ws11_set_last_error(0);
	EXPECT_EQ(SOCKET_ERROR, ws11_send(self->sv[0], "x", 1, 0));
	EXPECT_EQ(WSAECONNABORTED, ws11_get_last_error());
	EXPECT_EQ(ECONNRESET, read_to_end(self->sv[1], RETURN_MS));
}

/*
 * The module's SOCKCANCEL_RESET_ON_PARTIAL on a raw cancel of a blocked
 * ws11_send: the module resets, the library turns the kernel's one-time
 * ECONNABORTED into a sticky WSAECONNABORTED.
 */
TEST_F(tcp, module_reset_on_partial_sticks)
{
	struct wcall c = { .fn = w_send, .fd = self->sv[0], .len = BIG_SEND };
	int ret, err, i;

	c.buf = calloc(1, BIG_SEND);
	ASSERT_NE(NULL, c.buf);
	ASSERT_TRUE(wcall_start(&c));
	ASSERT_TRUE(wait_blocked_in(0, c.tid, SYS_sendto, RETURN_MS));
	ret = sockcancel_cancel(c.tid, SOCKCANCEL_RESET_ON_PARTIAL, NULL, NULL);
	err = errno;
	ASSERT_EQ(0, ret) {
		TH_LOG("cancel with SOCKCANCEL_RESET_ON_PARTIAL: %s",
		       strerror(err));
	}
	ASSERT_TRUE(wcall_join(&c, RETURN_MS));
	free(c.buf);
	EXPECT_EQ(SOCKET_ERROR, c.ret);
	EXPECT_EQ(WSAEINTR, c.wsa);
	for (i = 0; i < 3; i++) {
		ws11_set_last_error(0);
		EXPECT_EQ(SOCKET_ERROR, ws11_recv(self->sv[0], self->buf, 1, 0));
		EXPECT_EQ(WSAECONNABORTED, ws11_get_last_error());
	}
	EXPECT_EQ(ECONNRESET, read_to_end(self->sv[1], RETURN_MS));
}

/* ws11_closesocket aborts another thread's call on that socket. */
TEST_F(tcp, closesocket_aborts_other_thread)
{
	struct wcall c = { .fn = w_recv, .fd = self->sv[0], .buf = self->buf,
			   .len = sizeof(self->buf) };

	ASSERT_TRUE(wcall_start(&c));
	ASSERT_TRUE(wait_blocked_in(0, c.tid, SYS_recvfrom, RETURN_MS));
	EXPECT_EQ(0, ws11_closesocket(self->sv[0]));
	ASSERT_TRUE(wcall_join(&c, RETURN_MS));
	EXPECT_EQ(SOCKET_ERROR, c.ret);
	EXPECT_EQ(WSAEINTR, c.wsa);
	self->sv[0] = socket(AF_INET, SOCK_STREAM, 0);
}

static void *pipe_reader(void *p)
{
	int *fds = p;
	char c;

	fds[2] = gettid();
	fds[3] = (int)read(fds[0], &c, 1);
	return NULL;
}

/* Nothing outstanding: WSAEINVAL, and the thread is left alone. */
TEST(nothing_outstanding)
{
	int fds[4] = { -1, -1, 0, -2 }, err = 0;
	pthread_t t;

	ASSERT_EQ(0, pipe(fds));
	ASSERT_EQ(0, pthread_create(&t, NULL, pipe_reader, fds));
	while (!__atomic_load_n(&fds[2], __ATOMIC_SEQ_CST))
		usleep(100);
	ASSERT_TRUE(wait_blocked_in(0, fds[2], SYS_read, RETURN_MS));
	EXPECT_EQ(0, wsp_thread_is_blocking(fds[2]));
	EXPECT_EQ(SOCKET_ERROR, wsp_cancel_blocking_call(fds[2], &err));
	EXPECT_EQ(WSAEINVAL, err);
	/* own thread, outside a call */
	err = 0;
	EXPECT_EQ(SOCKET_ERROR, wsp_cancel_blocking_call(gettid(), &err));
	EXPECT_EQ(WSAEINVAL, err);

	ASSERT_EQ(1, write(fds[1], "w", 1));
	pthread_join(t, NULL);
	EXPECT_EQ(1, fds[3]);
	close(fds[0]);
	close(fds[1]);
}

TEST(bad_tid_and_no_such_thread)
{
	int err = 0, status;
	pid_t pid;

	EXPECT_EQ(SOCKET_ERROR, wsp_cancel_blocking_call(0, &err));
	EXPECT_EQ(WSAEINVAL, err);
	err = 0;
	EXPECT_EQ(SOCKET_ERROR, wsp_cancel_blocking_call(-5, &err));
	EXPECT_EQ(WSAEINVAL, err);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	err = 0;
	EXPECT_EQ(SOCKET_ERROR, wsp_cancel_blocking_call(pid, &err));
	EXPECT_EQ(WSAEINVAL, err);
	EXPECT_EQ(0, wsp_thread_is_blocking(pid));
}

/* A raw recv in another process: the module path. */
TEST(other_process)
{
	int sv[2], st[2], err = -1, status;
	char c;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, pipe(st));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ssize_t n = recv(sv[0], &c, 1, 0);

		c = n < 0 && errno == EINTR ? 'i' : 'x';
		_exit(write(st[1], &c, 1) == 1 ? 0 : 1);
	}
	ASSERT_TRUE(wait_blocked_in(pid, pid, SYS_recvfrom, RETURN_MS));
	EXPECT_EQ(1, wsp_thread_is_blocking(pid));
	EXPECT_EQ(0, wsp_cancel_blocking_call(pid, &err));
	EXPECT_EQ(0, err);
	ASSERT_EQ(1, read(st[0], &c, 1));
	EXPECT_EQ('i', c);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(sv[0]);
	close(sv[1]);
	close(st[0]);
	close(st[1]);
}

/* Another user's thread: not permitted, WSAEACCES. */
TEST(not_permitted)
{
	int status;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch to another uid");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* the parent, a root process, waits for us below */
		pid_t target = getppid();
		int err = 0;

		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(10);
		if (wsp_cancel_blocking_call(target, &err) != SOCKET_ERROR)
			_exit(11);
		_exit(err == WSAEACCES ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* SOCKCANCEL_DEVICE names a missing device: WSAENETDOWN. */
TEST(device_missing)
{
	int sv[2], err = 0, op = 0;
	pid_t other;

	ASSERT_EQ(0, setenv(SOCKCANCEL_DEVICE_ENV, "/nonexistent/sockcancel", 1));
	EXPECT_STREQ("/nonexistent/sockcancel", sockcancel_device_path());
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	other = getppid();
	EXPECT_EQ(SOCKET_ERROR, wsp_cancel_blocking_call(other, &err));
	EXPECT_EQ(WSAENETDOWN, err);
	EXPECT_EQ(0, wsp_thread_is_blocking(other));
	EXPECT_EQ(-1, sockcancel_query(other, &op, NULL));
	EXPECT_EQ(ENOENT, errno);
	close(sv[0]);
	close(sv[1]);
}

/*
 * sockcancel_pidfd_open() of a main thread (another process's), and the
 * pidfd functions through it; once the thread has gone, ESRCH.
 */
TEST(pidfd_of_a_process)
{
	int sv[2], pidfd, op = -1, fd = -1, status;
	pid_t child;
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(recv(sv[0], &c, 1, 0) == -1 && errno == EINTR ? 0 : 1);
	ASSERT_TRUE(wait_blocked_in(child, child, SYS_recvfrom, RETURN_MS));
	pidfd = sockcancel_pidfd_open(child);
	ASSERT_LE(0, pidfd);
	ASSERT_EQ(0, sockcancel_query_pidfd(pidfd, &op, &fd));
	EXPECT_EQ(SOCKCANCEL_OP_RECV, op);
	EXPECT_EQ(sv[0], fd);
	ASSERT_EQ(0, sockcancel_cancel_pidfd(pidfd, 0, &op, &fd));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	EXPECT_EQ(-1, sockcancel_query_pidfd(pidfd, &op, &fd));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, sockcancel_cancel_pidfd(sv[0], 0, NULL, NULL));
	EXPECT_EQ(EBADF, errno);
	close(pidfd);
	close(sv[0]);
	close(sv[1]);
}

/* A thread that is not a main thread: a thread pidfd, or EINVAL before 6.9. */
TEST_F(tcp, pidfd_of_a_thread)
{
	struct wcall c = { .fn = w_recv, .fd = self->sv[0], .buf = self->buf,
			   .len = sizeof(self->buf) };
	int pidfd;

	ASSERT_TRUE(wcall_start(&c));
	ASSERT_TRUE(wait_blocked_in(0, c.tid, SYS_recvfrom, RETURN_MS));
	pidfd = sockcancel_pidfd_open(c.tid);
	if (pidfd < 0) {
		EXPECT_EQ(EINVAL, errno);
		ASSERT_EQ(0, sockcancel_cancel(c.tid, 0, NULL, NULL));
	} else {
		ASSERT_EQ(0, sockcancel_cancel_pidfd(pidfd, 0, NULL, NULL));
		close(pidfd);
	}
	ASSERT_TRUE(wcall_join(&c, RETURN_MS));
	EXPECT_EQ(WSAEINTR, c.wsa);
	TH_LOG("%s", pidfd < 0 ? "no thread pidfds (before Linux 6.9)" :
				 "a thread pidfd");
}

TEST_HARNESS_MAIN
