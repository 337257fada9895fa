// SPDX-License-Identifier: GPL-2.0
/*
 * sockbench: the sockcancel benchmarks, run inside the test VM by
 * scripts/bench-guest-init. Each subcommand prints "R <section> key=value"
 * lines that scripts/bench-vm.sh turns into bench/results/latest.{md,json}.
 *
 *   latency N        cancel latency, every target x every method, N samples
 *                    each, interleaved sample by sample
 *   scale N          sockcancel latency with 1, 1000 and 10000 threads in
 *                    the process (three processes, interleaved in blocks)
 *   csock N ROUNDS   N threads blocked on one socket, woken by
 *                    CANCEL_SOCKET / N x CANCEL / N x tgkill / shutdown
 *   enoent ROUNDS    ns per CANCEL of a thread that is not blocked,
 *                    against getppid() and an unknown ioctl
 *   pingpong PROTO SECONDS [same|cross]   1-byte round trips per second
 *                    (tcp or unix), both threads on one vCPU or on two
 *   mempending N     slab growth per pending (queued, not yet run) cancel
 *   memthreads N     slab growth per idle thread
 *   xproc N          CANCEL of a thread of another process (the kernel's
 *                    permission check) against one of the own process
 *                    and tgkill, N samples each (xproc.h)
 *   arm              the series' kernel: switch its cancellation on
 */
#include "probe.h"
#include "xproc.h"

#include <sys/resource.h>
#include <sys/wait.h>

static void report_lat(const char *section, const char *extra, struct probe *p)
{
	uint64_t *v = p->lat;
	size_t n = p->n;
	uint64_t sum = 0;
	size_t i, over1 = 0, over5 = 0;

	qsort(v, n, sizeof(*v), cmp_u64);
	qsort(p->call, n, sizeof(*p->call), cmp_u64);
	for (i = 0; i < n; i++) {
		sum += v[i];
		over1 += v[i] > 1000000;
		over5 += v[i] > 5000000;
	}
	result("%s %s target=%s method=%s n=%zu median_us=%.2f p90_us=%.2f "
	       "p99_us=%.2f mean_us=%.2f min_us=%.2f max_us=%.2f wrong=%lu "
	       "refused=%lu lost=%lu noblock=%lu over1ms=%zu over5ms=%zu "
	       "call_median_us=%.2f",
	       section, extra, target_names[p->tgt], method_names[p->m], n,
	       quantile(v, n, 0.5, true) / 1e3,
	       quantile(v, n, 0.9, true) / 1e3,
	       quantile(v, n, 0.99, true) / 1e3,
	       n ? sum / (double)n / 1e3 : 0.0,
	       n ? v[0] / 1e3 : 0.0, n ? v[n - 1] / 1e3 : 0.0,
	       p->wrong, p->refused, p->lost, p->noblock, over1, over5,
	       quantile(p->call, n, 0.5, true) / 1e3);
}

/* ---- 1. latency ------------------------------------------------------ */

static int cmd_latency(int samples)
{
	static struct probe probes[T_N * M_N];
	int order[T_N * M_N];
	char name[64];
	int np = 0, dev, i, j, t, m;
	uint64_t start = now_ns();
	bool series = have_series();

	install_handler();
	dev = open_dev();
	if (dev < 0)
		result("warning no /dev/sockcancel: sockcancel methods skipped");
	for (t = 0; t < T_N; t++)
		for (m = 0; m < M_N; m++) {
			if (dev < 0 && (m == M_SC || m == M_SCSOCK))
				continue;
			/* the series' method, on its kernel only: no anomaly */
			if (!series && m == M_PIDFD)
				continue;
			if (probe_init(&probes[np], t, m, dev, samples)) {
				result("skip target=%s method=%s err=%s",
				       target_names[t], method_names[m],
				       strerror(errno));
				continue;
			}
			np++;
		}
	pin_cpu(0);
	result("latency_setup probes=%d threads=%d", np, np + 1);
	/*
	 * Every round takes one sample of each probe, in a new random order:
	 * a fixed order would give each probe the same predecessor, whose
	 * worker may still be finishing on the shared vCPU.
	 */
	for (j = 0; j < np; j++)
		order[j] = j;
	srandom(1);
	for (i = 0; i < samples; i++) {
		for (j = np - 1; j > 0; j--) {
			int k = random() % (j + 1), tmp = order[j];

			order[j] = order[k];
			order[k] = tmp;
		}
		for (j = 0; j < np; j++)
			probe_sample(&probes[order[j]]);
	}
	for (j = 0; j < np; j++) {
		report_lat("lat", "", &probes[j]);
		snprintf(name, sizeof(name), "%s", probes[j].name);
		result_cdf(name, probes[j].lat, probes[j].n);
	}
	result("latency_done seconds=%.1f", (now_ns() - start) / 1e9);
	return 0;
}

