// SPDX-License-Identifier: GPL-2.0
/*
 * sockcancel: list and cancel blocking socket calls of threads.
 *
 *   sockcancel ps [-p PID] [--json]
 *   sockcancel query TID...
 *   sockcancel cancel [--reset-on-partial] TID...
 *   sockcancel cancel [--reset-on-partial] --pid PID --fd FD
 *   sockcancel cancel [--reset-on-partial] --pidfd PIDFD...
 *
 * Exit status: 0 when everything asked was done (cancelled, or blocked for
 * query), 1 when some thread had no blocking socket call outstanding, 2 on
 * any error. See sockcancel(1).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "libsockcancel.h"

#define EXIT_IDLE	1
#define EXIT_ERROR	2

static const char *prog = "sockcancel";

static void error_line(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sockcancel ps [-p PID] [--json]\n"
		"       sockcancel query TID...\n"
		"       sockcancel cancel [--reset-on-partial] TID...\n"
		"       sockcancel cancel [--reset-on-partial] --pid PID --fd FD\n"
		"       sockcancel cancel [--reset-on-partial] --pidfd PIDFD...\n"
		"       sockcancel --help | --version\n"
		"\n"
		"List threads blocked in a socket call, and cancel such calls\n"
		"(the call returns -1 with errno EINTR). Exit status: 0 done,\n"
		"1 nothing outstanding, 2 error. See sockcancel(1).\n");
}

/* ---- arguments ---------------------------------------------------------- */

/* A decimal number in [min, INT_MAX]; -1 (and a message) otherwise. */
static int parse_num(const char *s, int min, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > INT_MAX || isspace(*s)) {
		error_line("invalid %s '%s'", what, s);
		return -1;
	}
	return (int)v;
}

/* getopt's '?' or ':' for @cmd, as one line. */
static int bad_option(const char *cmd, int c, char **argv)
{
	if (c == ':')
		error_line("%s: option '%s' needs an argument", cmd,
			   argv[optind - 1]);
	else
		error_line("%s: invalid option '%s' (try --help)", cmd,
			   argv[optind - 1]);
	return EXIT_ERROR;
}

/* The device must open; report why it does not, once. */
static bool device_ok(void)
{
	const char *path = sockcancel_device_path();

	if (sockcancel_device_fd() >= 0)
		return true;
	switch (errno) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		error_line("%s: no such device; is the module loaded? modprobe sockcancel",
			   path);
		break;
	case EACCES:
	case EPERM:
		error_line("%s: permission denied", path);
		break;
	default:
		error_line("%s: %s", path, strerror(errno));
		break;
	}
	return false;
}

/* ---- describing a socket like ss ---------------------------------------- */

struct sockdesc {
	char proto[16];
	char local[128];
	char remote[128];
};

/* The inode of /proc/PID/fd/FD if it is a socket; 0 otherwise. */
static unsigned long socket_inode(pid_t pid, int fd)
{
	char path[64], link[64];
	unsigned long ino;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;
	link[n] = '\0';
	if (sscanf(link, "socket:[%lu]", &ino) != 1)
		return 0;
	return ino;
}

static void fmt_port(char *out, size_t len, const char *addr, unsigned int port)
{
	if (port)
		snprintf(out, len, "%s:%u", addr, port);
	else
		snprintf(out, len, "%s:*", addr);
}

/* "0100007F" (IPv4) or 32 hex digits (IPv6), as /proc/net prints them. */
static bool fmt_inet(char *out, size_t len, const char *hex, unsigned int port,
		     bool v6)
{
	char addr[INET6_ADDRSTRLEN + 2], txt[INET6_ADDRSTRLEN];
	uint32_t words[4];
	char part[9];
	int i, n = v6 ? 4 : 1;

	if (strlen(hex) != (size_t)n * 8)
		return false;
	for (i = 0; i < n; i++) {
		memcpy(part, hex + i * 8, 8);
		part[8] = '\0';
		words[i] = (uint32_t)strtoul(part, NULL, 16);
	}
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, words, txt, sizeof(txt)))
		return false;
	if (v6)
		snprintf(addr, sizeof(addr), "[%s]", txt);
	else
		snprintf(addr, sizeof(addr), "%s", txt);
	fmt_port(out, len, addr, port);
	return true;
}

