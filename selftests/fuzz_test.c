// SPDX-License-Identifier: GPL-2.0
/*
 * An ioctl fuzzer for /dev/sockcancel: random commands (the three real ones,
 * near misses with the wrong size, direction or number, random numbers),
 * random flags and struct contents, random pointers (valid, misaligned,
 * read-only, NULL, unmapped, straddling into an unmapped page, kernel and
 * non-canonical addresses) and tids of every kind: the caller, its own
 * threads blocked in socket calls or idle, threads of other processes
 * (dumpable or not), a zombie, reaped pids, exited threads, processes that
 * are killed while targeted, kernel threads, pid 1, zero, negative and huge
 * values, random ones.
 *
 * Every call is checked against an oracle: the errno is one the
 * documentation lists for that ioctl (toolkit/ioctl_errnos.h), and where
 * the outcome is determined (a bad pointer, bad flags, a kernel thread, an
 * idle thread, a non-socket fd) it is the exact one. Blocked target threads count their EINTR returns: every CANCEL (or
 * CANCEL_SOCKET count) that returned 0 must be followed by an EINTR within
 * a bound, and no thread sees more EINTRs than cancels that could have been
 * queued. Idle threads in epoll_wait, nanosleep and sigtimedwait must never
 * see EINTR. A splat in the kernel log fails the VM run.
 *
 * The number of calls is CALLS_DEFAULT, split over the two variants (root,
 * and an unprivileged uid that meets EPERM). A file "fuzz.calls" next to the
 * binary ("CALLS [SEED]") overrides it, which is how a long run is made.
 *
 * Random tids are drawn only among tids that did not belong to a foreign
 * process when the test started: in the test VM there is nothing else, but
 * do not run this as root on a machine whose processes you care about.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <dirent.h>
#include <grp.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "toolkit/toolkit.h"
#include "toolkit/syscalls.h"
#include "toolkit/idler.h"
#include "toolkit/ioctl_errnos.h"
#include "kselftest_harness.h"

#define CALLS_DEFAULT	200000
#define EINTR_BOUND_MS	10000	/* a cancelled call must end within this */
#define CHURN_EVERY	5000	/* calls between killing and forking a target */
#define MAX_BLOCKERS	16
#define MAX_TARGETS	128
#define MAX_REAPED	64

/* tid classes; the oracle knows what each may answer */
enum tclass {
	T_SELF,		/* the fuzzing thread, in ioctl() */
	T_BLOCKED,	/* a thread blocked in a socket call (ours or a child's) */
	T_IDLE,		/* a thread in a non-socket call */
	T_NODUMP,	/* a child's blocked thread, not dumpable */
	T_ZOMBIE,	/* exited, not reaped: no stack */
	T_GONE,		/* exited thread or reaped process */
	T_CHURN,	/* a child that is killed and replaced during the run */
	T_KTHREAD,	/* a kernel thread other than kthreadd */
	T_KTHREADD,	/* pid 2 */
	T_INIT,		/* pid 1, QUERY only while root */
	T_BAD,		/* <= 0 */
	T_HUGE,		/* above pid_max */
	T_RANDOM,	/* anything in [1, pid_max] not known to be foreign */
	T_NCLASSES
};

enum pclass {
	P_VALID, P_MISALIGNED, P_READONLY, P_NULL, P_UNMAPPED, P_STRADDLE,
	P_KERNEL, P_NONCANON, P_NCLASSES
};

enum bkind { B_RECV, B_READ, B_ACCEPT, B_POLL, B_SEND };

/* A thread blocked in one socket call; may live in shared memory. */
struct blocker {
	int kind;
	int fd;			/* the fd its call uses */
	__u32 op;
	int report_fd;		/* what CANCEL reports: fd, or -1 for poll */
	atomic_int tid;
	atomic_long eintr;	/* calls that returned EINTR */
	atomic_long bad;	/* calls that returned anything else */
	atomic_long last_bad;	/* ret << 16 | errno of the last bad one */
	atomic_int stop;
	bool own;		/* in the fuzzing process */
	/* the fuzzer's accounting */
	long required;		/* eintr must reach this */
	long possible;		/* eintr may not exceed this */
	long pending_req;	/* oldest unmet requirement and since when */
	long pending_ms;
	pthread_t thread;
};

struct target {
	pid_t tid;
	int cls;
	struct blocker *b;
};

struct stats {
	long calls;
	long ret[SC_IOCTLS][140];	/* per ioctl: [0] success, [errno] */
	long nearmiss, random;
	long pclass[P_NCLASSES];
	long tclass[T_NCLASSES];
	long cancelled, eintr;
	long failures;
};

FIXTURE(fuzz) {
	int dev;
	bool root;
	struct blocker *shared;		/* blockers of the child processes */
	struct blocker own[MAX_BLOCKERS];
	int nown;
	struct idler idle[3];
	struct target t[MAX_TARGETS];
	int nt;
	pid_t child_a, child_b, zombie, churn;
	int churn_sv[2];
	pid_t reaped[MAX_REAPED];
	int nreaped;
	pid_t kthreads[16];
	int nkthreads;
	bool *foreign;			/* [pid_max + 1] */
	int pid_max;
	int sockets[MAX_BLOCKERS * 2];	/* every socket fd we hold */
	int nsockets;
	int pipefd[2];
	int idle_w;			/* the children's idle pipe */
	int notsock;			/* a regular file */
	char *page;			/* RW page */
	char *ro;			/* page made read-only around a call */
	char *edge;			/* RW page followed by a PROT_NONE page */
	char *none;			/* PROT_NONE page */
	unsigned long long rng;
	struct stats st;
};

FIXTURE_VARIANT(fuzz) {
	bool unprivileged;
};

FIXTURE_VARIANT_ADD(fuzz, root) { .unprivileged = false };
FIXTURE_VARIANT_ADD(fuzz, nobody) { .unprivileged = true };

