// SPDX-License-Identifier: GPL-2.0
/*
 * The sockcancel command against real blocked processes: ps (text and
 * JSON), query, cancel by thread, by socket and by pidfd, exit statuses,
 * and one-line errors for bad arguments and a missing device.
 *
 * ps describes TCP over IPv6, UDP, AF_UNIX and a socket in another network
 * namespace by their fields; --port and --state filter.
 *
 * The command is the "sockcancel" next to this program (in the VM:
 * /tests/sockcancel), or $SOCKCANCEL_CLI.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "toolkit/toolkit.h"
#include "toolkit/syscalls.h"
#include "kselftest_harness.h"

/* ---- running the command ----------------------------------------------- */

struct run {
	int status;		/* exit status; -1: killed by a signal */
	char out[16384];
	char err[4096];
};

static void cli_path(char *path, size_t len)
{
	const char *env = getenv("SOCKCANCEL_CLI");
	ssize_t n;

	if (env) {
		snprintf(path, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", path, len - 16);
	if (n < 0)
		n = 0;
	path[n] = '\0';
	if (strrchr(path, '/'))
		strcpy(strrchr(path, '/') + 1, "sockcancel");
	else
		snprintf(path, len, "./sockcancel");
}

static void slurp(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

/* Run the command with @args (NULL-terminated); @dev sets the device. */
static int run_cli(struct run *r, const char *dev, const char *const *args)
{
	char path[PATH_MAX], *argv[16];
	int out, err, status, i;
	pid_t pid;

	cli_path(path, sizeof(path));
	argv[0] = path;
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	out = memfd_create("out", MFD_CLOEXEC);
	err = memfd_create("err", MFD_CLOEXEC);
	if (out < 0 || err < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(out, 1);
		dup2(err, 2);
		if (dev)
			setenv("SOCKCANCEL_DEVICE", dev, 1);
		execv(path, argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
	close(out);
	close(err);
	return 0;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- blocked target processes ------------------------------------------ */

/* What a target thread reports through its pipe. */
struct msg {
	int kind;		/* MSG_READY, MSG_DONE */
	int tid;
	int fd;
	int lport, rport;
	int err;		/* MSG_DONE: errno of the call, 0 if it worked */
	int nr;			/* the syscall it blocks in, if not the caller's */
	int what;		/* which of the caller's sockets */
};

enum { MSG_READY = 1, MSG_DONE };

struct target {
	pid_t pid;
	int pipe;		/* read end */
	struct msg ready[4];
	int nready;
	struct msg done[4];	/* results read while looking for another */
	int ndone;
};

static int port_of(int fd, bool peer)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (peer ? getpeername(fd, (void *)&a, &len) :
		   getsockname(fd, (void *)&a, &len))
		return -1;
	return ntohs(a.sin_port);
}

static void send_msg(int wfd, int kind, int fd, int err)
{
	struct msg m = { .kind = kind, .tid = gettid(), .fd = fd, .err = err };

	if (kind == MSG_READY && fd >= 0) {
		m.lport = port_of(fd, false);
		m.rport = port_of(fd, true);
	}
	if (write(wfd, &m, sizeof(m)) != sizeof(m))
		_exit(99);
}

static void child_accept(int wfd)
{
	int l = tcp_listener(NULL, 4), r;

	if (l < 0)
		_exit(98);
	send_msg(wfd, MSG_READY, l, 0);
	r = accept(l, NULL, NULL);
	send_msg(wfd, MSG_DONE, -1, r < 0 ? errno : 0);
}

static void child_recv(int wfd)
{
	int sv[2], r;
	char c;

	if (tcp_pair(sv, NULL))
		_exit(97);
	send_msg(wfd, MSG_READY, sv[0], 0);
	r = (int)recv(sv[0], &c, 1, 0);
	send_msg(wfd, MSG_DONE, -1, r < 0 ? errno : 0);
}

static void child_idle(int wfd)
{
	send_msg(wfd, MSG_READY, -1, 0);
	pause();
}

/* Two threads in recv on one socket, a third in recv on another. */
static int shared_fd, other_fd, shared_wfd;

static void *recv_thread(void *p)
{
	int fd = *(int *)p, r;
	char c;

	send_msg(shared_wfd, MSG_READY, fd, 0);
	r = (int)recv(fd, &c, 1, 0);
	send_msg(shared_wfd, MSG_DONE, -1, r < 0 ? errno : 0);
	return NULL;
}

static void child_shared(int wfd)
{
	int a[2], b[2];
	pthread_t t[3];

	if (tcp_pair(a, NULL) || tcp_pair(b, NULL))
		_exit(96);
	shared_fd = a[0];
	other_fd = b[0];
	shared_wfd = wfd;
	pthread_create(&t[0], NULL, recv_thread, &shared_fd);
	pthread_create(&t[1], NULL, recv_thread, &shared_fd);
	pthread_create(&t[2], NULL, recv_thread, &other_fd);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	pause();
}

static bool read_msg(int fd, struct msg *m, long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };
	fd_set r;

	FD_ZERO(&r);
	FD_SET(fd, &r);
	if (select(fd + 1, &r, NULL, NULL, &tv) != 1)
		return false;
	return read(fd, m, sizeof(*m)) == sizeof(*m);
}

/*
 * Start @fn in a child; wait for @nthreads READY, each blocked in @nr (-1:
 * in the .nr of its READY).
 */
static bool target_start(struct target *t, void (*fn)(int), int nthreads,
			 long nr)
{
	int p[2], i;

	memset(t, 0, sizeof(*t));
	if (pipe(p))
		return false;
	t->pid = fork();
	if (t->pid < 0)
		return false;
	if (t->pid == 0) {
		close(p[0]);
		fn(p[1]);
		_exit(0);
	}
	close(p[1]);
	t->pipe = p[0];
	for (i = 0; i < nthreads; i++) {
		if (!read_msg(t->pipe, &t->ready[i], RETURN_MS) ||
		    t->ready[i].kind != MSG_READY)
			return false;
		t->nready++;
		if (!wait_blocked_in(t->pid, t->ready[i].tid,
				     nr < 0 ? t->ready[i].nr : nr, RETURN_MS))
			return false;
	}
	return true;
}

static void target_stop(struct target *t)
{
	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
	}
	if (t->pipe > 0)
		close(t->pipe);
	t->pid = 0;
}

/* The errno the call of thread @tid ended with; -1 if it did not end. */
static int target_result(struct target *t, pid_t tid)
{
	struct msg m;
	int i;

	for (i = 0; i < t->ndone; i++)
		if (t->done[i].tid == tid)
			return t->done[i].err;
	while (read_msg(t->pipe, &m, RETURN_MS)) {
		if (m.kind != MSG_DONE)
			continue;
		if (m.tid == tid)
			return m.err;
		if (t->ndone < 4)
			t->done[t->ndone++] = m;
	}
	return -1;
}

/* The ps line of thread @tid, split into its eight columns. */
struct psline {
	int pid, tid, fd;
	char comm[64], op[16], proto[32], local[128], remote[128];
};

static bool find_psline(const char *out, pid_t tid, struct psline *l)
{
	const char *p = out;

	while (p && *p) {
		if (sscanf(p, "%d %d %63s %15s %d %31s %127s %127s", &l->pid,
			   &l->tid, l->comm, l->op, &l->fd, l->proto, l->local,
			   l->remote) == 8 && l->tid == tid)
			return true;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

/* ---- the tests ---------------------------------------------------------- */

FIXTURE(blocked) {
	struct target acc, rcv;
	char pidbuf[2][16];
};

FIXTURE_SETUP(blocked)
{
	ASSERT_TRUE(target_start(&self->acc, child_accept, 1, SYS_accept));
	ASSERT_TRUE(target_start(&self->rcv, child_recv, 1, SYS_recvfrom));
	snprintf(self->pidbuf[0], 16, "%d", self->acc.pid);
	snprintf(self->pidbuf[1], 16, "%d", self->rcv.pid);
}

FIXTURE_TEARDOWN(blocked)
{
	target_stop(&self->acc);
	target_stop(&self->rcv);
}

TEST_F(blocked, ps_lists_accept_and_recv)
{
	const char *all[] = { "ps", NULL };
	struct msg *a = &self->acc.ready[0], *r = &self->rcv.ready[0];
	char want[64];
	struct psline l;
	struct run run;

	ASSERT_EQ(0, run_cli(&run, NULL, all));
	EXPECT_EQ(0, run.status);
	EXPECT_STREQ("", run.err);
	EXPECT_EQ(0, strncmp(run.out, "PID", 3));

	ASSERT_TRUE(find_psline(run.out, a->tid, &l)) TH_LOG("%s", run.out);
	EXPECT_EQ(self->acc.pid, l.pid);
	EXPECT_STREQ("accept", l.op);
	EXPECT_EQ(a->fd, l.fd);
	EXPECT_STREQ("tcp", l.proto);
	snprintf(want, sizeof(want), "127.0.0.1:%d", a->lport);
	EXPECT_STREQ(want, l.local);
	EXPECT_STREQ("0.0.0.0:*", l.remote);
	EXPECT_STREQ("cli_test", l.comm);

	ASSERT_TRUE(find_psline(run.out, r->tid, &l)) TH_LOG("%s", run.out);
	EXPECT_EQ(self->rcv.pid, l.pid);
	EXPECT_STREQ("recv", l.op);
	EXPECT_EQ(r->fd, l.fd);
	EXPECT_STREQ("tcp", l.proto);
	snprintf(want, sizeof(want), "127.0.0.1:%d", r->lport);
	EXPECT_STREQ(want, l.local);
	snprintf(want, sizeof(want), "127.0.0.1:%d", r->rport);
	EXPECT_STREQ(want, l.remote);
}

TEST_F(blocked, ps_one_process)
{
	const char *args[] = { "ps", "-p", self->pidbuf[1], NULL };
	struct psline l;
	struct run run;

	ASSERT_EQ(0, run_cli(&run, NULL, args));
	EXPECT_EQ(0, run.status);
	EXPECT_EQ(2, count_lines(run.out)) TH_LOG("%s", run.out);
	EXPECT_TRUE(find_psline(run.out, self->rcv.ready[0].tid, &l));
	EXPECT_FALSE(find_psline(run.out, self->acc.ready[0].tid, &l));
}

TEST_F(blocked, ps_json)
{
	const char *args[] = { "ps", "--json", "-p", self->pidbuf[0], NULL };
	char want[160];
	struct run run;

	ASSERT_EQ(0, run_cli(&run, NULL, args));
	EXPECT_EQ(0, run.status);
	EXPECT_EQ('[', run.out[0]);
	snprintf(want, sizeof(want),
		 "{\"pid\": %d, \"tid\": %d, \"comm\": \"cli_test\", "
		 "\"op\": \"accept\", \"fd\": %d, \"proto\": \"tcp\", "
		 "\"local\": \"127.0.0.1:%d\", \"remote\": \"0.0.0.0:*\"}",
		 self->acc.pid, self->acc.ready[0].tid, self->acc.ready[0].fd,
		 self->acc.ready[0].lport);
	EXPECT_NE(NULL, strstr(run.out, want)) TH_LOG("%s", run.out);
}

TEST_F(blocked, query)
{
	const char *args[] = { "query", self->pidbuf[1], NULL };
	struct msg *r = &self->rcv.ready[0];
	char want[128];
	struct run run;

	ASSERT_EQ(0, run_cli(&run, NULL, args));
	EXPECT_EQ(0, run.status);
	snprintf(want, sizeof(want), "%d recv %d tcp 127.0.0.1:%d 127.0.0.1:%d\n",
		 r->tid, r->fd, r->lport, r->rport);
	EXPECT_STREQ(want, run.out);
}

TEST_F(blocked, cancel_gives_eintr)
{
	const char *args[] = { "cancel", self->pidbuf[1], NULL };
	const char *again[] = { "cancel", self->pidbuf[0], NULL };
	struct run run;
	char want[64];

	ASSERT_EQ(0, run_cli(&run, NULL, args));
	EXPECT_EQ(0, run.status) TH_LOG("%s", run.err);
	snprintf(want, sizeof(want), "%d: cancelled recv on fd %d\n",
		 self->rcv.ready[0].tid, self->rcv.ready[0].fd);
	EXPECT_STREQ(want, run.out);
	EXPECT_EQ(EINTR, target_result(&self->rcv, self->rcv.ready[0].tid));

	ASSERT_EQ(0, run_cli(&run, NULL, again));
	EXPECT_EQ(0, run.status);
	EXPECT_EQ(EINTR, target_result(&self->acc, self->acc.ready[0].tid));
}

/* ---- describing sockets of every kind -------------------------------------- */

/*
 * One thread per kind of socket, each blocked on its own: TCP over IPv6,
 * UDP, AF_UNIX datagram on a path, AF_UNIX stream listener on an abstract
 * name. Each thread's READY names its syscall in .nr.
 */
enum { K_TCP6, K_UDP, K_UNIX_DGRAM, K_UNIX_LISTEN, K_N };

struct kind_arg {
	int fd;
	bool accept;
};

static struct kind_arg kinds[K_N];
static int kinds_wfd;

static void *kind_thread(void *p)
{
	struct kind_arg *k = p;
	struct msg m = { .kind = MSG_READY, .tid = gettid(), .fd = k->fd,
			 .nr = k->accept ? SYS_accept : SYS_recvfrom,
			 .what = (int)(k - kinds) };
	char c;
	int r;

	m.lport = port_of(k->fd, false);
	m.rport = port_of(k->fd, true);
	if (write(kinds_wfd, &m, sizeof(m)) != sizeof(m))
		_exit(95);
	r = k->accept ? accept(k->fd, NULL, NULL) :
			(int)recv(k->fd, &c, 1, 0);
	send_msg(kinds_wfd, MSG_DONE, -1, r < 0 ? errno : 0);
	return NULL;
}

static void kinds_path(char *path, size_t len, pid_t pid)
{
	snprintf(path, len, "/tmp/cli_test.%d.sock", pid);
}

static void abstract_name(char *name, size_t len, pid_t pid)
{
	snprintf(name, len, "cli_test.%d", pid);
}

static void child_kinds(int wfd)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	socklen_t len = sizeof(a6);
	int l, c, s, i;
	pthread_t t;

	/* TCP over IPv6: a connected pair on ::1 */
	l = socket(AF_INET6, SOCK_STREAM, 0);
	c = socket(AF_INET6, SOCK_STREAM, 0);
	if (l < 0 || c < 0 || bind(l, (void *)&a6, sizeof(a6)) ||
	    listen(l, 1) || getsockname(l, (void *)&a6, &len) ||
	    connect(c, (void *)&a6, sizeof(a6)))
		_exit(94);
	kinds[K_TCP6].fd = c;
	/* UDP, bound, not connected */
	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || bind(s, (void *)&a4, sizeof(a4)))
		_exit(93);
	kinds[K_UDP].fd = s;
	/* AF_UNIX datagram on a path */
	kinds_path(un.sun_path, sizeof(un.sun_path), getpid());
	unlink(un.sun_path);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s < 0 || bind(s, (void *)&un, sizeof(un)))
		_exit(92);
	kinds[K_UNIX_DGRAM].fd = s;
	/* AF_UNIX stream listener on an abstract name */
	memset(un.sun_path, 0, sizeof(un.sun_path));
	abstract_name(un.sun_path + 1, sizeof(un.sun_path) - 1, getpid());
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (void *)&un, (socklen_t)(offsetof(struct sockaddr_un,
		sun_path) + 1 + strlen(un.sun_path + 1))) || listen(s, 1))
		_exit(91);
	kinds[K_UNIX_LISTEN].fd = s;
	kinds[K_UNIX_LISTEN].accept = true;

	kinds_wfd = wfd;
	for (i = 0; i < K_N; i++)
		if (pthread_create(&t, NULL, kind_thread, &kinds[i]))
			_exit(90);
	pause();
}

