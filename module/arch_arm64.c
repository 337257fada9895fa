// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 implementation of arch.h, for AArch64 tasks.
 *
 * Registers: inside a syscall pt_regs->syscallno holds the number (the
 * task's x8 at the svc), orig_x0 a copy of the first argument, regs[0] (x0)
 * the first argument until the call stores its result there, regs[1..5] the
 * other arguments, pc the user address the call returns to (the svc + 4).
 * Every entry from EL0 sets syscallno to NO_SYSCALL before el0_svc sets the
 * number; do_signal() sets it back (forget_syscall()). Unlike x86 there is
 * no placeholder such as -ENOSYS in the result register.
 *
 * Inside the call: the number in syscallno and x0 still equal to orig_x0.
 * A call that has returned a result equal to its first argument (a recv on
 * fd 5 that got 5 bytes), asleep on its way out (a task work, memory cgroup
 * throttling), looks the same, and nothing in the registers tells it apart.
 * So x0 cannot hold the instance stamp: written into such a thread, the
 * stamp would be the result user space sees if the thread left before the
 * cancel took it back. Both count as inside; the interruption, if queued,
 * finds the finished call at its exit and leaves its result alone.
 *
 * Up to 6.12 the instance stamp lives in pt_regs->stackframe[0], the final
 * frame record of the task's kernel stack. Every entry from EL0 (svc,
 * interrupt, fault) zeroes it (kernel_entry in entry.S); nothing reads it:
 * the unwinder stops at its address (unwind_next() in 6.1 and 6.12), and it
 * is not part of user_pt_regs, so ptrace, core dumps and signal frames never
 * see it. A stamp written there while the thread is held in a syscall
 * therefore lasts exactly as long as that kernel entry: through every sleep
 * and spurious wake-up in the call, its exit, a restart applied and a stop
 * on the way out; returning to user space and entering again (a restart,
 * the next call at the same svc) erases it. Finding its chain again proves
 * the same call instance. sc_arch_stamp_of() reports it only while that
 * call has no final result (x0 still orig_x0, a restart code, or the
 * restart applied), so that, as on x86, the interruption is queued only on
 * a call that has not finished.
 *
 * From 6.13 the unwinder reads that record (frame_record_meta) and no part
 * of pt_regs is both cleared at every entry and unread (compat.h): nothing
 * is written. The stamp is then the thread's context-switch count
 * (sleep_id()), which proves that a thread held asleep twice has not run in
 * between; a thread that ran meanwhile is taken to have left its call. A
 * look that cannot hold the thread carries the count too, so that such a
 * look waits rather than takes the call for ended.
 *
 * Restart: an interrupted call returns -ERESTART*. Unlike x86, do_signal()
 * applies the restart before get_signal() runs task works: syscallno is
 * NO_SYSCALL, x0 orig_x0 again, pc moved back 4 bytes onto the svc, x8 still
 * the number (for -ERESTART_RESTARTBLOCK x8 becomes restart_syscall after
 * get_signal()). The interruption therefore usually finds the restart
 * applied and undoes it: pc forward, x0 -EINTR, x8 the number. A thread
 * stopped or traced in an interrupted call is always in that state; it is
 * recognised by the number in x8 and x0 equal to orig_x0, and the svc at pc
 * is checked in the thread before anything is changed.
 *
 * Signal frames: for a signal with an SA_RESTART handler the kernel writes an
 * rt_sigframe (siginfo, ucontext) on the user stack, 16-byte aligned, below
 * a frame record of the interrupted code, and starts the handler with sp at
 * the frame. Its saved context restarts the call (pc on the svc, x8 the
 * number, x0 the first argument). It is recognised by uc_flags 0, uc_link
 * NULL, the fpsimd record first in __reserved, an AArch64 EL0 pstate, an svc
 * at the saved pc, and the signal mask that handler runs with.
 *
 * AArch32 tasks are refused: sc_arch_snapshot() returns -EINVAL, so CANCEL
 * and QUERY fail with EINVAL (their ABI, signal frames and syscall table
 * would need a second implementation, see the design document).
 *
 * Locking and lifetimes: another thread's registers are read under RCU after
 * one check of task->stack (a reaped task's stack is freed after a grace
 * period); they are written only while the thread is held (target.c). The
 * functions called in the thread itself touch only its own registers and
 * its own user stack.
 */
#include <linux/compat.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/signal.h>
#include <linux/uaccess.h>
#include <asm/insn.h>
#include <asm/ptrace.h>
#include <asm/sigcontext.h>
#include <asm/syscall.h>
#include <asm/ucontext.h>
#include <asm/unistd.h>
#include <uapi/linux/sockcancel.h>

