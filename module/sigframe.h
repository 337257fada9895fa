/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Looking for the signal frame of a running SA_RESTART handler in another
 * thread's user stack: the part every architecture shares (sigframe.c). The
 * architecture (arch_*.c) knows its frame layouts and passes a function
 * that recognises one; this part knows the handlers, their masks, and where
 * a frame may lie.
 */
#ifndef SOCKCANCEL_SIGFRAME_H
#define SOCKCANCEL_SIGFRAME_H

#include <linux/build_bug.h>
#include <linux/signal.h>
#include <linux/types.h>

struct task_struct;
struct sc_snapshot;
struct sc_call_id;

/* How far above a handler's stack pointer its frame is looked for. */
#define SC_FRAME_SPAN	(64 * 1024)

/*
 * The signals with an SA_RESTART handler, their restorers, and the signal
 * mask the thread runs such a handler with, given the mask saved in its
 * frame: the saved mask, plus the handler's sa_mask, plus the signal itself
 * unless SA_NODEFER. Signal @sig is entry @sig - 1.
 */
struct sc_restarters {
	bool restart[_NSIG];
	bool siginfo[_NSIG];
	unsigned long restorer[_NSIG];	/* 0: none given (SA_RESTORER) */
	u64 add_mask[_NSIG];
	u64 blocked;			/* the thread's mask now */
	bool near_miss;			/* a frame but for the mask */
	unsigned long ss_sp, ss_size;	/* the thread's alternate stack */
	unsigned long distinct[4];	/* a few restorers to scan for */
	int n_distinct;
	int n;
};

/* A signal mask as one word (both supported architectures have 64 signals). */
static inline u64 sc_mask_bits(const sigset_t *set)
{
	BUILD_BUG_ON(_NSIG_WORDS != 1);
	return set->sig[0];
}

/*
 * The handler of frame @id->frame still runs in @t: its user stack pointer
 * @sp is below the frame and its signal mask the one it started with.
 */
bool sc_frame_live(const struct sc_call_id *id, struct task_struct *t,
		   unsigned long sp);

/*
 * A frame at @at lies below the stack pointer it saved, @sp, or on an
 * alternate stack, which may lie anywhere: the thread's, or the one the
 * frame saved (@ss_sp, @ss_size; 0 for a frame without one), which the
 * kernel restores at sigreturn. A handler started on an SS_AUTODISARM
 * stack runs with the thread's cleared: only the frame still names it.
 */
static inline bool sc_frame_below(const struct sc_restarters *r, u64 sp,
				  unsigned long at, unsigned long ss_sp,
				  unsigned long ss_size)
{
	return sp > at || at - r->ss_sp < r->ss_size || at - ss_sp < ss_size;
}

/*
 * @ip is the first instruction of an SA_RESTART handler of @t. A thread
 * seen running there may be in the kernel setting that handler up, its
 * ip moved to the handler before its sp to the frame.
 */
bool sc_at_restart_handler(struct task_struct *t, unsigned long ip);

/*
 * The frame of signal @sig, whose saved mask is @saved, belongs to the
 * handler running now: the thread's mask is the one that handler started
 * with. A frame left behind by a handler that returned fails this.
 */
bool sc_running_handler(struct sc_restarters *r, int sig, u64 saved);

/*
 * Recognises a frame in @p (@size bytes read from user address @at) whose
 * saved context restarts a socket call and whose handler runs now (the
 * arch's layouts); describes that call in @snap (arch.h,
 * sc_arch_find_frame).
 */
typedef bool (*sc_frame_fn)(struct task_struct *t, struct sc_restarters *r,
			    const u8 *p, unsigned long at,
			    struct sc_snapshot *snap);

/*
 * Look for such a frame at every @step bytes from @sp up to SC_FRAME_SPAN
 * above it, @size bytes each; what sc_arch_find_frame() returns.
 */
int sc_scan_frames(struct task_struct *t, struct sc_snapshot *snap,
		   unsigned long sp, unsigned int step, size_t size,
		   sc_frame_fn fn);

#endif /* SOCKCANCEL_SIGFRAME_H */
