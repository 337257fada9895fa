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

#include <linux/capability.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/task.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 2, 0)
#include <linux/sched/exec_state.h>
#else
#include <linux/mm_types.h>
#endif

/*
 * The file at descriptor @fd of @t, with a reference (fput() it), or NULL.
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
static inline struct file *sc_fget_task(struct task_struct *t, unsigned int fd)
{
	unsigned int n = fd;
	struct file *f;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	f = fget_task_next(t, &n);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	rcu_read_lock();
	f = task_lookup_next_fdget_rcu(t, &n);
	rcu_read_unlock();
#else
	rcu_read_lock();
	f = task_lookup_next_fd_rcu(t, &n);
	if (f && !get_file_rcu(f))
		f = NULL;
	rcu_read_unlock();
#endif
	if (f && n != fd) {
		fput(f);
		f = NULL;
	}
	return f;
}

/*
 * The dumpability half of the ptrace access rule: true when @t is dumpable
 * by its owner (it did not exec a setuid program or drop privileges), or
 * the caller has CAP_SYS_PTRACE in the user namespace @t's program was
 * exec'd in. A task without that state (no mm before 7.2) passes.
 *
 *   - 7.2: dumpability and the exec-time user_ns moved from mm_struct
 *     (get_dumpable(mm), mm->user_ns) to the RCU-protected task->exec_state
 *     (include/linux/sched/exec_state.h, enum task_dumpable). Its accessors
 *     task_exec_state_rcu() and task_exec_state_get_dumpable() are not
 *     exported; the field is read here as they read it.
 *   - before: get_dumpable(t->mm) == SUID_DUMP_USER, mm->user_ns, under
 *     task_lock().
 */
static inline bool sc_dumpable_or_capable(struct task_struct *t)
{
	bool ok = true;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 2, 0)
	struct task_exec_state *es;

	rcu_read_lock();
	es = rcu_dereference(t->exec_state);
	if (es && READ_ONCE(es->dumpable) != TASK_DUMPABLE_OWNER &&
	    !ns_capable(es->user_ns, CAP_SYS_PTRACE))
		ok = false;
	rcu_read_unlock();
#else
	struct mm_struct *mm;

	task_lock(t);
	mm = t->mm;
	if (mm && get_dumpable(mm) != SUID_DUMP_USER &&
	    !ns_capable(mm->user_ns, CAP_SYS_PTRACE))
		ok = false;
	task_unlock(t);
#endif
	return ok;
}

#endif /* SOCKCANCEL_COMPAT_H */
