/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: the kselftest fixture "stream" (cancel_test, reset_test):
 * the device and a connected stream pair (dev_pair.h), TCP or AF_UNIX (a
 * variant each), with small buffers, so that a transfer of BIG bytes
 * blocks part-way. SIGPIPE is ignored: a send on a reset stream fails with
 * EPIPE. Include it after kselftest_harness.h.
 */
#ifndef TOOLKIT_STREAM_FIXTURE_H
#define TOOLKIT_STREAM_FIXTURE_H

#include <signal.h>
#include <unistd.h>
#include <sys/socket.h>

#include "dev_pair.h"
#include "sockets.h"

/* Far more than both socket buffers of the pair hold. */
#define BIG		(1 << 20)

FIXTURE(stream) {
	int dev;
	int sv[2];
};

FIXTURE_VARIANT(stream) {
	int family;
};

FIXTURE_VARIANT_ADD(stream, tcp) { .family = AF_INET };
FIXTURE_VARIANT_ADD(stream, unix) { .family = AF_UNIX };

FIXTURE_SETUP(stream)
{
	signal(SIGPIPE, SIG_IGN);
	dev_pair_open(_metadata, &self->dev, self->sv, variant->family,
		      SOCK_STREAM);
	small_buffers(self->sv[0]);
	small_buffers(self->sv[1]);
}

FIXTURE_TEARDOWN(stream)
{
	dev_pair_close(self->dev, self->sv);
}

#endif /* TOOLKIT_STREAM_FIXTURE_H */
