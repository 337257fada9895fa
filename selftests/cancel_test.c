// SPDX-License-Identifier: GPL-2.0
/*
 * SOCKCANCEL_IOC_CANCEL and SOCKCANCEL_IOC_QUERY on a thread blocked in a
 * socket call: every kind of call and socket, the result the call sees,
 * what happens to the socket, and what must not be touched.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <linux/futex.h>
#include <sys/epoll.h>
#include <sys/ptrace.h>
#include <sys/select.h>
#include <sys/uio.h>

#include "toolkit/toolkit.h"
#include "toolkit/syscalls.h"
#include "kselftest_harness.h"
#include "toolkit/dev_pair.h"
#include "toolkit/stream_fixture.h"

/* ---- recv on every kind of socket ------------------------------------ */

FIXTURE(sock) {
	int dev;
	int sv[2];
};

FIXTURE_VARIANT(sock) {
	int family;
	int type;
};

FIXTURE_VARIANT_ADD(sock, tcp) { .family = AF_INET, .type = SOCK_STREAM };
FIXTURE_VARIANT_ADD(sock, udp) { .family = AF_INET, .type = SOCK_DGRAM };
FIXTURE_VARIANT_ADD(sock, unix_stream) { .family = AF_UNIX, .type = SOCK_STREAM };
FIXTURE_VARIANT_ADD(sock, unix_dgram) { .family = AF_UNIX, .type = SOCK_DGRAM };

FIXTURE_SETUP(sock)
{
	dev_pair_open(_metadata, &self->dev, self->sv, variant->family,
		      variant->type);
}

FIXTURE_TEARDOWN(sock)
{
	dev_pair_close(self->dev, self->sv);
}

/* Cancel @c, which sleeps in a socket call, and check what it returns. */
static void cancel_and_expect_eintr(struct __test_metadata *_metadata,
				    int dev, struct call *c, __u32 op, int fd)
{
	struct sockcancel_thread_arg out;

	ASSERT_EQ(0, sc_query(dev, c->tid, &out));
	EXPECT_EQ(op, out.op);
	EXPECT_EQ(fd, out.fd);
	ASSERT_EQ(0, sc_cancel(dev, c->tid, 0, &out));
	EXPECT_EQ(op, out.op);
	EXPECT_EQ(fd, out.fd);
	ASSERT_TRUE(call_join(c, RETURN_MS));
	EXPECT_EQ(-1, c->ret);
	EXPECT_EQ(EINTR, c->err);
}

TEST_F(sock, recv)
{
	struct call c = { .fn = do_recv, .fd = self->sv[0], .len = 16 };
	char buf[16], ok = 'x';

	c.buf = buf;
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	cancel_and_expect_eintr(_metadata, self->dev, &c, SOCKCANCEL_OP_RECV,
				self->sv[0]);

	/* the socket is intact and nothing more is pending for the thread */
	ASSERT_EQ(1, send(self->sv[1], &ok, 1, 0));
	EXPECT_EQ(1, recv(self->sv[0], buf, sizeof(buf), 0));
	EXPECT_EQ('x', buf[0]);
	EXPECT_EQ(-1, sc_cancel(self->dev, gettid(), 0, NULL));
	EXPECT_EQ(ENOENT, errno);
}

static long do_recvmsg(struct call *c)
{
	struct iovec iov = { c->buf, c->len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	return recvmsg(c->fd, &mh, c->flags);
}

static long do_readv(struct call *c)
{
	struct iovec iov = { c->buf, c->len };

	return readv(c->fd, &iov, 1);
}

static long do_recvmmsg(struct call *c)
{
	struct iovec iov = { c->buf, c->len };
	struct mmsghdr mm = { .msg_hdr = { .msg_iov = &iov, .msg_iovlen = 1 } };

	return recvmmsg(c->fd, &mm, 1, c->flags, NULL);
}

TEST_F(sock, recvmsg_read_readv_recvmmsg)
{
	static const struct { long (*fn)(struct call *); long nr; } calls[] = {
		{ do_recvmsg, SYS_recvmsg }, { do_read, SYS_read },
		{ do_readv, SYS_readv }, { do_recvmmsg, SYS_recvmmsg },
	};
	unsigned int i;
	char buf[16];

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		struct call c = { .fn = calls[i].fn, .fd = self->sv[0],
				  .buf = buf, .len = sizeof(buf) };

		ASSERT_TRUE(call_start(&c, calls[i].nr));
		cancel_and_expect_eintr(_metadata, self->dev, &c,
					SOCKCANCEL_OP_RECV, self->sv[0]);
	}
}

