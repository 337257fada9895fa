// SPDX-License-Identifier: GPL-2.0
/*
 * Unloading under load. Each cycle loads the module with finit_module(2),
 * blocks threads of this process in recv and cancels them (their
 * interruptions run at once), and in two cycles out of three also cancels
 * the recv of a child process stopped by SIGSTOP or by ptrace (its
 * interruption stays queued until it continues). Then it removes the
 * module with delete_module(2) while the interruptions are in flight:
 *   - with the device open, removal fails (EAGAIN or EBUSY);
 *   - with the device closed and the stopped child's interruption queued,
 *     removal fails and /sys/module/sockcancel/refcnt is exactly 1;
 *   - removal is retried in a tight loop from the moment the device is
 *     closed (or the child continues), so the last interruption's return
 *     through module text races it;
 *   - it succeeds within a bound, every cancelled call returned EINTR, and
 *     every socket a cancel pinned is released (its peer sees the end).
 * Slab objects (files, sockets, task structs, small kmallocs) and vmalloc
 * use must not grow with the cycles. Any splat fails the VM run.
 *
 * The module is loaded again at the end: the test VM's init removes it.
 * CYCLES_DEFAULT cycles; a file "unload.cycles" next to the binary
 * overrides the count. Needs root and the module file at /sockcancel.ko
 * (MODULE_PATH), as in the test VM; skipped otherwise.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>

#include "toolkit/toolkit.h"
#include "kselftest_harness.h"

#define CYCLES_DEFAULT	100
#define MODULE_PATH	"/sockcancel.ko"
#define MODULE_NAME	"sockcancel"
#define OWN_THREADS	3
#define BOUND_MS	10000

static int load(int fd)
{
	return syscall(SYS_finit_module, fd, "", 0);
}

static int unload(void)
{
	return syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK);
}

static bool loaded(void)
{
	return access("/sys/module/" MODULE_NAME "/refcnt", F_OK) == 0;
}

static long refcnt(void)
{
	return number_in(fopen("/sys/module/" MODULE_NAME "/refcnt", "r"), -1);
}

/* Remove the module, retrying while something still holds it. */
static int unload_within(long ms, long *busy)
{
	long deadline = now_ms() + ms;

	for (;;) {
		if (!unload())
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -1;
		(*busy)++;
		if (now_ms() > deadline)
			return -1;
		usleep(1000);
	}
}

/* Counters a child process shares with us. */
struct shared {
	atomic_long eintr;
	atomic_long bad;
	atomic_int tid;
};

static void child_loop(struct shared *sh, int fd)
{
	char buf[64];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	atomic_store(&sh->tid, gettid());
	for (;;) {
		if (recv(fd, buf, sizeof(buf), 0) < 0 && errno == EINTR)
			atomic_fetch_add(&sh->eintr, 1);
		else
			atomic_fetch_add(&sh->bad, 1);
	}
}

struct own {
	int sv[2];
	pthread_t thread;
	atomic_int tid;
	long ret;
	int err;
};

static void *own_thread(void *p)
{
	struct own *o = p;
	char buf[64];

	atomic_store(&o->tid, gettid());
	o->ret = recv(o->sv[0], buf, sizeof(buf), 0);
	o->err = errno;
	return NULL;
}

/*
 * Where a leaked cancel would show: its pinned file (filp, sockets) and its
 * pending interruption (a small kmalloc). The kmalloc counts move by a few
 * hundred objects without any leak (measured: up and down over 100
 * cycles), so their bound is loose: a leak of one object per cancel shows
 * only in runs of several hundred cycles. kmemleak on the debug kernel
 * (scripts/check-debug.sh) is the precise check.
 */
static const char * const caches[] = {
	"filp", "sock_inode_cache", "task_struct",
	"kmalloc-64", "kmalloc-96", "kmalloc-128", "kmalloc-192",
};
#define NCACHES (sizeof(caches) / sizeof(caches[0]))
#define FIRST_KMALLOC 3

struct usage {
	long objs[NCACHES];
	long vmalloc_kb;
};