/* Bring the loopback device up: a new network namespace has it down. */
static int loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s = socket(AF_INET, SOCK_DGRAM, 0), ret;

	if (s < 0)
		return -1;
	ret = ioctl(s, SIOCGIFFLAGS, &ifr);
	if (!ret) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return ret;
}

/* recv on TCP over loopback in a network namespace of its own */
static void child_netns(int wfd)
{
	if (unshare(CLONE_NEWNET) || loopback_up())
		_exit(89);
	child_recv(wfd);
}

/* Whether this process may make a network namespace (CAP_SYS_ADMIN). */
static bool can_unshare_net(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) ? 1 : 0);
	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The ps columns of the thread that reported @m in @out, checked. */
static bool ps_describes(const char *out, const struct msg *m,
			 const char *proto, const char *local,
			 const char *remote, const char *op)
{
	struct psline l;

	if (!find_psline(out, m->tid, &l)) {
		ksft_print_msg("tid %d not listed\n", m->tid);
		return false;
	}
	if (l.fd != m->fd || strcmp(l.op, op) || strcmp(l.proto, proto) ||
	    strcmp(l.local, local) || strcmp(l.remote, remote)) {
		ksft_print_msg("tid %d: got \"%s %d %s %s %s\", want \"%s %d %s %s %s\"\n",
			       m->tid, l.op, l.fd, l.proto, l.local, l.remote,
			       op, m->fd, proto, local, remote);
		return false;
	}
	return true;
}