TEST_F(sock, next_call_blocks_normally)
{
	struct call c = { .fn = do_recv, .fd = self->sv[0], .len = 16 };
	char buf[16], ok = 'y';

	c.buf = buf;
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	cancel_and_expect_eintr(_metadata, self->dev, &c, SOCKCANCEL_OP_RECV,
				self->sv[0]);

	/* a new call on the same socket blocks until data arrives */
	memset(&c, 0, sizeof(c));
	c.fn = do_recv;
	c.fd = self->sv[0];
	c.buf = buf;
	c.len = sizeof(buf);
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	EXPECT_FALSE(call_join(&c, STILL_BLOCKED_MS));
	ASSERT_EQ(1, send(self->sv[1], &ok, 1, 0));
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(1, c.ret);
	EXPECT_EQ('y', buf[0]);
}

TEST_F(sock, rcvtimeo_gives_eintr)
{
	struct timeval tv = { .tv_sec = 30 };
	struct call c = { .fn = do_recv, .fd = self->sv[0], .len = 16 };
	char buf[16];
	long t0;

	c.buf = buf;
	ASSERT_EQ(0, setsockopt(self->sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	t0 = now_ms();
	cancel_and_expect_eintr(_metadata, self->dev, &c, SOCKCANCEL_OP_RECV,
				self->sv[0]);
	EXPECT_GT(RETURN_MS, now_ms() - t0);
}

static long do_poll(struct call *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };

	return poll(&p, 1, -1);
}

static long do_ppoll(struct call *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	struct timespec ts = { .tv_sec = 60 };

	return ppoll(&p, 1, &ts, NULL);
}

static long do_select(struct call *c)
{
	fd_set r;

	FD_ZERO(&r);
	FD_SET(c->fd, &r);
	return sys_select(c->fd + 1, &r, NULL, NULL, NULL);
}

static long do_pselect(struct call *c)
{
	struct timespec ts = { .tv_sec = 60 };
	fd_set r;

	FD_ZERO(&r);
	FD_SET(c->fd, &r);
	return pselect(c->fd + 1, &r, NULL, NULL, &ts, NULL);
}

TEST_F(sock, poll_family)
{
	static const struct { long (*fn)(struct call *); long nr; } calls[] = {
		{ do_poll, NR_POLL }, { do_ppoll, SYS_ppoll },
		{ do_select, NR_SELECT }, { do_pselect, SYS_pselect6 },
	};
	struct pollfd p = { .fd = self->sv[0], .events = POLLIN };
	unsigned int i;
	char x = 'p';

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		struct call c = { .fn = calls[i].fn, .fd = self->sv[0] };

		ASSERT_TRUE(call_start(&c, calls[i].nr));
		cancel_and_expect_eintr(_metadata, self->dev, &c,
					SOCKCANCEL_OP_POLL, -1);
	}
	/* the socket was not touched: poll still sees data arrive */
	EXPECT_EQ(0, poll(&p, 1, 0));
	ASSERT_EQ(1, send(self->sv[1], &x, 1, 0));
	EXPECT_EQ(1, poll(&p, 1, 1000));
}

