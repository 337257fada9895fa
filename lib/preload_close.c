// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * libsockcancel-close.so: close(), dup2() and dup3() with the semantics of
 * Windows' closesocket() on sockets, for programs that know nothing of
 * sockcancel:
 *
 *   LD_PRELOAD=libsockcancel-close.so program
 *
 * close(fd) of a socket, and dup2()/dup3() onto an fd that names a socket,
 * first end every call of the process blocked on that socket (scl_evict()
 * in close.c says how: the fd names a dead socket meanwhile), then do what
 * was asked through the next definition of the function, the C library's
 * (dlsym(RTLD_NEXT)). Everything else goes there unchanged: another kind
 * of fd, a process with one thread, no /dev/sockcancel, a dup2() that
 * would fail anyway (oldfd not open, oldfd == newfd, bad flags). errno is
 * what that call leaves; a call that succeeds keeps the caller's errno. A
 * dup2() or dup3() that fails after the socket was evicted (oldfd closed
 * by another thread meanwhile) puts the socket back at newfd.
 *
 * Not covered (they close as before): close_range(2), closefrom(3),
 * fclose(3) of a stream on a socket, closes made inside the C library,
 * and raw system calls.
 *
 * Async-signal safety: close() and dup2() are async-signal-safe and a
 * program may call them in a signal handler. Every step here is a system
 * call, except: a call made before the library's constructor ran (from
 * another library's constructor) looks its next definition up with
 * dlsym(), which is not async-signal-safe; the first close of a socket
 * opens the device and reads SOCKCANCEL_DEVICE with secure_getenv(),
 * which POSIX does not list as async-signal-safe (glibc's takes no lock).
 * A handler that closes the fd which the thread it interrupted is closing
 * makes a double close, as with close(2). The close of a socket waits for
 * the module: up to 100 ms for a thread running inside a call on it, tried
 * ten times.
 *
 * Only close, dup2 and dup3 are exported (libsockcancel-close.map); the
 * library code it needs is linked in and hidden.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "scl_internal.h"

/* the library is built with hidden visibility */
#define EXPORT __attribute__((visibility("default")))

typedef int (*close_fn)(int);
typedef int (*dup2_fn)(int, int);
typedef int (*dup3_fn)(int, int, int);

/* The next definitions, looked up once. */
static void *next_close, *next_dup2, *next_dup3;

/* dlsym(RTLD_NEXT, @name), kept in @cache; NULL if there is none. */
static void *next_fn(void **cache, const char *name)
{
	void *fn = __atomic_load_n(cache, __ATOMIC_ACQUIRE);

	if (!fn) {
		fn = dlsym(RTLD_NEXT, name);
		__atomic_store_n(cache, fn, __ATOMIC_RELEASE);
	}
	return fn;
}

__attribute__((constructor)) static void resolve_next(void)
{
	next_fn(&next_close, "close");
	next_fn(&next_dup2, "dup2");
	next_fn(&next_dup3, "dup3");
}

/* The next close(); without one, the system call. */
static int call_close(int fd)
{
	close_fn fn = (close_fn)next_fn(&next_close, "close");

	return fn ? fn(fd) : scl_sys_close(fd);
}

/*
 * The dup2 system call; where there is none (arm64, the generic system call
 * table), dup3, but for @oldfd == @newfd: dup2 returns @newfd if @oldfd is
 * open, where dup3 fails with EINVAL.
 */
static int sys_dup2(int oldfd, int newfd)
{
#ifdef SYS_dup2
	return (int)syscall(SYS_dup2, oldfd, newfd);
#else
	if (oldfd == newfd)
		return fcntl(oldfd, F_GETFD) < 0 ? -1 : newfd;
	return scl_sys_dup3(oldfd, newfd, 0);
#endif
}

/* Evict the socket at @newfd unless dup2/dup3 would fail without it. */
static int evict_target(int oldfd, int newfd, int flags)
{
	if (oldfd == newfd || (flags & ~O_CLOEXEC) || fcntl(oldfd, F_GETFD) < 0)
		return -1;
	scl_device_forget(newfd);
	return scl_evict(newfd);
}

/* The end of a dup2/dup3 that returned @ret with errno @err. */
static int replaced(int spare, int newfd, int ret, int err)
{
	if (spare >= 0) {
		if (ret < 0)
			scl_restore(spare, newfd);
		scl_sys_close(spare);
	}
	errno = err;
	return ret;
}

EXPORT int close(int fd)
{
	int saved = errno, spare;

	scl_device_forget(fd);
	spare = scl_evict(fd);
	if (spare >= 0)
		scl_sys_close(spare);
	errno = saved;
	return call_close(fd);
}

EXPORT int dup2(int oldfd, int newfd)
{
	int saved = errno, spare = evict_target(oldfd, newfd, 0), ret;
	dup2_fn fn = (dup2_fn)next_fn(&next_dup2, "dup2");

	errno = saved;
	ret = fn ? fn(oldfd, newfd) : sys_dup2(oldfd, newfd);
	return replaced(spare, newfd, ret, errno);
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	int saved = errno, spare = evict_target(oldfd, newfd, flags), ret;
	dup3_fn fn = (dup3_fn)next_fn(&next_dup3, "dup3");

	errno = saved;
	ret = fn ? fn(oldfd, newfd, flags) : scl_sys_dup3(oldfd, newfd, flags);
	return replaced(spare, newfd, ret, errno);
}
