// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * libsockcancel, Winsock 1.1 model: the aborted-socket table.
 *
 * A blocking send, or a MSG_WAITALL receive, is all or nothing. When one
 * ends early after moving part of its data, the stream's integrity is lost:
 * the connection is reset (SO_LINGER {1, 0} and an AF_UNSPEC connect, which
 * makes TCP send a RST; shutdown(SHUT_RDWR) for other streams) and the
 * socket is recorded here, so that every later ws11_ call on it except
 * ws11_closesocket fails with WSAECONNABORTED. A socket on which the kernel
 * reports ECONNABORTED (the module's reset-on-partial) is recorded too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "scl_internal.h"

/*
 * Sockets reset for integrity loss. An entry names the socket by fd and by
 * its inode, so a stale entry (the fd closed with close() and reused) is
 * recognised and dropped. ab_count lets the common case skip the lock.
 */
struct aborted {
	int fd;
	dev_t dev;
	ino_t ino;
};

static pthread_mutex_t ab_lock = PTHREAD_MUTEX_INITIALIZER;
static struct aborted *ab_tab;
static size_t ab_len, ab_cap;
static int ab_count;

static void ab_remove_at(size_t i)
{
	ab_tab[i] = ab_tab[--ab_len];
	__atomic_store_n(&ab_count, (int)ab_len, __ATOMIC_SEQ_CST);
}

void scl_mark_aborted(int sock)
{
	struct stat st;
	size_t i;

	if (fstat(sock, &st))
		return;
	pthread_mutex_lock(&ab_lock);
	for (i = 0; i < ab_len && ab_tab[i].fd != sock; i++)
		;
	if (i == ab_len && ab_len == ab_cap) {
		size_t cap = ab_cap ? ab_cap * 2 : 8;
		struct aborted *t = realloc(ab_tab, cap * sizeof(*t));

		if (!t)
			goto out;	/* the reset itself still stands */
		ab_tab = t;
		ab_cap = cap;
	}
	if (i == ab_len)
		ab_len++;
	ab_tab[i].fd = sock;
	ab_tab[i].dev = st.st_dev;
	ab_tab[i].ino = st.st_ino;
	__atomic_store_n(&ab_count, (int)ab_len, __ATOMIC_SEQ_CST);
out:
	pthread_mutex_unlock(&ab_lock);
}

bool scl_is_aborted(int sock)
{
	bool ret = false;
	struct stat st;
	size_t i;

	if (!__atomic_load_n(&ab_count, __ATOMIC_SEQ_CST) || fstat(sock, &st))
		return false;
	pthread_mutex_lock(&ab_lock);
	for (i = 0; i < ab_len; i++) {
		if (ab_tab[i].fd != sock)
			continue;
		if (ab_tab[i].dev == st.st_dev && ab_tab[i].ino == st.st_ino)
			ret = true;
		else
			ab_remove_at(i);
		break;
	}
	pthread_mutex_unlock(&ab_lock);
	return ret;
}

void scl_forget_aborted(int sock)
{
	size_t i;

	pthread_mutex_lock(&ab_lock);
	for (i = 0; i < ab_len; i++) {
		if (ab_tab[i].fd == sock) {
			ab_remove_at(i);
			break;
		}
	}
	pthread_mutex_unlock(&ab_lock);
}

void scl_reset_stream(int sock)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	int saved = errno;

	setsockopt(sock, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	/* TCP: tcp_disconnect() sends a RST; others refuse AF_UNSPEC */
	if (connect(sock, &sa, sizeof(sa)))
		shutdown(sock, SHUT_RDWR);
	scl_mark_aborted(sock);
	errno = saved;
}
