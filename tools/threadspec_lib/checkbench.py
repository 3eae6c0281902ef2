"""`threadspec bench-checker`: how long the checker takes on large outputs, against the
targets of the README (each case checked in under 2 s). Outputs are synthetic and seeded,
so every run measures the same work; each case also asserts its verdict."""

import random
import time

from . import checker
from .checker import Line, Observation

TARGET_SECONDS = 2.0


def _interleave(threads, per_thread, rng):
    """(thread, k) pairs: every thread's k = 0..per_thread-1 in order, threads shuffled."""
    left = [per_thread] * threads
    alive = list(range(threads))
    out = []
    while alive:
        j = rng.randrange(len(alive))
        t = alive[j]
        out.append((t, per_thread - left[t]))
        left[t] -= 1
        if not left[t]:
            alive[j] = alive[-1]
            alive.pop()
    return out


def _obs(texts_labels, traced):
    lines = [Line("stdout", i, text, i * 1e-4, label=label if traced else None,
                  thread=label if traced else None, seq=i if traced else None)
             for i, (text, label) in enumerate(texts_labels)]
    return Observation({"stdout": lines, "stderr": []}, {"kind": "exit", "code": 0}, 1.0, traced)


def cases(scale=1.0):
    """(name, target?, expect, observation, passes) for every case, sizes times scale."""
    rng = random.Random(11)
    n = max(10, int(20000 * scale))
    threads = max(4, int(200 * scale))
    per = 50
    order = _interleave(threads, per, rng)
    one = [("line %d" % i, "main") for i in range(n)]
    out = [
        ("one thread, %d lines" % n, True,
         {"stdout": [{"text": t, "thread": "main"} for t, _ in one]}, _obs(one, True), True),
        ("one thread, %d lines, the last missing" % n, False,
         {"stdout": [{"text": t, "thread": "main"} for t, _ in one]}, _obs(one[:-1], True), False),
        ("one thread, %d lines, one counted regex item" % n, False,
         {"stdout": [{"re": r"line \d+", "thread": "main", "count": n}]}, _obs(one, True), True),
    ]
    labelled = [("w%d line %d" % (t, k), "w[%d]" % t) for t, k in order]
    lab_expect = {"stdout": [{"text": "w%d line %d" % (t, k), "thread": "w[%d]" % t}
                             for t in range(threads) for k in range(per)]}
    out += [("%d threads × %d labelled lines" % (threads, per), True, lab_expect, _obs(labelled, True), True),
            ("%d threads × %d labelled lines, untraced" % (threads, per), False, lab_expect,
             _obs(labelled, False), True)]
    same = [("step %d" % k, "w[%d]" % t) for t, k in order]
    same_expect = {"stdout": [{"text": "step %d" % k, "thread": "w[%d]" % t}
                              for t in range(threads) for k in range(per)]}
    out += [("%d threads × the same %d texts" % (threads, per), True, same_expect, _obs(same, True), True),
            ("%d threads × the same %d texts, untraced" % (threads, per), False, same_expect,
             _obs(same, False), True),
            ("%d threads × the same %d texts, any-thread items with counts" % (threads, per), False,
             {"stdout": [{"text": "step %d" % k, "count": threads} for k in range(per)]}, _obs(same, False), True)]
    overlap = [("x%d" % i, "main") for i in range(31)]
    out += [("six overlapping 0..5 ranges, 31 lines (fails)", False,
             {"stdout": [{"re": "x.*", "count": "0..5", "thread": "main"} for _ in range(6)]},
             _obs(overlap, True), False),
            ("six overlapping 0..5 any-thread ranges, 31 lines (fails)", False,
             {"stdout": [{"re": "x.*", "count": "0..5"} for _ in range(6)]}, _obs(overlap, False), False)]
    return out


def run(scale=1.0, repeat=3):
    """Rows (name, target?, best seconds, verdict ok?) for every case."""
    rows = []
    for name, target, expect, obs, passes in cases(scale):
        best = None
        ok = True
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = checker.check(expect, obs)
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
            ok = ok and result.passed == passes
        rows.append((name, target, best, ok))
    return rows


def cmd_bench_checker(args):
    rows = run(0.1 if args.quick else 1.0, 1 if args.quick else 3)
    print("| case | seconds (best of %d) | target < %g s |" % (1 if args.quick else 3, TARGET_SECONDS))
    print("|---|---|---|")
    status = 0
    for name, target, seconds, ok in rows:
        mark = ("met" if seconds < TARGET_SECONDS else "missed") if target else ""
        if not ok:
            mark, status = "WRONG VERDICT", 1
        print("| %s | %.3f | %s |" % (name, seconds, mark))
    return status


def add_parser(sub):
    p = sub.add_parser("bench-checker", help="time the checker on large synthetic outputs (README targets)")
    p.add_argument("--quick", action="store_true", help="one tenth of the sizes, one repetition (smoke test)")
    p.set_defaults(func=cmd_bench_checker)
