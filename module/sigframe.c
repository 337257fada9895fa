// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the signal frame of a running SA_RESTART handler whose saved
 * context restarts a socket call (sigframe.h): the handlers and masks of a
 * thread, and the scan of its user stack above the stack pointer. What a
 * frame looks like is the architecture's (arch_*.c passes a sc_frame_fn).
 *
 * Locking and lifetimes: the handlers are read under RCU from the thread's
 * sighand; the stack is read with sc_read_user() into a buffer of this
 * call, which may sleep. Nothing is kept: the result is a description in
 * the caller's snapshot, checked again before it is acted on (interrupt.c).
 */
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "sc_internal.h"
#include "sigframe.h"

/* bytes of the user stack read at once */
#define PIECE	4096

bool sc_frame_live(const struct sc_call_id *id, struct task_struct *t,
		   unsigned long sp)
{
	return sp <= id->frame && id->frame - sp <= SC_FRAME_SPAN &&
	       sc_mask_bits(&t->blocked) == id->frame_mask;
}

bool sc_at_restart_handler(struct task_struct *t, unsigned long ip)
{
	struct sighand_struct *sh;
	bool at = false;
	int i;

	rcu_read_lock();
	sh = rcu_dereference(t->sighand);
	for (i = 0; sh && i < _NSIG && !at; i++) {
		const struct sigaction *sa = &sh->action[i].sa;

		at = (READ_ONCE(sa->sa_flags) & SA_RESTART) &&
		     (unsigned long)READ_ONCE(sa->sa_handler) == ip;
	}
	rcu_read_unlock();
	return at;
}

bool sc_running_handler(struct sc_restarters *r, int sig, u64 saved)
{
	if (r->blocked == (saved | r->add_mask[sig - 1]))
		return true;
	r->near_miss = true;
	return false;
}

/*
 * Cheap first look: can @t be running an SA_RESTART handler? Its signal is
 * blocked while it runs, unless SA_NODEFER; a thread seen running may be
 * starting the handler, the mask not yet set (@held false).
 */
static bool any_restarter(struct task_struct *t, bool held)
{
	u64 blocked = sc_mask_bits(&t->blocked);
	struct sighand_struct *sh;
	bool any = false;
	int i;

	rcu_read_lock();
	sh = rcu_dereference(t->sighand);
	for (i = 0; sh && i < _NSIG && !any; i++) {
		const struct sigaction *sa = &sh->action[i].sa;
		void __user *handler = READ_ONCE(sa->sa_handler);
		unsigned long flags = READ_ONCE(sa->sa_flags);

		any = (flags & SA_RESTART) && handler != SIG_DFL &&
		      handler != SIG_IGN &&
		      (!held || (flags & SA_NODEFER) || (blocked & BIT_ULL(i)));
	}
	rcu_read_unlock();
	return any;
}

static void find_restarters(struct task_struct *t, struct sc_restarters *r)
{
	struct sighand_struct *sh;
	int i, j;

	memset(r, 0, sizeof(*r));
	rcu_read_lock();
	sh = rcu_dereference(t->sighand);
	for (i = 0; sh && i < _NSIG; i++) {
		const struct sigaction *sa = &sh->action[i].sa;
		unsigned long flags = READ_ONCE(sa->sa_flags);
		void __user *handler = READ_ONCE(sa->sa_handler);

		if (!(flags & SA_RESTART) || handler == SIG_DFL ||
		    handler == SIG_IGN)
			continue;
		r->restart[i] = true;
		r->siginfo[i] = flags & SA_SIGINFO;
		r->add_mask[i] = sc_mask_bits(&sa->sa_mask);
		if (!(flags & SA_NODEFER))
			r->add_mask[i] |= BIT_ULL(i);
		if (flags & SA_RESTORER)
			r->restorer[i] = (unsigned long)READ_ONCE(sa->sa_restorer);
		r->n++;
		for (j = 0; j < r->n_distinct; j++)
			if (r->distinct[j] == r->restorer[i])
				break;
		if (j == r->n_distinct && r->restorer[i] &&
		    r->n_distinct < ARRAY_SIZE(r->distinct))
			r->distinct[r->n_distinct++] = r->restorer[i];
	}
	r->blocked = sc_mask_bits(&t->blocked);
	rcu_read_unlock();
	r->ss_sp = READ_ONCE(t->sas_ss_sp);
	r->ss_size = READ_ONCE(t->sas_ss_size);
}

int sc_scan_frames(struct task_struct *t, struct sc_snapshot *snap,
		   unsigned long sp, unsigned int step, size_t size,
		   sc_frame_fn fn)
{
	struct sc_restarters *r;
	unsigned long base;
	int found = 0, n, off;
	u8 *buf;

	if (!any_restarter(t, snap->held))
		return 0;
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	buf = kmalloc(PIECE + size, GFP_KERNEL);
	if (!r || !buf)
		goto out;
	find_restarters(t, r);
	if (!r->n)
		goto out;
	for (base = ALIGN(sp, step); base < sp + SC_FRAME_SPAN; base += PIECE) {
		n = sc_read_user(t, base, buf, PIECE + size);
		for (off = 0; off + size <= n && off < PIECE; off += step) {
			found = fn(t, r, buf + off, base + off, snap);
			if (found)
				goto out;
		}
		if (n < PIECE + size || fatal_signal_pending(current))
			break;
		cond_resched();
	}
	/* seen running: the kernel may be setting the handler's mask now */
	if (r->near_miss && !snap->held)
		found = -EAGAIN;
out:
	kfree(buf);
	kfree(r);
	return found;
}
