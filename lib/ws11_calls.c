// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * libsockcancel, Winsock 1.1 model: the blocking calls (ws11_recv,
 * ws11_send, ws11_accept, ws11_connect, ws11_select, ws11_closesocket).
 *
 * A call begins by registering the thread (ws11_registry.c), so other
 * threads can cancel it, runs its body, and ends by unregistering it.
 * Two ways to block:
 *   - no hook: one ordinary blocking syscall (a loop of them for
 *     all-or-nothing transfers). A cancel interrupts it through the module.
 *   - a hook installed for the thread, on a blocking socket: pseudo-
 *     blocking. The call waits in slices of SLICE_MS (poll), makes the
 *     operation non-blocking (MSG_DONTWAIT, or O_NONBLOCK around connect)
 *     and runs the hook between slices. The hook may cancel the call.
 * On an O_NONBLOCK socket every call makes one attempt, as in Winsock.
 *
 * Sends, and receives with MSG_WAITALL, on a blocking socket are
 * all-or-nothing: one that ends early after moving part of its data
 * resets the stream and records it as aborted (ws11_aborted.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>
#include <sys/socket.h>

#include "scl_internal.h"

/* Length of one wait of a pseudo-blocking call, in milliseconds. */
#define SLICE_MS		5

/* ---- helpers ----------------------------------------------------------- */

static bool is_stream(int sock)
{
	socklen_t len = sizeof(int);
	int type;

	return !getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) &&
	       type == SOCK_STREAM;
}

static void run_hook(void)
{
	scl_self.hook_again = scl_self.hook() != 0;
}

/*
 * Pseudo-blocking: wait up to one slice for @events on @sock, then run the
 * hook. Returns the events seen (0: none yet), or -1 with errno.
 */
static int wait_slice(int sock, short events)
{
	struct pollfd p = { .fd = sock, .events = events };
	int n;

	n = poll(&p, 1, scl_self.hook_again ? 0 : SLICE_MS);
	if (n < 0 && errno != EINTR)
		return -1;
	run_hook();
	return n > 0 ? p.revents : 0;
}

/*
 * One slice of a pseudo-blocking wait: 1 when @sock is ready for @events,
 * 0 not yet, SOCKET_ERROR (last error set) when the wait failed or the
 * hook cancelled the call.
 */
static int slice_ready(int sock, short events)
{
	int rev = wait_slice(sock, events);

	if (rev < 0)
		return scl_fail_errno(errno);
	if (scl_is_cancelled())
		return scl_fail_errno(EINTR);
	return rev != 0;
}

/* ---- one call: begin, body, end ---------------------------------------- */

struct call_args {
	int sock;
	void *buf;
	size_t len;
	int flags;
	bool is_send;
	struct sockaddr *addr;
	socklen_t *addrlen;
	socklen_t caddrlen;
	int nfds;
	fd_set *sets[3];
	struct timeval *timeout;
};

typedef long (*call_body)(struct call_args *a);

static void end_call(void *unused)
{
	(void)unused;
	scl_registry_remove();
	scl_self.in_call = false;
	__atomic_store_n(&scl_self.cancelled, 0, __ATOMIC_SEQ_CST);
}

static int begin_call(int sock)
{
	int fl = 0;

	if (scl_self.in_call)
		return scl_fail_wsa(WSAEINPROGRESS);
	if (sock >= 0) {
		fl = fcntl(sock, F_GETFL);
		if (fl < 0)
			return scl_fail_errno(errno);
		if (scl_is_aborted(sock))
			return scl_fail_wsa(WSAECONNABORTED);
	}
	scl_my_tid();
	scl_self.fd = sock;
	scl_self.nonblock = fl & O_NONBLOCK;
	scl_self.pseudo = scl_self.hook && !scl_self.nonblock;
	scl_self.hook_again = false;
	__atomic_store_n(&scl_self.cancelled, 0, __ATOMIC_SEQ_CST);
	scl_self.in_call = true;
	scl_registry_add();
	return 0;
}

