// SPDX-License-Identifier: GPL-2.0
/*
 * Exactness: a cancel ends exactly the call it found, never a later one.
 *
 * The window tests need the test build of the module (make module
 * FAULT_INJECT=1), whose gate (inject_hold, inject_open) holds every cancel
 * between finding the call and queueing its interruption until the test
 * lets it go on. In that window the test makes the call end by itself and
 * the thread enter its next call at the same code address (glibc's
 * syscall() is one syscall instruction for every number, as every
 * cancellable call is with glibc 2.41), and sees it blocked there. The
 * cancel must then leave the next call alone. The gate makes that order
 * certain on any machine, however loaded.
 *
 * The others run on any build: a thread that left its call and runs in user
 * space with the registers of a failed recvfrom is not in a call; a poll on
 * a 1,000,000-entry array is classified in bounded time; a cancel while an
 * SA_RESTART handler runs (or its restorer, or the kernel sets it up) ends
 * the call the handler's return would restart.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <poll.h>
#include <stdatomic.h>
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/userfaultfd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "toolkit/toolkit.h"
#include "toolkit/syscalls.h"
#include "toolkit/handler_window.h"
#include "kselftest_harness.h"
#include "toolkit/dev_pair.h"

#define PARAMS		"/sys/module/sockcancel/parameters/"
#define BLOCKED_MS	200	/* a call still running after this is blocked */
#define ROUNDS		10

/* Write @value to the module parameter file @param. */
static bool set_param(const char *param, unsigned int value)
{
	FILE *f = fopen(param, "w");
	bool ok;

	if (!f)
		return false;
	ok = fprintf(f, "%u\n", value) > 0;
	return !fclose(f) && ok;
}

/* The tickets taken at the gate so far; -1 without the test build. */
static int tickets(void)
{
	return number_in(fopen(PARAMS "inject_tickets", "r"), -1);
}

/* Close the gate: cancels wait in the window until let_through(). */
static bool hold(bool on)
{
	return set_param(PARAMS "inject_hold", on);
}

/* Let the cancel that took @ticket (and those before it) go on. */
static bool let_through(int ticket)
{
	return set_param(PARAMS "inject_open", ticket);
}

/* A cancel made from its own thread, so that the test can act meanwhile. */
struct canceller {
	int dev;
	pid_t tid;
	__u32 flags;
	int ticket;	/* taken at the gate */
	int ret;
	int err;
	struct sockcancel_thread_arg out;
	pthread_t thread;
	volatile pid_t self;
};

static void *cancel_thread(void *p)
{
	struct canceller *c = p;

	c->self = gettid();
	c->ret = sc_cancel(c->dev, c->tid, c->flags, &c->out);
	c->err = errno;
	return NULL;
}

/*
 * Start a cancel of @tid and return once it has found the call and waits at
 * the gate (its ticket in c->ticket), whatever the machine's speed.
 */
static bool cancel_start(struct canceller *c, int dev, pid_t tid, __u32 flags)
{
	int before = tickets(), i;

	c->dev = dev;
	c->tid = tid;
	c->flags = flags;
	c->self = 0;
	c->ret = -2;	/* the ioctl has not returned */
	if (before < 0 || pthread_create(&c->thread, NULL, cancel_thread, c))
		return false;
	/* the gate lets it go on after 10 s anyway */
	for (i = 0; i < 9000; i++) {
		if (tickets() > before) {
			c->ticket = before + 1;
			return true;
		}
		if (c->ret != -2)
			break;
		usleep(1000);
	}
	fprintf(stderr, "# the cancel did not reach the gate: ioctl %s %d, errno %d\n",
		c->ret == -2 ? "still running," : "returned", c->ret, c->err);
	return false;
}

/*
 * Run @fn(@arg) in thread @th; it stores its tid in *@tid first. True once
 * that thread sleeps in syscall @nr.
 */
static bool start_blocked(pthread_t *th, void *(*fn)(void *), void *arg,
			  volatile pid_t *tid, long nr)
{
	if (pthread_create(th, NULL, fn, arg))
		return false;
	while (!*tid)
		usleep(100);
	return wait_blocked_in(0, *tid, nr, RETURN_MS);
}

/* One syscall instruction for every call of the thread under test. */
static long sys_recv(int fd, void *buf, size_t len)
{
	return syscall(SYS_recvfrom, fd, buf, len, 0, NULL, NULL);
}

static long sys_send(int fd, const void *buf, size_t len, int flags)
{
	return syscall(SYS_sendto, fd, buf, len, flags, NULL, NULL);
}

FIXTURE(window) {
	int dev;
	int a[2], b[2];
};

