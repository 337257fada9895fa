// SPDX-License-Identifier: GPL-2.0
/*
 * Deciding whether a thread's current syscall is a blocking socket call.
 *
 * A table per ABI (x86-64 and ia32) maps syscall numbers to an operation
 * and to the way the call names its sockets:
 *   - one fd in the first argument (recv*, send*, read*, write*, accept*,
 *     connect), blocking unless the file is O_NONBLOCK or the MSG_* flags
 *     argument holds MSG_DONTWAIT; read/write count only on sockets;
 *   - poll and select families: at least one watched fd is a socket and the
 *     timeout is not zero (a zero timeout never sleeps);
 *   - ia32 socketcall(2): the call number and its arguments in user memory.
 *
 * User memory of the target (pollfd arrays, fd sets, timeouts, socketcall
 * arguments) is read with access_process_vm(), which may sleep; nothing is
 * locked here. The file of a single-socket call is returned pinned (one
 * reference, dropped by the caller or by the interruption that consumes it),
 * so the socket acted on later is the one seen now, even if the fd number
 * is closed and reused meanwhile.
 */
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/socket.h>
#include <asm/unistd.h>
#include <asm/unistd_32_ia32.h>
#include <uapi/linux/sockcancel.h>

#include "compat.h"
#include "sockcancel.h"

enum sc_kind {
	SC_FD,		/* socket fd in args[0] */
	SC_POLL,	/* poll(fds, nfds, int timeout_ms) */
	SC_PPOLL,	/* ppoll(fds, nfds, timespec *) */
	SC_SELECT,	/* select/pselect6(n, in, out, ex, time *) */
	SC_SOCKETCALL,	/* ia32 socketcall(call, u32 args[]) */
};

struct sc_entry {
	int nr;
	u8 op;
	u8 kind;
	s8 flags_arg;	/* index of the MSG_* flags argument, -1 if none */
	u8 len;		/* SC_LEN_*: how the call states its byte count */
	u8 tsize;	/* bytes of the timeout struct, ppoll and select */
};

#define SOCK_CALL(n, o, f, l)	{ n, SOCKCANCEL_OP_##o, SC_FD, f, SC_LEN_##l, 0 }
#define WAIT_CALL(n, k, t)	{ n, SOCKCANCEL_OP_POLL, k, -1, SC_LEN_NONE, t }

static const struct sc_entry native_calls[] = {
	SOCK_CALL(__NR_read, RECV, -1, ARG2),
	SOCK_CALL(__NR_readv, RECV, -1, IOV),
	SOCK_CALL(__NR_recvfrom, RECV, 3, ARG2),
	SOCK_CALL(__NR_recvmsg, RECV, 2, MSG),
	SOCK_CALL(__NR_recvmmsg, RECV, 3, NONE),
	SOCK_CALL(__NR_write, SEND, -1, ARG2),
	SOCK_CALL(__NR_writev, SEND, -1, IOV),
	SOCK_CALL(__NR_sendto, SEND, 3, ARG2),
	SOCK_CALL(__NR_sendmsg, SEND, 2, MSG),
	SOCK_CALL(__NR_sendmmsg, SEND, 3, NONE),
	SOCK_CALL(__NR_accept, ACCEPT, -1, NONE),
	SOCK_CALL(__NR_accept4, ACCEPT, -1, NONE),
	SOCK_CALL(__NR_connect, CONNECT, -1, NONE),
	WAIT_CALL(__NR_poll, SC_POLL, 0),
	WAIT_CALL(__NR_ppoll, SC_PPOLL, 16),
	WAIT_CALL(__NR_select, SC_SELECT, 16),
	WAIT_CALL(__NR_pselect6, SC_SELECT, 16),
};

