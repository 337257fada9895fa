/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: the syscall a C library call sleeps in, for wait_blocked_in()
 * and call_start(). The generic syscall table (arm64) has no poll, select or
 * epoll_wait: glibc makes poll() as ppoll, select() as pselect6,
 * epoll_wait() as epoll_pwait and pause() as a ppoll of no fds there.
 * sys_select() makes select(2) where there is one.
 */
#ifndef TOOLKIT_SYSCALLS_H
#define TOOLKIT_SYSCALLS_H

#include <unistd.h>
#include <sys/select.h>
#include <sys/syscall.h>

#ifdef SYS_poll
#define NR_POLL		SYS_poll
#define NR_EPOLL_WAIT	SYS_epoll_wait
#define NR_PAUSE	SYS_pause
#else
#define NR_POLL		SYS_ppoll
#define NR_EPOLL_WAIT	SYS_epoll_pwait
#define NR_PAUSE	SYS_ppoll
#endif

#ifdef SYS_select
#define NR_SELECT	SYS_select
#else
#define NR_SELECT	SYS_pselect6
#endif

static inline long sys_select(int n, fd_set *r, fd_set *w, fd_set *e,
			      struct timeval *tv)
{
#ifdef SYS_select
	return syscall(SYS_select, n, r, w, e, tv);
#else
	return select(n, r, w, e, tv);
#endif
}

#endif /* TOOLKIT_SYSCALLS_H */
