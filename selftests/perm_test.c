// SPDX-License-Identifier: GPL-2.0
/*
 * Who may cancel whom: the own process always; another process with the
 * same ids if it is dumpable, or with CAP_SYS_PTRACE; never a thread outside
 * the caller's pid namespace; only the own process when the module's
 * own_process_only parameter is set. Runs as root and drops to uids.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>

#include "sockcancel_util.h"
#include "kselftest_harness.h"

#define PARAM "/sys/module/sockcancel/parameters/own_process_only"

static void become(uid_t uid)
{
	if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		_exit(100);
}

/* A child running as @uid blocked in recv; exits 0 on EINTR. */
static pid_t blocked_as(uid_t uid, int fd, bool dumpable)
{
	pid_t pid = fork();
	char b;

	if (pid)
		return pid;
	become(uid);
	/* changing uid made us non-dumpable: choose explicitly */
	prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0);
	_exit(recv(fd, &b, 1, 0) == -1 && errno == EINTR ? 0 : 1);
}

/* Run CANCEL on @tid as @uid in a child; returns 0 or the errno. */
static int cancel_as(uid_t uid, pid_t tid)
{
	pid_t pid = fork();
	int status, dev;

	if (!pid) {
		become(uid);
		dev = open_dev();
		if (dev < 0)
			_exit(101);
		_exit(sc_cancel(dev, tid, 0, NULL) ? errno : 0);
	}
	waitpid(pid, &status, 0);
	return WEXITSTATUS(status);
}

FIXTURE(perm) {
	int sv[2];
	pid_t target;
};

FIXTURE_SETUP(perm)
{
	if (geteuid())
		SKIP(return, "needs root to switch uids");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, self->sv));
	self->target = 0;
}

FIXTURE_TEARDOWN(perm)
{
	if (self->target > 0)
		kill(self->target, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0)
		;
	close(self->sv[0]);
	close(self->sv[1]);
}

static void expect_target_eintr(struct __test_metadata *_metadata, pid_t *pid)
{
	int status;

	ASSERT_EQ(*pid, waitpid(*pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	*pid = 0;
}

TEST_F(perm, same_uid_allowed)
{
	self->target = blocked_as(1000, self->sv[0], true);
	ASSERT_TRUE(wait_blocked_in(self->target, self->target, SYS_recvfrom,
				    5000));
	EXPECT_EQ(0, cancel_as(1000, self->target));
	expect_target_eintr(_metadata, &self->target);
}

TEST_F(perm, other_uid_denied)
{
	struct sockcancel_thread_arg out;
	pid_t pid;
	int status, dev;

	self->target = blocked_as(1000, self->sv[0], true);
	ASSERT_TRUE(wait_blocked_in(self->target, self->target, SYS_recvfrom,
				    5000));
	EXPECT_EQ(EPERM, cancel_as(1001, self->target));

	/* QUERY is refused the same way */
	pid = fork();
	if (!pid) {
		become(1001);
		dev = open_dev();
		_exit(sc_query(dev, self->target, &out) ? errno : 0);
	}
	waitpid(pid, &status, 0);
	EXPECT_EQ(EPERM, WEXITSTATUS(status));

	/* and an unprivileged user cannot cancel root's threads */
	EXPECT_EQ(EPERM, cancel_as(1000, getpid()));
}

TEST_F(perm, non_dumpable_denied)
{
	self->target = blocked_as(1000, self->sv[0], false);
	ASSERT_TRUE(wait_blocked_in(self->target, self->target, SYS_recvfrom,
				    5000));
	EXPECT_EQ(EPERM, cancel_as(1000, self->target));
	/* CAP_SYS_PTRACE overrides */
	EXPECT_EQ(0, cancel_as(0, self->target));
	expect_target_eintr(_metadata, &self->target);
}

TEST_F(perm, outside_pid_namespace)
{
	pid_t outer = getpid(), pid;
	int status;

	/* the child of an unshared pid namespace cannot see us */
	ASSERT_EQ(0, unshare(CLONE_NEWPID));
	pid = fork();
	if (!pid) {
		int dev = open_dev();

		_exit(sc_cancel(dev, outer, 0, NULL) ? errno : 0);
	}
	ASSERT_LT(0, pid);
	waitpid(pid, &status, 0);
	EXPECT_EQ(ESRCH, WEXITSTATUS(status));
}

static int write_param(const char *v)
{
	int fd = open(PARAM, O_WRONLY);
	int ret;

	if (fd < 0)
		return -1;
	ret = write(fd, v, 1) == 1 ? 0 : -1;
	close(fd);
	return ret;
}

TEST_F(perm, own_process_only)
{
	struct call c = { .fn = do_recv, .fd = self->sv[0], .len = 1 };
	int dev = open_dev();
	char b;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, write_param("1"));
	self->target = blocked_as(0, self->sv[0], true);
	ASSERT_TRUE(wait_blocked_in(self->target, self->target, SYS_recvfrom,
				    5000));
	/* even root may not cancel another process now */
	EXPECT_EQ(-1, sc_cancel(dev, self->target, 0, NULL));
	EXPECT_EQ(EPERM, errno);

	/* its own threads it may */
	c.buf = &b;
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	EXPECT_EQ(0, sc_cancel(dev, c.tid, 0, NULL));
	EXPECT_TRUE(call_join(&c, 5000));
	EXPECT_EQ(EINTR, c.err);
	ASSERT_EQ(0, write_param("0"));
	EXPECT_EQ(0, sc_cancel(dev, self->target, 0, NULL));
	expect_target_eintr(_metadata, &self->target);
	close(dev);
}

TEST_HARNESS_MAIN