/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
#define INET_LINE " %*d: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x %*s %*s %*s %*d %*d %lu"

static bool find_inet(pid_t pid, const char *table, unsigned long ino,
		      struct sockdesc *d)
{
	char path[64], line[512], lhex[40], rhex[40];
	unsigned int lport, rport, st;
	unsigned long lino;
	bool found = false, v6 = strchr(table, '6') != NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, table);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, INET_LINE, lhex, &lport, rhex, &rport, &st,
			   &lino) != 6 || lino != ino)
			continue;
		found = fmt_inet(d->local, sizeof(d->local), lhex, lport, v6) &&
			fmt_inet(d->remote, sizeof(d->remote), rhex, rport, v6);
		snprintf(d->proto, sizeof(d->proto), "%s", table);
	}
	fclose(f);
	return found;
}

static bool find_unix(pid_t pid, unsigned long ino, struct sockdesc *d)
{
	static const char *const types[] = {
		[1] = "unix_stream", [2] = "unix_dgram", [5] = "unix_seqpacket",
	};
	char path[64], line[512 + PATH_MAX];
	unsigned long lino;
	unsigned int type, st;
	bool found = false;
	int off = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/unix", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %*s %*s %x %x %lu %n", &type, &st,
			   &lino, &off) != 3 || lino != ino)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(d->proto, sizeof(d->proto), "%s",
			 type < 6 && types[type] ? types[type] : "unix");
		snprintf(d->local, sizeof(d->local), "%s",
			 line[off] ? line + off : "*");
		snprintf(d->remote, sizeof(d->remote), "*");
		found = true;
	}
	fclose(f);
	return found;
}

/* Describe fd @fd of process @pid; "-" for no socket (poll). */
static void describe(pid_t pid, int fd, struct sockdesc *d)
{
	static const char *const inet[] = { "tcp", "tcp6", "udp", "udp6" };
	unsigned long ino = fd >= 0 ? socket_inode(pid, fd) : 0;
	size_t i;

	snprintf(d->proto, sizeof(d->proto), "-");
	snprintf(d->local, sizeof(d->local), "-");
	snprintf(d->remote, sizeof(d->remote), "-");
	if (!ino)
		return;
	for (i = 0; i < sizeof(inet) / sizeof(inet[0]); i++)
		if (find_inet(pid, inet[i], ino, d))
			return;
	if (find_unix(pid, ino, d))
		return;
	snprintf(d->proto, sizeof(d->proto), "socket");
	snprintf(d->local, sizeof(d->local), "socket:[%lu]", ino);
	snprintf(d->remote, sizeof(d->remote), "*");
}

/* ---- ps ----------------------------------------------------------------- */

struct row {
	pid_t pid, tid;
	char comm[64];
	int op, fd;
	struct sockdesc sock;
};

static void read_comm(pid_t pid, pid_t tid, char *out, size_t len)
{
	char path[64];
	size_t i;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	out[0] = '\0';
	f = fopen(path, "re");
	if (f) {
		if (!fgets(out, (int)len, f))
			out[0] = '\0';
		fclose(f);
	}
	out[strcspn(out, "\n")] = '\0';
	if (!out[0])
		snprintf(out, len, "?");
	for (i = 0; out[i]; i++)
		if (!isgraph((unsigned char)out[i]))
			out[i] = '?';
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_row(const struct row *r, bool json, bool first)
{
	if (!json) {
		printf("%-7d %-7d %-15s %-7s %4d  %-14s %-24s %s\n", r->pid,
		       r->tid, r->comm, sockcancel_op_name(r->op), r->fd,
		       r->sock.proto, r->sock.local, r->sock.remote);
		return;
	}
	printf("%s\n  {\"pid\": %d, \"tid\": %d, \"comm\": ", first ? "" : ",",
	       r->pid, r->tid);
	json_str(r->comm);
	printf(", \"op\": \"%s\", \"fd\": %d, \"proto\": ",
	       sockcancel_op_name(r->op), r->fd);
	if (r->fd < 0) {
		printf("null, \"local\": null, \"remote\": null}");
		return;
	}
	json_str(r->sock.proto);
	printf(", \"local\": ");
	json_str(r->sock.local);
	printf(", \"remote\": ");
	json_str(r->sock.remote);
	putchar('}');
}

/* numeric directory entry, or 0 */
static pid_t entry_id(const struct dirent *de)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)de->d_name[0]))
		return 0;
	v = strtol(de->d_name, &end, 10);
	return *end || v <= 0 || v > INT_MAX ? 0 : (pid_t)v;
}