static unsigned long long rnd(unsigned long long *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static unsigned int below(unsigned long long *s, unsigned int n)
{
	return (rnd(s) >> 33) % n;
}

/* ---- threads that block in socket calls, and threads that must not ---- */

/* The syscall each kind sleeps in (glibc; toolkit/syscalls.h). */
static const long blocker_nr[] = {
	[B_RECV] = SYS_recvfrom, [B_READ] = SYS_read, [B_ACCEPT] = SYS_accept,
	[B_POLL] = NR_POLL, [B_SEND] = SYS_sendto,
};

static long blocker_call(struct blocker *b)
{
	char buf[4096];
	struct pollfd pfd = { .fd = b->fd, .events = POLLIN };

	switch (b->kind) {
	case B_RECV:
		return recv(b->fd, buf, sizeof(buf), 0);
	case B_READ:
		return read(b->fd, buf, sizeof(buf));
	case B_ACCEPT:
		return accept(b->fd, NULL, NULL);
	case B_POLL:
		return poll(&pfd, 1, -1);
	default:
		memset(buf, 0x5a, sizeof(buf));
		return send(b->fd, buf, sizeof(buf), MSG_NOSIGNAL);
	}
}

static void blocker_loop(struct blocker *b)
{
	long r;

	block_all_signals();	/* only cancels end its calls */
	atomic_store(&b->tid, gettid());
	while (!atomic_load(&b->stop)) {
		errno = 0;
		r = blocker_call(b);
		if (r < 0 && errno == EINTR) {
			atomic_fetch_add(&b->eintr, 1);
		} else if (!atomic_load(&b->stop)) {
			atomic_store(&b->last_bad, r << 16 | errno);
			atomic_fetch_add(&b->bad, 1);
			usleep(10000);
		}
	}
}

static void *blocker_thread(void *p)
{
	blocker_loop(p);
	return NULL;
}

static void init_blocker(struct blocker *b, int kind, int fd, bool own)
{
	static const __u32 ops[] = {
		[B_RECV] = SOCKCANCEL_OP_RECV, [B_READ] = SOCKCANCEL_OP_RECV,
		[B_ACCEPT] = SOCKCANCEL_OP_ACCEPT, [B_POLL] = SOCKCANCEL_OP_POLL,
		[B_SEND] = SOCKCANCEL_OP_SEND,
	};

	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->fd = fd;
	b->op = ops[kind];
	b->report_fd = kind == B_POLL ? -1 : fd;
	b->own = own;
}

/* Fill a stream socket's send buffer so the next blocking send sleeps. */
static int fill(int fd)
{
	char buf[4096] = { 0 };
	int n = 0;

	while (send(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		if (++n > 100000)
			return -1;
	return errno == EAGAIN ? 0 : -1;
}

static void add_target(FIXTURE_DATA(fuzz) *self, pid_t tid, int cls,
		       struct blocker *b)
{
	if (self->nt < MAX_TARGETS)
		self->t[self->nt++] = (struct target){ tid, cls, b };
}

static void keep_socket(FIXTURE_DATA(fuzz) *self, int fd)
{
	if (self->nsockets < (int)(sizeof(self->sockets) / sizeof(int)))
		self->sockets[self->nsockets++] = fd;
}

static int drop_privileges(void)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return -1;
	/* setresuid clears dumpable for a changed uid; be an ordinary process */
	return prctl(PR_SET_DUMPABLE, 1);
}

/* A child process: one thread blocked in recv, the main thread idle. */
/* In a new child: no device reference, and no life after the test. */
static void child_init(int dev)
{
	close(dev);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static pid_t fork_child(struct blocker *b, int dev, bool dumpable, int idlefd)
{
	pthread_t th;
	pid_t pid = fork();
	char c;

	if (pid)
		return pid;
	child_init(dev);
	if (!dumpable)
		prctl(PR_SET_DUMPABLE, 0);
	if (pthread_create(&th, NULL, blocker_thread, b))
		_exit(1);
	/* idle until the parent closes the pipe, then leave */
	while (read(idlefd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static bool wait_tid(atomic_int *tid)
{
	long deadline = now_ms() + 5000;

	while (!atomic_load(tid)) {
		if (now_ms() > deadline)
			return false;
		usleep(1000);
	}
	return true;
}

static pid_t new_churn(FIXTURE_DATA(fuzz) *self)
{
	pid_t pid;
	char buf[16];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, self->churn_sv))
		return -1;
	pid = fork();
	if (!pid) {
		child_init(self->dev);
		for (;;)
			recv(self->churn_sv[0], buf, sizeof(buf), 0);
	}
	close(self->churn_sv[0]);
	return pid;
}

static void end_churn(FIXTURE_DATA(fuzz) *self)
{
	if (self->churn <= 0)
		return;
	kill(self->churn, SIGKILL);
	waitpid(self->churn, NULL, 0);
	close(self->churn_sv[1]);
	if (self->nreaped < MAX_REAPED)
		self->reaped[self->nreaped++] = self->churn;
	self->churn = 0;
}

static bool is_kthread(pid_t pid)
{
	char path[64], buf[512], *p;
	unsigned long flags = 0;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	if (!p)
		return false;
	/* field 9 is flags; p points at the end of field 2 */
	for (i = 0; i < 7 && p; i++)
		p = strchr(p + 1, ' ');
	if (p)
		flags = strtoul(p + 1, NULL, 10);
	return flags & 0x00200000;	/* PF_KTHREAD */
}

/* Note kernel threads and tids of processes that are not ours. */
static void scan_proc(FIXTURE_DATA(fuzz) *self)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	pid_t me = getpid();
	FILE *f;

	f = fopen("/proc/sys/kernel/pid_max", "r");
	if (!f || fscanf(f, "%d", &self->pid_max) != 1)
		self->pid_max = 32768;
	if (f)
		fclose(f);
	self->foreign = calloc(self->pid_max + 1, sizeof(bool));
	while (d && (de = readdir(d))) {
		pid_t pid = atoi(de->d_name);
		char path[64], buf[256];
		pid_t ppid = 0;
		char *p;

		if (pid <= 0 || pid > self->pid_max || pid == me)
			continue;
		if (is_kthread(pid)) {
			if (pid != 2 && self->nkthreads < 16)
				self->kthreads[self->nkthreads++] = pid;
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "r");
		if (f) {
			p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
			if (p)
				sscanf(p + 1, " %*c %d", &ppid);
			fclose(f);
		}
		/* our children (and their threads) are known targets */
		if (ppid != me)
			self->foreign[pid] = true;
	}
	if (d)
		closedir(d);
	/* threads of foreign processes have tids of their own */
	d = opendir("/proc");
	while (d && (de = readdir(d))) {
		pid_t pid = atoi(de->d_name);
		struct dirent *te;
		char path[64];
		DIR *td;

		if (pid <= 0 || pid > self->pid_max || !self->foreign[pid])
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		td = opendir(path);
		while (td && (te = readdir(td))) {
			pid_t tid = atoi(te->d_name);

			if (tid > 0 && tid <= self->pid_max)
				self->foreign[tid] = true;
		}
		if (td)
			closedir(td);
	}
	if (d)
		closedir(d);
}

static long calls_wanted(unsigned long long *seed)
{
	FILE *f = fopen_beside_self("fuzz.calls");
	long calls = CALLS_DEFAULT;
	unsigned long long s;

	if (!f)
		return calls;
	if (fscanf(f, "%ld", &calls) != 1)
		calls = CALLS_DEFAULT;
	if (fscanf(f, "%llu", &s) == 1)
		*seed = s;
	fclose(f);
	return calls;
}

/* The arguments that are not targets: pages for the pointer classes, fds. */
static void setup_pages_and_fds(struct __test_metadata *_metadata,
				FIXTURE_DATA(fuzz) *self)
{
	self->page = mmap(NULL, 4096 * 4, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->page);
	self->ro = self->page + 4096;
	self->edge = self->page + 4096 * 2;
	self->none = self->page + 4096 * 3;
	ASSERT_EQ(0, mprotect(self->none, 4096, PROT_NONE));
	ASSERT_EQ(0, pipe(self->pipefd));
	self->notsock = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->notsock);
}

/* Children: a dumpable one and a non-dumpable one, each blocked in recv. */
static void start_children(struct __test_metadata *_metadata,
			   FIXTURE_DATA(fuzz) *self)
{
	int sv[2], i, idlepipe[2];
	struct blocker *b;
	pid_t pid;

	self->shared = mmap(NULL, 2 * sizeof(struct blocker),
			    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			    -1, 0);
	ASSERT_NE(MAP_FAILED, self->shared);
	ASSERT_EQ(0, pipe(idlepipe));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
		b = &self->shared[i];
		init_blocker(b, B_RECV, sv[0], false);
		pid = fork_child(b, self->dev, i == 0, idlepipe[0]);
		ASSERT_LT(0, pid);
		close(sv[0]);
		keep_socket(self, sv[1]);
		ASSERT_TRUE(wait_tid(&b->tid));
		if (i == 0) {
			self->child_a = pid;
			add_target(self, atomic_load(&b->tid), T_BLOCKED, b);
			add_target(self, pid, T_IDLE, NULL);
		} else {
			self->child_b = pid;
			add_target(self, atomic_load(&b->tid),
				   self->root ? T_BLOCKED : T_NODUMP, b);
			add_target(self, pid, self->root ? T_IDLE : T_NODUMP,
				   NULL);
		}
	}
	close(idlepipe[0]);
	/* closing it at teardown lets the children go */
	self->idle_w = idlepipe[1];
}

static void keep_pair(FIXTURE_DATA(fuzz) *self, const int sv[2])
{
	keep_socket(self, sv[0]);
	keep_socket(self, sv[1]);
}

/* Our own blockers, one socket each, every one asleep in its call. */
static void start_own_blockers(struct __test_metadata *_metadata,
			       FIXTURE_DATA(fuzz) *self)
{
	struct blocker *b = self->own;
	int sv[2], l, i;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	init_blocker(b++, B_RECV, sv[0], true);
	keep_pair(self, sv);
	ASSERT_EQ(0, tcp_pair(sv, NULL));
	init_blocker(b++, B_RECV, sv[0], true);
	keep_pair(self, sv);
	ASSERT_EQ(0, udp_pair(sv));
	init_blocker(b++, B_RECV, sv[0], true);
	keep_pair(self, sv);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	init_blocker(b++, B_READ, sv[0], true);
	keep_pair(self, sv);
	ASSERT_EQ(0, tcp_pair(sv, &l));
	init_blocker(b++, B_ACCEPT, l, true);
	keep_socket(self, l);
	keep_pair(self, sv);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	init_blocker(b++, B_POLL, sv[0], true);
	keep_pair(self, sv);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, fill(sv[0]));
	init_blocker(b++, B_SEND, sv[0], true);
	keep_pair(self, sv);
	self->nown = b - self->own;
	for (i = 0; i < self->nown; i++) {
		b = &self->own[i];
		ASSERT_EQ(0, pthread_create(&b->thread, NULL, blocker_thread,
					    b));
		ASSERT_TRUE(wait_tid(&b->tid));
		add_target(self, atomic_load(&b->tid), T_BLOCKED, b);
	}
}

