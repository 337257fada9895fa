/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: the errnos each ioctl of /dev/sockcancel may return, the
 * one list of them. fuzz_test and stress_test accept no other errno from an
 * ioctl; the documentation lists exactly these, in the ioctl's section of
 * Documentation/sockcancel.rst and in the ERRORS entries of
 * Documentation/man/sockcancel.4 that name it, which
 * Documentation/check-ioctl-errnos checks (make man-check). Any other
 * request fails with ENOTTY.
 *
 * One IOCTL(NAME, errno...) per ioctl, NAME as in SOCKCANCEL_IOC_NAME;
 * the checker reads these lines.
 */
#ifndef TOOLKIT_IOCTL_ERRNOS_H
#define TOOLKIT_IOCTL_ERRNOS_H

#include <errno.h>
#include <stdbool.h>
#include <linux/sockcancel.h>

#define SOCKCANCEL_IOCTL_ERRNOS(IOCTL)					\
	IOCTL(CANCEL, EINVAL, EBADF, ESRCH, EPERM, EACCES, ENOENT, EAGAIN, \
	      ENOMEM, EFAULT)						\
	IOCTL(QUERY, EINVAL, EBADF, ESRCH, EPERM, EACCES, ENOMEM, EFAULT) \
	IOCTL(CANCEL_SOCKET, EINVAL, EBADF, ENOTSOCK, EAGAIN, ENOMEM, EFAULT)

/* SC_IOCTL_CANCEL, SC_IOCTL_QUERY, SC_IOCTL_CANCEL_SOCKET */
enum sc_ioctl {
#define IOCTL_INDEX(name, ...)	SC_IOCTL_##name,
	SOCKCANCEL_IOCTL_ERRNOS(IOCTL_INDEX)
#undef IOCTL_INDEX
	SC_IOCTLS
};

struct ioctl_errnos {
	const char *name;
	unsigned long cmd;
	int errnos[10];		/* ends at the first 0 */
};

static const struct ioctl_errnos ioctl_errnos[SC_IOCTLS] = {
#define IOCTL_ROW(name, ...)	{ #name, SOCKCANCEL_IOC_##name, { __VA_ARGS__ } },
	SOCKCANCEL_IOCTL_ERRNOS(IOCTL_ROW)
#undef IOCTL_ROW
};

/* May ioctl @ioc fail with @err? */
static inline bool ioctl_may_return(enum sc_ioctl ioc, int err)
{
	const int *e;

	for (e = ioctl_errnos[ioc].errnos; *e; e++)
		if (*e == err)
			return true;
	return false;
}

#endif /* TOOLKIT_IOCTL_ERRNOS_H */
