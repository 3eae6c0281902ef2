"""Benchmark results: Google Benchmark JSON (the C++ suite bench/threadspec_bench and its
Python twin bench/pybench.py, which writes the same format) read into records, and the
Results index every other part works on. Stdlib only.

Names are BM_Family[/variant][/arg...] (Google Benchmark decorations such as /real_time are
dropped). The variant is the implementation (pthread, std_thread, pythreading, cpython, ...);
a name without one belongs to the file's own implementation (pythreading for the C++ suite,
the interpreter for pybench).
"""

import json
import os
import re

from .bench_stats import stats

SCHEMA = "threadspec-bench/1"

# Implementation order in tables and plots; CPython versions come after, by version.
IMPL_ORDER = ["pythreading", "pythreading_daemon", "pthread", "std_thread", "std_jthread", "pthread_self",
              "thread_local", "std_mutex", "std_recursive_mutex", "condvar"]
# The raw C++ baseline of a family: the first of these that was measured.
RAW_BASELINES = ["pthread", "std_mutex", "std_recursive_mutex", "thread_local", "condvar", "pthread_self",
                 "std_thread"]
# Families whose workload is the same in C++ and Python, so a pythreading/CPython ratio means
# something (BM_CpuBound's work units differ between the languages).
CROSS_LANGUAGE = {"BM_SpawnJoin", "BM_SpawnJoinBatch", "BM_CurrentThread", "BM_ActiveCount", "BM_Enumerate",
                  "BM_LocalGet", "BM_LocalSet", "BM_LockUncontended", "BM_LockContended", "BM_RLockUncontended",
                  "BM_EventPingPong", "BM_ConditionNotify"}
_DECORATION = re.compile(r"^(real_time|process_time|manual_time|(min_time|min_warmup_time|repeats|threads|"
                         r"iterations):.*)$")
_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


class BenchError(Exception):
    pass


# ----------------------------------------------------------------------------------------
# Loading Google Benchmark JSON

def parse_name(name):
    """'BM_SpawnJoinBatch/pythreading/64/real_time' -> ('BM_SpawnJoinBatch', 'pythreading', (64,))."""
    parts = name.split("/")
    family, variant, args = parts[0], None, []
    for tok in parts[1:]:
        if _DECORATION.match(tok):
            continue
        if re.match(r"^-?\d+$", tok):
            args.append(int(tok))
        elif variant is None:
            variant = tok
        else:
            variant += "/" + tok
    return family, variant, tuple(args)


def bench_key(family, args):
    """The benchmark as shown in tables: 'BM_SpawnJoinBatch/64'."""
    return "/".join([family] + [str(a) for a in args])


def source_kind(doc):
    ctx = doc.get("context", {})
    return "python" if ctx.get("threadspec_suite") == "pybench" or "python_version" in ctx else "cpp"


def python_label(ctx):
    """'CPython 3.11.7', 'PyPy 7.3.11 (Python 3.9.16)' from a pybench context."""
    version = ctx.get("python_version", "?")
    release = ctx.get("implementation_release") or version
    label = "%s %s" % (ctx.get("python_implementation", "CPython"), release)
    return label if release == version else "%s (Python %s)" % (label, version)


