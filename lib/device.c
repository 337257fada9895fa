// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * libsockcancel, device layer: the three ioctls of /dev/sockcancel, a
 * thread named by its id or by a pidfd.
 *
 * The device is opened on first use, once per process, with O_CLOEXEC, and
 * kept open. A failed open is not remembered: the next call tries again, so
 * loading the module later works without restarting the program. The path
 * is SOCKCANCEL_DEVICE from the environment (secure_getenv(): ignored in
 * set-uid programs) or /dev/sockcancel, read at each open attempt. The
 * open takes no lock (two threads opening it at once keep one fd), so that
 * sockcancel_close() may run in a signal handler.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/sockcancel.h>

#include "scl_internal.h"

static int dev_fd = -1;

const char *sockcancel_device_path(void)
{
	const char *path = secure_getenv(SOCKCANCEL_DEVICE_ENV);

	return path && *path ? path : SOCKCANCEL_DEFAULT_DEVICE;
}

int sockcancel_device_fd(void)
{
	int fd = __atomic_load_n(&dev_fd, __ATOMIC_ACQUIRE);
	int first = -1;

	if (fd >= 0)
		return fd;
	fd = open(sockcancel_device_path(), O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* another thread opened it meanwhile: use its fd, close ours */
	if (!__atomic_compare_exchange_n(&dev_fd, &first, fd, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		scl_sys_close(fd);
		fd = first;
	}
	return fd;
}

void scl_device_forget(int fd)
{
	int expected = fd;

	if (fd >= 0)
		__atomic_compare_exchange_n(&dev_fd, &expected, -1, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/*
 * How often a cancel is tried again when the module answers EAGAIN: the
 * target kept running inside its call for the module's whole wait (100 ms)
 * and nothing was done.
 */
#define EAGAIN_TRIES	10

static int dev_ioctl(int dev, unsigned long cmd, void *arg)
{
	int i, ret;

	for (i = 0; i < EAGAIN_TRIES; i++) {
		ret = ioctl(dev, cmd, arg);
		if (ret == 0 || errno != EAGAIN)
			break;
	}
	return ret;
}

static int thread_ioctl(unsigned long cmd, pid_t tid, unsigned int flags,
			int *op, int *fd)
{
	struct sockcancel_thread_arg arg;
	int dev = sockcancel_device_fd();

	if (dev < 0)
		return -1;
	memset(&arg, 0, sizeof(arg));
	arg.tid = tid;
	arg.flags = flags;
	if (dev_ioctl(dev, cmd, &arg) < 0)
		return -1;
	if (op)
		*op = (int)arg.op;
	if (fd)
		*fd = arg.fd;
	return 0;
}

int sockcancel_cancel(pid_t tid, unsigned int flags, int *op, int *fd)
{
	return thread_ioctl(SOCKCANCEL_IOC_CANCEL, tid, flags, op, fd);
}

int sockcancel_query(pid_t tid, int *op, int *fd)
{
	return thread_ioctl(SOCKCANCEL_IOC_QUERY, tid, 0, op, fd);
}

int sockcancel_cancel_pidfd(int pidfd, unsigned int flags, int *op, int *fd)
{
	return thread_ioctl(SOCKCANCEL_IOC_CANCEL, pidfd,
			    flags | SOCKCANCEL_TARGET_PIDFD, op, fd);
}

int sockcancel_query_pidfd(int pidfd, int *op, int *fd)
{
	return thread_ioctl(SOCKCANCEL_IOC_QUERY, pidfd,
			    SOCKCANCEL_TARGET_PIDFD, op, fd);
}

/* pidfd_open(2)'s flag for a thread's pidfd (Linux 6.9); O_EXCL's value */
#ifndef PIDFD_THREAD
#define PIDFD_THREAD	O_EXCL
#endif

int sockcancel_pidfd_open(pid_t tid)
{
	int fd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);

	if (fd >= 0 || errno != EINVAL)
		return fd;
	/* before 6.9 only a process pidfd, which names its main thread */
	return (int)syscall(SYS_pidfd_open, tid, 0);
}

int sockcancel_cancel_socket(int sock, unsigned int flags,
			     unsigned int *count)
{
	struct sockcancel_socket_arg arg;
	int dev = sockcancel_device_fd();

	if (dev < 0)
		return -1;
	memset(&arg, 0, sizeof(arg));
	arg.fd = sock;
	arg.flags = flags;
	if (dev_ioctl(dev, SOCKCANCEL_IOC_CANCEL_SOCKET, &arg) < 0)
		return -1;
	if (count)
		*count = arg.count;
	return 0;
}

const char *sockcancel_op_name(int op)
{
	static const char *const names[] = {
		[SOCKCANCEL_OP_NONE] = "none",
		[SOCKCANCEL_OP_RECV] = "recv",
		[SOCKCANCEL_OP_SEND] = "send",
		[SOCKCANCEL_OP_ACCEPT] = "accept",
		[SOCKCANCEL_OP_CONNECT] = "connect",
		[SOCKCANCEL_OP_POLL] = "poll",
	};

	if (op < 0 || (size_t)op >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[op];
}
