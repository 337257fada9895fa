// SPDX-License-Identifier: GPL-2.0
/*
 * Deciding whether a thread's current syscall is a blocking socket call.
 *
 * The architecture's tables (arch.h) map syscall numbers to an operation
 * and to the way the call names its sockets:
 *   - one fd in the first argument (recv*, send*, read*, write*, accept*,
 *     connect), blocking unless the file is O_NONBLOCK or the MSG_* flags
 *     argument holds MSG_DONTWAIT; read/write count only on sockets;
 *   - poll and select families: at least one watched fd is a socket and the
 *     timeout is not zero (a zero timeout never sleeps);
 *   - socketcall(2): the call number and its arguments in user memory.
 *
 * User memory of the target (pollfd arrays, fd sets, timeouts, socketcall
 * arguments) is read with sc_read_user() (target.c), which may sleep,
 * with no lock held. A poll or select of a few fds looks each up, under
 * the target's task_lock() and RCU, without taking a reference; a larger
 * one is checked against the set of the target's socket fds, collected
 * once from its fd table, the arrays read 64 KiB at a time, never more
 * entries than the target's open file limit, with a reschedule between
 * pieces and a stop on a fatal signal.
 *
 * The file of a single-socket call is returned pinned (one reference,
 * dropped by the caller or by the interruption that consumes it), so the
 * socket acted on later is the one seen now, even if the fd number is
 * closed and reused meanwhile. Looking for the calls on one socket
 * (CANCEL_SOCKET), a thread held asleep in a single-socket call whose fd
 * no longer names that socket is looked for on the socket's wait queue,
 * under the queue's lock, comparing pointers only (design document).
 */
#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <uapi/linux/sockcancel.h>

#include "compat.h"
#include "sc_internal.h"

/* bytes of user memory read at once, for arrays beyond FEW_FDS */
#define PIECE	(64 * 1024)

static bool read_target(struct task_struct *t, unsigned long addr,
			void *buf, size_t len)
{
	return sc_read_user(t, addr, buf, len) == len;
}

/* The file behind fd @fd of @t, referenced, if it is a socket. */
static struct file *socket_file(struct task_struct *t, int fd)
{
	struct file *f;

	if (fd < 0)
		return NULL;
	f = sc_fget_task(t, fd);
	if (f && !sock_from_file(f)) {
		fput(f);
		f = NULL;
	}
	return f;
}

/*
 * fd @fd of @t is a socket; with @match, that very file. Only looked at,
 * never referenced: t->files is stable under task_lock(), its slots under
 * RCU, and a file seen there is not freed (only reused, since 6.7, as
 * another file) before the RCU read section ends.
 */
static bool is_socket_fd(struct task_struct *t, int fd,
			 const struct file *match)
{
	struct file *f;
	bool ret = false;

	if (fd < 0)
		return false;
	task_lock(t);
	rcu_read_lock();
	if (t->files) {
		f = files_lookup_fd_raw(t->files, fd);
		ret = f && sock_from_file(f) && (!match || f == match);
	}
	rcu_read_unlock();
	task_unlock(t);
	return ret;
}

/*
 * The fds a wait watches are checked one by one up to this many; beyond, a
 * set of the target's socket fds is collected once from its fd table.
 */
#define FEW_FDS		64
/* pollfds read at once, for FEW_FDS or fewer (the buffer is on the stack) */
#define FEW_READ	16

/* The watched fds, and how to tell whether one of them counts. */
struct watch {
	struct task_struct *t;
	const struct file *match;
	unsigned int limit;
	unsigned long *set;	/* NULL: look each fd up */
};

static bool watched_socket(const struct watch *w, int fd)
{
	if (fd < 0 || (unsigned int)fd >= w->limit)
		return false;
	if (w->set)
		return test_bit(fd, w->set);
	return is_socket_fd(w->t, fd, w->match);
}

/*
 * The socket fds of @t below @limit (with @match: those that are that very
 * file) as a bitmap of @limit bits, or NULL when there is none or no memory.
 */
