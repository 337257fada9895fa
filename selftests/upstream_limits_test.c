// SPDX-License-Identifier: GPL-2.0
/*
 * The module's known limits (Documentation/sockcancel.rst, "Known limits"),
 * asked of the in-kernel series (upstream/, PIDFD_CANCEL_SOCKET_WAIT) where
 * they do not hold. On a kernel with the series each test runs and passes;
 * with the module (no pidfd ioctls) each one is skipped with the name of
 * the limit, so the skip list is the module's list of limits.
 *
 * The handler window: the series keeps a call that a signal interrupted
 * and whose SA_RESTART handler will restart it as the same call, with its
 * number, while the handler runs (the kernel takes it along with the
 * handler's signal frame and gives it back at that frame's rt_sigreturn).
 * The module finds such a call by looking for the frame on the handler's
 * stack, and loses it when the handler changes its signal mask, is
 * interrupted by a nested handler, runs far below its frame or runs 100 ms
 * without a syscall; each of these is a test here, the handler spinning in
 * user space (or waiting in a system call of its own) while the cancel is
 * made. The series' own kselftest has the rest of the window (a handler
 * without SA_RESTART, a handler's own socket call, a handler left by
 * siglongjmp()).
 */
#define _GNU_SOURCE
#include "toolkit/toolkit.h"
#include "toolkit/pidfd_wait.h"
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include "kselftest_harness.h"

#define NEED_SERIES(limit)						\
	do {								\
		if (!have_series())					\
			SKIP(return, "module limit: " limit);		\
	} while (0)

/* Wait until @pidfd's thread is in a socket call of kind @op, other than
 * call @not_seq; its number, or 0.
 */
static __u64 wait_in_call(int pidfd, __u32 op, __u64 not_seq)
{
	struct pidfd_socket_wait arg;
	long deadline = now_ms() + RETURN_MS;

	while (now_ms() < deadline) {
		if (!sw_ioctl(pidfd, PIDFD_GET_SOCKET_WAIT, 0, &arg) &&
		    arg.op == op && arg.seq != not_seq)
			return arg.seq;
		usleep(2000);
	}
	return 0;
}

/*
 * "poll(2) interrupted by a stop without handler is resumed as
 * restart_syscall(2) ... no longer recognised": the series marks the
 * restarted poll like any other.
 */
TEST(poll_restarted_after_stop)
{
	struct pollfd pfd = { .events = POLLIN };
	int sv[2], pidfd, status;
	pid_t child;

	NEED_SERIES("a poll resumed through restart_syscall after a stop is not recognised");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pfd.fd = sv[0];
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		_exit(poll(&pfd, 1, -1) < 0 ? errno : 100);

	pidfd = pidfd_of(child, 0);
	ASSERT_LE(0, pidfd);
	ASSERT_NE(0, wait_in_call(pidfd, PIDFD_SOCKET_WAIT_POLL, 0));
	ASSERT_EQ(0, kill(child, SIGSTOP));
	ASSERT_EQ(child, waitpid(child, &status, WUNTRACED));
	ASSERT_EQ(0, kill(child, SIGCONT));
	ASSERT_TRUE(wait_blocked_in(child, child, SYS_restart_syscall, RETURN_MS));
	ASSERT_NE(0, wait_in_call(pidfd, PIDFD_SOCKET_WAIT_POLL, 0));

	EXPECT_EQ(0, sw_ioctl(pidfd, PIDFD_CANCEL_SOCKET_WAIT, 0, NULL));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(EINTR, WEXITSTATUS(status));
	close(pidfd);
	close(sv[0]);
	close(sv[1]);
}

static void on_usr1(int sig)
{
	(void)sig;
}

/*
 * Start @c, a recv on a new socket pair @sv, in a thread of its own; its
 * thread's pidfd in *@pidfd. Returns the number of the call once the
 * series reports the thread in it (0: never seen).
 */
static __u64 recv_in_call(struct call *c, int sv[2], int *pidfd)
{
	*pidfd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 0;
	c->fd = sv[0];
	if (!call_start(c, SYS_recvfrom))
		return 0;
	*pidfd = pidfd_of(c->tid, PIDFD_THREAD);
	return *pidfd < 0 ? 0 : wait_in_call(*pidfd, PIDFD_SOCKET_WAIT_RECV, 0);
}

/*
 * "a restarted call cannot be told from a new one at the same address with
 * the same arguments": the series keeps the number of a call across its
 * restart, so a cancel aimed at the call seen before a signal's restart
 * reaches the restarted call, and nothing else.
 */
