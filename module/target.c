// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the thread a cancel names, holding it still, and marking the call
 * it sleeps in (Documentation/sockcancel-design.rst, "Holding a thread
 * still" and "Call instances").
 *
 * A thread is named by a tid in the caller's pid namespace or by a pidfd,
 * and returned with a task_struct reference the caller drops. For a thread
 * of another process the kernel's ptrace attach check decides, security
 * modules included (permission.c).
 *
 * Locking: sc_hold() takes the thread's pi_lock; with the thread blocked and
 * off its CPU, try_to_wake_up() cannot run it, so its saved registers are
 * exact and the stamp (arch.h) written there marks the call instance. What
 * runs under the lock only reads and writes registers.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "sc_internal.h"

/*
 * The thread a pidfd of the caller names, referenced: a thread pidfd its
 * thread, a process pidfd the main thread. The pid cannot be reused while
 * the pidfd holds it: an exited thread gives NULL, never another.
 */
static struct task_struct *pidfd_task(int fd, int *err)
{
	struct task_struct *t = NULL;
	struct file *file;
	struct pid *pid;

	*err = -EBADF;
	file = fget(fd);
	if (!file)
		return NULL;
	pid = sc_pidfd_pid(file);
	if (pid) {
		*err = -ESRCH;
		rcu_read_lock();
		t = pid_task(pid, PIDTYPE_PID);
		if (t)
			get_task_struct(t);
		rcu_read_unlock();
	}
	fput(file);
	return t;
}

/*
 * Returns the thread @id names (a tid in the caller's pid namespace, or
 * with @pidfd a pidfd of the caller) with a reference, or ERR_PTR: -ESRCH
 * when no such thread is visible or it exited, -EBADF when @id is no
 * pidfd, -EINVAL for kernel threads and io_uring workers (they never run a
 * user's socket call), -EPERM when the caller may not cancel it (the
 * kernel's check, permission.c), -EACCES when the kernel cannot be asked.
 * @exec_id: the thread's exec generation when permission was given.
 */
struct task_struct *sc_get_target(int id, bool pidfd, bool own_process_only,
				  u64 *exec_id)
{
	struct task_struct *t;
	int err = -ESRCH;

	if (pidfd) {
		t = pidfd_task(id, &err);
	} else {
		rcu_read_lock();
		t = pid_task(find_vpid(id), PIDTYPE_PID);
		if (t)
			get_task_struct(t);
		rcu_read_unlock();
	}
	if (!t)
		return ERR_PTR(err);

	if (t->flags & (PF_KTHREAD | PF_IO_WORKER)) {
		put_task_struct(t);
		return ERR_PTR(-EINVAL);
	}
	if (same_thread_group(current, t)) {
		*exec_id = READ_ONCE(t->self_exec_id);
		return t;
	}
	err = own_process_only ? -EPERM : sc_permitted(t, exec_id);
	if (err) {
		put_task_struct(t);
		return ERR_PTR(err);
	}
	return t;
}

/* Blocked and off its CPU; the caller holds t->pi_lock. */
static bool blocked(struct task_struct *t)
{
	unsigned int state = READ_ONCE(t->__state);

	if (state == TASK_RUNNING || state == TASK_WAKING)
		return false;
	smp_rmb();	/* __state before on_rq, as try_to_wake_up() reads them */
	if (sc_runnable(t))
		return false;
	smp_rmb();	/* on_rq before on_cpu: __schedule() is done with it */
	return !smp_load_acquire(&t->on_cpu);
}

/*
 * Calls @fn(@t, @arg, held) under @t's pi_lock, held true when @t is
 * blocked (held still), until @fn returns something else than -EAGAIN:
 * @fn says -EAGAIN when @t runs inside the call of interest and is worth
 * waiting for. Waits up to @wait_ms, then returns -EAGAIN.
 */
int sc_hold(struct task_struct *t, unsigned int wait_ms,
	    int (*fn)(struct task_struct *t, void *arg, bool held), void *arg)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(wait_ms);
	unsigned long flags;
	unsigned int spins = 0;
	int ret;

	for (;;) {
		raw_spin_lock_irqsave(&t->pi_lock, flags);
		ret = fn(t, arg, blocked(t));
		raw_spin_unlock_irqrestore(&t->pi_lock, flags);
		if (ret != -EAGAIN || time_after(jiffies, deadline))
			return ret;
		if (fatal_signal_pending(current))
			return -EINTR;
		/* a thread on its way into sleep takes microseconds */
		if (spins++ < 16)
			cpu_relax();
		else
			usleep_range(20, 100);
	}
}

