"""`threadspec bench` and `threadspec bench-compare`, the command line: builds and runs the
C++ suite (bench/threadspec_bench) and its Python twin (bench/pybench.py) on each
interpreter, then writes one table, one JSON and one picture; or compares two runs.

The work is in the library modules: bench_results (reading Google Benchmark JSON),
bench_stats, bench_targets (bench/targets.yaml and its rules), bench_render (table, SVG) and
bench_compare. Outputs (in --out, default results/bench/): cpp.json and KEY.json per Python
implementation (KEY: name and release, cpython-3.11.7, pypy-7.3.11; the raw runs),
results.json (merged, with the machine context and the targets), table.md, plot.svg. No
timing is ever asserted by the tests.
"""

import json
import os
import platform
import subprocess
import sys
import time

from .bench_compare import compare, render_compare
from .bench_render import markdown, svg_plot
from .bench_results import SCHEMA, BenchError, Results, load_results, python_label, records_from_gb
from .bench_targets import DEFAULT_TARGETS, evaluate_targets, load_targets

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH_DIR = os.path.join(ROOT, "bench")
PYBENCH = os.path.join(BENCH_DIR, "pybench.py")
DEFAULT_BUILD_DIR = os.path.join(ROOT, "build-bench")
DEFAULT_OUT = os.path.join(ROOT, "results", "bench")


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
    targets_spec = load_targets(args.targets)
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
    targets = evaluate_targets(res, targets_spec)
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
    b.add_argument("--targets", default=DEFAULT_TARGETS, metavar="FILE",
                   help="the targets to check (default bench/targets.yaml)")
    b.set_defaults(func=cmd_bench)

    c = sub.add_parser("bench-compare", help="two bench runs side by side, with ratios and noise")
    c.add_argument("a", metavar="A.json", help="results.json of `bench`, or a Google Benchmark JSON file")
    c.add_argument("b", metavar="B.json")
    c.add_argument("--threshold", type=float, default=0.02, metavar="F",
                   help="relative difference below which a change is always 'within noise' (default 0.02)")
    c.add_argument("--json", metavar="FILE", help="write the rows as JSON")
    c.set_defaults(func=cmd_bench_compare)