TEST_F(sock, nonblocking_file_is_not_outstanding)
{
	struct call c = { .fn = do_recv, .fd = self->sv[0], .len = 16 };
	char buf[16], x = 'n';

	c.buf = buf;
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	/* the file turns non-blocking while the call sleeps */
	ASSERT_EQ(0, fcntl(self->sv[0], F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, sc_cancel(self->dev, c.tid, 0, NULL));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_FALSE(call_join(&c, STILL_BLOCKED_MS));
	ASSERT_EQ(1, send(self->sv[1], &x, 1, 0));
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(1, c.ret);
}

/* ---- calls that are not socket calls are never touched ---------------- */

FIXTURE(other) {
	int dev;
};

FIXTURE_SETUP(other)
{
	self->dev = open_dev();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(other)
{
	close(self->dev);
}

/* ENOENT, and the call goes on until woken the normal way. */
static void expect_untouched(struct __test_metadata *_metadata, int dev,
			     struct call *c)
{
	struct sockcancel_thread_arg out;

	ASSERT_EQ(0, sc_query(dev, c->tid, &out));
	EXPECT_EQ(SOCKCANCEL_OP_NONE, out.op);
	EXPECT_EQ(-1, out.fd);
	EXPECT_EQ(-1, sc_cancel(dev, c->tid, 0, NULL));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_FALSE(call_join(c, STILL_BLOCKED_MS));
}

static long do_nanosleep(struct call *c)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 900000000 };
	struct timespec rem = { 0 };
	long ret = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &rem);

	(void)c;
	/* clock_nanosleep returns the error itself */
	errno = ret;
	return ret ? -1 : 0;
}

TEST_F(other, nanosleep)
{
	struct call c = { .fn = do_nanosleep };

	ASSERT_TRUE(call_start(&c, SYS_clock_nanosleep));
	expect_untouched(_metadata, self->dev, &c);
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(0, c.ret);
}

static int futex_word;

static long do_futex(struct call *c)
{
	(void)c;
	return syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL,
		       NULL, 0);
}

TEST_F(other, futex)
{
	struct call c = { .fn = do_futex };

	futex_word = 0;
	ASSERT_TRUE(call_start(&c, SYS_futex));
	expect_untouched(_metadata, self->dev, &c);
	__atomic_store_n(&futex_word, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(0, c.ret);
}

static long do_epoll_wait(struct call *c)
{
	struct epoll_event ev;

	return epoll_wait(c->fd, &ev, 1, -1);
}

TEST_F(other, epoll_wait_on_a_socket)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct call c = { .fn = do_epoll_wait };
	int sv[2], ep;
	char x = 'e';

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ep = epoll_create1(0);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev));
	c.fd = ep;
	ASSERT_TRUE(call_start(&c, NR_EPOLL_WAIT));
	expect_untouched(_metadata, self->dev, &c);
	ASSERT_EQ(1, write(sv[1], &x, 1));
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(1, c.ret);
	close(ep);
	close(sv[0]);
	close(sv[1]);
}

TEST_F(other, pipe_read)
{
	struct call c = { .fn = do_read, .len = 8 };
	char buf[8];
	int p[2];

	ASSERT_EQ(0, pipe(p));
	c.fd = p[0];
	c.buf = buf;
	ASSERT_TRUE(call_start(&c, SYS_read));
	expect_untouched(_metadata, self->dev, &c);
	ASSERT_EQ(3, write(p[1], "abc", 3));
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(3, c.ret);
	close(p[0]);
	close(p[1]);
}

TEST_F(other, poll_and_select_on_pipe_only)
{
	static const struct { long (*fn)(struct call *); long nr; } calls[] = {
		{ do_poll, NR_POLL }, { do_select, NR_SELECT },
	};
	unsigned int i;
	int p[2];

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		struct call c = { .fn = calls[i].fn };

		ASSERT_EQ(0, pipe(p));
		c.fd = p[0];
		ASSERT_TRUE(call_start(&c, calls[i].nr));
		expect_untouched(_metadata, self->dev, &c);
		ASSERT_EQ(1, write(p[1], "x", 1));
		ASSERT_TRUE(call_join(&c, RETURN_MS));
		EXPECT_EQ(1, c.ret);
		close(p[0]);
		close(p[1]);
	}
}

/* ---- accept and connect ----------------------------------------------- */

/* After the cancel the listener works: a new connection is accepted. */
static void still_accepts(struct __test_metadata *_metadata, int l,
			  const struct sockaddr *a, socklen_t len)
{
	int cl = socket(a->sa_family, SOCK_STREAM, 0), s;

	ASSERT_EQ(0, connect(cl, a, len));
	s = accept(l, NULL, NULL);
	EXPECT_LE(0, s);
	close(s);
	close(cl);
}