/* Idle threads: epoll_wait on a socket, nanosleep, sigtimedwait. */
static void start_idlers(struct __test_metadata *_metadata,
			 FIXTURE_DATA(fuzz) *self)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep, i;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ev.data.fd = self->own[0].fd;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->own[0].fd, &ev));
	for (i = 0; i < 3; i++) {
		self->idle[i].kind = i;
		self->idle[i].epfd = ep;
		self->idle[i].slice_ms = 20;
		ASSERT_TRUE(idler_start(&self->idle[i]));
		add_target(self, atomic_load(&self->idle[i].tid), T_IDLE,
			   NULL);
	}
}

/* The dead: an exited thread, a reaped child, a zombie. */
static void add_the_dead(struct __test_metadata *_metadata,
			 FIXTURE_DATA(fuzz) *self)
{
	struct idler gone = { .kind = IDLE_NANOSLEEP };
	siginfo_t si;
	pthread_t th;
	pid_t pid;

	atomic_store(&gone.stop, 1);
	ASSERT_EQ(0, pthread_create(&th, NULL, idler_thread, &gone));
	ASSERT_EQ(0, pthread_join(th, NULL));
	add_target(self, atomic_load(&gone.tid), T_GONE, NULL);
	pid = fork();
	if (!pid)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	self->reaped[self->nreaped++] = pid;
	self->zombie = fork();
	if (!self->zombie)
		_exit(0);
	ASSERT_EQ(0, waitid(P_PID, self->zombie, &si, WEXITED | WNOWAIT));
	add_target(self, self->zombie, T_ZOMBIE, NULL);
}