#include "compat.h"
#include "sc_internal.h"
#include "sigframe.h"

#if !defined(CONFIG_ARM64)
#error "arch_arm64.c is for arm64"
#endif

#define SVC_LEN			AARCH64_INSN_SIZE

/* the generic table has no more: arch.h's common calls are all */
static const struct sc_entry native_calls[] = {
	SC_COMMON_CALLS,
};

const struct sc_entry *sc_arch_lookup(long nr, bool compat)
{
	size_t i;

	if (compat)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(native_calls); i++)
		if (native_calls[i].nr == nr)
			return &native_calls[i];
	return NULL;
}

/* arm64 has no socketcall(2). */
const struct sc_entry *sc_arch_socketcall(unsigned long call)
{
	return NULL;
}

/* task_pt_regs() from one read of t->stack; call under rcu_read_lock(). */
static struct pt_regs *saved_regs(struct task_struct *t)
{
	void *stack = READ_ONCE(t->stack);

	if (!stack)
		return NULL;
	return (struct pt_regs *)(stack + THREAD_SIZE) - 1;
}

static u64 stamp_in(u64 word)
{
	return (word & SC_STAMP_MASK) == SC_STAMP_TAG ? word & ~SC_STAMP_MASK : 0;
}

/* The stamp this kernel entry carries; 0 if none, or no place for one. */
static u64 entry_stamp(struct pt_regs *regs)
{
	u64 *slot = sc_arm64_stamp_slot(regs);

	return slot ? stamp_in(READ_ONCE(*slot)) : 0;
}

/*
 * Without a place for the stamp (6.13 on): the sleep @t is in, held still,
 * named by its context-switch count. It goes up each time @t is switched
 * out, so a thread held asleep twice with the same count has not run in
 * between: the same sleep of the same call. A count that moved tells
 * nothing: the thread woke and left the call, or woke and went back to
 * sleep in it; the cancel then takes the call for ended (design document,
 * "arm64").
 */
static u64 sleep_id(struct task_struct *t)
{
	u64 n = READ_ONCE(t->nvcsw) + READ_ONCE(t->nivcsw);

	return ((n & 0xffffffffULL) << 16) | 1;
}

/* The registers a snapshot needs, read at once. */
struct regs_view {
	long nr;		/* syscallno */
	u64 x0, orig_x0, x8, pc, sp, stamp;
	u64 args[6];		/* x0..x5 */
	bool slot;		/* the kernel has a place for the stamp */
};

static int read_regs(struct task_struct *t, struct regs_view *v)
{
	struct pt_regs *regs;
	int i;

	rcu_read_lock();
	regs = saved_regs(t);
	if (!regs) {
		rcu_read_unlock();
		return -ENOENT;
	}
	v->nr = READ_ONCE(regs->syscallno);
	v->x0 = READ_ONCE(regs->regs[0]);
	v->orig_x0 = READ_ONCE(regs->orig_x0);
	v->x8 = READ_ONCE(regs->regs[8]);
	v->pc = READ_ONCE(regs->pc);
	v->sp = READ_ONCE(regs->sp);
	v->stamp = entry_stamp(regs);
	v->slot = sc_arm64_stamp_slot(regs);
	for (i = 0; i < 6; i++)
		v->args[i] = READ_ONCE(regs->regs[i]);
	rcu_read_unlock();
	return 0;
}

/*
 * Where the call stands, from registers alone: inside it (or returned with
 * a result equal to its first argument), returned interrupted before the
 * restart decision, or with the restart applied (syscallno already
 * NO_SYSCALL, pc on the svc, x8 the number). The last is taken only from a
 * thread stopped or traced there, or one whose stamp proves it has not left
 * the kernel since it was found in the call: a thread in user space that
 * happens to have a socket call's number in x8 is not in a call.
 */
static u8 call_state(const struct regs_view *v, bool stopped)
{
	if (v->nr >= 0) {
		if (v->x0 == v->orig_x0)
			return SC_IN_CALL;
		return sc_is_restart(v->x0) ? SC_RESTART : SC_OUTSIDE;
	}
	if (v->x0 == v->orig_x0 && (stopped || v->stamp) &&
	    sc_arch_lookup(v->x8, false))
		return SC_RESTART;
	return SC_OUTSIDE;
}

