/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the sockcancel module.
 *
 * A cancel goes through three steps, one file each:
 *   target.c    find the thread, check permission, read its syscall while
 *               it is held still, and mark the call instance
 *   classify.c  decide whether that syscall is a blocking socket call
 *   interrupt.c queue the interruption on exactly that call, and apply it
 *               in the thread itself
 * main.c holds the misc device and the ioctl handlers that tie them together;
 * reset.c the stream reset; arch_*.c what depends on the architecture
 * (arch.h). Documentation/sockcancel-design.rst explains the whole.
 */
#ifndef SOCKCANCEL_INTERNAL_H
#define SOCKCANCEL_INTERNAL_H

#include <linux/errno.h>
#include <linux/types.h>

#include "arch.h"

struct task_struct;
struct file;

/* Where a snapshot says the thread is. */
enum sc_state {
	SC_OUTSIDE,	/* not inside a syscall, or past its result */
	SC_IN_CALL,	/* inside the call: running or asleep */
	SC_RESTART,	/* interrupted, the restart decision still to come */
};

/*
 * Which call a thread is in: @nr, @compat and @ip (the user address the
 * call returns to) say which call, @args with what, @stamp which instance
 * of it (target.c). A call a running handler's signal frame will restart
 * also names that frame. A queued interruption keeps this to recognise the
 * call in the thread.
 */
struct sc_call_id {
	long nr;
	unsigned long ip;
	unsigned long args[6];
	bool compat;		/* compat ABI (ia32) syscall */
	bool user32;		/* the thread runs 32-bit code */
	u64 stamp;		/* the instance mark in the call, 0 if none */
	/* the handler's signal frame and its saved context (user addresses) */
	unsigned long frame;
	unsigned long frame_ctx;
	u64 frame_mask;		/* the signal mask that handler runs with */
};

/*
 * One look at a thread, read from its saved user registers: the call found
 * (@id) and what this look saw besides, which no later look compares.
 */
struct sc_snapshot {
	struct sc_call_id id;
	const struct sc_entry *entry;	/* @id.nr in the socket call table */
	u8 state;		/* SC_* */
	unsigned long rv;	/* the return register, raw */
	u64 prev;		/* the mark this cancel replaced (0: none) */
	bool fresh;		/* this cancel wrote @id.stamp */
	bool held;		/* taken while the thread could not run */
	unsigned long sp;	/* user stack pointer */
};

/* A blocking socket call found in a snapshot. */
struct sc_call {
	u32 op;			/* SOCKCANCEL_OP_* */
	int fd;			/* socket fd in the target, -1 for poll */
	struct file *file;	/* pinned socket file, NULL for poll */
	bool socketcall;	/* arguments in user memory (ia32) */
	bool recvmmsg;		/* clear the error recvmmsg parks in sk_err */
	bool waitall;		/* MSG_WAITALL: a short read is partial */
	bool on_queue;		/* found asleep on @file's wait queue */
	u8 len;			/* SC_LEN_* */
};

/* target.c */
struct task_struct *sc_get_target(int id, bool pidfd, bool own_process_only,
				  u64 *exec_id);
/*
 * How long a cancel waits for a thread running inside its call to sleep or
 * leave; a query, which needs no exact answer, waits past one timer tick.
 */
#define SC_CANCEL_WAIT_MS	100
#define SC_QUERY_WAIT_MS	10

size_t sc_read_user(struct task_struct *t, unsigned long addr, void *buf,
		    size_t len);
int sc_hold(struct task_struct *t, unsigned int wait_ms,
	    int (*fn)(struct task_struct *t, void *arg, bool held), void *arg);
int sc_snapshot_call(struct task_struct *t, struct sc_snapshot *snap,
		     bool stamp);
bool sc_same_site(const struct sc_call_id *a, const struct sc_call_id *b);
bool sc_same_instance(const struct sc_call_id *then,
		      const struct sc_snapshot *now);

/*
 * An interrupted call's restart codes (include/linux/errno.h); never
 * -ERESTARTNOINTR, which is always restarted.
 */
static inline bool sc_is_restart(long ret)
{
	return ret == -ERESTARTSYS || ret == -ERESTARTNOHAND ||
	       ret == -ERESTART_RESTARTBLOCK;
}

/*
 * A stamp is a chain, one per call instance, and a generation: every cancel
 * that marks the instance writes a new generation of its chain, so that it
 * can take back exactly what it wrote (target.c).
 */
static inline bool sc_same_chain(u64 a, u64 b)
{
	return a && b && a >> 16 == b >> 16;
}

/* classify.c */
int sc_classify(struct task_struct *t, const struct sc_snapshot *snap,
		const struct file *match, struct sc_call *call);
bool sc_elsewhere(struct task_struct *t, const struct sc_snapshot *snap,
		  const struct file *match);

/*
 * interrupt.c. Outcomes that are not errors, returned beside 0 and -errno
 * (positive, never seen by user space):
 */
enum sc_outcome {
	SC_ENDED = 1,	/* the call found ended before it could be reached */
	SC_SLOW,	/* sc_interrupt_asleep() did nothing: find_call() */
};

int sc_interrupt(struct task_struct *t, const struct sc_snapshot *snap,
		 struct sc_call *call, u32 flags, u64 exec_id);
int sc_interrupt_asleep(struct task_struct *t, const struct sc_snapshot *seen,
			struct sc_call *call, u32 flags, u64 exec_id);

/* permission.c */
int sc_permitted(struct task_struct *t, u64 *exec_id);

/* inject_entry.c: test builds on arm64 only */
#if defined(SOCKCANCEL_FAULT_INJECT) && defined(CONFIG_ARM64)
void sc_inject_entry_init(void);
void sc_inject_entry_exit(void);
#else
static inline void sc_inject_entry_init(void) { }
static inline void sc_inject_entry_exit(void) { }
#endif

/* reset.c */
bool sc_is_partial(const struct sc_call *call, bool compat, long ret,
		   unsigned long ptr, unsigned long count);
void sc_reset_stream(struct file *file);

#endif /* SOCKCANCEL_INTERNAL_H */
