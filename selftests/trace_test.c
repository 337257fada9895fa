// SPDX-License-Identifier: GPL-2.0
/*
 * The module's tracepoints, as a user enables them through tracefs: a real
 * cancel shows sockcancel_request in the caller (who, which thread, the
 * call found, the answer) and sockcancel_call_end in the cancelled thread
 * (its syscall, the result it now returns: -EINTR); a refused or empty
 * request shows its errno; a QUERY its answer.
 */
#define _GNU_SOURCE
#include <sys/mount.h>
#include <sys/stat.h>

#include "toolkit/toolkit.h"
#include "toolkit/call.h"
#include "kselftest_harness.h"
#include "toolkit/dev_pair.h"

#define TRACEFS		"/sys/kernel/tracing"
#define EVENTS		TRACEFS "/events/sockcancel/enable"

static bool write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok;
}

/* The trace buffer, NUL-terminated, in @buf. */
static void read_trace(char *buf, size_t len)
{
	int fd = open(TRACEFS "/trace", O_RDONLY);
	ssize_t n, got = 0;

	buf[0] = 0;
	if (fd < 0)
		return;
	while ((size_t)got < len - 1 &&
	       (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	close(fd);
}

FIXTURE(trace) {
	int dev, sv[2];
	char buf[65536];
};

FIXTURE_SETUP(trace)
{
	if (access(EVENTS, W_OK))
		mount("nodev", TRACEFS, "tracefs", 0, NULL);
	if (access(EVENTS, W_OK))
		SKIP(return, "no tracefs with the sockcancel events");
	dev_pair_open(_metadata, &self->dev, self->sv, AF_UNIX, SOCK_STREAM);
	ASSERT_TRUE(write_str(TRACEFS "/trace", ""));
	ASSERT_TRUE(write_str(EVENTS, "1"));
}

FIXTURE_TEARDOWN(trace)
{
	if (_metadata->skip)
		return;
	write_str(EVENTS, "0");
	dev_pair_close(self->dev, self->sv);
}

TEST_F(trace, cancel_shows_request_and_call_end)
{
	struct call c = { .fn = do_recv, .len = 1 };
	char b, want[160];

	if (_metadata->skip)
		return;
	c.fd = self->sv[0];
	c.buf = &b;
	ASSERT_TRUE(call_start(&c, SYS_recvfrom));
	ASSERT_EQ(0, sc_cancel(self->dev, c.tid, 0, NULL));
	ASSERT_TRUE(call_join(&c, RETURN_MS));
	ASSERT_EQ(EINTR, c.err);
	read_trace(self->buf, sizeof(self->buf));

	snprintf(want, sizeof(want),
		 "sockcancel_request: caller=%d cmd=cancel target=%d flags=0x0 op=recv fd=%d result=0",
		 gettid(), c.tid, self->sv[0]);
	EXPECT_NE(NULL, strstr(self->buf, want)) TH_LOG("no \"%s\" in:\n%s",
							want, self->buf);
	/* in the cancelled thread, with its own pid */
	snprintf(want, sizeof(want), "-%d ", c.tid);
	EXPECT_NE(NULL, strstr(self->buf, want));
	snprintf(want, sizeof(want),
		 "sockcancel_call_end: nr=%ld op=recv fd=%d site=",
		 (long)SYS_recvfrom, self->sv[0]);
	EXPECT_NE(NULL, strstr(self->buf, want)) TH_LOG("no \"%s\" in:\n%s",
							want, self->buf);
	EXPECT_NE(NULL, strstr(self->buf, "now=-4 reset=0"));
}

TEST_F(trace, refused_and_empty_requests_show_their_errno)
{
	char want[160];

	if (_metadata->skip)
		return;
	/* the caller itself is in no socket call: ENOENT */
	ASSERT_EQ(-1, sc_cancel(self->dev, gettid(), 0, NULL));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(0, sc_query(self->dev, gettid(), NULL));
	read_trace(self->buf, sizeof(self->buf));
	snprintf(want, sizeof(want),
		 "cmd=cancel target=%d flags=0x0 op=none fd=-1 result=-2",
		 gettid());
	EXPECT_NE(NULL, strstr(self->buf, want)) TH_LOG("no \"%s\" in:\n%s",
							want, self->buf);
	snprintf(want, sizeof(want),
		 "cmd=query target=%d flags=0x0 op=none fd=-1 result=0",
		 gettid());
	EXPECT_NE(NULL, strstr(self->buf, want)) TH_LOG("no \"%s\" in:\n%s",
							want, self->buf);
	EXPECT_EQ(NULL, strstr(self->buf, "sockcancel_call_end"));
}

/*
 * What perf and bpftrace parse: the events' formats, in which the module's
 * enum names must have been replaced by their values.
 */
TEST_F(trace, formats_name_no_module_enum)
{
	static const char *const events[] = {
		"sockcancel_request", "sockcancel_call_end",
	};
	char path[128];
	unsigned int i;
	int fd;
	ssize_t n;

	if (_metadata->skip)
		return;
	for (i = 0; i < ARRAY_SIZE(events); i++) {
		snprintf(path, sizeof(path), TRACEFS "/events/sockcancel/%s/format",
			 events[i]);
		fd = open(path, O_RDONLY);
		ASSERT_LE(0, fd);
		n = read(fd, self->buf, sizeof(self->buf) - 1);
		close(fd);
		ASSERT_LT(0, n);
		self->buf[n] = 0;
		EXPECT_NE(NULL, strstr(self->buf, "print fmt:"));
		EXPECT_EQ(NULL, strstr(self->buf, "SC_SITE_")) TH_LOG("%s", self->buf);
		EXPECT_EQ(NULL, strstr(self->buf, "SC_TRACE_")) TH_LOG("%s", self->buf);
	}
}

TEST_HARNESS_MAIN