int sc_arch_snapshot(struct task_struct *t, struct sc_snapshot *snap)
{
	unsigned int tstate = READ_ONCE(t->__state);
	struct regs_view v;
	int ret;

	/* AArch32 tasks: not supported (see the top of this file) */
	if (is_compat_thread(task_thread_info(t)))
		return -EINVAL;
	ret = read_regs(t, &v);
	if (ret)
		return ret;

	snap->held = false;
	snap->fresh = false;
	snap->prev = 0;
	snap->id.user32 = false;
	snap->id.compat = false;
	snap->id.frame = 0;
	snap->id.frame_ctx = 0;
	snap->sp = v.sp;
	snap->state = call_state(&v, tstate & (__TASK_STOPPED | __TASK_TRACED));
	/*
	 * A stamp in a call that has its result no longer marks it. Without
	 * a slot, the sleep count: a look that does not hold the thread (it
	 * may seem runnable for an instant while its CPU completes a delayed
	 * dequeue) still sees that it has not been switched out since.
	 */
	snap->id.stamp = snap->state == SC_OUTSIDE ? 0 :
			 v.slot ? v.stamp : sleep_id(t);
	memcpy(snap->id.args, v.args, sizeof(snap->id.args));
	if (v.nr >= 0) {
		snap->id.nr = v.nr;
		snap->id.ip = v.pc;
		snap->rv = v.x0;
		snap->id.args[0] = v.orig_x0;
	} else if (snap->state == SC_RESTART) {
		snap->id.nr = v.x8;
		snap->id.ip = v.pc + SVC_LEN;
		snap->rv = v.x0;
	} else {
		/* outside: rv is the number an svc at pc would make */
		snap->id.nr = -1;
		snap->id.ip = v.pc;
		snap->rv = v.x8;
	}
	snap->entry = snap->id.nr < 0 ? NULL :
			sc_arch_lookup(snap->id.nr, false);
	return 0;
}

/* The instruction at @addr of @t is an svc. May sleep. */
static bool svc_at(struct task_struct *t, unsigned long addr)
{
	__le32 insn;

	if (addr % SVC_LEN ||
	    sc_read_user(t, addr, &insn, sizeof(insn)) != sizeof(insn))
		return false;
	return aarch64_insn_is_svc(le32_to_cpu(insn));
}

bool sc_arch_entering(struct task_struct *t, const struct sc_snapshot *snap)
{
	/* inside rt_sigreturn: it may restore a context that restarts a call */
	if (snap->id.nr == __NR_rt_sigreturn)
		return true;
	/*
	 * A socket call's number beside a result, pc just past the svc:
	 * returned from the call, or entering it where el0_svc_common() has
	 * stored syscallno but not yet orig_x0 (Debian's 6.12 build stores
	 * them in that order, interrupts on: orig_x0 is still the previous
	 * entry's, such as a handler's rt_sigreturn). A thread seen running
	 * there is asked about again until its next kernel entry changes
	 * what is seen.
	 */
	if (snap->id.nr >= 0 && snap->entry && snap->state == SC_OUTSIDE)
		return !snap->held && svc_at(t, snap->id.ip - SVC_LEN);
	if (snap->id.nr != -1 || !sc_arch_lookup(snap->rv, false))
		return false;
	/*
	 * On the svc with a socket call's number in x8: in user space after a
	 * handler's sigreturn or a restart, or in the kernel on its way there.
	 */
	if (svc_at(t, snap->id.ip))
		return true;
	/* setting up an SA_RESTART handler: pc there, sp not yet the frame */
	if (!snap->held && sc_at_restart_handler(t, snap->id.ip))
		return true;
	if (!svc_at(t, snap->id.ip - SVC_LEN))
		return false;
	/*
	 * Just past it: returned from the call (x0 its result), or passing
	 * one of two windows of a few instructions: do_signal() between
	 * clearing syscallno and moving pc back (x0 still the restart code,
	 * then orig_x0), or entering the call between kernel_entry saving pc
	 * and el0_svc setting syscallno (interrupts masked throughout). A
	 * vCPU its host deschedules stretches a window to milliseconds, so a
	 * thread seen running there is asked about again until its next
	 * kernel entry (a tick at most) changes what is seen.
	 */
	return sc_is_restart(snap->id.args[0]) || !snap->held;
}

/*
 * The restart applied shows syscallno NO_SYSCALL, pc on the call's svc, x8
 * its number, x0 its first argument: so does the thread at that svc for a
 * call of its own, seen after an interrupt. On kernels with a stamp slot
 * the stamp outlives the restart and call_state() says SC_RESTART there;
 * without one (6.13 on), a thread found asleep (its sleep count as the
 * stamp) is waited for there.
 */