TEST_F(other, accept_keeps_listener)
{
	struct sockaddr_in a;
	struct call c = { .fn = do_accept };
	int l = tcp_listener(&a, 8);

	ASSERT_LE(0, l);
	c.fd = l;
	ASSERT_TRUE(call_start(&c, SYS_accept));
	cancel_and_expect_eintr(_metadata, self->dev, &c, SOCKCANCEL_OP_ACCEPT,
				l);

	still_accepts(_metadata, l, (void *)&a, sizeof(a));
	close(l);
}

TEST_F(other, accept_unix)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct call c = { .fn = do_accept };
	int l = socket(AF_UNIX, SOCK_STREAM, 0);

	ASSERT_LE(0, l);
	/* abstract address */
	strcpy(a.sun_path + 1, "sockcancel-accept");
	ASSERT_EQ(0, bind(l, (void *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(l, 4));
	c.fd = l;
	ASSERT_TRUE(call_start(&c, SYS_accept));
	cancel_and_expect_eintr(_metadata, self->dev, &c, SOCKCANCEL_OP_ACCEPT,
				l);
	still_accepts(_metadata, l, (void *)&a, sizeof(a));
	close(l);
}

static long do_connect(struct call *c)
{
	return connect(c->fd, c->buf, c->len);
}

TEST_F(other, connect_keeps_connecting)
{
	struct sockaddr_in a;
	struct call c = { .fn = do_connect, .len = sizeof(a) };
	int l = tcp_listener(&a, 0), first, cl;

	ASSERT_LE(0, l);
	/* one queued connection fills a backlog of 0: SYNs are dropped */
	first = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(first, (void *)&a, sizeof(a)));
	cl = socket(AF_INET, SOCK_STREAM, 0);
	c.fd = cl;
	c.buf = &a;
	ASSERT_TRUE(call_start(&c, SYS_connect));
	cancel_and_expect_eintr(_metadata, self->dev, &c,
				SOCKCANCEL_OP_CONNECT, cl);

	/* still connecting in the background */
	ASSERT_EQ(0, fcntl(cl, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, connect(cl, (void *)&a, sizeof(a)));
	EXPECT_EQ(EALREADY, errno);
	close(cl);
	close(first);
	close(l);
}

/* ---- send ------------------------------------------------------------- */

/*
 * Fill the path from @fd to @peer until a non-blocking send would block.
 * Fixed stream buffer sizes stop TCP's autotuning making room again later;
 * a second fill after a pause takes what late acknowledgements freed.
 */
static size_t fill(int fd, int peer)
{
	static char junk[65536];
	size_t total = 0;
	socklen_t len = sizeof(int);
	int round, type;
	ssize_t n;

	if (!getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) &&
	    type == SOCK_STREAM) {
		small_buffers(fd);
		small_buffers(peer);
	}
	for (round = 0; round < 2; round++) {
		while ((n = send(fd, junk, sizeof(junk), MSG_DONTWAIT)) > 0)
			total += n;
		usleep(50000);
	}
	return total;
}

TEST_F(sock, send_on_full_buffer)
{
	struct call c = { .fn = do_send, .fd = self->sv[0], .len = 4096 };
	static char buf[4096];

	if (variant->type == SOCK_DGRAM && variant->family == AF_INET)
		SKIP(return, "UDP sends do not block on a full peer");
	c.buf = buf;
	fill(self->sv[0], self->sv[1]);
	ASSERT_TRUE(call_start(&c, SYS_sendto));
	cancel_and_expect_eintr(_metadata, self->dev, &c, SOCKCANCEL_OP_SEND,
				self->sv[0]);
}

/* ---- partial transfers without SOCKCANCEL_RESET_ON_PARTIAL ------------- */

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + (i >> 9));
}