TEST(restarted_call_is_the_same_call)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	struct pidfd_socket_wait arg;
	char b;
	struct call c = { .fn = do_recv, .buf = &b, .len = 1 };
	int sv[2], pidfd;
	__u64 first;

	NEED_SERIES("a restarted call cannot be told from a new one");
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	first = recv_in_call(&c, sv, &pidfd);
	ASSERT_NE(0, first);
	ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), c.tid, SIGUSR1));
	/* the handler has returned and the call waits again */
	usleep(50 * 1000);
	ASSERT_TRUE(wait_blocked_in(0, c.tid, SYS_recvfrom, RETURN_MS));
	ASSERT_EQ(0, sw_ioctl(pidfd, PIDFD_GET_SOCKET_WAIT, 0, &arg));
	EXPECT_EQ(first, arg.seq);

	EXPECT_EQ(-1, sw_ioctl(pidfd, PIDFD_CANCEL_SOCKET_WAIT, first + 1,
			       NULL));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_FALSE(call_join(&c, STILL_BLOCKED_MS));
	EXPECT_EQ(0, sw_ioctl(pidfd, PIDFD_CANCEL_SOCKET_WAIT, first, NULL));
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(EINTR, c.err);
	signal(SIGUSR1, SIG_DFL);
	close(pidfd);
	close(sv[0]);
	close(sv[1]);
}

/*
 * The handler window. A recv interrupted by SIGUSR1, whose SA_RESTART
 * handler (what it does: enum hw_mode) runs until the test releases it;
 * SIGUSR2's handler, nested in it, likewise.
 */
enum hw_mode {
	HW_MASK,	/* blocks SIGUSR2 (sigprocmask), then spins */
	HW_NESTED,	/* spins; a nested SIGUSR2 handler spins too */
	HW_DEEP,	/* spins 256 KiB of stack below its frame */
	HW_LONG,	/* spins in user space, without a system call */
};

static enum hw_mode hw_mode;
static volatile sig_atomic_t hw_in, hw_release, hw_in2, hw_release2;

static void hw_deep(void)
{
	volatile char buf[256 << 10];

	buf[0] = 1;
	buf[sizeof(buf) - 1] = 1;
	while (!hw_release)
		;
}

static void hw_handler(int sig)
{
	sigset_t set;

	(void)sig;
	hw_in = 1;
	if (hw_mode == HW_MASK) {
		sigemptyset(&set);
		sigaddset(&set, SIGUSR2);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}
	if (hw_mode == HW_DEEP)
		hw_deep();
	while (!hw_release)
		;
	hw_in = 2;
}

static void hw_handler2(int sig)
{
	(void)sig;
	hw_in2 = 1;
	while (!hw_release2)
		;
}

#define HW_ALTSTACK_SIZE	(8 << 20)

/* recv on an alternate signal stack of the thread's own */
static long do_recv_altstack(struct call *c)
{
	stack_t ss = { .ss_sp = (void *)c->arg, .ss_size = HW_ALTSTACK_SIZE };

	if (sigaltstack(&ss, NULL))
		return -2;
	return recv(c->fd, c->buf, c->len, c->flags);
}

static bool hw_wait(volatile sig_atomic_t *flag, int value)
{
	long deadline = now_ms() + RETURN_MS;

	while (*flag != value && now_ms() < deadline)
		usleep(1000);
	return *flag == value;
}

/*
 * One round: the handler runs (for HW_LONG, 150 ms in user space before
 * the cancel), the call is reported and cancelled, the handler is released,
 * and the call returns EINTR without waiting again.
 */
static void handler_round(struct __test_metadata *_metadata,
			  enum hw_mode mode)
{
	struct sigaction sa = { .sa_handler = hw_handler,
				.sa_flags = SA_RESTART };
	struct sigaction sa2 = { .sa_handler = hw_handler2,
				 .sa_flags = SA_RESTART };
	struct pidfd_socket_wait arg;
	char b;
	struct call c = { .fn = do_recv, .buf = &b, .len = 1 };
	void *altstack = NULL;
	int sv[2], pidfd;
	__u64 seq;

