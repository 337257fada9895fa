// SPDX-License-Identifier: GPL-2.0
/*
 * libsockcancel, thin layer: the three ioctls of /dev/sockcancel.
 *
 * The device is opened on first use, once per process, with O_CLOEXEC, and
 * kept open. A failed open is not remembered: the next call tries again, so
 * loading the module later works without restarting the program. The path
 * is SOCKCANCEL_DEVICE from the environment (secure_getenv(): ignored in
 * set-uid programs) or /dev/sockcancel, read at each open attempt.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/sockcancel.h>

#include "sockcancel.h"

_Static_assert(SCL_OP_NONE == SOCKCANCEL_OP_NONE, "op none");
_Static_assert(SCL_OP_RECV == SOCKCANCEL_OP_RECV, "op recv");
_Static_assert(SCL_OP_SEND == SOCKCANCEL_OP_SEND, "op send");
_Static_assert(SCL_OP_ACCEPT == SOCKCANCEL_OP_ACCEPT, "op accept");
_Static_assert(SCL_OP_CONNECT == SOCKCANCEL_OP_CONNECT, "op connect");
_Static_assert(SCL_OP_POLL == SOCKCANCEL_OP_POLL, "op poll");
_Static_assert(SCL_RESET_ON_PARTIAL == SOCKCANCEL_RESET_ON_PARTIAL, "flag");

static pthread_mutex_t dev_lock = PTHREAD_MUTEX_INITIALIZER;
static int dev_fd = -1;

const char *sockcancel_device_path(void)
{
	const char *path = secure_getenv(SOCKCANCEL_DEVICE_ENV);

	return path && *path ? path : SOCKCANCEL_DEFAULT_DEVICE;
}

int sockcancel_device_fd(void)
{
	int fd = __atomic_load_n(&dev_fd, __ATOMIC_ACQUIRE);
	int err = 0;

	if (fd >= 0)
		return fd;

	pthread_mutex_lock(&dev_lock);
	fd = dev_fd;
	if (fd < 0) {
		fd = open(sockcancel_device_path(), O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			__atomic_store_n(&dev_fd, fd, __ATOMIC_RELEASE);
		else
			err = errno;
	}
	pthread_mutex_unlock(&dev_lock);
	if (fd < 0)
		errno = err;
	return fd;
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
	if (ioctl(dev, cmd, &arg) < 0)
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
	if (ioctl(dev, SOCKCANCEL_IOC_CANCEL_SOCKET, &arg) < 0)
		return -1;
	if (count)
		*count = arg.count;
	return 0;
}

const char *sockcancel_op_name(int op)
{
	static const char *const names[] = {
		[SCL_OP_NONE] = "none",
		[SCL_OP_RECV] = "recv",
		[SCL_OP_SEND] = "send",
		[SCL_OP_ACCEPT] = "accept",
		[SCL_OP_CONNECT] = "connect",
		[SCL_OP_POLL] = "poll",
	};

	if (op < 0 || (size_t)op >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[op];
}
