# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
"""Cancel another thread's blocking socket call (libsockcancel, ctypes).

    import sockcancel, threading

    sock = sockcancel.socket()          # a socket.socket whose blocking
    ...                                 # calls can be cancelled
    def worker():
        try:
            sock.recv(100)
        except sockcancel.WSAError as e:
            assert e.winerror == sockcancel.WSAEINTR

    t = threading.Thread(target=worker); t.start()
    ...
    sockcancel.cancel(t)                # t's recv raises WSAEINTR
    sockcancel.close(sock)              # every call blocked on sock ends,
                                        # then it is closed

cancel(thread) ends the blocking socket call the thread (a threading.Thread,
by its native_id, or a thread id) is in, through /dev/sockcancel:
WSPCancelBlockingCall. The call returns EINTR in the kernel. Python's own
socket methods retry a call that returned EINTR (PEP 475), so the
cancelled thread raises only where the call does not retry: in the
blocking methods of sockcancel.socket (recv, recv_into, send, sendall,
accept, connect), which go through libsockcancel's Winsock 1.1 calls and
raise WSAError(WSAEINTR). A plain socket.socket's call is cancelled, then
made again.

close(sock) is Windows' closesocket(): every call of the process blocked
on the socket returns (a sockcancel.socket call raises WSAEINTR, a plain
socket.socket call raises OSError EBADF, its retry finding the socket
closed), a call entering meanwhile does not block, then the descriptor is
closed. sockcancel.socket.close() does the same.

WSAError (an OSError) carries the Winsock code in .winerror and .errno,
its name (after the call that failed) in .strerror. The WSAE* codes are
attributes of this module (WSAEINTR == 10004); errorcode maps them to
their names, as errno's.
The errno to WSAE* map is libsockcancel's (error_from_errno()).

sockcancel.socket calls with a time-out (settimeout) are Python's own,
not cancellable. The library is libsockcancel.so.0, loaded when the
module is imported; see libsockcancel(3).
"""
import _socket as _csocket
import ctypes
import errno
import os
import socket as _socket
import struct
import threading

__all__ = ["WSAError", "cancel", "close", "is_blocking", "socket",
           "error_from_errno", "error_name", "errorcode"]

LIBRARY = "libsockcancel.so.0"

try:
    _lib = ctypes.CDLL(LIBRARY, use_errno=True)
except OSError as _e:
    raise ImportError("sockcancel: cannot load %s: %s" % (LIBRARY, _e)) \
        from _e


