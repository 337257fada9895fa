// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel decides who may cancel or query a thread of another process:
 * ptrace's attach check with every security module. Each case runs a
 * caller process that tries, on one target thread blocked in recv,
 *
 *   - reading /proc/PID/syscall (the kernel's own ptrace check),
 *   - SOCKCANCEL_IOC_QUERY,
 *   - ptrace(PTRACE_SEIZE) (the same check as PTRACE_ATTACH, without
 *     stopping the target),
 *   - SOCKCANCEL_IOC_CANCEL,
 *
 * and expects the device to agree with ptrace and procfs: all allowed (the
 * target's recv then ends with EINTR) or all refused (the target stays
 * blocked). Cases: Yama's ptrace_scope 1 (a sibling refused, a descendant
 * and a process named by PR_SET_PTRACER allowed) and 2 (CAP_SYS_PTRACE
 * only), AppArmor's "deny ptrace" (a profile compiled at build time, loaded
 * here), a caller whose /proc is mounted with hidepid=2, a
 * caller without /proc (the kernel cannot be asked: EACCES, while ptrace
 * still works). Yama's scope 3 cannot be undone: yama3_final runs it after
 * every other program. Runs as root and drops to uids.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>

#include "toolkit/toolkit.h"
#include "toolkit/lsm_probe.h"
#include "kselftest_harness.h"

FIXTURE(lsm) {
	int sv[2];
	struct probe_result *r;
};

FIXTURE_SETUP(lsm)
{
	if (geteuid())
		SKIP(return, "needs root to switch uids");
	if (access(YAMA_SCOPE, W_OK))
		SKIP(return, "Yama is not active in this kernel");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, self->sv));
	self->r = mmap(NULL, sizeof(*self->r), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->r);
}

FIXTURE_TEARDOWN(lsm)
{
	if (_metadata->skip)
		return;
	set_yama(0);
	close(self->sv[0]);
	close(self->sv[1]);
	munmap(self->r, sizeof(*self->r));
}

TEST_F(lsm, yama1_sibling_refused)
{
	struct probe p = { .caller_uid = 1000, .target_uid = 1000 };

	if (_metadata->skip)
		return;
	ASSERT_TRUE(set_yama(1));
	ASSERT_TRUE(run_probe(&p, self->sv[0], self->r));
	expect_refused(_metadata, self->r, EPERM);
}

TEST_F(lsm, yama1_descendant_allowed)
{
	struct probe p = { .caller_uid = 1000, .target_uid = 1000,
			   .target_is_child = true };

	if (_metadata->skip)
		return;
	ASSERT_TRUE(set_yama(1));
	ASSERT_TRUE(run_probe(&p, self->sv[0], self->r));
	expect_allowed(_metadata, self->r);
}

TEST_F(lsm, yama1_named_ptracer_allowed)
{
	struct probe p = { .caller_uid = 1000, .target_uid = 1000,
			   .target_names_caller = true };

	if (_metadata->skip)
		return;
	ASSERT_TRUE(set_yama(1));
	ASSERT_TRUE(run_probe(&p, self->sv[0], self->r));
	expect_allowed(_metadata, self->r);
}

/* A refusal is logged as Yama logs a refused ptrace: with the caller. */
TEST_F(lsm, yama1_refusal_logged)
{
	struct probe p = { .caller_uid = 1000, .target_uid = 1000,
			   .cancel_only = true };
	char line[160];
	int kmsg;

	if (_metadata->skip)
		return;
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, lseek(kmsg, 0, SEEK_END) < 0);
	ASSERT_TRUE(set_yama(1));
	ASSERT_TRUE(run_probe(&p, self->sv[0], self->r));
	EXPECT_EQ(EPERM, self->r->cancel_err);
	/* "ptrace attach of "CMD"[TARGET] was attempted by "CMD"[CALLER]" */
	snprintf(line, sizeof(line), "\"[%d] was attempted by \"", self->r->tpid);
	EXPECT_TRUE(kmsg_has(kmsg, line, self->r->caller))
		TH_LOG("no ptrace attach of %d by %d logged", self->r->tpid,
		       self->r->caller);
	close(kmsg);
}

TEST_F(lsm, yama2_capability_only)
{
	struct probe user = { .caller_uid = 1000, .target_uid = 1000,
			      .target_is_child = true };
	struct probe root = { .caller_uid = 0, .target_uid = 1000 };

	if (_metadata->skip)
		return;
	ASSERT_TRUE(set_yama(2));
	/* even its own child, without CAP_SYS_PTRACE */
	ASSERT_TRUE(run_probe(&user, self->sv[0], self->r));
	expect_refused(_metadata, self->r, EPERM);
	ASSERT_TRUE(run_probe(&root, self->sv[0], self->r));
	expect_allowed(_metadata, self->r);
}

TEST_F(lsm, hidepid2)
{
	struct probe same = { .caller_uid = 1000, .target_uid = 1000,
			      .proc = PROC_HIDEPID2 };
	struct probe other = { .caller_uid = 1000, .target_uid = 1001,
			       .proc = PROC_HIDEPID2 };

	if (_metadata->skip)
		return;
	ASSERT_TRUE(run_probe(&same, self->sv[0], self->r));
	expect_allowed(_metadata, self->r);
	ASSERT_TRUE(run_probe(&other, self->sv[0], self->r));
	expect_refused(_metadata, self->r, EPERM);
}

/*
 * Without a procfs at /proc the kernel cannot be asked: a request for
 * another process fails closed with EACCES, though ptrace would allow it;
 * the caller's own threads stay within reach.
 */
TEST_F(lsm, no_proc_fails_closed)
{
	struct probe p = { .caller_uid = 0, .target_uid = 1000,
			   .proc = PROC_NONE };

	if (_metadata->skip)
		return;
	ASSERT_TRUE(run_probe(&p, self->sv[0], self->r));
	EXPECT_EQ(0, self->r->ptrace_err);
	EXPECT_EQ(EACCES, self->r->query_err);
	EXPECT_EQ(EACCES, self->r->cancel_err);
	EXPECT_EQ(PROBE_STILL_BLOCKED, self->r->target);
	EXPECT_EQ(0, self->r->own_thread_err);
}

#define SECURITYFS	"/sys/kernel/security"
#define AA_LOAD		SECURITYFS "/apparmor/.load"
#define AA_POLICY	"/tests/lsm_confined.aa"

/* Loads the profile confining CONFINED; false where AppArmor is off. */
static bool load_apparmor(void)
{
	static char policy[65536];
	int fd, n, ok;

	if (access(AA_LOAD, F_OK))
		mount("none", SECURITYFS, "securityfs", 0, NULL);
	fd = open(AA_POLICY, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, policy, sizeof(policy));
	close(fd);
	fd = open(AA_LOAD, O_WRONLY);
	if (n <= 0 || fd < 0)
		return false;
	ok = write(fd, policy, n) == n;
	close(fd);
	return ok;
}

/*
 * AppArmor: a caller confined by a profile with "deny ptrace," (attached
 * at exec of /tests/lsm_confined) is refused as ptrace is.
 */
TEST_F(lsm, apparmor_deny_ptrace)
{
	struct probe p = { .caller_uid = 0, .target_uid = 1000,
			   .exec_confined = true };

	if (_metadata->skip)
		return;
	if (!load_apparmor())
		SKIP(return, "AppArmor is not active in this kernel");
	ASSERT_TRUE(run_probe(&p, self->sv[0], self->r));
	expect_refused(_metadata, self->r, EACCES);
}

TEST_HARNESS_MAIN
