# SPDX-License-Identifier: GPL-2.0
"""The Python module sockcancel (lib/python/sockcancel.py) on the device.

Prints kselftest TAP; exits 1 if a test fails. python_sockcancel_test runs
it in the VM with Debian's python3.11, the module and libsockcancel.so.0
(the tree's, or in scripts/deb-test.sh the packaged ones).
"""
import errno
import os
import socket
import sys
import threading
import time

import sockcancel

JOIN_S = 5.0            # a cancelled call ends well within this (TCG guest)
STILL_S = 0.5           # a call that must stay blocked does for this long
# the calls' numbers in /proc/PID/task/TID/syscall, per guest architecture
SYS_RECVFROM, SYS_ACCEPT, SYS_ACCEPT4 = {
    "x86_64": (45, 43, 288),
    "aarch64": (207, 202, 242),
}[os.uname().machine]

results = []


def report(ok, what, detail=""):
    results.append(ok)
    if detail:
        print("# %s" % detail)
    print("%s %d %s" % ("ok" if ok else "not ok", len(results), what))


class Blocked(threading.Thread):
    """A daemon thread making one call; outcome: what it returned/raised."""

    def __init__(self, name, call, nrs):
        super().__init__(name=name, daemon=True)
        self.call, self.nrs = call, nrs
        self.outcome, self.exc, self.ended = None, None, None

    def run(self):
        try:
            self.outcome = "returned %r" % (self.call(),)
        except OSError as e:
            self.exc = e
            self.outcome = "%s %s" % (type(e).__name__, e)
        self.ended = time.monotonic()

    def asleep(self):
        """True once the thread sleeps in one of its system calls."""
        try:
            with open("/proc/self/task/%d/syscall" % self.native_id) as f:
                return int(f.read().split()[0]) in self.nrs
        except (OSError, TypeError, ValueError):
            return False

    def start_and_wait(self):
        self.start()
        deadline = time.monotonic() + 10
        while not self.asleep():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True


def tcp_pair(cls):
    with socket.socket() as lst:
        lst.bind(("127.0.0.1", 0))
        lst.listen()
        client = cls()
        client.connect(lst.getsockname())
        accepted, _ = lst.accept()
        server = cls(fileno=accepted.detach())
    return client, server


def listener(cls):
    lst = cls()
    lst.bind(("127.0.0.1", 0))
    lst.listen()
    return lst


def ended_with_wsa(t, code, since):
    t.join(max(0.0, since + JOIN_S - time.monotonic()))
    if t.is_alive():
        return False, "%s: still blocked %.1f s later" % (t.name, JOIN_S)
    detail = "%s: %s, %.3f s later" % (t.name, t.outcome, t.ended - since)
    e = t.exc
    return (isinstance(e, sockcancel.WSAError) and e.winerror == code and
            e.errno == code), detail


def test_names():
    ok = (sockcancel.WSAEINTR == 10004 and
          sockcancel.errorcode[10004] == "WSAEINTR" and
          sockcancel.error_name(sockcancel.WSAEINVAL) == "WSAEINVAL" and
          sockcancel.error_from_errno(errno.EINTR) == sockcancel.WSAEINTR and
          sockcancel.error_from_errno(errno.EPIPE) == sockcancel.WSAESHUTDOWN
          and issubclass(sockcancel.WSAError, OSError))
    report(ok, "WSA error names and the errno map")


def test_cancel_recv():
    peer, conn = tcp_pair(sockcancel.socket)
    t = Blocked("recv", lambda: conn.recv(1), {SYS_RECVFROM})
    if not t.start_and_wait():
        report(False, "cancel(thread) of sock.recv(): WSAEINTR",
               "the thread did not block")
        return
    blocking = sockcancel.is_blocking(t)
    since = time.monotonic()
    sockcancel.cancel(t)
    ok, detail = ended_with_wsa(t, sockcancel.WSAEINTR, since)
    report(ok and blocking, "cancel(thread) of sock.recv(): WSAEINTR",
           "%s (is_blocking before: %s)" % (detail, blocking))
    conn.close()
    peer.close()