FIXTURE(kinds) {
	struct target t;
	char pid[16];
	struct msg *m[K_N];
};

FIXTURE_SETUP(kinds)
{
	int i;

	ASSERT_TRUE(target_start(&self->t, child_kinds, K_N, -1));
	snprintf(self->pid, sizeof(self->pid), "%d", self->t.pid);
	/* the threads report in any order */
	for (i = 0; i < K_N; i++) {
		ASSERT_LE(0, self->t.ready[i].what);
		ASSERT_GT(K_N, self->t.ready[i].what);
		self->m[self->t.ready[i].what] = &self->t.ready[i];
	}
	for (i = 0; i < K_N; i++)
		ASSERT_NE(NULL, self->m[i]) TH_LOG("kind %d", i);
}

FIXTURE_TEARDOWN(kinds)
{
	char path[64];

	kinds_path(path, sizeof(path), self->t.pid);
	target_stop(&self->t);
	unlink(path);
}

/* Each kind described by its fields, in ps and in query. */
TEST_F(kinds, ps_describes_each_kind)
{
	const char *args[] = { "ps", "-p", self->pid, NULL };
	const char *query[] = { "query", NULL, NULL };
	struct msg *m;
	char local[128], remote[128], tid[16], want[256];
	struct run run;

	ASSERT_EQ(0, run_cli(&run, NULL, args));
	EXPECT_EQ(0, run.status);
	EXPECT_STREQ("", run.err);
	EXPECT_EQ(K_N + 1, count_lines(run.out)) TH_LOG("%s", run.out);

	m = self->m[K_TCP6];
	snprintf(local, sizeof(local), "[::1]:%d", m->lport);
	snprintf(remote, sizeof(remote), "[::1]:%d", m->rport);
	EXPECT_TRUE(ps_describes(run.out, m, "tcp6", local, remote, "recv"))
		TH_LOG("%s", run.out);

	m = self->m[K_UDP];
	snprintf(local, sizeof(local), "127.0.0.1:%d", m->lport);
	EXPECT_TRUE(ps_describes(run.out, m, "udp", local, "0.0.0.0:*",
				 "recv"))
		TH_LOG("%s", run.out);

	m = self->m[K_UNIX_DGRAM];
	kinds_path(local, sizeof(local), self->t.pid);
	EXPECT_TRUE(ps_describes(run.out, m, "unix_dgram", local, "*",
				 "recv"))
		TH_LOG("%s", run.out);

	m = self->m[K_UNIX_LISTEN];
	local[0] = '@';
	abstract_name(local + 1, sizeof(local) - 1, self->t.pid);
	EXPECT_TRUE(ps_describes(run.out, m, "unix_stream", local, "*",
				 "accept"))
		TH_LOG("%s", run.out);

	/* query describes the same way */
	m = self->m[K_TCP6];
	snprintf(tid, sizeof(tid), "%d", m->tid);
	query[1] = tid;
	ASSERT_EQ(0, run_cli(&run, NULL, query));
	EXPECT_EQ(0, run.status);
	snprintf(want, sizeof(want), "%d recv %d tcp6 [::1]:%d [::1]:%d\n",
		 m->tid, m->fd, m->lport, m->rport);
	EXPECT_STREQ(want, run.out);
}

