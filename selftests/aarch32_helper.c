// SPDX-License-Identifier: GPL-2.0
/*
 * The 32-bit ARM program aarch32_test runs on arm64: blocks in recvfrom on
 * fd 3 (a stream socket it inherits) and exits 0 once it receives a byte.
 * Built with a 32-bit ARM compiler, static; no test harness.
 */
#include <unistd.h>
#include <sys/syscall.h>

int main(void)
{
	char b;

	return syscall(SYS_recvfrom, 3, &b, 1, 0, NULL, NULL) == 1 ? 0 : 1;
}
