// SPDX-License-Identifier: GPL-2.0
/*
 * The device and the validation of every ioctl argument: the errno of each
 * malformed request, and that the kernel writes the output fields.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "toolkit/toolkit.h"
#include "kselftest_harness.h"

FIXTURE(dev) {
	int dev;
};

FIXTURE_SETUP(dev)
{
	self->dev = open_dev();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->dev);
}

TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat(DEV_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 0777);
	/* misc devices have major 10 */
	EXPECT_EQ(10, major(st.st_rdev));
}

TEST_F(dev, unknown_ioctl)
{
	int x = 0;

	EXPECT_EQ(-1, ioctl(self->dev, _IOWR(SOCKCANCEL_IOC_MAGIC, 0x7f, int),
			    &x));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->dev, _IO('T', 0x01), 0));
	EXPECT_EQ(ENOTTY, errno);
	/* the right number with the wrong size is another command */
	EXPECT_EQ(-1, ioctl(self->dev, _IOWR(SOCKCANCEL_IOC_MAGIC, 0x00, int),
			    &x));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(dev, cancel_bad_flags)
{
	/* the first bit after SOCKCANCEL_TARGET_PIDFD */
	EXPECT_EQ(-1, sc_cancel(self->dev, gettid(), 4, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sc_cancel(self->dev, gettid(), 0x80000000u, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, query_flags_must_be_zero)
{
	EXPECT_EQ(-1, thread_ioctl(self->dev, SOCKCANCEL_IOC_QUERY, gettid(),
				   SOCKCANCEL_RESET_ON_PARTIAL, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, bad_tid)
{
	static const pid_t bad[] = { 0, -1, -12345, (pid_t)0x80000000 };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-1, sc_cancel(self->dev, bad[i], 0, NULL));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, sc_query(self->dev, bad[i], NULL));
		EXPECT_EQ(EINVAL, errno);
	}
}

TEST_F(dev, no_such_thread)
{
	/* pid_max is at most 4194304 */
	EXPECT_EQ(-1, sc_cancel(self->dev, 4194304 + 1, 0, NULL));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, sc_query(self->dev, 4194304 + 1, NULL));
	EXPECT_EQ(ESRCH, errno);
}

TEST_F(dev, exited_thread)
{
	pid_t child = fork();
	int status;

	ASSERT_LE(0, child);
	if (!child)
		_exit(0);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(-1, sc_cancel(self->dev, child, 0, NULL));
	EXPECT_EQ(ESRCH, errno);
}

TEST_F(dev, kernel_thread)
{
	/* pid 2 is kthreadd */
	EXPECT_EQ(-1, sc_cancel(self->dev, 2, 0, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sc_query(self->dev, 2, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, bad_pointer)
{
	void *unmapped = mmap(NULL, 4096, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct sockcancel_thread_arg *ro;

	ASSERT_NE(MAP_FAILED, unmapped);
	EXPECT_EQ(-1, ioctl(self->dev, SOCKCANCEL_IOC_CANCEL, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->dev, SOCKCANCEL_IOC_QUERY, unmapped));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->dev, SOCKCANCEL_IOC_CANCEL_SOCKET,
			    unmapped));
	EXPECT_EQ(EFAULT, errno);

	/* readable but not writable: the answer cannot be written back */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ro->tid = gettid();
	ro->flags = 0;
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->dev, SOCKCANCEL_IOC_QUERY, ro));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, 4096);
	munmap(unmapped, 4096);
}

TEST_F(dev, query_idle_thread)
{
	struct sockcancel_thread_arg out;

	/* the caller itself is in ioctl(), not in a socket call */
	ASSERT_EQ(0, sc_query(self->dev, gettid(), &out));
	EXPECT_EQ(gettid(), out.tid);
	EXPECT_EQ(SOCKCANCEL_OP_NONE, out.op);
	EXPECT_EQ(-1, out.fd);
}

TEST_F(dev, cancel_idle_thread)
{
	EXPECT_EQ(-1, sc_cancel(self->dev, gettid(), 0, NULL));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(dev, cancel_socket_validation)
{
	struct sockcancel_socket_arg arg = { .fd = -1 };
	int sv[2];

	EXPECT_EQ(-1, ioctl(self->dev, SOCKCANCEL_IOC_CANCEL_SOCKET, &arg));
	EXPECT_EQ(EBADF, errno);

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	arg.fd = sv[0];
	arg.flags = 2;
	EXPECT_EQ(-1, ioctl(self->dev, SOCKCANCEL_IOC_CANCEL_SOCKET, &arg));
	EXPECT_EQ(EINVAL, errno);
	arg.flags = 0;
	arg.pad = 1;
	EXPECT_EQ(-1, ioctl(self->dev, SOCKCANCEL_IOC_CANCEL_SOCKET, &arg));
	EXPECT_EQ(EINVAL, errno);

	arg.pad = 0;
	arg.fd = self->dev;
	EXPECT_EQ(-1, ioctl(self->dev, SOCKCANCEL_IOC_CANCEL_SOCKET, &arg));
	EXPECT_EQ(ENOTSOCK, errno);
	close(sv[0]);
	close(sv[1]);
}

TEST_HARNESS_MAIN
