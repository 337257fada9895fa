// SPDX-License-Identifier: GPL-2.0
/*
 * sockcancel_close(): closesocket semantics. Blocked recv and accept
 * return EINTR and a retry gets EBADF, poll and select return; calls
 * through another fd of the socket, or whose fd was closed before, are
 * cancelled too; the dead socket put at the fd meanwhile fails every call
 * at once; without a spare fd the blocked calls are still cancelled. Plain
 * close(2) for other fds and without the device; errno kept. Then the
 * race: a thread on the other CPU enters recv, accept or poll at a random
 * moment around sockcancel_close(), for close.rounds rounds (1,000 unless
 * that file beside the program says otherwise): none may stay blocked,
 * every result must be one the protocol explains (see outcome()), and no
 * fd may leak.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <poll.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/select.h>

#include "lib_test_util.h"
#include "toolkit/syscalls.h"
#include "kselftest_harness.h"

static char byte;

static long do_poll(struct call *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };

	return poll(&p, 1, -1);
}

static long do_select(struct call *c)
{
	fd_set r;

	FD_ZERO(&r);
	FD_SET(c->fd, &r);
	return select(c->fd + 1, &r, NULL, NULL, NULL);
}

/* @c ended within the bound; its fd is closed. */
static void expect_returned(struct __test_metadata *_metadata,
			    struct call *c, int fd)
{
	ASSERT_TRUE(call_join(c, RETURN_MS));
	EXPECT_EQ(-1, fcntl(fd, F_GETFD));
	EXPECT_EQ(EBADF, errno);
}

/* @c ended with -1 and EINTR within the bound; its fd is closed. */
static void expect_cancelled(struct __test_metadata *_metadata,
			     struct call *c, int fd)
{
	expect_returned(_metadata, c, fd);
	EXPECT_EQ(-1, c->ret);
	EXPECT_EQ(EINTR, c->err);
}

FIXTURE(tcp) {
	int sv[2];
	int listener;
};

FIXTURE_SETUP(tcp)
{
	ASSERT_EQ(0, tcp_pair(self->sv, &self->listener));
}

FIXTURE_TEARDOWN(tcp)
{
	close(self->sv[1]);
	close(self->listener);
}

TEST_F(tcp, recv_returns_eintr_then_ebadf)
{
	struct call c = { .fn = do_recv, .fd = self->sv[0], .buf = &byte,
			  .len = 1 };

	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	errno = 1234;
	EXPECT_EQ(0, sockcancel_close(self->sv[0]));
	EXPECT_EQ(1234, errno);
	expect_cancelled(_metadata, &c, self->sv[0]);
	/* the retry a program makes after EINTR */
	EXPECT_EQ(-1, recv(self->sv[0], &byte, 1, 0));
	EXPECT_EQ(EBADF, errno);
}

TEST_F(tcp, accept_returns_eintr)
{
	struct call c = { .fn = do_accept, .fd = self->listener };

	ASSERT_TRUE(call_start(&c, SYS_accept));
	EXPECT_EQ(0, sockcancel_close(self->listener));
	expect_cancelled(_metadata, &c, self->listener);
	self->listener = -1;
}

/*
 * Woken by the cancel, poll and select look at their fds again before
 * they see it: the fd then names the dead socket, which is ready (1), or
 * is closed (poll: 1 with POLLNVAL; select: EBADF); else EINTR.
 */
TEST_F(tcp, poll_and_select_return)
{
	struct call p = { .fn = do_poll, .fd = self->sv[0] };
	struct call s = { .fn = do_select, .fd = self->sv[0] };

	ASSERT_TRUE(call_start(&p, NR_POLL));
	ASSERT_TRUE(pthread_create(&s.thread, NULL, call_thread, &s) == 0);
	while (!__atomic_load_n(&s.started, __ATOMIC_SEQ_CST))
		usleep(100);
	ASSERT_TRUE(wait_op(s.tid, SOCKCANCEL_OP_POLL, RETURN_MS));
	EXPECT_EQ(0, sockcancel_close(self->sv[0]));
	expect_returned(_metadata, &p, self->sv[0]);
	EXPECT_TRUE(p.ret == 1 || (p.ret == -1 && p.err == EINTR));
	expect_returned(_metadata, &s, self->sv[0]);
	EXPECT_TRUE(s.ret == 1 ||
		    (s.ret == -1 && (s.err == EINTR || s.err == EBADF)));
	TH_LOG("poll: %ld (%s), select: %ld (%s)", p.ret, strerror(p.err),
	       s.ret, strerror(s.err));
}

