// SPDX-License-Identifier: GPL-2.0
/*
 * x86-64 (with ia32 emulation) implementation of arch.h.
 *
 * Registers: while a thread is inside a syscall, pt_regs->orig_ax holds the
 * number, ->ax the value -ENOSYS set at entry until the call stores its
 * result, ->ip the user address the call returns to. TS_COMPAT marks an
 * ia32 syscall. The instance stamp replaces -ENOSYS in ->ax: nothing reads
 * ->ax of a thread asleep inside a syscall, the call overwrites it with its
 * result, and the next syscall entry sets -ENOSYS again.
 *
 * Restart: an interrupted call returns -ERESTART*; on the way out the kernel
 * either restarts it (ip moved back over the 2-byte syscall instruction, ax
 * reloaded with the number; -ERESTART_RESTARTBLOCK reloads restart_syscall)
 * or, for a signal with an SA_RESTART handler, records that restart in the
 * saved context of the handler's signal frame (x86-64 rt frame; ia32 rt and
 * old frames). The frame is recognised by the registers the kernel has just
 * set up for the handler, in the same exit of the interrupted call.
 *
 * Locking and lifetimes: another thread's registers are read under RCU after
 * one check of task->stack (a reaped task's stack is freed after a grace
 * period); they are written only while the thread is held (target.c). The
 * functions called in the thread itself touch only its own registers and
 * its own user stack.
 */
#include <linux/compat.h>
#include <linux/errno.h>
#include <linux/net.h>
#include <linux/rcupdate.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/uaccess.h>
#include <asm/sigframe.h>
#include <asm/syscall.h>
#include <asm/unistd.h>
#include <asm/unistd_32_ia32.h>
#include <uapi/linux/sockcancel.h>

#include "sc_internal.h"
#include "sigframe.h"

#if !defined(CONFIG_X86_64)
#error "sockcancel: x86 is supported as x86-64 (with or without ia32 emulation)"
#endif

/* syscall, sysenter and int $0x80 are all two bytes long */
#define SYSCALL_INSN_LEN	2

/* arch.h's common calls, and x86-64's poll and select */
static const struct sc_entry native_calls[] = {
	SC_COMMON_CALLS,
	SC_WAIT_CALL(__NR_poll, SC_POLL, 0),
	SC_WAIT_CALL(__NR_select, SC_SELECT, 16),
};

static const struct sc_entry ia32_calls[] = {
	SC_SOCK_CALL(__NR_ia32_read, RECV, -1, ARG2, false),
	SC_SOCK_CALL(__NR_ia32_readv, RECV, -1, IOV, false),
	SC_SOCK_CALL(__NR_ia32_recvfrom, RECV, 3, ARG2, false),
	SC_SOCK_CALL(__NR_ia32_recvmsg, RECV, 2, MSG, false),
	SC_SOCK_CALL(__NR_ia32_recvmmsg, RECV, 3, NONE, true),
	SC_SOCK_CALL(__NR_ia32_recvmmsg_time64, RECV, 3, NONE, true),
	SC_SOCK_CALL(__NR_ia32_write, SEND, -1, ARG2, false),
	SC_SOCK_CALL(__NR_ia32_writev, SEND, -1, IOV, false),
	SC_SOCK_CALL(__NR_ia32_sendto, SEND, 3, ARG2, false),
	SC_SOCK_CALL(__NR_ia32_sendmsg, SEND, 2, MSG, false),
	SC_SOCK_CALL(__NR_ia32_sendmmsg, SEND, 3, NONE, false),
	SC_SOCK_CALL(__NR_ia32_accept4, ACCEPT, -1, NONE, false),
	SC_SOCK_CALL(__NR_ia32_connect, CONNECT, -1, NONE, false),
	SC_WAIT_CALL(__NR_ia32_poll, SC_POLL, 0),
	SC_WAIT_CALL(__NR_ia32_ppoll, SC_PPOLL, 8),
	SC_WAIT_CALL(__NR_ia32_ppoll_time64, SC_PPOLL, 16),
	SC_WAIT_CALL(__NR_ia32__newselect, SC_SELECT, 8),
	SC_WAIT_CALL(__NR_ia32_pselect6, SC_SELECT, 8),
	SC_WAIT_CALL(__NR_ia32_pselect6_time64, SC_SELECT, 16),
	{ __NR_ia32_socketcall, SOCKCANCEL_OP_NONE, SC_SOCKETCALL, -1,
	  SC_LEN_NONE, 0, false },
};

