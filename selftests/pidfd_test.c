// SPDX-License-Identifier: GPL-2.0
/*
 * SOCKCANCEL_TARGET_PIDFD: CANCEL and QUERY name their thread by a pidfd,
 * which cannot come to name another thread: a process pidfd names the main
 * thread, a thread pidfd (PIDFD_THREAD, 6.9 and later) its thread, and a
 * pidfd whose thread is gone gives ESRCH even when its pid number is taken
 * again.
 */
#define _GNU_SOURCE
#include <fcntl.h>

#include "toolkit/toolkit.h"
#include "kselftest_harness.h"
#include "toolkit/dev_pair.h"
#include "toolkit/pidfd_wait.h"

static int by_pidfd(int dev, unsigned long cmd, int pidfd, __u32 flags,
		    struct sockcancel_thread_arg *out)
{
	return thread_ioctl(dev, cmd, pidfd, flags | SOCKCANCEL_TARGET_PIDFD,
			    out);
}

static int exit_code(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

FIXTURE(pidfd) {
	int dev;
	int sv[2];
};

FIXTURE_SETUP(pidfd)
{
	dev_pair_open(_metadata, &self->dev, self->sv, AF_UNIX, SOCK_STREAM);
}

FIXTURE_TEARDOWN(pidfd)
{
	dev_pair_close(self->dev, self->sv);
}

/* A process pidfd: QUERY sees the main thread's recv, CANCEL ends it. */
TEST_F(pidfd, process_pidfd_names_main_thread)
{
	struct sockcancel_thread_arg out;
	pid_t pid = blocked_child(self->sv[0]);
	int pidfd;

	ASSERT_LT(0, pid);
	ASSERT_TRUE(wait_blocked_in(pid, pid, SYS_recvfrom, RETURN_MS));
	pidfd = pidfd_of(pid, 0);
	ASSERT_LE(0, pidfd);

	ASSERT_EQ(0, by_pidfd(self->dev, SOCKCANCEL_IOC_QUERY, pidfd, 0,
			      &out));
	EXPECT_EQ(SOCKCANCEL_OP_RECV, out.op);
	EXPECT_EQ(self->sv[0], out.fd);
	EXPECT_EQ(pidfd, out.tid);

	ASSERT_EQ(0, by_pidfd(self->dev, SOCKCANCEL_IOC_CANCEL, pidfd, 0,
			      &out));
	EXPECT_EQ(SOCKCANCEL_OP_RECV, out.op);
	EXPECT_EQ(0, exit_code(pid));
	close(pidfd);
}

/* A thread pidfd names that thread, not the main thread. */
TEST_F(pidfd, thread_pidfd_names_its_thread)
{
	struct sockcancel_thread_arg out;
	char buf[1];
	struct call c = { .fn = do_recv, .fd = self->sv[0], .buf = buf,
			  .len = sizeof(buf) };
	int pidfd;

	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	pidfd = pidfd_of(c.tid, PIDFD_THREAD);
	if (pidfd < 0 && errno == EINVAL) {
		ASSERT_EQ(1, send(self->sv[1], "x", 1, 0));
		call_join(&c, RETURN_MS);
		SKIP(return, "no thread pidfds (PIDFD_THREAD came with 6.9)");
	}
	ASSERT_LE(0, pidfd);

	ASSERT_EQ(0, by_pidfd(self->dev, SOCKCANCEL_IOC_CANCEL, pidfd, 0,
			      &out));
	EXPECT_EQ(SOCKCANCEL_OP_RECV, out.op);
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(EINTR, c.err);
	close(pidfd);
}

/* Make the next fork() of this pid namespace get pid @pid. */
static bool next_pid_is(pid_t pid)
{
	FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "w");
	bool ok;

	if (!f)
		return false;
	ok = fprintf(f, "%d", pid - 1) > 0;
	return !fclose(f) && ok;
}

/*
 * The pidfd of a process that exited and was reaped gives ESRCH, also once
 * its pid number belongs to a new process blocked in recv, which stays
 * blocked.
 */