/* A call through another fd of the socket is cancelled; that fd works. */
TEST_F(tcp, call_on_other_fd_cancelled)
{
	int other = dup(self->sv[0]);
	struct call c = { .fn = do_recv, .fd = other, .buf = &byte,
			  .len = 1 };

	ASSERT_LE(0, other);
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	EXPECT_EQ(0, sockcancel_close(self->sv[0]));
	expect_cancelled(_metadata, &c, self->sv[0]);
	ASSERT_EQ(1, send(self->sv[1], "x", 1, 0));
	EXPECT_EQ(1, recv(other, &byte, 1, 0));
	EXPECT_EQ('x', byte);
	close(other);
}

/*
 * A call whose fd another thread closed while it slept (close(2) leaves it
 * blocked) ends when the socket's last fd is closed by sockcancel_close().
 */
TEST_F(tcp, call_whose_fd_was_closed_cancelled)
{
	int first = dup(self->sv[0]);
	struct call c = { .fn = do_recv, .fd = first, .buf = &byte,
			  .len = 1 };

	ASSERT_LE(0, first);
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	ASSERT_EQ(0, close(first));
	EXPECT_FALSE(call_join(&c, STILL_BLOCKED_MS));
	EXPECT_EQ(0, sockcancel_close(self->sv[0]));
	expect_cancelled(_metadata, &c, self->sv[0]);
}

/* What the dead socket at the fd does during a close: fail, at once. */
TEST(dead_socket_fails_every_call_at_once)
{
	int d = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct pollfd p = { .events = POLLIN };
	struct timeval tv = { .tv_sec = 1 };
	long start = now_ms();
	fd_set r;

	ASSERT_LE(0, d);
	/* SIGPIPE would kill the test */
	EXPECT_EQ(-1, recv(d, &byte, 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(d, &byte, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, send(d, "x", 1, 0));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, write(d, "x", 1));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, accept(d, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, connect(d, (void *)&in, sizeof(in)));
	EXPECT_EQ(EINVAL, errno);
	p.fd = d;
	EXPECT_EQ(1, poll(&p, 1, 1000));
	EXPECT_TRUE(p.revents & POLLHUP);
	FD_ZERO(&r);
	FD_SET(d, &r);
	EXPECT_EQ(1, select(d + 1, &r, NULL, NULL, &tv));
	EXPECT_GT(500, now_ms() - start);
	close(d);
}

/* Without a spare fd, a blocked call is cancelled all the same. */
TEST_F(tcp, no_spare_fd)
{
	struct call c = { .fn = do_recv, .fd = self->sv[0], .buf = &byte,
			  .len = 1 };
	struct rlimit lim;
	int fill[64], n = 0;

	ASSERT_LE(0, sockcancel_device_fd());
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &lim));
	lim.rlim_cur = (rlim_t)self->listener + 32;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &lim));
	while (n < 64 && (fill[n] = dup(0)) >= 0)
		n++;
	ASSERT_EQ(EMFILE, errno);
	EXPECT_EQ(0, sockcancel_close(self->sv[0]));
	expect_cancelled(_metadata, &c, self->sv[0]);
	while (n)
		close(fill[--n]);
}

/* A pipe: plain close(2), which leaves a blocked read blocked. */
TEST(non_socket_plain_close)
{
	int p[2];
	struct call c = { .fn = do_read, .buf = &byte, .len = 1 };

	ASSERT_EQ(0, pipe(p));
	c.fd = p[0];
	ASSERT_TRUE(call_start(&c, SYS_read));
	errno = 1234;
	EXPECT_EQ(0, sockcancel_close(p[0]));
	EXPECT_EQ(1234, errno);
	EXPECT_EQ(-1, fcntl(p[0], F_GETFD));
	EXPECT_FALSE(call_join(&c, STILL_BLOCKED_MS));
	ASSERT_EQ(1, write(p[1], "y", 1));
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(1, c.ret);
	close(p[1]);

	EXPECT_EQ(-1, sockcancel_close(p[0]));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, sockcancel_close(-1));
	EXPECT_EQ(EBADF, errno);
}

