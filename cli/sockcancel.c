// SPDX-License-Identifier: GPL-2.0
/*
 * sockcancel: list and cancel blocking socket calls of threads.
 *
 *   sockcancel ps [-p PID] [--port PORT] [--state STATE] [--json]
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
#include <fcntl.h>
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
		"usage: sockcancel ps [-p PID] [--port PORT] [--state STATE] [--json]\n"
		"       sockcancel query TID...\n"
		"       sockcancel cancel [--reset-on-partial] TID...\n"
		"       sockcancel cancel [--reset-on-partial] --pid PID --fd FD\n"
		"       sockcancel cancel [--reset-on-partial] --pidfd PIDFD...\n"
		"       sockcancel --help | --version\n"
		"\n"
		"List threads blocked in a socket call, and cancel such calls\n"
		"(the call returns -1 with errno EINTR). Exit status: 0 done,\n"
		"1 nothing outstanding, 2 error. See sockcancel(1).\n"
		"\n"
		"ps options:\n"
		"  -p, --pid PID    only the threads of process PID\n"
		"  --port PORT      only calls on a TCP or UDP socket with PORT\n"
		"                   as its local or remote port\n"
		"  --state STATE    only calls on a socket in STATE: listening,\n"
		"                   established, unconnected, syn-sent, syn-recv,\n"
		"                   fin-wait-1, fin-wait-2, time-wait, closed,\n"
		"                   close-wait, last-ack, closing\n"
		"  --json           a JSON array instead of the table\n");
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

/*
 * A socket is described from the socket tables of its process's network
 * namespace, /proc/PID/net/{tcp,tcp6,udp,udp6,unix}. Each table is read
 * at most once per namespace (twice with the refresh in sock_lookup())
 * into a hash by inode, so that ps is linear in threads and sockets
 * instead of reading every table again for every socket.
 *
 * Why /proc/PID/net and not NETLINK_SOCK_DIAG: a sock_diag dump shows the
 * network namespace the netlink socket was made in, the command's own. A
 * socket in another namespace (a container's) would need setns() into
 * it, which takes CAP_SYS_ADMIN over that namespace, and ps must work
 * unprivileged on one's own processes. /proc/PID/net is the namespace of
 * process PID, readable without privilege, and it is what ps read before,
 * so the descriptions do not change. Namespaces are told apart by the
 * inode of /proc/PID/ns/net.
 *
 * The tables are a snapshot, as ss's dump is: a socket made after its
 * table was read is found by the one refresh; after that it is shown as
 * "socket:[INODE]".
 */
struct sockdesc {
	char proto[16];
	char local[128];
	char remote[128];
	int lport, rport;	/* inet: the ports; -1 otherwise */
	const char *state;	/* a name of states[], or NULL */
};

enum { T_TCP, T_TCP6, T_UDP, T_UDP6, T_UNIX, T_N };
#define T_ALL	((1u << T_N) - 1)

static const char *const table_names[T_N] = {
	"tcp", "tcp6", "udp", "udp6", "unix",
};

/* the names --state takes; TCP's state numbers index the first twelve */
static const char *const states[] = {
	[0] = "unconnected", [1] = "established", [2] = "syn-sent",
	[3] = "syn-recv", [4] = "fin-wait-1", [5] = "fin-wait-2",
	[6] = "time-wait", [7] = "closed", [8] = "close-wait",
	[9] = "last-ack", [10] = "listening", [11] = "closing",
};
#define N_STATES	(sizeof(states) / sizeof(states[0]))
#define TCP_CLOSED	7

/* the st column of /proc/net/unix (socket_state) and __SO_ACCEPTCON */
#define UNIX_UNCONNECTED	1
#define UNIX_CONNECTING		2
#define UNIX_CONNECTED		3
#define UNIX_DISCONNECTING	4
#define UNIX_ACCEPTCON		0x10000

struct sockent {
	unsigned long ino;
	unsigned int next;	/* index + 1 of the next entry in the bucket */
	unsigned char table;	/* T_* */
	unsigned char st;	/* the st column */
	unsigned short type;	/* unix: SOCK_* */
	unsigned int flags;	/* unix: the flags column */
	uint16_t lport, rport;
	uint32_t laddr[4], raddr[4];	/* as read from the hex of /proc */
	char *path;		/* unix: the bound path, or NULL */
};

