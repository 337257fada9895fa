/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sockbench xproc N: what asking the kernel's ptrace check costs. A thread
 * of the benchmark's own process and the main thread of a child process
 * each block in recv on a socket of their own; per round, in a random
 * order: CANCEL of the own thread (no permission asked), CANCEL of the
 * child's thread (the module opens its /proc/<tid>/mem), and
 * tgkill of the child's thread with a SIGUSR1 handler without SA_RESTART
 * (the reference). Latency from just before the request to the thread
 * back in user space with its result (CLOCK_MONOTONIC, both processes),
 * N samples each; also the time the request itself took. The canceller
 * runs on vCPU 0, both blocked threads on vCPU 1; before each sample it
 * waits for the thread to sleep in recv as the latency phase does, on
 * its syscall file kept open, yielding. On the in-kernel series' kernel
 * (no /dev/sockcancel) the cancels are PIDFD_CANCEL_SOCKET_WAIT on a
 * PIDFD_THREAD pidfd of each thread, named pidfd_cancel-*: the kernel's
 * ptrace_may_access() on every request, no path walk.
 */
#ifndef BENCH_XPROC_H
#define BENCH_XPROC_H

#include <sys/mman.h>
#include <sys/wait.h>

enum xp_method { XP_SAME, XP_OTHER, XP_TGKILL, XP_N };

static const char *const xp_names[XP_N] = {
	"same-process", "other-process", "other-process",
};

/* What a worker shares with the canceller (MAP_SHARED for the child). */
struct xp_worker {
	volatile uint64_t t1;
	volatile int gen;
	volatile int stop;
	volatile pid_t pid, tid;
	long ret;
	int err;
};

static void xp_loop(struct xp_worker *w, int fd)
{
	char b;
	long r;

	w->tid = bench_gettid();
	for (;;) {
		r = syscall(SYS_recvfrom, fd, &b, 1, 0, NULL, NULL);
		w->t1 = now_ns();
		w->ret = r;
		w->err = r < 0 ? errno : 0;
		__atomic_add_fetch(&w->gen, 1, __ATOMIC_RELEASE);
		if (w->stop)
			break;
	}
}

static void *xp_thread(void *p)
{
	struct xp_worker *w = p;

	/* where the child's thread runs: both woken across vCPUs alike */
	pin_cpu(1);
	xp_loop(w, w->ret);
	return NULL;
}

/*
 * One sample: interrupt @w (asleep in recv) with @m, through the series'
 * ioctl on @pidfd if there is one, else the device @dev; the latency, or 0.
 */
static uint64_t xp_sample(struct xp_worker *w, struct syscall_watch *watch,
			  enum xp_method m, int dev, int pidfd,
			  uint64_t *call_ns, unsigned long *bad)
{
	struct sockcancel_thread_arg ta;
	uint64_t t0, t2, deadline;
	int gen = __atomic_load_n(&w->gen, __ATOMIC_ACQUIRE), r;

	if (!watch_until(watch, SYS_recvfrom, 5000)) {
		(*bad)++;
		return 0;
	}
	memset(&ta, 0, sizeof(ta));
	ta.tid = w->tid;
	t0 = now_ns();
	if (m == XP_TGKILL)
		r = syscall(SYS_tgkill, w->pid, w->tid, SIGUSR1);
	else if (pidfd >= 0)
		r = sw_ioctl(pidfd, PIDFD_CANCEL_SOCKET_WAIT, 0, NULL);
	else
		r = ioctl(dev, SOCKCANCEL_IOC_CANCEL, &ta);
	t2 = now_ns();
	*call_ns = t2 - t0;
	deadline = t2 + 5000000000ull;
	while (__atomic_load_n(&w->gen, __ATOMIC_ACQUIRE) == gen)
		if (now_ns() > deadline) {
			/* lost: wake it for the next sample */
			syscall(SYS_tgkill, w->pid, w->tid, SIGUSR1);
			(*bad)++;
			return 0;
		}
	if (r || w->ret != -1 || w->err != EINTR) {
		(*bad)++;
		return 0;
	}
	return w->t1 - t0;
}