/* --port and --state keep the rows of those sockets only. */
TEST_F(kinds, ps_filters)
{
	const char *args[] = { "ps", "-p", self->pid, NULL, NULL, NULL };
	struct psline l;
	struct run run;
	char port[16];

	snprintf(port, sizeof(port), "%d", self->m[K_TCP6]->lport);
	args[3] = "--port";
	args[4] = port;
	ASSERT_EQ(0, run_cli(&run, NULL, args));
	EXPECT_EQ(0, run.status);
	EXPECT_EQ(2, count_lines(run.out)) TH_LOG("%s", run.out);
	EXPECT_TRUE(find_psline(run.out, self->m[K_TCP6]->tid, &l));

	args[3] = "--state";
	args[4] = "listening";
	ASSERT_EQ(0, run_cli(&run, NULL, args));
	EXPECT_EQ(0, run.status);
	EXPECT_EQ(2, count_lines(run.out)) TH_LOG("%s", run.out);
	EXPECT_TRUE(find_psline(run.out, self->m[K_UNIX_LISTEN]->tid, &l));

	args[4] = "unconnected";
	ASSERT_EQ(0, run_cli(&run, NULL, args));
	EXPECT_EQ(0, run.status);
	EXPECT_EQ(3, count_lines(run.out)) TH_LOG("%s", run.out);
	EXPECT_TRUE(find_psline(run.out, self->m[K_UDP]->tid, &l));
	EXPECT_TRUE(find_psline(run.out, self->m[K_UNIX_DGRAM]->tid, &l));

	args[4] = "established";
	ASSERT_EQ(0, run_cli(&run, NULL, args));
	EXPECT_EQ(0, run.status);
	EXPECT_EQ(2, count_lines(run.out)) TH_LOG("%s", run.out);
	EXPECT_TRUE(find_psline(run.out, self->m[K_TCP6]->tid, &l));
}

