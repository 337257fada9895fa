// SPDX-License-Identifier: GPL-2.0
/*
 * Races, each run many times: cancels against arriving data, against real
 * SA_RESTART signals, against connections on a listener, and against the
 * target's exit. Invariants: every byte is received exactly once and in
 * order; a cancel that returned 0 on a blocked call always ends it with
 * EINTR; no connection is lost; nothing crashes.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>

#include "toolkit/toolkit.h"
#include "kselftest_harness.h"
#include "toolkit/dev_pair.h"

#define ROUNDS		1000

struct receiver {
	int fd;
	pid_t tid;
	long want;
	long got;
	long eintr;
	bool bad;
	long bad_ret;		/* the call that ended the loop, if any */
	int bad_errno;
	unsigned char next;
	atomic_int ready;
	atomic_int stop;	/* the receiver stays until told: tid valid */
};

/* Read until @want bytes arrived; check they come in sequence. */
static void *receive_all(void *p)
{
	struct receiver *r = p;
	unsigned char buf[256];
	long n, i;

	r->tid = gettid();
	atomic_store(&r->ready, 1);
	while (r->got < r->want) {
		n = recv(r->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR) {
			r->eintr++;
			continue;
		}
		if (n <= 0) {
			r->bad = true;
			r->bad_ret = n;
			r->bad_errno = errno;
			break;
		}
		for (i = 0; i < n; i++)
			if (buf[i] != r->next++)
				r->bad = true;
		r->got += n;
	}
	while (!atomic_load(&r->stop))
		usleep(1000);
	return NULL;
}

static void spin(unsigned int n)
{
	volatile unsigned int i;

	for (i = 0; i < n; i++)
		;
}

FIXTURE(data) {
	int dev;
	int sv[2];
};

FIXTURE_VARIANT(data) {
	int family;
	int type;
	bool by_socket;		/* CANCEL_SOCKET instead of CANCEL */
};

FIXTURE_VARIANT_ADD(data, tcp) { .family = AF_INET, .type = SOCK_STREAM };
FIXTURE_VARIANT_ADD(data, unix_stream) {
	.family = AF_UNIX, .type = SOCK_STREAM };
FIXTURE_VARIANT_ADD(data, unix_dgram) { .family = AF_UNIX, .type = SOCK_DGRAM };
FIXTURE_VARIANT_ADD(data, tcp_by_socket) {
	.family = AF_INET, .type = SOCK_STREAM, .by_socket = true };

FIXTURE_SETUP(data)
{
	dev_pair_open(_metadata, &self->dev, self->sv, variant->family,
		      variant->type);
}

FIXTURE_TEARDOWN(data)
{
	dev_pair_close(self->dev, self->sv);
}

TEST_F_TIMEOUT(data, every_byte_once, 120)
{
	struct receiver r = { .fd = self->sv[0], .want = ROUNDS };
	unsigned char b = 0;
	__u32 count;
	long cancelled = 0;
	pthread_t th;
	int i, ret;

	ASSERT_EQ(0, pthread_create(&th, NULL, receive_all, &r));
	while (!atomic_load(&r.ready))
		usleep(100);
	srand(1);
	for (i = 0; i < ROUNDS; i++) {
		bool cancel_first = rand() & 1;

		if (!cancel_first)
			ASSERT_EQ(1, send(self->sv[1], &b, 1, 0));
		spin(rand() % 20000);
		if (variant->by_socket) {
			ret = sc_cancel_socket(self->dev, self->sv[0], 0,
					       &count);
			ASSERT_EQ(0, ret);
			cancelled += count;
		} else {
			ret = sc_cancel(self->dev, r.tid, 0, NULL);
			/*
			 * EAGAIN: it ran inside its call, or on its way into
			 * one, for the module's whole wait; nothing was done
			 */
			if (ret)
				ASSERT_TRUE(errno == ENOENT || errno == EAGAIN)
					TH_LOG("errno %d; receiver ended: %ld, errno %d",
					       errno, r.bad_ret, r.bad_errno);
			cancelled += !ret;
		}
		if (cancel_first)
			ASSERT_EQ(1, send(self->sv[1], &b, 1, 0));
		b++;
		spin(rand() % 20000);
	}
	atomic_store(&r.stop, 1);
	pthread_join(th, NULL);
	EXPECT_FALSE(r.bad) TH_LOG("receiver ended: %ld, errno %d", r.bad_ret,
				   r.bad_errno);
	EXPECT_EQ(ROUNDS, r.got);
	/* a cancel that landed in user space is reported as ENOENT */
	EXPECT_GE(cancelled, r.eintr);
	TH_LOG("%ld cancels returned 0, %ld calls ended with EINTR",
	       cancelled, r.eintr);
}

/* ---- cancels racing with real SA_RESTART signals ----------------------- */

static atomic_int handled;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
}

