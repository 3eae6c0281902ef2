"""`threadspec bench` and `threadspec bench-compare`: thread overhead of pythreading, raw
pthread / std::thread and each Python interpreter, in one table, one JSON and one picture.

Inputs are Google Benchmark JSON files: the C++ suite (bench/threadspec_bench) and its Python
twin (bench/pybench.py), which writes the same format. Names are BM_Family[/variant][/arg...]
(Google Benchmark decorations such as /real_time are dropped). The variant is the
implementation (pthread, std_thread, pythreading, cpython, ...); a name without one belongs to
the file's own implementation (pythreading for the C++ suite, the interpreter for pybench).

Outputs (in --out, default results/bench/): cpp.json and KEY.json per Python implementation
(KEY: name and release, cpython-3.11.7, pypy-7.3.11; the raw runs),
results.json (merged, with the machine context and the targets), table.md, plot.svg.
Everything here is stdlib only; no timing is ever asserted by the tests.
"""

import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH_DIR = os.path.join(ROOT, "bench")
PYBENCH = os.path.join(BENCH_DIR, "pybench.py")
DEFAULT_BUILD_DIR = os.path.join(ROOT, "build-bench")
DEFAULT_OUT = os.path.join(ROOT, "results", "bench")
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


def _median(xs):
    s = sorted(xs)
    n = len(s)
    if not n:
        return float("nan")
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def _stddev(xs):
    if len(xs) < 2:
        return 0.0
    m = sum(xs) / len(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def stats(values):
    return {"median": _median(values), "min": min(values), "max": max(values),
            "mean": sum(values) / len(values), "stddev": _stddev(values), "repetitions": len(values)}


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


# ----------------------------------------------------------------------------------------
# Analysis: lookups, ratios, targets

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

    def family_series(self, family, impl):
        """[(arg, median)] of a family with one argument, sorted by arg."""
        out = []
        for r in self.records:
            if r["family"] == family and r["impl"] == impl and len(r["args"]) == 1:
                out.append((r["args"][0], r["median"]))
        return sorted(out)


def _ratio(a, b):
    if a is None or b is None or not b:
        return None
    return a / b


def linear_fit(points):
    """Least squares y = a + b x; returns (a, b, r2)."""
    n = len(points)
    if n < 2:
        return None
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    if not sxx:
        return None
    sxy = sum((p[0] - mx) * (p[1] - my) for p in points)
    b = sxy / sxx
    a = my - b * mx
    ss_tot = sum((p[1] - my) ** 2 for p in points)
    ss_res = sum((p[1] - a - b * p[0]) ** 2 for p in points)
    r2 = 1.0 - ss_res / ss_tot if ss_tot else 1.0
    return a, b, r2


def evaluate_targets(res):
    """The issue's targets, each {id, target, measured, value, met (True/False/None), note}."""
    out = []

    def add(tid, text, value, met, measured, note=""):
        out.append({"id": tid, "target": text, "value": value, "met": met, "measured": measured, "note": note})

    pt, raw = res.median("BM_SpawnJoin", "pythreading"), res.median("BM_SpawnJoin", "pthread")
    r = _ratio(pt, raw)
    add("spawn_join_vs_pthread", "BM_SpawnJoin/pythreading <= 1.10 x BM_SpawnJoin/pthread", r,
        None if r is None else r <= 1.10, "%s" % _fmt_ratio(r))
    ref = res.reference_python()
    py = res.median("BM_SpawnJoin", ref) if ref else None
    r = _ratio(pt, py)
    add("spawn_join_vs_cpython", "BM_SpawnJoin/pythreading <= 0.25 x %s's" % (ref or "CPython 3.11"), r,
        None if r is None else r <= 0.25, _fmt_ratio(r))

    series = res.family_series("BM_ActiveCount", "pythreading")
    if len(series) >= 2:
        grow = _ratio(series[-1][1], series[0][1])
        add("active_count_flat", "BM_ActiveCount flat from %d to %d live threads (largest / smallest <= 2)" %
            (series[0][0], series[-1][0]), grow, grow <= 2.0,
            "%s (%s -> %s)" % (_fmt_ratio(grow), fmt_time(series[0][1]), fmt_time(series[-1][1])),
            _complexity_note(res, "BM_ActiveCount"))
    else:
        add("active_count_flat", "BM_ActiveCount flat 1..1024", None, None, "not measured")

    series = res.family_series("BM_Enumerate", "pythreading")
    fit = linear_fit(series) if len(series) >= 3 else None
    if fit:
        a, b, r2 = fit
        met = r2 >= 0.95 and b > 0
        add("enumerate_linear", "BM_Enumerate linear in live threads (least-squares fit R^2 >= 0.95)", r2, met,
            "R^2 %.3f, %s per thread + %s" % (r2, fmt_time(b), fmt_time(a)), _complexity_note(res, "BM_Enumerate"))
    else:
        add("enumerate_linear", "BM_Enumerate linear", None, None, "not measured")

    r = _ratio(res.median("BM_EventPingPong", "pythreading"), res.median("BM_EventPingPong", "condvar"))
    add("event_ping_pong_vs_condvar", "BM_EventPingPong/pythreading <= 1.2 x BM_EventPingPong/condvar", r,
        None if r is None else r <= 1.2, _fmt_ratio(r))

    speedups = {}
    for impl in ["pythreading", "pthread"] + res.pythons():
        s = dict(res.family_series("BM_CpuBound", impl))
        if 1 in s and 2 in s and s[2]:
            speedups[impl] = s[1] / s[2]
    sp = speedups.get("pythreading")
    note = ", ".join("%s %.2fx" % (k, v) for k, v in sorted(speedups.items(), key=lambda kv: impl_sort_key(kv[0]))
                     if k != "pythreading")
    add("cpu_bound_speedup", "BM_CpuBound/2 >= 1.8x faster than BM_CpuBound/1 (pythreading)", sp,
        None if sp is None else sp >= 1.8, "%.2fx" % sp if sp is not None else "not measured",
        ("others: " + note) if note else "")
    return out


def _complexity_note(res, family):
    c = res.complexity.get(family)
    if not c:
        return ""
    rc = c.get("real_coefficient")
    return "Google Benchmark fit: %s, coefficient %s, RMS %s" % (
        c.get("big_o"), fmt_time(rc) if isinstance(rc, (int, float)) else rc,
        ("%.0f%%" % (100 * c["rms"])) if isinstance(c.get("rms"), (int, float)) else "?")


def _fmt_ratio(r):
    return "n/a" if r is None else ("%.2fx" % r if r >= 0.1 else "%.3gx" % r)


def fmt_time(ns):
    if ns is None or (isinstance(ns, float) and math.isnan(ns)):
        return "n/a"
    a = abs(ns)
    if a >= 1e9:
        return "%.3g s" % (ns / 1e9)
    if a >= 1e6:
        return "%.3g ms" % (ns / 1e6)
    if a >= 1e3:
        return "%.3g us" % (ns / 1e3)
    return "%.3g ns" % ns


# ----------------------------------------------------------------------------------------
# Rendering: Markdown table, results JSON, SVG

def markdown(res, targets, context, errors=()):
    L = []
    L.append("# threadspec bench: thread overhead")
    L.append("")
    L.append("%s on %s (%s cores), Linux %s; %s %s; Google Benchmark %s. Load average at start %s.%s" % (
        context.get("date", "?"), context.get("cpu_model", "?"), context.get("cores", "?"),
        context.get("kernel", "?"), context.get("compiler", "?"), context.get("cxx_flags", "").strip(),
        context.get("benchmark_version", "?"), context.get("load_avg_start", "?"),
        " **Quick (smoke) mode: numbers are not meaningful.**" if context.get("quick") else ""))
    L.append("Times are real (wall-clock) time per iteration: median of the repetitions, and their min and max.")
    L.append("")
    L.append("## Targets")
    L.append("")
    L.append("| target | measured | result | note |")
    L.append("|---|---|---|---|")
    for t in targets:
        verdict = "not measured" if t["met"] is None else ("met" if t["met"] else "**missed**")
        L.append("| %s | %s | %s | %s |" % (t["target"], t["measured"], verdict, t.get("note", "")))
    L.append("")
    ref = res.reference_python()
    L.append("## Ratios")
    L.append("")
    L.append("pythreading against the raw C++ baseline of each benchmark, and against %s." % (ref or "CPython (none measured)"))
    L.append("")
    L.append("| benchmark | pythreading | raw baseline | pythreading / raw | %s | pythreading / %s |" %
             (ref or "CPython", ref or "CPython"))
    L.append("|---|---:|---|---:|---:|---:|")
    for key in res.keys():
        pt = res.median(key, "pythreading")
        if pt is None:
            continue
        base = res.raw_baseline(key)
        bm = res.median(key, base) if base else None
        family = parse_name(key)[0]
        py = res.median(key, ref) if ref and family in CROSS_LANGUAGE else None
        L.append("| %s | %s | %s | %s | %s | %s |" % (
            key, fmt_time(pt), ("%s %s" % (base, fmt_time(bm))) if base else "", _fmt_ratio(_ratio(pt, bm)),
            fmt_time(py) if py is not None else "", _fmt_ratio(_ratio(pt, py)) if py is not None else ""))
    L.append("")
    L.append("## All results")
    L.append("")
    L.append("| benchmark | implementation | median | min | max | repetitions |")
    L.append("|---|---|---:|---:|---:|---:|")
    for key in res.keys():
        for impl in res.impls():
            r = res.get(key, impl)
            if r:
                L.append("| %s | %s | %s | %s | %s | %s |" % (key, impl, fmt_time(r["median"]), fmt_time(r["min"]),
                                                            fmt_time(r["max"]), r["repetitions"] or "?"))
    if errors:
        L.append("")
        L.append("## Errors")
        L.append("")
        for e in errors:
            L.append("- %s (%s): %s" % (e.get("key"), e.get("impl"), e.get("error")))
    L.append("")
    L.append("BM_CpuBound does a fixed amount of work in each language; compare its rows within one "
             "implementation only (the speed-up from 1 to 2 threads), not across languages.")
    return "\n".join(L) + "\n"


def _esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39"]


def _nice_max(v):
    if v <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * e >= v:
            return m * e
    return 10 * e


def svg_plot(res, title="threadspec bench"):
    """Two panels: spawn+join cost per implementation (bars with min-max whiskers) and
    BM_SpawnJoinBatch cost per thread against the number of threads (lines, log2 x axis)."""
    W, H = 960, 440
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="sans-serif" font-size="11">' % (W, H, W, H),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="18" font-size="14" text-anchor="middle">%s</text>' % (W // 2, _esc(title))]
    colors = {}
    for i, impl in enumerate(res.impls()):
        colors[impl] = PALETTE[i % len(PALETTE)]
    # Panel 1: bars.
    px, py, pw, ph = 150, 50, 290, 330
    bars = [(impl, res.get("BM_SpawnJoin", impl)) for impl in res.impls() if res.get("BM_SpawnJoin", impl)]
    out.append('<text x="%d" y="40" font-size="12" text-anchor="middle">BM_SpawnJoin: start + join one thread '
               '(median, min-max)</text>' % (px + pw // 2))
    if bars:
        vmax = _nice_max(max(r["max"] for _, r in bars))
        bh = ph / float(len(bars))
        for i in range(5):
            v = vmax * i / 4.0
            x = px + pw * v / vmax
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (x, py, x, py + ph))
            out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (x, py + ph + 14, _esc(fmt_time(v))))
        for i, (impl, r) in enumerate(bars):
            y = py + i * bh
            w = pw * r["median"] / vmax
            out.append('<rect x="%d" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>' % (
                px, y + bh * 0.15, w, bh * 0.7, colors[impl], _esc(impl), _esc(fmt_time(r["median"]))))
            x0, x1 = px + pw * r["min"] / vmax, px + pw * r["max"] / vmax
            out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>' % (x0, y + bh / 2, x1, y + bh / 2))
            out.append('<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>' % (
                px - 6, y + bh / 2, _esc(impl)))
            out.append('<text x="%.1f" y="%.1f" dominant-baseline="middle" font-size="10">%s</text>' % (
                max(x1, px + w) + 4, y + bh / 2, _esc(fmt_time(r["median"]))))
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (px, py, px, py + ph))
    else:
        out.append('<text x="%d" y="%d" text-anchor="middle">no BM_SpawnJoin results</text>' % (px + pw // 2, py + 50))
    # Panel 2: lines.
    qx, qy, qw, qh = 560, 50, 360, 330
    out.append('<text x="%d" y="40" font-size="12" text-anchor="middle">BM_SpawnJoinBatch: start N threads, join '
               'all (median per thread)</text>' % (qx + qw // 2))
    lines = []
    for impl in res.impls():
        s = [(n, t / n) for n, t in res.family_series("BM_SpawnJoinBatch", impl) if n > 0]
        if s:
            lines.append((impl, s))
    if lines:
        ns = sorted({n for _, s in lines for n, _ in s})
        lx0, lx1 = math.log(ns[0], 2), math.log(ns[-1], 2)
        span = (lx1 - lx0) or 1.0
        vmax = _nice_max(max(t for _, s in lines for _, t in s))

        def X(n):
            return qx + qw * (math.log(n, 2) - lx0) / span

        def Y(t):
            return qy + qh - qh * t / vmax

        for i in range(5):
            v = vmax * i / 4.0
            out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (qx, Y(v), qx + qw, Y(v)))
            out.append('<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>' % (
                qx - 4, Y(v), _esc(fmt_time(v))))
        for n in ns:
            out.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (X(n), qy + qh + 14, n))
        out.append('<text x="%d" y="%d" text-anchor="middle">threads per batch (N)</text>' % (qx + qw // 2, qy + qh + 30))
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (qx, qy + qh, qx + qw, qy + qh))
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (qx, qy, qx, qy + qh))
        for j, (impl, s) in enumerate(lines):
            pts = " ".join("%.1f,%.1f" % (X(n), Y(t)) for n, t in s)
            out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>' % (pts, colors[impl]))
            for n, t in s:
                out.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%s N=%d: %s per thread</title>'
                           '</circle>' % (X(n), Y(t), colors[impl], _esc(impl), n, _esc(fmt_time(t))))
            ly = qy + 8 + 14 * j
            out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>' % (
                qx + qw - 150, ly, qx + qw - 130, ly, colors[impl]))
            out.append('<text x="%d" y="%d" dominant-baseline="middle">%s</text>' % (qx + qw - 126, ly, _esc(impl)))
    else:
        out.append('<text x="%d" y="%d" text-anchor="middle">no BM_SpawnJoinBatch results</text>' % (qx + qw // 2, qy + 50))
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------------------
# Loading any input of bench-compare: a merged results.json or a raw Google Benchmark JSON

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


def compare(a, b, threshold=0.02):
    """Rows for every (benchmark, implementation) in both: medians, ratio B/A and a verdict.
    A difference is beyond noise when the [min, max] ranges of the two runs' repetitions do
    not overlap and the medians differ by more than `threshold` (relative); otherwise it is
    'within noise'. With one repetition on each side there is no noise estimate: the verdict
    then says so ('faster?' / 'slower?')."""
    rows = []
    for key in sorted({r["key"] for r in a.records} | {r["key"] for r in b.records}, key=key_sort_key):
        for impl in sorted({r["impl"] for r in a.records} | {r["impl"] for r in b.records}, key=impl_sort_key):
            ra, rb = a.get(key, impl), b.get(key, impl)
            if not ra and not rb:
                continue
            if not ra or not rb:
                rows.append({"key": key, "impl": impl, "a": ra and ra["median"], "b": rb and rb["median"],
                             "ratio": None, "verdict": "only in A" if ra else "only in B"})
                continue
            ratio = _ratio(rb["median"], ra["median"])
            disjoint = ra["max"] < rb["min"] or rb["max"] < ra["min"]
            single = (ra.get("repetitions") or 0) < 2 and (rb.get("repetitions") or 0) < 2
            if ratio is None or abs(ratio - 1.0) <= threshold or not disjoint:
                verdict = "within noise"
            else:
                verdict = "slower" if ratio > 1 else "faster"
                if single:
                    verdict += "?"
            rows.append({"key": key, "impl": impl, "a": ra["median"], "b": rb["median"], "ratio": ratio,
                         "a_range": [ra["min"], ra["max"]], "b_range": [rb["min"], rb["max"]], "verdict": verdict})
    return rows


def render_compare(rows, label_a, label_b):
    L = ["A = %s" % label_a, "B = %s" % label_b,
         "(medians; B/A < 1 means B is faster; 'within noise' when the min-max ranges of the repetitions overlap)", ""]
    w = max([len(r["key"]) for r in rows] + [9])
    wi = max([len(r["impl"]) for r in rows] + [14])
    L.append("%-*s  %-*s  %12s  %12s  %7s  %s" % (w, "benchmark", wi, "implementation", "A", "B", "B/A", "verdict"))
    for r in rows:
        L.append("%-*s  %-*s  %12s  %12s  %7s  %s" % (
            w, r["key"], wi, r["impl"], fmt_time(r["a"]) if r["a"] is not None else "-",
            fmt_time(r["b"]) if r["b"] is not None else "-",
            "%.3f" % r["ratio"] if r["ratio"] is not None else "-", r["verdict"]))
    counts = {}
    for r in rows:
        counts[r["verdict"].rstrip("?")] = counts.get(r["verdict"].rstrip("?"), 0) + 1
    L.append("")
    L.append(", ".join("%d %s" % (v, k) for k, v in sorted(counts.items())))
    return "\n".join(L) + "\n"


# ----------------------------------------------------------------------------------------
# Machine context

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except (OSError, IOError):
        pass
    return platform.processor() or "unknown"


def machine_context(cpp_ctx, py_ctxs, quick):
    try:
        load = "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "?"
    git = None
    try:
        git = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=10).stdout.decode().strip() or None
    except (OSError, subprocess.TimeoutExpired):
        pass
    ctx = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "host": platform.node(),
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "machine": platform.machine(),
        "load_avg_start": load,
        "git_commit": git,
        "quick": bool(quick),
        "compiler": (cpp_ctx or {}).get("compiler"),
        "cxx_flags": (cpp_ctx or {}).get("cxx_flags", ""),
        "build_type": (cpp_ctx or {}).get("build_type"),
        "benchmark_version": (cpp_ctx or {}).get("benchmark_version"),
        "cpu_scaling_enabled": (cpp_ctx or {}).get("cpu_scaling_enabled"),
        "mhz_per_cpu": (cpp_ctx or {}).get("mhz_per_cpu"),
        "pythons": [{"label": python_label(c), "executable": c.get("executable"), "compiler": c.get("python_compiler"),
                     "build": c.get("python_build"), "gil_disabled": c.get("gil_disabled")} for c in py_ctxs],
        "pybench_version": py_ctxs[0].get("pybench_version") if py_ctxs else None,
    }
    return ctx


