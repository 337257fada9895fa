/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: the kselftest fixture "stream" (cancel_test, reset_test):
 * the device and a connected stream pair, TCP or AF_UNIX (a variant each),
 * with small buffers, so that a transfer of BIG bytes blocks part-way.
 * SIGPIPE is ignored: a send on a reset stream fails with EPIPE. Include
 * it after kselftest_harness.h.
 */
#ifndef TOOLKIT_STREAM_FIXTURE_H
#define TOOLKIT_STREAM_FIXTURE_H

#include <signal.h>
#include <unistd.h>
#include <sys/socket.h>

#include "device.h"
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
	self->dev = open_dev();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, make_pair(variant->family, SOCK_STREAM, self->sv));
	small_buffers(self->sv[0]);
	small_buffers(self->sv[1]);
}

FIXTURE_TEARDOWN(stream)
{
	close(self->sv[0]);
	close(self->sv[1]);
	close(self->dev);
}

#endif /* TOOLKIT_STREAM_FIXTURE_H */
