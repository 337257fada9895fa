/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: connected socket pairs (TCP and UDP on loopback, AF_UNIX),
 * listeners, and small buffers that make a large send block part-way.
 */
#ifndef TOOLKIT_SOCKETS_H
#define TOOLKIT_SOCKETS_H

#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

/* A TCP listener on a free loopback port; @addr (may be NULL) its address. */
static inline int tcp_listener(struct sockaddr_in *addr, int backlog)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int l, one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0)
		return -1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (void *)&a, sizeof(a)) || listen(l, backlog) ||
	    getsockname(l, (void *)&a, &len)) {
		close(l);
		return -1;
	}
	if (addr)
		*addr = a;
	return l;
}

/* A connected TCP pair on loopback; @listener gets the listening socket. */
static inline int tcp_pair(int sv[2], int *listener)
{
	struct sockaddr_in a;
	int l, one = 1;

	l = tcp_listener(&a, 16);
	if (l < 0)
		return -1;
	sv[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (sv[0] < 0 || connect(sv[0], (void *)&a, sizeof(a)))
		return -1;
	sv[1] = accept(l, NULL, NULL);
	if (sv[1] < 0)
		return -1;
	setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(sv[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (listener)
		*listener = l;
	else
		close(l);
	return 0;
}

/* A connected UDP pair on loopback. */
static inline int udp_pair(int sv[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET }, b;
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	b = a;
	sv[0] = socket(AF_INET, SOCK_DGRAM, 0);
	sv[1] = socket(AF_INET, SOCK_DGRAM, 0);
	if (sv[0] < 0 || sv[1] < 0 || bind(sv[0], (void *)&a, sizeof(a)) ||
	    bind(sv[1], (void *)&b, sizeof(b)))
		return -1;
	if (getsockname(sv[0], (void *)&a, &len))
		return -1;
	len = sizeof(b);
	if (getsockname(sv[1], (void *)&b, &len))
		return -1;
	if (connect(sv[0], (void *)&b, sizeof(b)) ||
	    connect(sv[1], (void *)&a, sizeof(a)))
		return -1;
	return 0;
}

/* A socket of the given family and type, connected to its peer. */
static inline int make_pair(int family, int type, int sv[2])
{
	if (family == AF_UNIX)
		return socketpair(AF_UNIX, type, 0, sv);
	if (type == SOCK_STREAM)
		return tcp_pair(sv, NULL);
	return udp_pair(sv);
}

/* Small socket buffers, so that a large send blocks part-way. */
static inline void small_buffers(int fd)
{
	int small = 32768;

	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
}

#endif /* TOOLKIT_SOCKETS_H */
