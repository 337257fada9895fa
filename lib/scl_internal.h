/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * libsockcancel internals: what its files share and do not export (the
 * exported functions are those libsockcancel.h declares).
 *
 *   ws11_thread.c    the calling thread's state in the Winsock 1.1 model
 *   ws11_registry.c  the registry of outstanding ws11_ calls, through which
 *                    other threads find and cancel them
 *   ws11_aborted.c   the sockets reset for integrity loss
 *   wsa_errors.c     the WSAE* codes of a failed cancel
 *   device.c         the device fd, forgotten when the program closes it
 *   close.c          closesocket semantics, shared with the preload
 *                    library libsockcancel-close.so (preload_close.c)
 */
#ifndef SCL_INTERNAL_H
#define SCL_INTERNAL_H

#include <stdbool.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include "libsockcancel.h"

#pragma GCC visibility push(hidden)

/*
 * One per thread, in thread-local storage (scl_self). While a ws11_ call
 * runs it is linked into the registry; other threads read it there under
 * the registry lock, and write only its cancel flag.
 */
struct scl_thread {
	struct scl_thread *next;	/* registry link while in a call */
	pid_t tid;
	unsigned long gen;		/* which call, set under the registry lock */
	int fd;				/* socket of the call, -1 for select */
	bool in_call;
	bool pseudo;			/* this call is pseudo-blocking */
	bool nonblock;			/* the socket is O_NONBLOCK */
	bool hook_again;		/* the hook asked to run again at once */
	int cancelled;			/* atomic; written by any thread */
	int last_error;
	ws11_blocking_hook hook;
};

extern __thread struct scl_thread scl_self;

/* CLOCK_MONOTONIC in milliseconds, for time-outs. */
static inline long scl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* ---- ws11_thread.c ----------------------------------------------------- */

/* The calling thread's id, cached in scl_self. */
pid_t scl_my_tid(void);
/* Set the last error to @wsa; returns SOCKET_ERROR. */
int scl_fail_wsa(int wsa);
/* The same for errno @err (EAGAIN on a blocking socket: WSAETIMEDOUT). */
int scl_fail_errno(int err);
/* Has another thread (or the hook) cancelled the current call? */
bool scl_is_cancelled(void);

/* ---- ws11_registry.c --------------------------------------------------- */

/* Link / unlink the calling thread's call (scl_self) in the registry. */
void scl_registry_add(void);
void scl_registry_remove(void);
/* Is thread @tid in a registered call? Then which one, and how it blocks. */
bool scl_registry_find(pid_t tid, unsigned long *gen, bool *pseudo);
/* Cancel registered call @gen of thread @tid; 0 or a WSAE* code. */
int scl_cancel_registered(pid_t tid, unsigned long gen, bool pseudo);
/* Cancel every other thread's call on @sock (closesocket). */
void scl_cancel_calls_on(int sock);

/* ---- ws11_aborted.c ---------------------------------------------------- */

/* Reset a stream whose integrity is lost, and record it as aborted. */
void scl_reset_stream(int sock);
void scl_mark_aborted(int sock);
bool scl_is_aborted(int sock);
void scl_forget_aborted(int sock);

/* ---- device.c ---------------------------------------------------------- */

/* The program closed or replaced fd @fd: if it was the device, open anew. */
void scl_device_forget(int fd);

/*
 * close(2) and dup3(2) as system calls: never through an interposed
 * close() or dup3() (libsockcancel-close.so), and no cancellation points.
 */
static inline int scl_sys_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

static inline int scl_sys_dup3(int oldfd, int newfd, int flags)
{
	return (int)syscall(SYS_dup3, oldfd, newfd, flags);
}

/* ---- close.c ----------------------------------------------------------- */

/*
 * Steps 1 to 4 of closing socket fd @fd the Windows way (close.c): @fd
 * then names a dead socket and every call on the socket has been
 * cancelled. Returns the spare fd that still names the socket, which the
 * caller closes after it closed or replaced @fd; -1 when there was nothing
 * to do (not a socket, a single thread, no device) or no fd to spare
 * (then the calls blocked now were cancelled). errno is not preserved.
 */
int scl_evict(int fd);
/* Put the socket back at @fd after a failed replacement (dup2, dup3). */
void scl_restore(int spare, int fd);

/* ---- wsa_errors.c ------------------------------------------------------ */

/* The WSAE* code for a failure to open the device (errno @err). */
int scl_wsa_device_error(int err);
/* The WSAE* code for a failed SOCKCANCEL_IOC_CANCEL (errno @err). */
int scl_wsa_cancel_error(int err);

#pragma GCC visibility pop

#endif /* SCL_INTERNAL_H */