/* Print the blocked threads of @pid; returns how many were printed. */
static int ps_process(pid_t pid, bool json, int printed)
{
	char path[64];
	struct dirent *de;
	struct row r;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return printed;
	while ((de = readdir(d))) {
		memset(&r, 0, sizeof(r));
		r.pid = pid;
		r.tid = entry_id(de);
		/* gone, another user's, kernel threads: not shown */
		if (!r.tid || sockcancel_query(r.tid, &r.op, &r.fd) ||
		    r.op == SOCKCANCEL_OP_NONE)
			continue;
		read_comm(pid, r.tid, r.comm, sizeof(r.comm));
		describe(pid, r.fd, &r.sock);
		print_row(&r, json, printed == 0);
		printed++;
	}
	closedir(d);
	return printed;
}

static int cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	int pid = 0, c, printed = 0;
	struct dirent *de;
	char path[32];
	DIR *d;

	while ((c = getopt_long(argc, argv, "+:p:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pid = parse_num(optarg, 1, "process id");
			if (pid < 0)
				return EXIT_ERROR;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return bad_option("ps", c, argv);
		}
	}
	if (optind < argc) {
		error_line("ps: unexpected argument '%s'", argv[optind]);
		return EXIT_ERROR;
	}
	if (!device_ok())
		return EXIT_ERROR;
	if (pid) {
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		if (access(path, F_OK)) {
			error_line("%d: no such process", pid);
			return EXIT_ERROR;
		}
	}

	if (json)
		putchar('[');
	else
		printf("%-7s %-7s %-15s %-7s %4s  %-14s %-24s %s\n", "PID", "TID",
		       "COMM", "OP", "FD", "PROTO", "LOCAL", "REMOTE");
	if (pid) {
		printed = ps_process(pid, json, 0);
	} else {
		d = opendir("/proc");
		if (!d) {
			error_line("/proc: %s", strerror(errno));
			return EXIT_ERROR;
		}
		while ((de = readdir(d)))
			if (entry_id(de))
				printed = ps_process(entry_id(de), json,
						     printed);
		closedir(d);
	}
	if (json)
		printf("%s]\n", printed ? "\n" : "");
	return fflush(stdout) ? EXIT_ERROR : 0;
}

/* ---- query and cancel --------------------------------------------------- */

