/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * libsockcancel: cancel another thread's blocking socket call.
 *
 * Four layers, from thin to Winsock-like:
 *
 *   sockcancel_*   device.c: thin wrappers over the ioctls of
 *                  /dev/sockcancel; return 0 or -1 with errno set, exactly
 *                  as the kernel answered. close.c: sockcancel_close(),
 *                  close(2) with closesocket semantics.
 *   wsa_*          wsa_errors.c: the errno -> WSAE* error map.
 *   wsp_*          wsp.c: the Winsock SPI view of any thread:
 *                  WSPCancelBlockingCall, and whether a thread is blocked.
 *   ws11_*         ws11_*.c: the Winsock 1.1 blocking model: socket calls
 *                  that return SOCKET_ERROR and keep a per-thread last
 *                  error, an optional per-thread blocking hook
 *                  (pseudo-blocking), all-or-nothing stream transfers, and
 *                  the registry that lets other threads cancel those calls.
 *
 * This header includes the uapi header <linux/sockcancel.h> (installed
 * with it) for the names of its values. The device path is
 * /dev/sockcancel unless the environment variable SOCKCANCEL_DEVICE names
 * another one (read, with secure_getenv(), when the device is first opened).
 * The library is built with hidden visibility and a version script
 * (libsockcancel.map): the functions declared here, and nothing else, are
 * exported, each with the symbol version of the release that added it
 * (LIBSOCKCANCEL_0.2 for all of them so far).
 *
 * See libsockcancel(3).
 */
#ifndef LIBSOCKCANCEL_H
#define LIBSOCKCANCEL_H

#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <linux/sockcancel.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

#define SOCKCANCEL_LIB_VERSION	"0.2.0"

/* The default device and the environment variable that overrides it. */
#define SOCKCANCEL_DEFAULT_DEVICE	"/dev/sockcancel"
#define SOCKCANCEL_DEVICE_ENV		"SOCKCANCEL_DEVICE"

/*
 * What a thread is blocked in (the op of sockcancel_cancel() and
 * sockcancel_query()) and the flag of the cancels are the uapi's:
 * SOCKCANCEL_OP_NONE, _RECV, _SEND, _ACCEPT, _CONNECT, _POLL and
 * SOCKCANCEL_RESET_ON_PARTIAL from <linux/sockcancel.h>.
 *
 * The names libsockcancel 0.1 gave them, kept as aliases so that programs
 * written for it still build (their values never changed, and no function
 * takes the enum type: the ABI is the same either way).
 */
enum sockcancel_op {
	SCL_OP_NONE	= SOCKCANCEL_OP_NONE,
	SCL_OP_RECV	= SOCKCANCEL_OP_RECV,
	SCL_OP_SEND	= SOCKCANCEL_OP_SEND,
	SCL_OP_ACCEPT	= SOCKCANCEL_OP_ACCEPT,
	SCL_OP_CONNECT	= SOCKCANCEL_OP_CONNECT,
	SCL_OP_POLL	= SOCKCANCEL_OP_POLL,
};
#define SCL_RESET_ON_PARTIAL	SOCKCANCEL_RESET_ON_PARTIAL

/* ---- thin layer: 0 or -1 with errno ------------------------------------ */

/* The device fd, opened once per process (O_CLOEXEC); -1 with errno. */
int sockcancel_device_fd(void);
/* The path the library opens (SOCKCANCEL_DEVICE or the default). */
const char *sockcancel_device_path(void);

/* @op and @fd may be NULL. */
int sockcancel_cancel(pid_t tid, unsigned int flags, int *op, int *fd);
int sockcancel_query(pid_t tid, int *op, int *fd);
int sockcancel_cancel_socket(int sock, unsigned int flags,
			     unsigned int *count);

/*
 * The same two for a thread named by a pidfd of the caller, which cannot
 * come to name another thread (Linux 6.9 has thread pidfds; a process
 * pidfd names the main thread). Separate functions, not a flag: the
 * argument is an fd, not a thread id, and sockcancel_query() has no flags.
 */
int sockcancel_cancel_pidfd(int pidfd, unsigned int flags, int *op, int *fd);
int sockcancel_query_pidfd(int pidfd, int *op, int *fd);
/*
 * A pidfd (O_CLOEXEC) naming thread @tid: a thread pidfd, or before Linux
 * 6.9 a process pidfd when @tid is a main thread (else EINVAL); -1 with
 * errno as pidfd_open(2).
 */
int sockcancel_pidfd_open(pid_t tid);

/*
 * close(2) with Windows closesocket semantics for a socket: every call of
 * this process blocked on it returns -1 with EINTR, a call entering on
 * @fd meanwhile fails at once, then @fd is closed. Other fds, one thread,
 * or no device: plain close(2). Returns and sets errno as close(2).
 */
