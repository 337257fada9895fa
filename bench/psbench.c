// SPDX-License-Identifier: GPL-2.0
/*
 * psbench: how long "sockcancel ps" takes on a busy process, next to
 * listing the same sockets with "ss -p", in the same boot. For each count
 * N, a process of its own holds N threads, each blocked in recv on a
 * socket of its own (TCP over loopback: N connections, both ends in that
 * process; or N AF_UNIX stream pairs). Each command runs once untimed for
 * the median (its "first" run: sockcancel ps first, then ss; a first
 * listing makes the /proc dentries that later ones find cached), then
 * RUNS times, the two in turn (which one goes first alternates), with its
 * output in a file on the guest's tmpfs; the time is from fork to the end
 * of waitpid (CLOCK_MONOTONIC).
 *
 * usage: psbench tcp|unix N[,N...] RUNS
 *
 * Prints, for bench/report.py:
 *   R psscale_setup proto=P threads=N blocked=N setup_s=S
 *   R psscale proto=P threads=N tool=T runs=R median_s=S min_s=S max_s=S
 *     first_s=S rows=LINES status=EXIT
 * with T one of sockcancel_ps, ss_p; a tool that is not in the guest gives
 * "R psscale_missing tool=T".
 *
 * The commands: /tests/sockcancel ps; /tests/ss/ss -tanp or -xanp (Debian's
 * ss, run by the dynamic loader beside it with --library-path /tests/ss,
 * as scripts/bench-vm.sh copies it). ss lists every socket of the kind (for
 * TCP both ends of each connection, the listener, and what earlier counts
 * left in TIME-WAIT), sockcancel ps every blocked thread. (Debian's busybox
 * netstat has no -p, so it is not a comparison.)
 */
#include "bench.h"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define OUT_FILE	"/tmp/psbench.out"
#define SS_DIR		"/tests/ss"
#define MAX_LEVELS	8
#define MAX_RUNS	32

enum { TOOL_PS, TOOL_SS, TOOL_N };
static const char *const tool_names[TOOL_N] = { "sockcancel_ps", "ss_p" };

/* ---- the process with N blocked threads ------------------------------ */

struct blocked {
	int fd;
	int tid;
};

static struct blocked *slots;

static void *recv_thread(void *arg)
{
	struct blocked *b = arg;
	char c;

	__atomic_store_n(&b->tid, bench_gettid(), __ATOMIC_RELEASE);
	for (;;)
		if (recv(b->fd, &c, 1, 0) <= 0 && errno != EINTR)
			pause();
	return NULL;
}

/* One connected pair of @proto; 0 or -1. */
static int make_one(bool tcp, int listener, const struct sockaddr_in *a,
		    int sv[2])
{
	if (!tcp)
		return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	sv[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sv[0] < 0)
		return -1;
	if (connect(sv[0], (const void *)a, sizeof(*a)))
		return -1;
	sv[1] = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	return sv[1] < 0 ? -1 : 0;
}

/*
 * The holder, in the child: @n threads each blocked in recv on a socket
 * of its own; writes the number blocked to @ready, then waits to be
 * killed.
 */
static void holder(bool tcp, int n, int ready)
{
	struct rlimit rl = { (rlim_t)n * 2 + 1024, (rlim_t)n * 2 + 1024 };
	struct syscall_watch w;
	struct sockaddr_in a;
	pthread_attr_t attr;
	int i, sv[2], listener = -1, blocked = 0;
	pthread_t th;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit RLIMIT_NOFILE");
	slots = calloc(n, sizeof(*slots));
	if (!slots)
		die("calloc");
	if (tcp) {
		listener = tcp_listener(&a, 4096);
		if (listener < 0)
			die("tcp_listener");
	}
	if (pthread_attr_init(&attr) ||
	    pthread_attr_setstacksize(&attr, 64 * 1024) ||
	    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED))
		die("pthread_attr");
	for (i = 0; i < n; i++) {
		if (make_one(tcp, listener, &a, sv))
			die("socket pair");
		slots[i].fd = sv[0];
		if (pthread_create(&th, &attr, recv_thread, &slots[i]))
			die("pthread_create");
	}
	for (i = 0; i < n; i++) {
		while (!__atomic_load_n(&slots[i].tid, __ATOMIC_ACQUIRE))
			usleep(1000);
		if (watch_open(&w, getpid(), slots[i].tid))
			die("watch_open");
		blocked += watch_until(&w, SYS_recvfrom, 20000);
		watch_close(&w);
	}
	if (write(ready, &blocked, sizeof(blocked)) != sizeof(blocked))
		die("write");
	for (;;)
		pause();
}

