// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * libsockcancel, Winsock errors: errno -> Winsock error code, and the
 * codes of a failed cancel (for WSPCancelBlockingCall).
 *
 * One row per errno a Linux socket call can return. Where Winsock has an
 * error of the same name the mapping is by name; the other rows say why
 * they map where they do. Linux aliases (EWOULDBLOCK == EAGAIN, ENOTSUP ==
 * EOPNOTSUPP, EDEADLOCK == EDEADLK) share one row.
 *
 * Winsock codes with no Linux errno, so never produced here:
 *   WSAEPROCLIM (10067, too many tasks using the Winsock DLL),
 *   WSAEDISCON (10101, graceful shutdown in progress) and the WSA_* and
 *   WSASERVICE_* codes of the Winsock 2 extensions.
 *
 * An errno not in the table maps to WSASYSCALLFAILURE (10107), whose
 * documented meaning is "a system call that should never fail has
 * failed": the caller learns that the error is not a socket condition it
 * can act on. WSAEINVAL was rejected for this because callers of
 * WSACancelBlockingCall read it as "no outstanding blocking call".
 */
#include <errno.h>
#include <stddef.h>

#include "scl_internal.h"

struct wsa_map {
	int err;
	int wsa;
};

static const struct wsa_map errno_map[] = {
	/* same name in both worlds */
	{ EINTR,		WSAEINTR },
	{ EBADF,		WSAEBADF },
	{ EACCES,		WSAEACCES },
	{ EFAULT,		WSAEFAULT },
	{ EINVAL,		WSAEINVAL },
	{ EMFILE,		WSAEMFILE },
	{ EAGAIN,		WSAEWOULDBLOCK },	/* == EWOULDBLOCK */
	{ EINPROGRESS,		WSAEINPROGRESS },
	{ EALREADY,		WSAEALREADY },
	{ ENOTSOCK,		WSAENOTSOCK },
	{ EDESTADDRREQ,		WSAEDESTADDRREQ },
	{ EMSGSIZE,		WSAEMSGSIZE },
	{ EPROTOTYPE,		WSAEPROTOTYPE },
	{ ENOPROTOOPT,		WSAENOPROTOOPT },
	{ EPROTONOSUPPORT,	WSAEPROTONOSUPPORT },
	{ ESOCKTNOSUPPORT,	WSAESOCKTNOSUPPORT },
	{ EOPNOTSUPP,		WSAEOPNOTSUPP },	/* == ENOTSUP */
	{ EPFNOSUPPORT,		WSAEPFNOSUPPORT },
	{ EAFNOSUPPORT,		WSAEAFNOSUPPORT },
	{ EADDRINUSE,		WSAEADDRINUSE },
	{ EADDRNOTAVAIL,	WSAEADDRNOTAVAIL },
	{ ENETDOWN,		WSAENETDOWN },
	{ ENETUNREACH,		WSAENETUNREACH },
	{ ENETRESET,		WSAENETRESET },
	{ ECONNABORTED,		WSAECONNABORTED },
	{ ECONNRESET,		WSAECONNRESET },
	{ ENOBUFS,		WSAENOBUFS },
	{ EISCONN,		WSAEISCONN },
	{ ENOTCONN,		WSAENOTCONN },
	{ ESHUTDOWN,		WSAESHUTDOWN },
	{ ETOOMANYREFS,		WSAETOOMANYREFS },
	{ ETIMEDOUT,		WSAETIMEDOUT },
	{ ECONNREFUSED,		WSAECONNREFUSED },
	{ ELOOP,		WSAELOOP },
	{ ENAMETOOLONG,		WSAENAMETOOLONG },
	{ EHOSTDOWN,		WSAEHOSTDOWN },
	{ EHOSTUNREACH,		WSAEHOSTUNREACH },
	{ ENOTEMPTY,		WSAENOTEMPTY },
	{ EUSERS,		WSAEUSERS },
	{ EDQUOT,		WSAEDQUOT },
	{ ESTALE,		WSAESTALE },
	{ EREMOTE,		WSAEREMOTE },

	/*
	 * Linux-only errors. Each goes to the Winsock error that names the
	 * same condition from the caller's side.
	 */
	/* out of kernel memory: Winsock reports all of it as "no buffers" */
	{ ENOMEM,		WSAENOBUFS },
	/* no room left for a unix socket's inode: also a resource shortage */
	{ ENOSPC,		WSAENOBUFS },
	/* send/write after shutdown(SHUT_WR) or on a closed stream */
	{ EPIPE,		WSAESHUTDOWN },
	/* system-wide file table full: Winsock has one "too many sockets" */
	{ ENFILE,		WSAEMFILE },
	/* refused by a netfilter rule or capability check: access denied */
	{ EPERM,		WSAEACCES },
	/* binding a unix socket on a read-only file system */
	{ EROFS,		WSAEACCES },
	/*
	 * unix socket path that names nothing (or a non-directory in the
	 * middle): the address is not valid in this context
	 */
	{ ENOENT,		WSAEADDRNOTAVAIL },
	{ ENOTDIR,		WSAEADDRNOTAVAIL },
	/* SO_BINDTODEVICE / routing to an interface that is gone */
	{ ENODEV,		WSAENETDOWN },
	/* "machine is not on the network": no route to that network */
	{ ENONET,		WSAENETUNREACH },
	/*
	 * accept() passes a pending protocol error of the new connection;
	 * WSAECONNABORTED is documented as "aborted ... due to a protocol
	 * error"
	 */
	{ EPROTO,		WSAECONNABORTED },
	/* an ioctl the socket does not know: an invalid request */
	{ ENOTTY,		WSAEINVAL },
};

