// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: for STRESS_SECONDS, streams on TCP and AF_UNIX pairs move data in
 * random chunks (blocking send, recv with and without MSG_WAITALL) while
 * canceller threads cancel their threads at random, per thread and per
 * socket, with and without SOCKCANCEL_RESET_ON_PARTIAL. Around them:
 * threads verified blocked on idle sockets (recv, accept, poll) in this
 * process and in a child that another thread keeps stopping and continuing
 * with SIGSTOP/SIGCONT and by ptrace; a churn of child processes whose
 * threads block in recv and then exit, exec or get killed while targeted;
 * idle threads in epoll_wait and nanosleep. Invariants, checked throughout:
 *   - every byte is received exactly once and in order; a stream that was
 *     reset was reset because a cancel asked for it, and both ends learn
 *     it (an error or end of stream on each side, within a bound);
 *   - every CANCEL that returned 0 on a verified-blocked call (CANCEL or a
 *     CANCEL_SOCKET count) ends that call with EINTR within a bound, stops
 *     included (but for a cancel that a resume of the child overlapped,
 *     from its continue until its call is seen asleep again: the design
 *     document's one window, counted); none of them ever returns anything
 *     else;
 *   - no EINTR outside socket calls: epoll_wait and nanosleep threads in
 *     this process, and the nanosleeps the stream threads make between
 *     their socket calls, never see one;
 *   - every ioctl error is one the documentation lists.
 * A kernel splat fails the VM run.
 *
 * STRESS_SECONDS (default below) is overridden by a file "stress.seconds"
 * next to the binary, which is how check-debug runs it for longer. A file
 * "stress.report_s" asks for a progress line every that many seconds (the
 * soak, scripts/soak.sh, samples the module's memory at each); none without.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>

#include "toolkit/toolkit.h"
#include "toolkit/syscalls.h"
#include "toolkit/idler.h"
#include "toolkit/ioctl_errnos.h"
#include "kselftest_harness.h"

#define STRESS_SECONDS	20
#define NPAIRS		4	/* 2 TCP, 2 AF_UNIX */
#define NCANCELLERS	3
#define BOUND_MS	15000	/* a cancelled blocked call ends within this */
#define CHUNK		(64 * 1024)

static atomic_int stop_all;
static atomic_long failures;
static atomic_long lost;	/* cancelled blocked calls not ended in time */

#define FAIL(fmt, ...) do {						\
	if (atomic_fetch_add(&failures, 1) < 20)			\
		fprintf(stderr, "# FAIL: " fmt "\n", ##__VA_ARGS__);	\
} while (0)

static unsigned char pattern(unsigned long k)
{
	return k ^ (k >> 8) ^ (k >> 16) ^ (k >> 24);
}

static unsigned int rnd_r(unsigned int *s)
{
	*s = *s * 1103515245 + 12345;
	return *s >> 8;
}

/* A nap between socket calls: it must never return EINTR. */
static void nap(unsigned int *s)
{
	struct timespec ts = { 0, (rnd_r(s) % 100) * 1000 };

	if (nanosleep(&ts, NULL) && errno == EINTR)
		FAIL("nanosleep of a stream thread returned EINTR");
}

/* ---- streams ---- */

struct pair {
	int family;
	int fd[2];		/* fd[0] sends, fd[1] receives */
	pthread_t th[2];
	atomic_int tid[2];
	atomic_int done[2];	/* thread left its loop */
	atomic_int broken[2];	/* the side saw the reset */
	atomic_int reset_asked;	/* a cancel with the flag was tried */
	atomic_int desync;	/* data after a reset WAITALL: unchecked */
	long sent, received;	/* bytes; per epoch */
	long epochs, resets;
	unsigned long total;	/* bytes checked over all epochs */
};

static int sock_error(int fd)
{
	socklen_t len = sizeof(int);
	int err = 0;

	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	return err;
}

static void *sender(void *p)
{
	struct pair *pr = p;
	unsigned int s = gettid();
	char *buf = malloc(4 * CHUNK);
	long n;
	size_t len, i;

	atomic_store(&pr->tid[0], gettid());
	while (!atomic_load(&stop_all)) {
		len = 1 + rnd_r(&s) % (4 * CHUNK);
		for (i = 0; i < len; i++)
			buf[i] = pattern(pr->sent + i);
		n = send(pr->fd[0], buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			pr->sent += n;
		} else if (n < 0 && errno == EINTR) {
			/* nothing moved, or the stream was reset */
		} else {
			atomic_store(&pr->broken[0], 1);
			break;
		}
		nap(&s);
	}
	/*
	 * Stopped by the end of the run, not by an error: a cancel with
	 * the flag may have reset the last send all the same. The reset
	 * left its error on the socket; AF_UNIX's peer reads only an end
	 * of stream, so it must learn of it here, before done is seen.
	 */
	if (!atomic_load(&pr->broken[0]) && sock_error(pr->fd[0]))
		atomic_store(&pr->broken[0], 1);
	atomic_store(&pr->done[0], 1);
	shutdown(pr->fd[0], SHUT_WR);
	free(buf);
	return NULL;
}

static void *receiver(void *p)
{
	struct pair *pr = p;
	unsigned int s = gettid() * 3;
	unsigned char *buf = malloc(CHUNK);
	bool unsure = false;
	long n, i;
	int flags;

	atomic_store(&pr->tid[1], gettid());
	for (;;) {
		flags = rnd_r(&s) % 4 ? 0 : MSG_WAITALL;
		n = recv(pr->fd[1], buf, 1 + rnd_r(&s) % CHUNK, flags);
		if (n < 0 && errno == EINTR) {
			/*
			 * A WAITALL recv reset part-way consumed bytes it
			 * does not report; TCP then still returns what was
			 * queued behind them.
			 */
			if (flags && atomic_load(&pr->reset_asked))
				unsure = true;
			continue;
		}
		if (n <= 0) {
			/* end of stream after the sender stopped is the end */
			if (n < 0 || !atomic_load(&pr->done[0]) ||
			    atomic_load(&pr->broken[0]))
				atomic_store(&pr->broken[1], 1);
			break;
		}
		for (i = 0; i < n && !atomic_load(&pr->desync); i++)
			if (buf[i] != pattern(pr->received + i)) {
				if (unsure)
					atomic_store(&pr->desync, 1);
				else
					FAIL("stream %p byte %ld wrong",
					     (void *)pr, pr->received + i);
				break;
			}
		if (i == n)
			unsure = false;
		pr->received += n;
		nap(&s);
	}
	free(buf);
	atomic_store(&pr->done[1], 1);
	return NULL;
}

static int pair_start(struct pair *pr)
{
	int sv[2], buf = 32 * 1024;

	/* under epoch_lock: no cancel names these fds while they are made */
	if (make_pair(pr->family, SOCK_STREAM, sv))
		return -1;
	/* small buffers: sends block and are cut short */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	pr->fd[0] = sv[0];
	pr->fd[1] = sv[1];
	pr->sent = pr->received = 0;
	atomic_store(&pr->reset_asked, 0);
	atomic_store(&pr->desync, 0);
	for (int i = 0; i < 2; i++) {
		atomic_store(&pr->tid[i], 0);
		atomic_store(&pr->done[i], 0);
		atomic_store(&pr->broken[i], 0);
	}
	if (pthread_create(&pr->th[0], NULL, sender, pr) ||
	    pthread_create(&pr->th[1], NULL, receiver, pr))
		return -1;
	pr->epochs++;
	return 0;
}

/* Both threads are done: judge the epoch and close it. */
static void pair_end(struct pair *pr)
{
	bool b0 = atomic_load(&pr->broken[0]), b1 = atomic_load(&pr->broken[1]);

	pthread_join(pr->th[0], NULL);
	pthread_join(pr->th[1], NULL);
	if (b0 || b1) {
		pr->resets++;
		if (!atomic_load(&pr->reset_asked))
			FAIL("stream reset without a cancel asking for it");
		/*
		 * The receiver reads until the end, so it always learns of
		 * a reset. The sender leaves its loop mid-run only on an
		 * error; one that stopped at the end of the run may never
		 * hear of a reset after its last send.
		 */
		if (!b1)
			FAIL("stream reset but the receiver does not know (%d %d)",
			     b0, b1);
		if (pr->received > pr->sent + 4 * CHUNK)
			FAIL("received %ld of %ld sent", pr->received,
			     pr->sent);
	} else if (atomic_load(&pr->desync)) {
		FAIL("stream data out of sequence and no reset");
	} else if (pr->received != pr->sent) {
		FAIL("stream: sent %ld, received %ld", pr->sent, pr->received);
	}
	pr->total += pr->received;
	close(pr->fd[0]);
	close(pr->fd[1]);
}

/* ---- threads verified blocked ---- */

enum { K_RECV, K_ACCEPT, K_POLL };

struct sleeper {
	int kind, fd;
	atomic_int tid;
	atomic_long eintr, bad;
	/* the cancellers' accounting, under lock */
	pthread_mutex_t lock;
	long required, since_ms;
	bool in_child;
};

static void sleeper_loop(struct sleeper *z)
{
	struct pollfd pfd = { .fd = z->fd, .events = POLLIN };
	char buf[16];
	long r;

	block_all_signals();	/* only cancels end its calls */
	atomic_store(&z->tid, gettid());
	while (!atomic_load(&stop_all)) {
		errno = 0;
		r = z->kind == K_RECV ? recv(z->fd, buf, sizeof(buf), 0) :
		    z->kind == K_ACCEPT ? accept(z->fd, NULL, NULL) :
		    poll(&pfd, 1, -1);
		if (r < 0 && errno == EINTR)
			atomic_fetch_add(&z->eintr, 1);
		else if (!atomic_load(&stop_all))
			atomic_fetch_add(&z->bad, 1);
	}
}

static void *sleeper_thread(void *p)
{
	sleeper_loop(p);
	return NULL;
}

static void require_eintr(struct sleeper *z, long c0)
{
	pthread_mutex_lock(&z->lock);
	if (z->required <= c0) {
		if (atomic_load(&z->eintr) >= z->required)
			z->since_ms = now_ms();
		z->required = c0 + 1;
	}
	pthread_mutex_unlock(&z->lock);
}

static void check_sleeper(struct sleeper *z, long now)
{
	pthread_mutex_lock(&z->lock);
	if (atomic_load(&z->eintr) < z->required &&
	    now - z->since_ms > BOUND_MS) {
		atomic_fetch_add(&lost, 1);
		FAIL("cancelled %s%s of %d not ended after %ld ms",
		     z->kind == K_RECV ? "recv" :
		     z->kind == K_ACCEPT ? "accept" : "poll",
		     z->in_child ? " in the stopped child" : "",
		     atomic_load(&z->tid), now - z->since_ms);
		z->since_ms = now;	/* once per bound */
	}
	pthread_mutex_unlock(&z->lock);
	if (atomic_load(&z->bad))
		FAIL("blocked call of %d returned other than EINTR",
		     atomic_load(&z->tid));
}

/* ---- the world ---- */

struct world {
	int dev;
	struct pair pairs[NPAIRS];
	struct sleeper *z;	/* 3 own, 1 in the stopped child (shared) */
	int nz;
	pid_t stopchild;
	struct idler idle[2];	/* epoll_wait, nanosleep: never EINTR */
	atomic_int churn_tids[4];	/* shared with the churn children */
	atomic_int *ctids;
	/*
	 * Held for reading by a per-socket cancel of a stream, for
	 * writing while a pair ends and starts its next epoch: the fd
	 * number named is that epoch's, and a reset it asks for is
	 * recorded in the epoch it resets.
	 */
	pthread_rwlock_t epoch_lock;
	/*
	 * Odd while the child resumes: from just before its continue until
	 * its call is seen asleep again, which is when a call a stop
	 * interrupted restarts. The cancels of the child that returned 0,
	 * and those of them a resume overlapped, are counted.
	 */
	atomic_long resume_seq, child_cancels, resume_inside;
	/* counted by the cancellers, read by the progress line */
	atomic_long cancels[SC_IOCTLS][140], by_socket;
};

static void check_errno(struct world *w, enum sc_ioctl ioc, int ret, int err)
{
	if (!ret) {
		w->cancels[ioc][0]++;
		return;
	}
	if (err < 140)
		w->cancels[ioc][err]++;
	if (!ioctl_may_return(ioc, err))
		FAIL("%s: undocumented errno %d", ioctl_errnos[ioc].name, err);
}

static void *canceller(void *p)
{
	struct world *w = p;
	unsigned int s = gettid() * 7919;
	struct sockcancel_thread_arg arg;
	struct sockcancel_socket_arg sarg;

	while (!atomic_load(&stop_all)) {
		unsigned int r = rnd_r(&s) % 100;
		__u32 flags = rnd_r(&s) % 20 ? 0 : SOCKCANCEL_RESET_ON_PARTIAL;
		struct pair *pr = &w->pairs[rnd_r(&s) % NPAIRS];
		struct sleeper *z = NULL;
		int ret, err, side = rnd_r(&s) % 2;
		long c0 = 0, seq;

		memset(&arg, 0, sizeof(arg));
		arg.flags = flags;
		if (r < 45) {
			arg.tid = atomic_load(&pr->tid[side]);
		} else if (r < 75) {
			z = &w->z[rnd_r(&s) % w->nz];
			arg.tid = atomic_load(&z->tid);
			c0 = atomic_load(&z->eintr);
		} else if (r < 85) {
			arg.tid = atomic_load(&w->ctids[rnd_r(&s) % 4]);
		} else {
			/* per socket: a stream's or an own sleeper's */
			memset(&sarg, 0, sizeof(sarg));
			sarg.flags = flags;
			if (rnd_r(&s) % 2) {
				pthread_rwlock_rdlock(&w->epoch_lock);
				sarg.fd = pr->fd[side];
				if (flags)
					atomic_store(&pr->reset_asked, 1);
				ret = ioctl(w->dev, SOCKCANCEL_IOC_CANCEL_SOCKET,
					    &sarg);
				err = errno;
				pthread_rwlock_unlock(&w->epoch_lock);
			} else {
				z = &w->z[rnd_r(&s) % (w->nz - 1)];
				sarg.fd = z->fd;
				c0 = atomic_load(&z->eintr);
				ret = ioctl(w->dev, SOCKCANCEL_IOC_CANCEL_SOCKET,
					    &sarg);
				err = errno;
			}
			check_errno(w, SC_IOCTL_CANCEL_SOCKET, ret, err);
			if (!ret && z && sarg.count)
				require_eintr(z, c0);
			if (!ret && sarg.count > 1)
				FAIL("CANCEL_SOCKET count %u on a socket one thread uses",
				     sarg.count);
			w->by_socket += !ret ? sarg.count : 0;
			usleep(rnd_r(&s) % 2000);
			continue;
		}
		if (arg.tid <= 0)
			continue;
		/* the flag is asked before the cancel can act on it */
		if (r < 45 && flags)
			atomic_store(&pr->reset_asked, 1);
		seq = atomic_load(&w->resume_seq);
		ret = ioctl(w->dev, SOCKCANCEL_IOC_CANCEL, &arg);
		check_errno(w, SC_IOCTL_CANCEL, ret, errno);
		/*
		 * A stop may interrupt the call between the cancel's finding
		 * it and its queueing, and the call restart and sleep again
		 * before the queueing: the restarted call is then taken for
		 * a new one (design document, "Call instances"). That needs
		 * a resume while the cancel ran. A cancel no resume
		 * overlapped, the child stopped or not, must end its call.
		 */
		if (!ret && z && z->in_child)
			atomic_fetch_add(&w->child_cancels, 1);
		if (!ret && z && z->in_child &&
		    ((seq & 1) || atomic_load(&w->resume_seq) != seq))
			atomic_fetch_add(&w->resume_inside, 1);
		else if (!ret && z)
			require_eintr(z, c0);
		usleep(rnd_r(&s) % 2000);
	}
	return NULL;
}

/*
 * The child's resume ends when its call is asleep again (or the bound
 * passed, which leaves a lost cancel for check_sleeper to find).
 */
static void resume_begins(struct world *w)
{
	atomic_fetch_add(&w->resume_seq, 1);
}

static void resume_ends(struct world *w)
{
	wait_in_syscall(w->stopchild, atomic_load(&w->z[3].tid),
			SYS_recvfrom, "S", BOUND_MS);
	atomic_fetch_add(&w->resume_seq, 1);
}

/* Stop and continue the child, by signal or by ptrace, at random. */
static void *stopper(void *p)
{
	struct world *w = p;
	unsigned int s = 99;
	int status;

	while (!atomic_load(&stop_all)) {
		if (rnd_r(&s) % 2) {
			kill(w->stopchild, SIGSTOP);
			waitpid(w->stopchild, &status, WUNTRACED);
			usleep(rnd_r(&s) % 20000);
			resume_begins(w);
			kill(w->stopchild, SIGCONT);
			waitpid(w->stopchild, &status, WCONTINUED);
			resume_ends(w);
		} else if (!ptrace(PTRACE_SEIZE, w->stopchild, 0, 0)) {
			ptrace(PTRACE_INTERRUPT, w->stopchild, 0, 0);
			waitpid(w->stopchild, &status, 0);
			usleep(rnd_r(&s) % 20000);
			resume_begins(w);
			ptrace(PTRACE_DETACH, w->stopchild, 0, 0);
			resume_ends(w);
		}
		usleep(rnd_r(&s) % 20000);
	}
	return NULL;
}

static void churn_child(atomic_int *tids, unsigned int how, int dev)
{
	struct sleeper z[2] = { { .kind = K_RECV }, { .kind = K_RECV } };
	int sv[2];
	pthread_t th;

	close(dev);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		_exit(1);
	z[0].fd = z[1].fd = sv[0];
	atomic_store(&tids[0], getpid());
	for (int i = 0; i < 2; i++) {
		pthread_create(&th, NULL, sleeper_thread, &z[i]);
		while (!atomic_load(&z[i].tid))
			usleep(100);
		atomic_store(&tids[1 + i], atomic_load(&z[i].tid));
	}
	usleep(how % 20000);
	if (how % 3 == 0)
		execl("/bin/sleep", "sleep", "0.02", (char *)NULL);
	if (how % 3 == 1)
		_exit(0);
	pause();	/* the parent kills it */
	_exit(0);
}

static void *churner(void *p)
{
	struct world *w = p;
	unsigned int s = 4242;

	while (!atomic_load(&stop_all)) {
		unsigned int how = rnd_r(&s);
		pid_t pid = fork();

		if (!pid)
			churn_child(w->ctids, how, w->dev);
		if (pid < 0)
			break;
		usleep(how % 30000);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return NULL;
}

static long seconds_wanted(void)
{
	return number_beside_self("stress.seconds", STRESS_SECONDS);
}

#define INJECT_PARAM	"/sys/module/sockcancel/parameters/inject_delay_us"

/*
 * With the test build of the module, every cancel waits @us between
 * finding its call and queueing (file "stress.inject_us", default 300):
 * calls end by themselves inside that window far more often. The test
 * alternates, two seconds each, between that window and none, where a
 * thread found asleep is cancelled in one hold (the module's usual way).
 */
static void inject_delay(long us)
{
	FILE *f = fopen(INJECT_PARAM, "w");

	if (!f)
		return;
	fprintf(f, "%ld\n", us);
	fclose(f);
}

FIXTURE(stress) {
	struct world w;
	pthread_t cancellers[NCANCELLERS], stop_th, churn_th;
	pthread_t zth[3];
	int zfd[8], nzfd;
};

FIXTURE_SETUP(stress)
{
	struct world *w = &self->w;
	struct epoll_event ev = { .events = EPOLLIN };
	int sv[2], l, i;

	w->dev = open_dev();
	ASSERT_LE(0, w->dev);
	pthread_rwlock_init(&w->epoch_lock, NULL);
	w->nz = 4;
	w->z = mmap(NULL, 4 * sizeof(*w->z) + 4 * sizeof(atomic_int),
		    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, w->z);
	w->ctids = (atomic_int *)(w->z + 4);
	for (i = 0; i < 4; i++)
		pthread_mutex_init(&w->z[i].lock, NULL);

	/* the child that gets stopped: one recv that only a cancel ends */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	w->z[3].kind = K_RECV;
	w->z[3].fd = sv[0];
	w->z[3].in_child = true;
	w->stopchild = fork();
	ASSERT_LE(0, w->stopchild);
	if (!w->stopchild) {
		close(w->dev);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, "sc-stopped");	/* for a trace filter */
		sleeper_loop(&w->z[3]);
		_exit(0);
	}
	close(sv[0]);
	self->zfd[self->nzfd++] = sv[1];

	/* our own: recv, accept, poll */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	w->z[0].kind = K_RECV;
	w->z[0].fd = sv[0];
	self->zfd[self->nzfd++] = sv[0];
	self->zfd[self->nzfd++] = sv[1];
	ASSERT_EQ(0, tcp_pair(sv, &l));
	w->z[1].kind = K_ACCEPT;
	w->z[1].fd = l;
	self->zfd[self->nzfd++] = l;
	self->zfd[self->nzfd++] = sv[0];
	self->zfd[self->nzfd++] = sv[1];
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	w->z[2].kind = K_POLL;
	w->z[2].fd = sv[0];
	self->zfd[self->nzfd++] = sv[0];
	self->zfd[self->nzfd++] = sv[1];
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&self->zth[i], NULL,
					    sleeper_thread, &w->z[i]));
	for (i = 0; i < 4; i++) {
		static const long nr[] = {
			[K_RECV] = SYS_recvfrom, [K_ACCEPT] = SYS_accept,
			[K_POLL] = NR_POLL,
		};

		while (!atomic_load(&w->z[i].tid))
			usleep(1000);
		ASSERT_TRUE(wait_blocked_in(i == 3 ? w->stopchild : 0,
					    atomic_load(&w->z[i].tid),
					    nr[w->z[i].kind], 5000));
	}

	/* idle: epoll_wait on a stream socket, nanosleep */
	w->idle[0].kind = IDLE_EPOLL_WAIT;
	w->idle[0].epfd = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, w->idle[0].epfd);
	ASSERT_EQ(0, epoll_ctl(w->idle[0].epfd, EPOLL_CTL_ADD, w->z[0].fd,
			       &ev));
	w->idle[1].kind = IDLE_NANOSLEEP;
	for (i = 0; i < 2; i++) {
		w->idle[i].slice_ms = 10;
		ASSERT_TRUE(idler_start(&w->idle[i]));
	}

	for (i = 0; i < NPAIRS; i++) {
		w->pairs[i].family = i < NPAIRS / 2 ? AF_INET : AF_UNIX;
		ASSERT_EQ(0, pair_start(&w->pairs[i]));
	}
}