/* socketcall(2) call numbers, indexed by SYS_*. */
static const struct sc_entry socketcalls[] = {
	[SYS_CONNECT]	= SC_SOCK_CALL(SYS_CONNECT, CONNECT, -1, NONE, false),
	[SYS_ACCEPT]	= SC_SOCK_CALL(SYS_ACCEPT, ACCEPT, -1, NONE, false),
	[SYS_SEND]	= SC_SOCK_CALL(SYS_SEND, SEND, 3, ARG2, false),
	[SYS_RECV]	= SC_SOCK_CALL(SYS_RECV, RECV, 3, ARG2, false),
	[SYS_SENDTO]	= SC_SOCK_CALL(SYS_SENDTO, SEND, 3, ARG2, false),
	[SYS_RECVFROM]	= SC_SOCK_CALL(SYS_RECVFROM, RECV, 3, ARG2, false),
	[SYS_SENDMSG]	= SC_SOCK_CALL(SYS_SENDMSG, SEND, 2, MSG, false),
	[SYS_RECVMSG]	= SC_SOCK_CALL(SYS_RECVMSG, RECV, 2, MSG, false),
	[SYS_ACCEPT4]	= SC_SOCK_CALL(SYS_ACCEPT4, ACCEPT, -1, NONE, false),
	[SYS_RECVMMSG]	= SC_SOCK_CALL(SYS_RECVMMSG, RECV, 3, NONE, true),
	[SYS_SENDMMSG]	= SC_SOCK_CALL(SYS_SENDMMSG, SEND, 3, NONE, false),
};

const struct sc_entry *sc_arch_lookup(long nr, bool compat)
{
	const struct sc_entry *tab = compat ? ia32_calls : native_calls;
	size_t i, n = compat ? ARRAY_SIZE(ia32_calls) : ARRAY_SIZE(native_calls);

	for (i = 0; i < n; i++)
		if (tab[i].nr == nr)
			return &tab[i];
	return NULL;
}

const struct sc_entry *sc_arch_socketcall(unsigned long call)
{
	if (call >= ARRAY_SIZE(socketcalls) || !socketcalls[call].op)
		return NULL;
	return &socketcalls[call];
}

/* task_pt_regs() from one read of t->stack; call under rcu_read_lock(). */
static struct pt_regs *saved_regs(struct task_struct *t)
{
	void *stack = READ_ONCE(t->stack);

	if (!stack)
		return NULL;
	return (struct pt_regs *)(stack + THREAD_SIZE -
				  TOP_OF_KERNEL_STACK_PADDING) - 1;
}

/*
 * The registers a snapshot takes; returns ax. A thread that is not held may
 * be running: its entry code and its calls rewrite them while they are
 * read (data races KCSAN reports). That look is racy by design and marked
 * so: it cannot invent a socket call, and what a cancel acts on is read
 * again while the thread is held (design document, "Holding a thread
 * still").
 */
static unsigned long read_regs(struct task_struct *t, struct pt_regs *regs,
			       struct sc_snapshot *snap)
{
	unsigned long ax;

	snap->id.nr = syscall_get_nr(t, regs);
	ax = READ_ONCE(regs->ax);
	snap->id.ip = regs->ip;
	snap->sp = regs->sp;
	snap->id.user32 = !user_64bit_mode(regs);
	snap->id.compat = task_thread_info(t)->status & TS_COMPAT;
	syscall_get_arguments(t, regs, snap->id.args);
	return ax;
}

int sc_arch_snapshot(struct task_struct *t, struct sc_snapshot *snap)
{
	struct pt_regs *regs;
	unsigned long ax;

	rcu_read_lock();
	regs = saved_regs(t);
	if (!regs) {
		rcu_read_unlock();
		return -ENOENT;
	}
	/* a running thread rewrites them meanwhile: see read_regs() */
	ax = data_race(read_regs(t, regs, snap));
	snap->rv = ax;
	snap->held = false;
	snap->fresh = false;
	snap->prev = 0;
	snap->id.frame = 0;
	snap->id.frame_ctx = 0;
	rcu_read_unlock();

	snap->entry = snap->id.nr < 0 ? NULL :
			sc_arch_lookup(snap->id.nr, snap->id.compat);
	snap->id.stamp = (ax & SC_STAMP_MASK) == SC_STAMP_TAG ?
			 ax & ~SC_STAMP_MASK : 0;
	if (snap->id.nr < 0)
		snap->state = SC_OUTSIDE;
	else if ((long)ax == -ENOSYS || snap->id.stamp)
		snap->state = SC_IN_CALL;
	else if (sc_is_restart(ax))
		snap->state = SC_RESTART;
	else
		snap->state = SC_OUTSIDE;
	return 0;
}

