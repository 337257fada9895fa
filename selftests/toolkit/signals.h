/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: keeping the process's own signals away from a thread whose
 * calls only a cancel may end.
 *
 * A signal sent to the process wakes a thread that does not block it. One
 * whose default is to be ignored (a child's SIGCHLD when it stops,
 * continues or exits) is dropped when sent, but queued when the thread it
 * is sent to blocks it at that moment, as glibc's pthread_create() blocks
 * every signal around clone: another thread is then woken to take it, and
 * its call is interrupted and restarted (epoll_wait fails with EINTR). A
 * restart between a cancel's finding a call and its queueing is the
 * window sockcancel.rst names; a test that requires every cancel to end
 * its call keeps such signals off the thread. A cancel's interruption (a
 * task work and TIF_NOTIFY_SIGNAL) is no signal and no mask holds it back.
 */
#ifndef TOOLKIT_SIGNALS_H
#define TOOLKIT_SIGNALS_H

#include <pthread.h>
#include <signal.h>

/* Block, in the calling thread, every signal that can be blocked. */
static inline void block_all_signals(void)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
}

#endif /* TOOLKIT_SIGNALS_H */
