/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test toolkit of sockcancel, shared by the kselftests (selftests/),
 * the library and command tests (lib/tests, cli/tests) and the benchmark
 * (bench/). This header gathers what nearly every test uses; include it
 * after defining _GNU_SOURCE, before kselftest_harness.h:
 *
 *   device.h          /dev/sockcancel and wrappers of its ioctls
 *   timing.h          now_ms(), join_within(), RETURN_MS, STILL_BLOCKED_MS
 *   proc.h            what a thread is doing: wait_blocked_in() and the
 *                     syscall watch the benchmark spins on
 *   call.h            one blocking call made by a thread of its own
 *   sockets.h         connected pairs, listeners, small buffers
 *   params.h          parameters read from files beside the program
 *   signals.h         block_all_signals(): the process's signals kept off
 *                     a thread whose calls only a cancel may end
 *
 * and, included by the tests that need them:
 *
 *   ioctl_errnos.h    the errnos each ioctl may return (the one list)
 *   idler.h           idle threads that no cancel may reach
 *   handler_window.h  the SA_RESTART handler window
 *   dev_pair.h        the device and a connected pair, as most kselftest
 *                     fixtures hold them (after kselftest_harness.h)
 *   stream_fixture.h  the kselftest fixture "stream"
 *   syscalls.h        the syscall a C library call sleeps in (arm64 has
 *                     no poll, select, epoll_wait or pause)
 *   pidfd_wait.h      the in-kernel series' pidfd ioctls (upstream/)
 */
#ifndef TOOLKIT_H
#define TOOLKIT_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "device.h"
#include "timing.h"
#include "proc.h"
#include "call.h"
#include "sockets.h"
#include "params.h"
#include "signals.h"

#endif /* TOOLKIT_H */