static int cmd_xproc(int samples)
{
	static uint64_t lat[XP_N][100000], call[XP_N][100000];
	unsigned long bad[XP_N] = { 0 };
	struct syscall_watch watch[2] = { { -1 }, { -1 } };
	struct xp_worker *own, *other;
	size_t n[XP_N] = { 0 };
	int sv[2][2], dev, i, j, order[XP_N], pidfd[2] = { -1, -1 };
	const char *how;
	pthread_t th;
	pid_t child;
	bool series;

	if (samples > 100000)
		samples = 100000;
	install_handler();
	dev = open_dev();
	/* before any thread blocks: the series marks calls once asked */
	series = dev < 0 && have_series();
	if (dev < 0 && !series) {
		result("xproc_error setup=no /dev/sockcancel and no PIDFD_CANCEL_SOCKET_WAIT");
		return 1;
	}
	how = series ? "pidfd_cancel" : "sockcancel";
	own = mmap(NULL, 2 * sizeof(*own), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (own == MAP_FAILED ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv[0]) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv[1])) {
		result("xproc_error setup=%s", strerror(errno));
		return 1;
	}
	other = own + 1;
	memset(own, 0, 2 * sizeof(*own));
	child = fork();
	if (!child) {
		pin_cpu(1);
		other->pid = getpid();
		xp_loop(other, sv[1][0]);
		_exit(0);
	}
	own->pid = getpid();
	own->ret = sv[0][0];
	if (child < 0 || pthread_create(&th, NULL, xp_thread, own)) {
		result("xproc_error start=%s", strerror(errno));
		return 1;
	}
	pin_cpu(0);
	while (!own->tid || !other->tid)
		usleep(1000);
	if (series) {
		pidfd[0] = pidfd_of(own->tid, PIDFD_THREAD);
		pidfd[1] = pidfd_of(other->tid, PIDFD_THREAD);
	}
	if (watch_open(&watch[0], own->pid, own->tid) ||
	    watch_open(&watch[1], other->pid, other->tid) ||
	    (series && (pidfd[0] < 0 || pidfd[1] < 0))) {
		result("xproc_error watch=%s", strerror(errno));
		return 1;
	}
	for (i = 0; i < XP_N; i++)
		order[i] = i;
	for (i = 0; i < samples; i++) {
		/* a new random order every round */
		for (j = XP_N - 1; j > 0; j--) {
			int k = rand() % (j + 1), t = order[j];

			order[j] = order[k];
			order[k] = t;
		}
		for (j = 0; j < XP_N; j++) {
			enum xp_method m = order[j];
			uint64_t c, v = xp_sample(m == XP_SAME ? own : other,
						  &watch[m != XP_SAME], m, dev,
						  pidfd[m != XP_SAME], &c,
						  &bad[m]);

			if (v) {
				call[m][n[m]] = c;
				lat[m][n[m]++] = v;
			}
		}
	}
	own->stop = other->stop = 1;
	syscall(SYS_tgkill, own->pid, own->tid, SIGUSR1);
	syscall(SYS_tgkill, child, other->tid, SIGUSR1);
	pthread_join(th, NULL);
	waitpid(child, NULL, 0);
	watch_close(&watch[0]);
	watch_close(&watch[1]);
	for (i = 0; i < XP_N; i++)
		result("xproc method=%s-%s n=%zu median_us=%.2f p90_us=%.2f "
		       "p99_us=%.2f call_median_us=%.2f bad=%lu",
		       i == XP_TGKILL ? "tgkill" : how, xp_names[i], n[i],
		       quantile(lat[i], n[i], 0.5, false) / 1e3,
		       quantile(lat[i], n[i], 0.9, false) / 1e3,
		       quantile(lat[i], n[i], 0.99, false) / 1e3,
		       quantile(call[i], n[i], 0.5, false) / 1e3, bad[i]);
	for (i = 0; i < 2; i++)
		if (pidfd[i] >= 0)
			close(pidfd[i]);
	if (dev >= 0)
		close(dev);
	return bad[XP_SAME] || bad[XP_OTHER] || bad[XP_TGKILL];
}

#endif /* BENCH_XPROC_H */
