#!/usr/bin/env python
"""pybench.py: the Python twin of threadspec_bench (bench/bench_*.cpp).

The same workloads with the `threading` module of the interpreter that runs it, written
in Google Benchmark's JSON format (context + benchmarks, with repetitions and
median / mean / stddev / cv aggregates), with the same names; the implementation token is
the interpreter's name, `cpython`, `pypy` or `jython` (BM_SpawnJoin/cpython,
BM_LockContended/pypy/2), families with a single
implementation keep the plain form (BM_ActiveCount/64, BM_CpuBound/2). Times are real
(wall-clock) times per iteration, like UseRealTime.

Stdlib only; runs on Python 2.7 and 3.6 to 3.13 (no f-strings).

Usage: pybench.py [--quick] [--min-time S] [--repetitions N] [--filter REGEX] [--out FILE]
Progress goes to stderr, one line per repetition; the JSON goes to --out (default stdout).
"""
from __future__ import print_function

import argparse
import json
import math
import os
import platform
import re
import socket
import sys
import threading
import time

try:
    _now = time.perf_counter
except AttributeError:  # Python 2.7
    _now = time.time
try:
    _cpu = time.process_time
except AttributeError:  # Python 2.7: clock() is processor time on Unix
    _cpu = time.clock

PYBENCH_VERSION = "1"
# The implementation token of benchmark names: the interpreter's own name.
IMPL = platform.python_implementation().lower()

try:
    range = xrange  # noqa: F821  (Python 2: no list of millions of ints)
except NameError:
    pass


def _noop():
    pass


# Each benchmark is a function(iters, arg) -> elapsed real seconds for `iters` iterations,
# measured by the function itself so that set-up (parked threads, helpers) is excluded.

def bm_spawn_join(iters, arg):
    Thread = threading.Thread
    t0 = _now()
    for _ in range(iters):
        t = Thread(target=_noop)
        t.start()
        t.join()
    return _now() - t0


