// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupting one blocking socket call, in the thread that makes it
 * (Documentation/sockcancel-design.rst, "Applying the interruption").
 *
 * sc_interrupt() holds the thread again (target.c) and, only if it is still
 * in the call instance found, queues a task work and sets TIF_NOTIFY_SIGNAL
 * (TIF_NOTIFY_RESUME for a call found in a running handler's signal frame)
 * in that same critical section; the wake-up follows outside it.
 * sc_interrupt_asleep() does the finding in that critical section too, for
 * a thread asleep in the call a first look saw (design document, "Call
 * instances"). The work,
 * finish_call(), runs on the way out of that call, asks arch.h where the
 * call stands and makes it return -EINTR; what touches the pinned socket
 * (the reset, recvmmsg's parked error) needs it to be the call's socket.
 *
 * Lifetimes: one struct sc_pending per cancel, owned by the queued work,
 * which frees it whatever it finds (also from exit_task_work() of a dying
 * thread). It holds the pinned socket file and a module reference; module
 * exit waits with synchronize_rcu_tasks() for the last work to return past
 * module_put(), since a queued work cannot be recalled.
 *
 * Locking: the check and the queueing run under the target's pi_lock
 * (task_work_add with TWA_NONE and setting a flag take no other lock; the
 * held thread's fd table is read under RCU, held_fd_names()). The
 * work runs in the target's own context and touches only its registers,
 * its stack and the pinned socket.
 */
#include <linux/compat.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/fdtable.h>
#include <linux/lockdep.h>
#include <linux/file.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>
#include <net/sock.h>
#include <uapi/linux/sockcancel.h>

#include "sc_internal.h"
#include "sc_trace.h"

#ifdef SOCKCANCEL_FAULT_INJECT
/*
 * Test builds only (make module FAULT_INJECT=1): between finding the call
 * and queueing its interruption, a delay (inject_delay_us), and a gate
 * (inject_hold): while it is set, each cancel there takes the next ticket
 * (inject_tickets counts them) and waits until inject_open reaches it, at
 * most 10 s. The selftests race against that window; with the gate they
 * act inside it whatever the machine's speed. And a count of looks
 * (inject_unheld_looks) that see a thread held asleep as not held, as a
 * look may for an instant while the thread's CPU completes a delayed
 * dequeue (6.13 on): the next that many looks of queue_held() take it.
 */
static unsigned int inject_delay_us;
module_param(inject_delay_us, uint, 0644);
MODULE_PARM_DESC(inject_delay_us,
		 "Test builds: delay between finding a call and queueing (us)");

static bool inject_hold;
module_param(inject_hold, bool, 0644);
MODULE_PARM_DESC(inject_hold,
		 "Test builds: cancels wait there until inject_open lets them");

static unsigned int inject_open;
module_param(inject_open, uint, 0644);
MODULE_PARM_DESC(inject_open, "Test builds: the last ticket let through");

static atomic_t inject_tickets = ATOMIC_INIT(0);

static int tickets_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&inject_tickets));
}

static const struct kernel_param_ops tickets_ops = { .get = tickets_get };
module_param_cb(inject_tickets, &tickets_ops, NULL, 0444);
MODULE_PARM_DESC(inject_tickets, "Test builds: tickets taken at the gate");

static void inject_delay(void)
{
	unsigned int us = READ_ONCE(inject_delay_us);
	unsigned long end = jiffies + 10 * HZ;
	unsigned int ticket;

	if (us)
		usleep_range(us, us + us / 8 + 1);
	if (!READ_ONCE(inject_hold))
		return;
	ticket = atomic_inc_return(&inject_tickets);
	while ((int)(READ_ONCE(inject_open) - ticket) < 0 &&
	       time_before(jiffies, end) && !fatal_signal_pending(current))
		usleep_range(1000, 2000);
}

static int inject_unheld_looks;
module_param(inject_unheld_looks, int, 0644);
MODULE_PARM_DESC(inject_unheld_looks,
		 "Test builds: next looks that see a held thread as not held");

/* @held, or false for a look the count above takes */
static bool inject_unheld(bool held)
{
	int n = READ_ONCE(inject_unheld_looks);

	if (held && n > 0 && cmpxchg(&inject_unheld_looks, n, n - 1) == n)
		return false;
	return held;
}

static bool injecting(void)
{
	return READ_ONCE(inject_delay_us) || READ_ONCE(inject_hold) ||
	       READ_ONCE(inject_unheld_looks) > 0;
}
#else
static bool inject_unheld(bool held)
{
	return held;
}

static void inject_delay(void)
{
}

static bool injecting(void)
{
	return false;
}
#endif

struct sc_pending {
	struct callback_head work;
	struct sc_call call;	/* holds the pinned socket file */
	struct sc_call_id id;	/* the call instance found */
	bool reset;		/* SOCKCANCEL_RESET_ON_PARTIAL */
};

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
 * The call found at @site is the one cancelled: the same first argument
 * (socketcall: the same call and argument block). Gives the fd and the
 * byte-count arguments of that call.
 */
static bool same_call(const struct sc_pending *p, const struct sc_site *site,
		      unsigned long *fd, unsigned long *ptr,
		      unsigned long *count)
{
	*fd = site->args[0];
	*ptr = site->args[1];
	*count = site->args[2];
	if (site->args[0] != p->id.args[0])
		return false;
	if (p->call.socketcall) {
		u32 __user *uargs = compat_ptr(site->args[1]);
		u32 a[3];

		if (site->args[1] != p->id.args[1] ||
		    copy_from_user(a, uargs, sizeof(a)))
			return false;
		*fd = a[0];
		*ptr = a[1];
		*count = a[2];
	}
	return true;
}

/*
 * The pinned file is the socket the call works on: the thread slept on it,
 * or its fd still names it (another thread may have closed the fd or put
 * another file there since).
 */
static bool on_pinned_file(const struct sc_pending *p, unsigned long fd)
{
	bool same;

	if (p->call.on_queue)
		return true;
	if ((int)fd != p->call.fd)
		return false;
	/* the pinned file cannot be freed: comparing pointers is enough */
	rcu_read_lock();
	same = files_lookup_fd_raw(current->files, fd) == p->call.file;
	rcu_read_unlock();
	return same;
}

/*
 * The interrupted call ends with -EINTR. A call that returned by itself
 * keeps its result, unless it moved part of a stream with the reset asked
 * for: then that stream is reset and the call fails with -EINTR. What
 * touches the socket needs the socket the call worked on.
 */
static void finish_call(struct sc_pending *p, struct pt_regs *regs)
{
	unsigned long fd, ptr, count;
	struct sc_site site;
	long ret;

	if (!sc_arch_find(&p->id, regs, &site) ||
	    !same_call(p, &site, &fd, &ptr, &count)) {
		trace_sockcancel_call_end(p->id.nr, p->call.op, p->call.fd, -1,
					  0, 0, false);
		return;
	}
	ret = site.kind == SC_SITE_EXIT ? site.ret : -ERESTARTSYS;

	/* the usual case: interrupted, nothing to look up */
	if (site.kind != SC_SITE_EXIT || sc_is_restart(site.ret)) {
		sc_arch_end(&p->id, regs, &site, -EINTR);
		trace_sockcancel_call_end(p->id.nr, p->call.op, fd, site.kind,
					  ret, -EINTR, false);
		return;
	}
	if (p->call.file && (p->reset || p->call.recvmmsg) &&
	    on_pinned_file(p, fd)) {
		if (p->reset && sc_is_partial(&p->call, p->id.compat, site.ret,
					      ptr, count)) {
			sc_reset_stream(p->call.file);
			sc_arch_end(&p->id, regs, &site, -EINTR);
			trace_sockcancel_call_end(p->id.nr, p->call.op, fd,
						  site.kind, ret, -EINTR, true);
			return;
		}
		if (p->call.recvmmsg && site.ret > 0)
			clear_parked_error(p->call.file);
	}
	/* it returned by itself: its result stands */
	trace_sockcancel_call_end(p->id.nr, p->call.op, fd, site.kind, ret,
				  ret, false);
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

struct queue {
	struct sc_pending *p;
	const struct sc_snapshot *seen;	/* sc_interrupt_asleep()'s first look */
	u64 exec_id;		/* the exec generation permission was given for */
	bool restarted;		/* its restart was seen applied */
	bool wake;
};

/* @t has exec'd since permission was given: its calls are not ours to end */
static bool execd(struct task_struct *t, const struct queue *q)
{
	return READ_ONCE(t->self_exec_id) != q->exec_id;
}

/*
 * Queue @q->p on @t, held, to run on its way out of the call it is in (or
 * asleep in): TIF_NOTIFY_SIGNAL ends an interruptible wait as a signal
 * would. SC_ENDED when @t is exiting (its call ended).
 */
static int queue_interrupt(struct task_struct *t, struct queue *q)
{
	lockdep_assert_held(&t->pi_lock);
	if (execd(t, q) || task_work_add(t, &q->p->work, TWA_NONE))
		return SC_ENDED;
	set_tsk_thread_flag(t, TIF_NOTIFY_SIGNAL);
	q->wake = READ_ONCE(t->__state) & TASK_INTERRUPTIBLE;
	return 0;
}

/*
 * sc_hold() callback for a call found in the signal frame of a running
 * SA_RESTART handler: while that handler still runs, queue the work to run
 * at the thread's next return to user space without interrupting anything
 * (TIF_NOTIFY_RESUME); it rewrites the frame then, or stops the restart at
 * the handler's sigreturn. If the handler has returned and the call has
 * been restarted, interrupt the call as usual.
 */
static int queue_frame_held(struct task_struct *t, struct queue *q,
			    bool held)
{
	const struct sc_call_id *then = &q->p->id;
	struct sc_snapshot now;

	lockdep_assert_held(&t->pi_lock);
	if (sc_arch_snapshot(t, &now))
		return SC_ENDED;	/* the thread is gone */
	if (sc_arch_frame_live(then, t, now.sp)) {
		if (!held)
			return -EAGAIN;
		if (execd(t, q) || task_work_add(t, &q->p->work, TWA_NONE))
			return SC_ENDED;	/* exiting, or exec'd */
		set_tsk_thread_flag(t, TIF_NOTIFY_RESUME);
		return 0;
	}
	if (now.state == SC_OUTSIDE || !sc_same_site(then, &now.id))
		return held ? SC_ENDED : -EAGAIN;
	if (!held)
		return -EAGAIN;
	return queue_interrupt(t, q);
}

/*
 * Where @now stands against the call instance @q found: 0 in it (its
 * stamp; unstamped, the call at the same place undecided), or in its
 * restart (the call interrupted, its restart undecided; once the restart
 * was seen applied, q->restarted, the call entered again at the same
 * place). An undecided call may still end with EINTR (a handler without
 * SA_RESTART) and the thread call again: only an applied restart is
 * certain. -EAGAIN between: the restart applied, or what looks like it,
 * where the thread may be held writing a handler's frame (a wake-up there
 * would fail the write): only waited for. SC_ENDED: the call has ended.
 */
static int in_instance(const struct sc_snapshot *now, struct queue *q)
{
	const struct sc_call_id *then = &q->p->id;
	enum sc_restarting r = sc_arch_restarting(then, now);
	bool undecided = now->state == SC_RESTART &&
			 sc_same_site(then, &now->id);

	if (r == SC_RESTART_APPLIED)
		q->restarted = true;
	if (sc_same_instance(then, now) || undecided)
		return 0;
	if (r != SC_NOT_RESTARTING)
		return -EAGAIN;
	if (q->restarted && now->state == SC_IN_CALL &&
	    sc_same_site(then, &now->id))
		return 0;
	return SC_ENDED;
}

/* sc_hold() callback: queue the work if @t is held in the instance found. */
static int queue_held(struct task_struct *t, void *arg, bool held)
{
	struct queue *q = arg;
	const struct sc_call_id *then = &q->p->id;
	struct sc_snapshot now;
	int in;

	lockdep_assert_held(&t->pi_lock);
	held = inject_unheld(held);
	if (then->frame)
		return queue_frame_held(t, q, held);
	/* the usual case: held, asleep in the stamped call */
	if (held && sc_same_chain(sc_arch_stamp_of(t), then->stamp))
		return queue_interrupt(t, q);
	if (held ? sc_snapshot_call(t, &now, false) :
		   sc_arch_snapshot(t, &now))
		return SC_ENDED;	/* the thread is gone */
	in = in_instance(&now, q);
	/* running inside that instance: wait for it to block */
	if (!held && !in)
		return -EAGAIN;
	return in ? in : queue_interrupt(t, q);
}

/*
 * A pending interruption of @call (its file taken over in every case), with
 * a module reference; NULL when out of memory.
 */
static struct sc_pending *new_pending(struct sc_call *call, u32 flags)
{
	struct sc_pending *p = kmalloc(sizeof(*p), GFP_KERNEL);

	if (!p) {
		if (call->file)
			fput(call->file);
		call->file = NULL;
		return NULL;
	}
	p->call = *call;
	call->file = NULL;
	p->reset = flags & SOCKCANCEL_RESET_ON_PARTIAL;
	init_task_work(&p->work, sc_work_fn);
	/* Our caller holds the device open, so the module is live. */
	__module_get(THIS_MODULE);
	return p;
}

static void drop_pending(struct sc_pending *p)
{
	free_pending(p);
	module_put(THIS_MODULE);
}

/*
 * Hold @t and let @fn queue @q->p; wake @t if it sleeps interruptibly.
 * What was not queued is dropped. Returns @fn's verdict (0: queued).
 */
static int queue_and_wake(struct task_struct *t, unsigned int wait_ms,
			  int (*fn)(struct task_struct *t, void *arg,
				    bool held),
			  struct queue *q)
{
	int ret = sc_hold(t, wait_ms, fn, q);

	if (ret) {
		drop_pending(q->p);
		return ret;
	}
	if (q->wake)
		wake_up_process(t);
	return 0;
}

/*
 * Queue the interruption of the call instance @snap (taken while @t was
 * held) describes, if @t has not exec'd since @exec_id. Takes over
 * call->file in every case. Returns 0 when queued; SC_ENDED when that call
 * has ended meanwhile, the thread exiting or exec'ing included (nothing
 * queued); -EAGAIN when it kept running inside the call;
 * -ENOMEM.
 */
int sc_interrupt(struct task_struct *t, const struct sc_snapshot *snap,
		 struct sc_call *call, u32 flags, u64 exec_id)
{
	struct queue q = { .exec_id = exec_id };

	q.p = new_pending(call, flags);
	if (!q.p)
		return -ENOMEM;
	q.p->id = snap->id;
	inject_delay();
	return queue_and_wake(t, SC_CANCEL_WAIT_MS, queue_held, &q);
}

/*
 * fd @fd of @t names @file. @t is held: it cannot run, and only a thread
 * itself replaces or drops its files pointer (exit, unshare), so that stays
 * a live table @t holds a reference to. Its slots are read under RCU, and
 * the pinned @file cannot be freed: comparing pointers is enough.
 */
static bool held_fd_names(struct task_struct *t, unsigned long fd,
			  const struct file *file)
{
	struct files_struct *files = READ_ONCE(t->files);
	bool same;

	if (!files || fd > INT_MAX)
		return false;
	rcu_read_lock();
	same = files_lookup_fd_raw(files, fd) == file;
	rcu_read_unlock();
	return same;
}

/*
 * sc_hold() callback of sc_interrupt_asleep(): @t held, asleep in the call
 * the first look saw (@q->seen), the fd of a call on one socket still
 * naming the socket pinned then: mark that instance and queue. Anything
 * else: SC_SLOW, nothing changed.
 */
static int queue_asleep_held(struct task_struct *t, void *arg, bool held)
{
	struct queue *q = arg;
	const struct sc_call *call = &q->p->call;
	struct sc_snapshot now;

	lockdep_assert_held(&t->pi_lock);
	/* fresh: stamped, so asleep inside a socket call, not stopped */
	if (!held || sc_snapshot_call(t, &now, true) || !now.fresh)
		return SC_SLOW;
	q->p->id = now.id;
	if (!sc_same_site(&q->seen->id, &now.id) ||
	    (call->file && !call->socketcall &&
	     !held_fd_names(t, now.id.args[0], call->file)) ||
	    queue_interrupt(t, q)) {
		sc_arch_unstamp(t, now.id.stamp, now.prev);
		return SC_SLOW;
	}
	return 0;
}

/*
 * A thread asleep in a socket call, in one hold: @seen, a first look at @t
 * without holding it, shows a socket call, classified into @call (its
 * socket pinned). If one hold then finds @t asleep in that same call, the
 * fd still naming that socket, finding, marking and queueing are one
 * critical section: nothing can end or restart the call in between (a stop
 * or a ptrace interrupt that restarts it, data that completes it). Takes
 * over call->file. 0 when queued; SC_SLOW when anything differs (nothing
 * done: the caller takes the way of find_call() and sc_interrupt(), as a
 * cancel arriving a moment later would); -ENOMEM. With a fault-injection
 * delay (test builds) the caller always takes that way, whose window the
 * delay widens.
 */
int sc_interrupt_asleep(struct task_struct *t, const struct sc_snapshot *seen,
			struct sc_call *call, u32 flags, u64 exec_id)
{
	struct queue q = { .seen = seen, .exec_id = exec_id };

	if (injecting()) {
		if (call->file)
			fput(call->file);
		call->file = NULL;
		return SC_SLOW;
	}
	q.p = new_pending(call, flags);
	if (!q.p)
		return -ENOMEM;
	return queue_and_wake(t, 0, queue_asleep_held, &q);
}
