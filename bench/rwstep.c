// SPDX-License-Identifier: GPL-2.0
/*
 * rwstep: the guest side of counting, exactly, the instructions of one
 * write(), poll(), read(), send() and recv() on a socket (bench/rwstep.py,
 * bench/README.md). Prints the addresses of their system calls (the
 * kernel is booted with nokaslr), warms the path up, waits for the
 * debugger, then makes three rounds of the five calls, sending on fd 100
 * and receiving on fd 101, which nothing else uses; the poll(), of fd 101
 * with a byte to read, has a timeout nothing else uses (POLL_MARK ms).
 * It waits by running, not sleeping: under the guest clock that counts
 * instructions (scripts/vm.sh -c) a sleep takes no time on the host.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WRITE_FD 100
#define READ_FD 101
#define POLL_MARK 4242
#define NSYMS 5

static int print_symbols(void)
{
	char line[256], name[128];
	unsigned long long addr;
	char type;
	int found = 0;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %127s", &addr, &type, name) != 3)
			continue;
		if (strcmp(name, "__x64_sys_write") &&
		    strcmp(name, "__x64_sys_read") &&
		    strcmp(name, "__x64_sys_poll") &&
		    strcmp(name, "__x64_sys_sendto") &&
		    strcmp(name, "__x64_sys_recvfrom"))
			continue;
		printf("@@rwstep sym %llx %s\n", addr, name);
		found++;
	}
	fclose(f);
	return found == NSYMS ? 0 : -1;
}

/* about a second of the host's time under emulation */
static void spin(void)
{
	volatile unsigned long i;

	for (i = 0; i < 200000000UL; i++)
		;
}

static int round_trip(void)
{
	struct pollfd pfd = { .fd = READ_FD, .events = POLLIN };
	char c = 'x';

	if (write(WRITE_FD, &c, 1) != 1 || poll(&pfd, 1, POLL_MARK) != 1 ||
	    read(READ_FD, &c, 1) != 1 ||
	    send(WRITE_FD, &c, 1, 0) != 1 || recv(READ_FD, &c, 1, 0) != 1)
		return -1;
	return 0;
}

int main(void)
{
	int sv[2], i;

	if (print_symbols()) {
		printf("@@rwstep no symbols (root, kptr_restrict 0?)\n");
		return 1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
	    dup2(sv[0], WRITE_FD) < 0 || dup2(sv[1], READ_FD) < 0)
		return 1;
	for (i = 0; i < 1000; i++)
		if (round_trip())
			return 1;
	printf("@@rwstep ready\n");
	fflush(stdout);
	spin();
	for (i = 0; i < 3; i++)
		if (round_trip())
			return 1;
	printf("ok 1 rwstep\n");
	return 0;
}