/* ---- 3a. scale ------------------------------------------------------- */

static int idle_word;

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		futex_wait(&idle_word, 0);
	return NULL;
}

/* An idle thread that first publishes its tid in *arg. */
static void *tid_idle_thread(void *arg)
{
	__atomic_store_n((int *)arg, bench_gettid(), __ATOMIC_RELEASE);
	futex_wake(arg);
	return idle_thread(NULL);
}

static int spawn_idle(int n)
{
	pthread_attr_t attr;
	pthread_t th;
	int i;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < n; i++)
		if (pthread_create(&th, &attr, idle_thread, NULL))
			return i;
	return n;
}

static void raise_nofile(rlim_t n)
{
	struct rlimit rl = { n, n };

	setrlimit(RLIMIT_NOFILE, &rl);
}

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t r = read(fd, p, len);

		if (r <= 0)
			return -1;
		p += r;
		len -= r;
	}
	return 0;
}

/*
 * One scale level in its own process: @threads threads besides the
 * canceller (the blocked one included) and @sockets extra open sockets.
 */
static void scale_child(int ctl, int threads, int sockets, int samples)
{
	struct probe p;
	int dev, got, s, k, i;
	uint64_t *buf;

	raise_nofile(sockets + 1024);
	install_handler();
	dev = open_dev();
	if (dev < 0)
		die("open /dev/sockcancel");
	for (s = 0; s < sockets; s++)
		if (socket(AF_INET, SOCK_DGRAM, 0) < 0)
			break;
	got = spawn_idle(threads - 1);
	if (probe_init(&p, T_TCP, M_SC, dev, samples))
		die("probe");
	pin_cpu(0);
	result("scale_setup threads=%d idle_created=%d sockets=%d fd=%d",
	       threads, got, s, p.fd);
	buf = calloc(samples, sizeof(*buf));
	for (;;) {
		if (read_full(ctl, &k, sizeof(k)) || k <= 0)
			break;
		for (i = 0; i < k; i++)
			buf[i] = probe_sample(&p);
		if (write(ctl, buf, k * sizeof(*buf)) < 0)
			break;
	}
	{
		char extra[64];

		snprintf(extra, sizeof(extra), "threads=%d sockets=%d",
			 threads, s);
		report_lat("scale", extra, &p);
	}
	_exit(0);
}

static int cmd_scale(int samples)
{
	static const int threads[3] = { 1, 1000, 10000 };
	static const int sockets[3] = { 0, 0, 10000 };
	int ctl[3], block = 10, rounds, r, j, k;
	pid_t pids[3];
	uint64_t *buf = calloc(block, sizeof(*buf));
	uint64_t start = now_ns();

	for (j = 0; j < 3; j++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			die("socketpair");
		pids[j] = fork();
		if (pids[j] == 0) {
			close(sv[0]);
			scale_child(sv[1], threads[j], sockets[j], samples);
		}
		close(sv[1]);
		ctl[j] = sv[0];
	}
	rounds = (samples + block - 1) / block;
	for (r = 0; r < rounds; r++)
		for (j = 0; j < 3; j++) {
			int c = ctl[(r + j) % 3];

			k = block;
			if (write(c, &k, sizeof(k)) != sizeof(k) ||
			    read_full(c, buf, k * sizeof(*buf)))
				die("scale control");
		}
	for (j = 0; j < 3; j++) {
		k = 0;
		if (write(ctl[j], &k, sizeof(k)) < 0)
			die("scale stop");
		waitpid(pids[j], NULL, 0);
	}
	result("scale_done seconds=%.1f", (now_ns() - start) / 1e9);
	return 0;
}

