// SPDX-License-Identifier: GPL-2.0
/*
 * The module's known limits (Documentation/sockcancel.rst, "Known limits"),
 * asked of the in-kernel series (upstream/, PIDFD_CANCEL_SOCKET_WAIT) where
 * they do not hold. On a kernel with the series each test runs and passes;
 * with the module (no pidfd ioctls) each one is skipped with the name of
 * the limit, so the skip list is the module's list of limits.
 *
 * The limits of a call interrupted by a signal whose SA_RESTART handler is
 * running (a handler that changes its signal mask, a nested handler, a
 * signal frame more than 64 KiB above the handler's stack pointer, a
 * handler that runs 100 ms without a syscall) have no test here: the
 * series does not lift them, it has no such case at all. Its call ends
 * when the signal interrupts it (sock_wait_end() as the system call
 * returns its restart code), so while the handler runs the thread is in
 * no socket call: a cancel answers ENOENT, nothing is kept for later, and
 * the call restarts after the handler as a new call, which a cancel then
 * reaches (restarted_call_is_another_call).
 */
#define _GNU_SOURCE
#include "toolkit/toolkit.h"
#include "toolkit/pidfd_wait.h"
#include <poll.h>
#include <pthread.h>
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
 * "a restarted call cannot be told from a new one at the same address with
 * the same arguments": the series numbers every call, so a cancel aimed at
 * the call before a signal's restart does not reach the restarted one.
 */
TEST(restarted_call_is_another_call)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	char b;
	struct call c = { .fn = do_recv, .buf = &b, .len = 1 };
	int sv[2], pidfd;
	__u64 first, second;

	NEED_SERIES("a restarted call cannot be told from a new one");
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	c.fd = sv[0];
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	pidfd = pidfd_of(c.tid, PIDFD_THREAD);
	ASSERT_LE(0, pidfd);

	first = wait_in_call(pidfd, PIDFD_SOCKET_WAIT_RECV, 0);
	ASSERT_NE(0, first);
	ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), c.tid, SIGUSR1));
	second = wait_in_call(pidfd, PIDFD_SOCKET_WAIT_RECV, first);
	ASSERT_NE(0, second);

	EXPECT_EQ(-1, sw_ioctl(pidfd, PIDFD_CANCEL_SOCKET_WAIT, first, NULL));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_FALSE(call_join(&c, STILL_BLOCKED_MS));
	EXPECT_EQ(0, sw_ioctl(pidfd, PIDFD_CANCEL_SOCKET_WAIT, second, NULL));
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(EINTR, c.err);
	signal(SIGUSR1, SIG_DFL);
	close(pidfd);
	close(sv[0]);
	close(sv[1]);
}

static void *drain(void *p)
{
	int fd = *(int *)p;
	char buf[65536];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
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
	int sv[2], pidfd, i, ret = -1;
	pthread_t reader;

	NEED_SERIES("a thread running inside its call for 100 ms is not cancelled (EAGAIN)");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	c.buf = calloc(1, len);
	ASSERT_NE(NULL, c.buf);
	c.fd = sv[0];
	ASSERT_EQ(0, pthread_create(&reader, NULL, drain, &sv[1]));
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
