// SPDX-License-Identifier: GPL-2.0
/*
 * libsockcancel: the Winsock view (wsp_*, wsa_is_blocking) and the
 * Winsock 1.1 blocking model (wsk_*).
 *
 * Every thread has one struct wsk_thread in thread-local storage. While a
 * wsk_ blocking call runs, that struct is linked into a process-wide
 * registry, so other threads can see that the call is outstanding and ask
 * it to stop: they set its cancel flag and, for a call sleeping in the
 * kernel, interrupt the syscall through /dev/sockcancel. The thread checks
 * the flag before and after every syscall it makes for the call.
 *
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
 * all-or-nothing. If such a transfer ends early after moving part of its
 * data (a cancel, a time-out, an error), the stream's integrity is lost:
 * the connection is reset (SO_LINGER {1, 0} and an AF_UNSPEC connect,
 * which makes TCP send a RST; shutdown(SHUT_RDWR) for other streams) and
 * the socket is recorded as aborted. Every later wsk_ call on it except
 * wsk_closesocket fails with WSAECONNABORTED. A socket on which the kernel
 * reports ECONNABORTED (the module's reset-on-partial) is recorded too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "sockcancel.h"

/* Length of one wait of a pseudo-blocking call, in milliseconds. */
#define SLICE_MS		5
/* How long a cancel keeps trying to catch a call entering the kernel. */
#define CANCEL_RETRY_MS		2000

struct wsk_thread {
	struct wsk_thread *next;	/* registry link while in a call */
	pid_t tid;
	unsigned long gen;		/* which call, set under reg_lock */
	int fd;				/* socket of the call, -1 for select */
	bool in_call;
	bool in_hook;
	bool pseudo;			/* this call is pseudo-blocking */
	bool nonblock;			/* the socket is O_NONBLOCK */
	bool hook_again;		/* the hook asked to run again at once */
	int cancelled;			/* atomic; written by any thread */
	int last_error;
	wsk_blocking_hook hook;
};

static __thread struct wsk_thread self;

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wsk_thread *reg_head;
static unsigned long reg_gen;

/* ---- small helpers ----------------------------------------------------- */

static pid_t my_tid(void)
{
	if (!self.tid)
		self.tid = gettid();
	return self.tid;
}

static int fail_wsa(int wsa)
{
	self.last_error = wsa;
	return SOCKET_ERROR;
}

/*
 * errno -> last error. EAGAIN on a blocking socket means SO_RCVTIMEO or
 * SO_SNDTIMEO expired: Winsock reports that as WSAETIMEDOUT.
 */
static int fail_errno(int err)
{
	if (err == EAGAIN && !self.nonblock)
		return fail_wsa(WSAETIMEDOUT);
	return fail_wsa(wsa_error_from_errno(err));
}

static bool is_cancelled(void)
{
	return __atomic_load_n(&self.cancelled, __ATOMIC_SEQ_CST);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static bool is_stream(int sock)
{
	socklen_t len = sizeof(int);
	int type;

	return !getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) &&
	       type == SOCK_STREAM;
}

/* ---- the aborted-socket table ------------------------------------------ */

/*
 * Sockets reset for integrity loss. An entry names the socket by fd and by
 * its inode, so a stale entry (the fd closed with close() and reused) is
 * recognised and dropped. ab_count lets the common case skip the lock.
 */
struct aborted {
	int fd;
	dev_t dev;
	ino_t ino;
};

static pthread_mutex_t ab_lock = PTHREAD_MUTEX_INITIALIZER;
static struct aborted *ab_tab;
static size_t ab_len, ab_cap;
static int ab_count;

static void ab_remove_at(size_t i)
{
	ab_tab[i] = ab_tab[--ab_len];
	__atomic_store_n(&ab_count, (int)ab_len, __ATOMIC_SEQ_CST);
}

