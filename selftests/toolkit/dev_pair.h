/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: what most kselftest fixtures hold, the device and a
 * connected socket pair (int dev; int sv[2];). A fixture declares the two
 * fields under its own name (the name is in the TAP output) and opens and
 * closes them with dev_pair_open() and dev_pair_close(). Include it after
 * kselftest_harness.h: a setup that cannot have them fails.
 */
#ifndef TOOLKIT_DEV_PAIR_H
#define TOOLKIT_DEV_PAIR_H

#include <unistd.h>

#include "device.h"
#include "sockets.h"

/* The device in *@dev, a pair of @family and @type (make_pair()) in @sv. */
static inline void dev_pair_open(struct __test_metadata *_metadata,
				 int *dev, int sv[2], int family, int type)
{
	*dev = open_dev();
	ASSERT_LE(0, *dev);
	ASSERT_EQ(0, make_pair(family, type, sv));
}

static inline void dev_pair_close(int dev, int sv[2])
{
	close(sv[0]);
	close(sv[1]);
	close(dev);
}

#endif /* TOOLKIT_DEV_PAIR_H */
