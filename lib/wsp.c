// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * libsockcancel, Winsock SPI: any thread, by its id.
 *
 * wsp_cancel_blocking_call() is WSPCancelBlockingCall for any thread, not
 * only the caller's: a ws11_ call of this process is cancelled through the
 * registry (its flag, and the module while it sleeps in the kernel); any
 * other call, maybe in another process, through the module alone, asking
 * it to reset a stream whose transfer it cuts (Winsock's all-or-nothing).
 * wsp_thread_is_blocking() tells whether a thread is in such a call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>

#include "scl_internal.h"

int wsp_cancel_blocking_call(pid_t tid, int *err)
{
	unsigned long gen;
	bool pseudo;
	int wsa = 0;

	if (tid <= 0) {
		wsa = WSAEINVAL;
		goto out;
	}
	if (tid == scl_my_tid()) {
		if (ws11_cancel_blocking_call())
			wsa = scl_self.last_error;
		goto out;
	}
	if (scl_registry_find(tid, &gen, &pseudo)) {
		wsa = scl_cancel_registered(tid, gen, pseudo);
		goto out;
	}

	if (sockcancel_device_fd() < 0) {
		wsa = scl_wsa_device_error(errno);
		goto out;
	}
	/* a raw call, maybe in another process: the module keeps integrity */
	if (sockcancel_cancel(tid, SOCKCANCEL_RESET_ON_PARTIAL, NULL, NULL))
		wsa = scl_wsa_cancel_error(errno);
out:
	if (err)
		*err = wsa;
	return wsa ? SOCKET_ERROR : 0;
}

int wsp_thread_is_blocking(pid_t tid)
{
	unsigned long gen;
	bool pseudo;
	int op;

	if (tid == scl_my_tid())
		return scl_self.in_call;
	if (scl_registry_find(tid, &gen, &pseudo))
		return 1;
	return !sockcancel_query(tid, &op, NULL) && op != SOCKCANCEL_OP_NONE;
}