static void mark_aborted(int sock)
{
	struct stat st;
	size_t i;

	if (fstat(sock, &st))
		return;
	pthread_mutex_lock(&ab_lock);
	for (i = 0; i < ab_len && ab_tab[i].fd != sock; i++)
		;
	if (i == ab_len && ab_len == ab_cap) {
		size_t cap = ab_cap ? ab_cap * 2 : 8;
		struct aborted *t = realloc(ab_tab, cap * sizeof(*t));

		if (!t)
			goto out;	/* the reset itself still stands */
		ab_tab = t;
		ab_cap = cap;
	}
	if (i == ab_len)
		ab_len++;
	ab_tab[i].fd = sock;
	ab_tab[i].dev = st.st_dev;
	ab_tab[i].ino = st.st_ino;
	__atomic_store_n(&ab_count, (int)ab_len, __ATOMIC_SEQ_CST);
out:
	pthread_mutex_unlock(&ab_lock);
}

static bool is_aborted(int sock)
{
	bool ret = false;
	struct stat st;
	size_t i;

	if (!__atomic_load_n(&ab_count, __ATOMIC_SEQ_CST) || fstat(sock, &st))
		return false;
	pthread_mutex_lock(&ab_lock);
	for (i = 0; i < ab_len; i++) {
		if (ab_tab[i].fd != sock)
			continue;
		if (ab_tab[i].dev == st.st_dev && ab_tab[i].ino == st.st_ino)
			ret = true;
		else
			ab_remove_at(i);
		break;
	}
	pthread_mutex_unlock(&ab_lock);
	return ret;
}

static void forget_aborted(int sock)
{
	size_t i;

	pthread_mutex_lock(&ab_lock);
	for (i = 0; i < ab_len; i++) {
		if (ab_tab[i].fd == sock) {
			ab_remove_at(i);
			break;
		}
	}
	pthread_mutex_unlock(&ab_lock);
}

/* Reset a stream whose integrity is lost, and remember it. */
static void reset_stream(int sock)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	int saved = errno;

	setsockopt(sock, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	/* TCP: tcp_disconnect() sends a RST; others refuse AF_UNSPEC */
	if (connect(sock, &sa, sizeof(sa)))
		shutdown(sock, SHUT_RDWR);
	mark_aborted(sock);
	errno = saved;
}

/* ---- the registry of outstanding calls --------------------------------- */

static void reg_link(void)
{
	pthread_mutex_lock(&reg_lock);
	self.gen = ++reg_gen;
	self.next = reg_head;
	reg_head = &self;
	pthread_mutex_unlock(&reg_lock);
}

static void reg_unlink(void)
{
	struct wsk_thread **p;

	pthread_mutex_lock(&reg_lock);
	for (p = &reg_head; *p; p = &(*p)->next) {
		if (*p == &self) {
			*p = self.next;
			break;
		}
	}
	self.next = NULL;
	pthread_mutex_unlock(&reg_lock);
}

/* Under reg_lock: the outstanding call of thread @tid, or NULL. */
static struct wsk_thread *reg_find(pid_t tid)
{
	struct wsk_thread *t;