/* ---- 3b. many threads blocked on one socket -------------------------- */

struct mass {
	int n;
	int fd;
	int go;
	int ndone;
	pid_t *tids;
	uint64_t *t1;
	int *err;
	struct syscall_watch *w;
};

static struct mass M;

static void *mass_thread(void *arg)
{
	long i = (long)arg;
	int gen = 0;
	char buf[8];

	M.tids[i] = bench_gettid();
	__atomic_fetch_add(&M.ndone, 1, __ATOMIC_ACQ_REL);
	futex_wake(&M.ndone);
	for (;;) {
		long r;

		wait_change(&M.go, gen);
		gen = __atomic_load_n(&M.go, __ATOMIC_ACQUIRE);
		r = syscall(SYS_recvfrom, __atomic_load_n(&M.fd,
				__ATOMIC_ACQUIRE), buf, 1, 0, NULL, NULL);
		M.t1[i] = now_ns();
		M.err[i] = r < 0 ? errno : 0;
		if (__atomic_add_fetch(&M.ndone, 1, __ATOMIC_ACQ_REL) == M.n)
			futex_wake(&M.ndone);
	}
	return NULL;
}

static void mass_wait_done(long ms)
{
	uint64_t deadline = now_ns() + (uint64_t)ms * 1000000ull;
	struct timespec ts = { 0, 20 * 1000000 };
	int cur;

	while ((cur = __atomic_load_n(&M.ndone, __ATOMIC_ACQUIRE)) < M.n &&
	       now_ns() < deadline)
		syscall(SYS_futex, &M.ndone, FUTEX_WAIT_PRIVATE, cur, &ts,
			NULL, 0);
}

enum { MM_CSOCK, MM_SCLOOP, MM_KILLLOOP, MM_SHUT, MM_N };
static const char *const mass_names[MM_N] = {
	"cancel_socket", "sockcancel_loop", "tgkill_loop", "shutdown",
};