static long run_call(int sock, call_body body, struct call_args *a)
{
	long ret;

	if (begin_call(sock))
		return SOCKET_ERROR;
	pthread_cleanup_push(end_call, NULL);
	ret = body(a);
	pthread_cleanup_pop(1);
	return ret;
}

/* ---- recv and send ----------------------------------------------------- */

static ssize_t xfer_once(struct call_args *a, size_t done)
{
	char *p = (char *)a->buf + done;
	int flags = a->flags;

	if (scl_self.pseudo)
		flags |= MSG_DONTWAIT;
	if (a->is_send)
		return send(a->sock, p, a->len - done, flags | MSG_NOSIGNAL);
	return recv(a->sock, p, a->len - done, flags);
}

/* A transfer ended with @err after moving @done bytes. */
static long xfer_fail(struct call_args *a, size_t done, bool all, int err)
{
	if (done && all && is_stream(a->sock))
		scl_reset_stream(a->sock);
	else if (err == ECONNABORTED && is_stream(a->sock))
		scl_mark_aborted(a->sock);
	return scl_fail_errno(err);
}

static long xfer_body(struct call_args *a)
{
	bool all = !scl_self.nonblock &&
		   (a->is_send || (a->flags & MSG_WAITALL));
	size_t done = 0;
	ssize_t n;
	int rev;

	for (;;) {
		if (scl_is_cancelled())
			return xfer_fail(a, done, all, EINTR);
		n = xfer_once(a, done);
		if (n > 0) {
			done += n;
			if (!all || done == a->len)
				return done;
			continue;
		}
		if (n == 0)	/* end of stream, or nothing asked */
			return done;
		if (errno == EAGAIN && scl_self.pseudo) {
			rev = wait_slice(a->sock, a->is_send ? POLLOUT : POLLIN);
			if (rev < 0)
				return xfer_fail(a, done, all, errno);
			continue;
		}
		/* a signal after part of a transfer: only a cancel stops it */
		if (errno == EINTR && done && !scl_is_cancelled())
			continue;
		return xfer_fail(a, done, all, errno);
	}
}

ssize_t ws11_recv(int sock, void *buf, size_t len, int flags)
{
	struct call_args a = { .sock = sock, .buf = buf, .len = len,
			       .flags = flags };

	return run_call(sock, xfer_body, &a);
}

ssize_t ws11_send(int sock, const void *buf, size_t len, int flags)
{
	struct call_args a = { .sock = sock, .buf = (void *)buf, .len = len,
			       .flags = flags, .is_send = true };

	return run_call(sock, xfer_body, &a);
}

/* ---- accept and connect ------------------------------------------------ */

static long accept_body(struct call_args *a)
{
	int ready, fd;

	for (;;) {
		if (scl_is_cancelled())
			return scl_fail_errno(EINTR);
		if (scl_self.pseudo) {
			ready = slice_ready(a->sock, POLLIN);
			if (ready == SOCKET_ERROR)
				return SOCKET_ERROR;
			if (!ready)
				continue;
		}
		/*
		 * Pseudo-blocking: another thread may take the connection
		 * between poll and accept; the accept then blocks as an
		 * ordinary call (cancellable from other threads only).
		 */
		fd = accept(a->sock, a->addr, a->addrlen);
		if (fd >= 0)
			return fd;
		if (errno == EAGAIN && scl_self.pseudo)
			continue;
		return scl_fail_errno(errno);
	}
}

int ws11_accept(int sock, struct sockaddr *addr, socklen_t *addrlen)
{
	struct call_args a = { .sock = sock, .addr = addr,
			       .addrlen = addrlen };

	return run_call(sock, accept_body, &a);
}

/* Start a connect without blocking; 0 done, -1 with errno (EINPROGRESS). */
static int connect_nowait(struct call_args *a)
{
	int fl = fcntl(a->sock, F_GETFL);
	int ret, err;

	if (fl < 0 || fcntl(a->sock, F_SETFL, fl | O_NONBLOCK))
		return -1;
	ret = connect(a->sock, a->addr, a->caddrlen);
	err = errno;
	fcntl(a->sock, F_SETFL, fl);
	errno = err;
	return ret;
}

