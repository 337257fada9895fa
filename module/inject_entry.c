// SPDX-License-Identifier: GPL-2.0
/*
 * Test builds on arm64 only (make module FAULT_INJECT=1): hold a syscall
 * entry in the window between el0_svc_common() storing the number in
 * pt_regs->syscallno and the first argument in orig_x0. Debian's 6.12
 * build stores them in that order, with interrupts on; a canceller that
 * reads the registers there sees a socket call's number beside the
 * orig_x0 of the previous entry, as if the call had returned. The window
 * is two instructions long; selftests/exact_test.c widens it with
 * inject_entry_delay_ms to show that a cancel looks again there.
 *
 * Only a thread named SLOW_COMM entering recvfrom is delayed. The probe
 * sits on the instruction after the store to syscallno, found by reading
 * do_el0_svc() and, if the store is not there, the first function it
 * calls or jumps to, and only where the store to orig_x0 follows it.
 * Elsewhere (the other order) there is no window: the probe is not set,
 * and the test skips.
 *
 * Locking and lifetimes: one kprobe, registered at module load, removed at
 * unload; its handler touches only the current task.
 */
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/ptrace.h>
#include <asm/unistd.h>

#include "sc_internal.h"

#define SLOW_COMM	"sc-slow-entry"
#define SCAN_INSNS	64

static unsigned int inject_entry_delay_ms;
module_param(inject_entry_delay_ms, uint, 0644);
MODULE_PARM_DESC(inject_entry_delay_ms,
		 "Test builds, arm64: delay a recvfrom entry of a thread named "
		 SLOW_COMM " between storing syscallno and orig_x0 (ms)");

/* 1: the probe is in place; read by the test to skip otherwise */
static bool inject_entry_armed;
module_param(inject_entry_armed, bool, 0444);
MODULE_PARM_DESC(inject_entry_armed,
		 "Test builds, arm64: the syscall-entry probe is in place");

static int slow_entry(struct kprobe *p, struct pt_regs *kregs)
{
	unsigned int ms = READ_ONCE(inject_entry_delay_ms);

	if (ms && current_pt_regs()->syscallno == __NR_recvfrom &&
	    !strcmp(current->comm, SLOW_COMM))
		mdelay(ms);
	return 0;
}

static struct kprobe probe = { .pre_handler = slow_entry };

/* STR Wt, [Xn, #syscallno]: the 32-bit store, unsigned offset form */
static bool stores_syscallno(u32 insn)
{
	return (insn & 0xffc00000) == 0xb9000000 &&
	       ((insn >> 10) & 0xfff) ==
	       offsetof(struct pt_regs, syscallno) / sizeof(u32);
}

/* STR Xt, [Xn, #orig_x0]: the 64-bit store, unsigned offset form */
static bool stores_orig_x0(u32 insn)
{
	return (insn & 0xffc00000) == 0xf9000000 &&
	       ((insn >> 10) & 0xfff) ==
	       offsetof(struct pt_regs, orig_x0) / sizeof(u64);
}

/* The target of the B or BL at @pc, or 0. */
static unsigned long branch_target(unsigned long pc, u32 insn)
{
	if ((insn & 0x7c000000) != 0x14000000)
		return 0;
	/* imm26 in words, sign-extended */
	return pc + (long)((s32)(insn << 6) >> 4);
}

/* Instruction @i of @fn; 0 (no store, no branch) where it cannot be read. */
static u32 insn_at(unsigned long fn, int i)
{
	__le32 insn;

	if (get_kernel_nofault(insn, (const __le32 *)fn + i))
		return 0;
	return le32_to_cpu(insn);
}

/*
 * In @fn, the address after a store to syscallno that a store to orig_x0
 * follows (the window), or 0; the first branch target in @callee.
 */
static unsigned long window_in(unsigned long fn, unsigned long *callee)
{
	int i, j;

	for (i = 0; i < SCAN_INSNS; i++) {
		if (stores_syscallno(insn_at(fn, i))) {
			for (j = i + 1; j < i + 4; j++)
				if (stores_orig_x0(insn_at(fn, j)))
					return fn + (i + 1) * sizeof(u32);
			return 0;
		}
		if (!*callee)
			*callee = branch_target(fn + i * sizeof(u32),
						insn_at(fn, i));
	}
	return 0;
}

void sc_inject_entry_init(void)
{
	unsigned long fn, callee = 0, none = 0, at;

	probe.symbol_name = "do_el0_svc";
	if (register_kprobe(&probe))
		return;
	fn = (unsigned long)probe.addr;
	unregister_kprobe(&probe);
	at = window_in(fn, &callee);
	if (!at && callee)
		at = window_in(callee, &none);
	if (!at)
		return;
	memset(&probe, 0, sizeof(probe));
	probe.pre_handler = slow_entry;
	probe.addr = (kprobe_opcode_t *)at;
	inject_entry_armed = !register_kprobe(&probe);
}

void sc_inject_entry_exit(void)
{
	if (inject_entry_armed)
		unregister_kprobe(&probe);
}