/* Everything waiting: every blocked thread asleep in its call. */
static void wait_all_blocked(struct __test_metadata *_metadata,
			     FIXTURE_DATA(fuzz) *self)
{
	pid_t pid;
	int i;

	for (i = 0; i < self->nt; i++) {
		struct target *t = &self->t[i];

		/* a non-dumpable child's /proc files are closed to nobody */
		if (!t->b || t->cls == T_NODUMP)
			continue;
		pid = t->b->own ? 0 : t->b == &self->shared[0] ?
				      self->child_a : self->child_b;
		ASSERT_TRUE(wait_blocked_in(pid, t->tid, blocker_nr[t->b->kind],
					    5000))
			TH_LOG("blocker %d (kind %d) never blocked",
			       t->tid, t->b->kind);
	}
}

/*
 * The order of the steps is the order of self->t and self->sockets, which
 * the random picks index: children, own blockers, idle threads, the
 * caller, the dead.
 */
FIXTURE_SETUP(fuzz)
{
	self->dev = open_dev();
	ASSERT_LE(0, self->dev);
	self->root = !variant->unprivileged;
	if (variant->unprivileged)
		ASSERT_EQ(0, drop_privileges());
	setup_pages_and_fds(_metadata, self);
	start_children(_metadata, self);
	start_own_blockers(_metadata, self);
	start_idlers(_metadata, self);
	add_target(self, gettid(), T_SELF, NULL);
	add_the_dead(_metadata, self);
	wait_all_blocked(_metadata, self);
	scan_proc(self);
}

FIXTURE_TEARDOWN(fuzz)
{
	int i;

	for (i = 0; i < 3; i++)
		atomic_store(&self->idle[i].stop, 1);
	for (i = 0; i < self->nown; i++)
		atomic_store(&self->own[i].stop, 1);
	/* shutdown wakes what cancels did not */
	for (i = 0; i < self->nsockets; i++)
		shutdown(self->sockets[i], SHUT_RDWR);
	for (i = 0; i < self->nown; i++)
		if (self->own[i].thread)
			pthread_join(self->own[i].thread, NULL);
	for (i = 0; i < 3; i++)
		if (self->idle[i].thread)
			pthread_join(self->idle[i].thread, NULL);
	end_churn(self);
	close(self->idle_w);
	if (self->child_a > 0)
		kill(self->child_a, SIGKILL);
	if (self->child_b > 0)
		kill(self->child_b, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0)
		;
	close(self->dev);
}

/* ---- building one call ---- */

struct call_plan {
	unsigned long cmd;
	int real;		/* which ioctl (enum sc_ioctl), -1 none */
	int pc;			/* P_* */
	struct target *t;	/* thread ioctls */
	int fdclass;		/* CANCEL_SOCKET: see pick_fd */
	struct blocker *fb;	/* CANCEL_SOCKET: blocker on that fd */
	bool bad_flags;
	bool bad_pad;
	bool pidfd;		/* thread ioctls: the tid field is a pidfd */
	void *ptr;
	char arg[16];
};

/* Commands the VFS handles itself, before the driver: not ours to fuzz. */
static bool vfs_cmd(unsigned long cmd)
{
	unsigned int type = _IOC_TYPE(cmd);

	return type == 'T' || type == 'X' || type == 'f' || type == 0x94 ||
	       type == 0x00 || cmd == SOCKCANCEL_IOC_CANCEL ||
	       cmd == SOCKCANCEL_IOC_QUERY ||
	       cmd == SOCKCANCEL_IOC_CANCEL_SOCKET;
}

static unsigned long near_miss(unsigned long long *s)
{
	unsigned long cmd = ioctl_errnos[below(s, SC_IOCTLS)].cmd;
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE,
	};

	switch (below(s, 4)) {
	case 0: {	/* another size */
		unsigned int size;

		do
			size = below(s, 64);
		while (size == 16);
		return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), size);
	}
	case 1:		/* another direction */
		return _IOC(dirs[below(s, 3)], _IOC_TYPE(cmd), _IOC_NR(cmd),
			    _IOC_SIZE(cmd));
	case 2:		/* another number */
		return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), 3 + below(s, 253),
			    _IOC_SIZE(cmd));
	default:	/* another magic */
		return _IOC(_IOC_DIR(cmd), (0xC5 + 1 + below(s, 254)) & 0xff,
			    _IOC_NR(cmd), _IOC_SIZE(cmd));
	}
}

static struct target *pick_target(FIXTURE_DATA(fuzz) *self,
				  struct target *tmp)
{
	unsigned long long *s = &self->rng;
	unsigned int r = below(s, 100), i;