FIXTURE_SETUP(window)
{
	self->dev = open_dev();
	ASSERT_LE(0, self->dev);
	self->a[0] = self->b[0] = -1;
	/* the gate closed: tickets taken from now on wait */
	if (tickets() < 0 || !let_through(tickets()) || !hold(true))
		SKIP(return, "needs the FAULT_INJECT=1 build of the module");
	ASSERT_EQ(0, tcp_pair(self->a, NULL));
	ASSERT_EQ(0, tcp_pair(self->b, NULL));
}

FIXTURE_TEARDOWN(window)
{
	hold(false);
	let_through(INT_MAX);
	if (self->a[0] >= 0) {
		close(self->a[0]);
		close(self->a[1]);
	}
	if (self->b[0] >= 0) {
		close(self->b[0]);
		close(self->b[1]);
	}
	close(self->dev);
}

/* recv on a, then on b: two calls at one address on two sockets. */
struct two_recvs {
	int a, b;
	long ra, rb;
	int ea, eb;
	pid_t tid;
	atomic_int in_b;
};

static void *recv_a_then_b(void *p)
{
	struct two_recvs *r = p;
	char buf[8];

	r->tid = gettid();
	r->ra = sys_recv(r->a, buf, sizeof(buf));
	r->ea = errno;
	atomic_store(&r->in_b, 1);
	r->rb = sys_recv(r->b, buf, sizeof(buf));
	r->eb = errno;
	return NULL;
}

/*
 * The cancel finds the recv on a; data arrives before it is queued; the
 * thread's next recv, at the same address but on b, must block normally.
 */
TEST_F(window, data_then_next_call_on_other_socket)
{
	int i;

	/* 6.1's harness runs the body after a SKIP in FIXTURE_SETUP */
	if (_metadata->skip)
		return;

	for (i = 0; i < ROUNDS; i++) {
		struct two_recvs r = { .a = self->a[0], .b = self->b[0] };
		struct canceller c;
		pthread_t th;

		ASSERT_TRUE(start_blocked(&th, recv_a_then_b, &r, &r.tid,
					  SYS_recvfrom));
		ASSERT_TRUE(cancel_start(&c, self->dev, r.tid, 0));
		ASSERT_EQ(1, send(self->a[1], "a", 1, 0));
		/* the thread in its recv on b, blocked, before the cancel goes on */
		while (!atomic_load(&r.in_b))
			usleep(100);
		ASSERT_TRUE(wait_blocked_in(0, r.tid, SYS_recvfrom, RETURN_MS));
		ASSERT_TRUE(let_through(c.ticket));
		pthread_join(c.thread, NULL);
		/* found the call on a; it ended before it could be reached */
		EXPECT_EQ(0, c.ret);
		EXPECT_EQ(self->a[0], c.out.fd);
		EXPECT_EQ(1, r.ra);

		EXPECT_FALSE(join_within(th, BLOCKED_MS))
			TH_LOG("round %d: recv on b returned %ld, errno %d",
			       i, r.rb, r.eb);
		ASSERT_EQ(1, send(self->b[1], "b", 1, 0));
		ASSERT_TRUE(join_within(th, RETURN_MS));
		EXPECT_EQ(1, r.rb);
	}
}

struct recv_then_epoll {
	int a, ep;
	long ra, re;
	int ee;
	pid_t tid;
};

static void *recv_then_epoll_wait(void *p)
{
	struct recv_then_epoll *r = p;
	struct epoll_event ev;
	char buf[8];

	r->tid = gettid();
	r->ra = sys_recv(r->a, buf, sizeof(buf));
	r->re = epoll_wait(r->ep, &ev, 1, 5000);
	r->ee = errno;
	return NULL;
}

/* The same race, the thread's next call being epoll_wait. */
TEST_F(window, data_then_epoll_wait)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int i, ep = epoll_create1(0);

	/* 6.1's harness runs the body after a SKIP in FIXTURE_SETUP */
	if (_metadata->skip)
		return;

	ASSERT_LE(0, ep);
	ev.data.fd = self->b[0];
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->b[0], &ev));
	for (i = 0; i < ROUNDS; i++) {
		struct recv_then_epoll r = { .a = self->a[0], .ep = ep };
		struct canceller c;
		pthread_t th;
		char buf[8];

		ASSERT_TRUE(start_blocked(&th, recv_then_epoll_wait, &r,
					  &r.tid, SYS_recvfrom));
		ASSERT_TRUE(cancel_start(&c, self->dev, r.tid, 0));
		ASSERT_EQ(1, send(self->a[1], "a", 1, 0));
		/* in epoll_wait, blocked, before the cancel goes on */
		ASSERT_TRUE(wait_blocked_in(0, r.tid, NR_EPOLL_WAIT,
					    RETURN_MS));
		ASSERT_TRUE(let_through(c.ticket));
		pthread_join(c.thread, NULL);
		EXPECT_EQ(0, c.ret);

		EXPECT_FALSE(join_within(th, BLOCKED_MS))
			TH_LOG("round %d: epoll_wait returned %ld, errno %d",
			       i, r.re, r.ee);
		ASSERT_EQ(1, send(self->b[1], "b", 1, 0));
		ASSERT_TRUE(join_within(th, RETURN_MS));
		EXPECT_EQ(1, r.re);
		EXPECT_EQ(1, recv(self->b[0], buf, sizeof(buf), 0));
	}
	close(ep);
}