/* No device: plain close(2) of a socket too. */
TEST_F(tcp, no_device_plain_close)
{
	struct call c = { .fn = do_recv, .fd = self->sv[0], .buf = &byte,
			  .len = 1 };

	ASSERT_EQ(0, setenv(SOCKCANCEL_DEVICE_ENV, "/nonexistent", 1));
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	EXPECT_EQ(0, sockcancel_close(self->sv[0]));
	EXPECT_EQ(-1, fcntl(self->sv[0], F_GETFD));
	EXPECT_FALSE(call_join(&c, STILL_BLOCKED_MS));
	ASSERT_EQ(1, send(self->sv[1], "z", 1, 0));
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(1, c.ret);
}

/* ---- the race ---------------------------------------------------------- */

enum kind { K_RECV_TCP, K_RECV_UDP, K_RECV_UNIX, K_ACCEPT, K_POLL, K_KINDS };

static const char *const kind_name[K_KINDS] = {
	"recv tcp", "recv udp", "recv unix", "accept", "poll",
};

struct round {
	enum kind kind;
	int fd;
	long delay_us;		/* the thread's, from the common start */
	int ready, go;		/* atomic */
	long ret[2];		/* the call, and its retry after EINTR */
	int err[2];
	short revents[2];
	char buf;
};

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Busy-wait: sleeps are too coarse for the window of a close. */
static void spin_us(long us)
{
	long end = now_us() + us;

	while (now_us() < end)
		;
}

static void round_call(struct round *r, int i)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };

	errno = 0;
	switch (r->kind) {
	case K_ACCEPT:
		r->ret[i] = accept(r->fd, NULL, NULL);
		break;
	case K_POLL:
		r->ret[i] = poll(&p, 1, -1);
		r->revents[i] = p.revents;
		break;
	default:
		r->ret[i] = recv(r->fd, &r->buf, 1, 0);
		break;
	}
	r->err[i] = errno;
}

static void *round_thread(void *p)
{
	struct round *r = p;

	__atomic_store_n(&r->ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&r->go, __ATOMIC_SEQ_CST))
		;
	spin_us(r->delay_us);
	round_call(r, 0);
	/* as a program that retries EINTR (Python does) */
	if (r->ret[0] == -1 && r->err[0] == EINTR)
		round_call(r, 1);
	return NULL;
}

/*
 * What call @i of @r saw, by the step of the close it met; NULL if the
 * protocol cannot explain it:
 *   EINTR     it was in the call (asleep, or on its way into its sleep)
 *             when the close cancelled the calls on the socket;
 *   EINVAL    it entered while the fd named the dead socket (recv, accept;
 *             poll: POLLHUP, also a poll woken by the cancel, which looks
 *             at its fds again first);
 *   EBADF     it entered after the fd was closed (poll: POLLNVAL).
 */
static const char *outcome(const struct round *r, int i)
{
	if (r->kind == K_POLL && r->ret[i] == 1)
		return r->revents[i] & POLLNVAL ? "POLLNVAL" :
		       r->revents[i] & POLLHUP ? "POLLHUP" : NULL;
	if (r->ret[i] != -1)
		return NULL;
	switch (r->err[i]) {
	case EINTR:
		return i == 0 ? "EINTR" : NULL;
	case EINVAL:
		return r->kind == K_POLL ? NULL : "EINVAL";
	case EBADF:
		return r->kind == K_POLL ? NULL : "EBADF";
	default:
		return NULL;
	}
}

/* The sockets of one round: @fd is closed, @peer (or -1) after it. */
static int round_sockets(enum kind kind, int *fd, int *peer)
{
	int sv[2];

	*peer = -1;
	switch (kind) {
	case K_ACCEPT:
		*fd = tcp_listener(NULL, 4);
		return *fd < 0 ? -1 : 0;
	case K_RECV_UDP:
		if (udp_pair(sv))
			return -1;
		break;
	case K_RECV_UNIX:
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			return -1;
		break;
	default:
		if (tcp_pair(sv, NULL))
			return -1;
		break;
	}
	*fd = sv[0];
	*peer = sv[1];
	return 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

#define MAX_LABELS	32

struct tally {
	char label[MAX_LABELS][48];
	int count[MAX_LABELS];
	int n;
};

static void tally_add(struct tally *t, const char *label)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->label[i], label))
			break;
	if (i == t->n) {
		if (t->n == MAX_LABELS)
			return;
		snprintf(t->label[t->n++], sizeof(t->label[0]), "%s", label);
	}
	t->count[i]++;
}