TEST_F(pidfd, gone_thread_gives_esrch_never_another)
{
	struct sockcancel_thread_arg out;
	pid_t pid, again;
	int pidfd;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(0);
	pidfd = pidfd_of(pid, 0);
	ASSERT_LE(0, pidfd);
	ASSERT_EQ(0, exit_code(pid));

	EXPECT_EQ(-1, by_pidfd(self->dev, SOCKCANCEL_IOC_CANCEL, pidfd, 0,
			       &out));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, by_pidfd(self->dev, SOCKCANCEL_IOC_QUERY, pidfd, 0,
			       &out));
	EXPECT_EQ(ESRCH, errno);

	if (!next_pid_is(pid)) {
		close(pidfd);
		SKIP(return, "cannot choose the next pid: %s", strerror(errno));
	}
	again = blocked_child(self->sv[0]);
	ASSERT_LT(0, again);
	if (again != pid) {
		kill(again, SIGKILL);
		exit_code(again);
		close(pidfd);
		SKIP(return, "pid %d was not reused (got %d)", pid, again);
	}
	ASSERT_TRUE(wait_blocked_in(again, again, SYS_recvfrom, RETURN_MS));
	EXPECT_EQ(-1, by_pidfd(self->dev, SOCKCANCEL_IOC_CANCEL, pidfd, 0,
			       &out));
	EXPECT_EQ(ESRCH, errno);
	/* the tid names the new process: it is still blocked */
	ASSERT_EQ(0, sc_query(self->dev, again, &out));
	EXPECT_EQ(SOCKCANCEL_OP_RECV, out.op);
	ASSERT_EQ(1, send(self->sv[1], "x", 1, 0));
	EXPECT_EQ(1, exit_code(again));
	close(pidfd);
}

/* Only a pidfd names a target: EBADF for anything else, EINVAL below 0. */
TEST_F(pidfd, not_a_pidfd)
{
	struct sockcancel_thread_arg out;
	int closed = dup(self->sv[1]);

	ASSERT_LE(0, closed);
	close(closed);
	EXPECT_EQ(-1, by_pidfd(self->dev, SOCKCANCEL_IOC_CANCEL, self->sv[0],
			       0, &out));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, by_pidfd(self->dev, SOCKCANCEL_IOC_QUERY, self->dev, 0,
			       &out));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, by_pidfd(self->dev, SOCKCANCEL_IOC_CANCEL, closed, 0,
			       &out));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, by_pidfd(self->dev, SOCKCANCEL_IOC_QUERY, -1, 0, &out));
	EXPECT_EQ(EINVAL, errno);
	/* QUERY takes no other flag, CANCEL its reset flag as before */
	EXPECT_EQ(-1, by_pidfd(self->dev, SOCKCANCEL_IOC_QUERY, self->dev,
			       SOCKCANCEL_RESET_ON_PARTIAL, &out));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, by_pidfd(self->dev, SOCKCANCEL_IOC_CANCEL, self->dev,
			       1U << 2, &out));
	EXPECT_EQ(EINVAL, errno);
}

/* A pidfd of a process the caller may not ptrace: EPERM, as with a tid. */
TEST_F(pidfd, permission_as_for_a_tid)
{
	struct sockcancel_thread_arg out;
	pid_t pid = blocked_child(self->sv[0]);
	int pidfd, status;
	pid_t checker;

	ASSERT_LT(0, pid);
	ASSERT_TRUE(wait_blocked_in(pid, pid, SYS_recvfrom, RETURN_MS));
	pidfd = pidfd_of(pid, 0);
	ASSERT_LE(0, pidfd);

	/* another uid, holding the pidfd */
	checker = fork();
	ASSERT_LE(0, checker);
	if (!checker) {
		int ret;

		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		ret = by_pidfd(self->dev, SOCKCANCEL_IOC_CANCEL, pidfd, 0,
			       &out);
		_exit(ret == -1 && errno == EPERM ? 0 : 1);
	}
	ASSERT_EQ(checker, waitpid(checker, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* untouched: still blocked */
	ASSERT_EQ(0, sc_query(self->dev, pid, &out));
	EXPECT_EQ(SOCKCANCEL_OP_RECV, out.op);
	ASSERT_EQ(1, send(self->sv[1], "x", 1, 0));
	EXPECT_EQ(1, exit_code(pid));
	close(pidfd);
}

TEST_HARNESS_MAIN
