/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the sockcancel selftests: thin ioctl wrappers, a thread
 * that makes one blocking call, and a wait until a thread sleeps in a given
 * syscall (read from /proc/self/task/TID/syscall).
 */
#ifndef SOCKCANCEL_UTIL_H
#define SOCKCANCEL_UTIL_H

#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/sockcancel.h>

#define DEV_PATH "/dev/sockcancel"

static inline int open_dev(void)
{
	return open(DEV_PATH, O_RDWR | O_CLOEXEC);
}

/* Output fields pre-filled with 0xcc so a test sees what the kernel wrote. */
static inline int thread_ioctl(int dev, unsigned long cmd, pid_t tid,
			       __u32 flags, struct sockcancel_thread_arg *out)
{
	struct sockcancel_thread_arg arg;
	int ret;

	memset(&arg, 0xcc, sizeof(arg));
	arg.tid = tid;
	arg.flags = flags;
	ret = ioctl(dev, cmd, &arg);
	if (out)
		*out = arg;
	return ret;
}

static inline int sc_cancel(int dev, pid_t tid, __u32 flags,
			    struct sockcancel_thread_arg *out)
{
	return thread_ioctl(dev, SOCKCANCEL_IOC_CANCEL, tid, flags, out);
}

static inline int sc_query(int dev, pid_t tid, struct sockcancel_thread_arg *out)
{
	return thread_ioctl(dev, SOCKCANCEL_IOC_QUERY, tid, 0, out);
}

/* Open file @name in the directory of this test program (read), or NULL. */
static inline FILE *fopen_beside_self(const char *name)
{
	char exe[PATH_MAX], path[PATH_MAX + 64], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = 0;
	snprintf(path, sizeof(path), "%s/%s", exe, name);
	return fopen(path, "r");
}

/* A number from file @name beside this program (a count, a duration). */
static inline long number_beside_self(const char *name, long dflt)
{
	FILE *f = fopen_beside_self(name);
	long v = dflt;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = dflt;
		fclose(f);
	}
	return v;
}

static inline long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until thread @tid of process @pid (0: ourselves) sleeps in syscall
 * @nr. Returns true when it does within @ms milliseconds.
 */
static inline bool wait_blocked_in(pid_t pid, pid_t tid, long nr, long ms)
{
	char path[96], buf[256], state;
	long deadline = now_ms() + ms, cur;
	FILE *f;

	for (;;) {
		bool in = false;

		if (pid)
			snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall",
				 pid, tid);
		else
			snprintf(path, sizeof(path),
				 "/proc/self/task/%d/syscall", tid);
		f = fopen(path, "r");
		if (f) {
			in = fscanf(f, "%ld", &cur) == 1 && cur == nr;
			fclose(f);
		}
		if (in) {
			/* and asleep: field 3 of stat is S */
			strcpy(strrchr(path, '/'), "/stat");
			f = fopen(path, "r");
			in = false;
			if (f) {
				if (fgets(buf, sizeof(buf), f) &&
				    strrchr(buf, ')') &&
				    sscanf(strrchr(buf, ')') + 1, " %c",
					   &state) == 1)
					in = state == 'S' || state == 't' ||
					     state == 'T';
				fclose(f);
			}
		}
		if (in)
			return true;
		if (now_ms() > deadline)
			return false;
		usleep(2000);
	}
}

/* One blocking call made by its own thread. */
struct call {
	long (*fn)(struct call *c);
	int fd;
	void *buf;
	size_t len;
	int flags;
	long arg;
	pid_t tid;
	long ret;
	int err;
	pthread_t thread;
	volatile int started;
};

static inline void *call_thread(void *p)
{
	struct call *c = p;

	c->tid = gettid();
	__atomic_store_n(&c->started, 1, __ATOMIC_SEQ_CST);
	errno = 0;
	c->ret = c->fn(c);
	c->err = errno;
	return NULL;
}

/* Start @c and wait until it sleeps in syscall @nr; false if it never did. */
static inline bool call_start(struct call *c, long nr)
{
	if (pthread_create(&c->thread, NULL, call_thread, c))
		return false;
	while (!__atomic_load_n(&c->started, __ATOMIC_SEQ_CST))
		usleep(100);
	return wait_blocked_in(0, c->tid, nr, 5000);
}

/* Join @th within @ms; false if it is still running (blocked). */
static inline bool join_within(pthread_t th, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return pthread_timedjoin_np(th, NULL, &ts) == 0;
}

static inline bool call_join(struct call *c, long ms)
{
	return join_within(c->thread, ms);
}

/* Small socket buffers, so that a large send blocks part-way. */
static inline void small_buffers(int fd)
{
	int small = 32768;

	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
}

static inline long do_recv(struct call *c)
{
	return recv(c->fd, c->buf, c->len, c->flags);
}

static inline long do_send(struct call *c)
{
	return send(c->fd, c->buf, c->len, c->flags);
}

static inline long do_read(struct call *c)
{
	return read(c->fd, c->buf, c->len);
}

static inline long do_accept(struct call *c)
{
	return accept(c->fd, NULL, NULL);
}

/* A connected TCP pair on loopback; @listener gets the listening socket. */
static inline int tcp_pair(int sv[2], int *listener)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int l, one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0)
		return -1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (void *)&a, sizeof(a)) || listen(l, 16) ||
	    getsockname(l, (void *)&a, &len))
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

#endif /* SOCKCANCEL_UTIL_H */