static void csock_child(int n, int rounds)
{
	uint64_t *all[MM_N], *call[MM_N];
	unsigned long eintr[MM_N] = { 0 }, expected[MM_N] = { 0 };
	unsigned long short_rounds[MM_N] = { 0 };
	pthread_attr_t attr;
	pthread_t th;
	int dev, sv[2], r, m, i, got[MM_N] = { 0 };

	raise_nofile(n + 1024);
	install_handler();
	dev = open_dev();
	if (dev < 0)
		die("open /dev/sockcancel");
	M.n = n;
	M.tids = calloc(n, sizeof(*M.tids));
	M.t1 = calloc(n, sizeof(*M.t1));
	M.err = calloc(n, sizeof(*M.err));
	M.w = calloc(n, sizeof(*M.w));
	for (m = 0; m < MM_N; m++) {
		all[m] = calloc(rounds, sizeof(uint64_t));
		call[m] = calloc(rounds, sizeof(uint64_t));
	}
	if (udp_pair(sv))
		die("udp");
	M.fd = sv[1];
	pin_cpu(0);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 0; i < n; i++)
		if (pthread_create(&th, &attr, mass_thread, (void *)(long)i))
			die("pthread_create");
	while (__atomic_load_n(&M.ndone, __ATOMIC_ACQUIRE) < n)
		usleep(1000);
	for (i = 0; i < n; i++)
		if (watch_open(&M.w[i], getpid(), M.tids[i]))
			die("watch");

	for (r = 0; r < rounds; r++) {
		for (m = 0; m < MM_N; m++) {
			int method = (r + m) % MM_N, cnt = 0;
			uint64_t t0, t_end, last = 0;
			struct sockcancel_socket_arg sa;
			struct sockcancel_thread_arg ta;

			__atomic_store_n(&M.ndone, 0, __ATOMIC_RELEASE);
			__atomic_add_fetch(&M.go, 1, __ATOMIC_ACQ_REL);
			futex_wake(&M.go);
			for (i = 0; i < n; i++)
				if (!watch_until(&M.w[i], SYS_recvfrom, 10000))
					die("mass thread never blocked");
			t0 = now_ns();
			switch (method) {
			case MM_CSOCK:
				memset(&sa, 0, sizeof(sa));
				sa.fd = M.fd;
				if (ioctl(dev, SOCKCANCEL_IOC_CANCEL_SOCKET,
					  &sa) == 0)
					cnt = sa.count;
				break;
			case MM_SCLOOP:
				for (i = 0; i < n; i++) {
					memset(&ta, 0, sizeof(ta));
					ta.tid = M.tids[i];
					if (!ioctl(dev, SOCKCANCEL_IOC_CANCEL,
						   &ta))
						cnt++;
				}
				break;
			case MM_KILLLOOP:
				for (i = 0; i < n; i++)
					if (!syscall(SYS_tgkill, getpid(),
						     M.tids[i], SIGUSR1))
						cnt++;
				break;
			case MM_SHUT:
				if (!shutdown(M.fd, SHUT_RD))
					cnt = n;
				break;
			}
			t_end = now_ns();
			mass_wait_done(20000);
			if (__atomic_load_n(&M.ndone, __ATOMIC_ACQUIRE) < n) {
				short_rounds[method]++;
				result("csock_stuck method=%s returned=%d of %d",
				       mass_names[method], M.ndone, n);
				/* free them with signals, then carry on */
				while (__atomic_load_n(&M.ndone,
						       __ATOMIC_ACQUIRE) < n) {
					for (i = 0; i < n; i++)
						syscall(SYS_tgkill, getpid(),
							M.tids[i], SIGUSR1);
					mass_wait_done(200);
				}
				continue;
			}
			for (i = 0; i < n; i++) {
				if (M.t1[i] > last)
					last = M.t1[i];
				if (M.err[i] == EINTR)
					eintr[method]++;
			}
			expected[method] += cnt;
			all[method][got[method]] = last - t0;
			call[method][got[method]++] = t_end - t0;
			if (method == MM_SHUT) {
				/* the socket is shut: the next round gets a new one */
				close(sv[0]);
				close(sv[1]);
				if (udp_pair(sv))
					die("udp");
				__atomic_store_n(&M.fd, sv[1],
						 __ATOMIC_RELEASE);
			}
		}
	}
	for (m = 0; m < MM_N; m++) {
		uint64_t a = quantile(all[m], got[m], 0.5, false);
		uint64_t c = quantile(call[m], got[m], 0.5, false);

		result("csock threads=%d method=%s rounds=%d all_returned_ms=%.2f "
		       "all_returned_max_ms=%.2f call_ms=%.2f per_thread_us=%.2f "
		       "eintr=%lu reported=%lu stuck_rounds=%lu",
		       n, mass_names[m], got[m], a / 1e6,
		       got[m] ? all[m][got[m] - 1] / 1e6 : 0.0, c / 1e6,
		       a / 1e3 / n, eintr[m], expected[m], short_rounds[m]);
	}
	_exit(0);
}

static int cmd_csock(int n, int rounds)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		csock_child(n, rounds);
	waitpid(pid, &st, 0);
	return 0;
}

/* ---- 5. ENOENT path -------------------------------------------------- */

static int cmd_enoent(int rounds)
{
	static const int iters = 20000;
	uint64_t *g = calloc(rounds, sizeof(*g));
	uint64_t *c = calloc(rounds, sizeof(*c));
	uint64_t *u = calloc(rounds, sizeof(*u));
	unsigned long bad = 0;
	pthread_t th;
	int dev, r, i;
	pid_t tid;
	int tid_word = 0;
	struct syscall_watch w;

	dev = open_dev();
	if (dev < 0)
		die("open /dev/sockcancel");
	pthread_create(&th, NULL, tid_idle_thread, &tid_word);
	wait_change(&tid_word, 0);
	tid = tid_word;
	watch_open(&w, getpid(), tid);
	if (!watch_until(&w, SYS_futex, 5000))
		die("idle thread not asleep");
	pin_cpu(0);
	for (r = 0; r < rounds; r++) {
		struct sockcancel_thread_arg ta;
		uint64_t t;

		t = now_ns();
		for (i = 0; i < iters; i++)
			syscall(SYS_getppid);
		g[r] = (now_ns() - t) / iters;

		t = now_ns();
		for (i = 0; i < iters; i++) {
			ta.tid = tid;
			ta.flags = 0;
			if (ioctl(dev, SOCKCANCEL_IOC_CANCEL, &ta) != -1 ||
			    errno != ENOENT)
				bad++;
		}
		c[r] = (now_ns() - t) / iters;

		t = now_ns();
		for (i = 0; i < iters; i++)
			ioctl(dev, _IO(SOCKCANCEL_IOC_MAGIC, 0x7f), 0);
		u[r] = (now_ns() - t) / iters;
	}
	result("enoent rounds=%d iters=%d getppid_ns=%lu cancel_enoent_ns=%lu "
	       "ioctl_enotty_ns=%lu ratio=%.2f not_enoent=%lu", rounds, iters,
	       quantile(g, rounds, 0.5, false), quantile(c, rounds, 0.5, false),
	       quantile(u, rounds, 0.5, false),
	       (double)quantile(c, rounds, 0.5, true) /
	       (double)quantile(g, rounds, 0.5, true), bad);
	return 0;
}