TEST_F_TIMEOUT(data, with_sa_restart_signals, 240)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	char buf[16];
	int i;

	if (variant->type != SOCK_STREAM || variant->by_socket)
		SKIP(return, "one socket kind is enough");
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	for (i = 0; i < 200; i++) {
		struct call c = { .fn = do_recv, .fd = self->sv[0],
				  .buf = buf, .len = sizeof(buf) };

		ASSERT_TRUE(call_start(&c, SYS_recvfrom));
		if (i & 1) {
			ASSERT_EQ(0, sc_cancel(self->dev, c.tid, 0, NULL));
			spin(rand() % 5000);
			syscall(SYS_tgkill, getpid(), c.tid, SIGUSR1);
		} else {
			syscall(SYS_tgkill, getpid(), c.tid, SIGUSR1);
			spin(rand() % 5000);
			/*
			 * ENOENT while the handler runs, EAGAIN while it runs
			 * for the module's whole wait: like every caller of a
			 * cancel, retry once the call is back in the kernel.
			 */
			while (sc_cancel(self->dev, c.tid, 0, NULL)) {
				ASSERT_TRUE(errno == ENOENT || errno == EAGAIN);
				ASSERT_TRUE(wait_blocked_in(0, c.tid,
							    SYS_recvfrom,
							    RETURN_MS));
			}
		}
		/* never restarted, never lost */
		ASSERT_TRUE(call_join(&c, RETURN_MS))
			TH_LOG("round %d: thread %d still in syscall %ld", i,
			       c.tid, wait_blocked_in(0, c.tid, SYS_recvfrom, 0) ?
			       (long)SYS_recvfrom : -1L);
		ASSERT_EQ(-1, c.ret);
		ASSERT_EQ(EINTR, c.err);
	}
	/* the signals did arrive (one sent after the return may not) */
	EXPECT_LE(100, atomic_load(&handled));
	signal(SIGUSR1, SIG_DFL);
}

/* ---- accept: a connection racing with a cancel is never lost ---------- */

struct acceptor {
	int fd;
	pid_t tid;
	atomic_int accepted;
	atomic_int stop;
	atomic_int ready;
};

static void *accept_loop(void *p)
{
	struct acceptor *a = p;
	int s;

	a->tid = gettid();
	atomic_store(&a->ready, 1);
	while (!atomic_load(&a->stop)) {
		s = accept(a->fd, NULL, NULL);
		if (s >= 0) {
			atomic_fetch_add(&a->accepted, 1);
			close(s);
		}
	}
	return NULL;
}

FIXTURE(plain) {
};

FIXTURE_SETUP(plain)
{
}

FIXTURE_TEARDOWN(plain)
{
}

TEST_F_TIMEOUT(plain, accept_never_loses_a_connection, 120)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	struct acceptor a = { 0 };
	int dev = open_dev(), i, cl[300], s, drained = 0;
	pthread_t th;

	ASSERT_LE(0, dev);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.fd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, bind(a.fd, (void *)&addr, sizeof(addr)));
	ASSERT_EQ(0, listen(a.fd, 512));
	ASSERT_EQ(0, getsockname(a.fd, (void *)&addr, &len));
	ASSERT_EQ(0, pthread_create(&th, NULL, accept_loop, &a));
	while (!atomic_load(&a.ready))
		usleep(100);

	for (i = 0; i < 300; i++) {
		cl[i] = socket(AF_INET, SOCK_STREAM, 0);
		ASSERT_EQ(0, connect(cl[i], (void *)&addr, sizeof(addr)));
		spin(rand() % 20000);
		sc_cancel(dev, a.tid, 0, NULL);
	}
	/* stop the loop: one last cancel after the flag is seen */
	atomic_store(&a.stop, 1);
	while (pthread_tryjoin_np(th, NULL)) {
		sc_cancel(dev, a.tid, 0, NULL);
		usleep(1000);
	}
	ASSERT_EQ(0, fcntl(a.fd, F_SETFL, O_NONBLOCK));
	while ((s = accept(a.fd, NULL, NULL)) >= 0) {
		drained++;
		close(s);
	}
	EXPECT_EQ(300, atomic_load(&a.accepted) + drained);
	for (i = 0; i < 300; i++)
		close(cl[i]);
	close(a.fd);
	close(dev);
}

/* ---- cancels racing with the target's exit ----------------------------- */

TEST_F_TIMEOUT(plain, cancel_while_target_exits, 120)
{
	int dev, sv[2], i, status;
	pid_t pid;
	char b;

	dev_pair_open(_metadata, &dev, sv, AF_UNIX, SOCK_STREAM);
	for (i = 0; i < 200; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(recv(sv[0], &b, 1, 0) < 0 ? 0 : 1);
		spin(rand() % 200000);
		if (i & 1)
			kill(pid, SIGKILL);
		/* any of these answers is fine; the kernel must cope */
		if (sc_cancel(dev, pid, SOCKCANCEL_RESET_ON_PARTIAL, NULL))
			ASSERT_TRUE(errno == ENOENT || errno == ESRCH);
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
	}
	dev_pair_close(dev, sv);
}

TEST_HARNESS_MAIN