def _fn(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype, f.argtypes = restype, list(argtypes)
    return f


_c_int, _c_ssize, _c_size = ctypes.c_int, ctypes.c_ssize_t, ctypes.c_size_t
_p_int = ctypes.POINTER(_c_int)
_wsa_error_from_errno = _fn("wsa_error_from_errno", _c_int, _c_int)
_wsa_error_name = _fn("wsa_error_name", ctypes.c_char_p, _c_int)
_wsp_cancel = _fn("wsp_cancel_blocking_call", _c_int, _c_int, _p_int)
_wsp_is_blocking = _fn("wsp_thread_is_blocking", _c_int, _c_int)
_ws11_last_error = _fn("ws11_get_last_error", _c_int)
_ws11_recv = _fn("ws11_recv", _c_ssize, _c_int, ctypes.c_void_p, _c_size,
                 _c_int)
_ws11_send = _fn("ws11_send", _c_ssize, _c_int, ctypes.c_void_p, _c_size,
                 _c_int)
_ws11_accept = _fn("ws11_accept", _c_int, _c_int, ctypes.c_void_p,
                   ctypes.c_void_p)
_ws11_connect = _fn("ws11_connect", _c_int, _c_int, ctypes.c_void_p,
                    ctypes.c_uint)
_ws11_closesocket = _fn("ws11_closesocket", _c_int, _c_int)

SOCKET_ERROR = -1
# libsockcancel's table of WSAE* codes: every code it names
errorcode = {}
for _code in range(10000, 11100):
    _name = _wsa_error_name(_code)
    if _name is not None:
        errorcode[_code] = _name.decode("ascii")
        globals()[errorcode[_code]] = _code
        __all__.append(errorcode[_code])
del _code, _name
WSABASEERR = 10000
__all__.append("WSABASEERR")


def error_name(code):
    """The name of Winsock code @code ("WSAEINTR"), or None."""
    return errorcode.get(code)


def error_from_errno(err):
    """The WSAE* code of errno value @err (0 for 0)."""
    return _wsa_error_from_errno(err)


class WSAError(OSError):
    """A Winsock error: .winerror and .errno are the WSAE* code."""

    def __init__(self, code, what=None):
        name = errorcode.get(code, "WSA error %d" % code)
        super().__init__(code, name if what is None else
                         "%s: %s" % (what, name))
        self.winerror = code


def _tid(thread):
    if isinstance(thread, threading.Thread):
        if thread.native_id is None:
            raise ValueError("thread %r has not started" % thread.name)
        return thread.native_id
    if isinstance(thread, int) and not isinstance(thread, bool):
        return thread
    raise TypeError("a threading.Thread or a thread id, not %s"
                    % type(thread).__name__)


def cancel(thread):
    """Cancel the blocking socket call @thread is in.

    @thread: a threading.Thread (its native_id) or a thread id. Raises
    WSAError: WSAEINVAL when it is in no blocking socket call (or does not
    exist), WSAEACCES when not permitted, WSAENETDOWN without the device.
    """
    err = _c_int(0)
    if _wsp_cancel(_tid(thread), ctypes.byref(err)) == SOCKET_ERROR:
        raise WSAError(err.value, "cancel")


def is_blocking(thread):
    """True if @thread is inside a blocking socket call."""
    return _wsp_is_blocking(_tid(thread)) == 1


def _fileno(sock):
    return sock if isinstance(sock, int) else sock.fileno()


def close(sock):
    """Close @sock (a socket object or a descriptor) as closesocket() does.

    Every call of this process blocked on the socket returns, then the
    descriptor is closed. A socket object no longer owns its descriptor
    afterwards (detach()); closing one that is closed does nothing. Raises
    WSAError if the close fails.
    """
    if isinstance(sock, int):
        fd = sock
    elif sock.fileno() < 0:
        return
    else:
        fd = _socket.socket.detach(sock)
    if _ws11_closesocket(fd) == SOCKET_ERROR:
        raise WSAError(_ws11_last_error(), "close")


def _check(ret, what):
    if ret == SOCKET_ERROR:
        raise WSAError(_ws11_last_error(), what)
    return ret


class socket(_socket.socket):
    """A socket.socket whose blocking calls cancel() and close() can end.

    recv, recv_into, send, sendall, accept and connect of a socket in
    blocking mode (no time-out) are libsockcancel's Winsock 1.1 calls: a
    cancel makes them raise WSAError(WSAEINTR), as does close() of the
    socket from another thread; every other failure raises WSAError with
    the code of its errno. A send moves all the data or fails (a cancelled
    stream that had sent part of it is reset). With a time-out, Python's
    own methods run. close() has closesocket semantics.
    """

    __slots__ = ()

    def _blocking(self):
        return self.gettimeout() is None

    def recv(self, bufsize, flags=0):
        if not self._blocking():
            return super().recv(bufsize, flags)
        buf = ctypes.create_string_buffer(bufsize)
        n = _check(_ws11_recv(self.fileno(), buf, bufsize, flags), "recv")
        return buf.raw[:n]

    def recv_into(self, buffer, nbytes=0, flags=0):
        if not self._blocking():
            return super().recv_into(buffer, nbytes, flags)
        view = memoryview(buffer).cast("B")
        if nbytes <= 0 or nbytes > len(view):
            nbytes = len(view)
        if nbytes == 0:
            return 0
        cbuf = (ctypes.c_char * len(view)).from_buffer(view)
        return _check(_ws11_recv(self.fileno(), cbuf, nbytes, flags),
                      "recv_into")

    def send(self, data, flags=0):
        if not self._blocking():
            return super().send(data, flags)
        data = bytes(data)
        return _check(_ws11_send(self.fileno(), data, len(data), flags),
                      "send")

    def sendall(self, data, flags=0):
        if not self._blocking():
            return super().sendall(data, flags)
        data = bytes(data)
        done = 0
        while done < len(data):
            done += self.send(data[done:], flags)

    def accept(self):
        if not self._blocking():
            return super().accept()
        fd = _check(_ws11_accept(self.fileno(), None, None), "accept")
        os.set_inheritable(fd, False)
        sock = socket(self.family, self.type, self.proto, fileno=fd)
        try:
            addr = sock.getpeername()
        except OSError:  # an AF_UNIX peer without a name
            addr = None
        return sock, addr

    def connect(self, address):
        if not self._blocking():
            return super().connect(address)
        # the address packed here for AF_INET, AF_INET6 and AF_UNIX;
        # other families connect through Python, not cancellable
        raw = _sockaddr(self.family, address)
        if raw is None:
            return super().connect(address)
        _check(_ws11_connect(self.fileno(), raw, len(raw)), "connect")
        return None

    def _real_close(self, _ss=_csocket.socket):
        if self.fileno() >= 0:
            close(self)
        _ss.close(self)


def _ip(family, host):
    """@host as the packed address of @family: a literal, else resolved."""
    try:
        return _socket.inet_pton(family, host)
    except (OSError, TypeError):
        info = _socket.getaddrinfo(host, None, family, _socket.SOCK_STREAM)
        return _socket.inet_pton(family, info[0][4][0])


def _sockaddr(family, address):
    """struct sockaddr for @address as bytes, or None for other families."""
    if family == _socket.AF_INET:
        host, port = address
        return struct.pack("=H", family) + struct.pack("!H", port) + \
            _ip(family, host) + bytes(8)
    if family == _socket.AF_INET6:
        host, port = address[0], address[1]
        flowinfo = address[2] if len(address) > 2 else 0
        scope = address[3] if len(address) > 3 else 0
        return struct.pack("=H", family) + struct.pack("!H", port) + \
            struct.pack("!I", flowinfo) + _ip(family, host) + \
            struct.pack("=I", scope)
    if family == _socket.AF_UNIX:
        path = address if isinstance(address, bytes) else \
            os.fsencode(address)
        if len(path) >= 108:
            raise OSError(errno.ENAMETOOLONG, "AF_UNIX path too long")
        return struct.pack("=H", family) + path + \
            (b"" if path.startswith(b"\0") else b"\0")
    return None