/* ---- 2. hot path ----------------------------------------------------- */

static int pp_fd;
static int pp_stop;
static int pp_cpu = 1;

static void *pong_thread(void *arg)
{
	char b;

	(void)arg;
	pin_cpu(pp_cpu);
	while (read(pp_fd, &b, 1) == 1)
		if (write(pp_fd, &b, 1) != 1)
			break;
	return NULL;
}

static void *canceller_idle(void *arg)
{
	int dev = open_dev();

	*(int *)arg = dev >= 0;
	__atomic_store_n(&pp_stop, 1, __ATOMIC_RELEASE);
	futex_wake(&pp_stop);
	for (;;)
		futex_wait(&idle_word, 0);
	return NULL;
}

/* @mode "cross": the two threads on vCPU 0 and 1; "same": both on 0. */
static int cmd_pingpong(const char *proto, double seconds, const char *mode)
{
	pthread_t th, idle;
	int sv[2], loaded = 0;
	uint64_t start, end, n = 0;
	char b = 'x';

	if (!strcmp(proto, "tcp")) {
		if (tcp_pair(sv, NULL))
			die("tcp");
	} else if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		die("socketpair");
	}
	pthread_create(&idle, NULL, canceller_idle, &loaded);
	wait_change(&pp_stop, 0);
	pp_fd = sv[1];
	pp_cpu = strcmp(mode, "same") ? 1 : 0;
	pthread_create(&th, NULL, pong_thread, NULL);
	pin_cpu(0);
	/* warm up */
	for (n = 0; n < 200; n++)
		if (write(sv[0], &b, 1) != 1 || read(sv[0], &b, 1) != 1)
			die("pingpong");
	start = now_ns();
	end = start + (uint64_t)(seconds * 1e9);
	for (n = 0;; n++) {
		if (write(sv[0], &b, 1) != 1 || read(sv[0], &b, 1) != 1)
			die("pingpong");
		if ((n & 63) == 0 && now_ns() >= end)
			break;
	}
	end = now_ns();
	result("pp proto=%s cpus=%s module=%d rtps=%.0f", proto,
	       pp_cpu ? "cross" : "same", loaded,
	       (n + 1) / ((end - start) / 1e9));
	return 0;
}

/* ---- 4. memory ------------------------------------------------------- */

#define MAX_CACHES 512

struct slabsnap {
	int ncaches;
	char names[MAX_CACHES][64];
	long active[MAX_CACHES], size[MAX_CACHES];
	long k64_active, k64_total, k64_size;
	long total_bytes;		/* sum of active_objs * objsize */
	long meminfo_slab_kb, kernel_stack_kb;
};

/* The caches whose active bytes moved most between @a and @b. */
static void slab_top(const char *tag, const struct slabsnap *a,
		     const struct slabsnap *b, long per)
{
	char buf[1024] = "";
	int used[5] = { -1, -1, -1, -1, -1 };
	int k, i, j;

	for (k = 0; k < 5; k++) {
		long best = 0;
		int bi = -1;

		for (i = 0; i < b->ncaches; i++) {
			long d = b->active[i] * b->size[i];

			for (j = 0; j < a->ncaches; j++)
				if (!strcmp(a->names[j], b->names[i])) {
					d -= a->active[j] * a->size[j];
					break;
				}
			for (j = 0; j < k; j++)
				if (used[j] == i)
					break;
			if (j == k && labs(d) > labs(best)) {
				best = d;
				bi = i;
			}
		}
		if (bi < 0)
			break;
		used[k] = bi;
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			 "%s%s:%+.1f", k ? "," : "", b->names[bi],
			 (double)best / per);
	}
	result("slabtop when=%s bytes_per_item=%s", tag, buf);
}