struct looping_recv {
	int fd;
	pid_t tid;
	atomic_int eintr;
	long ret;
};

/* recv until something other than EINTR comes back. */
static void *recv_until_data(void *p)
{
	struct looping_recv *r = p;
	char buf[8];

	r->tid = gettid();
	do {
		r->ret = sys_recv(r->fd, buf, sizeof(buf));
		if (r->ret < 0 && errno == EINTR)
			atomic_fetch_add(&r->eintr, 1);
	} while (r->ret < 0 && errno == EINTR);
	return NULL;
}

/*
 * Two cancels find the same call. The first ends it; the thread at once
 * makes the same call again; the second must not end that one.
 */
TEST_F(window, two_cancellers_one_eintr)
{
	int i;

	/* 6.1's harness runs the body after a SKIP in FIXTURE_SETUP */
	if (_metadata->skip)
		return;

	for (i = 0; i < ROUNDS; i++) {
		struct looping_recv r = { .fd = self->a[0] };
		struct canceller c1, c2;
		pthread_t th;

		ASSERT_TRUE(start_blocked(&th, recv_until_data, &r, &r.tid,
					  SYS_recvfrom));
		ASSERT_TRUE(cancel_start(&c1, self->dev, r.tid, 0));
		ASSERT_TRUE(cancel_start(&c2, self->dev, r.tid, 0));
		/* the first ends the call; the thread blocks in the next one */
		ASSERT_TRUE(let_through(c1.ticket));
		pthread_join(c1.thread, NULL);
		EXPECT_EQ(0, c1.ret);
		while (atomic_load(&r.eintr) < 1)
			usleep(100);
		ASSERT_TRUE(wait_blocked_in(0, r.tid, SYS_recvfrom,
					    RETURN_MS));
		ASSERT_TRUE(let_through(c2.ticket));
		pthread_join(c2.thread, NULL);
		EXPECT_EQ(0, c2.ret);

		/* one EINTR, and the next recv blocks */
		EXPECT_FALSE(join_within(th, BLOCKED_MS));
		EXPECT_EQ(1, atomic_load(&r.eintr)) TH_LOG("round %d", i);
		ASSERT_EQ(1, send(self->a[1], "a", 1, 0));
		ASSERT_TRUE(join_within(th, RETURN_MS));
		EXPECT_EQ(1, r.ret);
	}
}

#define BIG		(256 << 10)

static void *drain_n(void *p)
{
	int *arg = p, fd = arg[0];
	long left = arg[1], n;
	static char buf[65536];

	while (left > 0) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		left -= n;
	}
	arg[1] = left;
	return NULL;
}

struct two_sends {
	int a, b;
	char *buf;
	long ra, rb;
	int ea, eb;
	pid_t tid;
	atomic_int in_b;
};

static void *send_a_then_b(void *p)
{
	struct two_sends *s = p;

	s->tid = gettid();
	s->ra = sys_send(s->a, s->buf, BIG, MSG_NOSIGNAL);
	s->ea = errno;
	atomic_store(&s->in_b, 1);
	s->rb = sys_send(s->b, s->buf, BIG, MSG_NOSIGNAL);
	s->eb = errno;
	return NULL;
}

/*
 * SOCKCANCEL_RESET_ON_PARTIAL: the cancel finds a large send on a; the peer
 * reads everything before it is queued; the thread then sends on b, whose
 * peer does not read, until SO_SNDTIMEO gives its partial count. Neither a
 * nor b may be reset, and b's count must not turn into EINTR.
 */
