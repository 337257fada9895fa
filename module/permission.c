// SPDX-License-Identifier: GPL-2.0
/*
 * Who may cancel or query a thread of another process: the kernel decides,
 * with ptrace's attach check and every active security module (Yama,
 * AppArmor, SELinux, ...). Documentation/sockcancel-design.rst,
 * "Permission", gives the reasons and the alternatives not taken.
 *
 * A module cannot call ptrace_may_access(). It can open a file whose open
 * makes that check with the caller's credentials: the target thread's
 * /proc/<tid>/mem, whose open asks mm_access() for
 * PTRACE_MODE_ATTACH | PTRACE_MODE_FSCREDS under the target's
 * exec_update_lock; Yama and the LSMs log a refusal there as they log a
 * refused ptrace attach. Nothing is read; the file is closed at once.
 *
 * The procfs asked is the one mounted at /proc in the caller's root: one
 * open of /proc/<tid>/mem, the thread named by its number in the caller's
 * pid namespace, and the file checked to be that procfs's. Where the
 * kernel cannot be asked, the request fails closed: no procfs at /proc
 * (-EACCES), the thread hidden there (hidepid=, a procfs of another pid
 * namespace: -EPERM). A thread without an mm (exited, not reaped) is not
 * checked by mem's open: it is reported as exited (-ESRCH), before and after
 * asking.
 *
 * A target that execs meanwhile (a set-uid program) is no longer the one
 * checked: sc_permitted() returns its exec generation (self_exec_id, which
 * exec increments in the thread that execs), and nothing is queued on a
 * thread whose generation differs (interrupt.c).
 *
 * Locking and lifetimes: none of our own. May sleep (a path walk and an
 * open); the path of /proc and the opened file are released before return.
 */
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "sc_internal.h"

/* A procfs is mounted at /proc in the caller's root. */
static bool caller_has_proc(void)
{
	struct path path;
	bool proc;

	if (kern_path("/proc", LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &path))
		return false;
	proc = path.dentry->d_sb->s_magic == PROC_SUPER_MAGIC;
	path_put(&path);
	return proc;
}

/*
 * @mem is <tid>/mem at the root of a procfs of pid namespace @ns: the file
 * of the thread whose number there we named, and not of some other
 * mount's idea of /proc.
 */
static bool is_mem_of(struct file *mem, struct pid_namespace *ns)
{
	struct dentry *d = mem->f_path.dentry;
	struct super_block *sb = d->d_sb;

	return sb->s_magic == PROC_SUPER_MAGIC && proc_pid_ns(sb) == ns &&
	       d->d_parent->d_parent == mem->f_path.mnt->mnt_root;
}

/* The kernel's answer to "may current ptrace-attach @t?" through mem. */
static int ask_kernel(struct task_struct *t)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct file *mem;
	char name[32];
	pid_t tid;
	int err = 0;

	/* numbered in the caller's pid namespace, whose procfs should be at /proc */
	tid = task_pid_nr_ns(t, ns);
	if (!tid)
		return pid_alive(t) ? -EPERM : -ESRCH;
	snprintf(name, sizeof(name), "/proc/%d/mem", tid);
	/*
	 * Whatever else is found there is opened as the caller would open it;
	 * nonblocking and without a controlling tty, it cannot hang or take
	 * a terminal (a FIFO, a tty on a /proc of the caller's making).
	 */
	mem = filp_open(name, O_RDONLY | O_LARGEFILE | O_NONBLOCK | O_NOCTTY,
			0);
	if (IS_ERR(mem)) {
		err = PTR_ERR(mem);
		if (err != -ENOENT && err != -ESRCH)
			/* the check's refusal (-EACCES, -EPERM), a failed open */
			return -EPERM;
		if (!caller_has_proc())
			return -EACCES;
		/* gone meanwhile, or hidden (hidepid=2, another namespace) */
		return pid_alive(t) && !(t->flags & PF_EXITING) ? -EPERM :
								 -ESRCH;
	}
	if (!is_mem_of(mem, ns))
		err = caller_has_proc() ? -EPERM : -EACCES;
	filp_close(mem, NULL);
	return err;
}

/*
 * May the caller cancel or query @t, a thread of another process? 0 when
 * the kernel's ptrace attach check allowed it, with @t's exec generation
 * at that check in @exec_id; -EPERM when refused, -EACCES when the kernel
 * could not be asked, -ESRCH when @t has exited.
 */
int sc_permitted(struct task_struct *t, u64 *exec_id)
{
	int err;

	might_sleep();
	/* exited: not in any call, and mem's open would check nothing */
	if (!READ_ONCE(t->mm))
		return -ESRCH;
	/* read before the check: an exec after it has a new generation */
	*exec_id = READ_ONCE(t->self_exec_id);
	err = ask_kernel(t);
	if (err)
		return err;
	/*
	 * mem's open checks nothing for a thread without an mm; a user
	 * thread's mm goes away once, at exit, so one still there now was
	 * there at the check.
	 */
	if (!READ_ONCE(t->mm))
		return -ESRCH;
	return 0;
}
