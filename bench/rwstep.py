# SPDX-License-Identifier: GPL-2.0
# The debugger side of bench/rwstep.c: run by gdb -batch -x against a
# QEMU started with -s (its gdb stub on :1234), nokaslr and the rwstep
# program as the guest's test. Waits for the program's symbols in the
# console (RWSTEP_CONSOLE), breaks on its write(), poll(), read(), sendto()
# and recvfrom() (fds 100 and 101; the poll() by its timeout, 4242 ms),
# steps each call one instruction at a time
# until it is back in user space and prints "rwstep N CALL INSNS", then
# the fewest of each: "rwstep fewest CALL INSNS ...". QEMU masks
# interrupts while it single-steps, but without -icount (vm.sh -c) work
# they left pending (a reschedule on the way out) can fall into a call;
# the fewest is the call's own path.
# RWSTEP_TRACE=PREFIX also writes each call's program counters, one per
# line, to PREFIX.N.
import os
import re
import time

import gdb

console = os.environ["RWSTEP_CONSOLE"]
trace = os.environ.get("RWSTEP_TRACE")
syms = {}
text = ""
deadline = time.time() + 300
while len(syms) < 5 or "@@rwstep ready" not in text:
    if time.time() > deadline:
        raise gdb.GdbError("no '@@rwstep ready' in %s" % console)
    time.sleep(0.2)
    try:
        text = open(console, errors="replace").read()
    except FileNotFoundError:
        continue    # the VM has not started yet
    for addr, name in re.findall(r"@@rwstep sym ([0-9a-f]+) (\S+)", text):
        syms[name] = int(addr, 16)

for c in ("set pagination off", "set confirm off",
          "set architecture i386:x86-64", "target remote :1234"):
    gdb.execute(c)
# the syscall's only argument is its pt_regs: its first argument (di) is
# at offset 0x70, its third (dx) at 0x60
calls = {}
for name, reg, value in (("write", 0x70, 100), ("poll", 0x60, 4242),
                         ("read", 0x70, 101), ("sendto", 0x70, 100),
                         ("recvfrom", 0x70, 101)):
    addr = syms["__x64_sys_" + name]
    calls[addr] = name
    gdb.execute("hbreak *0x%x" % addr)
    gdb.execute("condition $bpnum *(unsigned long *)($rdi + 0x%x) == %d"
                % (reg, value))

fewest = {}
for n in range(3 * len(calls)):
    gdb.execute("continue")
    pc = int(gdb.parse_and_eval("$pc")) & (2**64 - 1)
    what = calls[pc]
    pcs = []
    while pc >= 0xffff800000000000:
        pcs.append(pc)
        gdb.execute("stepi", to_string=True)
        pc = int(gdb.parse_and_eval("$pc")) & (2**64 - 1)
    if trace:
        with open("%s.%d" % (trace, n), "w") as f:
            f.write("".join("%x\n" % p for p in pcs))
    print("rwstep %d %s %d" % (n, what, len(pcs)))
    fewest[what] = min(fewest.get(what, len(pcs)), len(pcs))
print("rwstep fewest " + " ".join("%s %d" % (c, fewest[c])
                                  for c in calls.values()))
gdb.execute("delete")
gdb.execute("detach")
