// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupting a blocking socket call, in the thread that makes it.
 *
 * The canceller queues a task work on the target with TWA_SIGNAL. That sets
 * TIF_NOTIFY_SIGNAL, which wakes an interruptible sleep and makes
 * signal_pending() true, so the socket wait returns -ERESTARTSYS (or -EINTR
 * with SO_RCVTIMEO/SO_SNDTIMEO, -ERESTARTNOHAND or -ERESTART_RESTARTBLOCK for
 * select and poll). On the way back to user space get_signal() runs the work
 * before the arch code decides whether to restart the call. The work then
 * runs in the target itself, with its own registers at hand, and turns the
 * restart codes into -EINTR, so no restart (SA_RESTART or not) follows.
 *
 * The work recognises its call by syscall number, ABI and the user return
 * address recorded at cancel time, and acts on what it finds:
 *   - return address unchanged: the call has ended and nothing has decided
 *     about it yet. Restart codes become -EINTR; any other result (data that
 *     arrived first, -EINTR already) is left as it is, except a partial
 *     stream transfer under SOCKCANCEL_RESET_ON_PARTIAL (reset.c).
 *   - return address moved back over the syscall instruction, ax holding the
 *     call number again: an earlier pass of the exit loop (a stop, a signal
 *     without handler) already chose to restart. That choice is undone.
 *   - a signal frame was set up by an earlier pass and its saved context
 *     restarts the call after the handler (SA_RESTART): the saved context is
 *     rewritten to return -EINTR instead (x86-64 and ia32 frames).
 *   - the thread is back in user mode at the syscall instruction with the
 *     call number loaded (the handler returned through sigreturn before the
 *     work ran): the instruction is skipped and -EINTR returned.
 *   - anything else (another syscall, the call still at its ptrace entry
 *     stop, an exiting thread): the call already completed or is a later
 *     one; nothing is touched.
 *
 * Lifetimes: a struct sc_pending is allocated per cancel and owned by the
 * queued work; the work frees it, whatever it finds, including when it runs
 * from exit_task_work() of a dying thread (PF_EXITING, no files). It holds
 * the pinned socket file and a module reference. The work cannot be recalled
 * once queued (task_work_cancel is not exported), so the module reference is
 * what keeps the callback's text alive; module exit waits with
 * synchronize_rcu_tasks() for the last callback to return past module_put().
 *
 * Locking: none. The check-and-queue step runs with preemption disabled to
 * keep the window between the last look at the target and the queueing as
 * short as the hardware allows; the work itself runs in the target's own
 * context and only touches the target's registers and stack.
 */
#include <linux/compat.h>
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/sched.h>
#include <linux/ptrace.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>
#include <net/sock.h>
#include <asm/sigframe.h>
#include <asm/syscall.h>
#include <asm/unistd.h>
#include <asm/unistd_32_ia32.h>

#include <uapi/linux/sockcancel.h>

#include "sockcancel.h"

/* x86: the length of syscall, sysenter and int $0x80 alike */
#define SYSCALL_INSN_LEN	2

struct sc_pending {
	struct callback_head work;
	struct sc_call call;	/* holds the pinned socket file */
	unsigned long ip;	/* user return address of the call */
	long nr;
	bool compat;
	bool reset;		/* SOCKCANCEL_RESET_ON_PARTIAL */
};

static bool is_restart(long ret)
{
	return ret == -ERESTARTSYS || ret == -ERESTARTNOHAND ||
	       ret == -ERESTART_RESTARTBLOCK;
}

static long restart_nr(const struct sc_pending *p)
{
	return p->compat ? __NR_ia32_restart_syscall : __NR_restart_syscall;
}

/*
 * recvmmsg() that received some datagrams before the interruption returns
 * their count and parks the interruption in sk_err, where the next call on
 * the socket would find it. Drop that error: it belongs to this cancel.
 */
static void clear_parked_error(struct file *file)
{
	struct socket *sock = file ? sock_from_file(file) : NULL;

	if (!sock || !sock->sk)
		return;
	if (cmpxchg(&sock->sk->sk_err, ERESTARTSYS, 0) != ERESTARTSYS)
		cmpxchg(&sock->sk->sk_err, EINTR, 0);
}

/*
 * An earlier pass delivered a signal whose SA_RESTART handler now starts;
 * the context saved in its frame restarts the call on sigreturn. Make that
 * context return -EINTR instead. A frame is recognised by the registers the
 * kernel has just set up for the handler, per ABI.
 */