enum sc_restarting sc_arch_restarting(const struct sc_call_id *then,
				      const struct sc_snapshot *now)
{
	if (then->stamp && now->state == SC_OUTSIDE && now->id.nr == -1 &&
	    now->id.ip == then->ip - SVC_LEN && now->rv == then->nr &&
	    !memcmp(now->id.args, then->args, sizeof(now->id.args)))
		return SC_RESTART_LOOKALIKE;
	return SC_NOT_RESTARTING;
}

u64 sc_arch_stamp(struct task_struct *t, u64 id)
{
	struct pt_regs *regs;
	u64 *slot = NULL;

	lockdep_assert_held(&t->pi_lock);
	rcu_read_lock();
	regs = saved_regs(t);
	if (regs)
		slot = sc_arm64_stamp_slot(regs);
	if (slot)
		WRITE_ONCE(*slot, SC_STAMP_TAG | (id & ~SC_STAMP_MASK));
	rcu_read_unlock();
	if (!regs)
		return 0;
	return slot ? id & ~SC_STAMP_MASK : sleep_id(t);
}

void sc_arch_unstamp(struct task_struct *t, u64 mine, u64 prev)
{
	u64 back = prev ? SC_STAMP_TAG | prev : 0;
	struct pt_regs *regs;
	u64 *slot;

	rcu_read_lock();
	regs = saved_regs(t);
	slot = regs ? sc_arm64_stamp_slot(regs) : NULL;
	/* atomic against the thread's next entry zeroing it meanwhile */
	if (slot)
		cmpxchg(slot, SC_STAMP_TAG | mine, back);
	rcu_read_unlock();
}

u64 sc_arch_stamp_of(struct task_struct *t)
{
	struct regs_view v;

	lockdep_assert_held(&t->pi_lock);
	if (read_regs(t, &v))
		return 0;
	/* the same kernel entry, but the call found has its result */
	if (call_state(&v, false) == SC_OUTSIDE)
		return 0;
	return v.slot ? v.stamp : sleep_id(t);
}

/* arch/arm64/kernel/signal.c: the frame a handler starts with, at its sp */
struct sc_rt_sigframe {
	struct siginfo info;
	struct ucontext uc;
};

#define CTX_OFF		offsetof(struct sc_rt_sigframe, uc.uc_mcontext)

bool sc_arch_frame_live(const struct sc_call_id *id, struct task_struct *t,
			unsigned long sp)
{
	return sc_frame_live(id, t, sp);
}

/*
 * The frame @f belongs to the handler of an SA_RESTART signal running now.
 * Its siginfo names the signal only with SA_SIGINFO (without, that part is
 * left unwritten).
 */
static bool running_handler(struct sc_restarters *r,
			    const struct sc_rt_sigframe *f)
{
	u64 saved = sc_mask_bits(&f->uc.uc_sigmask);
	int sig;

	for (sig = 1; sig <= _NSIG; sig++) {
		if (!r->restart[sig - 1] ||
		    (r->siginfo[sig - 1] && f->info.si_signo != sig))
			continue;
		if (sc_running_handler(r, sig, saved))
			return true;
	}
	return false;
}

/* The fixed parts of a frame the kernel wrote for an AArch64 context. */
static bool looks_like_frame(const struct sc_rt_sigframe *f)
{
	const struct sigcontext *sc = &f->uc.uc_mcontext;
	const struct _aarch64_ctx *head = (const void *)sc->__reserved;

	return !f->uc.uc_flags && !f->uc.uc_link &&
	       head->magic == FPSIMD_MAGIC &&
	       head->size == sizeof(struct fpsimd_context) &&
	       (sc->pstate & (PSR_MODE32_BIT | PSR_MODE_MASK)) == PSR_MODE_EL0t;
}

/*
 * A frame at @at, read into @f, whose saved context restarts a socket call
 * and whose handler runs now: describe that call in @snap.
 */
static bool candidate(struct task_struct *t, struct sc_restarters *r,
		      const u8 *p, unsigned long at, struct sc_snapshot *snap)
{
	const struct sc_rt_sigframe *f = (const void *)p;
	const struct sigcontext *sc = &f->uc.uc_mcontext;
	const struct sc_entry *e;

	if (!looks_like_frame(f) ||
	    !sc_frame_below(r, sc->sp, at, (unsigned long)f->uc.uc_stack.ss_sp,
			    f->uc.uc_stack.ss_size))
		return false;
	e = sc_arch_lookup(sc->regs[8], false);
	if (!e || !svc_at(t, sc->pc) || !running_handler(r, f))
		return false;
	snap->entry = e;
	snap->id.nr = e->nr;
	snap->id.ip = sc->pc + SVC_LEN;
	snap->id.compat = false;
	memcpy(snap->id.args, sc->regs, sizeof(snap->id.args));
	snap->state = SC_RESTART;
	snap->id.stamp = 0;
	snap->id.frame = at;
	snap->id.frame_ctx = at + CTX_OFF;
	snap->id.frame_mask = r->blocked;
	return true;
}