def records_from_gb(doc, source=None):
    """One record per (benchmark, implementation) of a Google Benchmark JSON document:
    {key, family, args, impl, source, values (ns, one per repetition), median, min, max,
    mean, stddev, repetitions}, plus errors. Uses the iteration runs; falls back to the
    median/mean/stddev aggregates when only aggregates were reported."""
    kind = source_kind(doc)
    ctx = doc.get("context", {})
    pylabel = python_label(ctx) if kind == "python" else None
    default_impl = pylabel if kind == "python" else "pythreading"
    runs, aggs, errors, complexity = {}, {}, [], {}
    order = []
    for b in doc.get("benchmarks", []):
        run_name = b.get("run_name") or b.get("name", "")
        agg = b.get("aggregate_name")
        if agg in ("BigO", "RMS"):
            fam = parse_name(re.sub(r"_(BigO|RMS)$", "", b.get("name", "")))[0]
            entry = complexity.setdefault(fam, {})
            if agg == "BigO":
                entry["big_o"] = b.get("big_o")
                entry["real_coefficient"] = b.get("real_coefficient")
            else:
                entry["rms"] = b.get("rms")
            continue
        family, variant, args = parse_name(run_name)
        impl = variant or default_impl
        if kind == "python" and impl == ctx.get("python_implementation", "CPython").lower():
            impl = pylabel   # the interpreter's own token: its label, with its release
        ident = (bench_key(family, args), impl)
        if ident not in runs and ident not in aggs:
            order.append((ident, family, args))
        if b.get("error_occurred"):
            errors.append({"key": ident[0], "impl": impl, "error": b.get("error_message", "error")})
            runs.setdefault(ident, [])
            continue
        scale = _UNIT_NS.get(b.get("time_unit", "ns"), 1.0)
        t = float(b.get("real_time", 0.0)) * scale
        if b.get("run_type", "iteration") == "iteration":
            runs.setdefault(ident, []).append(t)
        elif agg in ("median", "mean", "stddev"):
            aggs.setdefault(ident, {})[agg] = t
    records = []
    for ident, family, args in order:
        values = runs.get(ident) or []
        if values:
            rec = stats(values)
        elif ident in aggs and "median" in aggs[ident]:
            a = aggs[ident]
            rec = {"median": a["median"], "min": a.get("mean", a["median"]) - a.get("stddev", 0.0),
                   "max": a.get("mean", a["median"]) + a.get("stddev", 0.0), "mean": a.get("mean", a["median"]),
                   "stddev": a.get("stddev", 0.0), "repetitions": None}
        else:
            continue  # errored
        rec.update({"key": ident[0], "family": family, "args": list(args), "impl": ident[1],
                    "source": source or kind, "values": values})
        records.append(rec)
    return records, errors, complexity


def impl_sort_key(impl):
    if impl in IMPL_ORDER:
        return (0, IMPL_ORDER.index(impl), ())
    m = re.match(r"^(\S+) (\d+(?:\.\d+)*)", impl)
    if m:
        return (1, m.group(1), tuple(int(x) for x in m.group(2).split(".")))
    return (2, impl, ())


def key_sort_key(key):
    family, _, args = parse_name(key)
    return (family, args)


class Results(object):
    """Records indexed by (key, impl)."""

    def __init__(self, records, complexity=None):
        self.records = list(records)
        self.complexity = complexity or {}
        self.by = {(r["key"], r["impl"]): r for r in self.records}

    def get(self, key, impl):
        return self.by.get((key, impl))

    def median(self, key, impl):
        r = self.get(key, impl)
        return r["median"] if r else None

    def impls(self):
        return sorted({r["impl"] for r in self.records}, key=impl_sort_key)

    def keys(self):
        return sorted({r["key"] for r in self.records}, key=key_sort_key)

    def pythons(self):
        return [i for i in self.impls() if re.match(r"^\S+ \d", i)]

    def reference_python(self, prefer="3.11"):
        """The CPython the ratios use: 3.11.x if measured, else the newest CPython, else any."""
        pys = self.pythons()
        cpy = [p for p in pys if p.startswith("CPython ")]
        for p in reversed(cpy):
            if p.split(" ")[1].startswith(prefer + ".") or p.split(" ")[1] == prefer:
                return p
        if cpy:
            return cpy[-1]
        return pys[-1] if pys else None

    def raw_baseline(self, key):
        for impl in RAW_BASELINES:
            if self.get(key, impl):
                return impl
        return None

    def family_medians(self, family, impl):
        """{args tuple: median} of every measured benchmark of a family for one implementation."""
        return {tuple(r["args"]): r["median"] for r in self.records if r["family"] == family and r["impl"] == impl}

    def family_series(self, family, impl):
        """[(arg, median)] of a family with one argument, sorted by arg."""
        out = []
        for r in self.records:
            if r["family"] == family and r["impl"] == impl and len(r["args"]) == 1:
                out.append((r["args"][0], r["median"]))
        return sorted(out)


def load_results(path):
    """(Results, label, context) from a results.json written by `bench` or a Google Benchmark
    JSON file (threadspec_bench or pybench.py)."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, IOError, ValueError) as exc:
        raise BenchError("%s: cannot read: %s" % (path, exc))
    if not isinstance(doc, dict):
        raise BenchError("%s: not a benchmark results file" % path)
    if doc.get("schema") == SCHEMA:
        return Results(doc["results"], doc.get("complexity")), os.path.basename(path), doc.get("context", {})
    if "benchmarks" in doc:
        recs, _, cx = records_from_gb(doc, source=os.path.basename(path))
        return Results(recs, cx), os.path.basename(path), doc.get("context", {})
    raise BenchError("%s: neither a `threadspec bench` results.json nor Google Benchmark JSON" % path)