/*
 * A socket in another network namespace is described from that
 * namespace's tables: the command's own do not have it.
 */
TEST(ps_other_netns)
{
	const char *args[] = { "ps", "-p", NULL, NULL };
	char pid[16], local[64], remote[64], path[64], ns[2][64];
	struct target t;
	struct run run;
	ssize_t n;

	if (!can_unshare_net())
		SKIP(return, "no CAP_SYS_ADMIN for a network namespace");
	ASSERT_TRUE(target_start(&t, child_netns, 1, SYS_recvfrom));
	snprintf(path, sizeof(path), "/proc/%d/ns/net", t.pid);
	n = readlink(path, ns[0], sizeof(ns[0]) - 1);
	ASSERT_LT(0, n);
	ns[0][n] = '\0';
	n = readlink("/proc/self/ns/net", ns[1], sizeof(ns[1]) - 1);
	ASSERT_LT(0, n);
	ns[1][n] = '\0';
	EXPECT_STRNE(ns[0], ns[1]);

	snprintf(pid, sizeof(pid), "%d", t.pid);
	args[2] = pid;
	ASSERT_EQ(0, run_cli(&run, NULL, args));
	EXPECT_EQ(0, run.status);
	snprintf(local, sizeof(local), "127.0.0.1:%d", t.ready[0].lport);
	snprintf(remote, sizeof(remote), "127.0.0.1:%d", t.ready[0].rport);
	EXPECT_TRUE(ps_describes(run.out, &t.ready[0], "tcp", local, remote,
				 "recv"))
		TH_LOG("%s", run.out);
	target_stop(&t);
}