# ----------------------------------------------------------------------------------------
# The commands

def _say(msg):
    print("threadspec bench: %s" % msg)
    sys.stdout.flush()


def _build(build_dir, jobs):
    cmds = [["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release", "-DTHREADSPEC_BUILD_BENCH=ON"],
            ["cmake", "--build", build_dir, "-j", str(jobs), "--target", "threadspec_bench"]]
    for cmd in cmds:
        _say("$ " + " ".join(cmd))
        if subprocess.call(cmd) != 0:
            raise BenchError("build failed: %s" % " ".join(cmd))
    return os.path.join(build_dir, "bench", "threadspec_bench")


def _pythons(args):
    """The Python implementations to measure, described (name, release, interpreter)."""
    from . import impls
    try:
        if args.all_pythons:
            found = impls.all_pythons()
            if not found:
                raise BenchError("no Python interpreter found")
            return found
        out = [impls.python_implementation(impls.find_python(n)) for n in (args.python or ["python3"])]
        if not args.python and not (out[0].name == "cpython" and out[0].language.startswith("3.11.")):
            # The targets compare with CPython 3.11: add one when python3 is another version.
            for impl in impls.all_pythons():
                if impl.name == "cpython" and impl.language.startswith("3.11."):
                    out.append(impl)
                    break
        return out
    except impls.ImplementationError as exc:
        raise BenchError(str(exc))


