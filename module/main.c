// SPDX-License-Identifier: GPL-2.0
/*
 * sockcancel: cancel another thread's blocking socket call.
 *
 * The misc device /dev/sockcancel has no state of its own: no registration,
 * no per-open or per-thread object. Every ioctl names its target (a tid, or
 * a socket of the caller), looks at what that thread is doing right now and
 * acts on it; the only object that outlives an ioctl is the pending
 * interruption owned by the target's task work (see interrupt.c).
 *
 * Handlers follow one shape: copy_from_user, validate every field, find the
 * target (target.c), classify its syscall (classify.c), act (interrupt.c),
 * copy_to_user.
 */
#include <linux/delay.h>
#include <linux/lockdep.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>
#include <uapi/linux/sockcancel.h>

#include "sc_internal.h"
#define CREATE_TRACE_POINTS
#include "sc_trace.h"

static bool own_process_only;
module_param(own_process_only, bool, 0644);
MODULE_PARM_DESC(own_process_only,
		 "Cancel only threads of the caller's own process (default: no)");

struct find {
	struct sc_snapshot snap;
	bool stamp;
	bool asleep_only;	/* a thread not asleep is passed by at once */
	u64 mine, prev;		/* a stamp this cancel wrote, what it replaced */
};

/*
 * sc_hold() callback: the thread's syscall, exact when it is held; while it
 * runs inside a call, ask to wait for it to block or leave.
 */
static int find_held(struct task_struct *t, void *arg, bool held)
{
	struct find *f = arg;
	int ret;

	lockdep_assert_held(&t->pi_lock);
	if (held)
		ret = sc_snapshot_call(t, &f->snap, f->stamp);
	else
		ret = sc_arch_snapshot(t, &f->snap);
	if (ret)
		return ret;
	if (f->snap.state == SC_OUTSIDE)
		return -ENOENT;
	if (held)
		return 0;
	/* running: worth waiting for only inside a socket call */
	return f->snap.entry && !f->asleep_only ? -EAGAIN : -ENOENT;
}

/*
 * Find the call @t is in and classify it (with @match: only a call on that
 * socket file). @racy_ok: settle for what a thread that kept running inside
 * a call shows (QUERY); a cancel needs the thread held.
 */
static int find_call(struct task_struct *t, const struct file *match,
		     bool racy_ok, struct find *f, struct sc_call *call)
{
	unsigned int wait_ms = racy_ok ? SC_QUERY_WAIT_MS : SC_CANCEL_WAIT_MS;
	unsigned long deadline = jiffies + msecs_to_jiffies(wait_ms);
	bool entering;
	int ret, frame = 0;
	u64 mine, prev;

	might_sleep();
	f->stamp = !racy_ok;
again:
	ret = sc_hold(t, wait_ms, find_held, f);
	if (ret == -EAGAIN && racy_ok)
		ret = 0;
	mine = !ret && f->snap.fresh ? f->snap.id.stamp : 0;
	prev = mine ? f->snap.prev : 0;
	if (!ret)
		ret = sc_classify(t, &f->snap, match, call);
	/*
	 * Not in a socket call: it may be running the SA_RESTART handler of
	 * a signal that interrupted one, which sigreturn will restart; or be
	 * on its way back into such a call, between the handler's sigreturn
	 * (or a restart) and the syscall instruction.
	 */
	if (ret == -ENOENT && !f->asleep_only) {
		frame = sc_arch_find_frame(t, &f->snap);
		if (frame > 0)
			ret = sc_classify(t, &f->snap, match, call);
	}
	/* not the call stamped: take back a stamp written for nothing */
	if (mine && (ret || f->snap.id.stamp != mine))
		sc_arch_unstamp(t, mine, prev);
	/*
	 * On its way, running or asleep on the way (a page fault while its
	 * handler's frame is written): waited for like a running call, then
	 * -EAGAIN.
	 */
	entering = ret == -ENOENT && !f->asleep_only &&
		   (frame < 0 || sc_arch_entering(t, &f->snap));
	if (entering && !time_after(jiffies, deadline) &&
	    !fatal_signal_pending(current)) {
		usleep_range(20, 100);
		goto again;
	}
	if (entering && !racy_ok)
		ret = -EAGAIN;
	f->mine = !ret && f->snap.id.stamp == mine ? mine : 0;
	f->prev = prev;
	return ret;
}

