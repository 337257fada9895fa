// SPDX-License-Identifier: GPL-2.0
/*
 * libsockcancel-close.so in a program that knows nothing of sockcancel:
 * close(), dup2() and dup3() onto a socket end another thread's blocked
 * call on it; other fds, and calls that fail, are left as the C library
 * makes them, errno included; a program that closes the library's device
 * fd does not break it.
 *
 * Dynamically linked (the other tests are static): preload_close_test runs
 * it through the payload's loader with LD_PRELOAD=libsockcancel-close.so.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <dirent.h>
#include <sys/stat.h>

#include "toolkit/toolkit.h"
#include "kselftest_harness.h"

static char byte;

/* The close() this program calls is the preload library's. */
TEST(preloaded)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	void *fn = dlsym(RTLD_DEFAULT, "close");
	Dl_info info;

	ASSERT_NE(NULL, libc);
	ASSERT_NE(0, dladdr(fn, &info));
	TH_LOG("close() is %s's", info.dli_fname);
	EXPECT_NE(dlsym(libc, "close"), fn);
	EXPECT_NE(NULL, strstr(info.dli_fname, "libsockcancel-close.so"));
	dlclose(libc);
}

FIXTURE(pair) {
	int sv[2];
	int null;
	struct call c;
};

FIXTURE_SETUP(pair)
{
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, self->sv));
	self->null = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, self->null);
	self->c = (struct call){ .fn = do_recv, .fd = self->sv[0],
				 .buf = &byte, .len = 1 };
	ASSERT_TRUE(call_start(&self->c, SYS_recvfrom));
}

FIXTURE_TEARDOWN(pair)
{
	/* a thread still blocked: data ends its call */
	send(self->sv[1], "x", 1, MSG_NOSIGNAL);
	call_join(&self->c, RETURN_MS);
	close(self->sv[0]);
	close(self->sv[1]);
	close(self->null);
}

static void expect_eintr(struct __test_metadata *_metadata, struct call *c)
{
	ASSERT_TRUE(call_join(c, RETURN_MS));
	EXPECT_EQ(-1, c->ret);
	EXPECT_EQ(EINTR, c->err);
}

static void expect_blocked(struct __test_metadata *_metadata, struct call *c)
{
	EXPECT_FALSE(call_join(c, STILL_BLOCKED_MS));
}

TEST_F(pair, close_ends_the_call)
{
	errno = 1234;
	EXPECT_EQ(0, close(self->sv[0]));
	EXPECT_EQ(1234, errno);
	expect_eintr(_metadata, &self->c);
	EXPECT_EQ(-1, recv(self->sv[0], &byte, 1, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, close(self->sv[0]));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, close(-1));
	EXPECT_EQ(EBADF, errno);
}

TEST_F(pair, dup2_onto_the_socket_ends_the_call)
{
	struct stat st;

	errno = 1234;
	EXPECT_EQ(self->sv[0], dup2(self->null, self->sv[0]));
	EXPECT_EQ(1234, errno);
	expect_eintr(_metadata, &self->c);
	ASSERT_EQ(0, fstat(self->sv[0], &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0, fcntl(self->sv[0], F_GETFD));
}

TEST_F(pair, dup3_onto_the_socket_ends_the_call)
{
	EXPECT_EQ(self->sv[0], dup3(self->null, self->sv[0], O_CLOEXEC));
	expect_eintr(_metadata, &self->c);
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->sv[0], F_GETFD));
}

/* dup2/dup3 that fail leave the socket and its call alone. */
TEST_F(pair, failing_dups_leave_the_socket)
{
	int closed = dup(self->null);

	ASSERT_LE(0, closed);
	ASSERT_EQ(0, close(closed));
	EXPECT_EQ(-1, dup2(closed, self->sv[0]));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, dup3(self->null, self->sv[0], 0x4000000));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, dup3(self->sv[0], self->sv[0], 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(self->sv[0], dup2(self->sv[0], self->sv[0]));
	expect_blocked(_metadata, &self->c);
	EXPECT_EQ(1, send(self->sv[1], "y", 1, 0));
	ASSERT_TRUE(call_join(&self->c, RETURN_MS));
	EXPECT_EQ(1, self->c.ret);
}

/* close() of a pipe is close(2): a blocked read stays blocked. */
TEST(pipe_plain_close)
{
	struct call c = { .fn = do_read, .buf = &byte, .len = 1 };
	int p[2];

	ASSERT_EQ(0, pipe(p));
	c.fd = p[0];
	ASSERT_TRUE(call_start(&c, SYS_read));
	errno = 1234;
	EXPECT_EQ(0, close(p[0]));
	EXPECT_EQ(1234, errno);
	EXPECT_FALSE(call_join(&c, STILL_BLOCKED_MS));
	ASSERT_EQ(1, write(p[1], "z", 1));
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	EXPECT_EQ(1, c.ret);
	close(p[1]);
}

/* The fd of /dev/sockcancel in this process, or -1. */
static int device_fd(void)
{
	struct dirent *de;
	char link[64];
	int fd = -1;
	ssize_t n;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while (fd < 0 && (de = readdir(d))) {
		n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (n > 0 && (link[n] = 0, !strcmp(link, DEV_PATH)))
			fd = atoi(de->d_name);
	}
	closedir(d);
	return fd;
}

/*
 * The program closes the library's device fd and puts another file at its
 * number (as a program closing every fd would): the library opens the
 * device again rather than send its ioctls to that file.
 */
TEST_F(pair, program_closes_the_device_fd)
{
	int dev, t[2];

	/* the first close of a socket opens the device */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, t));
	EXPECT_EQ(0, close(t[0]));
	EXPECT_EQ(0, close(t[1]));
	dev = device_fd();
	ASSERT_LE(0, dev);
	EXPECT_EQ(0, close(dev));
	EXPECT_EQ(dev, dup2(self->null, dev));

	EXPECT_EQ(0, close(self->sv[0]));
	expect_eintr(_metadata, &self->c);
	close(dev);
}

TEST_HARNESS_MAIN