TEST_F(stream, partial_send_returns_short_count)
{
	struct call c = { .fn = do_send, .fd = self->sv[0], .len = BIG };
	unsigned char *buf = malloc(BIG), *in = malloc(BIG);
	size_t i, got = 0;
	ssize_t n;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, in);
	for (i = 0; i < BIG; i++)
		buf[i] = pattern(i);
	c.buf = buf;
	ASSERT_TRUE(call_start(&c, SYS_sendto));
	ASSERT_EQ(0, sc_cancel(self->dev, c.tid, 0, NULL));
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	ASSERT_LT(0, c.ret);
	ASSERT_GT(BIG, c.ret);

	/* the peer reads exactly the bytes the short count reports */
	while ((n = recv(self->sv[1], in + got, BIG - got, MSG_DONTWAIT)) > 0 ||
	       (n < 0 && errno == EAGAIN && got < (size_t)c.ret))
		if (n > 0)
			got += n;
	EXPECT_EQ(c.ret, got);
	EXPECT_EQ(0, memcmp(buf, in, got));
	free(buf);
	free(in);
}

TEST_F(stream, partial_waitall_recv_returns_short_count)
{
	struct call c = { .fn = do_recv, .fd = self->sv[0], .len = 100,
			  .flags = MSG_WAITALL };
	char buf[100];

	c.buf = buf;
	ASSERT_EQ(10, send(self->sv[1], "0123456789", 10, 0));
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	ASSERT_EQ(0, sc_cancel(self->dev, c.tid, 0, NULL));
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(10, c.ret);
	EXPECT_EQ(0, memcmp(buf, "0123456789", 10));
}

static long do_recvmmsg4(struct call *c)
{
	return recvmmsg(c->fd, c->buf, 4, 0, NULL);
}

TEST_F(sock, recvmmsg_leaves_no_error_behind)
{
	struct call c = { .fn = do_recvmmsg4, .fd = self->sv[0] };
	struct iovec iov[4];
	struct mmsghdr mm[4];
	char buf[4][16], x = 'r';
	long ret;
	int i;

	if (variant->type != SOCK_DGRAM)
		SKIP(return, "datagram sockets only");
	memset(mm, 0, sizeof(mm));
	for (i = 0; i < 4; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	/* one datagram, then the call waits for three more */
	ASSERT_EQ(1, send(self->sv[1], &x, 1, 0));
	c.buf = mm;
	ASSERT_TRUE(call_start(&c, SYS_recvmmsg));
	ASSERT_EQ(0, sc_cancel(self->dev, c.tid, 0, NULL));
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(1, c.ret);

	/* the next call sees the next datagram, not a parked error */
	ASSERT_EQ(1, send(self->sv[1], &x, 1, 0));
	ret = recv(self->sv[0], buf[0], sizeof(buf[0]), MSG_DONTWAIT);
	EXPECT_EQ(1, ret) TH_LOG("errno %d", errno);
}

/* ---- SA_RESTART ------------------------------------------------------- */

static volatile int handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

TEST_F(sock, never_restarted_with_sa_restart)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	struct call c = { .fn = do_recv, .fd = self->sv[0], .len = 16 };
	char buf[16];
	long t0;

	c.buf = buf;
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));

	/* control: a real SA_RESTART signal alone restarts the call */
	handled = 0;
	ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), c.tid, SIGUSR1));
	for (t0 = now_ms(); !handled && now_ms() - t0 < RETURN_MS;)
		usleep(1000);
	EXPECT_EQ(1, handled);
	ASSERT_TRUE(wait_blocked_in(0, c.tid, SYS_recvfrom, 2000));
	EXPECT_FALSE(call_join(&c, STILL_BLOCKED_MS));

	/* the cancel is not restarted, even with a signal at the same time */
	ASSERT_EQ(0, sc_cancel(self->dev, c.tid, 0, NULL));
	syscall(SYS_tgkill, getpid(), c.tid, SIGUSR1);
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(EINTR, c.err);
	signal(SIGUSR1, SIG_DFL);
}

/* ---- stopped and traced threads --------------------------------------- */