	if (r < 55)
		return &self->t[below(s, self->nt)];
	tmp->b = NULL;
	if (r < 62) {
		tmp->cls = T_GONE;
		tmp->tid = self->reaped[below(s, self->nreaped)];
	} else if (r < 66 && self->churn > 0) {
		tmp->cls = T_CHURN;
		tmp->tid = self->churn;
	} else if (r < 70 && self->nkthreads) {
		tmp->cls = T_KTHREAD;
		tmp->tid = self->kthreads[below(s, self->nkthreads)];
	} else if (r < 73) {
		tmp->cls = T_KTHREADD;
		tmp->tid = 2;
	} else if (r < 75) {
		tmp->cls = T_INIT;
		tmp->tid = 1;
	} else if (r < 82) {
		static const pid_t bad[] = { 0, -1, -2, INT_MIN, -32768 };

		tmp->cls = T_BAD;
		tmp->tid = below(s, 2) ? bad[below(s, 5)] :
					 (pid_t)(rnd(s) | 0x80000000u);
	} else if (r < 87) {
		tmp->cls = T_HUGE;
		tmp->tid = below(s, 2) ? INT_MAX :
			   4194304 + 1 + below(s, INT_MAX - 4194305);
	} else {
		tmp->cls = T_RANDOM;
		do
			tmp->tid = 1 + below(s, self->pid_max);
		while (self->foreign[tmp->tid] && tmp->tid != 1);
		if (tmp->tid == 1)
			tmp->cls = T_INIT;
		/* a random tid that is one we know is that target */
		for (i = 0; i < (unsigned int)self->nt; i++)
			if (self->t[i].tid == tmp->tid)
				return &self->t[i];
		for (i = 0; i < (unsigned int)self->nreaped; i++)
			if (self->reaped[i] == tmp->tid)
				tmp->cls = T_GONE;
		for (i = 0; i < (unsigned int)self->nkthreads; i++)
			if (self->kthreads[i] == tmp->tid)
				tmp->cls = T_KTHREAD;
		if (tmp->tid == 2)
			tmp->cls = T_KTHREADD;
		if (tmp->tid == self->churn)
			tmp->cls = T_CHURN;
	}
	return tmp;
}

enum { F_BLOCKER, F_SOCKET, F_NOTSOCK, F_CLOSED, F_NEG, F_RANDOM };

static int pick_fd(FIXTURE_DATA(fuzz) *self, struct call_plan *p)
{
	unsigned long long *s = &self->rng;
	unsigned int r = below(s, 100), i;
	int fd;

	p->fb = NULL;
	if (r < 40) {
		p->fb = &self->own[below(s, self->nown)];
		p->fdclass = F_BLOCKER;
		return p->fb->fd;
	}
	if (r < 60) {
		p->fdclass = F_SOCKET;
		fd = self->sockets[below(s, self->nsockets)];
		for (i = 0; i < (unsigned int)self->nown; i++)
			if (self->own[i].fd == fd)
				p->fb = &self->own[i];
		if (p->fb)
			p->fdclass = F_BLOCKER;
		return fd;
	}
	if (r < 72) {
		int fds[4] = { self->dev, self->pipefd[0], self->pipefd[1],
			       self->notsock };

		p->fdclass = F_NOTSOCK;
		return fds[below(s, 4)];
	}
	if (r < 82) {
		p->fdclass = F_CLOSED;
		return 900 + below(s, 100);	/* never opened */
	}
	if (r < 92) {
		p->fdclass = F_NEG;
		return below(s, 2) ? -1 : (int)(rnd(s) | 0x80000000u);
	}
	p->fdclass = F_RANDOM;
	fd = below(s, 2) ? (int)below(s, 64) : (int)rnd(s);
	for (i = 0; i < (unsigned int)self->nown; i++)
		if (self->own[i].fd == fd)
			p->fb = &self->own[i];
	return fd;
}

static void build(FIXTURE_DATA(fuzz) *self, struct call_plan *p,
		  struct target *tmp)
{
	unsigned long long *s = &self->rng;
	unsigned int r = below(s, 100);
	__u32 flags = 0;

	memset(p, 0, sizeof(*p));
	p->real = -1;
	if (r < 80) {
		p->real = r < 32 ? SC_IOCTL_CANCEL :
			  r < 56 ? SC_IOCTL_QUERY : SC_IOCTL_CANCEL_SOCKET;
		p->cmd = ioctl_errnos[p->real].cmd;
	} else if (r < 92) {
		p->cmd = near_miss(s);
	} else {
		do
			p->cmd = (unsigned int)rnd(s);
		while (vfs_cmd(p->cmd));
	}

	/* flags: mostly valid */
	r = below(s, 100);
	if (r < 45)
		flags = 0;
	else if (r < 80)
		flags = SOCKCANCEL_RESET_ON_PARTIAL;
	else if (r < 85)
		flags = SOCKCANCEL_TARGET_PIDFD;
	else
		flags = (__u32)rnd(s) | (1U << (2 + below(s, 30)));
	p->bad_flags = flags & ~SOCKCANCEL_RESET_ON_PARTIAL;

	/* contents: fields of the real layout, the rest random */
	for (r = 0; r < sizeof(p->arg); r++)
		p->arg[r] = rnd(s);
	if (p->real == SC_IOCTL_CANCEL_SOCKET) {
		struct sockcancel_socket_arg *a = (void *)p->arg;

		a->fd = pick_fd(self, p);
		a->flags = flags;
		if (below(s, 10))
			a->pad = 0;
		p->bad_pad = a->pad != 0;
	} else {
		struct sockcancel_thread_arg *a = (void *)p->arg;

		p->t = pick_target(self, tmp);
		/* pid 1 is not ours: only asked, or refused to nobody */
		if (p->t->cls == T_INIT && self->root &&
		    p->real == SC_IOCTL_CANCEL) {
			p->real = SC_IOCTL_QUERY;
			p->cmd = ioctl_errnos[p->real].cmd;
		}
		a->tid = p->t->tid;
		a->flags = flags;
		if (p->real == SC_IOCTL_QUERY && below(s, 3))
			a->flags = 0;
		p->bad_flags = p->real == SC_IOCTL_QUERY ?
			       a->flags & ~SOCKCANCEL_TARGET_PIDFD :
			       a->flags & ~(SOCKCANCEL_RESET_ON_PARTIAL |
					    SOCKCANCEL_TARGET_PIDFD);
		p->pidfd = a->flags & SOCKCANCEL_TARGET_PIDFD;
	}