int wsa_error_from_errno(int err)
{
	size_t i;

	if (err == 0)
		return 0;
	for (i = 0; i < sizeof(errno_map) / sizeof(errno_map[0]); i++)
		if (errno_map[i].err == err)
			return errno_map[i].wsa;
	return WSASYSCALLFAILURE;
}

struct wsa_name {
	int wsa;
	const char *name;
};

#define NAME(x)	{ x, #x }

static const struct wsa_name wsa_names[] = {
	NAME(WSAEINTR), NAME(WSAEBADF), NAME(WSAEACCES), NAME(WSAEFAULT),
	NAME(WSAEINVAL), NAME(WSAEMFILE), NAME(WSAEWOULDBLOCK),
	NAME(WSAEINPROGRESS), NAME(WSAEALREADY), NAME(WSAENOTSOCK),
	NAME(WSAEDESTADDRREQ), NAME(WSAEMSGSIZE), NAME(WSAEPROTOTYPE),
	NAME(WSAENOPROTOOPT), NAME(WSAEPROTONOSUPPORT),
	NAME(WSAESOCKTNOSUPPORT), NAME(WSAEOPNOTSUPP), NAME(WSAEPFNOSUPPORT),
	NAME(WSAEAFNOSUPPORT), NAME(WSAEADDRINUSE), NAME(WSAEADDRNOTAVAIL),
	NAME(WSAENETDOWN), NAME(WSAENETUNREACH), NAME(WSAENETRESET),
	NAME(WSAECONNABORTED), NAME(WSAECONNRESET), NAME(WSAENOBUFS),
	NAME(WSAEISCONN), NAME(WSAENOTCONN), NAME(WSAESHUTDOWN),
	NAME(WSAETOOMANYREFS), NAME(WSAETIMEDOUT), NAME(WSAECONNREFUSED),
	NAME(WSAELOOP), NAME(WSAENAMETOOLONG), NAME(WSAEHOSTDOWN),
	NAME(WSAEHOSTUNREACH), NAME(WSAENOTEMPTY), NAME(WSAEPROCLIM),
	NAME(WSAEUSERS), NAME(WSAEDQUOT), NAME(WSAESTALE), NAME(WSAEREMOTE),
	NAME(WSASYSCALLFAILURE),
};

const char *wsa_error_name(int wsa)
{
	size_t i;

	for (i = 0; i < sizeof(wsa_names) / sizeof(wsa_names[0]); i++)
		if (wsa_names[i].wsa == wsa)
			return wsa_names[i].name;
	return NULL;
}

/* What WSPCancelBlockingCall answers; see wsp_cancel_blocking_call(3). */
int scl_wsa_device_error(int err)
{
	return err == EACCES || err == EPERM ? WSAEACCES : WSAENETDOWN;
}

int scl_wsa_cancel_error(int err)
{
	switch (err) {
	case ENOENT:	/* no outstanding blocking call */
	case ESRCH:	/* no such thread: it has no call outstanding */
	case EINVAL:	/* tid <= 0, kernel thread */
		return WSAEINVAL;
	case EPERM:	/* not ptrace-permitted, or own_process_only */
		return WSAEACCES;
	default:
		return wsa_error_from_errno(err);
	}
}