/* syscall, sysenter or int $0x80 at @ip */
static bool syscall_insn_at(struct task_struct *t, unsigned long ip)
{
	u8 insn[SYSCALL_INSN_LEN];

	if (sc_read_user(t, ip, insn, sizeof(insn)) != sizeof(insn))
		return false;
	return (insn[0] == 0x0f && (insn[1] == 0x05 || insn[1] == 0x34)) ||
	       (insn[0] == 0xcd && insn[1] == 0x80);
}

bool sc_arch_entering(struct task_struct *t, const struct sc_snapshot *snap)
{
	bool compat = snap->id.user32;

	/* inside sigreturn: it may restore a context that restarts a call */
	if (snap->id.nr == (snap->id.compat ? __NR_ia32_rt_sigreturn :
					      __NR_rt_sigreturn) ||
	    (snap->id.compat && snap->id.nr == __NR_ia32_sigreturn))
		return true;
	/*
	 * Back in user space at the instruction with the number loaded, or
	 * still in the kernel with ip already moved back over it (while the
	 * restart is applied and a handler's frame set up).
	 */
	if (snap->id.nr == -1 ? !sc_arch_lookup(snap->rv, compat) : !snap->entry)
		return false;
	if (syscall_insn_at(t, snap->id.ip))
		return true;
	/*
	 * Seen running at the entry of an SA_RESTART handler: the kernel
	 * setting up that handler stores ip before sp, and between the two
	 * the frame lies below the sp seen. Looked at again, the frame is
	 * found (or the handler entered user space, and it is found).
	 */
	if (!snap->held && sc_at_restart_handler(t, snap->id.ip))
		return true;
	/*
	 * Seen running just past the instruction with a socket call's number
	 * in ax: passing one of two windows of a few instructions, which a
	 * vCPU its host deschedules stretches to milliseconds. The entry code
	 * of the call has saved ip (and orig_ax), not yet ax; or the kernel
	 * applying a restart has reloaded ax, not yet moved ip back. Or the
	 * thread returned from a call whose result equals its number: then
	 * its next kernel entry, a tick at most, changes what is seen.
	 */
	if (snap->held || (snap->id.nr != -1 && snap->rv != snap->id.nr))
		return false;
	return syscall_insn_at(t, snap->id.ip - SYSCALL_INSN_LEN);
}

u64 sc_arch_stamp(struct task_struct *t, u64 id)
{
	struct pt_regs *regs;

	rcu_read_lock();
	regs = saved_regs(t);
	if (regs)
		WRITE_ONCE(regs->ax, SC_STAMP_TAG | (id & ~SC_STAMP_MASK));
	rcu_read_unlock();
	return regs ? id & ~SC_STAMP_MASK : 0;
}

void sc_arch_unstamp(struct task_struct *t, u64 mine, u64 prev)
{
	unsigned long back = prev ? SC_STAMP_TAG | prev : (unsigned long)-ENOSYS;
	struct pt_regs *regs;

	rcu_read_lock();
	regs = saved_regs(t);
	/* atomic against the call storing its result meanwhile */
	if (regs)
		cmpxchg(&regs->ax, SC_STAMP_TAG | mine, back);
	rcu_read_unlock();
}

u64 sc_arch_stamp_of(struct task_struct *t)
{
	struct pt_regs *regs;
	unsigned long ax = 0;

	rcu_read_lock();
	regs = saved_regs(t);
	if (regs)
		ax = READ_ONCE(regs->ax);
	rcu_read_unlock();
	return (ax & SC_STAMP_MASK) == SC_STAMP_TAG ? ax & ~SC_STAMP_MASK : 0;
}

static long restart_nr(bool compat)
{
	return compat ? __NR_ia32_restart_syscall : __NR_restart_syscall;
}