/* ---- timing a command -------------------------------------------------- */

static int count_lines(const char *path)
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC), lines = 0;
	ssize_t n, i;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

/* Run @argv with its output in OUT_FILE; seconds, and *@status, *@rows. */
static double run_timed(char *const *argv, int *status, int *rows)
{
	uint64_t t0 = now_ns(), t1;
	int st, fd;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		fd = open(OUT_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0644);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	t1 = now_ns();
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	*rows = count_lines(OUT_FILE);
	return (t1 - t0) / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ---- one count of threads ---------------------------------------------- */

static bool tool_present(int t)
{
	switch (t) {
	case TOOL_PS:
		return !access("/tests/sockcancel", X_OK);
	default:
		return !access(SS_DIR "/ss", X_OK) &&
		       !access(SS_DIR "/ld-linux-x86-64.so.2", X_OK);
	}
}

static void level(bool tcp, int n, int runs)
{
	const char *flags = tcp ? "-tanp" : "-xanp";
	char *const ps[] = { "/tests/sockcancel", "ps", NULL };
	char *const ss[] = { SS_DIR "/ld-linux-x86-64.so.2", "--library-path",
			     SS_DIR, SS_DIR "/ss", (char *)flags, NULL };
	char *const *argv[TOOL_N] = { ps, ss };
	double t[TOOL_N][MAX_RUNS], first[TOOL_N] = { 0 };
	int status[TOOL_N] = { 0 }, rows[TOOL_N] = { 0 }, p[2], blocked = 0;
	int r, k, tool, st, nr;
	uint64_t t0 = now_ns();
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(p[0]);
		holder(tcp, n, p[1]);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &blocked, sizeof(blocked)) != sizeof(blocked))
		die("the holder did not get ready");
	close(p[0]);
	result("psscale_setup proto=%s threads=%d blocked=%d setup_s=%.2f",
	       tcp ? "tcp" : "unix", n, blocked, (now_ns() - t0) / 1e9);

	for (tool = 0; tool < TOOL_N; tool++)
		if (tool_present(tool))
			first[tool] = run_timed(argv[tool], &st, &nr);
	for (r = 0; r < runs; r++) {
		for (k = 0; k < TOOL_N; k++) {
			tool = (r + k) % TOOL_N;
			if (!tool_present(tool))
				continue;
			t[tool][r] = run_timed(argv[tool], &st, &nr);
			/* the last run's rows; a failing run's status */
			rows[tool] = nr;
			if (st)
				status[tool] = st;
		}
	}
	for (tool = 0; tool < TOOL_N; tool++) {
		if (!tool_present(tool)) {
			result("psscale_missing tool=%s", tool_names[tool]);
			continue;
		}
		qsort(t[tool], runs, sizeof(double), cmp_double);
		result("psscale proto=%s threads=%d tool=%s runs=%d median_s=%.4f "
		       "min_s=%.4f max_s=%.4f first_s=%.4f rows=%d status=%d",
		       tcp ? "tcp" : "unix", n, tool_names[tool], runs,
		       runs % 2 ? t[tool][runs / 2] :
				  (t[tool][runs / 2 - 1] + t[tool][runs / 2]) / 2,
		       t[tool][0], t[tool][runs - 1], first[tool], rows[tool],
		       status[tool]);
	}
	kill(pid, SIGKILL);
	if (waitpid(pid, NULL, 0) != pid)
		die("waitpid holder");
}

int main(int argc, char **argv)
{
	int counts[MAX_LEVELS], nlevels = 0, runs, i;
	char *s, *tok, *save;
	bool tcp;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 4 || (strcmp(argv[1], "tcp") && strcmp(argv[1], "unix"))) {
		fprintf(stderr, "usage: psbench tcp|unix N[,N...] RUNS\n");
		return 2;
	}
	tcp = !strcmp(argv[1], "tcp");
	runs = atoi(argv[3]);
	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "psbench: RUNS from 1 to %d\n", MAX_RUNS);
		return 2;
	}
	s = argv[2];
	while ((tok = strtok_r(s, ",", &save)) && nlevels < MAX_LEVELS) {
		s = NULL;
		counts[nlevels] = atoi(tok);
		if (counts[nlevels] < 1 || counts[nlevels] > 100000) {
			fprintf(stderr, "psbench: a count from 1 to 100000\n");
			return 2;
		}
		nlevels++;
	}
	for (i = 0; i < nlevels; i++)
		level(tcp, counts[i], runs);
	return 0;
}
