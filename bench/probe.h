/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A latency probe: one worker thread that makes one blocking call per round
 * (recv on TCP, UDP or AF_UNIX, accept, or poll; or the io_uring equivalent)
 * and one way to interrupt it (sockcancel CANCEL or CANCEL_SOCKET, the
 * in-kernel series' PIDFD_CANCEL_SOCKET_WAIT on a pidfd of the worker,
 * tgkill with a handler installed without SA_RESTART, shutdown(SHUT_RD),
 * or IORING_OP_ASYNC_CANCEL).
 *
 * probe_sample() runs in the canceller: it releases the worker, waits until
 * procfs shows it asleep in the expected syscall, takes t0, interrupts it,
 * and waits for the worker's t1 (taken right after its call returned).
 * Latency = t1 - t0, CLOCK_MONOTONIC on both sides.
 */
#ifndef SOCKCANCEL_BENCH_PROBE_H
#define SOCKCANCEL_BENCH_PROBE_H

#include "bench.h"
#include "uring.h"
#include "../selftests/toolkit/pidfd_wait.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockcancel.h>

enum target { T_TCP, T_UDP, T_UNIX, T_ACCEPT, T_POLL, T_N };
enum method { M_SC, M_SCSOCK, M_PIDFD, M_TGKILL, M_SHUT, M_URING, M_N };

static const char *const target_names[T_N] = {
	"tcp-recv", "udp-recv", "unix-recv", "accept", "poll",
};
static const char *const method_names[M_N] = {
	"sockcancel", "cancel_socket", "pidfd_cancel", "tgkill", "shutdown",
	"io_uring",
};

struct probe {
	enum target tgt;
	enum method m;
	char name[48];
	int dev;		/* /dev/sockcancel */
	int pidfd;		/* the worker's (M_PIDFD) */
	int fd;			/* what the worker blocks on */
	int peer;		/* the other end, kept open */
	struct ring ring;
	pid_t tid;
	struct syscall_watch w;
	long nr;		/* syscall the worker sleeps in */
	int go, done;
	int stop;
	uint64_t t1;
	long ret;
	int err;
	/* results */
	uint64_t *lat;
	uint64_t *call;	/* how long the interrupting call itself took */
	size_t n, cap;
	unsigned long wrong;	/* the call ended with an unexpected result */
	unsigned long refused;	/* the interrupting call failed */
	unsigned long lost;	/* no return within 5 s of a successful cancel */
	unsigned long noblock;	/* worker never seen asleep */
	uint64_t worst_ns;
	pthread_t th;
};

static void on_sigusr1(int sig)
{
	(void)sig;
}

/* SIGUSR1 with a handler and no SA_RESTART: what runtimes do. */
static inline void install_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, NULL);
}

/* (Re)create the sockets of @p; fd is what the worker blocks on. */
static inline int probe_sockets(struct probe *p)
{
	int sv[2] = { -1, -1 };

	switch (p->tgt) {
	case T_TCP:
	case T_POLL:
		if (tcp_pair(sv, NULL))
			return -1;
		break;
	case T_UDP:
		if (udp_pair(sv))
			return -1;
		break;
	case T_UNIX:
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			return -1;
		break;
	case T_ACCEPT:
		sv[1] = tcp_listener(NULL, 64);
		if (sv[1] < 0)
			return -1;
		break;
	default:
		return -1;
	}
	p->peer = sv[0];
	__atomic_store_n(&p->fd, sv[1], __ATOMIC_RELEASE);
	return 0;
}

static inline void probe_close_sockets(struct probe *p)
{
	if (p->fd >= 0)
		close(p->fd);
	if (p->peer >= 0)
		close(p->peer);
	p->fd = p->peer = -1;
}