/*
 * The restart is applied: ax holds the number again (restart_syscall's for
 * -ERESTART_RESTARTBLOCK) and ip is back on the syscall instruction, the
 * call's number and arguments still in orig_ax and the argument registers.
 * No return to user space leaves that: it is the exit applying the restart,
 * or the thread back in user space since, before its next kernel entry. An
 * interrupt there replaces orig_ax by -1: then a thread that loaded the
 * number for a call of its own looks the same.
 */
enum sc_restarting sc_arch_restarting(const struct sc_call_id *then,
				      const struct sc_snapshot *now)
{
	if (now->state != SC_OUTSIDE || now->id.user32 != then->user32 ||
	    now->id.ip != then->ip - SYSCALL_INSN_LEN ||
	    (now->rv != then->nr && now->rv != restart_nr(then->compat)))
		return SC_NOT_RESTARTING;
	if (now->id.nr == -1)
		return SC_RESTART_LOOKALIKE;
	if (now->id.nr == then->nr &&
	    !memcmp(now->id.args, then->args, sizeof(now->id.args)))
		return SC_RESTART_APPLIED;
	return SC_NOT_RESTARTING;
}

/*
 * The saved context @ctx of a signal frame restarts the call @id: ip at the
 * syscall instruction, ax the call's number. Gives its arguments.
 */
static bool native_ctx(const struct sc_call_id *id,
		       struct sigcontext __user *sc, struct sc_site *site)
{
	u64 ip, ax, a[6];

	if (get_user(ip, &sc->ip) || get_user(ax, &sc->ax) ||
	    ip != id->ip - SYSCALL_INSN_LEN || ax != id->nr)
		return false;
	if (get_user(a[0], &sc->di) || get_user(a[1], &sc->si) ||
	    get_user(a[2], &sc->dx) || get_user(a[3], &sc->r10) ||
	    get_user(a[4], &sc->r8) || get_user(a[5], &sc->r9))
		return false;
	memcpy(site->args, a, sizeof(a));
	site->ctx = sc;
	return true;
}

static bool ia32_ctx(const struct sc_call_id *id,
		     struct sigcontext_32 __user *sc, struct sc_site *site)
{
	u32 ip, ax, a[6];
	int i;

	if (get_user(ip, &sc->ip) || get_user(ax, &sc->ax) ||
	    ip != (u32)(id->ip - SYSCALL_INSN_LEN) || ax != (u32)id->nr)
		return false;
	if (get_user(a[0], &sc->bx) || get_user(a[1], &sc->cx) ||
	    get_user(a[2], &sc->dx) || get_user(a[3], &sc->si) ||
	    get_user(a[4], &sc->di) || get_user(a[5], &sc->bp))
		return false;
	for (i = 0; i < 6; i++)
		site->args[i] = a[i];
	site->ctx = sc;
	return true;
}

/*
 * The handler's frame set up in this exit for a signal that interrupted the
 * call, recognised by the registers the kernel has just set up for the
 * handler: x86-64 rt frames; ia32 rt frames (SA_SIGINFO) and old frames.
 */
static bool new_frame(const struct sc_call_id *id, struct pt_regs *regs,
		      struct sc_site *site)
{
	if (!id->compat) {
		struct rt_sigframe __user *frame = (void __user *)regs->sp;

		return regs->ax == 0 &&
		       regs->si == (unsigned long)&frame->info &&
		       regs->dx == (unsigned long)&frame->uc &&
		       native_ctx(id, &frame->uc.uc_mcontext, site);
	} else {
		struct rt_sigframe_ia32 __user *rt = compat_ptr(regs->sp);
		struct sigframe_ia32 __user *old = compat_ptr(regs->sp);
		int sig;

		if (regs->dx == ptr_to_compat(&rt->info) &&
		    regs->cx == ptr_to_compat(&rt->uc))
			return ia32_ctx(id, &rt->uc.uc_mcontext, site);
		return !regs->dx && !regs->cx && !get_user(sig, &old->sig) &&
		       sig == regs->ax && ia32_ctx(id, &old->sc, site);
	}
}

/*
 * A handler's return pops the frame's return address (ia32's old-style
 * restorer also its signal number): from there to the sigreturn, the
 * restorer runs with sp up to 8 bytes above the frame, which sigreturn
 * then reads; the handler's mask is still set.
 */
#define RESTORER_POP	8

