/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the sockcancel module.
 *
 * A cancel goes through three steps, one file each:
 *   target.c    find the thread, check permission, snapshot its syscall
 *   classify.c  decide whether that syscall is a blocking socket call
 *   interrupt.c queue the interruption and apply it in the thread itself
 * main.c holds the misc device and the ioctl handlers that tie them together.
 */
#ifndef SOCKCANCEL_INTERNAL_H
#define SOCKCANCEL_INTERNAL_H

#include <linux/types.h>

struct task_struct;
struct file;

/*
 * What a thread is doing in the kernel, read from its saved user registers.
 * @nr and @ip identify one syscall instance: @ip is the user address the
 * call returns to, which the interruption uses to recognise the call again.
 */
struct sc_snapshot {
	long nr;
	long ret;		/* -ENOSYS while the call runs */
	unsigned long ip;
	unsigned long args[6];
	bool compat;		/* ia32 syscall */
};

/* How a data call states the number of bytes it asks to transfer. */
enum sc_len {
	SC_LEN_NONE,	/* no byte count (accept, connect, *mmsg) */
	SC_LEN_ARG2,	/* count: len_args[1] */
	SC_LEN_IOV,	/* iovec array len_args[0], len_args[1] entries */
	SC_LEN_MSG,	/* msghdr at len_args[0] */
};

/* A blocking socket call found in a snapshot. */
struct sc_call {
	u32 op;			/* SOCKCANCEL_OP_* */
	int fd;			/* socket fd in the target, -1 for poll */
	struct file *file;	/* pinned socket file, NULL for poll */
	bool recvmmsg;		/* clear the error recvmmsg parks in sk_err */
	bool waitall;		/* MSG_WAITALL: a short read is partial */
	u8 len;			/* SC_LEN_* */
	unsigned long len_args[2];
};

struct task_struct *sc_get_target(pid_t tid, bool own_process_only);
int sc_snapshot(struct task_struct *t, struct sc_snapshot *snap);
bool sc_in_syscall(const struct sc_snapshot *snap);
bool sc_same_call(const struct sc_snapshot *a, const struct sc_snapshot *b);

int sc_classify(struct task_struct *t, const struct sc_snapshot *snap,
		const struct file *match, struct sc_call *call);

int sc_interrupt(struct task_struct *t, const struct sc_snapshot *snap,
		 struct sc_call *call, u32 flags);

/* reset.c */
bool sc_is_partial(const struct sc_call *call, bool compat, long ret);
void sc_reset_stream(struct file *file);

#endif /* SOCKCANCEL_INTERNAL_H */
