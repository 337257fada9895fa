#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the console of a benchmark VM run into bench/results/latest.md,
latest.json and latency-cdf.dat (the plot's data).

usage: report.py CONSOLE.LOG RESULTS_DIR --command CMD --kernel KVER
                 --wall SECONDS --samples N
"""
import argparse
import datetime
import json
import os
import re
import statistics
import sys

ANSI = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]')
TARGETS = ['tcp-recv', 'udp-recv', 'unix-recv', 'accept', 'poll']
METHODS = ['sockcancel', 'cancel_socket', 'tgkill', 'shutdown', 'io_uring']


def num(v):
    try:
        return int(v)
    except ValueError:
        try:
            return float(v)
        except ValueError:
            return v


def kv(text):
    out = {}
    for tok in text.split():
        if '=' in tok:
            k, v = tok.split('=', 1)
            out[k] = num(v)
    return out


def parse(path):
    d = {'env': {}, 'lat': [], 'cdf': {}, 'scale': [], 'csock': [],
         'pp': [], 'memthreads': [], 'other': [], 'fatal': [],
         'kernel_log_problems': [], 'phases': []}
    phase, phase_name = {}, None
    in_dmesg = False
    with open(path, errors='replace') as f:
        for raw in f:
            line = ANSI.sub('', raw.rstrip('\n'))
            if line.startswith('@@ dmesg'):
                in_dmesg = True
                continue
            if in_dmesg:
                if re.search(r'WARNING|BUG[: ]|Oops|hung_task|blocked for more|'
                             r'Call Trace|general protection|refcount',
                             line):
                    d['kernel_log_problems'].append(line)
                continue
            m = re.match(r'@@ phase (\S+)(.*) ([0-9.]+)$', line)
            if m:
                phase, phase_name = kv(m.group(2)), m.group(1)
                d['phases'].append({'phase': m.group(1), 'uptime': float(m.group(3)),
                                    **phase})
                continue
            if line.startswith('FATAL'):
                d['fatal'].append(line)
                continue
            m = re.match(r'R (\w+)(.*)$', line)
            if not m:
                continue
            sec, rest = m.group(1), m.group(2)
            if sec == 'cdf':
                r = kv(rest)
                d['cdf'][r['name']] = [float(x) for x in str(r['us']).split(',')]
                continue
            r = kv(rest)
            if sec == 'env':
                d['env'] = r
            elif sec == 'lat':
                d['lat'].append(r)
            elif sec == 'scale':
                d['scale'].append(r)
            elif sec == 'csock':
                d['csock'].append(r)
            elif sec == 'pp':
                if phase_name == 'warmup':
                    continue
                r['round'] = phase.get('round')
                r['armed'] = bool(phase.get('armed'))
                d['pp'].append(r)
            elif sec == 'memthreads':
                r['round'] = phase.get('round')
                d['memthreads'].append(r)
            elif sec in ('mempending', 'enoent', 'slab',
                         'latency_setup', 'latency_done', 'scale_done'):
                d[sec] = r
            elif sec == 'slabtop':
                d.setdefault('slabtop', []).append(r)
            elif sec == 'scale_setup':
                d.setdefault('scale_setup', []).append(r)
            elif sec in ('psscale', 'psscale_setup', 'psscale_missing',
                         'xproc', 'xproc_error'):
                d.setdefault(sec, []).append(r)
            else:
                d['other'].append(line)
    return d


def fmt(x, nd=1):
    if x is None:
        return 'n/a'
    if isinstance(x, float):
        return f'{x:.{nd}f}'
    return str(x)


def verdict(ok):
    if isinstance(ok, tuple):
        return 'inconclusive (noise)' if ok[1] else verdict(ok[0])
    return 'met' if ok else '**not met**'


def build(d, a, hot=None):
    lines = []
    goals = []
    out = lines.append
    now = datetime.datetime.now(datetime.timezone.utc)
    env = d['env']
    out('<!-- SPDX-License-Identifier: GPL-2.0 -->')
    out('# sockcancel benchmark results')
    out('')
    out(f'- date: {now:%Y-%m-%d %H:%M} UTC')
    out(f'- kernel: Debian {a.kernel} ({env.get("kernel", "?")}), QEMU TCG '
        f'(`-accel tcg,thread=multi`), {env.get("cpus", "?")} vCPUs, '
        f'{int(env.get("mem_kb", 0)) // 1024} MiB, clocksource '
        f'{env.get("clocksource", "?")}')
    boots = ('two VM boots: the hot path in the second, counted (section 2)'
             if hot else 'one VM boot')
    out(f'- command: `{a.command}` ({boots}, {a.wall} s wall time)')
    if a.rev:
        out(f'- module source: {a.rev}')
    if a.host:
        out(f'- host during the run: {a.host}')
    out(f'- samples per latency configuration: {a.samples}; canceller pinned '
        'to vCPU 0, blocked threads to vCPU 1')
    out('- Absolute times are inflated by software emulation; the headline '
        'figures are ratios measured in the same boot, interleaved.')
    out('')

    # 1. latency
    lat = {(r['target'], r['method']): r for r in d['lat']}
    out('## 1. Cancel latency')
    out('')
    out('From the canceller starting its request (t0, just before the '
        'ioctl/tgkill/shutdown/io_uring_enter) to the blocked thread being '
        'back in user space with its result (t1), CLOCK_MONOTONIC on both '
        'sides, one sample per configuration in each round, in a new random order every round (interleaved). '
        'Results: sockcancel, cancel_socket and tgkill give EINTR; shutdown '
        'gives 0 (recv), EINVAL (accept) or POLLIN (poll) and destroys the '
        'socket (a new one per sample); io_uring gives -ECANCELED for an '
        'IORING_OP_RECV/ACCEPT/POLL_ADD (the thread waits in io_uring_enter).')
    out('')
    out('| blocked in | method | median µs | p99 µs | max µs | median / tgkill | '
        'p99 / tgkill | > 1 ms | > 5 ms | n | failures |')
    out('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|')
    for t in TARGETS:
        base = lat.get((t, 'tgkill'))
        for m in METHODS:
            r = lat.get((t, m))
            if not r:
                continue
            rm = r['median_us'] / base['median_us'] if base else None
            rp = r['p99_us'] / base['p99_us'] if base else None
            fails = []
            for k in ('wrong', 'refused', 'lost', 'noblock'):
                if r.get(k):
                    fails.append(f'{k}={r[k]}')
            out(f'| {t} | {m} | {fmt(r["median_us"])} | {fmt(r["p99_us"])} | '
                f'{fmt(r["max_us"])} | {fmt(rm, 2)} | {fmt(rp, 2)} | '
                f'{r.get("over1ms", "?")} | {r.get("over5ms", "?")} | {r["n"]} | '
                f'{", ".join(fails) or "none"} |')
            if m == 'sockcancel' and base:
                goals.append((f'latency {t}: sockcancel median / tgkill <= 0.8',
                              f'{rm:.2f}', rm <= 0.8))
                goals.append((f'latency {t}: sockcancel p99 / tgkill <= 1.2',
                              f'{rp:.2f}', rp <= 1.2))
    out('')
    out('"> 1 ms", "> 5 ms": samples slower than that. Under TCG a vCPU '
        'whose host thread is descheduled (the host has 2 cores shared by '
        'both vCPUs and by anything else running there) wakes a host time '
        'slice later, which puts a cluster of samples at ~4 and ~8 ms; p99 '
        'lands in that cluster as soon as it holds more than 1 % of the '
        'samples, so compare the "> 1 ms" counts too.')
    out('')
    out('failures: wrong = the call ended with another result, refused = the '
        'cancelling call failed (e.g. ENOENT), lost = no return within 5 s '
        'of a successful cancel, noblock = the thread was never seen asleep.')
    out('')

    # 2. hot path
    pp = hot['pp'] if hot else d['pp']
    out('## 2. Hot path: 1-byte ping-pong round trips per second')
    out('')
    out('Two threads (both on vCPU 0, or on vCPU 0 and 1) bounce one byte over a TCP (TCP_NODELAY) '
        'or AF_UNIX stream pair; a third thread holds /dev/sockcancel open '
        'and sleeps. Module loaded vs. not loaded (rmmod), alternated ABBA '
        'over the rounds of one boot; the ratio is computed per round '
        '(loaded / unloaded) and its median taken.')
    if hot:
        out('')
        out(f'Counted, not timed: these rounds run in a boot of their own, of '
            f'Debian\'s {a.hotpath_kernel} with the module built for it, '
            'whose clock counts instructions (`scripts/vm.sh -c`: QEMU '
            '`-icount shift=0,sleep=off`, one host thread for both vCPUs, '
            '1 ns per instruction executed). So a round trip per second is '
            'work done, 1e9 / rt/s the instructions both vCPUs execute per '
            'round trip, and neither the emulator\'s speed nor the host\'s '
            'load enters. Debian\'s 6.1 does not come up under `-c`; the '
            'module adds nothing to the data path of any kernel (no hook). '
            'The four ping-pongs run once first, not counted.')
    out('')
    out('| protocol | threads on | rounds | median rt/s loaded | median rt/s unloaded | '
        + ('instructions per round trip (loaded, unloaded) | ' if hot else '') +
        'median of per-round ratios | IQR of ratios | min ratio | max ratio | '
        'goal >= 0.99 |')
    out('|---|---|---:|---:|---:|' + ('---:|' if hot else '') +
        '---:|---:|---:|---:|---|')
    d['pp_ratios'] = {}
    for cpus in ('same', 'cross'):
        for proto in ('tcp', 'unix'):
            rows = [r for r in pp if r['proto'] == proto and
                    r.get('cpus', 'cross') == cpus]
            rounds = sorted({r['round'] for r in rows if r['round'] is not None})
            ratios = []
            for rd in rounds:
                on = [r['rtps'] for r in rows if r['round'] == rd and r['module'] == 1]
                off = [r['rtps'] for r in rows if r['round'] == rd and r['module'] == 0]
                if on and off and off[0] > 0:
                    ratios.append(on[0] / off[0])
            if not ratios:
                continue
            on_all = [r['rtps'] for r in rows if r['module'] == 1]
            off_all = [r['rtps'] for r in rows if r['module'] == 0]
            med = statistics.median(ratios)
            q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [med, med, med]
            where = 'one vCPU' if cpus == 'same' else 'two vCPUs'
            v = verdict(med >= 0.99)
            if q[0] < 0.99 <= q[2]:
                v = 'inconclusive: the IQR spans 0.99'
            m_on, m_off = statistics.median(on_all), statistics.median(off_all)
            insns = f'{1e9 / m_on:.0f}, {1e9 / m_off:.0f} | ' if hot else ''
            out(f'| {proto} | {where} | {len(ratios)} | {m_on:.0f} | '
                f'{m_off:.0f} | {insns}{med:.4f} | {q[0]:.4f}..{q[2]:.4f} | '
                f'{min(ratios):.4f} | {max(ratios):.4f} | {v} |')
            nd = 4 if hot else 2
            goals.append((f'hot path {proto} ({where}): loaded / unloaded >= 0.99',
                          f'median {med:.{nd + 1}f}, IQR {q[0]:.{nd}f}..'
                          f'{q[2]:.{nd}f}, range {min(ratios):.{nd}f}..'
                          f'{max(ratios):.{nd}f}'
                          + (' (counted)' if hot else ''),
                          (med >= 0.99, q[0] < 0.99 <= q[2])))
            d['pp_ratios'][f'{proto}-{cpus}'] = ratios
    out('')
    out('Per-round values (rt/s): ' + '; '.join(
        f'r{r["round"]} {r["proto"]}/{r.get("cpus", "cross")} '
        f'{"on" if r["module"] else "off"} {r["rtps"]:.0f}'
        for r in pp) + '.')
    out('')

    # 3. scale
    out('## 3. Scale')
    out('')
    out('sockcancel CANCEL of a thread blocked in TCP recv, in three '
        'processes alive at the same time that differ only in their size, '
        'measured in blocks of 10 samples in rotating order. "threads" '
        'counts every thread of the process except the canceller (the '
        'blocked one included); the others sleep in futex.')
    out('')
    out('| threads | open sockets | median µs | p99 µs | median / 1-thread | '
        'p99 / 1-thread | n | failures | goal <= 1.1 (median) |')
    out('|---:|---:|---:|---:|---:|---:|---:|---|---|')
    sc = sorted(d['scale'], key=lambda r: r['threads'])
    base = sc[0] if sc else None
    for r in sc:
        rm = r['median_us'] / base['median_us']
        rp = r['p99_us'] / base['p99_us']
        fails = ', '.join(f'{k}={r[k]}' for k in ('wrong', 'refused', 'lost',
                                                  'noblock') if r.get(k)) or 'none'
        g = '' if r is base else verdict(rm <= 1.1)
        out(f'| {r["threads"]} | {r["sockets"]} | {fmt(r["median_us"])} | '
            f'{fmt(r["p99_us"])} | {rm:.2f} | {rp:.2f} | {r["n"]} | {fails} | {g} |')
        if r is not base:
            goals.append((f'scale {r["threads"]} threads / {r["sockets"]} sockets: '
                          'median / 1-thread <= 1.1', f'{rm:.2f}', rm <= 1.1))
    out('')
    for r in d.get('scale_setup', []):
        out(f'- process with {r["threads"]} threads: {r["idle_created"]} idle '
            f'threads created, {r["sockets"]} extra sockets, blocked socket is '
            f'fd {r["fd"]}')
    out('')
    if d['csock']:
        n = d['csock'][0]['threads']
        out(f'### {n} threads blocked in recv on one UDP socket')
        out('')
        out('Time from the start of the request until the last of the threads '
            'has returned (median over the rounds), the duration of the '
            'cancelling call(s) themselves, and the count of EINTR returns '
            'over all rounds. The methods rotate round by round.')
        out('')
        out('| method | rounds | all returned ms (median) | worst round ms | '
            'per thread µs | calling thread busy ms | EINTR returns | '
            'reported cancelled | stuck rounds |')
        out('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
        for r in d['csock']:
            out(f'| {r["method"]} | {r["rounds"]} | {fmt(r["all_returned_ms"], 2)} | '
                f'{fmt(r["all_returned_max_ms"], 2)} | {fmt(r["per_thread_us"], 2)} | '
                f'{fmt(r["call_ms"], 2)} | {r["eintr"]} | {r["reported"]} | '
                f'{r["stuck_rounds"]} |')
        out('')
        out('(shutdown: the threads return 0, not EINTR, and the socket is gone; '
            'its "reported" column is just the thread count.)')
        out('')

    # 4. memory
    out('## 4. Kernel memory')
    out('')
    mp = d.get('mempending', {})
    sl = d.get('slab', {})
    out('| item | value | how |')
    out('|---|---|---|')
    tops = {t['when']: str(t['bytes_per_item']).split(',') for t in d.get('slabtop', [])}
    grew = tops.get('pending', ['?'])[0]
    out(f'| per pending cancel, measured | {grew.replace(":", ": ")} bytes | '
        f'{mp.get("n", "?")} cancels queued on threads of a SIGSTOPped child '
        f'({mp.get("cancels_ok", "?")} ioctls returned 0; after SIGCONT '
        f'{mp.get("eintr", "?")} of {mp.get("returned", "?")} calls returned EINTR): '
        'the /proc/slabinfo cache whose active bytes grew most, delta / N |')
    out(f'| all slab caches, per pending cancel | '
        f'{fmt(mp.get("all_slab_bytes_per_cancel"), 1)} bytes | sum of active_objs x '
        'objsize over /proc/slabinfo, delta / N |')
    out(f'| after the works ran (vs. before the cancels) | '
        f'{", ".join(tops.get("after", ["?"]))} bytes per cancel | the task work frees '
        'the struct |')
    mt = d['memthreads']
    for mod in (1, 0):
        rows = [r for r in mt if r['module'] == mod]
        if rows:
            out(f'| per idle thread, module {"loaded" if mod else "not loaded"} '
                f'({len(rows)} runs x {rows[0]["threads"]} threads) | '
                f'slab {statistics.median([r["slab_kb_per_thread"] for r in rows]):.2f} KiB '
                f'(meminfo), kmalloc-64 '
                f'{statistics.median([r["k64_per_thread"] for r in rows]):.2f} objects, '
                f'kernel stack '
                f'{statistics.median([r["kernel_stack_kb_per_thread"] for r in rows]):.1f} KiB '
                '| medians; the same ± noise loaded or not means the module '
                'adds nothing per thread |')
    on = [r['slab_kb_per_thread'] for r in mt if r['module'] == 1]
    off = [r['slab_kb_per_thread'] for r in mt if r['module'] == 0]
    if on and off:
        diff = statistics.median(on) - statistics.median(off)
        spread = max(max(off) - min(off), max(on) - min(on))
        # "none" = the difference of the medians is within the run-to-run
        # spread of either state (meminfo counts whole KiB)
        goals.append(('memory per idle thread: none (loaded - unloaded within '
                      'run-to-run spread)',
                      f'{diff * 1024:+.0f} B/thread (spread {spread * 1024:.0f} B)',
                      abs(diff) <= spread))
    out('')

    # 5. ENOENT
    en = d.get('enoent')
    if en:
        out('## 5. Cost of CANCEL when the target is not blocked (ENOENT)')
        out('')
        out('The target sleeps in futex. Median over rounds of 20,000 calls each, '
            'interleaved with the baselines.')
        out('')
        out('| call | ns per call | / getppid |')
        out('|---|---:|---:|')
        g = en['getppid_ns']
        out(f'| getppid() | {g} | 1.00 |')
        out(f'| ioctl(unknown cmd) -> ENOTTY on /dev/sockcancel | '
            f'{en["ioctl_enotty_ns"]} | {en["ioctl_enotty_ns"] / g:.2f} |')
        out(f'| ioctl(SOCKCANCEL_IOC_CANCEL) -> ENOENT | {en["cancel_enoent_ns"]} | '
            f'{en["cancel_enoent_ns"] / g:.2f} |')
        if en.get('not_enoent'):
            out(f'\n{en["not_enoent"]} calls did not fail with ENOENT.')
        out('')

    # 6. sockcancel ps at scale
    ps = d.get('psscale', [])
    if ps:
        out('## 6. `sockcancel ps` next to `ss -p` at 100 to 10,000 blocked threads')
        out('')
        out('One process per count, with N threads each blocked in recv on a '
            'socket of its own (TCP: N loopback connections, both ends in '
            'that process; unix: N AF_UNIX stream pairs). Each command runs '
            'once untimed for the median (its first run, in the last column: '
            'ps first, then ss; a first listing makes the /proc dentries that '
            f'later ones find cached), then {ps[0].get("runs", "?")} times, the two '
            'in turn (which goes first alternates), output to a file on tmpfs; '
            'time from fork to waitpid. '
            'Commands: `sockcancel ps` (all processes); Debian\'s `ss -tanp` / '
            '`ss -xanp` (run by its dynamic loader from /tests/ss). Rows are '
            'the lines of output: ss lists every socket of the kind (for TCP '
            'both ends, the listener, and what the counts before left in '
            'TIME-WAIT), ps one line per blocked thread; both a header. '
            '(Debian\'s busybox netstat has no -p: not compared.)')
        out('')
        out('| proto | threads | blocked | ps median s (min-max) | '
            'ss -p median s (min-max) | ps / ss | rows ps / ss | '
            'ps growth from the count before | first run ps / ss s |')
        out('|---|---:|---:|---:|---:|---:|---|---:|---|')
        setup = {(r['proto'], r['threads']): r for r in d.get('psscale_setup', [])}
        by = {(r['proto'], r['threads'], r['tool']): r for r in ps}

        def span(r):
            if not r:
                return 'n/a'
            return f'{r["median_s"]:.3f} ({r["min_s"]:.3f}-{r["max_s"]:.3f})'
        for proto in ('tcp', 'unix'):
            counts = sorted({r['threads'] for r in ps if r['proto'] == proto})
            prev = None
            for n in counts:
                p_ = by.get((proto, n, 'sockcancel_ps'))
                s_ = by.get((proto, n, 'ss_p'))
                pm = p_['median_s'] if p_ else None
                sm = s_['median_s'] if s_ else None
                growth = pm / prev if pm and prev else None
                rows = ' / '.join(str(x['rows']) if x else '-' for x in (p_, s_))
                bad = [f'{x["tool"]} exit {x["status"]}' for x in (p_, s_)
                       if x and x['status']]
                if bad:
                    rows += ' (' + ', '.join(bad) + ')'
                out(f'| {proto} | {n} | {setup.get((proto, n), {}).get("blocked", "?")} '
                    f'| {span(p_)} | {span(s_)} '
                    f'| {fmt(pm / sm if pm and sm else None, 2)} | {rows} '
                    f'| {fmt(growth, 1)} '
                    f'| {fmt(p_.get("first_s") if p_ else None, 3)} / '
                    f'{fmt(s_.get("first_s") if s_ else None, 3)} |')
                if n == 10000 and pm and sm:
                    goals.append((f'ps {proto}, 10,000 blocked threads: ps / ss -p <= 2',
                                  f'{pm:.3f} s / {sm:.3f} s = {pm / sm:.2f}',
                                  pm / sm <= 2 and not p_['status']))
                if n == 10000 and prev and pm:
                    goals.append((f'ps {proto}: time at 10,000 / at 1,000 threads <= 12',
                                  f'{pm:.3f} s / {prev:.3f} s = {pm / prev:.1f}',
                                  pm / prev <= 12))
                prev = pm
        for m in d.get('psscale_missing', []):
            out('')
            out(f'- not in the guest: {m["tool"]}')
        out('')

    # 7. another process: the kernel's permission check
    xp = {r['method']: r for r in d.get('xproc', [])}
    if xp:
        out('## 7. Cancelling a thread of another process')
        out('')
        out('For a thread of another process the module asks the kernel\'s '
            'ptrace check (it opens the thread\'s /proc/<tid>/mem); '
            'for a thread of its own process it asks nothing. A thread of the '
            'benchmark\'s process and the main thread of a child process each '
            'block in recv on a socket of their own; every round, in a new '
            'random order: CANCEL of each, and tgkill of the child\'s thread '
            '(SIGUSR1, a handler without SA_RESTART). Latency from just before '
            'the request to the thread back in user space with EINTR; "call" '
            'is the time the request itself took. The benchmark runs as root.')
        out('')
        out('| method | n | median µs | p90 µs | p99 µs | call median µs | failed |')
        out('|---|---:|---:|---:|---:|---:|---:|')
        for name in ('sockcancel-same-process', 'sockcancel-other-process',
                     'tgkill-other-process'):
            r = xp.get(name)
            if r:
                out(f'| {name} | {r["n"]} | {fmt(r["median_us"], 2)} | '
                    f'{fmt(r["p90_us"], 2)} | {fmt(r["p99_us"], 2)} | '
                    f'{fmt(r["call_median_us"], 2)} | {r["bad"]} |')
        same = xp.get('sockcancel-same-process')
        other = xp.get('sockcancel-other-process')
        kill = xp.get('tgkill-other-process')
        if same and other:
            out('')
            out(f'The permission check adds {other["median_us"] - same["median_us"]:.2f} µs '
                f'to the median ({other["median_us"] / same["median_us"]:.2f} x the own '
                'process\'s).')
        if other and kill and kill['median_us']:
            ratio = other['median_us'] / kill['median_us']
            goals.append(('cancel of another process\'s thread: median <= 0.8 x tgkill\'s',
                          f'{other["median_us"]:.2f} / {kill["median_us"]:.2f} µs = {ratio:.2f}',
                          ratio <= 0.8 and not other['bad']))
        out('')

    # goals
    out('## Goals')
    out('')
    out('| goal | measured | verdict |')
    out('|---|---|---|')
    for name, val, ok in goals:
        out(f'| {name} | {val} | {verdict(ok)} |')
    out('')
    notes = []
    for r in d['lat'] + d['scale']:
        for k in ('wrong', 'refused', 'lost', 'noblock'):
            if r.get(k):
                notes.append(f'{r.get("target")}/{r.get("method")} '
                             f'(threads={r.get("threads", "-")}): {k}={r[k]}')
    for r in d['csock']:
        if r.get('stuck_rounds'):
            notes.append(f'csock {r["method"]}: {r["stuck_rounds"]} stuck rounds')
    notes += d['fatal'] + d['other'] + d['kernel_log_problems'][:20]
    out('## Anomalies')
    out('')
    if notes:
        for n_ in notes:
            out(f'- {n_}')
    else:
        out('- none: every cancel returned 0 and every cancelled call returned '
            'EINTR; no kernel warning in the log.')
    out('')
    out('![latency distribution](latency.png)')
    out('')
    return '\n'.join(lines), goals


def write_cdf(d, path):
    with open(path, 'w') as f:
        f.write('# SPDX-License-Identifier: GPL-2.0\n')
        f.write('# cancel latency quantiles (µs), written by bench/report.py\n\n')
        for t in TARGETS:
            f.write(f'# {t}: percentile ' + ' '.join(METHODS) + '\n')
            for q in range(101):
                vals = []
                for m in METHODS:
                    c = d['cdf'].get(f'{t}/{m}')
                    vals.append(f'{c[q]:.2f}' if c else 'NaN')
                f.write(f'{q} ' + ' '.join(vals) + '\n')
            f.write('\n\n')


def main():
    p = argparse.ArgumentParser()
    p.add_argument('log')
    p.add_argument('outdir')
    p.add_argument('--command', default='scripts/bench-vm.sh')
    p.add_argument('--kernel', default='?')
    p.add_argument('--wall', default='?')
    p.add_argument('--samples', default='?')
    p.add_argument('--host', default='')
    p.add_argument('--rev', default='')
    p.add_argument('--hotpath', help='console of a counting boot with the '
                   'hot path (scripts/vm.sh -c); else the main console\'s')
    p.add_argument('--hotpath-kernel', default='?')
    a = p.parse_args()
    d = parse(a.log)
    hot = parse(a.hotpath) if a.hotpath else None
    if hot:
        d['hotpath_counted'] = {'kernel': a.hotpath_kernel, 'pp': hot['pp'],
                                'kernel_log_problems':
                                hot['kernel_log_problems']}
        d['kernel_log_problems'] += hot['kernel_log_problems']
        d['fatal'] += hot['fatal']
    if not d['lat']:
        print('report: no latency results in ' + a.log, file=sys.stderr)
    md, goals = build(d, a, hot)
    os.makedirs(a.outdir, exist_ok=True)
    with open(os.path.join(a.outdir, 'latest.md'), 'w') as f:
        f.write(md)
    d['goals'] = [{'goal': g, 'measured': v,
                   'met': ok[0] if isinstance(ok, tuple) else ok,
                   'inconclusive': ok[1] if isinstance(ok, tuple) else False}
                  for g, v, ok in goals]
    d = {'SPDX-License-Identifier': 'GPL-2.0', **d}
    d['command'] = a.command
    d['wall_seconds'] = a.wall
    with open(os.path.join(a.outdir, 'latest.json'), 'w') as f:
        json.dump(d, f, indent=1)
    write_cdf(d, os.path.join(a.outdir, 'latency-cdf.dat'))


if __name__ == '__main__':
    main()
