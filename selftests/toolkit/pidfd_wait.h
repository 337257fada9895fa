/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: the in-kernel series' interface (upstream/, the ioctls
 * PIDFD_GET_SOCKET_WAIT and PIDFD_CANCEL_SOCKET_WAIT on a pidfd), the one
 * way the limit tests and the benchmark call it. The uapi is written out
 * here because no installed header has it yet (it is the patched kernel's
 * include/uapi/linux/pidfd.h).
 */
#ifndef TOOLKIT_PIDFD_WAIT_H
#define TOOLKIT_PIDFD_WAIT_H

#include <fcntl.h>
#include <stdbool.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <linux/types.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/* struct pidfd_socket_wait.op */
#define PIDFD_SOCKET_WAIT_NONE		0
#define PIDFD_SOCKET_WAIT_RECV		1
#define PIDFD_SOCKET_WAIT_SEND		2
#define PIDFD_SOCKET_WAIT_ACCEPT	3
#define PIDFD_SOCKET_WAIT_CONNECT	4
#define PIDFD_SOCKET_WAIT_POLL		5

struct pidfd_socket_wait {
	__u64 seq;
	__u32 flags;
	__u32 op;
	__s32 fd;
	__u32 pad;
};

#define PIDFD_GET_SOCKET_WAIT	_IOWR(0xFF, 12, struct pidfd_socket_wait)
#define PIDFD_CANCEL_SOCKET_WAIT _IOWR(0xFF, 13, struct pidfd_socket_wait)

/* A pidfd of @tid (PIDFD_THREAD: that very thread). */
static inline int pidfd_of(pid_t tid, unsigned int flags)
{
	return syscall(SYS_pidfd_open, tid, flags);
}

/* GET or CANCEL (@cmd) of call @seq (0: the current one); @out may be NULL. */
static inline int sw_ioctl(int pidfd, unsigned long cmd, __u64 seq,
			   struct pidfd_socket_wait *out)
{
	struct pidfd_socket_wait arg = { .seq = seq };
	int ret;

	ret = ioctl(pidfd, cmd, &arg);
	if (out)
		*out = arg;
	return ret;
}

/*
 * Does the running kernel have the series' ioctls? The request also
 * switches the series' marking of socket calls on (it marks none before
 * the first request since boot): call this before a thread blocks.
 */
static inline bool have_series(void)
{
	int pidfd = pidfd_of(syscall(SYS_gettid), PIDFD_THREAD);
	bool ok;

	if (pidfd < 0)
		return false;
	ok = !sw_ioctl(pidfd, PIDFD_GET_SOCKET_WAIT, 0, NULL);
	close(pidfd);
	return ok;
}

#endif /* TOOLKIT_PIDFD_WAIT_H */