def bm_spawn_join_batch(iters, n):
    Thread = threading.Thread
    t0 = _now()
    for _ in range(iters):
        ts = [Thread(target=_noop) for _ in range(n)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    return _now() - t0


def bm_current_thread(iters, arg):
    ct = threading.current_thread
    t0 = _now()
    for _ in range(iters):
        ct()
    return _now() - t0


class Parked(object):
    """n - 1 threads waiting on an Event, so that active_count() == n."""

    def __init__(self, n):
        self.gate = threading.Event()
        old = threading.stack_size(256 * 1024)
        try:
            self.threads = [threading.Thread(target=self.gate.wait) for _ in range(n - 1)]
            for t in self.threads:
                t.daemon = True
                t.start()
        finally:
            threading.stack_size(old)

    def close(self):
        self.gate.set()
        for t in self.threads:
            t.join()


def bm_active_count(iters, n):
    parked = Parked(n)
    try:
        if threading.active_count() != n:
            raise RuntimeError("active_count() is %d, not %d" % (threading.active_count(), n))
        ac = threading.active_count
        t0 = _now()
        for _ in range(iters):
            ac()
        return _now() - t0
    finally:
        parked.close()


def bm_enumerate(iters, n):
    parked = Parked(n)
    try:
        if len(threading.enumerate()) != n:
            raise RuntimeError("enumerate() has %d threads, not %d" % (len(threading.enumerate()), n))
        en = threading.enumerate
        t0 = _now()
        for _ in range(iters):
            en()
        return _now() - t0
    finally:
        parked.close()


def bm_local_get(iters, arg):
    data = threading.local()
    data.x = 1
    t0 = _now()
    for _ in range(iters):
        data.x
    return _now() - t0


def bm_local_set(iters, arg):
    data = threading.local()
    t0 = _now()
    for i in range(iters):
        data.x = i
    return _now() - t0


def _acquire_release(lock, iters):
    acquire, release = lock.acquire, lock.release
    t0 = _now()
    for _ in range(iters):
        acquire()
        release()
    return _now() - t0


def bm_lock_uncontended(iters, arg):
    return _acquire_release(threading.Lock(), iters)


def bm_rlock_uncontended(iters, arg):
    return _acquire_release(threading.RLock(), iters)


def bm_lock_contended(iters, n):
    lock = threading.Lock()
    stop = []

    def helper():
        acquire, release = lock.acquire, lock.release
        while not stop:
            acquire()
            release()

    helpers = [threading.Thread(target=helper) for _ in range(n - 1)]
    for t in helpers:
        t.start()
    try:
        return _acquire_release(lock, iters)
    finally:
        stop.append(True)
        for t in helpers:
            t.join()


def bm_event_ping_pong(iters, arg):
    ping, pong = threading.Event(), threading.Event()
    stop = []

    def partner():
        while True:
            ping.wait()
            ping.clear()
            if stop:
                return
            pong.set()

    t = threading.Thread(target=partner)
    t.start()
    try:
        t0 = _now()
        for _ in range(iters):
            ping.set()
            pong.wait()
            pong.clear()
        return _now() - t0
    finally:
        stop.append(True)
        ping.set()
        t.join()


def bm_condition_notify(iters, arg):
    cond = threading.Condition()
    t0 = _now()
    for _ in range(iters):
        with cond:
            cond.notify()
    return _now() - t0


def _cpu_work(units, seed, out, index):
    x = seed | 1
    mask = 0xFFFFFFFFFFFFFFFF
    for _ in range(units):
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
    out[index] = x


def make_cpu_bound(total):
    def bm_cpu_bound(iters, n):
        out = [0] * n
        t0 = _now()
        for _ in range(iters):
            ts = [threading.Thread(target=_cpu_work, args=(total // n, i + 1, out, i)) for i in range(n)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        return _now() - t0
    return bm_cpu_bound


def suite(quick):
    """[(name, function, arg)] in the order of threadspec_bench."""
    batch = [1, 4, 16] if quick else [1, 2, 4, 8, 16, 32, 64, 128, 256]
    live = [1, 8, 64] if quick else [1, 4, 16, 64, 256, 1024]
    contended = [2] if quick else [2, 4]
    cpu_threads = [1, 2] if quick else [1, 2, 4]
    cpu_total = 20000 if quick else 100000
    out = [("BM_SpawnJoin/%s" % IMPL, bm_spawn_join, None)]
    out += [("BM_SpawnJoinBatch/%s/%d" % (IMPL, n), bm_spawn_join_batch, n) for n in batch]
    out += [("BM_CurrentThread/%s" % IMPL, bm_current_thread, None)]
    out += [("BM_ActiveCount/%d" % n, bm_active_count, n) for n in live]
    out += [("BM_Enumerate/%d" % n, bm_enumerate, n) for n in live]
    out += [("BM_LocalGet/%s" % IMPL, bm_local_get, None), ("BM_LocalSet/%s" % IMPL, bm_local_set, None),
            ("BM_LockUncontended/%s" % IMPL, bm_lock_uncontended, None)]
    out += [("BM_LockContended/%s/%d" % (IMPL, n), bm_lock_contended, n) for n in contended]
    out += [("BM_RLockUncontended/%s" % IMPL, bm_rlock_uncontended, None),
            ("BM_EventPingPong/%s" % IMPL, bm_event_ping_pong, None),
            ("BM_ConditionNotify/%s" % IMPL, bm_condition_notify, None)]
    cpu = make_cpu_bound(cpu_total)
    out += [("BM_CpuBound/%d" % n, cpu, n) for n in cpu_threads]
    return out, cpu_total


def calibrate(fn, arg, min_time, max_iters=10 ** 9):
    """Google Benchmark's rule: grow the iteration count (at most 10x a step, aiming at
    1.4 x min_time) until one run lasts at least min_time. Returns (iters, elapsed, cpu)."""
    iters = 1
    while True:
        c0 = _cpu()
        elapsed = fn(iters, arg)
        cpu = _cpu() - c0
        if elapsed >= min_time or iters >= max_iters:
            return iters, elapsed, cpu
        if elapsed <= 0:
            mult = 10.0
        else:
            mult = min(10.0, max(1.0, min_time * 1.4 / elapsed))
        if elapsed / min_time > 0.1 and mult < 1.1:
            mult = 1.1
        iters = max(iters + 1, int(iters * mult + 0.5))


def _median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def _stddev(xs):
    if len(xs) < 2:
        return 0.0
    m = sum(xs) / len(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def aggregates(name, runs, family_index, instance_index, unit):
    """median / mean / stddev / cv entries as Google Benchmark writes them."""
    real = [r["real_time"] for r in runs]
    cpu = [r["cpu_time"] for r in runs]
    out = []
    for agg, f in (("mean", lambda xs: sum(xs) / len(xs)), ("median", _median), ("stddev", _stddev),
                   ("cv", lambda xs: (_stddev(xs) / (sum(xs) / len(xs))) if sum(xs) else 0.0)):
        out.append({
            "name": "%s_%s" % (name, agg), "family_index": family_index,
            "per_family_instance_index": instance_index, "run_name": name, "run_type": "aggregate",
            "repetitions": len(runs), "threads": 1, "aggregate_name": agg,
            "aggregate_unit": "percentage" if agg == "cv" else "time",
            "iterations": len(runs), "real_time": f(real), "cpu_time": f(cpu), "time_unit": unit,
        })
    return out


def cpu_count():
    """The number of CPUs, or None; Jython 2.7 has neither os.cpu_count nor multiprocessing."""
    counter = getattr(os, "cpu_count", None)
    if counter is not None:
        return counter()
    try:
        import multiprocessing
        return multiprocessing.cpu_count()
    except (ImportError, NotImplementedError):
        pass
    try:
        from java.lang import Runtime  # Jython
        return int(Runtime.getRuntime().availableProcessors())
    except ImportError:
        return None


def gil_disabled():
    """True when threads of this interpreter run Python code in parallel: a free-threaded
    CPython (3.13t with the GIL off), or Jython (JVM threads, no global lock). PyPy and a
    default CPython have a GIL."""
    if platform.python_implementation() in ("Jython", "IronPython"):
        return True
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return is_enabled is not None and not is_enabled()


def implementation_release():
    """The implementation's own release: PyPy 7.3.11; CPython and Jython: their version."""
    pypy = getattr(sys, "pypy_version_info", None)
    if pypy is not None:
        return "%d.%d.%d" % tuple(pypy[:3])
    return platform.python_version()


def now_iso():
    """Local time with its UTC offset (Jython's strftime has no %z)."""
    local = time.localtime()
    offset = -(time.altzone if local.tm_isdst > 0 else time.timezone)
    sign = "+" if offset >= 0 else "-"
    return time.strftime("%Y-%m-%dT%H:%M:%S", local) + "%s%02d%02d" % (sign, abs(offset) // 3600,
                                                                      abs(offset) % 3600 // 60)


def context(min_time, repetitions, quick, cpu_total):
    """The run's context; computed before any benchmark runs, so that nothing about the
    interpreter can lose the measurements afterwards."""
    impl = platform.python_implementation()
    try:
        load = list(os.getloadavg())
    except (AttributeError, OSError):
        load = []
    return {
        "date": now_iso(),
        "host_name": socket.gethostname(),
        "executable": sys.executable,
        "num_cpus": cpu_count(),
        "load_avg": load,
        "library_build_type": "release",
        "threadspec_suite": "pybench",
        "pybench_version": PYBENCH_VERSION,
        "python_implementation": impl,
        "implementation_release": implementation_release(),
        "python_version": platform.python_version(),
        "python_compiler": platform.python_compiler(),
        "python_build": " ".join(platform.python_build()),
        "gil_disabled": "true" if gil_disabled() else "false",
        "min_time": min_time,
        "repetitions": repetitions,
        "quick": "yes" if quick else "no",
        "cpu_work_units": cpu_total,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description="threading overhead benchmarks (Google Benchmark JSON)")
    ap.add_argument("--quick", action="store_true", help="small arguments, tiny min time, 2 repetitions")
    ap.add_argument("--min-time", type=float, default=None, help="seconds per repetition (default 0.5; quick 0.01)")
    ap.add_argument("--repetitions", type=int, default=None, help="repetitions (default 5; quick 2)")
    ap.add_argument("--filter", default=".", help="regular expression on benchmark names (re.search)")
    ap.add_argument("--out", default=None, help="JSON output file (default stdout)")
    ap.add_argument("--list", action="store_true", help="print the benchmark names and exit")
    args = ap.parse_args(argv)
    min_time = args.min_time if args.min_time is not None else (0.01 if args.quick else 0.5)
    reps = args.repetitions if args.repetitions is not None else (2 if args.quick else 5)
    if reps < 1 or min_time <= 0:
        ap.error("--repetitions must be >= 1 and --min-time > 0")
    benchmarks, cpu_total = suite(args.quick)
    rx = re.compile(args.filter)
    selected = [b for b in benchmarks if rx.search(b[0])]
    if args.list:
        for name, _, _ in selected:
            print(name)
        return 0
    unit = "ns"
    ctx = context(min_time, reps, args.quick, cpu_total)
    results = []
    families = {}
    tag = "%s %s" % (platform.python_implementation(), implementation_release())
    for name, fn, arg in selected:
        family = name.split("/")[0]
        fam_index = families.setdefault(family, len(families))
        inst_index = sum(1 for r in results if r.get("family_index") == fam_index and r["run_type"] == "aggregate"
                         and r["aggregate_name"] == "mean")
        runs = []
        try:
            iters = None
            for rep in range(reps):
                if iters is None:  # the first repetition calibrates; the others reuse its count
                    iters, elapsed, cpu = calibrate(fn, arg, min_time)
                else:
                    c0 = _cpu()
                    elapsed = fn(iters, arg)
                    cpu = _cpu() - c0
                run = {"name": name, "family_index": fam_index, "per_family_instance_index": inst_index,
                       "run_name": name, "run_type": "iteration", "repetitions": reps,
                       "repetition_index": rep, "threads": 1, "iterations": iters,
                       "real_time": elapsed / iters * 1e9, "cpu_time": cpu / iters * 1e9, "time_unit": unit}
                runs.append(run)
                sys.stderr.write("pybench %s: %-40s %14.1f ns %10d iterations (rep %d/%d)\n" %
                                 (tag, name, run["real_time"], iters, rep + 1, reps))
                sys.stderr.flush()
        except Exception as exc:  # a benchmark that cannot run on this interpreter
            sys.stderr.write("pybench %s: %s: error: %s\n" % (tag, name, exc))
            results.append({"name": name, "family_index": fam_index, "per_family_instance_index": inst_index,
                            "run_name": name, "run_type": "iteration", "repetitions": reps,
                            "repetition_index": 0, "threads": 1, "iterations": 0, "real_time": 0,
                            "cpu_time": 0, "time_unit": unit, "error_occurred": True,
                            "error_message": str(exc)})
            continue
        results.extend(runs)
        results.extend(aggregates(name, runs, fam_index, inst_index, unit))
    doc = {"context": ctx, "benchmarks": results}
    text = json.dumps(doc, indent=2, sort_keys=False)
    if args.out:
        tmp = args.out + ".tmp"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.rename(tmp, args.out)
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