/*
 * A thread asleep in a socket call, the usual cancel, in one hold
 * (sc_interrupt_asleep()): a first look without holding the thread finds
 * the call, classifies it and pins its socket. SC_SLOW: nothing done.
 */
static int cancel_asleep(struct task_struct *t,
			 struct sockcancel_thread_arg *arg, u64 exec_id)
{
	struct sc_snapshot seen;
	struct sc_call call;
	int ret;

	if (sc_arch_snapshot(t, &seen) || seen.state != SC_IN_CALL ||
	    sc_classify(t, &seen, NULL, &call))
		return SC_SLOW;
	ret = sc_interrupt_asleep(t, &seen, &call, arg->flags, exec_id);
	if (!ret) {
		arg->op = call.op;
		arg->fd = call.fd;
	}
	return ret;
}

/* A tid is positive; a pidfd is an fd. */
static bool valid_target(const struct sockcancel_thread_arg *arg)
{
	return arg->flags & SOCKCANCEL_TARGET_PIDFD ? arg->tid >= 0 :
						      arg->tid > 0;
}

/* Look at thread @arg->tid; with @cancel, interrupt its socket call. */
static int thread_op(struct sockcancel_thread_arg *arg, bool cancel)
{
	struct sc_call call;
	struct task_struct *t;
	struct find f = { };
	u64 exec_id;
	int ret;

	t = sc_get_target(arg->tid, arg->flags & SOCKCANCEL_TARGET_PIDFD,
			  own_process_only, &exec_id);
	if (IS_ERR(t))
		return PTR_ERR(t);

	ret = cancel ? cancel_asleep(t, arg, exec_id) : SC_SLOW;
	if (ret != SC_SLOW) {
		put_task_struct(t);
		return ret;
	}
	ret = find_call(t, NULL, !cancel, &f, &call);
	if (!ret) {
		arg->op = call.op;
		arg->fd = call.fd;
		if (cancel)
			ret = sc_interrupt(t, &f.snap, &call, arg->flags,
					   exec_id);
		else if (call.file)
			fput(call.file);
		/* a query tells nothing of a program exec'd since the check */
		if (!cancel && READ_ONCE(t->self_exec_id) != exec_id)
			ret = -ENOENT;
		if (ret && f.mine)
			sc_arch_unstamp(t, f.mine, f.prev);
	}
	put_task_struct(t);
	/* a call that ended before the cancel reached it: 0, as if in time */
	return ret == SC_ENDED ? 0 : ret;
}

static int sockcancel_cancel(void __user *argp)
{
	struct sockcancel_thread_arg arg;
	int ret;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~(SOCKCANCEL_RESET_ON_PARTIAL | SOCKCANCEL_TARGET_PIDFD))
		return -EINVAL;
	if (!valid_target(&arg))
		return -EINVAL;
	/* a cancel cannot be taken back: fail before it if we cannot answer */
	if (copy_to_user(argp, &arg, sizeof(arg)))
		return -EFAULT;

	ret = thread_op(&arg, true);
	trace_sockcancel_request(SC_TRACE_CANCEL, arg.tid, arg.flags,
				 ret ? SOCKCANCEL_OP_NONE : arg.op,
				 ret ? -1 : arg.fd, ret);
	if (ret)
		return ret;
	if (copy_to_user(argp, &arg, sizeof(arg)))
		return -EFAULT;
	return 0;
}

static int sockcancel_query(void __user *argp)
{
	struct sockcancel_thread_arg arg;
	int ret;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~SOCKCANCEL_TARGET_PIDFD) || !valid_target(&arg))
		return -EINVAL;

	ret = thread_op(&arg, false);
	if (ret == -ENOENT) {
		arg.op = SOCKCANCEL_OP_NONE;
		arg.fd = -1;
		ret = 0;
	}
	trace_sockcancel_request(SC_TRACE_QUERY, arg.tid, arg.flags,
				 ret ? SOCKCANCEL_OP_NONE : arg.op,
				 ret ? -1 : arg.fd, ret);
	if (ret)
		return ret;
	if (copy_to_user(argp, &arg, sizeof(arg)))
		return -EFAULT;
	return 0;
}

/*
 * References to every other thread of the caller's process, taken under RCU
 * so the list can then be walked in sleepable context. Returns the count or
 * -ENOMEM; the caller puts each task and frees the array.
 */