TEST_F(window, partial_send_on_other_socket_kept)
{
	/* longer than the cancel takes once let through */
	struct timeval tmo = { .tv_sec = 2 };
	struct two_sends s = { .a = self->a[0], .b = self->b[0] };
	int drain_arg[2] = { self->a[1], BIG };
	struct canceller c;
	pthread_t th, dr;
	char byte;

	/* 6.1's harness runs the body after a SKIP in FIXTURE_SETUP */
	if (_metadata->skip)
		return;

	s.buf = calloc(1, BIG);
	ASSERT_NE(NULL, s.buf);
	small_buffers(self->a[0]);
	small_buffers(self->b[0]);
	ASSERT_EQ(0, setsockopt(self->b[0], SOL_SOCKET, SO_SNDTIMEO, &tmo,
				sizeof(tmo)));
	ASSERT_TRUE(start_blocked(&th, send_a_then_b, &s, &s.tid,
				  SYS_sendto));
	ASSERT_TRUE(cancel_start(&c, self->dev, s.tid,
				 SOCKCANCEL_RESET_ON_PARTIAL));
	ASSERT_EQ(0, pthread_create(&dr, NULL, drain_n, drain_arg));
	pthread_join(dr, NULL);
	/* the send on a complete, the one on b blocked: the cancel goes on */
	while (!atomic_load(&s.in_b))
		usleep(100);
	ASSERT_TRUE(wait_blocked_in(0, s.tid, SYS_sendto, RETURN_MS));
	ASSERT_TRUE(let_through(c.ticket));
	pthread_join(c.thread, NULL);
	ASSERT_TRUE(join_within(th, RETURN_MS));
	EXPECT_EQ(0, c.ret);
	EXPECT_EQ(self->a[0], c.out.fd);

	EXPECT_EQ(BIG, s.ra);
	EXPECT_LT(0, s.rb) TH_LOG("send on b: %ld, errno %d", s.rb, s.eb);
	EXPECT_GT(BIG, s.rb);
	EXPECT_EQ(0, drain_arg[1]);
	/* both connections live */
	EXPECT_EQ(1, send(self->a[0], "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(1, recv(self->a[1], &byte, 1, 0));
	EXPECT_EQ(1, send(self->b[1], "y", 1, MSG_NOSIGNAL));
	EXPECT_EQ(1, recv(self->b[0], &byte, 1, 0));
	free(s.buf);
}

/*
 * A recvfrom refused by seccomp (SECCOMP_RET_ERRNO, ENOSYS) leaves the
 * registers of a call "still running"; the thread spins in user space and
 * is in no call.
 */
struct refused {
	int fd;
	pid_t tid;
	atomic_int phase;	/* 1: recvfrom returned; 2: stop spinning */
	long ret;
	int err;
};

static int refuse_recvfrom(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_recvfrom, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static void *refused_then_spin(void *p)
{
	struct refused *r = p;
	char b;

	r->tid = gettid();
	if (refuse_recvfrom()) {
		r->err = -1;
		atomic_store(&r->phase, 1);
		return NULL;
	}
	r->ret = sys_recv(r->fd, &b, 1);
	r->err = errno;
	atomic_store(&r->phase, 1);
	while (atomic_load(&r->phase) == 1)
		;
	return NULL;
}

TEST(refused_recvfrom_is_not_a_call)
{
	int dev, sv[2], i, tries;

	dev_pair_open(_metadata, &dev, sv, AF_UNIX, SOCK_STREAM);
	for (i = 0; i < ROUNDS; i++) {
		struct refused r = { .fd = sv[0] };
		struct sockcancel_thread_arg out;
		pthread_t th;

		ASSERT_EQ(0, pthread_create(&th, NULL, refused_then_spin, &r));
		while (!atomic_load(&r.phase))
			;
		ASSERT_EQ(-1, r.ret);
		ASSERT_EQ(ENOSYS, r.err);
		/*
		 * Out of the call once its next kernel entry (a tick) shows
		 * it, which QUERY waits 10 ms for; a vCPU its busy host
		 * deschedules can take longer: asked again, within 1 s.
		 */
		for (tries = 0; tries < 100; tries++) {
			ASSERT_EQ(0, sc_query(dev, r.tid, &out));
			if (out.op == SOCKCANCEL_OP_NONE)
				break;
			usleep(10000);
		}
		EXPECT_EQ(SOCKCANCEL_OP_NONE, out.op) TH_LOG("round %d", i);
		EXPECT_EQ(-1, sc_cancel(dev, r.tid, 0, NULL));
		EXPECT_EQ(ENOENT, errno);
		atomic_store(&r.phase, 2);
		pthread_join(th, NULL);
	}
	dev_pair_close(dev, sv);
}

#define HUGE_POLL	1000000

struct big_poll {
	struct pollfd *fds;
	pid_t tid;
	int ret;
};

static void *poll_big(void *p)
{
	struct big_poll *b = p;

	b->tid = gettid();
	b->ret = poll(b->fds, HUGE_POLL, -1);
	return NULL;
}

/* Microseconds since @t0. */
static long us_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000000 +
	       (t1.tv_nsec - t0->tv_nsec) / 1000;
}

#define QUERY_ROUNDS	5

/*
 * QUERY of a thread polling 1,000,000 entries, all of them a pipe but the
 * last, a socket: the classification reads the whole array. Its cost is
 * judged against what the same machine needs, at the same moment, for one
 * pass of poll(2) over a copy of that array with a zero timeout, the two
 * measured in turn: per entry QUERY reads it and tests a bit, poll reads
 * it, takes the file, asks its ->poll and writes revents back. The fastest
 * of five of each is compared (a host's load only adds time; under
 * emulation on a busy host both grow alike): QUERY must take at most half
 * of the pass; looking each entry up in the fd table would take about all
 * of it. The figures are printed: the goal is 100 ms on x86-64 under TCG.
 */
FIXTURE(huge_poll) {
	int pfd[2], sv[2];
};

FIXTURE_SETUP(huge_poll)
{
	ASSERT_EQ(0, pipe(self->pfd));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, self->sv));
}