	/* where the argument lives */
	r = below(s, 100);
	p->pc = r < 66 ? P_VALID : r < 74 ? P_MISALIGNED : r < 81 ? P_READONLY :
		r < 84 ? P_NULL : r < 87 ? P_UNMAPPED : r < 94 ? P_STRADDLE :
		r < 97 ? P_KERNEL : P_NONCANON;
	switch (p->pc) {
	case P_VALID:
		p->ptr = self->page + 8 * below(s, 500);
		break;
	case P_MISALIGNED:
		p->ptr = self->page + 8 * below(s, 500) + 1 + below(s, 7);
		break;
	case P_READONLY:
		p->ptr = self->ro + 4 * below(s, 1000);
		break;
	case P_NULL:
		p->ptr = below(s, 2) ? NULL : (void *)(long)below(s, 4096);
		break;
	case P_UNMAPPED:
		p->ptr = self->none + below(s, 4096 - 16);
		break;
	case P_STRADDLE:
		p->ptr = self->edge + 4096 - 1 - below(s, 15);
		break;
	case P_KERNEL:
		p->ptr = (void *)(0xffff888000000000UL + 8 * below(s, 1 << 20));
		break;
	default:
		p->ptr = (void *)(0x0000800000000000UL + rnd(s) % (1UL << 46));
		break;
	}
	if (p->pc == P_STRADDLE) {
		size_t room = self->edge + 4096 - (char *)p->ptr;

		memcpy(p->ptr, p->arg, room);
	} else if (p->pc == P_VALID || p->pc == P_MISALIGNED ||
		   p->pc == P_READONLY) {
		memcpy(p->ptr, p->arg, sizeof(p->arg));
	}
}

/* ---- the oracle ---- */

/* Every errno the device may answer: ENOTTY, and those of the ioctls. */
static const int device_errnos[] = {
	ENOTTY,
#define IOCTL_ERRNOS(name, ...)	__VA_ARGS__,
	SOCKCANCEL_IOCTL_ERRNOS(IOCTL_ERRNOS)
#undef IOCTL_ERRNOS
};

#define N_DEVICE_ERRNOS	(sizeof(device_errnos) / sizeof(device_errnos[0]))
_Static_assert(N_DEVICE_ERRNOS < 63, "a result set is one unsigned long");

/*
 * A set of results: bit 0 success, bit 1 + i errno device_errnos[i] (its
 * first place), bit 63 any other errno.
 */
static unsigned int result_bit(int e)
{
	unsigned int i;

	if (!e)
		return 0;
	for (i = 0; i < N_DEVICE_ERRNOS; i++)
		if (device_errnos[i] == e)
			return 1 + i;
	return 63;
}

#define BIT(e) (1UL << result_bit(e))

/* The errnos ioctl @ioc may return, as a set. */
static unsigned long documented(int ioc)
{
	unsigned long set = 0;
	const int *e;

	for (e = ioctl_errnos[ioc].errnos; *e; e++)
		set |= BIT(*e);
	return set;
}

/*
 * What the call may answer, as a set of errnos with bit 0 for success.
 * Only what is determined: racing classes allow several.
 */
static unsigned long expected_thread(FIXTURE_DATA(fuzz) *self,
				     const struct call_plan *p)
{
	bool cancel = p->real == SC_IOCTL_CANCEL;
	const struct target *t = p->t;
	unsigned long ok = BIT(0);

	if (p->bad_flags || t->tid < 0 || (!p->pidfd && !t->tid))
		return BIT(EINVAL);
	/* a cancel checks that its answer can be written before acting */
	if (cancel && p->pc == P_READONLY)
		return BIT(EFAULT);
	/* no fd of this process is a pidfd */
	if (p->pidfd)
		return BIT(EBADF);
	switch (t->cls) {
	case T_SELF:
	case T_IDLE:
		return cancel ? BIT(ENOENT) : ok;
	case T_BLOCKED:
		/* EAGAIN: on its way back into its call for the whole wait */
		return cancel ? ok | BIT(ENOENT) | BIT(EAGAIN) : ok;
	case T_NODUMP:
		return BIT(EPERM);
	case T_ZOMBIE:
		/* another process's thread that exited: no permission asked */
		return BIT(ESRCH);
	case T_GONE:
	case T_HUGE:
		return BIT(ESRCH);
	case T_KTHREADD:
		return BIT(EINVAL);
	case T_KTHREAD:
		return BIT(EINVAL) | BIT(ESRCH);
	case T_INIT:
		if (!self->root)
			return BIT(EPERM);
		return cancel ? BIT(ENOENT) : ok;
	case T_CHURN:
		return (cancel ? ok | BIT(ENOENT) | BIT(EAGAIN) : ok) |
		       BIT(ESRCH);
	default:
		return ok | documented(p->real);
	}
}