struct netns {
	struct netns *next;
	unsigned long id;	/* inode of /proc/PID/ns/net */
	unsigned int loaded;	/* bit 1 << T_*: that table was read */
	bool refreshed;
	struct sockent *ent;
	size_t n, cap;
	unsigned int *bucket;	/* index + 1 of a bucket's first entry */
	size_t nbucket;		/* a power of 2, or 0 */
};

static struct netns *namespaces;

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

static size_t ino_hash(unsigned long ino, size_t nbucket)
{
	return (size_t)(((uint64_t)ino * 0x9e3779b97f4a7c15ull) >> 32) &
	       (nbucket - 1);
}

static struct sockent *ns_find(const struct netns *ns, unsigned long ino)
{
	unsigned int i;

	if (!ns->nbucket)
		return NULL;
	for (i = ns->bucket[ino_hash(ino, ns->nbucket)]; i;
	     i = ns->ent[i - 1].next)
		if (ns->ent[i - 1].ino == ino)
			return &ns->ent[i - 1];
	return NULL;
}

/* Room for one more entry (buckets grow with the entries); false: ENOMEM. */
static bool ns_grow(struct netns *ns)
{
	struct sockent *ent;
	unsigned int *bucket;
	size_t cap, i, h;

	if (ns->n < ns->cap)
		return true;
	cap = ns->cap ? ns->cap * 2 : 256;
	if (cap > UINT_MAX / 2)
		return false;
	ent = realloc(ns->ent, cap * sizeof(*ent));
	if (!ent)
		return false;
	ns->ent = ent;
	bucket = calloc(cap, sizeof(*bucket));
	if (!bucket)
		return false;
	ns->cap = cap;
	for (i = 0; i < ns->n; i++) {
		h = ino_hash(ent[i].ino, cap);
		ent[i].next = bucket[h];
		bucket[h] = (unsigned int)i + 1;
	}
	free(ns->bucket);
	ns->bucket = bucket;
	ns->nbucket = cap;
	return true;
}

/* Add a copy of @e unless its inode is there already; false: not added. */
static bool ns_add(struct netns *ns, const struct sockent *e)
{
	size_t h;

	if (!e->ino || ns_find(ns, e->ino) || !ns_grow(ns))
		return false;
	h = ino_hash(e->ino, ns->nbucket);
	ns->ent[ns->n] = *e;
	ns->ent[ns->n].next = ns->bucket[h];
	ns->n++;
	ns->bucket[h] = (unsigned int)ns->n;
	return true;
}

static void ns_clear(struct netns *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		free(ns->ent[i].path);
	ns->n = 0;
	ns->loaded = 0;
	if (ns->nbucket)
		memset(ns->bucket, 0, ns->nbucket * sizeof(*ns->bucket));
}

/*
 * Split @line at blanks into at most @max fields; *@rest (if not NULL)
 * is what follows the last field taken. Returns the number of fields.
 */
static int split(char *line, char **f, int max, char **rest)
{
	int n = 0;

	while (n < max) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '\n')
			break;
		f[n++] = line;
		line += strcspn(line, " \t\n");
		if (*line)
			*line++ = '\0';
	}
	if (rest)
		*rest = line;
	return n;
}

