# SPDX-License-Identifier: GPL-2.0
"""An unmodified program that closes sockets other threads are blocked on.

One thread blocks in accept(), one in recv(), a third in recv() on another
socket; the main thread closes the first two sockets with close() and puts
/dev/null over the third one's fd with os.dup2(). Each thread gets JOIN_S
seconds after the close to end. Linux's close() and dup2() wake none of
them; under LD_PRELOAD=libsockcancel-close.so each call returns EINTR, and
Python's retry (PEP 475) on the closed or replaced fd raises OSError.

Prints one line per thread: what its call raised and when, or that it is
still blocked. preload_close_test runs it both ways and judges.
"""
import errno, os, socket, sys, threading, time

JOIN_S = 1.0
# the calls' numbers in /proc/PID/task/TID/syscall, per guest architecture
SYS_RECVFROM, SYS_ACCEPT4 = {
    "x86_64": (45, 288),
    "aarch64": (207, 242),
}[os.uname().machine]


class Blocked(threading.Thread):
    """A daemon thread making one blocking call."""

    def __init__(self, name, call, nr):
        super().__init__(name=name, daemon=True)
        self.call, self.nr = call, nr
        self.outcome, self.ended = None, None

    def run(self):
        try:
            self.call()
            self.outcome = "returned"
        except OSError as e:
            self.outcome = "OSError [Errno %d] %s (%s)" % (
                e.errno, e.strerror, errno.errorcode.get(e.errno, "?"))
        self.ended = time.monotonic()

    def asleep_in_call(self):
        """True once the thread sleeps in its system call (procfs)."""
        try:
            with open("/proc/self/task/%d/syscall" % self.native_id) as f:
                return f.read().split()[0] == str(self.nr)
        except (OSError, TypeError):
            return False


def tcp_pair():
    with socket.socket() as lst:
        lst.bind(("127.0.0.1", 0))
        lst.listen()
        client = socket.socket()
        client.connect(lst.getsockname())
        server, _ = lst.accept()
    return client, server


def main():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    # the peers stay open: recv() must block, not see end of stream
    peer, conn = tcp_pair()
    other_peer, other = socket.socketpair()
    threads = [
        Blocked("accept", listener.accept, SYS_ACCEPT4),
        Blocked("recv", lambda: conn.recv(1), SYS_RECVFROM),
        Blocked("recv, its fd replaced by dup2()",
                lambda: other.recv(1), SYS_RECVFROM),
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while not all(t.asleep_in_call() for t in threads):
        if time.monotonic() > deadline:
            print("the threads did not block")
            return 1
        time.sleep(0.01)

    closed = time.monotonic()
    listener.close()
    conn.close()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, other.fileno())
    for t in threads:
        t.join(max(0.0, closed + JOIN_S - time.monotonic()))
    for t in threads:
        if t.is_alive():
            print("%s: still blocked %.1f s after close() (join timed out)"
                  % (t.name, JOIN_S))
        else:
            print("%s: %s, %.3f s after close()"
                  % (t.name, t.outcome, t.ended - closed))
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    # blocked threads cannot be joined: leave without interpreter shutdown
    os._exit(status)
