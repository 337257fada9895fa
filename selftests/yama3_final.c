// SPDX-License-Identifier: GPL-2.0
/*
 * Yama's ptrace_scope 3: no process may ptrace another, root included, and
 * the setting cannot be lowered until the next boot. So neither may the
 * device reach another process's thread; a thread of the caller's own
 * process it still may. The guest runs programs named *_final after every
 * other program, so this one changes nothing for them.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "toolkit/toolkit.h"
#include "toolkit/lsm_probe.h"
#include "kselftest_harness.h"

TEST(yama3_no_process_reachable)
{
	struct probe p = { .caller_uid = 0, .target_uid = 0,
			   .target_is_child = true, .yama_then = 3 };
	struct probe_result *r;
	int sv[2];

	if (geteuid())
		SKIP(return, "needs root");
	if (access(YAMA_SCOPE, W_OK))
		SKIP(return, "Yama is not active in this kernel");
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	/* root, and the target its own child */
	ASSERT_TRUE(run_probe(&p, sv[0], r));
	expect_refused(_metadata, r, EPERM);
	close(sv[0]);
	close(sv[1]);
}

TEST_HARNESS_MAIN