static bool parse_ul(const char *s, int base, unsigned long *v)
{
	char *end;

	if (!isxdigit((unsigned char)*s))
		return false;
	errno = 0;
	*v = strtoul(s, &end, base);
	return !*end && !errno;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * "0100007F:1F90" (IPv4) or 32 hex digits and a port (IPv6), as
 * /proc/net prints them: each 8 digits a 32-bit word of the address in
 * the kernel's memory order, read back here the same way.
 */
static bool parse_addr(char *s, bool v6, uint32_t *words, uint16_t *port)
{
	size_t len = v6 ? 32 : 8, i;
	uint32_t w = 0;
	unsigned long p;
	int x;

	if (strlen(s) <= len || s[len] != ':' ||
	    !parse_ul(s + len + 1, 16, &p) || p > 65535)
		return false;
	for (i = 0; i < len; i++) {
		x = hexval(s[i]);
		if (x < 0)
			return false;
		w = w << 4 | (uint32_t)x;
		if (i % 8 == 7) {
			words[i / 8] = w;
			w = 0;
		}
	}
	*port = (uint16_t)p;
	return true;
}

/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode ... */
static bool parse_inet(char *line, bool v6, struct sockent *e)
{
	unsigned long st, ino;
	char *f[10];

	if (split(line, f, 10, NULL) != 10 ||
	    !parse_addr(f[1], v6, e->laddr, &e->lport) ||
	    !parse_addr(f[2], v6, e->raddr, &e->rport) ||
	    !parse_ul(f[3], 16, &st) || st > 255 ||
	    !parse_ul(f[9], 10, &ino))
		return false;
	e->st = (unsigned char)st;
	e->ino = ino;
	return true;
}

/* Num RefCount Protocol Flags Type St Inode [Path] */
static bool parse_unix(char *line, struct sockent *e)
{
	unsigned long flags, type, st, ino;
	char *f[7], *rest;

	if (split(line, f, 7, &rest) != 7 || !parse_ul(f[3], 16, &flags) ||
	    !parse_ul(f[4], 16, &type) || type > 0xffff ||
	    !parse_ul(f[5], 16, &st) || st > 255 || !parse_ul(f[6], 10, &ino))
		return false;
	rest += strspn(rest, " \t\n");
	rest[strcspn(rest, "\n")] = '\0';
	e->path = NULL;
	if (*rest) {
		e->path = strdup(rest);
		if (!e->path)
			return false;
	}
	e->flags = (unsigned int)flags;
	e->type = (unsigned short)type;
	e->st = (unsigned char)st;
	e->ino = ino;
	return true;
}

/*
 * Read table @t of @ns through /proc/@pid/net. A table that does not
 * exist (no IPv6) counts as read, empty; one that did not open for
 * another reason (@pid is gone, permission) is left for another process
 * of the namespace to read, which costs this lookup one open.
 */
static void ns_load(struct netns *ns, pid_t pid, int t)
{
	bool v6 = t == T_TCP6 || t == T_UDP6;
	char path[64], *line = NULL;
	struct sockent e;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, table_names[t]);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT) {
			snprintf(path, sizeof(path), "/proc/%d/net", pid);
			if (!access(path, F_OK))
				ns->loaded |= 1u << t;
		}
		return;
	}
	/* fewer reads: the kernel formats a table a buffer at a time */
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	while (getline(&line, &cap, f) > 0) {
		memset(&e, 0, sizeof(e));
		e.table = (unsigned char)t;
		if (!(t == T_UNIX ? parse_unix(line, &e) :
				    parse_inet(line, v6, &e)))
			continue;
		if (!ns_add(ns, &e))
			free(e.path);
	}
	free(line);
	fclose(f);
	/*
	 * read, even if cut short: reading it again for each socket would be
	 * the quadratic cost this cache is here to avoid
	 */
	ns->loaded |= 1u << t;
}

/* The namespace of @pid's sockets, NULL when not known. */
static struct netns *netns_of(pid_t pid)
{
	char path[64], link[64];
	unsigned long id;
	struct netns *ns;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return NULL;
	link[n] = '\0';
	if (sscanf(link, "net:[%lu]", &id) != 1)
		return NULL;
	for (ns = namespaces; ns; ns = ns->next)
		if (ns->id == id)
			return ns;
	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return NULL;
	ns->id = id;
	ns->next = namespaces;
	namespaces = ns;
	return ns;
}

/*
 * The entry of socket @ino in @ns, reading the tables that were not read
 * yet through /proc/@pid/net, in the order tcp, tcp6, udp, udp6, unix; once
 * all were read, a miss reads them all again, once per namespace.
 */
static const struct sockent *sock_lookup(struct netns *ns, pid_t pid,
					 unsigned long ino)
{
	const struct sockent *e = NULL;
	int pass, t;

	for (pass = 0; pass < 2; pass++) {
		e = ns_find(ns, ino);
		for (t = 0; !e && t < T_N; t++) {
			if (ns->loaded & 1u << t)
				continue;
			ns_load(ns, pid, t);
			e = ns_find(ns, ino);
		}
		if (e || ns->refreshed || ns->loaded != T_ALL)
			break;
		ns_clear(ns);
		ns->refreshed = true;
	}
	return e;
}

static void fmt_port(char *out, size_t len, const char *addr, unsigned int port)
{
	if (port)
		snprintf(out, len, "%s:%u", addr, port);
	else
		snprintf(out, len, "%s:*", addr);
}

