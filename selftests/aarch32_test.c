// SPDX-License-Identifier: GPL-2.0
/*
 * arm64: AArch32 tasks are not supported (Documentation/sockcancel.rst).
 * CANCEL and QUERY of a 32-bit thread asleep in recvfrom fail with EINVAL
 * and leave its call alone: it still receives the byte sent afterwards.
 * The 32-bit program is aarch32_helper, beside this one.
 */
#define _GNU_SOURCE
#include <limits.h>

#include "toolkit/toolkit.h"
#include "kselftest_harness.h"

/* recvfrom in the 32-bit ARM (EABI) syscall table */
#define ARM_NR_RECVFROM	292

/* The path of @name beside this program, in @buf. */
static bool beside_self(char *buf, size_t len, const char *name)
{
	char exe[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return false;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = 0;
	return snprintf(buf, len, "%s/%s", exe, name) < (int)len;
}

TEST(aarch32_thread_is_refused)
{
	struct sockcancel_thread_arg out;
	char helper[PATH_MAX + 32];
	int dev = open_dev(), sv[2], status;
	pid_t pid;

	ASSERT_LE(0, dev);
	ASSERT_TRUE(beside_self(helper, sizeof(helper), "aarch32_helper"));
	if (access(helper, X_OK))
		SKIP(return, "no aarch32_helper (built with a 32-bit ARM compiler)");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (dup2(sv[1], 3) != 3)
			_exit(126);
		execl(helper, helper, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	if (!wait_blocked_in(pid, pid, ARM_NR_RECVFROM, RETURN_MS)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		/* the kernel or the cpu runs no AArch32 code, or exec failed */
		SKIP(return, "the 32-bit helper does not run here (exit %#x)",
		     status);
	}

	EXPECT_EQ(-1, sc_query(dev, pid, &out));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sc_cancel(dev, pid, 0, &out));
	EXPECT_EQ(EINVAL, errno);

	/* its call untouched: still asleep, then it gets the byte */
	usleep(STILL_BLOCKED_MS * 1000);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	ASSERT_EQ(1, send(sv[0], "x", 1, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(sv[0]);
	close(dev);
}

TEST_HARNESS_MAIN