TEST(idle_thread)
{
	const char *cancel[] = { "cancel", NULL, NULL };
	const char *query[] = { "query", NULL, NULL };
	struct target t;
	struct run run;
	char tid[16], want[128];

	ASSERT_TRUE(target_start(&t, child_idle, 1, NR_PAUSE));
	snprintf(tid, sizeof(tid), "%d", t.ready[0].tid);
	cancel[1] = query[1] = tid;

	ASSERT_EQ(0, run_cli(&run, NULL, cancel));
	EXPECT_EQ(1, run.status);
	snprintf(want, sizeof(want),
		 "sockcancel: %s: no blocking socket call outstanding\n", tid);
	EXPECT_STREQ(want, run.err);

	ASSERT_EQ(0, run_cli(&run, NULL, query));
	EXPECT_EQ(1, run.status);
	snprintf(want, sizeof(want), "%s none\n", tid);
	EXPECT_STREQ(want, run.out);
	/* and the thread was left alone */
	EXPECT_TRUE(wait_blocked_in(t.pid, t.ready[0].tid, NR_PAUSE, 100));
	target_stop(&t);
}

TEST(cancel_by_socket)
{
	const char *args[] = { "cancel", "--pid", NULL, "--fd", NULL, NULL };
	struct target t;
	struct run run;
	char pid[16], fd[16];
	int i, shared = 0, other = -1;

	ASSERT_TRUE(target_start(&t, child_shared, 3, SYS_recvfrom));
	/* thread order is not fixed: two share one fd, one has another */
	if (t.ready[0].fd == t.ready[1].fd)
		other = 2;
	else
		other = t.ready[0].fd == t.ready[2].fd ? 1 : 0;
	for (i = 0; i < 3; i++)
		shared += t.ready[i].fd == t.ready[(other + 1) % 3].fd;
	ASSERT_EQ(2, shared);
	ASSERT_LE(0, other);
	snprintf(pid, sizeof(pid), "%d", t.pid);
	snprintf(fd, sizeof(fd), "%d", t.ready[(other + 1) % 3].fd);
	args[2] = pid;
	args[4] = fd;

	ASSERT_EQ(0, run_cli(&run, NULL, args));
	EXPECT_EQ(0, run.status) TH_LOG("%s", run.err);
	EXPECT_EQ(2, count_lines(run.out)) TH_LOG("%s", run.out);
	for (i = 0; i < 3; i++)
		if (i != other)
			EXPECT_EQ(EINTR, target_result(&t, t.ready[i].tid));
	/* the thread on the other socket is still blocked */
	EXPECT_TRUE(wait_blocked_in(t.pid, t.ready[other].tid, SYS_recvfrom,
				    100));

	/* nothing left on that socket: status 1 */
	ASSERT_EQ(0, run_cli(&run, NULL, args));
	EXPECT_EQ(1, run.status);
	EXPECT_EQ(1, count_lines(run.err));
	target_stop(&t);
}

