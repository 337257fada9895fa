/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: does the device agree with the kernel's ptrace check? A
 * caller process, set up as a case needs (uid, mount namespace, the target
 * its child or naming it with PR_SET_PTRACER, an AppArmor profile), tries
 * /proc/PID/syscall, QUERY, ptrace(PTRACE_SEIZE) and CANCEL on a target
 * thread blocked in recv, and reports each errno; the test then sees
 * whether the target's recv ended with EINTR or is still blocked.
 */
#ifndef TOOLKIT_LSM_PROBE_H
#define TOOLKIT_LSM_PROBE_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "call.h"
#include "device.h"
#include "proc.h"
#include "timing.h"

#define YAMA_SCOPE	"/proc/sys/kernel/yama/ptrace_scope"
#define CONFINED	"/tests/lsm_confined"
#define CONFINED_OUT	"/tmp/lsm_confined.out"

enum probe_proc {
	PROC_NORMAL,	/* the caller's /proc as it is */
	PROC_HIDEPID2,	/* a procfs mounted with hidepid=2 */
	PROC_NONE,	/* no procfs at /proc */
};

struct probe {
	uid_t caller_uid;	/* 0: root, with every capability */
	uid_t target_uid;
	bool target_is_child;	/* the caller forks the target */
	bool target_names_caller;	/* PR_SET_PTRACER(caller) */
	bool cancel_only;	/* only CANCEL (a log line to attribute) */
	bool exec_confined;	/* the caller execs CONFINED */
	enum probe_proc proc;
	int yama_then;		/* Yama's scope once the target blocks (3) */
};

enum { PROBE_EINTR = 1, PROBE_STILL_BLOCKED, PROBE_OTHER };

/* Errnos, 0 for success; -1 when setting up failed. */
struct probe_result {
	int syscall_err, query_err, ptrace_err, cancel_err;
	int own_thread_err;	/* CANCEL of a thread of the caller's own */
	int target;		/* PROBE_* */
	pid_t caller, tpid;
};

static inline bool set_yama(int scope)
{
	char c = '0' + scope;
	int fd = open(YAMA_SCOPE, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, &c, 1) == 1;
	close(fd);
	return ok;
}

/*
 * Reads /dev/kmsg (opened at its end) until a record contains @text and
 * ends with the pid @by in brackets (Yama names a task "CMD"[PID]).
 */
static inline bool kmsg_has(int kmsg, const char *text, pid_t by)
{
	long deadline = now_ms() + 2000;
	char rec[1024], tail[24];
	ssize_t n;

	snprintf(tail, sizeof(tail), "\"[%d]\n", by);
	while (now_ms() < deadline) {
		n = read(kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EAGAIN) {
			usleep(20000);
			continue;
		}
		if (n < 0 && errno != EPIPE)
			return false;
		if (n > 0) {
			rec[n] = 0;
			if (strstr(rec, text) && strstr(rec, tail))
				return true;
		}
	}
	return false;
}

static inline void probe_become(uid_t uid)
{
	if (uid && (setresgid(uid, uid, uid) || setresuid(uid, uid, uid)))
		_exit(100);
}

/* CANCEL of a recv in a thread of our own, with no /proc to watch it. */
static inline int probe_own_thread(int dev)
{
	struct call c = { .fn = do_recv, .len = 1 };
	int sv[2], i, err = -1;
	char b;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	c.fd = sv[0];
	c.buf = &b;
	if (pthread_create(&c.thread, NULL, call_thread, &c))
		return -1;
	while (!__atomic_load_n(&c.started, __ATOMIC_SEQ_CST))
		usleep(100);
	/* until it sleeps in its recv: ENOENT before */
	for (i = 0; i < 100; i++) {
		usleep(20000);
		if (!sc_cancel(dev, c.tid, 0, NULL)) {
			err = 0;
			break;
		}
		err = errno;
		if (err != ENOENT)
			break;
	}
	if (!err && (!call_join(&c, RETURN_MS) || c.err != EINTR))
		err = -1;
	if (err) {
		shutdown(sv[1], SHUT_RDWR);
		call_join(&c, RETURN_MS);
	}
	close(sv[0]);
	close(sv[1]);
	return err;
}

/* What the caller tries, in order, on @target. */
static inline void probe_calls(pid_t target, bool cancel_only,
			       struct probe_result *r)
{
	struct sockcancel_thread_arg out;
	char path[64], buf[256];
	int dev = open_dev(), fd;

	r->caller = getpid();
	if (!cancel_only) {
		snprintf(path, sizeof(path), "/proc/%d/syscall", target);
		fd = open(path, O_RDONLY);
		r->syscall_err = fd < 0 ? errno :
				 read(fd, buf, sizeof(buf)) < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
		r->query_err = sc_query(dev, target, &out) ? errno :
			       out.op == SOCKCANCEL_OP_RECV ? 0 : -1;
		r->ptrace_err = ptrace(PTRACE_SEIZE, target, 0, 0) ? errno : 0;
	}
	r->cancel_err = sc_cancel(dev, target, 0, NULL) ? errno : 0;
	r->own_thread_err = probe_own_thread(dev);
	close(dev);
}