bool sc_arch_frame_live(const struct sc_call_id *id, struct task_struct *t,
			unsigned long sp)
{
	return sc_frame_live(id, t, (id->compat ? (u32)sp : sp) - RESTORER_POP);
}

/* A restart of a call in the ABI's table, with its identity. */
static bool restart_ctx(struct sc_snapshot *snap, bool compat, u64 ip, u64 ax,
			const u64 *args, unsigned long frame,
			unsigned long ctx)
{
	const struct sc_entry *e = sc_arch_lookup(ax, compat);
	int i;

	if (!e)
		return false;
	snap->entry = e;
	snap->id.nr = ax;
	snap->id.ip = ip + SYSCALL_INSN_LEN;
	snap->id.compat = compat;
	for (i = 0; i < 6; i++)
		snap->id.args[i] = args[i];
	snap->state = SC_RESTART;
	snap->id.stamp = 0;
	snap->id.frame = frame;
	snap->id.frame_ctx = ctx;
	return true;
}

/*
 * The signal an x86-64 rt frame was set up for: its siginfo says so only
 * with SA_SIGINFO (without, the kernel leaves that part unwritten); the
 * restorer and the mask the handler runs with must match in any case.
 */
static int native_frame_signal(struct sc_restarters *r,
			       const struct rt_sigframe *f)
{
	unsigned long pret = (unsigned long)f->pretcode;
	u64 saved = sc_mask_bits(&f->uc.uc_sigmask);
	int sig;

	for (sig = 1; sig <= _NSIG; sig++) {
		if (!r->restart[sig - 1] || r->restorer[sig - 1] != pret ||
		    (r->siginfo[sig - 1] && f->info.si_signo != sig))
			continue;
		if (sc_running_handler(r, sig, saved))
			return sig;
	}
	return 0;
}

/*
 * An x86-64 rt frame at @at: 16-byte aligned plus the return address, which
 * is the restorer of an SA_RESTART handler (x86-64 requires SA_RESTORER).
 */
static bool native_candidate(struct task_struct *t, struct sc_restarters *r,
			     const u8 *p, unsigned long at,
			     struct sc_snapshot *snap)
{
	const struct rt_sigframe *f = (const void *)p;
	const struct sigcontext *sc = &f->uc.uc_mcontext;
	u64 args[6] = { sc->di, sc->si, sc->dx, sc->r10, sc->r8, sc->r9 };
	int i;

	if (at % 16 != 8)
		return false;
	for (i = 0; i < r->n_distinct; i++)
		if ((unsigned long)f->pretcode == r->distinct[i])
			break;
	if (i == r->n_distinct)
		return false;
	if (f->uc.uc_link || sc->cs != __USER_CS ||
	    !sc_frame_below(r, sc->sp, at,
			    (unsigned long)f->uc.uc_stack.ss_sp,
			    f->uc.uc_stack.ss_size) ||
	    !native_frame_signal(r, f))
		return false;
	snap->id.frame_mask = r->blocked;
	return restart_ctx(snap, false, sc->ip, sc->ax, args, at,
			   at + offsetof(struct rt_sigframe, uc.uc_mcontext));
}

/* An ia32 rt or old frame at @at, checked field by field. */
static bool ia32_candidate(struct task_struct *t, struct sc_restarters *r,
			   const u8 *p, unsigned long at,
			   struct sc_snapshot *snap)
{
	const struct rt_sigframe_ia32 *rt = (const void *)p;
	const struct sigframe_ia32 *old = (const void *)p;
	const struct sigcontext_32 *sc;
	unsigned long ctx, ss_sp = 0, ss_size = 0;
	u64 args[6], saved;
	int sig;