def test_cancel_idle():
    t = threading.Thread(target=time.sleep, args=(1,), daemon=True)
    t.start()
    try:
        sockcancel.cancel(t)
        ok, detail = False, "cancel() returned"
    except sockcancel.WSAError as e:
        ok, detail = e.winerror == sockcancel.WSAEINVAL, "raised %s" % e
    report(ok and not sockcancel.is_blocking(t),
           "cancel() of a thread in no socket call: WSAEINVAL", detail)
    t.join()


def test_cancel_plain_recv():
    """A plain socket.socket retries after the cancel (PEP 475)."""
    peer, conn = tcp_pair(socket.socket)
    t = Blocked("plain recv", lambda: conn.recv(1), {SYS_RECVFROM})
    if not t.start_and_wait():
        report(False, "cancel() of a plain socket.recv(): retried",
               "the thread did not block")
        return
    sockcancel.cancel(t)
    t.join(STILL_S)
    still = t.is_alive() and t.asleep()
    sockcancel.close(conn)
    t.join(JOIN_S)
    ended = not t.is_alive() and isinstance(t.exc, OSError) and \
        t.exc.errno == errno.EBADF
    report(still and ended,
           "cancel() of a plain socket.recv(): retried; close() ends it",
           "blocked %.1f s after cancel(): %s; after close(): %s" %
           (STILL_S, still, t.outcome))
    peer.close()


def test_close_accept():
    lst = listener(sockcancel.socket)
    t = Blocked("accept", lst.accept, {SYS_ACCEPT, SYS_ACCEPT4})
    if not t.start_and_wait():
        report(False, "close() wakes sock.accept(): WSAEINTR",
               "the thread did not block")
        return
    since = time.monotonic()
    sockcancel.close(lst)
    ok, detail = ended_with_wsa(t, sockcancel.WSAEINTR, since)
    report(ok and lst.fileno() == -1,
           "close() wakes sock.accept(): WSAEINTR", detail)


def test_close_plain_accept():
    lst = listener(socket.socket)
    t = Blocked("plain accept", lst.accept, {SYS_ACCEPT, SYS_ACCEPT4})
    if not t.start_and_wait():
        report(False, "close() wakes a plain socket.accept(): EBADF",
               "the thread did not block")
        return
    sockcancel.close(lst)
    t.join(JOIN_S)
    ok = not t.is_alive() and isinstance(t.exc, OSError) and \
        t.exc.errno == errno.EBADF
    report(ok, "close() wakes a plain socket.accept(): EBADF",
           "plain accept: %s" % t.outcome)


def test_socket_close_method():
    peer, conn = tcp_pair(sockcancel.socket)
    t = Blocked("recv", lambda: conn.recv(1), {SYS_RECVFROM})
    if not t.start_and_wait():
        report(False, "sock.close() of a sockcancel.socket: WSAEINTR",
               "the thread did not block")
        return
    since = time.monotonic()
    conn.close()
    ok, detail = ended_with_wsa(t, sockcancel.WSAEINTR, since)
    report(ok, "sock.close() of a sockcancel.socket: WSAEINTR", detail)
    peer.close()


def main():
    tests = [test_names, test_cancel_recv, test_cancel_idle,
             test_cancel_plain_recv, test_close_accept,
             test_close_plain_accept, test_socket_close_method]
    print("TAP version 13")
    print("1..%d" % len(tests))
    print("# sockcancel from %s" % sockcancel.__file__)
    for test in tests:
        try:
            test()
        except Exception as e:  # a test that raised failed
            report(False, test.__name__, "raised %s: %s"
                   % (type(e).__name__, e))
    return 0 if all(results) else 1


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    # blocked threads cannot be joined: leave without interpreter shutdown
    os._exit(status)