static unsigned long expected(FIXTURE_DATA(fuzz) *self,
			      const struct call_plan *p)
{
	unsigned long e;

	if (p->real < 0)
		return BIT(ENOTTY);
	if (p->pc != P_VALID && p->pc != P_MISALIGNED && p->pc != P_READONLY)
		return BIT(EFAULT);
	if (p->real == SC_IOCTL_CANCEL_SOCKET) {
		if (p->bad_flags || p->bad_pad)
			return BIT(EINVAL);
		if (p->pc == P_READONLY)
			return BIT(EFAULT);
		switch (p->fdclass) {
		case F_BLOCKER:
		case F_SOCKET:
			/*
			 * EAGAIN: a blocker ran inside its call (woken by an
			 * earlier cancel, on its way back) for the module's
			 * whole wait, as on a loaded machine
			 */
			e = BIT(0) | BIT(EAGAIN);
			break;
		case F_NOTSOCK:
			e = BIT(ENOTSOCK);
			break;
		case F_CLOSED:
		case F_NEG:
			e = BIT(EBADF);
			break;
		default:
			e = BIT(0) | documented(SC_IOCTL_CANCEL_SOCKET);
			break;
		}
	} else {
		e = expected_thread(self, p);
	}
	/* the answer cannot be written back */
	if (p->pc == P_READONLY && (e & BIT(0)))
		e = (e & ~BIT(0)) | BIT(EFAULT);
	return e;
}

struct outcome {
	int ret, err;
	long c0;		/* target's EINTR count before the call */
	char out[16];		/* the argument after the call */
};

static void fail(FIXTURE_DATA(fuzz) *self, const struct call_plan *p,
		 const struct outcome *o, const char *what)
{
	if (self->st.failures++ < 20)
		fprintf(stderr,
			"# call %ld: %s: cmd %#lx ptr class %d tid class %d tid %d fd class %d -> %d errno %d (%s)\n",
			self->st.calls, what, p->cmd, p->pc,
			p->t ? p->t->cls : -1, p->t ? p->t->tid : 0,
			p->real == SC_IOCTL_CANCEL_SOCKET ? p->fdclass : -1,
			o->ret, o->err,
			strerror(o->err));
}

/* A cancel was queued on @b's current call: it must end with EINTR. */
static void expect_eintr(FIXTURE_DATA(fuzz) *self, struct blocker *b, long c0)
{
	if (b->required < c0 + 1)
		b->required = c0 + 1;
	if (!b->pending_req) {
		b->pending_req = b->required;
		b->pending_ms = now_ms();
	}
	self->st.cancelled++;
}

static void check(FIXTURE_DATA(fuzz) *self, const struct call_plan *p,
		  const struct outcome *o)
{
	unsigned long allowed = expected(self, p);
	int code = o->ret == 0 ? 0 : o->err;
	struct blocker *b;

	if (o->ret != 0 && o->ret != -1) {
		fail(self, p, o, "return value neither 0 nor -1");
		return;
	}
	if (p->real >= 0 && code && !(documented(p->real) & BIT(code)))
		fail(self, p, o, "errno not documented for this ioctl");
	if (!(allowed & BIT(code)))
		fail(self, p, o, "unexpected result");
	if (p->real >= 0 && code < 140)
		self->st.ret[p->real][code]++;

	/* may a cancel have been queued? (only when it returned 0) */
	if (p->real == SC_IOCTL_CANCEL && p->t->b && code == 0) {
		b = p->t->b;
		b->possible++;
		expect_eintr(self, b, o->c0);
	}
	/*
	 * CANCEL_SOCKET's EAGAIN keeps the calls it cancelled before the one
	 * it found running: @fb's call may be one, though none is required.
	 */
	if (p->real == SC_IOCTL_CANCEL_SOCKET && p->fb && code == EAGAIN)
		p->fb->possible++;
	if (p->real == SC_IOCTL_CANCEL_SOCKET && p->fb && code == 0) {
		p->fb->possible++;
		if (((struct sockcancel_socket_arg *)o->out)->count == 1)
			expect_eintr(self, p->fb, o->c0);
	}

	if (code)
		return;
	/* what the kernel wrote back */
	if (p->real == SC_IOCTL_CANCEL_SOCKET) {
		const struct sockcancel_socket_arg *a = (const void *)o->out;
		const struct sockcancel_socket_arg *in = (const void *)p->arg;

		if (a->count > (p->fb ? 1U : 0U))
			fail(self, p, o, "CANCEL_SOCKET count too high");
		if (a->fd != in->fd || a->flags != in->flags || a->pad)
			fail(self, p, o, "CANCEL_SOCKET changed an input");
	} else {
		const struct sockcancel_thread_arg *a = (const void *)o->out;
		const struct blocker *tb = p->t->b;

		if (a->tid != p->t->tid)
			fail(self, p, o, "tid changed");
		if (a->op == SOCKCANCEL_OP_NONE) {
			if (p->real == SC_IOCTL_CANCEL)
				fail(self, p, o, "CANCEL succeeded on OP_NONE");
			if (a->fd != -1)
				fail(self, p, o, "OP_NONE with an fd");
		} else if (tb) {
			if (a->op != tb->op || a->fd != tb->report_fd)
				fail(self, p, o, "wrong op or fd reported");
		} else if (p->t->cls != T_CHURN && p->t->cls != T_RANDOM) {
			fail(self, p, o, "a socket call where there is none");
		} else if (p->t->cls == T_RANDOM && p->real == SC_IOCTL_CANCEL) {
			fail(self, p, o, "cancelled an unknown thread");
		}
	}
}

/* Every requirement met within the bound; false if one is overdue. */
static bool check_pending(struct blocker *b, long now, long bound)
{
	long got = atomic_load(&b->eintr);

	if (!b->pending_req)
		return true;
	if (got >= b->pending_req) {
		b->pending_req = got >= b->required ? 0 : b->required;
		b->pending_ms = now;
		return true;
	}
	return now - b->pending_ms <= bound;
}

