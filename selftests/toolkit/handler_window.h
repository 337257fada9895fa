/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: the SA_RESTART handler window. A thread blocked in
 * recvfrom gets a real signal whose SA_RESTART handler runs for a while;
 * the interrupted call is then recorded in the handler's signal frame and
 * restarts when the handler returns. A cancel made while the handler runs
 * must end that call with EINTR. handler_window() runs one round in a
 * child process (the handler is process-wide) and returns its exit code:
 * 0 when the cancel returned 0 and the call EINTR (after retrying EAGAIN,
 * which does nothing, up to 10 times), 1 ENOENT, 2 the call restarted
 * (still blocked), 3 another result, 4 setup failed, 5 EAGAIN 11 times,
 * 6 another error, 7 another call found.
 */
#ifndef TOOLKIT_HANDLER_WINDOW_H
#define TOOLKIT_HANDLER_WINDOW_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "device.h"
#include "proc.h"
#include "timing.h"

enum handler_kind {
	HANDLER_SLEEPS,		/* nanosleep in the handler */
	HANDLER_SYSCALLS,	/* many short syscalls */
	HANDLER_RETURNS,	/* returns at once */
};

struct handler_setup {
	enum handler_kind kind;
	bool siginfo;		/* SA_SIGINFO: rt frame (ia32: else old) */
	bool altstack;		/* SA_ONSTACK on a sigaltstack */
	const char *comm;	/* the recv thread's name, if not NULL */
};

static volatile int hw_in_handler, hw_handled;
static enum handler_kind hw_kind;

static inline void hw_body(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int i;

	hw_in_handler = 1;
	switch (hw_kind) {
	case HANDLER_SLEEPS:
		ts.tv_nsec = 300 * 1000 * 1000;
		nanosleep(&ts, NULL);
		break;
	case HANDLER_SYSCALLS:
		for (i = 0; i < 15; i++) {
			getppid();
			nanosleep(&ts, NULL);
		}
		break;
	case HANDLER_RETURNS:
		break;
	}
	hw_handled = 1;
}

static inline void hw_handler(int sig)
{
	(void)sig;
	hw_body();
}

static inline void hw_handler_info(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	hw_body();
}

struct hw_call {
	int fd;
	bool altstack;
	const char *comm;
	pid_t tid;
	long ret;
	int err;
};

static inline void *hw_recv(void *p)
{
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct hw_call *c = p;
	char b;

	if (c->altstack && sigaltstack(&ss, NULL))
		return NULL;
	if (c->comm)
		pthread_setname_np(pthread_self(), c->comm);
	c->tid = gettid();
	c->ret = syscall(SYS_recvfrom, c->fd, &b, 1, 0, NULL, NULL);
	c->err = errno;
	return NULL;
}

static inline int handler_window(const struct handler_setup *hs, int fd)
{
	struct sigaction sa = { .sa_flags = SA_RESTART };
	struct hw_call c = { .fd = fd, .altstack = hs->altstack,
			     .comm = hs->comm };
	struct sockcancel_thread_arg out;
	int dev, status, tries;
	pthread_t th;
	pid_t pid;
	long t0;

	pid = fork();
	if (pid) {
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status))
			return 4;
		return WEXITSTATUS(status);
	}
	/* opened in the child: a round leaves no descriptor behind */
	dev = open_dev();
	hw_kind = hs->kind;
	if (hs->siginfo) {
		sa.sa_sigaction = hw_handler_info;
		sa.sa_flags |= SA_SIGINFO;
	} else {
		sa.sa_handler = hw_handler;
	}
	if (hs->altstack)
		sa.sa_flags |= SA_ONSTACK;
	if (dev < 0 || sigaction(SIGUSR1, &sa, NULL))
		_exit(4);
	if (pthread_create(&th, NULL, hw_recv, &c))
		_exit(4);
	while (!__atomic_load_n(&c.tid, __ATOMIC_SEQ_CST))
		usleep(100);
	if (!wait_blocked_in(0, c.tid, SYS_recvfrom, RETURN_MS))
		_exit(4);
	syscall(SYS_tgkill, getpid(), c.tid, SIGUSR1);
	if (hs->kind != HANDLER_RETURNS)
		while (!hw_in_handler)
			;
	/* EAGAIN did nothing: try again, as libsockcancel does */
	for (tries = 0; sc_cancel(dev, c.tid, 0, &out); tries++)
		if (errno != EAGAIN || tries == 10)
			_exit(errno == ENOENT ? 1 : errno == EAGAIN ? 5 : 6);
	if (out.op != SOCKCANCEL_OP_RECV || out.fd != fd)
		_exit(7);
	for (t0 = now_ms(); now_ms() - t0 < RETURN_MS;) {
		if (join_within(th, 100)) {
			if (!hw_handled)
				_exit(3);
			_exit(c.ret == -1 && c.err == EINTR ? 0 : 3);
		}
	}
	_exit(2);
}

#endif /* TOOLKIT_HANDLER_WINDOW_H */
