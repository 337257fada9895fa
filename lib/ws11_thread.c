// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * libsockcancel, Winsock 1.1 model: the calling thread's state.
 *
 * Every thread has one struct scl_thread in thread-local storage: whether
 * it is inside a ws11_ call, its blocking hook, its cancel flag and its
 * last error. This file holds the functions of the model that read or set
 * them (WSASetBlockingHook, WSAUnhookBlockingHook, WSACancelBlockingCall,
 * WSAIsBlocking, WSAGetLastError, WSASetLastError) and the helpers the
 * calls use to fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <unistd.h>

#include "scl_internal.h"

__thread struct scl_thread scl_self;

pid_t scl_my_tid(void)
{
	if (!scl_self.tid)
		scl_self.tid = gettid();
	return scl_self.tid;
}

int scl_fail_wsa(int wsa)
{
	scl_self.last_error = wsa;
	return SOCKET_ERROR;
}

/*
 * EAGAIN on a blocking socket means SO_RCVTIMEO or SO_SNDTIMEO expired:
 * Winsock reports that as WSAETIMEDOUT.
 */
int scl_fail_errno(int err)
{
	if (err == EAGAIN && !scl_self.nonblock)
		return scl_fail_wsa(WSAETIMEDOUT);
	return scl_fail_wsa(wsa_error_from_errno(err));
}

bool scl_is_cancelled(void)
{
	return __atomic_load_n(&scl_self.cancelled, __ATOMIC_SEQ_CST);
}

ws11_blocking_hook ws11_set_blocking_hook(ws11_blocking_hook hook)
{
	ws11_blocking_hook prev = scl_self.hook;

	if (scl_self.in_call) {
		scl_fail_wsa(WSAEINPROGRESS);
		return NULL;
	}
	scl_self.hook = hook;
	return prev;
}

int ws11_unhook_blocking_hook(void)
{
	if (scl_self.in_call)
		return scl_fail_wsa(WSAEINPROGRESS);
	scl_self.hook = NULL;
	return 0;
}

int ws11_cancel_blocking_call(void)
{
	if (!scl_self.in_call)
		return scl_fail_wsa(WSAEINVAL);
	__atomic_store_n(&scl_self.cancelled, 1, __ATOMIC_SEQ_CST);
	return 0;
}

int ws11_is_blocking(void)
{
	return scl_self.in_call;
}

int ws11_get_last_error(void)
{
	return scl_self.last_error;
}

void ws11_set_last_error(int err)
{
	scl_self.last_error = err;
}