static long connect_pseudo(struct call_args *a)
{
	socklen_t len = sizeof(int);
	int ready, soerr;

	if (!connect_nowait(a))
		return 0;
	if (errno != EINPROGRESS)
		return scl_fail_errno(errno);
	for (;;) {
		/* cancelled: the connection goes on in the background */
		ready = slice_ready(a->sock, POLLOUT);
		if (ready == SOCKET_ERROR)
			return SOCKET_ERROR;
		if (!ready)
			continue;
		if (getsockopt(a->sock, SOL_SOCKET, SO_ERROR, &soerr, &len))
			return scl_fail_errno(errno);
		return soerr ? scl_fail_errno(soerr) : 0;
	}
}

static long connect_body(struct call_args *a)
{
	if (scl_is_cancelled())
		return scl_fail_errno(EINTR);
	if (scl_self.pseudo)
		return connect_pseudo(a);
	if (connect(a->sock, a->addr, a->caddrlen))
		return scl_fail_errno(errno);
	return 0;
}

int ws11_connect(int sock, const struct sockaddr *addr, socklen_t addrlen)
{
	struct call_args a = { .sock = sock, .addr = (struct sockaddr *)addr,
			       .caddrlen = addrlen };

	return run_call(sock, connect_body, &a);
}

/* ---- select ------------------------------------------------------------ */

static long select_pseudo(struct call_args *a)
{
	long deadline = 0, left, now;
	struct timeval tv;
	fd_set copy[3];
	int i, n;

	if (a->timeout)
		deadline = scl_now_ms() + a->timeout->tv_sec * 1000L +
			   a->timeout->tv_usec / 1000;
	for (;;) {
		for (i = 0; i < 3; i++)
			if (a->sets[i])
				copy[i] = *a->sets[i];
		left = scl_self.hook_again ? 0 : SLICE_MS;
		now = scl_now_ms();
		if (a->timeout && deadline - now < left)
			left = deadline - now > 0 ? deadline - now : 0;
		tv.tv_sec = 0;
		tv.tv_usec = left * 1000;
		n = select(a->nfds, a->sets[0] ? &copy[0] : NULL,
			   a->sets[1] ? &copy[1] : NULL,
			   a->sets[2] ? &copy[2] : NULL, &tv);
		if (n < 0 && errno != EINTR)
			return scl_fail_errno(errno);
		if (n > 0 || (a->timeout && scl_now_ms() >= deadline)) {
			for (i = 0; i < 3; i++)
				if (a->sets[i])
					*a->sets[i] = copy[i];
			return n > 0 ? n : 0;
		}
		run_hook();
		if (scl_is_cancelled())
			return scl_fail_errno(EINTR);
	}
}

static long select_body(struct call_args *a)
{
	int n;

	if (scl_is_cancelled())
		return scl_fail_errno(EINTR);
	if (scl_self.pseudo)
		return select_pseudo(a);
	n = select(a->nfds, a->sets[0], a->sets[1], a->sets[2], a->timeout);
	return n < 0 ? scl_fail_errno(errno) : n;
}

int ws11_select(int nfds, fd_set *readfds, fd_set *writefds,
		fd_set *exceptfds, struct timeval *timeout)
{
	struct call_args a = { .nfds = nfds,
			       .sets = { readfds, writefds, exceptfds },
			       .timeout = timeout };

	/* a select is never blocking on a socket of its own: sock -1 */
	return run_call(-1, select_body, &a);
}

/* ---- closesocket ------------------------------------------------------- */

int ws11_closesocket(int sock)
{
	if (scl_self.in_call)
		return scl_fail_wsa(WSAEINPROGRESS);
	scl_cancel_calls_on(sock);
	scl_forget_aborted(sock);
	/* also releases calls made outside ws11, and those entering now */
	if (sockcancel_close(sock))
		return scl_fail_errno(errno);
	return 0;
}