static void measure(struct usage *u)
{
	char line[512], name[64];
	long active, v;
	unsigned int i;
	FILE *f;

	memset(u, 0, sizeof(*u));
	/* flush per-cpu slabs, or the counts swing by hundreds */
	for (i = 0; i < NCACHES; i++) {
		snprintf(line, sizeof(line), "/sys/kernel/slab/%s/shrink",
			 caches[i]);
		f = fopen(line, "w");
		if (f) {
			fputs("1", f);
			fclose(f);
		}
	}
	f = fopen("/proc/slabinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld", name, &active) != 2)
			continue;
		for (i = 0; i < NCACHES; i++)
			if (!strcmp(name, caches[i]))
				u->objs[i] = active;
	}
	if (f)
		fclose(f);
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmallocUsed: %ld", &v) == 1)
			u->vmalloc_kb = v;
	if (f)
		fclose(f);
}

static long cycles_wanted(void)
{
	return number_beside_self("unload.cycles", CYCLES_DEFAULT);
}

FIXTURE(unload) {
	int ko;
	pid_t child;
	int csv[2];
	struct shared *sh;
};

FIXTURE_SETUP(unload)
{
	self->ko = open(MODULE_PATH, O_RDONLY | O_CLOEXEC);
	if (self->ko < 0 || geteuid() != 0)
		SKIP(return, "needs root and %s", MODULE_PATH);
	ASSERT_TRUE(loaded());

	self->sh = mmap(NULL, sizeof(*self->sh), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, self->csv));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child)
		child_loop(self->sh, self->csv[0]);
	while (!atomic_load(&self->sh->tid))
		usleep(1000);
	ASSERT_TRUE(wait_blocked_in(self->child, self->child, SYS_recvfrom,
				    5000));
}

FIXTURE_TEARDOWN(unload)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	/* leave the module loaded, as we found it */
	if (self->ko >= 0 && !loaded())
		load(self->ko);
}

/* Stop the child in its recv, by SIGSTOP or by ptrace. */
static bool stop_child(pid_t pid, bool by_ptrace)
{
	int status;

	if (by_ptrace) {
		if (ptrace(PTRACE_SEIZE, pid, 0, 0) ||
		    ptrace(PTRACE_INTERRUPT, pid, 0, 0))
			return false;
		return waitpid(pid, &status, 0) == pid && WIFSTOPPED(status);
	}
	if (kill(pid, SIGSTOP))
		return false;
	return waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status);
}

static bool continue_child(pid_t pid, bool by_ptrace)
{
	int status;

	if (by_ptrace)
		return !ptrace(PTRACE_DETACH, pid, 0, 0);
	if (kill(pid, SIGCONT))
		return false;
	return waitpid(pid, &status, WCONTINUED) == pid;
}

static bool peer_sees_eof(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDHUP };
	char c;

	return poll(&pfd, 1, BOUND_MS) == 1 &&
	       recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

static bool wait_eintr(struct shared *sh, long want, long ms)
{
	long deadline = now_ms() + ms;

	while (atomic_load(&sh->eintr) < want) {
		if (now_ms() > deadline)
			return false;
		usleep(500);
	}
	return true;
}