int sockcancel_close(int fd);

/* "none", "recv", "send", "accept", "connect", "poll"; "?" otherwise. */
const char *sockcancel_op_name(int op);

/* ---- Winsock error codes ----------------------------------------------- */

#ifndef WSABASEERR
#define WSABASEERR		10000
#define WSAEINTR		10004
#define WSAEBADF		10009
#define WSAEACCES		10013
#define WSAEFAULT		10014
#define WSAEINVAL		10022
#define WSAEMFILE		10024
#define WSAEWOULDBLOCK		10035
#define WSAEINPROGRESS		10036
#define WSAEALREADY		10037
#define WSAENOTSOCK		10038
#define WSAEDESTADDRREQ		10039
#define WSAEMSGSIZE		10040
#define WSAEPROTOTYPE		10041
#define WSAENOPROTOOPT		10042
#define WSAEPROTONOSUPPORT	10043
#define WSAESOCKTNOSUPPORT	10044
#define WSAEOPNOTSUPP		10045
#define WSAEPFNOSUPPORT		10046
#define WSAEAFNOSUPPORT		10047
#define WSAEADDRINUSE		10048
#define WSAEADDRNOTAVAIL	10049
#define WSAENETDOWN		10050
#define WSAENETUNREACH		10051
#define WSAENETRESET		10052
#define WSAECONNABORTED		10053
#define WSAECONNRESET		10054
#define WSAENOBUFS		10055
#define WSAEISCONN		10056
#define WSAENOTCONN		10057
#define WSAESHUTDOWN		10058
#define WSAETOOMANYREFS		10059
#define WSAETIMEDOUT		10060
#define WSAECONNREFUSED		10061
#define WSAELOOP		10062
#define WSAENAMETOOLONG		10063
#define WSAEHOSTDOWN		10064
#define WSAEHOSTUNREACH		10065
#define WSAENOTEMPTY		10066
#define WSAEPROCLIM		10067
#define WSAEUSERS		10068
#define WSAEDQUOT		10069
#define WSAESTALE		10070
#define WSAEREMOTE		10071
#define WSASYSCALLFAILURE	10107
#endif

#ifndef SOCKET_ERROR
#define SOCKET_ERROR		(-1)
#endif
#ifndef INVALID_SOCKET
#define INVALID_SOCKET		(-1)
#endif

/* The WSAE* code for errno @err; 0 for 0; WSASYSCALLFAILURE if unknown. */
int wsa_error_from_errno(int err);
/* "WSAEINTR" for 10004 and so on; NULL for codes not in the table. */
const char *wsa_error_name(int wsa);

/* ---- Winsock SPI: any thread ------------------------------------------ */

/*
 * Cancel thread @tid's outstanding blocking socket call. 0, or SOCKET_ERROR
 * with *err: WSAEINVAL (nothing outstanding, no such thread, bad tid),
 * WSAEACCES (not permitted), WSAENETDOWN (device missing).
 */
int wsp_cancel_blocking_call(pid_t tid, int *err);
/*
 * 1 if thread @tid is inside a blocking socket call (a ws11_ call of this
 * process, or any call the device reports), 0 otherwise.
 */
int wsp_thread_is_blocking(pid_t tid);

/* ---- Winsock 1.1 blocking model: the calling thread ------------------- */

/*
 * A blocking hook, called repeatedly by a pseudo-blocking call in the
 * thread that installed it. Return nonzero to be called again at once,
 * zero to let the call wait for its socket a little first.
 */
typedef int (*ws11_blocking_hook)(void);

/* WSASetBlockingHook, WSAUnhookBlockingHook, WSACancelBlockingCall */
ws11_blocking_hook ws11_set_blocking_hook(ws11_blocking_hook hook);
int ws11_unhook_blocking_hook(void);
int ws11_cancel_blocking_call(void);
/* WSAIsBlocking: 1 while the calling thread is inside a ws11_ call */
int ws11_is_blocking(void);
/* WSAGetLastError, WSASetLastError */
int ws11_get_last_error(void);
void ws11_set_last_error(int err);

ssize_t ws11_recv(int sock, void *buf, size_t len, int flags);
ssize_t ws11_send(int sock, const void *buf, size_t len, int flags);
int ws11_accept(int sock, struct sockaddr *addr, socklen_t *addrlen);
int ws11_connect(int sock, const struct sockaddr *addr, socklen_t addrlen);
int ws11_select(int nfds, fd_set *readfds, fd_set *writefds,
		fd_set *exceptfds, struct timeval *timeout);
int ws11_closesocket(int sock);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* LIBSOCKCANCEL_H */