/* The io_uring worker: submit one op, wait for its CQE (user_data 1). */
static inline void uring_call(struct probe *p)
{
	static __thread char buf[16];
	struct io_uring_sqe *sqe = ring_sqe(&p->ring);
	struct io_uring_cqe cqe;
	bool got = false;

	sqe->fd = p->fd;
	sqe->user_data = 1;
	switch (p->tgt) {
	case T_ACCEPT:
		sqe->opcode = IORING_OP_ACCEPT;
		break;
	case T_POLL:
		sqe->opcode = IORING_OP_POLL_ADD;
		sqe->poll32_events = POLLIN;
		break;
	default:
		sqe->opcode = IORING_OP_RECV;
		sqe->addr = (unsigned long)buf;
		sqe->len = 1;
		break;
	}
	ring_commit(&p->ring);
	if (ring_enter(&p->ring, 1, 1) < 0) {
		p->ret = -1;
		p->err = errno;
		p->t1 = now_ns();
		return;
	}
	for (;;) {
		while (ring_pop(&p->ring, &cqe)) {
			if (cqe.user_data == 1) {
				p->t1 = now_ns();
				p->ret = cqe.res;
				p->err = cqe.res < 0 ? -cqe.res : 0;
				got = true;
			}
		}
		if (got)
			return;
		ring_enter(&p->ring, 0, 1);
	}
}

static void *probe_worker(void *arg)
{
	struct probe *p = arg;
	char buf[16];
	int gen = 0;

	pin_cpu(1);
	p->tid = bench_gettid();
	__atomic_store_n(&p->done, -1, __ATOMIC_RELEASE);
	futex_wake(&p->done);
	for (;;) {
		struct pollfd pfd;
		int fd;
		long r;

		wait_change(&p->go, gen);
		gen = __atomic_load_n(&p->go, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE))
			break;
		fd = __atomic_load_n(&p->fd, __ATOMIC_ACQUIRE);
		if (p->m == M_URING) {
			uring_call(p);
		} else {
			errno = 0;
			switch (p->tgt) {
			case T_ACCEPT:
				r = syscall(SYS_accept, fd, NULL, NULL);
				break;
			case T_POLL:
				pfd.fd = fd;
				pfd.events = POLLIN;
				pfd.revents = 0;
				/* poll, or ppoll where there is none (arm64) */
				r = poll(&pfd, 1, -1);
				break;
			default:
				r = syscall(SYS_recvfrom, fd, buf, 1, 0,
					    NULL, NULL);
				break;
			}
			p->t1 = now_ns();
			p->ret = r;
			p->err = r < 0 ? errno : 0;
		}
		__atomic_store_n(&p->done, gen, __ATOMIC_RELEASE);
		futex_wake(&p->done);
	}
	return NULL;
}

static inline int probe_init(struct probe *p, enum target t, enum method m,
			     int dev, size_t cap)
{
	memset(p, 0, sizeof(*p));
	p->tgt = t;
	p->m = m;
	p->dev = dev;
	p->fd = p->peer = -1;
	p->ring.fd = -1;
	p->w.fd = -1;
	p->pidfd = -1;
	snprintf(p->name, sizeof(p->name), "%s/%s", target_names[t],
		 method_names[m]);
	if (m == M_URING) {
		if (ring_init(&p->ring, 8))
			return -1;
		p->nr = __NR_io_uring_enter;
	} else {
		p->nr = t == T_ACCEPT ? SYS_accept :
			t == T_POLL ? NR_POLL : SYS_recvfrom;
	}
	if (probe_sockets(p))
		return -1;
	p->cap = cap;
	p->lat = calloc(cap ? cap : 1, sizeof(*p->lat));
	p->call = calloc(cap ? cap : 1, sizeof(*p->call));
	if (!p->lat || !p->call)
		return -1;
	if (pthread_create(&p->th, NULL, probe_worker, p))
		return -1;
	wait_change(&p->done, 0);
	if (watch_open(&p->w, getpid(), p->tid))
		return -1;
	if (m == M_PIDFD) {
		p->pidfd = pidfd_of(p->tid, PIDFD_THREAD);
		if (p->pidfd < 0)
			return -1;
	}
	return 0;
}

/* Is the result the one the method promises? */
static inline bool probe_expected(struct probe *p)
{
	switch (p->m) {
	case M_SHUT:
		return true;	/* 0, EINVAL or POLLIN: any wake-up counts */
	case M_URING:
		return p->ret == -ECANCELED;
	default:
		return p->ret == -1 && p->err == EINTR;
	}
}

