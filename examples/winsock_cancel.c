// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * How a Winsock layer uses libsockcancel.
 *
 * 1. Another thread cancels a blocking receive (LPWSPCancelBlockingCall):
 *    thread A blocks in a receive, thread B cancels it, A sees WSAEINTR.
 * 2. The Winsock 1.1 blocking hook: the call waits in slices and runs the
 *    hook in between; the hook cancels the call from the same thread.
 *
 * Exits 0 when both behave as described, 1 otherwise.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libsockcancel.h"

static int sv[2];
static pid_t tid_a;
static int result_a;

static void *thread_a(void *arg __attribute__((unused)))
{
	char buf[64];

	tid_a = gettid();
	printf("thread A (tid %d): receiving, nothing will arrive...\n", tid_a);
	if (ws11_recv(sv[0], buf, sizeof(buf), 0) == SOCKET_ERROR)
		result_a = ws11_get_last_error();
	return NULL;
}

static int cancel_from_another_thread(void)
{
	pthread_t a;
	int err = 0, tries;

	if (pthread_create(&a, NULL, thread_a, NULL))
		return 1;
	/* wait until A is inside its blocking call */
	for (tries = 0;
	     tries < 5000 && !(tid_a && wsp_thread_is_blocking(tid_a));
	     tries++)
		usleep(1000);
	printf("thread B: WSAIsBlocking(A) = %d; cancelling A's call\n",
	       wsp_thread_is_blocking(tid_a));
	if (wsp_cancel_blocking_call(tid_a, &err) == SOCKET_ERROR) {
		printf("thread B: cancel failed: %s (%d)\n",
		       wsa_error_name(err), err);
		return 1;
	}
	pthread_join(a, NULL);
	printf("thread A: receive failed with %s (%d)\n",
	       wsa_error_name(result_a), result_a);
	return result_a != WSAEINTR;
}

static int hook_calls;

static int blocking_hook(void)
{
	hook_calls++;
	printf("  blocking hook, call %d%s\n", hook_calls,
	       hook_calls == 3 ? ": WSACancelBlockingCall()" : "");
	if (hook_calls == 3)
		ws11_cancel_blocking_call();
	return 0;
}

static int cancel_from_the_hook(void)
{
	char buf[64];
	int err = 0;

	ws11_set_blocking_hook(blocking_hook);
	printf("same thread: receiving with a blocking hook installed\n");
	if (ws11_recv(sv[0], buf, sizeof(buf), 0) == SOCKET_ERROR)
		err = ws11_get_last_error();
	ws11_unhook_blocking_hook();
	printf("same thread: receive failed with %s (%d)\n",
	       wsa_error_name(err), err);
	return err != WSAEINTR;
}

int main(void)
{
	int failed;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		perror("socketpair");
		return 1;
	}
	failed = cancel_from_another_thread();
	failed |= cancel_from_the_hook();
	printf("%s\n", failed ? "example: FAILED" : "example: as expected");
	return failed;
}