	if (rt->pinfo == at + offsetof(struct rt_sigframe_ia32, info) &&
	    rt->puc == at + offsetof(struct rt_sigframe_ia32, uc) &&
	    rt->sig >= 1 && rt->sig <= _NSIG && r->restart[rt->sig - 1] &&
	    r->siginfo[rt->sig - 1]) {
		sig = rt->sig;
		sc = &rt->uc.uc_mcontext;
		saved = rt->uc.uc_sigmask.sig[0] |
			(u64)rt->uc.uc_sigmask.sig[1] << 32;
		ctx = at + offsetof(struct rt_sigframe_ia32, uc.uc_mcontext);
		ss_sp = rt->uc.uc_stack.ss_sp;
		ss_size = rt->uc.uc_stack.ss_size;
	} else if (old->sig >= 1 && old->sig < 32 && r->restart[old->sig - 1] &&
		   !r->siginfo[old->sig - 1] &&
		   (!r->restorer[old->sig - 1] ||
		    r->restorer[old->sig - 1] == old->pretcode)) {
		sig = old->sig;
		sc = &old->sc;
		saved = old->sc.oldmask | (u64)old->extramask[0] << 32;
		ctx = at + offsetof(struct sigframe_ia32, sc);
	} else {
		return false;
	}
	if (!sc_running_handler(r, sig, saved))
		return false;
	if (sc->cs != __USER32_CS || sc->ss != __USER_DS ||
	    !sc_frame_below(r, sc->sp, at, ss_sp, ss_size))
		return false;
	snap->id.frame_mask = r->blocked;
	args[0] = sc->bx;
	args[1] = sc->cx;
	args[2] = sc->dx;
	args[3] = sc->si;
	args[4] = sc->di;
	args[5] = sc->bp;
	return restart_ctx(snap, true, sc->ip, sc->ax, args, at, ctx);
}

int sc_arch_find_frame(struct task_struct *t, struct sc_snapshot *snap)
{
	if (snap->id.user32)
		return sc_scan_frames(t, snap, (u32)snap->sp - RESTORER_POP, 4,
				      max(sizeof(struct rt_sigframe_ia32),
					  sizeof(struct sigframe_ia32)),
				      ia32_candidate);
	return sc_scan_frames(t, snap, snap->sp - RESTORER_POP, 8,
			      sizeof(struct rt_sigframe), native_candidate);
}

bool sc_arch_find(const struct sc_call_id *id, struct pt_regs *regs,
		  struct sc_site *site)
{
	long nr = syscall_get_nr(current, regs);
	long ax = regs->ax;

	syscall_get_arguments(current, regs, site->args);

	/*
	 * Back at the syscall instruction with the number loaded and no
	 * syscall in progress: a handler's sigreturn restores a context
	 * that restarts the call.
	 */
	if (nr == -1 && regs->ip == id->ip - SYSCALL_INSN_LEN &&
	    ax == id->nr && user_64bit_mode(regs) != id->compat) {
		site->kind = SC_SITE_SIGRETURNED;
		return true;
	}
	/* the handler of a frame found running is still running */
	if (id->frame && sc_arch_frame_live(id, current, regs->sp)) {
		site->kind = SC_SITE_FRAME;
		return id->compat ? ia32_ctx(id, (void __user *)id->frame_ctx,
					     site) :
				    native_ctx(id, (void __user *)id->frame_ctx,
					       site);
	}
	if (nr != id->nr || in_ia32_syscall() != id->compat)
		return false;
	if (regs->ip == id->ip) {
		/*
		 * A stamp at the exit: the call had already failed with
		 * -ENOSYS (seccomp, a tracer) when it was stamped, asleep on
		 * its way out. Give it its result back; it ended by itself.
		 */
		if ((ax & SC_STAMP_MASK) == SC_STAMP_TAG) {
			regs->ax = -ENOSYS;
			return false;
		}
		site->kind = SC_SITE_EXIT;
		site->ret = id->compat ? (long)(int)ax : ax;
		return true;
	}
	if (regs->ip == id->ip - SYSCALL_INSN_LEN &&
	    (ax == id->nr || ax == restart_nr(id->compat))) {
		site->kind = SC_SITE_RESTARTING;
		return true;
	}
	site->kind = SC_SITE_FRAME;
	return new_frame(id, regs, site);
}

void sc_arch_end(const struct sc_call_id *id, struct pt_regs *regs,
		 const struct sc_site *site, long ret)
{
	switch (site->kind) {
	case SC_SITE_EXIT:
		regs->ax = ret;
		break;
	case SC_SITE_RESTARTING:
	case SC_SITE_SIGRETURNED:
		regs->ip = id->ip;
		regs->ax = ret;
		break;
	case SC_SITE_FRAME:
		if (id->compat) {
			struct sigcontext_32 __user *sc = site->ctx;

			if (!put_user((u32)id->ip, &sc->ip))
				put_user((u32)ret, &sc->ax);
		} else {
			struct sigcontext __user *sc = site->ctx;

			if (!put_user((u64)id->ip, &sc->ip))
				put_user((u64)ret, &sc->ax);
		}
		break;
	}
}
