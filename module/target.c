// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the thread a cancel names, and reading what it is doing.
 *
 * A thread is named by its tid in the caller's pid namespace and returned
 * with a task_struct reference that the caller drops with put_task_struct().
 *
 * Permission follows ptrace's credential rule, without the LSM hook (which
 * modules cannot call): a thread of the caller's own process is always
 * allowed; another process only if the caller's uid and gid match the
 * target's real, effective and saved ids and the target is dumpable, or the
 * caller has CAP_SYS_PTRACE in the target's user namespace.
 *
 * Snapshots read the target's saved user registers (the pt_regs at the top
 * of its kernel stack) without stopping it. The stack can be freed once the
 * task is reaped; it is freed only after an RCU grace period, so it is read
 * under rcu_read_lock() after a single check that task->stack is still set.
 * The values are a racy view of a running thread; interrupt.c re-checks
 * them in the thread itself before acting.
 */
#include <linux/cred.h>
#include <linux/capability.h>
#include <linux/errno.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/uidgid.h>
#include <asm/syscall.h>

#include "compat.h"
#include "sockcancel.h"

static bool same_ids(const struct cred *c, const struct cred *t)
{
	return uid_eq(c->uid, t->uid) && uid_eq(c->uid, t->euid) &&
	       uid_eq(c->uid, t->suid) && gid_eq(c->gid, t->gid) &&
	       gid_eq(c->gid, t->egid) && gid_eq(c->gid, t->sgid);
}

static bool may_cancel(struct task_struct *t)
{
	const struct cred *tcred;
	bool ok;

	rcu_read_lock();
	tcred = __task_cred(t);
	ok = same_ids(current_cred(), tcred);
	if (!ok)
		ok = ns_capable(tcred->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	if (!ok)
		return false;

	return sc_dumpable_or_capable(t);
}

/*
 * Returns the thread @tid with a reference, or ERR_PTR: -ESRCH when no such
 * thread is visible, -EINVAL for kernel threads and io_uring workers (they
 * never run a user's socket call), -EPERM when the caller may not cancel it.
 */
struct task_struct *sc_get_target(pid_t tid, bool own_process_only)
{
	struct task_struct *t;

	rcu_read_lock();
	t = pid_task(find_vpid(tid), PIDTYPE_PID);
	if (t)
		get_task_struct(t);
	rcu_read_unlock();
	if (!t)
		return ERR_PTR(-ESRCH);

	if (t->flags & (PF_KTHREAD | PF_IO_WORKER)) {
		put_task_struct(t);
		return ERR_PTR(-EINVAL);
	}
	if (same_thread_group(current, t))
		return t;
	if (own_process_only || !may_cancel(t)) {
		put_task_struct(t);
		return ERR_PTR(-EPERM);
	}
	return t;
}

/* -ENOENT when the thread has no kernel stack any more (it is gone). */
int sc_snapshot(struct task_struct *t, struct sc_snapshot *snap)
{
	struct pt_regs *regs;
	void *stack;

	rcu_read_lock();
	stack = READ_ONCE(t->stack);
	if (!stack) {
		rcu_read_unlock();
		return -ENOENT;
	}
	/* task_pt_regs(), from the one stack pointer read above */
	regs = (struct pt_regs *)(stack + THREAD_SIZE -
				  TOP_OF_KERNEL_STACK_PADDING) - 1;
	snap->nr = syscall_get_nr(t, regs);
	snap->ret = regs->ax;
	snap->ip = regs->ip;
	snap->compat = task_thread_info(t)->status & TS_COMPAT;
	syscall_get_arguments(t, regs, snap->args);
	rcu_read_unlock();
	return 0;
}

/*
 * True while the thread is inside a syscall that has not yet decided its
 * result: running or sleeping (-ENOSYS, set at entry), or interrupted and
 * stopped before the restart decision (SIGSTOP, ptrace), where the call is
 * still outstanding. -ERESTARTNOINTR calls are always restarted; they are
 * never reported.
 */
bool sc_in_syscall(const struct sc_snapshot *snap)
{
	switch (snap->ret) {
	case -ENOSYS:
	case -ERESTARTSYS:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		return snap->nr >= 0;
	default:
		return false;
	}
}

/* The same syscall instance, still undecided. */
bool sc_same_call(const struct sc_snapshot *a, const struct sc_snapshot *b)
{
	return a->nr == b->nr && a->ip == b->ip && a->compat == b->compat &&
	       a->args[0] == b->args[0] && sc_in_syscall(b);
}