static void fmt_inet(char *out, size_t len, const uint32_t *words,
		     unsigned int port, bool v6)
{
	char addr[INET6_ADDRSTRLEN + 2], txt[INET6_ADDRSTRLEN];

	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, words, txt, sizeof(txt)))
		snprintf(txt, sizeof(txt), "?");
	if (v6)
		snprintf(addr, sizeof(addr), "[%s]", txt);
	else
		snprintf(addr, sizeof(addr), "%s", txt);
	fmt_port(out, len, addr, port);
}

static void fmt_entry(const struct sockent *e, struct sockdesc *d)
{
	static const char *const types[] = {
		[1] = "unix_stream", [2] = "unix_dgram", [5] = "unix_seqpacket",
	};
	bool v6 = e->table == T_TCP6 || e->table == T_UDP6;

	if (e->table == T_UNIX) {
		snprintf(d->proto, sizeof(d->proto), "%s",
			 e->type < 6 && types[e->type] ? types[e->type] :
							 "unix");
		snprintf(d->local, sizeof(d->local), "%s",
			 e->path ? e->path : "*");
		snprintf(d->remote, sizeof(d->remote), "*");
		if (e->flags & UNIX_ACCEPTCON)
			d->state = states[10];
		else if (e->st == UNIX_UNCONNECTED)
			d->state = states[0];
		else if (e->st == UNIX_CONNECTING)
			d->state = states[2];
		else if (e->st == UNIX_CONNECTED)
			d->state = states[1];
		else if (e->st == UNIX_DISCONNECTING)
			d->state = states[11];
		return;
	}
	snprintf(d->proto, sizeof(d->proto), "%s", table_names[e->table]);
	fmt_inet(d->local, sizeof(d->local), e->laddr, e->lport, v6);
	fmt_inet(d->remote, sizeof(d->remote), e->raddr, e->rport, v6);
	d->lport = e->lport;
	d->rport = e->rport;
	if ((e->table == T_UDP || e->table == T_UDP6) && e->st == TCP_CLOSED)
		d->state = states[0];
	else if (e->st > 0 && e->st < N_STATES)
		d->state = states[e->st];
}

/*
 * A process whose sockets are described: its namespace looked up once,
 * and its /proc/PID/fd open (fd_dir, -1 before, -2 if it did not open), so
 * that each socket costs a readlinkat() of one path component.
 */
struct proc {
	pid_t pid;
	bool looked;
	struct netns *ns;
	int fd_dir;
};

static void proc_init(struct proc *p, pid_t pid)
{
	p->pid = pid;
	p->looked = false;
	p->ns = NULL;
	p->fd_dir = -1;
}

static void proc_done(struct proc *p)
{
	if (p->fd_dir >= 0)
		close(p->fd_dir);
	p->fd_dir = -1;
}

