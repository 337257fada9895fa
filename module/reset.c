// SPDX-License-Identifier: GPL-2.0
/*
 * SOCKCANCEL_RESET_ON_PARTIAL: Winsock's all-or-nothing stream calls.
 *
 * A cancelled send (or MSG_WAITALL receive) on a stream socket that moved
 * some but not all of its bytes leaves a stream neither side can resume:
 * the caller would have to know the short count, and a Winsock client
 * does not. With the flag, such a call is failed with EINTR and the
 * connection is reset, so both ends learn that the stream is broken:
 *   - a protocol with an abort hook (TCP: tcp_abort through diag_destroy)
 *     sends RST to the peer and leaves ECONNABORTED for the next local call;
 *   - AF_UNIX has no RST: both directions are shut down (the peer reads end
 *     of stream, its sends fail with EPIPE) and ECONNABORTED is left in
 *     sk_err for the next local receive.
 *
 * Both helpers run in the target thread itself (from interrupt.c's task
 * work), in process context without the socket lock: the byte count asked
 * for is read from the caller's own memory, and the abort hook takes the
 * socket lock itself. The socket is the file pinned at cancel time.
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <net/compat.h>
#include <net/sock.h>
#include <uapi/linux/sockcancel.h>

#include "sc_internal.h"

static struct sock *stream_sock(struct file *file)
{
	struct socket *sock = file ? sock_from_file(file) : NULL;

	if (!sock || !sock->sk || sock->sk->sk_type != SOCK_STREAM)
		return NULL;
	return sock->sk;
}

/* Sum of an iovec array in the current task's memory; -EFAULT. */
static int iov_total(unsigned long uiov, unsigned long n, bool compat,
		     size_t *total)
{
	unsigned long i;
	size_t len;

	*total = 0;
	if (n > UIO_MAXIOV)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (compat) {
			struct compat_iovec __user *v = compat_ptr(uiov);
			compat_size_t l;

			if (get_user(l, &v[i].iov_len))
				return -EFAULT;
			len = l;
		} else {
			struct iovec __user *v = (void __user *)uiov;

			if (get_user(len, &v[i].iov_len))
				return -EFAULT;
		}
		*total = min_t(size_t, *total + min_t(size_t, len, MAX_RW_COUNT),
			       MAX_RW_COUNT);
	}
	return 0;
}

/*
 * The byte count the call asked to transfer, from its arguments @ptr (the
 * buffer, iovec array or msghdr) and @count.
 */
static int wanted_bytes(const struct sc_call *call, bool compat,
			unsigned long ptr, unsigned long count, size_t *want)
{
	unsigned long iov, n;

	switch (call->len) {
	case SC_LEN_ARG2:
		*want = min_t(size_t, count, MAX_RW_COUNT);
		return 0;
	case SC_LEN_IOV:
		return iov_total(ptr, count, compat, want);
	case SC_LEN_MSG:
		if (compat) {
			struct compat_msghdr __user *m =
				compat_ptr(ptr);
			compat_uptr_t ciov;
			compat_size_t cn;

			if (get_user(ciov, &m->msg_iov) ||
			    get_user(cn, &m->msg_iovlen))
				return -EFAULT;
			iov = ciov;
			n = cn;
		} else {
			struct user_msghdr __user *m =
				(void __user *)ptr;
			struct iovec __user *uiov;

			if (get_user(uiov, &m->msg_iov) ||
			    get_user(n, &m->msg_iovlen))
				return -EFAULT;
			iov = (unsigned long)uiov;
		}
		return iov_total(iov, n, compat, want);
	default:
		return -EINVAL;
	}
}

/*
 * True when the call that returned @ret transferred part, not all, of a
 * stream call's data, @ptr and @count being its arguments (see
 * wanted_bytes). Runs in the thread that made the call.
 */
bool sc_is_partial(const struct sc_call *call, bool compat, long ret,
		   unsigned long ptr, unsigned long count)
{
	size_t want;

	if (ret <= 0 || !stream_sock(call->file))
		return false;
	if (call->op == SOCKCANCEL_OP_RECV && !call->waitall)
		return false;
	if (call->op != SOCKCANCEL_OP_RECV && call->op != SOCKCANCEL_OP_SEND)
		return false;
	if (wanted_bytes(call, compat, ptr, count, &want))
		return false;
	return ret < want;
}

/* Break the connection so that both ends know. */
void sc_reset_stream(struct file *file)
{
	struct sock *sk = stream_sock(file);

	if (!sk)
		return;
	if (sk->sk_prot->diag_destroy) {
		sk->sk_prot->diag_destroy(sk, ECONNABORTED);
		return;
	}
	kernel_sock_shutdown(sock_from_file(file), SHUT_RDWR);
	lock_sock(sk);
	WRITE_ONCE(sk->sk_err, ECONNABORTED);
	release_sock(sk);
	sk_error_report(sk);
}
