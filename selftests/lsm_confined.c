// SPDX-License-Identifier: GPL-2.0
/*
 * The caller lsm_test's apparmor_deny_ptrace case execs, so that the
 * AppArmor profile naming this path confines it: tries what every caller
 * of lsm_test tries on the thread given as argument and writes the errnos
 * for lsm_test to read.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "toolkit/toolkit.h"
#include "toolkit/lsm_probe.h"

int main(int argc, char **argv)
{
	struct probe_result r = { 0 };
	int fd;

	if (argc != 2)
		return 2;
	probe_calls(atoi(argv[1]), false, &r);
	fd = open(CONFINED_OUT, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, &r, sizeof(r)) != sizeof(r))
		return 1;
	close(fd);
	return 0;
}