FIXTURE_TEARDOWN(stress)
{
	inject_delay(0);
	atomic_store(&stop_all, 1);
	if (self->w.stopchild > 0) {
		kill(self->w.stopchild, SIGKILL);
		waitpid(self->w.stopchild, NULL, 0);
	}
	close(self->w.dev);
}

/* Wait for every cancelled sleeper to have its EINTR, within the bound. */
static void settle(struct world *w)
{
	long deadline = now_ms() + BOUND_MS;
	bool all;
	int i;

	do {
		all = true;
		for (i = 0; i < w->nz; i++)
			if (atomic_load(&w->z[i].eintr) < w->z[i].required)
				all = false;
		if (!all)
			usleep(10000);
	} while (!all && now_ms() < deadline);
	for (i = 0; i < w->nz; i++)
		check_sleeper(&w->z[i], now_ms() + BOUND_MS + 1);
}

/* What the run has done so far, for a soak's samples. */
static void progress(struct world *w, long seconds)
{
	long streams = 0, bytes = 0, eintr = 0, stray = 0;
	int i;

	for (i = 0; i < NPAIRS; i++) {
		streams += w->pairs[i].epochs;
		bytes += w->pairs[i].total;
	}
	for (i = 0; i < w->nz; i++)
		eintr += atomic_load(&w->z[i].eintr);
	/* the idle threads' failed calls, which the end counts as failures */
	for (i = 0; i < 2; i++)
		stray += atomic_load(&w->idle[i].failed);
	fprintf(stderr, "# progress s=%ld streams=%ld bytes=%ld cancels=%ld eintr=%ld lost=%ld failures=%ld\n",
		seconds, streams, bytes,
		atomic_load(&w->cancels[SC_IOCTL_CANCEL][0]) +
		atomic_load(&w->by_socket),
		eintr, atomic_load(&lost), atomic_load(&failures) + stray);
}