FIXTURE_TEARDOWN(huge_poll)
{
	close(self->pfd[0]);
	close(self->pfd[1]);
	close(self->sv[0]);
	close(self->sv[1]);
}

/* the debug kernel takes seconds for one pass, minutes to set up */
TEST_F_TIMEOUT(huge_poll, query_is_bounded, 400)
{
	struct rlimit rl = { HUGE_POLL + 64, HUGE_POLL + 64 };
	long query_us = LONG_MAX, pass_us = LONG_MAX, us;
	struct sockcancel_thread_arg out;
	struct big_poll b = { };
	int dev = open_dev(), i;
	struct pollfd *copy;
	struct timespec t0;
	pthread_t th;

	ASSERT_LE(0, dev);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		SKIP(return, "cannot raise RLIMIT_NOFILE: %s", strerror(errno));
	b.fds = calloc(HUGE_POLL, sizeof(*b.fds));
	copy = calloc(HUGE_POLL, sizeof(*copy));
	ASSERT_NE(NULL, b.fds);
	ASSERT_NE(NULL, copy);
	for (i = 0; i < HUGE_POLL; i++)
		b.fds[i] = (struct pollfd){ .fd = self->pfd[0], .events = POLLIN };
	b.fds[HUGE_POLL - 1].fd = self->sv[0];
	memcpy(copy, b.fds, HUGE_POLL * sizeof(*copy));
	ASSERT_EQ(0, pthread_create(&th, NULL, poll_big, &b));
	while (!b.tid)
		usleep(100);
	/*
	 * Its first pass queues 1,000,000 waits: over 20 s on the debug
	 * kernel with kmemleak on.
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_TRUE(wait_blocked_in(0, b.tid, NR_POLL, 120000));
	fprintf(stderr, "# the poll blocked after %ld ms\n", us_since(&t0) / 1000);

	for (i = 0; i < QUERY_ROUNDS; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ASSERT_EQ(0, sc_query(dev, b.tid, &out));
		us = us_since(&t0);
		query_us = us < query_us ? us : query_us;
		EXPECT_EQ(SOCKCANCEL_OP_POLL, out.op);

		clock_gettime(CLOCK_MONOTONIC, &t0);
		ASSERT_EQ(0, poll(copy, HUGE_POLL, 0));
		us = us_since(&t0);
		pass_us = us < pass_us ? us : pass_us;
	}
	fprintf(stderr,
		"# 1,000,000-entry poll: QUERY %ld us, one poll(2) pass %ld us (fastest of %d)\n",
		query_us, pass_us, QUERY_ROUNDS);
	EXPECT_GE(pass_us, 2 * query_us);

	ASSERT_EQ(0, sc_cancel(dev, b.tid, 0, NULL));
	/* taking the 1,000,000 waits down again: as long as queueing them */
	ASSERT_TRUE(join_within(th, 120000));
	EXPECT_EQ(-1, b.ret);
	free(copy);
	free(b.fds);
	close(dev);
}

/* ---- the SA_RESTART handler window ------------------------------------ */

FIXTURE(handler) {
	int sv[2];
};

FIXTURE_VARIANT(handler) {
	struct handler_setup hs;
	int rounds;
};

FIXTURE_VARIANT_ADD(handler, sleeps) {
	.hs = { HANDLER_SLEEPS, false, false }, .rounds = 3 };
FIXTURE_VARIANT_ADD(handler, sleeps_siginfo) {
	.hs = { HANDLER_SLEEPS, true, false }, .rounds = 3 };
FIXTURE_VARIANT_ADD(handler, sleeps_on_altstack) {
	.hs = { HANDLER_SLEEPS, true, true }, .rounds = 3 };
FIXTURE_VARIANT_ADD(handler, makes_syscalls) {
	.hs = { HANDLER_SYSCALLS, false, false }, .rounds = 3 };
FIXTURE_VARIANT_ADD(handler, returns_at_once) {
	.hs = { HANDLER_RETURNS, false, false }, .rounds = 200 };

FIXTURE_SETUP(handler)
{
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, self->sv));
}

FIXTURE_TEARDOWN(handler)
{
	close(self->sv[0]);
	close(self->sv[1]);
}

TEST_F_TIMEOUT(handler, cancel_while_handler_runs, 300)
{
	int i, result[8] = { 0 };

	for (i = 0; i < variant->rounds; i++)
		result[handler_window(&variant->hs, self->sv[0]) & 7]++;
	fprintf(stderr, "# %d rounds: %d EINTR; cancel ENOENT %d, EAGAIN %d, other %d, other call %d; call restarted %d, other result %d; setup %d\n",
		variant->rounds, result[0], result[1], result[5], result[6],
		result[7], result[2], result[3], result[4]);
	EXPECT_EQ(variant->rounds, result[0]);
}