/* A pidfd the command inherits names the thread to cancel. */
TEST_F(blocked, cancel_by_pidfd)
{
	const char *args[] = { "cancel", "--pidfd", NULL, NULL };
	int pidfd = (int)syscall(SYS_pidfd_open, self->rcv.pid, 0), fd;
	struct run run;
	char num[16], want[64];

	ASSERT_LE(0, pidfd);
	/* pidfds are close-on-exec: a copy without */
	fd = fcntl(pidfd, F_DUPFD, 0);
	ASSERT_LE(0, fd);
	snprintf(num, sizeof(num), "%d", fd);
	args[2] = num;
	ASSERT_EQ(0, run_cli(&run, NULL, args));
	EXPECT_EQ(0, run.status) TH_LOG("%s", run.err);
	snprintf(want, sizeof(want), "pidfd %d: cancelled recv on fd %d\n", fd,
		 self->rcv.ready[0].fd);
	EXPECT_STREQ(want, run.out);
	EXPECT_EQ(EINTR, target_result(&self->rcv, self->rcv.ready[0].tid));

	/* an exited thread's pidfd never names another */
	kill(self->rcv.pid, SIGKILL);
	ASSERT_EQ(self->rcv.pid, waitpid(self->rcv.pid, NULL, 0));
	self->rcv.pid = 0;
	ASSERT_EQ(0, run_cli(&run, NULL, args));
	EXPECT_EQ(2, run.status);
	snprintf(want, sizeof(want), "sockcancel: pidfd %d: no such thread\n",
		 fd);
	EXPECT_STREQ(want, run.err);
	close(fd);
	close(pidfd);
}

