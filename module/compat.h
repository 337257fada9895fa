/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel version differences, all in one place.
 *
 * sockcancel is built and tested on Debian's 6.1 (bookworm), 6.12 (trixie)
 * and 7.3 (trixie-backports). Each helper below names the upstream change
 * it follows; the .c files call only the helpers, never a version test.
 *
 * Handled without a helper:
 *   - no_llseek was removed in 6.12, cb787f4ac0c2 ("[tree-wide] finally take
 *     no_llseek out"). The misc device simply has no ->llseek: since 6.0,
 *     e7478158e137 ("fs: clear or set FMODE_LSEEK based on llseek
 *     function"), do_dentry_open() then clears FMODE_LSEEK and lseek()
 *     fails with ESPIPE, as no_llseek did (fs/open.c, fs/read_write.c of
 *     6.1, 6.12 and 7.3).
 */
#ifndef SOCKCANCEL_COMPAT_H
#define SOCKCANCEL_COMPAT_H

#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/version.h>

#include <linux/string.h>
#include <uapi/linux/magic.h>

/*
 * The file at the first open descriptor of @t at or above *@fd, with a
 * reference (fput() it), its number in *@fd; NULL when there is none.
 *
 *   - 6.13, 8fd3395ec905 ("get rid of ...lookup...fdget_rcu() family"):
 *     fget_task_next(), which takes the RCU read lock itself.
 *   - 6.7, 0ede61d8589c ("file: convert to SLAB_TYPESAFE_BY_RCU"):
 *     task_lookup_next_fd_rcu() became task_lookup_next_fdget_rcu(), which
 *     returns the file referenced; get_file_rcu() now takes a struct file
 *     __rcu ** and can no longer pin a bare pointer.
 *   - before: task_lookup_next_fd_rcu() under RCU, pinned with the
 *     bool get_file_rcu().
 * fget_task(), which looks up one fd, is not exported in any of them.
 */
static inline struct file *sc_fget_next(struct task_struct *t,
					unsigned int *fd)
{
	struct file *f;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	f = fget_task_next(t, fd);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	rcu_read_lock();
	f = task_lookup_next_fdget_rcu(t, fd);
	rcu_read_unlock();
#else
	rcu_read_lock();
	f = task_lookup_next_fd_rcu(t, fd);
	if (f && !get_file_rcu(f))
		f = NULL;
	rcu_read_unlock();
#endif
	return f;
}

/* The file at descriptor @fd of @t, with a reference, or NULL. */
static inline struct file *sc_fget_task(struct task_struct *t, unsigned int fd)
{
	unsigned int n = fd;
	struct file *f = sc_fget_next(t, &n);

	if (f && n != fd) {
		fput(f);
		f = NULL;
	}
	return f;
}

/*
 * @t is on a run queue in a way that lets it run. 6.12 ("sched/fair:
 * Implement delayed dequeue") can leave a task that went to sleep queued
 * (se.sched_delayed) until the scheduler next picks it; it cannot run
 * without a wake-up, and task_is_runnable() says so. Before, on_rq alone.
 */
static inline bool sc_runnable(struct task_struct *t)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	return task_is_runnable(t);
#else
	return READ_ONCE(t->on_rq);
#endif
}

/*
 * arm64: where a kernel entry can carry the call-instance stamp
 * (arch_arm64.c). Up to 6.12 pt_regs->stackframe is the final frame record
 * of the entry: zeroed at every entry from EL0 and read by nobody (the
 * unwinder stops at its address). 6.13 made it a struct frame_record_meta
 * (asm/stacktrace/frame.h) whose record and type the unwinder reads at
 * every exception boundary: a stamp there would break stack traces, and
 * no other part of pt_regs is both cleared at every entry and unread. So
 * there is no place (NULL), and arch_arm64.c names a sleep by the
 * thread's context-switch count instead.
 */
#ifdef CONFIG_ARM64
static inline u64 *sc_arm64_stamp_slot(struct pt_regs *regs)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
	return &regs->stackframe[0];
#else
	return NULL;
#endif
}
#endif

/*
 * The struct pid the pidfd @file names (the file holds a reference to it),
 * or NULL when @file is no pidfd. pidfd_pid() is not exported, so a pidfd
 * is recognised by where its inode lives:
 *
 *   - 6.9, cb12fd8e0dab ("pidfd: add pidfs"): pidfds are files of the
 *     internal pidfs (PID_FS_MAGIC), the pid in the inode's i_private;
 *   - before, anonymous inodes named "[pidfd]" (kernel/fork.c of 6.1,
 *     pidfd_create()), the pid in the file's private_data. Only the kernel
 *     names anonymous inodes.
 */
static inline struct pid *sc_pidfd_pid(struct file *file)
{
	struct inode *inode = file_inode(file);

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	if (inode->i_sb->s_magic == PID_FS_MAGIC)
		return inode->i_private;
#else
	if (inode->i_sb->s_magic == ANON_INODE_FS_MAGIC &&
	    !strcmp(file->f_path.dentry->d_name.name, "[pidfd]"))
		return file->private_data;
#endif
	return NULL;
}

#endif /* SOCKCANCEL_COMPAT_H */