static unsigned long *socket_fds(struct task_struct *t, unsigned int limit,
				 const struct file *match)
{
	unsigned long *set = NULL;
	unsigned int fd = 0;
	struct file *f;

	while (fd < limit && (f = sc_fget_next(t, &fd))) {
		if (fd < limit && sock_from_file(f) && (!match || f == match)) {
			if (!set)
				set = bitmap_zalloc(limit, GFP_KERNEL);
			if (set)
				__set_bit(fd, set);
		}
		fput(f);
		fd++;
		cond_resched();
	}
	return set;
}

/* A timeout pointer: NULL waits forever; all-zero contents never wait. */
static int timeout_blocks(struct task_struct *t, unsigned long uptr,
			  size_t tsize)
{
	u8 buf[16];

	if (!uptr)
		return 1;
	if (!read_target(t, uptr, buf, tsize))
		return -ENOENT;
	return !!memchr_inv(buf, 0, tsize);
}

static bool poll_watches(const struct watch *w, unsigned long ufds,
			 unsigned long nfds, void *buf, size_t size)
{
	struct pollfd *pfd = buf;
	unsigned long i, n;

	while (nfds) {
		n = min_t(unsigned long, nfds, size / sizeof(*pfd));
		if (!read_target(w->t, ufds, pfd, n * sizeof(*pfd)))
			return false;
		for (i = 0; i < n; i++)
			if (watched_socket(w, pfd[i].fd))
				return true;
		if (fatal_signal_pending(current))
			return false;
		cond_resched();
		ufds += n * sizeof(*pfd);
		nfds -= n;
	}
	return false;
}

static bool fdset_watches(const struct watch *w, unsigned long uset,
			  unsigned int nbits, void *buf, size_t size)
{
	unsigned int base, len, i;
	u8 *bits = buf;

	if (!uset)
		return false;
	nbits = min(nbits, w->limit);
	for (base = 0; base < nbits; base += size * 8) {
		len = min_t(unsigned int, DIV_ROUND_UP(nbits - base, 8), size);
		if (!read_target(w->t, uset + base / 8, bits, len))
			return false;
		for (i = 0; i < len * 8 && base + i < nbits; i++)
			if ((bits[i / 8] & BIT(i % 8)) &&
			    watched_socket(w, base + i))
				return true;
		if (fatal_signal_pending(current))
			return false;
		cond_resched();
	}
	return false;
}

static int classify_wait(struct task_struct *t, const struct sc_entry *e,
			 const unsigned long *args, const struct file *match)
{
	struct watch w = { .t = t, .match = match };
	struct pollfd few[FEW_READ];
	size_t size = sizeof(few);
	unsigned long many;
	bool sock = false;
	void *buf = few;
	int blocks;

	switch (e->kind) {
	case SC_POLL:
		blocks = (int)args[2] != 0;
		break;
	case SC_PPOLL:
		blocks = timeout_blocks(t, args[2], e->tsize);
		break;
	default:
		blocks = timeout_blocks(t, args[4], e->tsize);
		break;
	}
	if (blocks <= 0)
		return -ENOENT;

	/* poll() itself refuses more entries than the open file limit */
	w.limit = min_t(unsigned long, task_rlimit(t, RLIMIT_NOFILE), INT_MAX);
	many = e->kind == SC_SELECT ? (int)args[0] : (unsigned int)args[1];
	if (many > FEW_FDS) {
		w.set = socket_fds(t, w.limit, match);
		buf = kvmalloc(PIECE, GFP_KERNEL);
		size = PIECE;
		if (!w.set || !buf) {
			bitmap_free(w.set);
			kvfree(buf);
			return -ENOENT;
		}
	}
	if (e->kind == SC_SELECT) {
		unsigned int n = (int)args[0] < 0 ? 0 : (unsigned int)args[0];

		sock = fdset_watches(&w, args[1], n, buf, size) ||
		       fdset_watches(&w, args[2], n, buf, size) ||
		       fdset_watches(&w, args[3], n, buf, size);
	} else {
		sock = poll_watches(&w, args[0],
				    min_t(unsigned long, (unsigned int)args[1],
					  w.limit), buf, size);
	}
	if (buf != few)
		kvfree(buf);
	bitmap_free(w.set);
	return sock ? 0 : -ENOENT;
}