def _write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def cmd_bench(args):
    try:
        return _bench(args)
    except BenchError as exc:
        sys.stderr.write("threadspec: error: %s\n" % exc)
        return 2


def _bench(args):
    quick = args.quick
    reps = args.repetitions if args.repetitions is not None else (2 if quick else 5)
    min_time = args.min_time if args.min_time is not None else (0.005 if quick else 0.25)
    if reps < 1 or min_time <= 0:
        raise BenchError("--repetitions must be >= 1 and --min-time positive")
    out = args.out
    os.makedirs(out, exist_ok=True)
    t_start = time.time()
    sources, records, errors, complexity = [], [], [], {}
    cpp_ctx, py_ctxs = None, []
    status = 0
    if not args.no_cpp:
        binary = args.binary
        if not binary:
            binary = _build(args.build_dir, args.jobs) if not args.no_build else \
                os.path.join(args.build_dir, "bench", "threadspec_bench")
        if not os.path.exists(binary):
            raise BenchError("no benchmark binary at %s (build it, or drop --no-build)" % binary)
        cpp_json = os.path.join(out, "cpp.json")
        cmd = [binary, "--benchmark_out=" + cpp_json, "--benchmark_out_format=json",
               "--benchmark_repetitions=%d" % reps, "--benchmark_min_time=%g" % min_time]
        if quick:
            cmd.append("--threadspec_quick")
        if args.filter:
            cmd.append("--benchmark_filter=" + args.filter)
        _say("C++ suite ($ %s)" % " ".join(cmd))
        rc = subprocess.call(cmd)
        if rc != 0 or not os.path.exists(cpp_json):
            sys.stderr.write("threadspec: error: %s failed (status %d)\n" % (binary, rc))
            status = 1
        else:
            with open(cpp_json) as f:
                doc = json.load(f)
            cpp_ctx = doc.get("context", {})
            recs, errs, cx = records_from_gb(doc, source="cpp.json")
            records += recs
            errors += errs
            complexity.update(cx)
            sources.append({"file": "cpp.json", "kind": "cpp", "executable": binary})
    if not args.no_python:
        for impl in _pythons(args):
            py = impl.python
            fname = "%s.json" % impl.key
            path = os.path.join(out, fname)
            cmd = [py, PYBENCH, "--out", path, "--repetitions", str(reps), "--min-time", "%g" % min_time]
            if quick:
                cmd.append("--quick")
            if args.filter:
                cmd += ["--filter", args.filter]
            _say("%s ($ %s)" % (impl.label(), " ".join(cmd)))
            rc = subprocess.call(cmd)
            if rc != 0 or not os.path.exists(path):
                sys.stderr.write("threadspec: error: pybench.py on %s failed (status %d)\n" % (py, rc))
                status = 1
                continue
            with open(path) as f:
                doc = json.load(f)
            py_ctxs.append(doc.get("context", {}))
            recs, errs, _ = records_from_gb(doc, source=fname)
            records += recs
            errors += errs
            sources.append({"file": fname, "kind": "python", "executable": py, "label": python_label(doc["context"])})
    if not records:
        raise BenchError("no benchmark ran")
    res = Results(records, complexity)
    ctx = machine_context(cpp_ctx, py_ctxs, quick)
    ctx["repetitions"], ctx["min_time"] = reps, min_time
    ctx["duration_s"] = round(time.time() - t_start, 1)
    targets = evaluate_targets(res)
    doc = {"schema": SCHEMA, "context": ctx, "sources": sources, "reference_python": res.reference_python(),
           "targets": targets, "complexity": complexity, "errors": errors, "results": records}
    _write(os.path.join(out, "results.json"), json.dumps(doc, indent=1) + "\n")
    _write(os.path.join(out, "table.md"), markdown(res, targets, ctx, errors))
    _write(os.path.join(out, "plot.svg"), svg_plot(res, "threadspec bench: %s, %s cores, %s" % (
        ctx["cpu_model"], ctx["cores"], ctx["date"])))
    print("")
    for t in targets:
        verdict = "not measured" if t["met"] is None else ("met" if t["met"] else "MISSED")
        print("  %-13s %-70s %s" % (verdict, t["target"], t["measured"]))
    _say("wrote %s/{table.md,results.json,plot.svg} in %.0f s" % (os.path.relpath(out), time.time() - t_start))
    if errors:
        status = status or 1
    return status