static bool unrestart_native(const struct sc_pending *p, struct pt_regs *regs)
{
	struct rt_sigframe __user *frame = (void __user *)regs->sp;
	struct sigcontext __user *sc = &frame->uc.uc_mcontext;
	u64 ip, ax;

	if (regs->ax != 0 || regs->si != (unsigned long)&frame->info ||
	    regs->dx != (unsigned long)&frame->uc)
		return false;
	if (get_user(ip, &sc->ip) || get_user(ax, &sc->ax) ||
	    ip != p->ip - SYSCALL_INSN_LEN || ax != p->nr)
		return false;
	return !put_user(p->ip, &sc->ip) && !put_user((u64)-EINTR, &sc->ax);
}

/* ia32: rt frames (SA_SIGINFO) and the older sigframe. */
static bool unrestart_ia32(const struct sc_pending *p, struct pt_regs *regs)
{
	struct rt_sigframe_ia32 __user *rt = compat_ptr(regs->sp);
	struct sigframe_ia32 __user *old = compat_ptr(regs->sp);
	struct sigcontext_32 __user *sc;
	u32 ip, ax;
	int sig;

	if (regs->dx == ptr_to_compat(&rt->info) &&
	    regs->cx == ptr_to_compat(&rt->uc))
		sc = &rt->uc.uc_mcontext;
	else if (!regs->dx && !regs->cx && !get_user(sig, &old->sig) &&
		 sig == regs->ax)
		sc = &old->sc;
	else
		return false;
	if (get_user(ip, &sc->ip) || get_user(ax, &sc->ax) ||
	    ip != (u32)(p->ip - SYSCALL_INSN_LEN) || ax != (u32)p->nr)
		return false;
	return !put_user((u32)p->ip, &sc->ip) && !put_user((u32)-EINTR, &sc->ax);
}

static void finish_call(const struct sc_pending *p, struct pt_regs *regs)
{
	bool compat = in_ia32_syscall();
	long ret = regs->ax;

	if (compat != p->compat)
		return;
	/*
	 * Back in user mode at the syscall instruction with the call number
	 * loaded: a signal handler's sigreturn (or an interrupt) is about to
	 * restart the call. Return -EINTR from it instead.
	 */
	if (syscall_get_nr(current, regs) == -1 &&
	    regs->ip == p->ip - SYSCALL_INSN_LEN && ret == p->nr) {
		regs->ip = p->ip;
		regs->ax = -EINTR;
		return;
	}
	if (syscall_get_nr(current, regs) != p->nr)
		return;

	if (regs->ip == p->ip) {
		if (is_restart(ret)) {
			regs->ax = -EINTR;
		} else if (p->reset && sc_is_partial(&p->call, compat, ret)) {
			sc_reset_stream(p->call.file);
			regs->ax = -EINTR;
		} else if (p->call.recvmmsg && ret > 0) {
			clear_parked_error(p->call.file);
		}
		return;
	}

	if (regs->ip == p->ip - SYSCALL_INSN_LEN &&
	    (ret == p->nr || ret == restart_nr(p))) {
		regs->ip = p->ip;
		regs->ax = -EINTR;
		return;
	}

	if (p->compat)
		unrestart_ia32(p, regs);
	else
		unrestart_native(p, regs);
}

static void free_pending(struct sc_pending *p)
{
	if (p->call.file)
		fput(p->call.file);
	kfree(p);
}

static void sc_work_fn(struct callback_head *work)
{
	struct sc_pending *p = container_of(work, struct sc_pending, work);

	if (!(current->flags & PF_EXITING))
		finish_call(p, current_pt_regs());
	free_pending(p);
	module_put(THIS_MODULE);
}

/*
 * Queue the interruption of the call @snap describes, if @t is still in it.
 * Takes over call->file in every case. Returns 0 when queued, -ENOENT when
 * the thread left the call (or is exiting), -ENOMEM.
 */
int sc_interrupt(struct task_struct *t, const struct sc_snapshot *snap,
		 struct sc_call *call, u32 flags)
{
	struct sc_snapshot now;
	struct sc_pending *p;
	int ret;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p) {
		if (call->file)
			fput(call->file);
		call->file = NULL;
		return -ENOMEM;
	}
	p->call = *call;
	call->file = NULL;
	p->ip = snap->ip;
	p->nr = snap->nr;
	p->compat = snap->compat;
	p->reset = flags & SOCKCANCEL_RESET_ON_PARTIAL;
	init_task_work(&p->work, sc_work_fn);

	/* Our caller holds the device open, so the module is live. */
	__module_get(THIS_MODULE);

	preempt_disable();
	ret = sc_snapshot(t, &now);
	if (!ret && !sc_same_call(snap, &now))
		ret = -ENOENT;
	if (!ret && task_work_add(t, &p->work, TWA_SIGNAL))
		ret = -ENOENT;	/* the thread is exiting */
	preempt_enable();

	if (ret) {
		free_pending(p);
		module_put(THIS_MODULE);
	}
	return ret;
}