static void sweep(FIXTURE_DATA(fuzz) *self, long bound, bool final)
{
	long now = now_ms();
	int i;

	for (i = 0; i < self->nt; i++) {
		struct blocker *b = self->t[i].b;
		long got;

		if (!b)
			continue;
		if (!check_pending(b, now, bound) && self->st.failures++ < 20)
			fprintf(stderr,
				"# tid %d: cancelled call not ended after %ld ms (EINTR %ld, needed %ld)\n",
				self->t[i].tid, now - b->pending_ms,
				atomic_load(&b->eintr), b->pending_req);
		got = atomic_load(&b->eintr);
		if (final && got > b->possible && self->st.failures++ < 20)
			fprintf(stderr,
				"# tid %d: %ld EINTR but at most %ld cancels queued\n",
				self->t[i].tid, got, b->possible);
		if (atomic_load(&b->bad) && self->st.failures++ < 20)
			fprintf(stderr,
				"# tid %d: blocked call returned %ld errno %ld\n",
				self->t[i].tid,
				atomic_load(&b->last_bad) >> 16,
				atomic_load(&b->last_bad) & 0xffff);
	}
	for (i = 0; i < 3; i++)
		if (atomic_load(&self->idle[i].failed) &&
		    self->st.failures++ < 20)
			idler_report(&self->idle[i]);
}

static void one_call(FIXTURE_DATA(fuzz) *self)
{
	struct target tmp;
	struct call_plan p;
	struct outcome o;
	struct blocker *b = NULL;

	build(self, &p, &tmp);
	if (p.real == SC_IOCTL_CANCEL || p.real == SC_IOCTL_QUERY)
		b = p.t->b;
	else if (p.real == SC_IOCTL_CANCEL_SOCKET)
		b = p.fb;
	o.c0 = b ? atomic_load(&b->eintr) : 0;
	if (p.pc == P_READONLY)
		mprotect(self->ro, 4096, PROT_READ);
	errno = 0;
	o.ret = ioctl(self->dev, p.cmd, p.ptr);
	o.err = errno;
	if (p.pc == P_READONLY)
		mprotect(self->ro, 4096, PROT_READ | PROT_WRITE);
	if (p.pc == P_VALID || p.pc == P_MISALIGNED || p.pc == P_READONLY)
		memcpy(o.out, p.ptr, sizeof(o.out));
	self->st.pclass[p.pc]++;
	if (p.t)
		self->st.tclass[p.t->cls]++;
	if (p.real < 0)
		self->st.nearmiss++;
	check(self, &p, &o);
	self->st.calls++;
}

static void report(FIXTURE_DATA(fuzz) *self, long ms)
{
	char line[512];
	int i, e, n;

	fprintf(stderr, "# %ld calls in %ld ms (%ld/s)\n",
		self->st.calls, ms, ms ? self->st.calls * 1000 / ms : 0);
	for (i = 0; i < SC_IOCTLS; i++) {
		n = snprintf(line, sizeof(line), "# %s: ok %ld",
			     ioctl_errnos[i].name, self->st.ret[i][0]);
		for (e = 1; e < 140; e++)
			if (self->st.ret[i][e])
				n += snprintf(line + n, sizeof(line) - n,
					      ", %s %ld", strerrorname_np(e),
					      self->st.ret[i][e]);
		fprintf(stderr, "%s\n", line);
	}
	fprintf(stderr, "# other commands (ENOTTY): %ld; cancels on blocked calls: %ld\n",
		self->st.nearmiss, self->st.cancelled);
}

TEST_F_TIMEOUT(fuzz, random_ioctls, 1200)
{
	unsigned long long seed = (unsigned long long)time(NULL) * 7919 + getpid();
	long calls, i, start, now, last = now_ms();
	int k;

	calls = calls_wanted(&seed) / 2;
	self->rng = seed ? seed : 1;
	fprintf(stderr, "# %s: %ld calls, seed %llu\n",
		self->root ? "root" : "nobody", calls, seed);
	start = now_ms();
	for (i = 0; i < calls; i++) {
		if (i % CHURN_EVERY == 0) {
			end_churn(self);
			self->churn = new_churn(self);
		}
		one_call(self);
		if ((i & 1023) == 0 && (now = now_ms()) - last > 200) {
			sweep(self, EINTR_BOUND_MS, false);
			last = now;
		}
	}
	now = now_ms();
	/* let the last cancels land, then the final accounting */
	for (k = 0; k < 100; k++) {
		bool all = true;
		int j;

		for (j = 0; j < self->nt; j++)
			if (self->t[j].b &&
			    atomic_load(&self->t[j].b->eintr) <
			    self->t[j].b->required)
				all = false;
		if (all)
			break;
		usleep(50000);
	}
	sweep(self, EINTR_BOUND_MS, true);
	report(self, now - start);

	/* the run reached what it was meant to reach */
	EXPECT_LT(0, self->st.ret[SC_IOCTL_CANCEL][0]);
	EXPECT_LT(0, self->st.cancelled);
	EXPECT_LT(0, self->st.ret[SC_IOCTL_CANCEL][EFAULT]);
	EXPECT_LT(0, self->st.ret[SC_IOCTL_CANCEL][ENOENT]);
	EXPECT_LT(0, self->st.ret[SC_IOCTL_CANCEL][ESRCH]);
	EXPECT_LT(0, self->st.ret[SC_IOCTL_CANCEL][EINVAL]);
	EXPECT_LT(0, self->st.ret[SC_IOCTL_QUERY][0]);
	EXPECT_LT(0, self->st.ret[SC_IOCTL_CANCEL_SOCKET][0]);
	EXPECT_LT(0, self->st.ret[SC_IOCTL_CANCEL_SOCKET][EBADF]);
	EXPECT_LT(0, self->st.ret[SC_IOCTL_CANCEL_SOCKET][ENOTSOCK]);
	EXPECT_LT(0, self->st.nearmiss);
	if (!self->root)
		EXPECT_LT(0, self->st.ret[SC_IOCTL_CANCEL][EPERM]);
	EXPECT_EQ(0, self->st.failures);
}

TEST_HARNESS_MAIN
