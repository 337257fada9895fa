// SPDX-License-Identifier: GPL-2.0
/*
 * Who may cancel whom: the own process always; another process only where
 * ptrace would be allowed: the same ids, the same user namespace and no
 * capability the caller lacks, a dumpable target; or CAP_SYS_PTRACE over
 * the target. Never a thread outside the caller's pid namespace; only the
 * own process when the module's own_process_only parameter is set. Runs as
 * root and drops to uids.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/xattr.h>

#include "toolkit/toolkit.h"
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

/* Write @text to /proc/self/@file; false on failure. */
static bool write_self(const char *file, const char *text)
{
	char path[64];
	int fd, ok;

	snprintf(path, sizeof(path), "/proc/self/%s", file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return false;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok;
}

/* Exit codes of the user-namespace child, one bit per refusal seen. */
#define NS_QUERY_EPERM	1
#define NS_CANCEL_EPERM	2
#define NS_PTRACE_EPERM	4

/*
 * A process of uid 1000 that enters a user namespace of its own with its
 * uid mapped 1:1 (what bwrap and browser sandboxes do) is still uid 1000,
 * but in another user namespace: ptrace refuses it access to uid 1000's
 * processes outside, and so does the device.
 */
TEST_F(perm, user_namespace_denied)
{
	struct sockcancel_thread_arg out;
	pid_t pid;
	int status, dev, seen = 0;

	self->target = blocked_as(1000, self->sv[0], true);
	ASSERT_TRUE(wait_blocked_in(self->target, self->target, SYS_recvfrom,
				    5000));
	pid = fork();
	if (!pid) {
		become(1000);
		/* as a process that did not change uid: its /proc files */
		prctl(PR_SET_DUMPABLE, 1);
		dev = open_dev();
		if (dev < 0 || unshare(CLONE_NEWUSER) ||
		    !write_self("setgroups", "deny") ||
		    !write_self("uid_map", "1000 1000 1") ||
		    !write_self("gid_map", "1000 1000 1"))
			_exit(100);
		if (sc_query(dev, self->target, &out) && errno == EPERM)
			seen |= NS_QUERY_EPERM;
		if (sc_cancel(dev, self->target, 0, NULL) && errno == EPERM)
			seen |= NS_CANCEL_EPERM;
		if (ptrace(PTRACE_ATTACH, self->target, 0, 0) && errno == EPERM)
			seen |= NS_PTRACE_EPERM;
		_exit(seen);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_NE(100, WEXITSTATUS(status)) TH_LOG("no user namespace");
	EXPECT_TRUE(WEXITSTATUS(status) & NS_PTRACE_EPERM);
	EXPECT_TRUE(WEXITSTATUS(status) & NS_QUERY_EPERM);
	EXPECT_TRUE(WEXITSTATUS(status) & NS_CANCEL_EPERM);

	/* the same uid outside a user namespace may (the control) */
	EXPECT_EQ(0, cancel_as(1000, self->target));
	expect_target_eintr(_metadata, &self->target);
}

#define CAP_SELF	"/tmp/perm_test_capself"

/*
 * Argument of the re-executed copy that carries a file capability: block in
 * recv on fd @fd, dumpable again, and exit 0 on EINTR (102: the capability
 * did not come with the exec).
 */
static int blocked_with_capability(int fd)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	char b;

	if (syscall(SYS_capget, &h, d) ||
	    !(d[0].permitted & (1U << CAP_NET_RAW)))
		return 102;
	prctl(PR_SET_DUMPABLE, 1);
	return recv(fd, &b, 1, 0) == -1 && errno == EINTR ? 0 : 1;
}

/* Copy this program to @path; false on failure. */
static bool copy_self(const char *path)
{
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY), out;
	ssize_t n;
	bool ok = in >= 0;

	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ok = ok && out >= 0;
	while (ok && (n = read(in, buf, sizeof(buf))) > 0)
		ok = write(out, buf, n) == n;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return ok;
}

/*
 * A target of the caller's uid that gained a capability from its program
 * file (and made itself dumpable again) has a capability the caller lacks:
 * ptrace refuses, and so does the device.
 */
TEST_F(perm, file_capability_denied)
{
	struct vfs_cap_data cap = {
		.magic_etc = VFS_CAP_REVISION_2,
		.data[0].permitted = 1U << CAP_NET_RAW,
	};
	char fdarg[16];
	pid_t pid;
	int status;

	ASSERT_TRUE(copy_self(CAP_SELF));
	if (setxattr(CAP_SELF, "security.capability", &cap,
		     XATTR_CAPS_SZ_2, 0))
		SKIP(return, "no file capabilities here: %s", strerror(errno));
	self->target = fork();
	if (!self->target) {
		become(1000);
		snprintf(fdarg, sizeof(fdarg), "%d", self->sv[0]);
		execl(CAP_SELF, CAP_SELF, "--blocked-with-capability", fdarg,
		      NULL);
		_exit(103);
	}
	ASSERT_TRUE(wait_blocked_in(self->target, self->target, SYS_recvfrom,
				    5000));
	EXPECT_EQ(EPERM, cancel_as(1000, self->target));
	pid = fork();
	if (!pid) {
		become(1000);
		_exit(ptrace(PTRACE_ATTACH, self->target, 0, 0) ? errno : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(EPERM, WEXITSTATUS(status));

	/* CAP_SYS_PTRACE still may */
	EXPECT_EQ(0, cancel_as(0, self->target));
	expect_target_eintr(_metadata, &self->target);
	unlink(CAP_SELF);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--blocked-with-capability"))
		return blocked_with_capability(atoi(argv[2]));
	return test_harness_run(argc, argv);
}
