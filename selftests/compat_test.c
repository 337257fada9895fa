// SPDX-License-Identifier: GPL-2.0
/*
 * ia32 tasks: a 32-bit program blocked in recv, accept and poll, through
 * the direct socket syscalls and through socketcall(2), is cancelled the
 * same way as a 64-bit one. Built with -m32.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <linux/net.h>
#include <sys/ptrace.h>

#include "toolkit/toolkit.h"
#include "toolkit/handler_window.h"
#include "kselftest_harness.h"
#include "toolkit/dev_pair.h"

static long socketcall_recv(struct call *c)
{
	unsigned long args[4] = { c->fd, (unsigned long)c->buf, c->len, 0 };

	return syscall(SYS_socketcall, SYS_RECV, args);
}

static long direct_recvfrom(struct call *c)
{
	return syscall(SYS_recvfrom, c->fd, c->buf, c->len, 0, NULL, NULL);
}

static long socketcall_accept(struct call *c)
{
	unsigned long args[3] = { c->fd, 0, 0 };

	return syscall(SYS_socketcall, SYS_ACCEPT, args);
}

static long direct_poll(struct call *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };

	return syscall(SYS_poll, &p, 1, -1);
}

FIXTURE(compat) {
	int dev;
	int sv[2];
};

FIXTURE_SETUP(compat)
{
	dev_pair_open(_metadata, &self->dev, self->sv, AF_UNIX, SOCK_STREAM);
}

FIXTURE_TEARDOWN(compat)
{
	dev_pair_close(self->dev, self->sv);
}

static void cancel_call(struct __test_metadata *_metadata, int dev,
			struct call *c, long nr, __u32 op, int fd)
{
	struct sockcancel_thread_arg out;

	ASSERT_TRUE(call_start(c, nr));
	ASSERT_EQ(0, sc_query(dev, c->tid, &out));
	EXPECT_EQ(op, out.op);
	EXPECT_EQ(fd, out.fd);
	ASSERT_EQ(0, sc_cancel(dev, c->tid, 0, NULL));
	ASSERT_TRUE(call_join(c, RETURN_MS));
	EXPECT_EQ(-1, c->ret);
	EXPECT_EQ(EINTR, c->err);
}

TEST_F(compat, recv_socketcall)
{
	char buf[8];
	struct call c = { .fn = socketcall_recv, .fd = self->sv[0],
			  .buf = buf, .len = sizeof(buf) };

	cancel_call(_metadata, self->dev, &c, SYS_socketcall,
		    SOCKCANCEL_OP_RECV, self->sv[0]);
}

TEST_F(compat, recvfrom_direct)
{
	char buf[8];
	struct call c = { .fn = direct_recvfrom, .fd = self->sv[0],
			  .buf = buf, .len = sizeof(buf) };

	cancel_call(_metadata, self->dev, &c, SYS_recvfrom,
		    SOCKCANCEL_OP_RECV, self->sv[0]);
}

TEST_F(compat, accept_socketcall)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct call c = { .fn = socketcall_accept, .fd = l };

	ASSERT_LE(0, l);
	strcpy(a.sun_path + 1, "sockcancel-compat");
	ASSERT_EQ(0, bind(l, (void *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(l, 4));
	cancel_call(_metadata, self->dev, &c, SYS_socketcall,
		    SOCKCANCEL_OP_ACCEPT, l);
	close(l);
}

TEST_F(compat, poll)
{
	struct call c = { .fn = direct_poll, .fd = self->sv[0] };

	cancel_call(_metadata, self->dev, &c, SYS_poll, SOCKCANCEL_OP_POLL,
		    -1);
}

TEST_F(compat, non_socket_untouched)
{
	char buf[8];
	int p[2];
	struct call c = { .fn = do_read, .buf = buf, .len = sizeof(buf) };

	ASSERT_EQ(0, pipe(p));
	c.fd = p[0];
	ASSERT_TRUE(call_start(&c, SYS_read));
	EXPECT_EQ(-1, sc_cancel(self->dev, c.tid, 0, NULL));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_FALSE(call_join(&c, 300));
	ASSERT_EQ(1, write(p[1], "x", 1));
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(1, c.ret);
}

static volatile int child_handled;

static void on_usr1(int sig)
{
	(void)sig;
	child_handled = 1;
}

static void on_usr1_info(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	child_handled = 1;
}

/*
 * A child blocked in recvfrom, stopped by ptrace at the delivery of an
 * SA_RESTART signal: the handler's frame (old sigframe, or rt frame with
 * SA_SIGINFO) would restart the call; the cancel must turn that into EINTR.
 * Exit 0: EINTR after the handler ran.
 */
static void traced_delivery(struct __test_metadata *_metadata, int dev,
			    int fd, bool siginfo)
{
	struct sigaction sa = { .sa_flags = SA_RESTART };
	int status;
	pid_t pid;
	char b;

	if (siginfo) {
		sa.sa_sigaction = on_usr1_info;
		sa.sa_flags |= SA_SIGINFO;
	} else {
		sa.sa_handler = on_usr1;
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		long n;

		sigaction(SIGUSR1, &sa, NULL);
		n = syscall(SYS_recvfrom, fd, &b, 1, 0, NULL, NULL);
		if (!child_handled)
			_exit(2);
		_exit(n == -1 && errno == EINTR ? 0 : 1);
	}
	ASSERT_TRUE(wait_blocked_in(pid, pid, SYS_recvfrom, 5000));
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, pid, 0, 0));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ(0, sc_cancel(dev, pid, 0, NULL));
	ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, 0, SIGUSR1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(compat, restart_handler_sigframe)
{
	traced_delivery(_metadata, self->dev, self->sv[0], false);
}

TEST_F(compat, restart_handler_rt_sigframe)
{
	traced_delivery(_metadata, self->dev, self->sv[0], true);
}

/* A cancel while an SA_RESTART handler runs (toolkit/handler_window.h). */
TEST_F(compat, cancel_while_handler_sleeps_sigframe)
{
	struct handler_setup hs = { HANDLER_SLEEPS, false, false, NULL };

	EXPECT_EQ(0, handler_window(&hs, self->sv[0]));
}

TEST_F(compat, cancel_while_handler_sleeps_rt_sigframe)
{
	struct handler_setup hs = { HANDLER_SLEEPS, true, false, NULL };

	EXPECT_EQ(0, handler_window(&hs, self->sv[0]));
}

TEST_F(compat, cancel_while_handler_makes_syscalls_on_altstack)
{
	struct handler_setup hs = { HANDLER_SYSCALLS, true, true, NULL };

	EXPECT_EQ(0, handler_window(&hs, self->sv[0]));
}

TEST_HARNESS_MAIN