/*
 * The thread is asleep on its way to an SA_RESTART handler: the restart is
 * applied (registers back at the syscall instruction) and writing the
 * handler's signal frame faults on a page that userfaultfd holds back. It
 * is held still but in no call; a cancel must wait for it rather than
 * answer ENOENT, and end the call once the handler has run. The alternate
 * stack lies right above the thread's own stack, so the frame lies above
 * the stack pointer it saves; the handler sleeps, so the cancel finds the
 * call in that frame.
 */
#define ALTSTACK	(64 * 1024)
#define THREAD_STACK	(1024 * 1024)

static volatile int uf_handled;

/* sleeps, so that the cancel surely finds the thread in its handler */
static void uf_handler(int sig)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	(void)sig;
	nanosleep(&ts, NULL);
	uf_handled = 1;
}

/* A recv in a thread whose stack and alternate stack the test places. */
struct uf_recv {
	int fd;
	void *stack;		/* THREAD_STACK bytes */
	void *altstack;		/* ALTSTACK bytes */
	int ss_flags;		/* of the alternate stack */
	volatile pid_t tid;
	long ret;
	int err;
};

static void *uf_recv_thread(void *p)
{
	struct uf_recv *r = p;
	stack_t ss = { .ss_sp = r->altstack, .ss_size = ALTSTACK,
		       .ss_flags = r->ss_flags };
	char b;

	if (sigaltstack(&ss, NULL))
		return NULL;
	r->tid = gettid();
	r->ret = sys_recv(r->fd, &b, 1);
	r->err = errno;
	return NULL;
}

/*
 * The recv of @r (thread @th) ended with EINTR within RETURN_MS. One that
 * was restarted and still blocks is freed with a byte from @peer.
 */
static bool stack_recv_eintr(struct uf_recv *r, pthread_t th, int peer)
{
	if (!join_within(th, RETURN_MS)) {
		send(peer, "x", 1, 0);
		pthread_join(th, NULL);
		return false;
	}
	return r->ret == -1 && r->err == EINTR;
}

/* Start uf_recv_thread() on @r->stack; true once it is blocked in recv. */
static bool start_stack_recv(struct uf_recv *r, pthread_t *th)
{
	pthread_attr_t attr;
	bool ok;

	if (pthread_attr_init(&attr))
		return false;
	ok = !pthread_attr_setstack(&attr, r->stack, THREAD_STACK) &&
	     !pthread_create(th, &attr, uf_recv_thread, r);
	pthread_attr_destroy(&attr);
	if (!ok)
		return false;
	while (!r->tid)
		usleep(100);
	return wait_blocked_in(0, r->tid, SYS_recvfrom, RETURN_MS);
}

/* Wait up to @ms for the next missing-page fault on @uffd; its address. */
static unsigned long uf_next_fault(int uffd, int ms)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, ms) != 1 ||
	    read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return 0;
	return msg.arg.pagefault.address;
}

static bool uf_fill(int uffd, unsigned long addr)
{
	long page = sysconf(_SC_PAGESIZE);
	struct uffdio_zeropage z = {
		.range = { .start = addr & ~(page - 1), .len = page },
	};

	return !ioctl(uffd, UFFDIO_ZEROPAGE, &z);
}

TEST(handler_frame_write_sleeps)
{
	struct sigaction sa = { .sa_handler = uf_handler,
				.sa_flags = SA_RESTART | SA_ONSTACK };
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uf_recv r = { };
	struct canceller c;
	unsigned long addr;
	int uffd, sv[2], dev = open_dev();
	pthread_t th;
	char *region;

	ASSERT_LE(0, dev);
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "no userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	region = mmap(NULL, THREAD_STACK + ALTSTACK, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, region);
	r.stack = region;
	r.altstack = region + THREAD_STACK;
	reg.range.start = (unsigned long)r.altstack;
	reg.range.len = ALTSTACK;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	r.fd = sv[0];

	ASSERT_TRUE(start_stack_recv(&r, &th));
	ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), r.tid, SIGUSR1));
	/* the frame write faults: the thread sleeps in the fault */
	addr = uf_next_fault(uffd, RETURN_MS);
	ASSERT_NE(0, addr);

	c.dev = dev;
	c.tid = r.tid;
	c.flags = 0;
	c.ret = -2;
	ASSERT_EQ(0, pthread_create(&c.thread, NULL, cancel_thread, &c));
	usleep(30 * 1000);	/* well inside the module's wait of 100 ms */
	ASSERT_TRUE(uf_fill(uffd, addr));
	/* a frame across a page boundary faults twice */
	while (!uf_handled && (addr = uf_next_fault(uffd, 200)))
		ASSERT_TRUE(uf_fill(uffd, addr));

	pthread_join(c.thread, NULL);
	EXPECT_EQ(0, c.ret) TH_LOG("cancel: errno %d", c.err);
	EXPECT_TRUE(stack_recv_eintr(&r, th, sv[1]))
		TH_LOG("recv: %ld, errno %d, or it stayed blocked",
		       r.ret, r.err);
	EXPECT_TRUE(uf_handled);
	close(sv[0]);
	close(sv[1]);
	close(uffd);
	close(dev);
}

