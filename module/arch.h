/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the module needs from the architecture. One implementation per
 * architecture (arch_x86.c, arch_arm64.c); everything else in the module is
 * generic. The search for a running handler's signal frame is shared
 * (sigframe.h): an implementation gives only its frame layouts.
 *
 * An implementation provides:
 *   - the syscall tables: which numbers are socket calls, per ABI;
 *   - reading another thread's saved user registers (sc_arch_snapshot) and
 *     marking the call instance it sleeps in (sc_arch_stamp);
 *   - in the thread itself, when the interruption runs: where the call
 *     stands (returned, restart applied, back at the syscall instruction
 *     after a handler, recorded in a handler's signal frame) and how to make
 *     it return a value instead of restarting (sc_arch_find, sc_arch_end).
 * Documentation/sockcancel-design.rst explains each step.
 */
#ifndef SOCKCANCEL_ARCH_H
#define SOCKCANCEL_ARCH_H

#include <linux/types.h>

struct pt_regs;
struct task_struct;
struct sc_snapshot;
struct sc_call_id;

/* How a socket call names its sockets. */
enum sc_kind {
	SC_FD,		/* socket fd in args[0] */
	SC_POLL,	/* poll(fds, nfds, int timeout_ms) */
	SC_PPOLL,	/* ppoll(fds, nfds, timespec *) */
	SC_SELECT,	/* select/pselect6(n, in, out, ex, time *) */
	SC_SOCKETCALL,	/* socketcall(call, u32 args[]) */
};

/* How a data call states the number of bytes it asks to transfer. */
enum sc_len {
	SC_LEN_NONE,	/* no byte count (accept, connect, *mmsg) */
	SC_LEN_ARG2,	/* count: the third argument */
	SC_LEN_IOV,	/* iovec array: second argument, count: third */
	SC_LEN_MSG,	/* msghdr: second argument */
};

struct sc_entry {
	int nr;
	u8 op;		/* SOCKCANCEL_OP_* */
	u8 kind;	/* SC_* */
	s8 flags_arg;	/* index of the MSG_* flags argument, -1 if none */
	u8 len;		/* SC_LEN_* */
	u8 tsize;	/* bytes of the timeout struct, ppoll and select */
	bool recvmmsg;	/* recvmmsg parks an interruption in sk_err */
};

/* Table entries: a call on one socket fd; a poll or select. */
#define SC_SOCK_CALL(n, o, f, l, m) \
	{ n, SOCKCANCEL_OP_##o, SC_FD, f, SC_LEN_##l, 0, m }
#define SC_WAIT_CALL(n, k, t) \
	{ n, SOCKCANCEL_OP_POLL, k, -1, SC_LEN_NONE, t, false }

/*
 * The socket calls of every 64-bit ABI, under the architecture's numbers.
 * The generic table (arm64) has no recv, send, poll or select: glibc makes
 * them as recvfrom, sendto, ppoll and pselect6.
 */
#define SC_COMMON_CALLS \
	SC_SOCK_CALL(__NR_read, RECV, -1, ARG2, false), \
	SC_SOCK_CALL(__NR_readv, RECV, -1, IOV, false), \
	SC_SOCK_CALL(__NR_recvfrom, RECV, 3, ARG2, false), \
	SC_SOCK_CALL(__NR_recvmsg, RECV, 2, MSG, false), \
	SC_SOCK_CALL(__NR_recvmmsg, RECV, 3, NONE, true), \
	SC_SOCK_CALL(__NR_write, SEND, -1, ARG2, false), \
	SC_SOCK_CALL(__NR_writev, SEND, -1, IOV, false), \
	SC_SOCK_CALL(__NR_sendto, SEND, 3, ARG2, false), \
	SC_SOCK_CALL(__NR_sendmsg, SEND, 2, MSG, false), \
	SC_SOCK_CALL(__NR_sendmmsg, SEND, 3, NONE, false), \
	SC_SOCK_CALL(__NR_accept, ACCEPT, -1, NONE, false), \
	SC_SOCK_CALL(__NR_accept4, ACCEPT, -1, NONE, false), \
	SC_SOCK_CALL(__NR_connect, CONNECT, -1, NONE, false), \
	SC_WAIT_CALL(__NR_ppoll, SC_PPOLL, 16), \
	SC_WAIT_CALL(__NR_pselect6, SC_SELECT, 16)

/*
 * The instance stamp (target.c), wherever an architecture keeps it: a tag
 * no socket call returns in the top 16 bits, then a 48-bit id.
 */
#define SC_STAMP_TAG	(0xc5c5UL << 48)
#define SC_STAMP_MASK	(0xffffUL << 48)

/* The entry for syscall @nr of the native (or compat) ABI, or NULL. */
const struct sc_entry *sc_arch_lookup(long nr, bool compat);

/* The entry for socketcall(2) call @call, or NULL (also without socketcall). */
const struct sc_entry *sc_arch_socketcall(unsigned long call);

/* Fill @snap from @t's saved user registers; -ENOENT when @t has no stack. */
int sc_arch_snapshot(struct task_struct *t, struct sc_snapshot *snap);

/*
 * @snap, taken while @t ran, shows its ip at a syscall instruction of a
 * socket call: back in user space with the number loaded after a handler's
 * sigreturn or a restart, or still in the kernel applying the restart and
 * setting up a handler; or inside sigreturn; or, not held, just past the
 * instruction in a window of a few instructions on the way into the call
 * or applying its restart. It is about to (re)enter the call or run the
 * handler. May sleep (reads @t's code).
 */
bool sc_arch_entering(struct task_struct *t, const struct sc_snapshot *snap);

/*
 * Whether @now shows the restart of the call @then describes applied and
 * not yet taken (its number loaded, its arguments back, ip on the syscall
 * instruction): the thread is still in that call's kernel exit or about
 * to enter it again. No stamp says so: a call stopped or traced in it
 * lost its stamp to the restart code, and arm64 from 6.13 keeps none.
 * SC_RESTART_APPLIED: nothing else leaves those registers.
 * SC_RESTART_LOOKALIKE: so do the thread's own next call, its number
 * loaded, and (arm64) a call returning at that moment.
 */
enum sc_restarting {
	SC_NOT_RESTARTING,
	SC_RESTART_LOOKALIKE,
	SC_RESTART_APPLIED,
};

enum sc_restarting sc_arch_restarting(const struct sc_call_id *then,
				      const struct sc_snapshot *now);

/*
 * Put stamp @id (48 bits, not 0) in the return register of @t, held still
 * inside its call; returns @id (0: @t has no stack any more).
 */
u64 sc_arch_stamp(struct task_struct *t, u64 id);

/* Put @prev (0: none) back, if @t's return register still holds @mine. */
void sc_arch_unstamp(struct task_struct *t, u64 mine, u64 prev);

/* The stamp in @t's return register, 0 if none. */
u64 sc_arch_stamp_of(struct task_struct *t);

/*
 * Find, above the user stack pointer in @snap, the signal frame of a
 * running SA_RESTART handler whose saved context restarts a socket call;
 * describe that call in @snap (state SC_RESTART, frame, frame_ctx) and
 * return 1. 0 when there is none; -EAGAIN when @snap was taken while @t ran
 * and a frame matched all but the signal mask, which the kernel sets last
 * when it starts a handler: look again. May sleep (reads @t's memory).
 */
int sc_arch_find_frame(struct task_struct *t, struct sc_snapshot *snap);

/*
 * The handler of frame @id->frame still runs in @t (held, or current): its
 * user stack pointer @sp is below the frame and its signal mask the one the
 * handler started with.
 */
bool sc_arch_frame_live(const struct sc_call_id *id, struct task_struct *t,
			unsigned long sp);

/* Where the call stands when the interruption runs in the thread. */
enum sc_site_kind {
	SC_SITE_EXIT,		/* returned; nothing decided yet */
	SC_SITE_RESTARTING,	/* an earlier pass chose to restart it */
	SC_SITE_SIGRETURNED,	/* a handler returned: about to restart it */
	SC_SITE_FRAME,		/* a handler's signal frame will restart it */
};

struct sc_site {
	enum sc_site_kind kind;
	long ret;			/* SC_SITE_EXIT: the call's result */
	unsigned long args[6];		/* the call's arguments */
	void __user *ctx;		/* SC_SITE_FRAME: the saved context */
};

/*
 * In the thread itself: find the call @id (number, ABI, return address)
 * in @regs, in the signal frame a handler is about to run with, or in the
 * frame @id->frame of a handler still running. False when the thread is
 * anywhere else.
 */
bool sc_arch_find(const struct sc_call_id *id, struct pt_regs *regs,
		  struct sc_site *site);

/* Make the call found at @site return @ret, never restarted. */
void sc_arch_end(const struct sc_call_id *id, struct pt_regs *regs,
		 const struct sc_site *site, long ret);

#endif /* SOCKCANCEL_ARCH_H */
