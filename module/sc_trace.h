/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the sockcancel module, the "sockcancel" system in tracefs:
 *
 *   sockcancel_request    every ioctl, when it returns: who asked, which
 *                         request, the thread (or socket fd) named, the
 *                         call found and the answer
 *   sockcancel_call_end   in the interrupted thread, where its pending
 *                         interruption runs: the syscall, where it stood
 *                         (site; "gone": not that call any more), its own
 *                         result (-ERESTARTSYS where a restart was already
 *                         chosen), what it returns now, whether the stream
 *                         was reset
 *
 * Free when disabled (static keys); main.c defines them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM sockcancel

/* read once; what follows the guard below is read again by define_trace.h */
#ifndef SOCKCANCEL_TRACE_DEFS
#define SOCKCANCEL_TRACE_DEFS
#include <uapi/linux/sockcancel.h>

#define show_op(op)						\
	__print_symbolic(op,						\
			 { SOCKCANCEL_OP_NONE, "none" },		\
			 { SOCKCANCEL_OP_RECV, "recv" },		\
			 { SOCKCANCEL_OP_SEND, "send" },		\
			 { SOCKCANCEL_OP_ACCEPT, "accept" },		\
			 { SOCKCANCEL_OP_CONNECT, "connect" },		\
			 { SOCKCANCEL_OP_POLL, "poll" })

/* the request: what sockcancel_request's cmd field holds */
enum sc_trace_cmd { SC_TRACE_CANCEL, SC_TRACE_QUERY, SC_TRACE_CANCEL_SOCKET };
#endif

#if !defined(SOCKCANCEL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define SOCKCANCEL_TRACE_H

#include <linux/tracepoint.h>

/* the enums' values in the events' format, for perf and bpftrace */
TRACE_DEFINE_ENUM(SC_TRACE_CANCEL);
TRACE_DEFINE_ENUM(SC_TRACE_QUERY);
TRACE_DEFINE_ENUM(SC_TRACE_CANCEL_SOCKET);
TRACE_DEFINE_ENUM(SC_SITE_EXIT);
TRACE_DEFINE_ENUM(SC_SITE_RESTARTING);
TRACE_DEFINE_ENUM(SC_SITE_SIGRETURNED);
TRACE_DEFINE_ENUM(SC_SITE_FRAME);

TRACE_EVENT(sockcancel_request,
	TP_PROTO(unsigned int cmd, int target, u32 flags, u32 op, int fd,
		 int result),
	TP_ARGS(cmd, target, flags, op, fd, result),
	TP_STRUCT__entry(
		__field(pid_t, caller)
		__field(unsigned int, cmd)
		__field(int, target)
		__field(u32, flags)
		__field(u32, op)
		__field(int, fd)
		__field(int, result)
	),
	TP_fast_assign(
		__entry->caller = current->pid;
		__entry->cmd = cmd;
		__entry->target = target;
		__entry->flags = flags;
		__entry->op = op;
		__entry->fd = fd;
		__entry->result = result;
	),
	TP_printk("caller=%d cmd=%s target=%d flags=%#x op=%s fd=%d result=%d",
		  __entry->caller,
		  __print_symbolic(__entry->cmd,
				   { SC_TRACE_CANCEL, "cancel" },
				   { SC_TRACE_QUERY, "query" },
				   { SC_TRACE_CANCEL_SOCKET, "cancel_socket" }),
		  __entry->target, __entry->flags,
		  show_op(__entry->op),
		  __entry->fd, __entry->result)
);

TRACE_EVENT(sockcancel_call_end,
	TP_PROTO(long nr, u32 op, int fd, int site, long ret, long now,
		 bool reset),
	TP_ARGS(nr, op, fd, site, ret, now, reset),
	TP_STRUCT__entry(
		__field(long, nr)
		__field(u32, op)
		__field(int, fd)
		__field(int, site)
		__field(long, ret)
		__field(long, now)
		__field(bool, reset)
	),
	TP_fast_assign(
		__entry->nr = nr;
		__entry->op = op;
		__entry->fd = fd;
		__entry->site = site;
		__entry->ret = ret;
		__entry->now = now;
		__entry->reset = reset;
	),
	TP_printk("nr=%ld op=%s fd=%d site=%s ret=%ld now=%ld reset=%d",
		  __entry->nr,
		  show_op(__entry->op),
		  __entry->fd,
		  __print_symbolic(__entry->site,
				   { -1, "gone" },
				   { SC_SITE_EXIT, "exit" },
				   { SC_SITE_RESTARTING, "restarting" },
				   { SC_SITE_SIGRETURNED, "sigreturned" },
				   { SC_SITE_FRAME, "frame" }),
		  __entry->ret, __entry->now, __entry->reset)
);

#endif /* SOCKCANCEL_TRACE_H */

/* out of the kernel tree: found through Kbuild's -I of module/ */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE sc_trace
#include <trace/define_trace.h>