/* Wait for the worker's round @gen; false after @ms. */
static inline bool probe_wait_done(struct probe *p, int gen, long ms)
{
	uint64_t deadline = now_ns() + (uint64_t)ms * 1000000ull;
	struct timespec ts = { 0, 50 * 1000000 };
	int cur;

	for (;;) {
		cur = __atomic_load_n(&p->done, __ATOMIC_ACQUIRE);
		if (cur == gen)
			return true;
		if (now_ns() > deadline)
			return false;
		syscall(SYS_futex, &p->done, FUTEX_WAIT_PRIVATE, cur, &ts,
			NULL, 0);
	}
}

/* Interrupt the worker now; 0 if the method says it did something. */
static inline int probe_interrupt(struct probe *p)
{
	struct sockcancel_thread_arg ta;
	struct sockcancel_socket_arg sa;
	struct io_uring_sqe *sqe;

	switch (p->m) {
	case M_SC:
		memset(&ta, 0, sizeof(ta));
		ta.tid = p->tid;
		return ioctl(p->dev, SOCKCANCEL_IOC_CANCEL, &ta);
	case M_SCSOCK:
		memset(&sa, 0, sizeof(sa));
		sa.fd = p->fd;
		if (ioctl(p->dev, SOCKCANCEL_IOC_CANCEL_SOCKET, &sa))
			return -1;
		return sa.count == 1 ? 0 : -1;
	case M_PIDFD:
		return sw_ioctl(p->pidfd, PIDFD_CANCEL_SOCKET_WAIT, 0, NULL);
	case M_TGKILL:
		return syscall(SYS_tgkill, getpid(), p->tid, SIGUSR1);
	case M_SHUT:
		return shutdown(p->fd, SHUT_RD);
	case M_URING:
		sqe = ring_sqe(&p->ring);
		sqe->opcode = IORING_OP_ASYNC_CANCEL;
		sqe->fd = -1;
		sqe->addr = 1;
		sqe->user_data = 2;
		ring_commit(&p->ring);
		return ring_enter(&p->ring, 1, 0) == 1 ? 0 : -1;
	default:
		return -1;
	}
}

/* Unstick a worker the method failed to interrupt. */
static inline void probe_recover(struct probe *p, int gen)
{
	int i;

	for (i = 0; i < 100 && !probe_wait_done(p, gen, 50); i++) {
		if (p->m == M_URING) {
			probe_interrupt(p);
		} else {
			syscall(SYS_tgkill, getpid(), p->tid, SIGUSR1);
			if (p->tgt == T_ACCEPT || p->tgt == T_POLL)
				shutdown(p->fd, SHUT_RDWR);
		}
	}
	if (p->m != M_SHUT) {
		/* sockets may be in any state now: start afresh */
		probe_close_sockets(p);
		probe_sockets(p);
	}
}

/* One measurement; stores it in p->lat and returns it, or 0 on failure. */
static inline uint64_t probe_sample(struct probe *p)
{
	uint64_t t0, t_ret, lat;
	int gen, rc;

	if (p->m == M_SHUT && p->fd < 0 && probe_sockets(p))
		die("sockets");
	gen = __atomic_load_n(&p->go, __ATOMIC_RELAXED) + 1;
	__atomic_store_n(&p->go, gen, __ATOMIC_RELEASE);
	futex_wake(&p->go);
	if (!watch_until(&p->w, p->nr, 5000)) {
		p->noblock++;
		probe_recover(p, gen);
		return 0;
	}
	t0 = now_ns();
	rc = probe_interrupt(p);
	t_ret = now_ns();
	if (rc) {
		p->refused++;
		probe_recover(p, gen);
		return 0;
	}
	if (!probe_wait_done(p, gen, 5000)) {
		p->lost++;
		probe_recover(p, gen);
		return 0;
	}
	if (!probe_expected(p)) {
		p->wrong++;
		if (p->m == M_SHUT)
			probe_close_sockets(p);
		return 0;
	}
	lat = p->t1 - t0;
	if (p->m == M_SHUT)
		probe_close_sockets(p);
	if (p->n < p->cap) {
		p->call[p->n] = t_ret - t0;
		p->lat[p->n++] = lat;
	}
	if (lat > p->worst_ns)
		p->worst_ns = lat;
	return lat;
}

#endif /* SOCKCANCEL_BENCH_PROBE_H */
