// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * libsockcancel, close layer: sockcancel_close(), close(2) with the
 * semantics of Windows' closesocket(): every call of the process blocked
 * on the socket returns (EINTR), a thread that enters a call on the fd
 * while the close runs does not block, then the socket is closed. The
 * preload library libsockcancel-close.so (preload_close.c) gives close(),
 * dup2() and dup3() the same semantics through scl_evict().
 *
 * Socket S at fd N is closed in five steps:
 *
 *   1. spare = F_DUPFD_CLOEXEC(N): S stays reachable after N is given away;
 *   2. dup3(D, N): N names D, a new unconnected AF_UNIX stream socket, on
 *      which every call fails at once (recv, read, accept, connect to an
 *      inet address: EINVAL; send, write: ENOTCONN, and no SIGPIPE; poll
 *      and select see POLLHUP); a thread that looks N up from now on never
 *      reaches S. N keeps its FD_CLOEXEC flag;
 *   3. SOCKCANCEL_IOC_CANCEL_SOCKET on N: the module finds every call that
 *      names fd N by the file N names now (D): also the calls that looked N
 *      up before step 2 and sleep on S, the threads still on their way
 *      from that lookup into their sleep (the module waits for a thread
 *      running inside a call on the socket), and every select and poll
 *      watching N;
 *   4. SOCKCANCEL_IOC_CANCEL_SOCKET on spare: the calls on S through other
 *      fds, and those asleep on S whose fd was closed or replaced earlier
 *      (found on the socket's wait queue);
 *   5. close spare, then N.
 *
 * What remains: a thread that enters, between step 3 and step 5, a call
 * that can block on D: select() watching N only for exceptional
 * conditions, or connect() to an AF_UNIX listener whose backlog is full;
 * it blocks as after close(2). A call that looked N up before step 2 and
 * runs inside the kernel for the module's whole wait (100 ms, ten tries)
 * without sleeping is not cancelled and may then sleep on S.
 *
 * With one thread, no call can be blocked: plain close. So too without
 * the device. Without two spare fds (EMFILE) the calls blocked on S are
 * cancelled through N and N is closed: a call entering in between is not
 * found.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/single_threaded.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "scl_internal.h"

/* dup3's flag for fd @fd's FD_CLOEXEC */
static int cloexec_of(int fd)
{
	int fdflags = fcntl(fd, F_GETFD);

	return fdflags >= 0 && (fdflags & FD_CLOEXEC) ? O_CLOEXEC : 0;
}

int scl_evict(int fd)
{
	int spare, dead = -1;
	struct stat st;

	if (__libc_single_threaded || fstat(fd, &st) || !S_ISSOCK(st.st_mode) ||
	    sockcancel_device_fd() < 0)
		return -1;
	spare = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (spare >= 0)
		dead = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (dead >= 0 && scl_sys_dup3(dead, fd, cloexec_of(fd)) < 0) {
		scl_sys_close(dead);
		dead = -1;
	}
	if (dead < 0) {
		if (spare >= 0)
			scl_sys_close(spare);
		sockcancel_cancel_socket(fd, 0, NULL);
		return -1;
	}
	scl_sys_close(dead);
	sockcancel_cancel_socket(fd, 0, NULL);
	sockcancel_cancel_socket(spare, 0, NULL);
	return spare;
}

void scl_restore(int spare, int fd)
{
	scl_sys_dup3(spare, fd, cloexec_of(fd));
}

int sockcancel_close(int fd)
{
	int saved = errno, spare = scl_evict(fd);

	if (spare >= 0)
		scl_sys_close(spare);
	errno = saved;
	return scl_sys_close(fd);
}