	hw_mode = mode;
	hw_in = hw_release = hw_in2 = hw_release2 = 0;
	if (mode == HW_DEEP) {
		altstack = malloc(HW_ALTSTACK_SIZE);
		ASSERT_NE(NULL, altstack);
		c.fn = do_recv_altstack;
		c.arg = (long)altstack;
		sa.sa_flags |= SA_ONSTACK;
	}
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, sigaction(SIGUSR2, &sa2, NULL));
	seq = recv_in_call(&c, sv, &pidfd);
	ASSERT_NE(0, seq);

	ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), c.tid, SIGUSR1));
	ASSERT_TRUE(hw_wait(&hw_in, 1));
	if (mode == HW_NESTED) {
		ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), c.tid, SIGUSR2));
		ASSERT_TRUE(hw_wait(&hw_in2, 1));
	}
	if (mode == HW_LONG)
		usleep(150 * 1000);

	ASSERT_EQ(0, sw_ioctl(pidfd, PIDFD_GET_SOCKET_WAIT, 0, &arg));
	EXPECT_EQ(seq, arg.seq);
	EXPECT_EQ(PIDFD_SOCKET_WAIT_RECV, arg.op);
	EXPECT_EQ(sv[0], arg.fd);
	EXPECT_EQ(0, sw_ioctl(pidfd, PIDFD_CANCEL_SOCKET_WAIT, seq, NULL));
	EXPECT_FALSE(call_join(&c, 100));

	hw_release2 = 1;
	hw_release = 1;
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(2, hw_in);
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(EINTR, c.err);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	close(pidfd);
	close(sv[0]);
	close(sv[1]);
	free(altstack);
}

TEST(handler_changes_its_mask)
{
	NEED_SERIES("a SA_RESTART handler that changed its signal mask: its call is not found");
	handler_round(_metadata, HW_MASK);
}

TEST(nested_handlers)
{
	NEED_SERIES("a SA_RESTART handler interrupted by a nested handler: its call is not found");
	handler_round(_metadata, HW_NESTED);
}

TEST(frame_far_from_sp)
{
	NEED_SERIES("a signal frame more than 64 KiB above the handler's stack pointer");
	handler_round(_metadata, HW_DEEP);
}

TEST(handler_runs_100ms_without_syscall)
{
	NEED_SERIES("a SA_RESTART handler running 100 ms without a syscall: EAGAIN");
	handler_round(_metadata, HW_LONG);
}

struct drain {
	int fd;
	size_t max;
};

/* Reads until EOF or until max bytes: a send of more never completes. */
static void *drain(void *p)
{
	struct drain *d = p;
	char buf[65536];
	size_t got = 0;
	ssize_t n;

	while (got < d->max && (n = read(d->fd, buf, sizeof(buf))) > 0)
		got += n;
	return NULL;
}

/*
 * "A thread that runs inside a socket call for 100 ms without sleeping in
 * it is not cancelled: EAGAIN": the series cancels a call whatever the
 * thread is doing in it; the call ends at its next wait or returns what it
 * transferred.
 */
TEST(busy_call_is_cancelled)
{
	size_t len = 64 << 20;
	struct call c = { .fn = do_send, .len = len };
	struct drain d = { .max = len / 2 };
	int sv[2], pidfd, i, ret = -1;
	pthread_t reader;

	NEED_SERIES("a thread running inside its call for 100 ms is not cancelled (EAGAIN)");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	c.buf = calloc(1, len);
	ASSERT_NE(NULL, c.buf);
	c.fd = sv[0];
	d.fd = sv[1];
	/*
	 * The reader takes half: the send cannot finish before the cancel
	 * ends it, however fast it copies, so a partial count or EINTR is
	 * the only passing result.
	 */
	ASSERT_EQ(0, pthread_create(&reader, NULL, drain, &d));
	ASSERT_EQ(0, pthread_create(&c.thread, NULL, call_thread, &c));
	while (!__atomic_load_n(&c.started, __ATOMIC_SEQ_CST))
		usleep(100);
	pidfd = pidfd_of(c.tid, PIDFD_THREAD);
	ASSERT_LE(0, pidfd);
	ASSERT_NE(0, wait_in_call(pidfd, PIDFD_SOCKET_WAIT_SEND, 0));

	/* cancelled at once, asleep or not: never EAGAIN */
	for (i = 0; i < 10 && ret; i++)
		ret = sw_ioctl(pidfd, PIDFD_CANCEL_SOCKET_WAIT, 0, NULL);
	EXPECT_EQ(0, ret);
	ASSERT_TRUE(call_join(&c, 10 * RETURN_MS));
	if (c.ret < 0) {
		EXPECT_EQ(EINTR, c.err);
	} else {
		EXPECT_GT((long)len, c.ret);
	}
	shutdown(sv[0], SHUT_WR);
	pthread_join(reader, NULL);
	free(c.buf);
	close(pidfd);
	close(sv[0]);
	close(sv[1]);
}

TEST_HARNESS_MAIN
