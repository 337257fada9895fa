// SPDX-License-Identifier: GPL-2.0
/*
 * wsa_error_from_errno(), one test per table row. The expected Winsock
 * codes are written here from the Winsock error reference (WSAEINTR is
 * 10004 and so on), independently of the library's table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "libsockcancel.h"
#include "kselftest_harness.h"

FIXTURE(map) {
	int unused;
};

FIXTURE_VARIANT(map) {
	int err;
	int wsa;
	const char *name;
};

#define MAP(id, e, code, wname) \
	FIXTURE_VARIANT_ADD(map, id) { .err = e, .wsa = code, .name = wname }

/* same name on both sides */
MAP(eintr, EINTR, 10004, "WSAEINTR");
MAP(ebadf, EBADF, 10009, "WSAEBADF");
MAP(eacces, EACCES, 10013, "WSAEACCES");
MAP(efault, EFAULT, 10014, "WSAEFAULT");
MAP(einval, EINVAL, 10022, "WSAEINVAL");
MAP(emfile, EMFILE, 10024, "WSAEMFILE");
MAP(eagain, EAGAIN, 10035, "WSAEWOULDBLOCK");
MAP(ewouldblock, EWOULDBLOCK, 10035, "WSAEWOULDBLOCK");
MAP(einprogress, EINPROGRESS, 10036, "WSAEINPROGRESS");
MAP(ealready, EALREADY, 10037, "WSAEALREADY");
MAP(enotsock, ENOTSOCK, 10038, "WSAENOTSOCK");
MAP(edestaddrreq, EDESTADDRREQ, 10039, "WSAEDESTADDRREQ");
MAP(emsgsize, EMSGSIZE, 10040, "WSAEMSGSIZE");
MAP(eprototype, EPROTOTYPE, 10041, "WSAEPROTOTYPE");
MAP(enoprotoopt, ENOPROTOOPT, 10042, "WSAENOPROTOOPT");
MAP(eprotonosupport, EPROTONOSUPPORT, 10043, "WSAEPROTONOSUPPORT");
MAP(esocktnosupport, ESOCKTNOSUPPORT, 10044, "WSAESOCKTNOSUPPORT");
MAP(eopnotsupp, EOPNOTSUPP, 10045, "WSAEOPNOTSUPP");
MAP(enotsup, ENOTSUP, 10045, "WSAEOPNOTSUPP");
MAP(epfnosupport, EPFNOSUPPORT, 10046, "WSAEPFNOSUPPORT");
MAP(eafnosupport, EAFNOSUPPORT, 10047, "WSAEAFNOSUPPORT");
MAP(eaddrinuse, EADDRINUSE, 10048, "WSAEADDRINUSE");
MAP(eaddrnotavail, EADDRNOTAVAIL, 10049, "WSAEADDRNOTAVAIL");
MAP(enetdown, ENETDOWN, 10050, "WSAENETDOWN");
MAP(enetunreach, ENETUNREACH, 10051, "WSAENETUNREACH");
MAP(enetreset, ENETRESET, 10052, "WSAENETRESET");
MAP(econnaborted, ECONNABORTED, 10053, "WSAECONNABORTED");
MAP(econnreset, ECONNRESET, 10054, "WSAECONNRESET");
MAP(enobufs, ENOBUFS, 10055, "WSAENOBUFS");
MAP(eisconn, EISCONN, 10056, "WSAEISCONN");
MAP(enotconn, ENOTCONN, 10057, "WSAENOTCONN");
MAP(eshutdown, ESHUTDOWN, 10058, "WSAESHUTDOWN");
MAP(etoomanyrefs, ETOOMANYREFS, 10059, "WSAETOOMANYREFS");
MAP(etimedout, ETIMEDOUT, 10060, "WSAETIMEDOUT");
MAP(econnrefused, ECONNREFUSED, 10061, "WSAECONNREFUSED");
MAP(eloop, ELOOP, 10062, "WSAELOOP");
MAP(enametoolong, ENAMETOOLONG, 10063, "WSAENAMETOOLONG");
MAP(ehostdown, EHOSTDOWN, 10064, "WSAEHOSTDOWN");
MAP(ehostunreach, EHOSTUNREACH, 10065, "WSAEHOSTUNREACH");
MAP(enotempty, ENOTEMPTY, 10066, "WSAENOTEMPTY");
MAP(eusers, EUSERS, 10068, "WSAEUSERS");
MAP(edquot, EDQUOT, 10069, "WSAEDQUOT");
MAP(estale, ESTALE, 10070, "WSAESTALE");
MAP(eremote, EREMOTE, 10071, "WSAEREMOTE");

/* Linux-only errors, by the documented choice of libsockcancel(3) */
MAP(enomem, ENOMEM, 10055, "WSAENOBUFS");
MAP(enospc, ENOSPC, 10055, "WSAENOBUFS");
MAP(epipe, EPIPE, 10058, "WSAESHUTDOWN");
MAP(enfile, ENFILE, 10024, "WSAEMFILE");
MAP(eperm, EPERM, 10013, "WSAEACCES");
MAP(erofs, EROFS, 10013, "WSAEACCES");
MAP(enoent, ENOENT, 10049, "WSAEADDRNOTAVAIL");
MAP(enotdir, ENOTDIR, 10049, "WSAEADDRNOTAVAIL");
MAP(enodev, ENODEV, 10050, "WSAENETDOWN");
MAP(enonet, ENONET, 10051, "WSAENETUNREACH");
MAP(eproto, EPROTO, 10053, "WSAECONNABORTED");
MAP(enotty, ENOTTY, 10022, "WSAEINVAL");

/* not socket errors: "a system call that should never fail has failed" */
MAP(eio, EIO, 10107, "WSASYSCALLFAILURE");
MAP(e2big, E2BIG, 10107, "WSASYSCALLFAILURE");
MAP(ekeyexpired, EKEYEXPIRED, 10107, "WSASYSCALLFAILURE");
MAP(huge, 100000, 10107, "WSASYSCALLFAILURE");
MAP(negative, -EINTR, 10107, "WSASYSCALLFAILURE");

FIXTURE_SETUP(map)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(map)
{
}

TEST_F(map, entry)
{
	const char *name;
	int wsa = wsa_error_from_errno(variant->err);

	EXPECT_EQ(variant->wsa, wsa) {
		TH_LOG("errno %d (%s)", variant->err, strerror(variant->err));
	}
	name = wsa_error_name(wsa);
	ASSERT_NE(NULL, name);
	EXPECT_STREQ(variant->name, name);
}

TEST(zero_is_no_error)
{
	EXPECT_EQ(0, wsa_error_from_errno(0));
}

TEST(names_unknown)
{
	EXPECT_EQ(NULL, wsa_error_name(0));
	EXPECT_EQ(NULL, wsa_error_name(4));
	EXPECT_EQ(NULL, wsa_error_name(10000));
	EXPECT_STREQ("WSAEPROCLIM", wsa_error_name(10067));
}

/* the header's constants are the Winsock values */
TEST(header_constants)
{
	EXPECT_EQ(10004, WSAEINTR);
	EXPECT_EQ(10022, WSAEINVAL);
	EXPECT_EQ(10036, WSAEINPROGRESS);
	EXPECT_EQ(10050, WSAENETDOWN);
	EXPECT_EQ(10053, WSAECONNABORTED);
	EXPECT_EQ(-1, SOCKET_ERROR);
}

TEST_HARNESS_MAIN