/*
 * Reads @len bytes at user address @addr of @t into @buf; returns how many
 * were read, fewer where the mapping ends. A thread of the caller's own
 * address space (the usual case: a runtime cancels its own threads) is read
 * the way the caller reads its own memory, without a page fault
 * (copy_from_user_nofault()): no walk of the page tables, no mmap_lock, and
 * no wait for a fault to be resolved (userfaultfd, I/O). Another process,
 * or memory not present, goes through access_process_vm(), the module's
 * way before, which says exactly where it stopped. For memory of the
 * caller's own address space it is asked of the caller: the same memory,
 * and get_task_mm() inside then reads the caller's flags, not those of a
 * thread that may be exiting and writing its own (a race KCSAN reports).
 * May sleep.
 */
size_t sc_read_user(struct task_struct *t, unsigned long addr, void *buf,
		    size_t len)
{
	int n;

	might_sleep();
	if (READ_ONCE(t->mm) == current->mm) {
		if (!copy_from_user_nofault(buf, (const void __user *)addr, len))
			return len;
		t = current;
	}
	n = access_process_vm(t, addr, buf, len, 0);
	return n > 0 ? n : 0;
}

static atomic_t next_chain = ATOMIC_INIT(0);

/*
 * Snapshot of @t, with @t held by sc_hold(). With @stamp, mark the call
 * instance: a thread asleep inside a socket call gets a new chain, or the
 * next generation of the chain another cancel gave it (the same instance);
 * a stopped or traced thread is only counted.
 */
int sc_snapshot_call(struct task_struct *t, struct sc_snapshot *snap,
		     bool stamp)
{
	unsigned int state = READ_ONCE(t->__state);
	u64 mark;
	int ret;

	lockdep_assert_held(&t->pi_lock);
	ret = sc_arch_snapshot(t, snap);
	if (ret)
		return ret;
	snap->held = true;
	snap->fresh = false;
	/*
	 * Asleep inside a socket call (the wait, or lock_sock() before it).
	 * -ENOSYS is also what a call refused by seccomp returns: a thread
	 * asleep on its way out of such a call (in a task work) would carry
	 * the stamp back as its result, but the interruption restores it
	 * there, and a cancel that queues none takes its stamp back. Stopped
	 * and traced threads keep their register as the kernel needs it.
	 */
	if (!stamp || snap->state != SC_IN_CALL ||
	    !snap->entry ||
	    (state & (__TASK_STOPPED | __TASK_TRACED)) ||
	    !(state & (TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)))
		return 0;
	mark = snap->id.stamp;
	snap->prev = mark;
	if (mark)
		mark = (mark & ~0xffffULL) | ((mark + 1) & 0xffff);
	else
		mark = (u64)((u32)atomic_inc_return(&next_chain) | 1) << 16;
	snap->id.stamp = sc_arch_stamp(t, mark);
	snap->fresh = true;
	return 0;
}

/* The same call, arguments included (not necessarily the same instance). */
bool sc_same_site(const struct sc_call_id *a, const struct sc_call_id *b)
{
	return a->nr == b->nr && a->ip == b->ip && a->compat == b->compat &&
	       !memcmp(a->args, b->args, sizeof(a->args));
}

/*
 * @now is the instance @then (held) was taken of: the stamp's chain is
 * still there. A stopped or traced thread carries no stamp: its call, at
 * the same place and still undecided, is taken for the same one, also once
 * it was restarted after SIGCONT (a new identical call in the same instant
 * cannot be told apart there).
 */
bool sc_same_instance(const struct sc_call_id *then,
		      const struct sc_snapshot *now)
{
	if (!sc_same_site(then, &now->id))
		return false;
	if (then->stamp)
		return sc_same_chain(now->id.stamp, then->stamp);
	return now->state != SC_OUTSIDE;
}
