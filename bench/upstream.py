#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The report of make bench KERNEL=upstream (scripts/bench-vm.sh with
BENCH_ARCH=upstream): the consoles of the boots of the in-kernel series'
kernel and of its base (the same tree without it, or with only the
patches of upstream/bench-base), turned into RESULTS_DIR/latest.md
and latest.json.

- Cancel latency, from both boots of the series' kernel: the median of
  PIDFD_CANCEL_SOCKET_WAIT (pidfd_cancel) against the shutdown() wake and
  tgkill, per blocking call, the mean of the two boots' medians; goal: at
  most 1.1x the shutdown() wake.
- Hot path: 1-byte ping-pong round trips per second, every round of every
  hot-path boot, which counts instructions (scripts/vm.sh -c: the guest's
  clock advances 1 ns per instruction, so 1e9 / rtps is the instructions
  both vCPUs execute per round trip); the cost is 1 - series / base of
  the medians, and the instructions it adds to each of the round trip's
  four socket calls. The noise is what the same kernel gives from one
  boot to the other and from round to round; goal: the cost of the
  series as booted (cancellation not yet switched on) at most the noise
  (a series that runs fewer instructions than its base costs nothing). Its
  boots also run the rounds again once switched on ('armed'): reported.
- Single calls: one write(), poll(), read(), sendto() and recvfrom() of each
  kernel, every instruction counted by gdb through QEMU's stub
  (bench/rwstep.py's output, --rwstep KIND=FILE), and what the series
  adds to each.

usage: upstream.py RESULTS_DIR [KIND=CONSOLE...] [--rwstep KIND=GDB_LOG]...
                   --command CMD --wall S --samples N --series-image P
                   --base-image P --base-patches TEXT --build S
                   --host TEXT --rev REV
"""
import argparse
import datetime
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import TARGETS, parse  # noqa: E402

GOAL_LAT = 1.1
METHODS = ['pidfd_cancel', 'shutdown', 'tgkill', 'io_uring']


def quartiles(v):
    if len(v) < 2:
        return (v[0], v[0]) if v else (None, None)
    q = statistics.quantiles(v, n=4, method='inclusive')
    return q[0], q[2]


def fmt(x, nd=2):
    return '-' if x is None else f'{x:.{nd}f}'


KEYS = ('n', 'median_us', 'p90_us', 'p99_us', 'call_median_us', 'wrong',
        'refused', 'lost', 'noblock')
COUNTS = ('n', 'wrong', 'refused', 'lost', 'noblock')


def ratios(row):
    pc, sh, tg = (row.get(m, {}).get('median_us')
                  for m in ('pidfd_cancel', 'shutdown', 'tgkill'))
    row['vs_shutdown'] = pc / sh if pc and sh else None
    row['vs_tgkill'] = pc / tg if pc and tg else None


def latency(ds):
    """Per call: each latency boot's medians, and the mean of them."""
    rows = []
    for t in TARGETS:
        row = {'target': t, 'boots': []}
        for d in ds:
            lat = {(r['target'], r['method']): r for r in d['lat']}
            b = {m: {k: lat[(t, m)][k] for k in KEYS}
                 for m in METHODS if (t, m) in lat}
            ratios(b)
            row['boots'].append(b)
        for m in METHODS:
            per = [b[m] for b in row['boots'] if m in b]
            if not per:
                continue
            row[m] = {k: sum(p[k] for p in per) for k in COUNTS}
            row[m]['median_us'] = statistics.mean(p['median_us']
                                                  for p in per)
        ratios(row)
        row['met'] = row['vs_shutdown'] is not None and \
            row['vs_shutdown'] <= GOAL_LAT
        rows.append(row)
    return rows


def hotpath(boots):
    """Per (proto, cpus): every round's rtps by kernel and boot. The
    series' rounds after a request switched cancellation on are 'armed'."""
    out = []
    keys = sorted({(r['proto'], r['cpus']) for _, d in boots for r in d['pp']})
    for proto, cpus in keys:
        per = {'series': [], 'base': [], 'armed': []}
        per_boot = []
        for i, (kind, d) in enumerate(boots):
            for armed in (False, True):
                v = [r['rtps'] for r in d['pp']
                     if r['proto'] == proto and r['cpus'] == cpus and
                     r.get('armed', False) == armed]
                if not v:
                    continue
                k = 'armed' if armed else kind
                per[k] += v
                per_boot.append({'boot': i + 1, 'kernel': k, 'rounds': v,
                                 'median': statistics.median(v)})
        per = {k: v for k, v in per.items() if v}
        if 'series' not in per or 'base' not in per:
            continue
        med = {k: statistics.median(v) for k, v in per.items()}
        cost = {k: 1 - med[k] / med['base'] for k in med if k != 'base'}
        # boot to boot: the two boots of one kernel; round to round: the
        # relative IQR of one kernel's rounds
        b2b = []
        for kind in per:
            m = [b['median'] for b in per_boot if b['kernel'] == kind]
            if len(m) >= 2:
                b2b.append((max(m) - min(m)) / statistics.median(m))
        iqr = []
        for kind, v in per.items():
            lo, hi = quartiles(v)
            iqr.append((hi - lo) / med[kind])
        noise = max(b2b + iqr)
        insns = {k: 1e9 / v for k, v in med.items()}
        out.append({'proto': proto, 'cpus': cpus, 'median_rtps': med,
                    'insns_per_rt': insns,
                    'insns_per_call': {k: (insns[k] - insns['base']) / 4
                                       for k in cost},
                    'rounds': {k: len(v) for k, v in per.items()},
                    'cost': cost, 'boot_to_boot': max(b2b) if b2b else None,
                    'round_iqr': max(iqr), 'noise': noise,
                    'within_noise': abs(cost['series']) <= noise,
                    'met': cost['series'] <= noise,
                    'boots': per_boot})
    return out


CALLS = ('write', 'poll', 'read', 'sendto', 'recvfrom')


def rwsteps(args):
    """{kind: {call: [instructions of each call stepped]}} from the
    'rwstep N CALL INSNS' lines of bench/rwstep.py's output."""
    steps = {}
    for arg in args:
        kind, path = arg.split('=', 1)
        calls = steps.setdefault(kind, {})
        with open(path) as f:
            for line in f:
                w = line.split()
                if len(w) == 4 and w[0] == 'rwstep' and w[1].isdigit():
                    calls.setdefault(w[2], []).append(int(w[3]))
    return steps


def rwstep_section(steps):
    L = ['## Single calls, counted exactly\n',
         'One `write()`, `read()`, `send()` (sendto) and `recv()` '
         '(recvfrom) of a byte on an AF_UNIX stream pair, and a `poll()` '
         'of its readable end with the byte there, each '
         'single-stepped through QEMU\'s gdb stub from the system call\'s '
         'entry to the return to user space, every instruction counted '
         '(bench/rwstep.c, bench/rwstep.py; the guest\'s clock counts '
         'instructions, so the debugger\'s pauses let no time pass in the '
         'guest). Three calls of each; the table gives the fewest, the '
         'call\'s own path. The series as booted: nothing has switched its '
         'marking on.\n',
         '| call | base | series as booted | added | each call (base; '
         'series) |', '|---|---|---|---|---|']
    base, series = steps.get('base', {}), steps.get('series', {})
    for c in CALLS:
        b, s = base.get(c), series.get(c)
        added = f'{min(s) - min(b):+d}' if b and s else '-'
        L.append(f'| {c}() | {min(b) if b else "-"} | '
                 f'{min(s) if s else "-"} | {added} | '
                 + '; '.join(', '.join(map(str, v)) if v else '-'
                             for v in (b, s)) + ' |')
    L.append('')
    return L


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('results')
    ap.add_argument('boots', nargs='*')
    ap.add_argument('--rwstep', action='append', default=[])
    for o in ('command', 'wall', 'samples', 'series_image', 'base_image',
              'base_patches',
              'build', 'host', 'rev'):
        ap.add_argument('--' + o.replace('_', '-'), default='')
    a = ap.parse_args()

    boots = []
    for b in a.boots:
        kind, path = b.split('=', 1)
        boots.append((kind, parse(path)))
    problems = [p for _, d in boots
                for p in d['kernel_log_problems'] + d['fatal']]
    first = boots[0][1] if boots else {'env': {}}
    steps = rwsteps(a.rwstep)
    lat_boots = [i for i, (k, d) in enumerate(boots)
                 if k == 'series' and d['lat']]
    lat = latency([boots[i][1] for i in lat_boots])
    hp = hotpath(boots)
    lat_met = all(r['met'] for r in lat)
    hp_met = bool(hp) and all(h['met'] for h in hp)
    res = {'date': datetime.datetime.now(datetime.timezone.utc).isoformat(),
           'command': a.command, 'rev': a.rev, 'wall_s': a.wall,
           'samples': a.samples, 'host': a.host,
           'series_image': a.series_image, 'base_image': a.base_image,
           'base_build': a.build, 'base_patches': a.base_patches,
           'env': first['env'],
           'boots': [k for k, _ in boots],
           'latency_boots': [i + 1 for i in lat_boots], 'latency': lat,
           'latency_goal': GOAL_LAT, 'latency_met': lat_met,
           'hotpath': hp, 'hotpath_met': hp_met, 'rwstep': steps,
           'kernel_log_problems': problems}
    os.makedirs(a.results, exist_ok=True)
    with open(os.path.join(a.results, 'latest.json'), 'w') as f:
        json.dump(res, f, indent=1)

    L = []
    L.append('# The in-kernel series (upstream/) on 7.3: cancel latency '
             'and hot path\n')
    L.append(f'- Command: `{a.command}`; {res["date"][:19]} UTC; '
             f'rev {a.rev}; wall {a.wall} s')
    L.append('- Kernels: Debian linux-source-7.3 '
             f'({first["env"].get("kernel")}), '
             f'with the series `{a.series_image}` and its base '
             f'`{a.base_image}` ('
             + (f'with the series\' {a.base_patches} alone, '
                'upstream/bench-base; ' if a.base_patches else
                'without the series; ')
             + 'the same config, check-upstream\'s less lock '
             'debugging, upstream/bench.config; the same object directory '
             'and ccache; '
             f'the base built in {a.build}); boots: '
             + ', '.join(f'{i + 1} {k}' for i, (k, _) in enumerate(boots)))
    e = first['env']
    L.append(f'- Guest: QEMU TCG, {e.get("cpus")} vCPUs, clocksource '
             f'{e.get("clocksource")}; host: {a.host}')
    L.append('- Everything runs under software emulation on a shared host: '
             'read ratios, not absolute times.\n')

    lb = ' and '.join(str(i + 1) for i in lat_boots)
    L.append(f'## Cancel latency (boot{"s" if len(lat_boots) > 1 else ""}'
             f' {lb}, the series\' kernel)\n')
    L.append(f'Median microseconds from the canceller\'s call to the woken '
             f'thread\'s return, {a.samples} samples a configuration in '
             'each boot, every round in a new random order (bench/README.md, '
             'Method); the figure is the mean of the boots\' medians, and '
             'the ratio per boot follows it. '
             'pidfd_cancel is PIDFD_CANCEL_SOCKET_WAIT on a PIDFD_THREAD '
             'pidfd of the worker; shutdown is shutdown(SHUT_RD) of the '
             'socket; tgkill a SIGUSR1 with a handler without SA_RESTART. '
             f'Goal: pidfd_cancel at most {GOAL_LAT}x shutdown.\n')
    L.append('| call | n | pidfd_cancel | shutdown | tgkill | io_uring '
             '| pidfd/shutdown | per boot | pidfd/tgkill | goal |')
    L.append('|---|---|---|---|---|---|---|---|---|---|')
    for r in lat:
        pc = r.get('pidfd_cancel', {})
        bad = sum(r.get(m, {}).get(k, 0) for m in METHODS
                  for k in ('wrong', 'refused', 'lost'))
        L.append(f'| {r["target"]} | {pc.get("n", "-")} | '
                 + ' | '.join(fmt(r.get(m, {}).get('median_us'))
                              for m in METHODS)
                 + f' | {fmt(r["vs_shutdown"])} | '
                 + ', '.join(fmt(b['vs_shutdown']) for b in r['boots'])
                 + f' | {fmt(r["vs_tgkill"])} | '
                 f'{"met" if r["met"] else "NOT met"}'
                 + (f' ({bad} wrong/refused/lost)' if bad else '') + ' |')
    L.append('')
    missed = ', '.join(r['target'] for r in lat if not r['met'])
    L.append('Latency goal, every call at most 1.1x shutdown: '
             + ('met' if lat_met else f'NOT met ({missed})') + '.\n')

    L.append('## Hot path: 1-byte ping-pong, the series against its '
             'base\n')
    L.append('Round trips per second of the guest\'s clock, which these '
             'boots run on instructions (QEMU -icount shift=0: 1 ns per '
             'instruction executed, by either vCPU), so that the two '
             'kernels\' images are compared by the work they do and not by '
             'how fast the emulator runs them; median over every round of '
             'every boot of that kernel. The series marks socket calls '
             'only once a request has switched cancellation on: "series" '
             'is its kernel as booted, "armed" the same boots after '
             '`sockbench arm`. cost = 1 - series / base; '
             'instructions: per round trip (1e9 / rtps), and what the series '
             'adds to each of its four socket calls (two writes, two '
             'reads). Noise: the larger of the spread between the two boots '
             'of one kernel and the relative IQR of one kernel\'s rounds. '
             'Goal: the cost of the series as booted at most the noise '
             '("within noise"; "cheaper": fewer instructions than the '
             'base, by more than the noise).\n')
    L.append('| proto | vCPUs | base rtps | series rtps | cost | '
             'added per call | armed rtps | armed cost | armed per call | '
             'insns per round trip (base, series, armed) | '
             'boot to boot | round IQR | goal |')
    L.append('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for h in hp:
        b2b = h['boot_to_boot']
        b2b = '-' if b2b is None else f'{100 * b2b:.2f}'
        ok = ('within noise' if h['within_noise'] else
              'cheaper' if h['met'] else 'NOT within noise')
        rt, ins, cost = h['median_rtps'], h['insns_per_rt'], h['cost']
        per_call = h['insns_per_call']

        def cell(k, f):
            return f(k) if k in rt else '-'
        L.append(f'| {h["proto"]} | {h["cpus"]} | '
                 f'{rt["base"]:.0f} | {rt["series"]:.0f} | '
                 f'{100 * cost["series"]:+.2f}% | '
                 f'{per_call["series"]:+.0f} | '
                 + cell('armed', lambda k: f'{rt[k]:.0f}') + ' | '
                 + cell('armed', lambda k: f'{100 * cost[k]:+.2f}%') + ' | '
                 + cell('armed', lambda k: f'{per_call[k]:+.0f}') + ' | '
                 + ', '.join(f'{ins[k]:.0f}' for k in ('base', 'series',
                                                       'armed') if k in ins)
                 + f' | {b2b}% | {100 * h["round_iqr"]:.2f}% | {ok} |')
    L.append('')
    L.append('Per boot (median rtps of its rounds; a series boot\'s armed '
             'rounds in parentheses):\n')
    L.append('| proto | vCPUs | ' + ' | '.join(
        f'boot {i + 1} ({k})' for i, (k, _) in enumerate(boots)) + ' |')
    L.append('|---|---|' + '---|' * len(boots))
    for h in hp:
        m, arm = {}, {}
        for b in h['boots']:
            (arm if b['kernel'] == 'armed' else m)[b['boot']] = b['median']

        def one(i):
            t = f'{m[i]:.0f}' if i in m else '-'
            return t + (f' ({arm[i]:.0f})' if i in arm else '')
        L.append(f'| {h["proto"]} | {h["cpus"]} | ' + ' | '.join(
            one(i + 1) for i in range(len(boots))) + ' |')
    L.append('')
    L.append(f'Hot-path goal: {"met" if hp_met else "NOT met"}.\n')
    if steps:
        L += rwstep_section(steps)
    L.append('## Kernel log\n')
    L.append('No warning in any boot.' if not problems else
             '\n'.join(f'    {p}' for p in problems))
    with open(os.path.join(a.results, 'latest.md'), 'w') as f:
        f.write('\n'.join(L) + '\n')


if __name__ == '__main__':
    main()