static void slab_read(struct slabsnap *s)
{
	char line[512], name[64];
	long active, num, size;
	FILE *f = fopen("/proc/slabinfo", "r");

	memset(s, 0, sizeof(*s));
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%63s %ld %ld %ld", name, &active,
				   &num, &size) != 4)
				continue;
			s->total_bytes += active * size;
			if (s->ncaches < MAX_CACHES) {
				snprintf(s->names[s->ncaches], 64, "%s", name);
				s->active[s->ncaches] = active;
				s->size[s->ncaches++] = size;
			}
			if (!strcmp(name, "kmalloc-64")) {
				s->k64_active = active;
				s->k64_total = num;
				s->k64_size = size;
			}
		}
		fclose(f);
	}
	f = fopen("/proc/meminfo", "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "Slab: %ld", &s->meminfo_slab_kb);
			sscanf(line, "KernelStack: %ld", &s->kernel_stack_kb);
		}
		fclose(f);
	}
}

/*
 * A child holds @n threads blocked in recv; the parent stops the child,
 * cancels every thread (the work stays queued while they are stopped),
 * reads the slabs, continues the child and reads them again.
 */
static int cmd_mempending(int n)
{
	int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t *tids = mmap(NULL, n * sizeof(pid_t), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	static struct slabsnap a, b, c;
	int dev, sv[2], i, ok = 0, eintr;
	pid_t child;
	uint64_t deadline;

	dev = open_dev();
	if (dev < 0)
		die("open /dev/sockcancel");
	if (udp_pair(sv))
		die("udp");
	child = fork();
	if (child == 0) {
		install_handler();
		M.n = n;
		M.fd = sv[1];
		M.tids = calloc(n, sizeof(pid_t));
		M.t1 = calloc(n, sizeof(uint64_t));
		M.err = calloc(n, sizeof(int));
		{
			pthread_attr_t attr;
			pthread_t th;

			pthread_attr_init(&attr);
			pthread_attr_setstacksize(&attr, 64 * 1024);
			for (i = 0; i < n; i++)
				pthread_create(&th, &attr, mass_thread,
					       (void *)(long)i);
		}
		while (__atomic_load_n(&M.ndone, __ATOMIC_ACQUIRE) < n)
			usleep(1000);
		memcpy(tids, M.tids, n * sizeof(pid_t));
		__atomic_store_n(&M.ndone, 0, __ATOMIC_RELEASE);
		__atomic_add_fetch(&M.go, 1, __ATOMIC_ACQ_REL);
		futex_wake(&M.go);
		__atomic_store_n(&shared[0], 1, __ATOMIC_RELEASE);
		mass_wait_done(60000);
		eintr = 0;
		for (i = 0; i < n; i++)
			eintr += M.err[i] == EINTR;
		shared[1] = M.ndone;
		shared[2] = eintr;
		__atomic_store_n(&shared[3], 1, __ATOMIC_RELEASE);
		/* stay alive: exiting threads would free slab objects */
		for (;;)
			pause();
	}
	while (!__atomic_load_n(&shared[0], __ATOMIC_ACQUIRE))
		usleep(1000);
	for (i = 0; i < n; i++) {
		struct syscall_watch w;

		if (watch_open(&w, child, tids[i]))
			die("watch");
		if (!watch_until(&w, SYS_recvfrom, 10000))
			die("not blocked");
		watch_close(&w);
	}
	kill(child, SIGSTOP);
	for (i = 0; i < n; i++)
		while (thread_state(child, tids[i]) != 'T')
			usleep(1000);
	usleep(200000);
	slab_read(&a);
	for (i = 0; i < n; i++) {
		struct sockcancel_thread_arg ta;

		memset(&ta, 0, sizeof(ta));
		ta.tid = tids[i];
		if (!ioctl(dev, SOCKCANCEL_IOC_CANCEL, &ta))
			ok++;
	}
	slab_read(&b);
	kill(child, SIGCONT);
	deadline = now_ns() + 60000000000ull;
	while (!__atomic_load_n(&shared[3], __ATOMIC_ACQUIRE) &&
	       now_ns() < deadline)
		usleep(1000);
	usleep(200000);
	slab_read(&c);
	slab_top("pending", &a, &b, ok ? ok : 1);
	slab_top("after", &a, &c, ok ? ok : 1);
	{
		FILE *f = fopen("/sys/kernel/slab/kmalloc-64/aliases", "r");
		int al = -1;

		if (f) {
			if (fscanf(f, "%d", &al) != 1)
				al = -1;
			fclose(f);
		}
		result("slab kmalloc64_aliases=%d", al);
	}
	result("mempending n=%d cancels_ok=%d returned=%d eintr=%d "
	       "k64_objsize=%ld k64_active_delta=%ld k64_total_delta=%ld "
	       "k64_objs_per_cancel=%.3f all_slab_bytes_per_cancel=%.1f "
	       "k64_after_release_delta=%ld",
	       n, ok, shared[1], shared[2], a.k64_size,
	       b.k64_active - a.k64_active, b.k64_total - a.k64_total,
	       (double)(b.k64_active - a.k64_active) / (ok ? ok : 1),
	       (double)(b.total_bytes - a.total_bytes) / (ok ? ok : 1),
	       c.k64_active - a.k64_active);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return 0;
}

static int cmd_memthreads(int n)
{
	static struct slabsnap a, b;
	int *ready = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int loaded = access("/dev/sockcancel", F_OK) == 0;
	pid_t child;

	usleep(100000);
	slab_read(&a);
	child = fork();
	if (child == 0) {
		int got = spawn_idle(n);

		__atomic_store_n(ready, got + 1, __ATOMIC_RELEASE);
		pause();
		_exit(0);
	}
	while (!__atomic_load_n(ready, __ATOMIC_ACQUIRE))
		usleep(1000);
	usleep(100000);
	slab_read(&b);
	result("memthreads module=%d threads=%d slab_kb_per_thread=%.2f "
	       "slabinfo_bytes_per_thread=%.0f kernel_stack_kb_per_thread=%.2f "
	       "k64_per_thread=%.3f",
	       loaded, *ready - 1,
	       (double)(b.meminfo_slab_kb - a.meminfo_slab_kb) / n,
	       (double)(b.total_bytes - a.total_bytes) / n,
	       (double)(b.kernel_stack_kb - a.kernel_stack_kb) / n,
	       (double)(b.k64_active - a.k64_active) / n);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return 0;
}

/*
 * The series' kernel marks socket calls only once a request has switched
 * cancellation on; any request does (have_series() makes one).
 */
static int cmd_arm(void)
{
	if (have_series())
		return 0;
	fprintf(stderr, "sockbench arm: no PIDFD_GET_SOCKET_WAIT on this kernel\n");
	return 1;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int a = argc > 2 ? atoi(argv[2]) : 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "latency"))
		return cmd_latency(a ? a : 2000);
	if (!strcmp(cmd, "scale"))
		return cmd_scale(a ? a : 2000);
	if (!strcmp(cmd, "csock"))
		return cmd_csock(a ? a : 1000, argc > 3 ? atoi(argv[3]) : 10);
	if (!strcmp(cmd, "enoent"))
		return cmd_enoent(a ? a : 10);
	if (!strcmp(cmd, "pingpong") && argc > 3)
		return cmd_pingpong(argv[2], atof(argv[3]),
				    argc > 4 ? argv[4] : "cross");
	if (!strcmp(cmd, "mempending"))
		return cmd_mempending(a ? a : 1000);
	if (!strcmp(cmd, "xproc"))
		return cmd_xproc(a ? a : 2000);
	if (!strcmp(cmd, "memthreads"))
		return cmd_memthreads(a ? a : 1000);
	if (!strcmp(cmd, "arm"))
		return cmd_arm();
	fprintf(stderr, "usage: sockbench latency|scale|csock|enoent|"
		"pingpong|mempending|memthreads|xproc|arm ...\n");
	return 2;
}