/*
 * @t sleeps on @match's wait queue. Entries are compared by the task they
 * name; what they point to is never read.
 */
static bool sleeps_on(struct task_struct *t, const struct file *match)
{
	/* sock_from_file() only reads the file it is given */
	struct socket *sock = sock_from_file((struct file *)match);
	wait_queue_head_t *wq = &sock->wq.wait;
	struct wait_queue_entry *w;
	unsigned long flags;
	bool found = false;

	spin_lock_irqsave(&wq->lock, flags);
	list_for_each_entry(w, &wq->head, entry) {
		if (w->private == t) {
			found = true;
			break;
		}
	}
	spin_unlock_irqrestore(&wq->lock, flags);
	return found;
}

static int classify_fd(struct task_struct *t, const struct sc_entry *e,
		       const unsigned long *args,
		       const struct sc_snapshot *snap,
		       const struct file *match, struct sc_call *call)
{
	struct file *f;

	if (e->flags_arg >= 0 && (args[e->flags_arg] & MSG_DONTWAIT))
		return -ENOENT;
	f = socket_file(t, (int)args[0]);
	if (f && match && f != match) {
		fput(f);
		f = NULL;
	}
	/*
	 * Its fd closed or given another file while it sleeps: asleep on
	 * @match's queue, the call is on @match (the caller pins it).
	 */
	if (!f && match && snap->held && sleeps_on(t, match)) {
		call->on_queue = true;
	} else if (!f) {
		return -ENOENT;
	} else if (f->f_flags & O_NONBLOCK) {
		fput(f);
		return -ENOENT;
	}
	call->op = e->op;
	call->fd = (int)args[0];
	call->file = f;
	call->len = e->len;
	call->recvmmsg = e->recvmmsg;
	call->waitall = e->flags_arg >= 0 && (args[e->flags_arg] & MSG_WAITALL);
	return 0;
}

static int classify_socketcall(struct task_struct *t,
			       const struct sc_snapshot *snap,
			       const struct file *match, struct sc_call *call)
{
	const struct sc_entry *e = sc_arch_socketcall(snap->id.args[0]);
	unsigned long args[4];
	u32 uargs[4];
	int i;

	if (!e)
		return -ENOENT;
	if (!read_target(t, snap->id.args[1], uargs, sizeof(uargs)))
		return -ENOENT;
	for (i = 0; i < ARRAY_SIZE(uargs); i++)
		args[i] = uargs[i];
	call->socketcall = true;
	return classify_fd(t, e, args, snap, match, call);
}

/*
 * A first look, without holding @t: @snap (racy) shows a call on one socket
 * fd that is not @match. CANCEL_SOCKET passes such threads by.
 */
bool sc_elsewhere(struct task_struct *t, const struct sc_snapshot *snap,
		  const struct file *match)
{
	const struct sc_entry *e;
	struct file *f;
	bool other;

	if (snap->state == SC_OUTSIDE)
		return false;
	e = snap->entry;
	if (!e || e->kind != SC_FD || (int)snap->id.args[0] < 0)
		return false;
	f = sc_fget_task(t, (int)snap->id.args[0]);
	other = f && f != match;
	if (f)
		fput(f);
	return other;
}

/*
 * Fills @call and returns 0 when @snap is a blocking socket call of @t
 * (with @match: a call on, or a poll watching, that socket file); -ENOENT
 * otherwise. On success call->file, if set, holds a reference; a call found
 * asleep on @match's queue has call->on_queue set and no file yet.
 */
int sc_classify(struct task_struct *t, const struct sc_snapshot *snap,
		const struct file *match, struct sc_call *call)
{
	const struct sc_entry *e;

	might_sleep();
	memset(call, 0, sizeof(*call));
	call->fd = -1;

	e = snap->entry;
	if (snap->state == SC_OUTSIDE || !e)
		return -ENOENT;

	switch (e->kind) {
	case SC_FD:
		return classify_fd(t, e, snap->id.args, snap, match, call);
	case SC_SOCKETCALL:
		return classify_socketcall(t, snap, match, call);
	default:
		if (classify_wait(t, e, snap->id.args, match))
			return -ENOENT;
		call->op = SOCKCANCEL_OP_POLL;
		return 0;
	}
}
