/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * sockcancel: cancel another thread's blocking socket call.
 *
 * The device /dev/sockcancel takes three ioctls. CANCEL and QUERY name a
 * thread by its id in the caller's pid namespace; CANCEL_SOCKET names a
 * socket by a file descriptor of the caller. A cancelled call returns -1
 * with errno EINTR and is never restarted. See Documentation/sockcancel.rst.
 */
#ifndef __LINUX_SOCKCANCEL_H
#define __LINUX_SOCKCANCEL_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* What the thread is blocked in (sockcancel_thread_arg.op). */
#define SOCKCANCEL_OP_NONE	0	/* not in a blocking socket call */
#define SOCKCANCEL_OP_RECV	1	/* recv*, read, readv on a socket */
#define SOCKCANCEL_OP_SEND	2	/* send*, write, writev on a socket */
#define SOCKCANCEL_OP_ACCEPT	3	/* accept, accept4 */
#define SOCKCANCEL_OP_CONNECT	4	/* connect */
#define SOCKCANCEL_OP_POLL	5	/* select, pselect6, poll, ppoll */

/*
 * Reset a stream socket when the cancelled call had transferred part of
 * its data (Winsock all-or-nothing semantics).
 */
#define SOCKCANCEL_RESET_ON_PARTIAL	(1U << 0)

/*
 * CANCEL and QUERY: sockcancel_thread_arg.tid is a pidfd of the caller
 * (pidfd_open(2); with PIDFD_THREAD a thread, else the process's main
 * thread), which cannot come to name another thread.
 */
#define SOCKCANCEL_TARGET_PIDFD		(1U << 1)

struct sockcancel_thread_arg {
	__s32 tid;	/* in: thread id in the caller's pid namespace, or a
			 * pidfd with SOCKCANCEL_TARGET_PIDFD
			 */
	__u32 flags;	/* in: SOCKCANCEL_TARGET_PIDFD, and
			 * SOCKCANCEL_RESET_ON_PARTIAL (CANCEL only)
			 */
	__u32 op;	/* out: SOCKCANCEL_OP_* */
	__s32 fd;	/* out: the socket's fd in the target, -1 for poll */
};

struct sockcancel_socket_arg {
	__s32 fd;	/* in: a socket fd of the caller */
	__u32 flags;	/* in: SOCKCANCEL_RESET_ON_PARTIAL */
	__u32 count;	/* out: number of calls cancelled */
	__u32 pad;	/* in: must be zero */
};

#define SOCKCANCEL_IOC_MAGIC	0xC5

#define SOCKCANCEL_IOC_CANCEL		_IOWR(SOCKCANCEL_IOC_MAGIC, 0x00, \
					      struct sockcancel_thread_arg)
#define SOCKCANCEL_IOC_QUERY		_IOWR(SOCKCANCEL_IOC_MAGIC, 0x01, \
					      struct sockcancel_thread_arg)
#define SOCKCANCEL_IOC_CANCEL_SOCKET	_IOWR(SOCKCANCEL_IOC_MAGIC, 0x02, \
					      struct sockcancel_socket_arg)

#endif /* __LINUX_SOCKCANCEL_H */