TEST_F_TIMEOUT(unload, cancels_in_flight, 1800)
{
	long cycles = cycles_wanted(), c, busy = 0, start, ms;
	long want = 0, bound_objs;
	struct usage before, after;
	struct own own[OWN_THREADS];
	unsigned int i;
	int dev;

	start = now_ms();
	for (c = 0; c < cycles; c++) {
		/* 0: SIGSTOPped child, 1: ptrace-stopped child, 2: none */
		int mode = c % 3;

		/* after warm-up: the reference point for the leak check */
		if (c == cycles / 10)
			measure(&before);
		if (loaded())
			ASSERT_EQ(0, unload()) TH_LOG("cycle %ld: %s", c,
						      strerror(errno));
		ASSERT_FALSE(loaded());
		ASSERT_EQ(0, load(self->ko)) TH_LOG("cycle %ld: %s", c,
						     strerror(errno));
		dev = open_dev();
		ASSERT_LE(0, dev);

		/* the device is open: removal must fail */
		ASSERT_EQ(-1, unload());
		ASSERT_TRUE(errno == EAGAIN || errno == EBUSY);

		/* the stopped child: its interruption stays queued */
		if (mode < 2) {
			want = atomic_load(&self->sh->eintr) + 1;
			ASSERT_TRUE(stop_child(self->child, mode == 1));
			ASSERT_EQ(0, sc_cancel(dev, self->child, c & 4 ?
					       SOCKCANCEL_RESET_ON_PARTIAL : 0,
					       NULL))
				TH_LOG("cycle %ld: cancel of the stopped child: %s",
				       c, strerror(errno));
		}

		/* fresh sockets and threads, blocked in recv */
		memset(own, 0, sizeof(own));
		for (i = 0; i < OWN_THREADS; i++) {
			ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0,
						own[i].sv));
			ASSERT_EQ(0, pthread_create(&own[i].thread, NULL,
						    own_thread, &own[i]));
		}
		for (i = 0; i < OWN_THREADS; i++) {
			while (!atomic_load(&own[i].tid))
				usleep(100);
			ASSERT_TRUE(wait_blocked_in(0, own[i].tid,
						    SYS_recvfrom, 5000));
		}
		/* their interruptions run at once, racing the removal */
		for (i = 0; i < OWN_THREADS; i++)
			ASSERT_EQ(0, sc_cancel(dev, own[i].tid, 0, NULL));
		close(dev);

		if (mode < 2) {
			/* nothing can remove it while the child's is queued */
			while (refcnt() > 1) {
				ASSERT_EQ(-1, unload());
				ASSERT_TRUE(errno == EAGAIN || errno == EBUSY);
			}
			EXPECT_EQ(1, refcnt());
			ASSERT_EQ(-1, unload());
			ASSERT_TRUE(errno == EAGAIN || errno == EBUSY);
			ASSERT_TRUE(loaded());
			/* it continues: its work is the last, racing removal */
			ASSERT_TRUE(continue_child(self->child, mode == 1));
		}
		ASSERT_EQ(0, unload_within(BOUND_MS, &busy))
			TH_LOG("cycle %ld: %s", c, strerror(errno));
		ASSERT_FALSE(loaded());

		/* every cancelled call ended with EINTR */
		for (i = 0; i < OWN_THREADS; i++) {
			ASSERT_EQ(0, pthread_join(own[i].thread, NULL));
			EXPECT_EQ(-1, own[i].ret);
			EXPECT_EQ(EINTR, own[i].err);
			/* and released the socket: the peer sees the end */
			close(own[i].sv[0]);
			EXPECT_TRUE(peer_sees_eof(own[i].sv[1]))
				TH_LOG("cycle %ld: socket still open", c);
			close(own[i].sv[1]);
		}
		if (mode < 2) {
			ASSERT_TRUE(wait_eintr(self->sh, want, BOUND_MS))
				TH_LOG("cycle %ld: the stopped child's call never ended",
				       c);
			ASSERT_TRUE(wait_blocked_in(self->child, self->child,
						    SYS_recvfrom, 5000));
		}
		ASSERT_EQ(0, atomic_load(&self->sh->bad));
	}
	ms = now_ms() - start;
	measure(&after);
	ASSERT_EQ(0, load(self->ko));

	fprintf(stderr, "# %ld cycles in %ld ms (%ld ms each); removal refused %ld times while interruptions were in flight\n",
		cycles, ms, cycles ? ms / cycles : 0, busy);
	for (i = 0; i < NCACHES; i++) {
		long grew = after.objs[i] - before.objs[i];

		/* each cycle closes 6 sockets and ends 3 threads */
		bound_objs = i < FIRST_KMALLOC ? 128 + cycles / 8 :
						 1024 + cycles;

		fprintf(stderr, "# %s: %ld -> %ld\n", caches[i],
			before.objs[i], after.objs[i]);
		EXPECT_GT(bound_objs, grew) TH_LOG("%s grew by %ld", caches[i],
						   grew);
	}
	fprintf(stderr, "# VmallocUsed: %ld kB -> %ld kB\n", before.vmalloc_kb,
		after.vmalloc_kb);
	EXPECT_GT(2048, after.vmalloc_kb - before.vmalloc_kb);
}

TEST_HARNESS_MAIN