static const struct sc_entry ia32_calls[] = {
	SOCK_CALL(__NR_ia32_read, RECV, -1, ARG2),
	SOCK_CALL(__NR_ia32_readv, RECV, -1, IOV),
	SOCK_CALL(__NR_ia32_recvfrom, RECV, 3, ARG2),
	SOCK_CALL(__NR_ia32_recvmsg, RECV, 2, MSG),
	SOCK_CALL(__NR_ia32_recvmmsg, RECV, 3, NONE),
	SOCK_CALL(__NR_ia32_recvmmsg_time64, RECV, 3, NONE),
	SOCK_CALL(__NR_ia32_write, SEND, -1, ARG2),
	SOCK_CALL(__NR_ia32_writev, SEND, -1, IOV),
	SOCK_CALL(__NR_ia32_sendto, SEND, 3, ARG2),
	SOCK_CALL(__NR_ia32_sendmsg, SEND, 2, MSG),
	SOCK_CALL(__NR_ia32_sendmmsg, SEND, 3, NONE),
	SOCK_CALL(__NR_ia32_accept4, ACCEPT, -1, NONE),
	SOCK_CALL(__NR_ia32_connect, CONNECT, -1, NONE),
	WAIT_CALL(__NR_ia32_poll, SC_POLL, 0),
	WAIT_CALL(__NR_ia32_ppoll, SC_PPOLL, 8),
	WAIT_CALL(__NR_ia32_ppoll_time64, SC_PPOLL, 16),
	WAIT_CALL(__NR_ia32__newselect, SC_SELECT, 8),
	WAIT_CALL(__NR_ia32_pselect6, SC_SELECT, 8),
	WAIT_CALL(__NR_ia32_pselect6_time64, SC_SELECT, 16),
	{ __NR_ia32_socketcall, SOCKCANCEL_OP_NONE, SC_SOCKETCALL, -1,
	  SC_LEN_NONE, 0 },
};

/* socketcall(2) call numbers, indexed by SYS_*. */
static const struct { u8 op; s8 flags_arg; u8 len; } socketcalls[] = {
	[SYS_CONNECT]	= { SOCKCANCEL_OP_CONNECT, -1, SC_LEN_NONE },
	[SYS_ACCEPT]	= { SOCKCANCEL_OP_ACCEPT, -1, SC_LEN_NONE },
	[SYS_SEND]	= { SOCKCANCEL_OP_SEND, 3, SC_LEN_ARG2 },
	[SYS_RECV]	= { SOCKCANCEL_OP_RECV, 3, SC_LEN_ARG2 },
	[SYS_SENDTO]	= { SOCKCANCEL_OP_SEND, 3, SC_LEN_ARG2 },
	[SYS_RECVFROM]	= { SOCKCANCEL_OP_RECV, 3, SC_LEN_ARG2 },
	[SYS_SENDMSG]	= { SOCKCANCEL_OP_SEND, 2, SC_LEN_MSG },
	[SYS_RECVMSG]	= { SOCKCANCEL_OP_RECV, 2, SC_LEN_MSG },
	[SYS_ACCEPT4]	= { SOCKCANCEL_OP_ACCEPT, -1, SC_LEN_NONE },
	[SYS_RECVMMSG]	= { SOCKCANCEL_OP_RECV, 3, SC_LEN_NONE },
	[SYS_SENDMMSG]	= { SOCKCANCEL_OP_SEND, 3, SC_LEN_NONE },
};

static const struct sc_entry *lookup(const struct sc_snapshot *snap)
{
	const struct sc_entry *tab = snap->compat ? ia32_calls : native_calls;
	size_t i, n = snap->compat ? ARRAY_SIZE(ia32_calls) :
				     ARRAY_SIZE(native_calls);

	for (i = 0; i < n; i++)
		if (tab[i].nr == snap->nr)
			return &tab[i];
	return NULL;
}

