// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * libsockcancel, Winsock 1.1 model: the registry of outstanding calls.
 *
 * While a ws11_ call runs, its thread's struct scl_thread is linked here,
 * so other threads can see that the call is outstanding and ask it to stop:
 * they set its cancel flag and, for a call sleeping in the kernel,
 * interrupt the syscall through /dev/sockcancel. The thread checks the flag
 * before and after every syscall it makes for the call. A generation
 * number tells one call of a thread from its next.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "scl_internal.h"

/* How long a cancel keeps trying to catch a call entering the kernel. */
#define CANCEL_RETRY_MS		2000

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct scl_thread *reg_head;
static unsigned long reg_gen;

/* In the child of fork() only the forking thread exists. */
static void reg_atfork_prepare(void)
{
	pthread_mutex_lock(&reg_lock);
}

static void reg_atfork_parent(void)
{
	pthread_mutex_unlock(&reg_lock);
}

static void reg_atfork_child(void)
{
	reg_head = scl_self.in_call ? &scl_self : NULL;
	scl_self.next = NULL;
	scl_self.tid = 0;
	if (scl_self.in_call)
		scl_my_tid();
	pthread_mutex_unlock(&reg_lock);
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void install_atfork(void)
{
	pthread_atfork(reg_atfork_prepare, reg_atfork_parent,
		       reg_atfork_child);
}

void scl_registry_add(void)
{
	pthread_once(&atfork_once, install_atfork);
	pthread_mutex_lock(&reg_lock);
	scl_self.gen = ++reg_gen;
	scl_self.next = reg_head;
	reg_head = &scl_self;
	pthread_mutex_unlock(&reg_lock);
}

void scl_registry_remove(void)
{
	struct scl_thread **p;

	pthread_mutex_lock(&reg_lock);
	for (p = &reg_head; *p; p = &(*p)->next) {
		if (*p == &scl_self) {
			*p = scl_self.next;
			break;
		}
	}
	scl_self.next = NULL;
	pthread_mutex_unlock(&reg_lock);
}

/* Under reg_lock: the outstanding call of thread @tid, or NULL. */
static struct scl_thread *reg_find(pid_t tid)
{
	struct scl_thread *t;

	for (t = reg_head; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

/* Under reg_lock: is call @gen of @tid still outstanding? */
static bool reg_still(pid_t tid, unsigned long gen)
{
	struct scl_thread *t = reg_find(tid);

	return t && t->gen == gen;
}

bool scl_registry_find(pid_t tid, unsigned long *gen, bool *pseudo)
{
	struct scl_thread *t;

	pthread_mutex_lock(&reg_lock);
	t = reg_find(tid);
	if (t) {
		*gen = t->gen;
		*pseudo = t->pseudo;
	}
	pthread_mutex_unlock(&reg_lock);
	return t != NULL;
}

/*
 * A pseudo-blocking call sees the flag within a slice; the module only
 * shortens the wait in progress. A blocking call may be between its last
 * flag check and the kernel: keep interrupting until the module catches it
 * or the call is over.
 */
int scl_cancel_registered(pid_t tid, unsigned long gen, bool pseudo)
{
	long deadline = scl_now_ms() + CANCEL_RETRY_MS;
	struct scl_thread *t;
	bool live;

	if (!pseudo && sockcancel_device_fd() < 0)
		return scl_wsa_device_error(errno);

	pthread_mutex_lock(&reg_lock);
	t = reg_find(tid);
	live = t && t->gen == gen;
	if (live)
		__atomic_store_n(&t->cancelled, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&reg_lock);
	if (!live)
		return 0;	/* completed just before the cancel */

	for (;;) {
		if (!sockcancel_cancel(tid, 0, NULL, NULL) || pseudo)
			return 0;
		if (errno == ESRCH)
			return 0;	/* exited: nothing left to cancel */
		if (errno != ENOENT)
			return scl_wsa_cancel_error(errno);
		pthread_mutex_lock(&reg_lock);
		live = reg_still(tid, gen);
		pthread_mutex_unlock(&reg_lock);
		if (!live || scl_now_ms() > deadline)
			return 0;
		usleep(200);
	}
}

/*
 * Winsock closesocket aborts the calls other threads have outstanding on
 * the socket: ws11_ calls through their flags (and the module), other
 * calls of this process through SOCKCANCEL_IOC_CANCEL_SOCKET when the
 * device is there.
 */
void scl_cancel_calls_on(int sock)
{
	struct { pid_t tid; unsigned long gen; bool pseudo; } *v = NULL, *nv;
	size_t n = 0, i;
	struct scl_thread *t;

	pthread_mutex_lock(&reg_lock);
	for (t = reg_head; t; t = t->next) {
		if (t->fd != sock || t == &scl_self)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n].tid = t->tid;
		v[n].gen = t->gen;
		v[n].pseudo = t->pseudo;
		n++;
	}
	pthread_mutex_unlock(&reg_lock);
	for (i = 0; i < n; i++)
		scl_cancel_registered(v[i].tid, v[i].gen, v[i].pseudo);
	free(v);
	sockcancel_cancel_socket(sock, 0, NULL);
}