#ifndef SS_AUTODISARM
#define SS_AUTODISARM	(1U << 31)
#endif

static volatile int ad_in_handler, ad_handled;

static void ad_handler(int sig)
{
	struct timespec ts = { 0, 300 * 1000 * 1000 };

	(void)sig;
	ad_in_handler = 1;
	nanosleep(&ts, NULL);
	ad_handled = 1;
}

/*
 * An SA_RESTART handler running on an SS_AUTODISARM alternate stack that
 * lies above the thread's stack: while it runs the thread has no alternate
 * stack, and only the frame names the one it is on. A cancel then ends the
 * call the handler's sigreturn would restart.
 */
TEST(handler_on_autodisarm_altstack_above)
{
	struct sigaction sa = { .sa_handler = ad_handler,
				.sa_flags = SA_RESTART | SA_ONSTACK };
	struct uf_recv r = { .ss_flags = SS_AUTODISARM };
	int sv[2], dev = open_dev();
	pthread_t th;
	char *region;

	ASSERT_LE(0, dev);
	region = mmap(NULL, THREAD_STACK + ALTSTACK, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, region);
	r.stack = region;
	r.altstack = region + THREAD_STACK;
	ASSERT_EQ(0, sigaction(SIGUSR2, &sa, NULL));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	r.fd = sv[0];

	ASSERT_TRUE(start_stack_recv(&r, &th));
	ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), r.tid, SIGUSR2));
	while (!ad_in_handler)
		usleep(100);
	usleep(20 * 1000);	/* in its nanosleep */

	EXPECT_EQ(0, sc_cancel(dev, r.tid, 0, NULL))
		TH_LOG("cancel: errno %d", errno);
	EXPECT_TRUE(stack_recv_eintr(&r, th, sv[1]))
		TH_LOG("recv: %ld, errno %d, or it stayed blocked",
		       r.ret, r.err);
	EXPECT_TRUE(ad_handled);
	munmap(region, THREAD_STACK + ALTSTACK);
	close(sv[0]);
	close(sv[1]);
	close(dev);
}

#define ENTRY_DELAY_PARAM	"/sys/module/sockcancel/parameters/inject_entry_delay_ms"
#define ENTRY_ARMED_PARAM	"/sys/module/sockcancel/parameters/inject_entry_armed"

/*
 * arm64: the restarted call, entering again after the handler returned,
 * is held (test build, module/inject_entry.c) between the kernel storing
 * its number and its first argument: its registers show a socket call's
 * number beside the orig_x0 of the sigreturn, as if it had returned. The
 * cancel must look again there, not answer ENOENT (the call then sleeps
 * on, cancelled by nobody).
 */
TEST(handler_returned_entry_window)
{
	struct handler_setup hs = { HANDLER_RETURNS, false, false,
				    "sc-slow-entry" };
	int sv[2], i, result[8] = { 0 };
	char armed = 'N';
	FILE *f = fopen(ENTRY_ARMED_PARAM, "r");

	if (f) {
		if (fread(&armed, 1, 1, f) != 1)
			armed = 'N';
		fclose(f);
	}
	if (armed != 'Y')
		SKIP(return, "no entry window to widen here (arm64 test builds whose kernel stores syscallno before orig_x0)");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_TRUE(set_param(ENTRY_DELAY_PARAM, 50));
	for (i = 0; i < 5; i++)
		result[handler_window(&hs, sv[0]) & 7]++;
	ASSERT_TRUE(set_param(ENTRY_DELAY_PARAM, 0));
	fprintf(stderr, "# 5 rounds: %d EINTR; cancel ENOENT %d, EAGAIN %d; call restarted %d\n",
		result[0], result[1], result[5], result[2]);
	EXPECT_EQ(5, result[0]);
	close(sv[0]);
	close(sv[1]);
}

#define UNHELD_PARAM	PARAMS "inject_unheld_looks"

struct plain_recv {
	int fd;
	volatile pid_t tid;
	long ret;
	int err;
};

static void *plain_recv_thread(void *p)
{
	struct plain_recv *r = p;
	char b;

	r->tid = gettid();
	r->ret = sys_recv(r->fd, &b, 1);
	r->err = errno;
	return NULL;
}