static int get_other_threads(struct task_struct ***out)
{
	struct task_struct **tasks, *t;
	int n = 0, max;

retry:
	max = get_nr_threads(current) + 8;
	tasks = kvmalloc_array(max, sizeof(*tasks), GFP_KERNEL);
	if (!tasks)
		return -ENOMEM;
	rcu_read_lock();
	for_each_thread(current, t) {
		if (t == current)
			continue;
		if (n == max) {
			rcu_read_unlock();
			while (n)
				put_task_struct(tasks[--n]);
			kvfree(tasks);
			goto retry;
		}
		get_task_struct(t);
		tasks[n++] = t;
	}
	rcu_read_unlock();
	*out = tasks;
	return n;
}

/*
 * Interrupt every call of the caller's process on, or watching, @file: by
 * the fd the call names, or asleep on the socket's wait queue (its fd closed
 * or given another file meanwhile). Returns the count, or -EAGAIN when a
 * thread kept running inside a call on it (the calls cancelled so far stay
 * cancelled).
 */
static int cancel_socket_calls(struct file *file, u32 flags)
{
	struct task_struct **tasks;
	struct sc_call call;
	struct find f;
	int i, n, ret, count = 0, again = 0;

	n = get_other_threads(&tasks);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		/* a call on another fd counts only if it sleeps on @file */
		f.asleep_only = !sc_arch_snapshot(tasks[i], &f.snap) &&
				sc_elsewhere(tasks[i], &f.snap, file);
		ret = find_call(tasks[i], file, false, &f, &call);
		if (!ret && call.on_queue)
			call.file = get_file(file);
		if (!ret)
			ret = sc_interrupt(tasks[i], &f.snap, &call, flags,
					   READ_ONCE(tasks[i]->self_exec_id));
		if (ret && f.mine)
			sc_arch_unstamp(tasks[i], f.mine, f.prev);
		if (!ret)
			count++;
		else if (ret == -EAGAIN)
			again = ret;
		put_task_struct(tasks[i]);
	}
	kvfree(tasks);
	return again ? again : count;
}

static int sockcancel_cancel_socket(void __user *argp)
{
	struct sockcancel_socket_arg arg;
	struct socket *sock;
	int ret;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~SOCKCANCEL_RESET_ON_PARTIAL) || arg.pad)
		return -EINVAL;
	if (copy_to_user(argp, &arg, sizeof(arg)))
		return -EFAULT;

	sock = sockfd_lookup(arg.fd, &ret);
	if (!sock)
		return ret;
	ret = cancel_socket_calls(sock->file, arg.flags);
	sockfd_put(sock);
	trace_sockcancel_request(SC_TRACE_CANCEL_SOCKET, arg.fd, arg.flags,
				 SOCKCANCEL_OP_NONE, arg.fd, ret);
	if (ret < 0)
		return ret;

	arg.count = ret;
	if (copy_to_user(argp, &arg, sizeof(arg)))
		return -EFAULT;
	return 0;
}

static long sockcancel_ioctl(struct file *file, unsigned int cmd,
			     unsigned long parm)
{
	void __user *argp = (void __user *)parm;

	switch (cmd) {
	case SOCKCANCEL_IOC_CANCEL:
		return sockcancel_cancel(argp);
	case SOCKCANCEL_IOC_QUERY:
		return sockcancel_query(argp);
	case SOCKCANCEL_IOC_CANCEL_SOCKET:
		return sockcancel_cancel_socket(argp);
	default:
		return -ENOIOCTLCMD;
	}
}

static const struct file_operations sockcancel_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= sockcancel_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice sockcancel_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "sockcancel",
	.fops		= &sockcancel_fops,
	.mode		= 0666,
};

static int __init sockcancel_init(void)
{
	int ret = misc_register(&sockcancel_misc);

	if (!ret)
		sc_inject_entry_init();
	return ret;
}

static void __exit sockcancel_exit(void)
{
	sc_inject_entry_exit();
	misc_deregister(&sockcancel_misc);
	/*
	 * Every queued work held a module reference, so all of them have run
	 * module_put(). Wait until none is still returning through our text.
	 */
	synchronize_rcu_tasks();
}

module_init(sockcancel_init);
module_exit(sockcancel_exit);

MODULE_AUTHOR("The sockcancel developers");
MODULE_DESCRIPTION("Cancel another thread's blocking socket call");
MODULE_LICENSE("GPL");