def cmd_bench_compare(args):
    try:
        a, la, _ = load_results(args.a)
        b, lb, _ = load_results(args.b)
    except BenchError as exc:
        sys.stderr.write("threadspec: error: %s\n" % exc)
        return 2
    rows = compare(a, b, args.threshold)
    print(render_compare(rows, args.a, args.b), end="")
    if args.json:
        _write(args.json, json.dumps({"A": args.a, "B": args.b, "rows": rows}, indent=1) + "\n")
    return 0


def add_parsers(sub):
    """Registers `bench` and `bench-compare` on cli.build_parser's subparsers."""
    b = sub.add_parser("bench", help="measure thread overhead: pythreading, pthread/std::thread, each Python",
                       description="Builds bench/threadspec_bench (Release), runs it and bench/pybench.py on each "
                       "interpreter, and writes table.md, results.json and plot.svg into --out.")
    b.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help="output directory (default results/bench)")
    b.add_argument("--build-dir", default=DEFAULT_BUILD_DIR, metavar="DIR", help="build directory (default build-bench)")
    b.add_argument("--no-build", action="store_true", help="use the binary already built in --build-dir")
    b.add_argument("--binary", metavar="PATH", help="threadspec_bench binary to run (implies no build)")
    b.add_argument("-j", "--jobs", type=int, default=2, metavar="N", help="build jobs (default 2)")
    b.add_argument("--python", action="append", metavar="PATH", help="interpreter for pybench.py (repeatable; "
                   "default python3, plus a CPython 3.11 if one is found and python3 is another version)")
    b.add_argument("--all-pythons", action="store_true", help="every interpreter found (pyenv versions, python3)")
    b.add_argument("--repetitions", type=int, metavar="N", help="repetitions (default 5; --quick 2)")
    b.add_argument("--min-time", type=float, metavar="S", help="minimum seconds per repetition (default 0.25; "
                   "--quick 0.005)")
    b.add_argument("--filter", metavar="REGEX", help="only benchmarks whose name matches (both suites)")
    b.add_argument("--quick", action="store_true", help="smoke mode: small arguments, 2 repetitions, tiny min time")
    b.add_argument("--no-cpp", action="store_true", help="skip the C++ suite")
    b.add_argument("--no-python", action="store_true", help="skip the Python suite")
    b.set_defaults(func=cmd_bench)

    c = sub.add_parser("bench-compare", help="two bench runs side by side, with ratios and noise")
    c.add_argument("a", metavar="A.json", help="results.json of `bench`, or a Google Benchmark JSON file")
    c.add_argument("b", metavar="B.json")
    c.add_argument("--threshold", type=float, default=0.02, metavar="F",
                   help="relative difference below which a change is always 'within noise' (default 0.02)")
    c.add_argument("--json", metavar="FILE", help="write the rows as JSON")
    c.set_defaults(func=cmd_bench_compare)