	for (t = reg_head; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

/* Under reg_lock: is call @gen of @tid still outstanding? */
static bool reg_still(pid_t tid, unsigned long gen)
{
	struct wsk_thread *t = reg_find(tid);

	return t && t->gen == gen;
}

/* In the child of fork() only the forking thread exists. */
static void reg_atfork_prepare(void)
{
	pthread_mutex_lock(&reg_lock);
}

static void reg_atfork_parent(void)
{
	pthread_mutex_unlock(&reg_lock);
}

static void reg_atfork_child(void)
{
	reg_head = self.in_call ? &self : NULL;
	self.next = NULL;
	self.tid = 0;
	if (self.in_call)
		my_tid();
	pthread_mutex_unlock(&reg_lock);
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void install_atfork(void)
{
	pthread_atfork(reg_atfork_prepare, reg_atfork_parent,
		       reg_atfork_child);
}

/* The WSAE* code for a failure to open the device (errno @err). */
static int device_error(int err)
{
	return err == EACCES || err == EPERM ? WSAEACCES : WSAENETDOWN;
}

static int ioctl_error(int err)
{
	switch (err) {
	case ENOENT:	/* no outstanding blocking call */
	case ESRCH:	/* no such thread: it has no call outstanding */
	case EINVAL:	/* tid <= 0, kernel thread */
		return WSAEINVAL;
	case EPERM:	/* not ptrace-permitted, or own_process_only */
		return WSAEACCES;
	default:
		return wsa_error_from_errno(err);
	}
}

/*
 * Cancel call @gen of registered thread @tid; 0 or a WSAE* code. A
 * pseudo-blocking call sees the flag within a slice; the module only
 * shortens the wait in progress. A blocking call may be between its last
 * flag check and the kernel: keep interrupting until the module catches it
 * or the call is over.
 */
static int cancel_registered(pid_t tid, unsigned long gen, bool pseudo)
{
	long deadline = now_ms() + CANCEL_RETRY_MS;
	struct wsk_thread *t;
	bool live;

	if (!pseudo && sockcancel_device_fd() < 0)
		return device_error(errno);

	pthread_mutex_lock(&reg_lock);
	t = reg_find(tid);
	live = t && t->gen == gen;
	if (live)
		__atomic_store_n(&t->cancelled, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&reg_lock);
	if (!live)
		return 0;	/* completed just before the cancel */

	for (;;) {
		if (!sockcancel_cancel(tid, 0, NULL, NULL) || pseudo)
			return 0;
		if (errno == ESRCH)
			return 0;	/* exited: nothing left to cancel */
		if (errno != ENOENT)
			return ioctl_error(errno);
		pthread_mutex_lock(&reg_lock);
		live = reg_still(tid, gen);
		pthread_mutex_unlock(&reg_lock);
		if (!live || now_ms() > deadline)
			return 0;
		usleep(200);
	}
}

/* ---- Winsock SPI ------------------------------------------------------- */

int wsp_cancel_blocking_call(pid_t tid, int *err)
{
	struct wsk_thread *t;
	unsigned long gen = 0;
	bool found, pseudo = false;
	int wsa = 0;

	if (tid <= 0) {
		wsa = WSAEINVAL;
		goto out;
	}
	if (tid == my_tid()) {
		if (wsk_cancel_blocking_call())
			wsa = self.last_error;
		goto out;
	}

	pthread_mutex_lock(&reg_lock);
	t = reg_find(tid);
	found = t != NULL;
	if (found) {
		gen = t->gen;
		pseudo = t->pseudo;
	}
	pthread_mutex_unlock(&reg_lock);

	if (found) {
		wsa = cancel_registered(tid, gen, pseudo);
		goto out;
	}

	if (sockcancel_device_fd() < 0) {
		wsa = device_error(errno);
		goto out;
	}
	/* a raw call, maybe in another process: the module keeps integrity */
	if (sockcancel_cancel(tid, SCL_RESET_ON_PARTIAL, NULL, NULL) &&
	    (errno != EOPNOTSUPP || sockcancel_cancel(tid, 0, NULL, NULL)))
		wsa = ioctl_error(errno);
out:
	if (err)
		*err = wsa;
	return wsa ? SOCKET_ERROR : 0;
}

int wsa_is_blocking(pid_t tid)
{
	bool found;
	int op;

	if (tid == my_tid())
		return self.in_call;
	pthread_mutex_lock(&reg_lock);
	found = reg_find(tid) != NULL;
	pthread_mutex_unlock(&reg_lock);
	if (found)
		return 1;
	return !sockcancel_query(tid, &op, NULL) && op != SCL_OP_NONE;
}

/* ---- hooks and per-thread state ---------------------------------------- */

wsk_blocking_hook wsk_set_blocking_hook(wsk_blocking_hook hook)
{
	wsk_blocking_hook prev = self.hook;

	if (self.in_call) {
		fail_wsa(WSAEINPROGRESS);
		return NULL;
	}
	self.hook = hook;
	return prev;
}

int wsk_unhook_blocking_hook(void)
{
	if (self.in_call)
		return fail_wsa(WSAEINPROGRESS);
	self.hook = NULL;
	return 0;
}

int wsk_cancel_blocking_call(void)
{
	if (!self.in_call)
		return fail_wsa(WSAEINVAL);
	__atomic_store_n(&self.cancelled, 1, __ATOMIC_SEQ_CST);
	return 0;
}

int wsk_is_blocking(void)
{
	return self.in_call;
}

int wsk_get_last_error(void)
{
	return self.last_error;
}

void wsk_set_last_error(int err)
{
	self.last_error = err;
}

static void run_hook(void)
{
	self.in_hook = true;
	self.hook_again = self.hook() != 0;
	self.in_hook = false;
}

/*
 * Pseudo-blocking: wait up to one slice for @events on @sock, then run the
 * hook. Returns the events seen (0: none yet), or -1 with errno.
 */
static int wait_slice(int sock, short events)
{
	struct pollfd p = { .fd = sock, .events = events };
	int n;

	n = poll(&p, 1, self.hook_again ? 0 : SLICE_MS);
	if (n < 0 && errno != EINTR)
		return -1;
	run_hook();
	return n > 0 ? p.revents : 0;
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
	reg_unlink();
	self.in_call = false;
	__atomic_store_n(&self.cancelled, 0, __ATOMIC_SEQ_CST);
}

static int begin_call(int sock)
{
	int fl = 0;

	if (self.in_call)
		return fail_wsa(WSAEINPROGRESS);
	if (sock >= 0) {
		fl = fcntl(sock, F_GETFL);
		if (fl < 0)
			return fail_errno(errno);
		if (is_aborted(sock))
			return fail_wsa(WSAECONNABORTED);
	}
	pthread_once(&atfork_once, install_atfork);
	my_tid();
	self.fd = sock;
	self.nonblock = fl & O_NONBLOCK;
	self.pseudo = self.hook && !self.nonblock;
	self.hook_again = false;
	__atomic_store_n(&self.cancelled, 0, __ATOMIC_SEQ_CST);
	self.in_call = true;
	reg_link();
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

	if (self.pseudo)
		flags |= MSG_DONTWAIT;
	if (a->is_send)
		return send(a->sock, p, a->len - done, flags | MSG_NOSIGNAL);
	return recv(a->sock, p, a->len - done, flags);
}

/* A transfer ended with @err after moving @done bytes. */
static long xfer_fail(struct call_args *a, size_t done, bool all, int err)
{
	if (done && all && is_stream(a->sock))
		reset_stream(a->sock);
	else if (err == ECONNABORTED && is_stream(a->sock))
		mark_aborted(a->sock);
	return fail_errno(err);
}

static long xfer_body(struct call_args *a)
{
	bool all = !self.nonblock && (a->is_send || (a->flags & MSG_WAITALL));
	size_t done = 0;
	ssize_t n;
	int rev;

	for (;;) {
		if (is_cancelled())
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
		if (errno == EAGAIN && self.pseudo) {
			rev = wait_slice(a->sock, a->is_send ? POLLOUT : POLLIN);
			if (rev < 0)
				return xfer_fail(a, done, all, errno);
			continue;
		}
		/* a signal after part of a transfer: only a cancel stops it */
		if (errno == EINTR && done && !is_cancelled())
			continue;
		return xfer_fail(a, done, all, errno);
	}
}

ssize_t wsk_recv(int sock, void *buf, size_t len, int flags)
{
	struct call_args a = { .sock = sock, .buf = buf, .len = len,
			       .flags = flags };

	return run_call(sock, xfer_body, &a);
}

ssize_t wsk_send(int sock, const void *buf, size_t len, int flags)
{
	struct call_args a = { .sock = sock, .buf = (void *)buf, .len = len,
			       .flags = flags, .is_send = true };

	return run_call(sock, xfer_body, &a);
}

/* ---- accept and connect ------------------------------------------------ */

static long accept_body(struct call_args *a)
{
	int rev, fd;

	for (;;) {
		if (is_cancelled())
			return fail_errno(EINTR);
		if (self.pseudo) {
			rev = wait_slice(a->sock, POLLIN);
			if (rev < 0)
				return fail_errno(errno);
			if (is_cancelled())
				return fail_errno(EINTR);
			if (!rev)
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
		if (errno == EAGAIN && self.pseudo)
			continue;
		return fail_errno(errno);
	}
}

int wsk_accept(int sock, struct sockaddr *addr, socklen_t *addrlen)
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
	int rev, soerr;

	if (!connect_nowait(a))
		return 0;
	if (errno != EINPROGRESS)
		return fail_errno(errno);
	for (;;) {
		rev = wait_slice(a->sock, POLLOUT);
		if (rev < 0)
			return fail_errno(errno);
		/* the connection goes on in the background (contract 6) */
		if (is_cancelled())
			return fail_errno(EINTR);
		if (!rev)
			continue;
		if (getsockopt(a->sock, SOL_SOCKET, SO_ERROR, &soerr, &len))
			return fail_errno(errno);
		return soerr ? fail_errno(soerr) : 0;
	}
}

static long connect_body(struct call_args *a)
{
	if (is_cancelled())
		return fail_errno(EINTR);
	if (self.pseudo)
		return connect_pseudo(a);
	if (connect(a->sock, a->addr, a->caddrlen))
		return fail_errno(errno);
	return 0;
}

int wsk_connect(int sock, const struct sockaddr *addr, socklen_t addrlen)
{
	struct call_args a = { .sock = sock, .addr = (struct sockaddr *)addr,
			       .caddrlen = addrlen };

	return run_call(sock, connect_body, &a);
}

/* ---- select ------------------------------------------------------------ */

static long select_pseudo(struct call_args *a)
{
	long deadline = 0, left;
	struct timeval tv;
	fd_set copy[3];
	int i, n;

	if (a->timeout)
		deadline = now_ms() + a->timeout->tv_sec * 1000L +
			   a->timeout->tv_usec / 1000;
	for (;;) {
		for (i = 0; i < 3; i++)
			if (a->sets[i])
				copy[i] = *a->sets[i];
		left = self.hook_again ? 0 : SLICE_MS;
		if (a->timeout && deadline - now_ms() < left)
			left = deadline - now_ms() > 0 ? deadline - now_ms() : 0;
		tv.tv_sec = 0;
		tv.tv_usec = left * 1000;
		n = select(a->nfds, a->sets[0] ? &copy[0] : NULL,
			   a->sets[1] ? &copy[1] : NULL,
			   a->sets[2] ? &copy[2] : NULL, &tv);
		if (n < 0 && errno != EINTR)
			return fail_errno(errno);
		if (n > 0 || (a->timeout && now_ms() >= deadline)) {
			for (i = 0; i < 3; i++)
				if (a->sets[i])
					*a->sets[i] = copy[i];
			return n > 0 ? n : 0;
		}
		run_hook();
		if (is_cancelled())
			return fail_errno(EINTR);
	}
}

static long select_body(struct call_args *a)
{
	int n;

	if (is_cancelled())
		return fail_errno(EINTR);
	if (self.pseudo)
		return select_pseudo(a);
	n = select(a->nfds, a->sets[0], a->sets[1], a->sets[2], a->timeout);
	return n < 0 ? fail_errno(errno) : n;
}

int wsk_select(int nfds, fd_set *readfds, fd_set *writefds,
	       fd_set *exceptfds, struct timeval *timeout)
{
	struct call_args a = { .nfds = nfds,
			       .sets = { readfds, writefds, exceptfds },
			       .timeout = timeout };

	/* a select is never blocking on a socket of its own: sock -1 */
	return run_call(-1, select_body, &a);
}

/* ---- closesocket ------------------------------------------------------- */

/*
 * Winsock closesocket aborts the calls other threads have outstanding on
 * the socket: wsk_ calls through their flags (and the module), other calls
 * of this process through SOCKCANCEL_IOC_CANCEL_SOCKET when the device is
 * there.
 */
static void cancel_socket_calls(int sock)
{
	struct { pid_t tid; unsigned long gen; bool pseudo; } *v = NULL, *nv;
	size_t n = 0, i;
	struct wsk_thread *t;

	pthread_mutex_lock(&reg_lock);
	for (t = reg_head; t; t = t->next) {
		if (t->fd != sock || t == &self)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n].tid = t->tid;
		v[n].gen = t->gen;
		v[n].pseudo = t->pseudo;
		n++;
	}
	pthread_mutex_unlock(&reg_lock);
	for (i = 0; i < n; i++)
		cancel_registered(v[i].tid, v[i].gen, v[i].pseudo);
	free(v);
	sockcancel_cancel_socket(sock, 0, NULL);
}

int wsk_closesocket(int sock)
{
	if (self.in_call)
		return fail_wsa(WSAEINPROGRESS);
	cancel_socket_calls(sock);
	forget_aborted(sock);
	if (close(sock))
		return fail_errno(errno);
	return 0;
}