/* socket_inode(), through the open /proc/PID/fd of @p where it can. */
static unsigned long proc_socket_inode(struct proc *p, int fd)
{
	char path[32], link[64];
	unsigned long ino;
	ssize_t n;

	if (p->fd_dir == -1) {
		snprintf(path, sizeof(path), "/proc/%d/fd", p->pid);
		p->fd_dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (p->fd_dir < 0)
			p->fd_dir = -2;
	}
	if (p->fd_dir < 0)
		return socket_inode(p->pid, fd);
	snprintf(path, sizeof(path), "%d", fd);
	n = readlinkat(p->fd_dir, path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;
	link[n] = '\0';
	if (strncmp(link, "socket:[", 8) || sscanf(link + 8, "%lu]", &ino) != 1)
		return 0;
	return ino;
}

/* Describe fd @fd of process @p; "-" for no socket (poll). */
static void describe(struct proc *p, int fd, struct sockdesc *d)
{
	unsigned long ino = fd >= 0 ? proc_socket_inode(p, fd) : 0;
	struct netns tmp = { .refreshed = true };
	const struct sockent *e;

	snprintf(d->proto, sizeof(d->proto), "-");
	snprintf(d->local, sizeof(d->local), "-");
	snprintf(d->remote, sizeof(d->remote), "-");
	d->lport = d->rport = -1;
	d->state = NULL;
	if (!ino)
		return;
	if (!p->looked) {
		p->ns = netns_of(p->pid);
		p->looked = true;
	}
	/* namespace unknown: tables of its own, for this socket only */
	e = sock_lookup(p->ns ? p->ns : &tmp, p->pid, ino);
	if (e) {
		fmt_entry(e, d);
	} else {
		snprintf(d->proto, sizeof(d->proto), "socket");
		snprintf(d->local, sizeof(d->local), "socket:[%lu]", ino);
		snprintf(d->remote, sizeof(d->remote), "*");
	}
	ns_clear(&tmp);
	free(tmp.ent);
	free(tmp.bucket);
}

/* ---- ps ----------------------------------------------------------------- */

struct row {
	pid_t pid, tid;
	char comm[64];
	int op, fd;
	struct sockdesc sock;
};

/* The name of thread @tid, from comm in @task_dir (/proc/PID/task). */
static void read_comm(int task_dir, pid_t tid, char *out, size_t len)
{
	char path[32];
	ssize_t n = -1;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%d/comm", tid);
	fd = openat(task_dir, path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, out, len - 1);
		close(fd);
	}
	out[n > 0 ? n : 0] = '\0';
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

/* What ps prints: the filters of its options. */
struct ps_opts {
	bool json;
	int port;		/* --port: 0 for any */
	const char *state;	/* --state: a name of states[], or NULL */
};

/* A row passes the filters; a filter leaves out rows without a socket. */
static bool ps_wanted(const struct ps_opts *o, const struct sockdesc *d)
{
	if (o->port && d->lport != o->port && d->rport != o->port)
		return false;
	return !o->state || d->state == o->state;
}

/* Print the blocked threads of @pid; returns how many were printed. */
static int ps_process(pid_t pid, const struct ps_opts *o, int printed)
{
	char path[64];
	struct dirent *de;
	struct proc proc;
	struct row r;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return printed;
	proc_init(&proc, pid);
	while ((de = readdir(d))) {
		memset(&r, 0, sizeof(r));
		r.pid = pid;
		r.tid = entry_id(de);
		/* gone, another user's, kernel threads: not shown */
		if (!r.tid || sockcancel_query(r.tid, &r.op, &r.fd) ||
		    r.op == SOCKCANCEL_OP_NONE)
			continue;
		describe(&proc, r.fd, &r.sock);
		if (!ps_wanted(o, &r.sock))
			continue;
		read_comm(dirfd(d), r.tid, r.comm, sizeof(r.comm));
		print_row(&r, o->json, printed == 0);
		printed++;
	}
	proc_done(&proc);
	closedir(d);
	return printed;
}

/* The states[] entry named @s; NULL (and a message) if none is. */
static const char *parse_state(const char *s)
{
	size_t i;

	for (i = 0; i < N_STATES; i++)
		if (!strcmp(s, states[i]))
			return states[i];
	error_line("invalid state '%s' (one of: listening, established, unconnected, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, closed, close-wait, last-ack, closing)",
		   s);
	return NULL;
}

static int cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "port", required_argument, NULL, 'P' },
		{ "state", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ps_opts o = { .json = false };
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
			o.json = true;
			break;
		case 'P':
			o.port = parse_num(optarg, 1, "port");
			if (o.port < 0)
				return EXIT_ERROR;
			if (o.port > 65535) {
				error_line("invalid port '%s'", optarg);
				return EXIT_ERROR;
			}
			break;
		case 's':
			o.state = parse_state(optarg);
			if (!o.state)
				return EXIT_ERROR;
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

	if (o.json)
		putchar('[');
	else
		printf("%-7s %-7s %-15s %-7s %4s  %-14s %-24s %s\n", "PID", "TID",
		       "COMM", "OP", "FD", "PROTO", "LOCAL", "REMOTE");
	if (pid) {
		printed = ps_process(pid, &o, 0);
	} else {
		d = opendir("/proc");
		if (!d) {
			error_line("/proc: %s", strerror(errno));
			return EXIT_ERROR;
		}
		while ((de = readdir(d)))
			if (entry_id(de))
				printed = ps_process(entry_id(de), &o, printed);
		closedir(d);
	}
	if (o.json)
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
	struct proc proc;

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
		proc_init(&proc, thread_pid(tid));
		describe(&proc, fd, &d);
		proc_done(&proc);
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