TEST(cancel_by_pidfd_not_a_pidfd)
{
	const char *args[] = { "cancel", "--pidfd", NULL, NULL };
	int fd = open("/dev/null", O_RDONLY);
	struct run run;
	char num[16], want[64];

	ASSERT_LE(0, fd);
	snprintf(num, sizeof(num), "%d", fd);
	args[2] = num;
	ASSERT_EQ(0, run_cli(&run, NULL, args));
	EXPECT_EQ(2, run.status);
	snprintf(want, sizeof(want), "sockcancel: pidfd %d: not a pidfd\n", fd);
	EXPECT_STREQ(want, run.err);
	close(fd);
}

TEST(bad_arguments)
{
	static const char *const cases[][7] = {
		{ NULL },
		{ "frobnicate", NULL },
		{ "cancel", NULL },
		{ "cancel", "abc", NULL },
		{ "cancel", "12abc", NULL },
		{ "cancel", "", NULL },
		{ "cancel", "99999999999999999999", NULL },
		{ "cancel", "2147483648", NULL },
		{ "cancel", "0", NULL },
		{ "cancel", "-5", NULL },
		{ "cancel", "--pid", "1", NULL },
		{ "cancel", "--fd", "3", NULL },
		{ "cancel", "--pid", "x", "--fd", NULL },
		{ "cancel", "--bogus", NULL },
		{ "cancel", "--pidfd", NULL },
		{ "cancel", "--pidfd", "x", NULL },
		{ "cancel", "--pidfd", "-1", NULL },
		{ "cancel", "--pidfd", "--pid", "1", "--fd", "3", NULL },
		{ "query", NULL },
		{ "query", "-1", NULL },
		{ "query", " 7", NULL },
		{ "ps", "-p", NULL },
		{ "ps", "-p", "abc", NULL },
		{ "ps", "extra", NULL },
		{ "ps", "-p", "2147483647", NULL },
		{ "ps", "--port", "0", NULL },
		{ "ps", "--port", "65536", NULL },
		{ "ps", "--port", NULL },
		{ "ps", "--state", "bogus", NULL },
	};
	struct run run;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(0, run_cli(&run, NULL, (const char **)cases[i]));
		EXPECT_EQ(2, run.status) TH_LOG("case %zu", i);
		EXPECT_EQ(1, count_lines(run.err)) TH_LOG("case %zu: %s", i,
							  run.err);
		EXPECT_EQ(0, strncmp(run.err, "sockcancel: ", 12));
		EXPECT_STREQ("", run.out);
	}
}

TEST(no_such_thread)
{
	const char *args[] = { "cancel", NULL, NULL };
	struct run run;
	char tid[16], want[128];
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	snprintf(tid, sizeof(tid), "%d", pid);
	args[1] = tid;
	ASSERT_EQ(0, run_cli(&run, NULL, args));
	EXPECT_EQ(2, run.status);
	snprintf(want, sizeof(want), "sockcancel: %s: no such thread\n", tid);
	EXPECT_STREQ(want, run.err);
}

TEST(no_device)
{
	static const char *const cases[][3] = {
		{ "ps", NULL }, { "query", "1", NULL }, { "cancel", "1", NULL },
	};
	const char *msg = "sockcancel: /nonexistent: no such device; "
			  "is the module loaded? modprobe sockcancel\n";
	struct run run;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(0, run_cli(&run, "/nonexistent",
				     (const char **)cases[i]));
		EXPECT_EQ(2, run.status);
		EXPECT_STREQ(msg, run.err);
	}
}

TEST(help_and_version)
{
	const char *help[] = { "--help", NULL };
	const char *version[] = { "--version", NULL };
	struct run run;

	ASSERT_EQ(0, run_cli(&run, NULL, help));
	EXPECT_EQ(0, run.status);
	EXPECT_NE(NULL, strstr(run.out, "usage: sockcancel"));
	ASSERT_EQ(0, run_cli(&run, NULL, version));
	EXPECT_EQ(0, run.status);
	EXPECT_EQ(0, strncmp(run.out, "sockcancel ", 11));
}

TEST_HARNESS_MAIN