static bool read_target(struct task_struct *t, unsigned long addr,
			void *buf, size_t len)
{
	return access_process_vm(t, addr, buf, len, 0) == len;
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

/* fd @fd of @t is a socket; with @match, that very file. */
static bool is_socket_fd(struct task_struct *t, int fd,
			 const struct file *match)
{
	struct file *f;
	bool ret;

	if (fd < 0)
		return false;
	f = sc_fget_task(t, fd);
	if (!f)
		return false;
	ret = sock_from_file(f) && (!match || f == match);
	fput(f);
	return ret;
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

#define POLL_CHUNK	64

static bool poll_watches_socket(struct task_struct *t, unsigned long ufds,
				unsigned long nfds, const struct file *match)
{
	struct pollfd pfd[POLL_CHUNK];
	unsigned long i, n;

	while (nfds) {
		n = min_t(unsigned long, nfds, POLL_CHUNK);
		if (!read_target(t, ufds, pfd, n * sizeof(pfd[0])))
			return false;
		for (i = 0; i < n; i++)
			if (is_socket_fd(t, pfd[i].fd, match))
				return true;
		if (fatal_signal_pending(current))
			return false;
		ufds += n * sizeof(pfd[0]);
		nfds -= n;
	}
	return false;
}

#define SELECT_CHUNK	128	/* bytes: 1024 fds */

static bool fdset_has_socket(struct task_struct *t, unsigned long uset,
			     unsigned int nbits, const struct file *match)
{
	u8 bits[SELECT_CHUNK];
	unsigned int base, len, i;

	if (!uset)
		return false;
	for (base = 0; base < nbits; base += SELECT_CHUNK * 8) {
		len = min_t(unsigned int, DIV_ROUND_UP(nbits - base, 8),
			    SELECT_CHUNK);
		if (!read_target(t, uset + base / 8, bits, len))
			return false;
		for (i = 0; i < len * 8 && base + i < nbits; i++)
			if ((bits[i / 8] & BIT(i % 8)) &&
			    is_socket_fd(t, base + i, match))
				return true;
		if (fatal_signal_pending(current))
			return false;
	}
	return false;
}

static int classify_wait(struct task_struct *t, const struct sc_entry *e,
			 const unsigned long *args, const struct file *match)
{
	int blocks;
	bool sock;

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

	if (e->kind == SC_SELECT) {
		unsigned int n = (int)args[0] < 0 ? 0 : (unsigned int)args[0];

		sock = fdset_has_socket(t, args[1], n, match) ||
		       fdset_has_socket(t, args[2], n, match) ||
		       fdset_has_socket(t, args[3], n, match);
	} else {
		sock = poll_watches_socket(t, args[0], (unsigned int)args[1],
					   match);
	}
	return sock ? 0 : -ENOENT;
}

static int classify_fd(struct task_struct *t, u8 op, int flags_arg, u8 len,
		       const unsigned long *args, const struct file *match,
		       struct sc_call *call)
{
	struct file *f;

	if (flags_arg >= 0 && (args[flags_arg] & MSG_DONTWAIT))
		return -ENOENT;
	f = socket_file(t, (int)args[0]);
	if (!f)
		return -ENOENT;
	if ((f->f_flags & O_NONBLOCK) || (match && f != match)) {
		fput(f);
		return -ENOENT;
	}
	call->op = op;
	call->fd = (int)args[0];
	call->file = f;
	call->len = len;
	call->len_args[0] = args[1];
	call->len_args[1] = args[2];
	call->waitall = flags_arg >= 0 && (args[flags_arg] & MSG_WAITALL);
	return 0;
}

static int classify_socketcall(struct task_struct *t,
			       const struct sc_snapshot *snap,
			       const struct file *match, struct sc_call *call)
{
	unsigned long call_nr = snap->args[0];
	unsigned long args[4];
	u32 uargs[4];
	int i;

	if (call_nr >= ARRAY_SIZE(socketcalls) || !socketcalls[call_nr].op)
		return -ENOENT;
	if (!read_target(t, snap->args[1], uargs, sizeof(uargs)))
		return -ENOENT;
	for (i = 0; i < ARRAY_SIZE(uargs); i++)
		args[i] = uargs[i];
	call->recvmmsg = call_nr == SYS_RECVMMSG;
	return classify_fd(t, socketcalls[call_nr].op,
			   socketcalls[call_nr].flags_arg, socketcalls[call_nr].len,
			   args, match, call);
}

/*
 * Fills @call and returns 0 when @snap is a blocking socket call of @t
 * (with @match: a call on, or a poll watching, that socket file); -ENOENT
 * otherwise. On success call->file, if set, holds a reference.
 */
int sc_classify(struct task_struct *t, const struct sc_snapshot *snap,
		const struct file *match, struct sc_call *call)
{
	const struct sc_entry *e;

	call->op = SOCKCANCEL_OP_NONE;
	call->fd = -1;
	call->file = NULL;
	call->recvmmsg = false;
	call->len = SC_LEN_NONE;
	call->waitall = false;

	if (!sc_in_syscall(snap))
		return -ENOENT;
	e = lookup(snap);
	if (!e)
		return -ENOENT;

	switch (e->kind) {
	case SC_FD:
		call->recvmmsg = e->nr == (snap->compat ? __NR_ia32_recvmmsg :
						       __NR_recvmmsg) ||
				 (snap->compat &&
				  e->nr == __NR_ia32_recvmmsg_time64);
		return classify_fd(t, e->op, e->flags_arg, e->len, snap->args,
				   match, call);
	case SC_SOCKETCALL:
		return classify_socketcall(t, snap, match, call);
	default:
		if (classify_wait(t, e, snap->args, match))
			return -ENOENT;
		call->op = SOCKCANCEL_OP_POLL;
		return 0;
	}
}