/*
 * A thread asleep in its call may look runnable for an instant, while its
 * CPU completes a delayed dequeue (6.13 on): a look then cannot hold it.
 * Such a look (forced here, test build) must still see the call found a
 * moment before and wait for the thread: one that took the call for ended
 * would answer the cancel with nothing queued, and the recv would sleep on
 * (arm64 kernels without a stamp slot are where that can happen).
 */
TEST(sleeping_call_looks_runnable)
{
	int sv[2], i, dev = open_dev(), left = -1;

	ASSERT_LE(0, dev);
	if (access(UNHELD_PARAM, W_OK))
		SKIP(return, "needs the FAULT_INJECT=1 build of the module");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	for (i = 0; i < ROUNDS; i++) {
		struct plain_recv r = { .fd = sv[0] };
		struct sockcancel_thread_arg out;
		pthread_t th;
		int ret;

		ASSERT_TRUE(start_blocked(&th, plain_recv_thread, &r, &r.tid,
					  SYS_recvfrom));
		ASSERT_TRUE(set_param(UNHELD_PARAM, 1));
		ret = sc_cancel(dev, r.tid, 0, &out);
		left = number_in(fopen(UNHELD_PARAM, "r"), -1);
		set_param(UNHELD_PARAM, 0);
		EXPECT_EQ(0, ret) TH_LOG("round %d: cancel: errno %d", i, errno);
		/* the look that could not hold the thread was taken */
		EXPECT_EQ(0, left);
		if (!join_within(th, RETURN_MS)) {
			TH_LOG("round %d: the recv slept on", i);
			ASSERT_EQ(1, send(sv[1], "x", 1, 0));
			pthread_join(th, NULL);
		}
		EXPECT_EQ(-1, r.ret);
		EXPECT_EQ(EINTR, r.err);
	}
	close(sv[0]);
	close(sv[1]);
	close(dev);
}

#ifdef __x86_64__
/*
 * The restorer's window: returning, a handler pops its frame's return
 * address, so from there until the restorer's rt_sigreturn has read the
 * frame the thread's sp lies 8 bytes above it (the kernel's syscall entry
 * into rt_sigreturn saves that sp before the number; a vCPU descheduled
 * there stretches the window to milliseconds). Widened here by a restorer
 * of the test's own (SA_RESTORER, which x86-64 lets a program give) that
 * spins until released; the cancel sees the registers of a timer
 * interrupt in the spin. A search for the frame from sp upwards would miss
 * it: ENOENT, and the call restarted, blocked.
 */
volatile int restorer_release __attribute__((used));
static volatile int restorer_handled;

void spinning_restorer(void);
asm(".pushsection .text\n"
    ".type spinning_restorer, @function\n"
    "spinning_restorer:\n"
    "1:	pause\n"
    "	cmpl $0, restorer_release(%rip)\n"
    "	je 1b\n"
    "	movq $15, %rax\n"		/* rt_sigreturn */
    "	syscall\n"
    ".popsection\n");

static void returning_handler(int sig)
{
	(void)sig;
	restorer_handled = 1;
}

TEST(handler_returned_restorer_spins)
{
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		unsigned long mask;
	} ksa = { returning_handler, SA_RESTART | 0x04000000 /* SA_RESTORER */,
		  spinning_restorer, 0 };
	struct plain_recv r = { };
	struct canceller c = { };
	int sv[2], dev = open_dev();
	pthread_t th;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, syscall(SYS_rt_sigaction, SIGUSR1, &ksa, NULL, 8));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	r.fd = sv[0];
	ASSERT_EQ(0, pthread_create(&th, NULL, plain_recv_thread, &r));
	while (!r.tid)
		usleep(100);
	ASSERT_TRUE(wait_blocked_in(0, r.tid, SYS_recvfrom, RETURN_MS));

	ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), r.tid, SIGUSR1));
	while (!restorer_handled)
		usleep(100);
	/* spinning in the restorer: some ticks have seen it there */
	usleep(20 * 1000);
	c.dev = dev;
	c.tid = r.tid;
	c.ret = -2;
	ASSERT_EQ(0, pthread_create(&c.thread, NULL, cancel_thread, &c));
	usleep(20 * 1000);	/* inside the module's wait of 100 ms */
	restorer_release = 1;
	pthread_join(c.thread, NULL);
	EXPECT_EQ(0, c.ret) TH_LOG("cancel: errno %d", c.err);
	if (!join_within(th, RETURN_MS)) {
		send(sv[1], "x", 1, 0);
		pthread_join(th, NULL);
	}
	EXPECT_EQ(-1, r.ret) TH_LOG("recv: the restarted call stayed blocked");
	EXPECT_EQ(EINTR, r.err);
	close(sv[0]);
	close(sv[1]);
	close(dev);
}
#endif

TEST_HARNESS_MAIN