/* Frames start 16-byte aligned. */
int sc_arch_find_frame(struct task_struct *t, struct sc_snapshot *snap)
{
	return sc_scan_frames(t, snap, snap->sp, 16,
			      sizeof(struct sc_rt_sigframe), candidate);
}

/*
 * The saved context @sc (user memory) restarts the call @id: pc on its svc,
 * x8 its number. Gives its arguments.
 */
static bool restarts_call(const struct sc_call_id *id,
			  struct sigcontext __user *sc, struct sc_site *site)
{
	u64 pc, x8, a[6];

	if (get_user(pc, &sc->pc) || get_user(x8, &sc->regs[8]) ||
	    pc != id->ip - SVC_LEN || x8 != id->nr ||
	    copy_from_user(a, sc->regs, sizeof(a)))
		return false;
	memcpy(site->args, a, sizeof(a));
	site->ctx = sc;
	return true;
}

/*
 * The handler's frame set up in this exit for a signal that interrupted the
 * call, recognised by the registers the kernel has just set up for it: sp at
 * the frame, x0 the signal, x29 the frame record above it.
 */
static bool new_frame(const struct sc_call_id *id, struct pt_regs *regs,
		      struct sc_site *site)
{
	struct sc_rt_sigframe __user *f = (void __user *)regs->sp;
	struct ucontext *link;	/* a user address, as the uapi spells it */
	unsigned long flags;

	if (regs->sp % 16 || regs->regs[0] < 1 || regs->regs[0] > _NSIG ||
	    regs->regs[29] <= regs->sp ||
	    get_user(flags, &f->uc.uc_flags) || get_user(link, &f->uc.uc_link) ||
	    flags || link)
		return false;
	return restarts_call(id, &f->uc.uc_mcontext, site);
}

/* The thread's own instruction at @addr is an svc. */
static bool own_svc_at(unsigned long addr)
{
	u32 __user *p = (u32 __user *)addr;
	u32 insn;

	return !(addr % SVC_LEN) && !get_user(insn, p) &&
	       aarch64_insn_is_svc(le32_to_cpu((__force __le32)insn));
}

bool sc_arch_find(const struct sc_call_id *id, struct pt_regs *regs,
		  struct sc_site *site)
{
	long nr = regs->syscallno;
	int i;

	for (i = 0; i < 6; i++)
		site->args[i] = regs->regs[i];

	/*
	 * On the svc with the number in x8, outside any syscall: the restart
	 * applied by do_signal() (x8 restart_syscall once get_signal() found
	 * no handler), or a handler's sigreturn restoring the context that
	 * restarts the call. x0 is the first argument in both.
	 */
	if (nr == NO_SYSCALL && regs->pc == id->ip - SVC_LEN &&
	    (regs->regs[8] == id->nr || regs->regs[8] == __NR_restart_syscall)) {
		site->kind = SC_SITE_RESTARTING;
		return own_svc_at(regs->pc);
	}
	/* the handler of a frame found running is still running */
	if (id->frame && sc_arch_frame_live(id, current, regs->sp)) {
		site->kind = SC_SITE_FRAME;
		return restarts_call(id, (void __user *)id->frame_ctx, site);
	}
	/*
	 * Returned: still in the syscall (a tracer's exit stop), or past
	 * do_signal() without a restart. x0 is the result.
	 */
	if (regs->pc == id->ip &&
	    (nr == id->nr || (nr == NO_SYSCALL && regs->regs[8] == id->nr))) {
		site->kind = SC_SITE_EXIT;
		site->ret = regs->regs[0];
		site->args[0] = regs->orig_x0;
		return true;
	}
	site->kind = SC_SITE_FRAME;
	return nr == NO_SYSCALL && new_frame(id, regs, site);
}

void sc_arch_end(const struct sc_call_id *id, struct pt_regs *regs,
		 const struct sc_site *site, long ret)
{
	struct sigcontext __user *sc = site->ctx;

	switch (site->kind) {
	case SC_SITE_EXIT:
		regs->regs[0] = ret;
		break;
	case SC_SITE_RESTARTING:
	case SC_SITE_SIGRETURNED:
		regs->pc = id->ip;
		regs->regs[0] = ret;
		regs->regs[8] = id->nr;
		break;
	case SC_SITE_FRAME:
		if (!put_user((u64)id->ip, &sc->pc))
			put_user((u64)ret, &sc->regs[0]);
		break;
	}
}