/* The process a thread belongs to (Tgid in /proc/TID/status), or @tid. */
static pid_t thread_pid(pid_t tid)
{
	char path[64], line[128];
	int tgid = tid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return tid;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

/*
 * One line for a failed ioctl on the thread @who names ("1234", "pidfd
 * 3"); returns the exit status.
 */
static int report(const char *who, int err)
{
	switch (err) {
	case ENOENT:
		error_line("%s: no blocking socket call outstanding", who);
		return EXIT_IDLE;
	case ESRCH:
		error_line("%s: no such thread", who);
		break;
	case EAGAIN:
		error_line("%s: kept running inside its call; nothing was done, try again",
			   who);
		break;
	case EPERM:
		error_line("%s: permission denied (the kernel's ptrace check)",
			   who);
		break;
	case EACCES:
		error_line("%s: permission cannot be checked: no procfs at /proc",
			   who);
		break;
	case EINVAL:
		error_line("%s: not a user thread", who);
		break;
	case EBADF:
		error_line("%s: not a pidfd", who);
		break;
	default:
		error_line("%s: %s", who, strerror(err));
		break;
	}
	return EXIT_ERROR;
}

static int report_errno(pid_t tid, int err)
{
	char who[16];

	snprintf(who, sizeof(who), "%d", tid);
	return report(who, err);
}

static int max_status(int a, int b)
{
	return a > b ? a : b;
}

static int cmd_query(int argc, char **argv)
{
	int i, tid, op, fd, status = 0;
	struct sockdesc d;

	if (argc < 2) {
		error_line("query: missing thread id");
		return EXIT_ERROR;
	}
	for (i = 1; i < argc; i++)
		if (parse_num(argv[i], 1, "thread id") < 0)
			return EXIT_ERROR;
	if (!device_ok())
		return EXIT_ERROR;
	for (i = 1; i < argc; i++) {
		tid = parse_num(argv[i], 1, "thread id");
		if (sockcancel_query(tid, &op, &fd)) {
			status = max_status(status, report_errno(tid, errno));
			continue;
		}
		if (op == SOCKCANCEL_OP_NONE) {
			printf("%d none\n", tid);
			status = max_status(status, EXIT_IDLE);
			continue;
		}
		describe(thread_pid(tid), fd, &d);
		printf("%d %s %d %s %s %s\n", tid, sockcancel_op_name(op), fd,
		       d.proto, d.local, d.remote);
	}
	return status;
}

static int cancel_tid(pid_t tid, unsigned int flags)
{
	int op, fd;

	if (sockcancel_cancel(tid, flags, &op, &fd))
		return report_errno(tid, errno);
	if (fd >= 0)
		printf("%d: cancelled %s on fd %d\n", tid,
		       sockcancel_op_name(op), fd);
	else
		printf("%d: cancelled %s\n", tid, sockcancel_op_name(op));
	return 0;
}

/*
 * A pidfd naming thread @tid of process @pid, or -1 with errno. The id may
 * have gone to a thread of another process since @pid's task directory
 * listed it: once the pidfd holds a thread, @tid still listed there proves
 * the thread is @pid's (the id of a live thread is no one else's), or that
 * the pidfd's thread has exited (then its ioctls fail with ESRCH).
 */
static int thread_pidfd(pid_t pid, pid_t tid)
{
	int pidfd = sockcancel_pidfd_open(tid);
	char path[64];

	if (pidfd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/task/%d", pid, tid);
	if (access(path, F_OK)) {
		close(pidfd);
		errno = ESRCH;
		return -1;
	}
	return pidfd;
}

/*
 * Thread @tid of @pid blocked on socket inode @ino: cancel that call.
 * Through a pidfd, which the query and the cancel share, so the cancel
 * cannot reach another thread that took the id in between; by the id
 * where the kernel has no pidfd for the thread (before Linux 6.9 only a
 * main thread has one). 1 when it cancelled, 0 when not blocked on the
 * socket or gone, or the exit status of a failure.
 */
static int cancel_on_socket(pid_t pid, pid_t tid, int fd, unsigned long ino,
			    unsigned int flags)
{
	int pidfd = thread_pidfd(pid, tid), op, tfd, cop, cfd, ret;

	if (pidfd < 0 && errno != EINVAL)
		return 0;
	ret = pidfd >= 0 ? sockcancel_query_pidfd(pidfd, &op, &tfd) :
			   sockcancel_query(tid, &op, &tfd);
	if (ret || op == SOCKCANCEL_OP_NONE || tfd < 0 ||
	    (tfd != fd && socket_inode(pid, tfd) != ino)) {
		ret = 0;
	} else if (pidfd >= 0 ? sockcancel_cancel_pidfd(pidfd, flags, &cop, &cfd) :
		   sockcancel_cancel(tid, flags, &cop, &cfd)) {
		/* ENOENT: it just returned; ESRCH: it just exited */
		ret = errno == ENOENT || errno == ESRCH ? 0 :
			report_errno(tid, errno);
	} else {
		if (cop != op || cfd != tfd)
			error_line("%d: moved on; cancelled %s on fd %d instead",
				   tid, sockcancel_op_name(cop), cfd);
		else
			printf("%d: cancelled %s on fd %d\n", tid,
			       sockcancel_op_name(cop), cfd);
		ret = 1;
	}
	if (pidfd >= 0)
		close(pidfd);
	return ret;
}

/*
 * Every call of process @pid on the socket behind its fd @fd. The module's
 * CANCEL_SOCKET works on the caller's own process only, so: query each
 * thread and cancel those blocked on an fd that is the same socket (same
 * inode). A thread that moves to another call between the query and the
 * cancel gets that call cancelled instead (reported); a poll or select
 * watching the socket is not found (the module does not say which fds a
 * poll watches).
 */
static int cancel_socket_of(pid_t pid, int fd, unsigned int flags)
{
	unsigned long ino = socket_inode(pid, fd);
	int count = 0, status = 0, ret;
	char path[64];
	struct dirent *de;
	pid_t tid;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d) {
		error_line("%d: no such process", pid);
		return EXIT_ERROR;
	}
	if (!ino) {
		closedir(d);
		error_line("%d: fd %d: no such socket", pid, fd);
		return EXIT_ERROR;
	}
	while ((de = readdir(d))) {
		tid = entry_id(de);
		if (!tid)
			continue;
		ret = cancel_on_socket(pid, tid, fd, ino, flags);
		if (ret == 1)
			count++;
		else
			status = max_status(status, ret);
	}
	closedir(d);
	if (status)
		return status;
	if (!count) {
		error_line("%d: fd %d: no blocking socket call outstanding",
			   pid, fd);
		return EXIT_IDLE;
	}
	return 0;
}

/* The thread of pidfd @pidfd, which the caller gave this command. */
static int cancel_pidfd(int pidfd, unsigned int flags)
{
	char who[24];
	int op, fd;

	snprintf(who, sizeof(who), "pidfd %d", pidfd);
	if (sockcancel_cancel_pidfd(pidfd, flags, &op, &fd))
		return report(who, errno);
	if (fd >= 0)
		printf("%s: cancelled %s on fd %d\n", who,
		       sockcancel_op_name(op), fd);
	else
		printf("%s: cancelled %s\n", who, sockcancel_op_name(op));
	return 0;
}

static int cmd_cancel(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reset-on-partial", no_argument, NULL, 'r' },
		{ "pid", required_argument, NULL, 'p' },
		{ "fd", required_argument, NULL, 'f' },
		{ "pidfd", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int pid = 0, fd = -1, c, i, status = 0;
	bool pidfds = false;
	unsigned int flags = 0;

	while ((c = getopt_long(argc, argv, "+:rp:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			flags |= SOCKCANCEL_RESET_ON_PARTIAL;
			break;
		case 'p':
			pid = parse_num(optarg, 1, "process id");
			if (pid < 0)
				return EXIT_ERROR;
			break;
		case 'f':
			fd = parse_num(optarg, 0, "file descriptor");
			if (fd < 0)
				return EXIT_ERROR;
			break;
		case 'P':
			pidfds = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return bad_option("cancel", c, argv);
		}
	}
	if ((pid > 0) != (fd >= 0)) {
		error_line("cancel: --pid and --fd go together");
		return EXIT_ERROR;
	}
	if (pid > 0 && (optind < argc || pidfds)) {
		error_line("cancel: --pid/--fd take no thread ids and no --pidfd");
		return EXIT_ERROR;
	}
	if (pid == 0 && optind == argc) {
		error_line("cancel: missing %s", pidfds ? "pidfd" : "thread id");
		return EXIT_ERROR;
	}
	for (i = optind; i < argc; i++)
		if (parse_num(argv[i], pidfds ? 0 : 1,
			      pidfds ? "pidfd" : "thread id") < 0)
			return EXIT_ERROR;
	if (!device_ok())
		return EXIT_ERROR;
	if (pid > 0)
		return cancel_socket_of(pid, fd, flags);
	for (i = optind; i < argc; i++)
		status = max_status(status, pidfds ?
				    cancel_pidfd(parse_num(argv[i], 0, "pidfd"),
						 flags) :
				    cancel_tid(parse_num(argv[i], 1, "tid"),
					       flags));
	return status;
}

int main(int argc, char **argv)
{
	opterr = 0;
	if (argc < 2) {
		error_line("missing command (try --help)");
		return EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("sockcancel %s\n", SOCKCANCEL_LIB_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "ps"))
		return cmd_ps(argc - 1, argv + 1);
	if (!strcmp(argv[1], "query"))
		return cmd_query(argc - 1, argv + 1);
	if (!strcmp(argv[1], "cancel"))
		return cmd_cancel(argc - 1, argv + 1);
	error_line("unknown command '%s' (try --help)", argv[1]);
	return EXIT_ERROR;
}