/*
 * The harness's own limit is a day, for the soak's hours (scripts/soak.sh);
 * the VM's timeout bounds a hang well before it.
 */
TEST_F_TIMEOUT(stress, everything_at_once, 24 * 3600)
{
	struct world *w = &self->w;
	long seconds = seconds_wanted(), start = now_ms(), end, now;
	long one_side[NPAIRS] = { 0 }, bytes = 0, epochs = 0, resets = 0;
	long eintr = 0, inject_us = number_beside_self("stress.inject_us", 300);
	long report_ms = number_beside_self("stress.report_s", 0) * 1000;
	long next_report = start + report_ms;
	int i;

	inject_delay(inject_us);
	end = start + seconds * 1000;
	for (i = 0; i < NCANCELLERS; i++)
		ASSERT_EQ(0, pthread_create(&self->cancellers[i], NULL,
					    canceller, w));
	ASSERT_EQ(0, pthread_create(&self->stop_th, NULL, stopper, w));
	ASSERT_EQ(0, pthread_create(&self->churn_th, NULL, churner, w));

	while ((now = now_ms()) < end) {
		for (i = 0; i < NPAIRS; i++) {
			struct pair *pr = &w->pairs[i];
			int d = atomic_load(&pr->done[0]) +
				atomic_load(&pr->done[1]);

			if (d == 2) {
				int ret;

				pthread_rwlock_wrlock(&w->epoch_lock);
				pair_end(pr);
				ret = pair_start(pr);
				pthread_rwlock_unlock(&w->epoch_lock);
				ASSERT_EQ(0, ret);
				one_side[i] = 0;
			} else if (d == 1 && !one_side[i]) {
				one_side[i] = now;
			} else if (d == 1 && now - one_side[i] > BOUND_MS) {
				FAIL("stream: one end stopped %ld ms ago, the other does not know",
				     now - one_side[i]);
				one_side[i] = now;
			}
		}
		for (i = 0; i < w->nz; i++)
			check_sleeper(&w->z[i], now);
		inject_delay((now - start) / 2000 % 2 ? 0 : inject_us);
		if (report_ms > 0 && now >= next_report) {
			progress(w, (now - start) / 1000);
			next_report += report_ms;
		}
		usleep(50000);
	}

	/* the last period's line, which the loop's end leaves out */
	if (report_ms > 0 && now >= next_report)
		progress(w, (now - start) / 1000);

	/* stop: cancellers first, then let the streams drain */
	atomic_store(&stop_all, 1);
	for (i = 0; i < NCANCELLERS; i++)
		pthread_join(self->cancellers[i], NULL);
	pthread_join(self->stop_th, NULL);
	pthread_join(self->churn_th, NULL);
	settle(w);
	for (i = 0; i < NPAIRS; i++) {
		struct pair *pr = &w->pairs[i];
		long deadline = now_ms() + BOUND_MS;

		while (atomic_load(&pr->done[0]) + atomic_load(&pr->done[1]) < 2 &&
		       now_ms() < deadline)
			usleep(10000);
		if (atomic_load(&pr->done[0]) + atomic_load(&pr->done[1]) < 2) {
			FAIL("stream %d did not end", i);
			continue;
		}
		pair_end(pr);
		bytes += pr->total;
		epochs += pr->epochs;
		resets += pr->resets;
	}
	/* wake the sleepers (shutdown) and join them */
	for (i = 0; i < self->nzfd; i++)
		shutdown(self->zfd[i], SHUT_RDWR);
	for (i = 0; i < 3; i++)
		pthread_join(self->zth[i], NULL);
	for (i = 0; i < 2; i++) {
		idler_stop(&w->idle[i]);
		if (atomic_load(&w->idle[i].failed)) {
			FAIL("%s failed %ld times", idler_call(&w->idle[i]),
			     atomic_load(&w->idle[i].failed));
			idler_report(&w->idle[i]);
		}
	}
	for (i = 0; i < w->nz; i++)
		eintr += atomic_load(&w->z[i].eintr);

	fprintf(stderr, "# %ld s: %ld bytes in %ld streams, %ld reset on request; CANCEL ok %ld, ENOENT %ld, ESRCH %ld; CANCEL_SOCKET cancelled %ld calls; %ld blocked calls ended by EINTR; %ld cancels of the stopped child, %ld of them overlapped by a resume\n",
		(now_ms() - start) / 1000, bytes, epochs, resets,
		atomic_load(&w->cancels[SC_IOCTL_CANCEL][0]),
		atomic_load(&w->cancels[SC_IOCTL_CANCEL][ENOENT]),
		atomic_load(&w->cancels[SC_IOCTL_CANCEL][ESRCH]),
		atomic_load(&w->by_socket), eintr,
		atomic_load(&w->child_cancels), atomic_load(&w->resume_inside));
	EXPECT_LT(0, bytes);
	EXPECT_LT(0, atomic_load(&w->cancels[SC_IOCTL_CANCEL][0]));
	EXPECT_LT(0, eintr);
	/* the stopped child's cancels were not all exempt */
	EXPECT_LT(atomic_load(&w->resume_inside),
		  atomic_load(&w->child_cancels));
	EXPECT_EQ(0, atomic_load(&failures));
}

TEST_HARNESS_MAIN