TEST_F(sock, stopped_thread)
{
	struct sockcancel_thread_arg out;
	pid_t pid = blocked_child(self->sv[0]);
	int status;

	ASSERT_LT(0, pid);
	ASSERT_TRUE(wait_blocked_in(pid, pid, SYS_recvfrom, 5000));
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));

	ASSERT_EQ(0, sc_query(self->dev, pid, &out));
	EXPECT_EQ(SOCKCANCEL_OP_RECV, out.op);
	EXPECT_EQ(self->sv[0], out.fd);
	ASSERT_EQ(0, sc_cancel(self->dev, pid, 0, NULL));

	/* still stopped; the EINTR comes when it continues */
	usleep(100000);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	ASSERT_EQ(0, kill(pid, SIGCONT));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(sock, traced_thread)
{
	struct sockcancel_thread_arg out;
	pid_t pid = blocked_child(self->sv[0]);
	int status;

	ASSERT_LT(0, pid);
	ASSERT_TRUE(wait_blocked_in(pid, pid, SYS_recvfrom, 5000));
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, pid, 0, 0));
	ASSERT_EQ(0, ptrace(PTRACE_INTERRUPT, pid, 0, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status));

	ASSERT_EQ(0, sc_query(self->dev, pid, &out));
	EXPECT_EQ(SOCKCANCEL_OP_RECV, out.op);
	ASSERT_EQ(0, sc_cancel(self->dev, pid, 0, NULL));
	ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, 0, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

static volatile int child_handled;

static void child_on_usr1(int sig)
{
	(void)sig;
	child_handled = 1;
}

/*
 * Stopped at the delivery of an SA_RESTART signal: when it continues, the
 * kernel restarts the call from the handler's frame; the cancel must undo
 * that in the frame. Exit 0: EINTR after the handler ran.
 */
static pid_t restart_handler_child(int fd)
{
	struct sigaction sa = { .sa_handler = child_on_usr1,
				.sa_flags = SA_RESTART };
	pid_t pid = fork();
	char b;
	long n;

	if (pid)
		return pid;
	sigaction(SIGUSR1, &sa, NULL);
	n = recv(fd, &b, 1, 0);
	if (!child_handled)
		_exit(2);
	_exit(n == -1 && errno == EINTR ? 0 : 1);
}

TEST_F(sock, traced_signal_delivery)
{
	static const int inject[] = { SIGUSR1, 0 };
	int status, i;
	pid_t pid;

	for (i = 0; i < 2; i++) {
		pid = restart_handler_child(self->sv[0]);
		ASSERT_LT(0, pid);
		ASSERT_TRUE(wait_blocked_in(pid, pid, SYS_recvfrom, 5000));
		ASSERT_EQ(0, ptrace(PTRACE_SEIZE, pid, 0, 0));
		ASSERT_EQ(0, kill(pid, SIGUSR1));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSTOPPED(status));
		ASSERT_EQ(SIGUSR1, WSTOPSIG(status));

		/* interrupted, restart not yet decided: still outstanding */
		ASSERT_EQ(0, sc_cancel(self->dev, pid, 0, NULL));
		/* deliver the signal (a frame), or suppress it (no frame) */
		ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, 0, inject[i]));
		if (!inject[i]) {
			/* the handler never runs: expect exit status 2 */
			ASSERT_EQ(pid, waitpid(pid, &status, 0));
			ASSERT_TRUE(WIFEXITED(status));
			EXPECT_EQ(2, WEXITSTATUS(status));
			continue;
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
}

TEST_F(sock, syscall_traced_thread)
{
	pid_t pid = blocked_child(self->sv[0]);
	int status, stops = 0;

	ASSERT_LT(0, pid);
	ASSERT_TRUE(wait_blocked_in(pid, pid, SYS_recvfrom, 5000));
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESYSGOOD));
	ASSERT_EQ(0, ptrace(PTRACE_INTERRUPT, pid, 0, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, sc_cancel(self->dev, pid, 0, NULL));
	/* run it through syscall stops until it exits */
	for (;;) {
		ASSERT_EQ(0, ptrace(PTRACE_SYSCALL, pid, 0, 0));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		if (WIFEXITED(status))
			break;
		ASSERT_GT(100, ++stops);
	}
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
