/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: /dev/sockcancel and thin wrappers over its three ioctls.
 * Output fields are pre-filled with 0xcc, so a test sees what the kernel
 * wrote.
 */
#ifndef TOOLKIT_DEVICE_H
#define TOOLKIT_DEVICE_H

#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <linux/sockcancel.h>

#define DEV_PATH "/dev/sockcancel"

static inline int open_dev(void)
{
	return open(DEV_PATH, O_RDWR | O_CLOEXEC);
}

/* CANCEL or QUERY (@cmd) of thread @tid; @out (may be NULL) the answer. */
static inline int thread_ioctl(int dev, unsigned long cmd, pid_t tid,
			       __u32 flags, struct sockcancel_thread_arg *out)
{
	struct sockcancel_thread_arg arg;
	int ret;

	memset(&arg, 0xcc, sizeof(arg));
	arg.tid = tid;
	arg.flags = flags;
	ret = ioctl(dev, cmd, &arg);
	if (out)
		*out = arg;
	return ret;
}

static inline int sc_cancel(int dev, pid_t tid, __u32 flags,
			    struct sockcancel_thread_arg *out)
{
	return thread_ioctl(dev, SOCKCANCEL_IOC_CANCEL, tid, flags, out);
}

static inline int sc_query(int dev, pid_t tid,
			   struct sockcancel_thread_arg *out)
{
	return thread_ioctl(dev, SOCKCANCEL_IOC_QUERY, tid, 0, out);
}

/* CANCEL_SOCKET of the caller's socket @fd; @count (may be NULL). */
static inline int sc_cancel_socket(int dev, int fd, __u32 flags,
				   __u32 *count)
{
	struct sockcancel_socket_arg arg = { .fd = fd, .flags = flags };
	int ret;

	arg.count = 0xcccccccc;
	ret = ioctl(dev, SOCKCANCEL_IOC_CANCEL_SOCKET, &arg);
	if (count)
		*count = arg.count;
	return ret;
}

#endif /* TOOLKIT_DEVICE_H */
