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

#include "sockcancel.h"

static bool own_process_only;
module_param(own_process_only, bool, 0644);
MODULE_PARM_DESC(own_process_only,
		 "Cancel only threads of the caller's own process (default: no)");

/* Look at thread @arg->tid; with @cancel, interrupt its socket call. */
static int thread_op(struct sockcancel_thread_arg *arg, bool cancel)
{
	struct sc_snapshot snap;
	struct sc_call call;
	struct task_struct *t;
	int ret;

	t = sc_get_target(arg->tid, own_process_only);
	if (IS_ERR(t))
		return PTR_ERR(t);

	ret = sc_snapshot(t, &snap);
	if (!ret)
		ret = sc_classify(t, &snap, NULL, &call);
	if (!ret) {
		arg->op = call.op;
		arg->fd = call.fd;
		if (cancel)
			ret = sc_interrupt(t, &snap, &call, arg->flags);
		else if (call.file)
			fput(call.file);
	}
	put_task_struct(t);
	return ret;
}

static int sockcancel_cancel(void __user *argp)
{
	struct sockcancel_thread_arg arg;
	int ret;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~SOCKCANCEL_RESET_ON_PARTIAL)
		return -EINVAL;
	if (arg.tid <= 0)
		return -EINVAL;
	/* a cancel cannot be taken back: fail before it if we cannot answer */
	if (copy_to_user(argp, &arg, sizeof(arg)))
		return -EFAULT;

	ret = thread_op(&arg, true);
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
	if (arg.flags || arg.tid <= 0)
		return -EINVAL;

	ret = thread_op(&arg, false);
	if (ret == -ENOENT) {
		arg.op = SOCKCANCEL_OP_NONE;
		arg.fd = -1;
	} else if (ret) {
		return ret;
	}
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

/* Interrupt every call of the caller's process on, or watching, @file. */
static int cancel_socket_calls(struct file *file, u32 flags)
{
	struct task_struct **tasks;
	struct sc_snapshot snap;
	struct sc_call call;
	int i, n, count = 0;

	n = get_other_threads(&tasks);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (!sc_snapshot(tasks[i], &snap) &&
		    !sc_classify(tasks[i], &snap, file, &call) &&
		    !sc_interrupt(tasks[i], &snap, &call, flags))
			count++;
		put_task_struct(tasks[i]);
	}
	kvfree(tasks);
	return count;
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
	return misc_register(&sockcancel_misc);
}

static void __exit sockcancel_exit(void)
{
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