/* up to 300 s: the debug kernel's KASAN slows every round down */
FIXTURE(race) {
	int unused;
};

FIXTURE_SETUP(race)
{
}

FIXTURE_TEARDOWN(race)
{
}

TEST_F_TIMEOUT(race, with_calls_entering, 300)
{
	long rounds = number_beside_self("close.rounds", 1000);
	long i, start, *close_us;
	int fds_before, fds_after, peer;
	struct tally t = { .n = 0 };
	char label[48];
	const char *a, *b;
	pthread_attr_t attr;
	cpu_set_t cpus;
	pthread_t th;
	struct round r;

	ASSERT_LE(0, sockcancel_device_fd());
	close_us = calloc((size_t)rounds, sizeof(*close_us));
	ASSERT_NE(NULL, close_us);
	/* the closer on CPU 0, the thread on CPU 1: a real race (-smp 2) */
	ASSERT_EQ(0, pthread_attr_init(&attr));
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1) {
		CPU_ZERO(&cpus);
		CPU_SET(0, &cpus);
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
		CPU_ZERO(&cpus);
		CPU_SET(1, &cpus);
		ASSERT_EQ(0, pthread_attr_setaffinity_np(&attr, sizeof(cpus),
							 &cpus));
	}
	fds_before = count_fds();
	srandom(1);
	for (i = 0; i < rounds; i++) {
		memset(&r, 0, sizeof(r));
		r.kind = (enum kind)(i % K_KINDS);
		ASSERT_EQ(0, round_sockets(r.kind, &r.fd, &peer));
		/*
		 * Every third round the thread has a head start and is
		 * asleep in its call; else both start together, each after
		 * its own random delay.
		 */
		r.delay_us = i % 3 ? random() % 400 : 0;
		ASSERT_EQ(0, pthread_create(&th, &attr, round_thread, &r));
		while (!__atomic_load_n(&r.ready, __ATOMIC_SEQ_CST))
			;
		__atomic_store_n(&r.go, 1, __ATOMIC_SEQ_CST);
		spin_us(i % 3 ? random() % 400 : 5000);

		start = now_us();
		ASSERT_EQ(0, sockcancel_close(r.fd));
		close_us[i] = now_us() - start;

		ASSERT_TRUE(join_within(th, RETURN_MS))
			TH_LOG("round %ld: %s still blocked", i,
			       kind_name[r.kind]);
		EXPECT_EQ(-1, fcntl(r.fd, F_GETFD));
		a = outcome(&r, 0);
		b = r.ret[0] == -1 && r.err[0] == EINTR ? outcome(&r, 1) : "";
		EXPECT_TRUE(a && b)
			TH_LOG("round %ld: %s returned %ld (%s), retry %ld (%s)",
			       i, kind_name[r.kind], r.ret[0],
			       strerror(r.err[0]), r.ret[1],
			       strerror(r.err[1]));
		snprintf(label, sizeof(label), "%s: %s%s%s", kind_name[r.kind],
			 a ? a : "?", b && !*b ? "" : ", then ", b ? b : "?");
		tally_add(&t, label);
		if (peer >= 0)
			close(peer);
	}
	fds_after = count_fds();
	EXPECT_EQ(fds_before, fds_after);
	for (i = 0; i < t.n; i++)
		TH_LOG("%4d  %s", t.count[i], t.label[i]);
	qsort(close_us, (size_t)rounds, sizeof(*close_us), cmp_long);
	TH_LOG("%ld rounds; sockcancel_close took %ld us (median), %ld (p99), %ld (max); fds %d before, %d after",
	       rounds, close_us[rounds / 2], close_us[rounds * 99 / 100],
	       close_us[rounds - 1], fds_before, fds_after);
	free(close_us);
	pthread_attr_destroy(&attr);
}

TEST_HARNESS_MAIN