/* The caller's /proc as @p asks; before it drops its uid. */
static inline bool probe_proc_setup(const struct probe *p)
{
	if (p->proc == PROC_NORMAL)
		return true;
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return false;
	if (p->proc == PROC_NONE)
		return !umount2("/proc", MNT_DETACH);
	return !mount("proc", "/proc", "proc", 0, "hidepid=2");
}

static inline void probe_target(uid_t uid, int fd, pid_t ptracer)
{
	char b;

	if (ptracer)
		prctl(PR_SET_PTRACER, ptracer, 0, 0, 0);
	probe_become(uid);
	/* changing uid made it non-dumpable: ptrace would refuse for that */
	prctl(PR_SET_DUMPABLE, 1);
	_exit(recv(fd, &b, 1, 0) == -1 && errno == EINTR ? 0 : 1);
}

/* PROBE_EINTR when @pid exits with 0 within @ms, else PROBE_*. */
static inline int probe_outcome(pid_t pid, bool expect_exit)
{
	long deadline = now_ms() + (expect_exit ? RETURN_MS : STILL_BLOCKED_MS);
	int status;

	while (now_ms() < deadline) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) && !WEXITSTATUS(status) ?
			       PROBE_EINTR : PROBE_OTHER;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return PROBE_STILL_BLOCKED;
}

/* The confined caller's results, written by CONFINED after its exec. */
static inline bool probe_read_confined(struct probe_result *r)
{
	int fd = open(CONFINED_OUT, O_RDONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = read(fd, r, sizeof(*r)) == sizeof(*r);
	close(fd);
	unlink(CONFINED_OUT);
	return ok;
}

/*
 * Runs case @p against a target blocked in recv on @fd; the results in
 * @r (shared memory). False when the case could not be set up.
 */
static inline bool run_probe(const struct probe *p, int fd,
			     struct probe_result *r)
{
	int go[2], status;
	pid_t caller, tpid = 0;
	char arg[16], c;

	memset(r, 0, sizeof(*r));
	if (pipe(go))
		return false;
	caller = fork();
	if (!caller) {
		close(go[1]);
		if (!probe_proc_setup(p))
			_exit(101);
		probe_become(p->caller_uid);
		if (p->target_is_child) {
			tpid = fork();
			if (!tpid)
				probe_target(p->target_uid, fd, 0);
			__atomic_store_n(&r->tpid, tpid, __ATOMIC_SEQ_CST);
		}
		if (read(go[0], &c, 1) != 1)
			_exit(102);
		tpid = r->tpid;
		if (p->exec_confined) {
			snprintf(arg, sizeof(arg), "%d", tpid);
			execl(CONFINED, CONFINED, arg, (char *)NULL);
			_exit(103);
		}
		probe_calls(tpid, p->cancel_only, r);
		if (p->target_is_child)
			r->target = probe_outcome(tpid, !r->cancel_err);
		_exit(0);
	}
	close(go[0]);
	if (caller < 0)
		return false;
	if (!p->target_is_child) {
		tpid = fork();
		if (!tpid)
			probe_target(p->target_uid, fd,
				     p->target_names_caller ? caller : 0);
		r->tpid = tpid;
	}
	for (long t0 = now_ms(); !__atomic_load_n(&r->tpid, __ATOMIC_SEQ_CST);) {
		if (now_ms() - t0 > RETURN_MS)
			break;
		usleep(1000);
	}
	tpid = r->tpid;
	/* scope 3 would hide /proc/PID/syscall from this wait too */
	if (tpid <= 0 || !wait_blocked_in(tpid, tpid, SYS_recvfrom, RETURN_MS) ||
	    (p->yama_then && !set_yama(p->yama_then)) ||
	    write(go[1], "g", 1) != 1) {
		kill(caller, SIGKILL);
		if (tpid > 0)
			kill(tpid, SIGKILL);
		while (waitpid(-1, NULL, 0) > 0)
			;
		return false;
	}
	close(go[1]);
	if (waitpid(caller, &status, 0) != caller || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return false;
	if (p->exec_confined && !probe_read_confined(r))
		return false;
	if (!p->target_is_child)
		r->target = probe_outcome(tpid, !r->cancel_err);
	return true;
}

#define expect_allowed(_metadata, r) do {				\
	EXPECT_EQ(0, (r)->syscall_err);					\
	EXPECT_EQ(0, (r)->query_err);					\
	EXPECT_EQ(0, (r)->ptrace_err);					\
	EXPECT_EQ(0, (r)->cancel_err);					\
	EXPECT_EQ(PROBE_EINTR, (r)->target);				\
	EXPECT_EQ(0, (r)->own_thread_err);				\
} while (0)

/* ptrace refused with @perr; the device with EPERM; the target untouched */
#define expect_refused(_metadata, r, perr) do {				\
	EXPECT_NE(0, (r)->syscall_err);					\
	EXPECT_EQ(EPERM, (r)->query_err);				\
	EXPECT_EQ(perr, (r)->ptrace_err);				\
	EXPECT_EQ(EPERM, (r)->cancel_err);				\
	EXPECT_EQ(PROBE_STILL_BLOCKED, (r)->target);			\
	EXPECT_EQ(0, (r)->own_thread_err);				\
} while (0)

#endif /* TOOLKIT_LSM_PROBE_H */
