/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libsockcancel: cancel another thread's blocking socket call.
 *
 * Three layers, from thin to Winsock-like:
 *
 *   sockcancel_*   thin wrappers over the ioctls of /dev/sockcancel; return
 *                  0 or -1 with errno set, exactly as the kernel answered.
 *   wsp_* / wsa_*  the Winsock SPI view: WSPCancelBlockingCall for any
 *                  thread, WSAIsBlocking, and the errno -> WSAE* table.
 *   wsk_*          the Winsock 1.1 blocking model: socket calls that return
 *                  SOCKET_ERROR and keep a per-thread last error, an
 *                  optional per-thread blocking hook (pseudo-blocking), and
 *                  all-or-nothing stream transfers.
 *
 * This header does not need the kernel's uapi header. The device path is
 * /dev/sockcancel unless the environment variable SOCKCANCEL_DEVICE names
 * another one (read, with secure_getenv(), when the device is first opened).
 *
 * See libsockcancel(3).
 */
#ifndef SOCKCANCEL_LIB_H
#define SOCKCANCEL_LIB_H

#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SOCKCANCEL_LIB_VERSION	"0.1.0"

/* The default device and the environment variable that overrides it. */
#define SOCKCANCEL_DEFAULT_DEVICE	"/dev/sockcancel"
#define SOCKCANCEL_DEVICE_ENV		"SOCKCANCEL_DEVICE"

/* What a thread is blocked in; same values as the kernel's SOCKCANCEL_OP_*. */
enum sockcancel_op {
	SCL_OP_NONE	= 0,
	SCL_OP_RECV	= 1,
	SCL_OP_SEND	= 2,
	SCL_OP_ACCEPT	= 3,
	SCL_OP_CONNECT	= 4,
	SCL_OP_POLL	= 5,
};

/* Reset a stream whose cancelled call transferred part of its data. */
#define SCL_RESET_ON_PARTIAL	(1U << 0)

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

/* ---- Winsock SPI ------------------------------------------------------- */

/*
 * Cancel thread @tid's outstanding blocking socket call. 0, or SOCKET_ERROR
 * with *err: WSAEINVAL (nothing outstanding, no such thread, bad tid),
 * WSAEACCES (not permitted), WSAENETDOWN (device missing).
 */
int wsp_cancel_blocking_call(pid_t tid, int *err);
/* 1 if thread @tid is inside a blocking socket call, 0 otherwise. */
int wsa_is_blocking(pid_t tid);

/* ---- Winsock 1.1 blocking model ---------------------------------------- */

/*
 * A blocking hook, called repeatedly by a pseudo-blocking call in the
 * thread that installed it. Return nonzero to be called again at once,
 * zero to let the call wait for its socket a little first.
 */
typedef int (*wsk_blocking_hook)(void);

wsk_blocking_hook wsk_set_blocking_hook(wsk_blocking_hook hook);
int wsk_unhook_blocking_hook(void);
int wsk_cancel_blocking_call(void);
int wsk_is_blocking(void);
int wsk_get_last_error(void);
void wsk_set_last_error(int err);

ssize_t wsk_recv(int sock, void *buf, size_t len, int flags);
ssize_t wsk_send(int sock, const void *buf, size_t len, int flags);
int wsk_accept(int sock, struct sockaddr *addr, socklen_t *addrlen);
int wsk_connect(int sock, const struct sockaddr *addr, socklen_t addrlen);
int wsk_select(int nfds, fd_set *readfds, fd_set *writefds,
	       fd_set *exceptfds, struct timeval *timeout);
int wsk_closesocket(int sock);

#ifdef __cplusplus
}
#endif

#endif /* SOCKCANCEL_LIB_H */
