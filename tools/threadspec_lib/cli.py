"""The command line of tools/threadspec."""

import argparse
import fnmatch
import json
import os
import sys
import threading
import time

from . import containment, engine, impls, limits, loader, report

ROOT = impls.ROOT
DEFAULT_SPECS = os.path.join(ROOT, "specs")
DEFAULT_EXPECTATIONS = {
    "cpython": os.path.join(ROOT, "reference", "expectations", "cpython.yaml"),
    "literal": os.path.join(ROOT, "reference", "expectations", "literal.yaml"),
    "cpp": os.path.join(ROOT, "cpp_impl", "expectations.yaml"),
}


class UsageError(Exception):
    pass


def _err(msg):
    sys.stderr.write("threadspec: error: %s\n" % msg)


def _select(scenarios, ids, tags):
    out = []
    for sc in scenarios:
        if ids and not any(fnmatch.fnmatchcase(sc.id, pat) for pat in ids):
            continue
        if tags and not set(tags) & set(sc.tags):
            continue
        out.append(sc)
    return out


def _load(args):
    try:
        scenarios, errors = loader.load_all(args.specs or [DEFAULT_SPECS])
    except loader.ScenarioError as exc:
        raise UsageError(str(exc))
    return _select(scenarios, args.id, args.tag), errors, scenarios


def cmd_validate(args):
    paths = args.files or [DEFAULT_SPECS]
    try:
        scenarios, errors = loader.load_all(paths)
    except loader.ScenarioError as exc:
        raise UsageError(str(exc))
    for e in errors:
        print("INVALID %s" % e)
    ids = {sc.id for sc in scenarios}
    for kind, path in sorted(DEFAULT_EXPECTATIONS.items()):
        if os.path.exists(path) and not args.files:
            try:
                engine.Expectations.load(path, ids)
            except loader.ScenarioError as exc:
                errors.append(exc)
                print("INVALID %s" % exc)
    print("%d valid, %d invalid" % (len(scenarios), len(errors)))
    return 1 if errors else 0


def cmd_list(args):
    if args.coverage:
        return _list_coverage(args)
    selected, errors, _ = _load(args)
    for sc in selected:
        if args.ids:
            print(sc.id)
        else:
            print("%-45s %-28s %s" % (sc.id, ",".join(sc.tags), sc.data["title"]))
    for e in errors:
        print("INVALID %s" % e, file=sys.stderr)
    return 1 if errors else 0


def _list_coverage(args):
    """The coverage of CPython's threading tests: counts per file (with --verbose, one line per
    method; with --markdown, COVERAGE.md's text), then every disagreement between the map, the
    scenarios and the real test files (exit 1 when there is one)."""
    from . import coverage
    try:
        cov = coverage.load_map(args.coverage_map)
    except coverage.MapError as exc:
        raise UsageError(str(exc))
    _, errors, scenarios = _load(args)
    if args.markdown:
        sys.stdout.write(coverage.render_markdown(cov, scenarios))
        return 0
    print(coverage.summary_table(cov))
    if args.verbose:
        print("\n".join(coverage.per_method_lines(cov)))
    test_dir = coverage.find_test_dir()
    if test_dir is None:
        print("threadspec: CPython 3.13's test files not found (set THREADSPEC_CPYTHON_TESTS): "
              "the map is not checked against them")
    problems = coverage.check(cov, scenarios, coverage.real_methods(test_dir) if test_dir else None)
    for p in problems:
        print("PROBLEM %s" % p)
    for e in errors:
        print("INVALID %s" % e, file=sys.stderr)
    return 1 if problems or errors else 0


def cmd_compile(args):
    _check_time_scale(args.time_scale)
    try:
        sc = loader.load(args.file)
    except loader.ScenarioError as exc:
        _err(str(exc))
        return 2
    doc = {"protocol": sc.protocol, "time_scale": args.time_scale, "trace": args.trace, "scenario": sc.canonical()}
    print(json.dumps(doc, indent=1))
    return 0


def cmd_vocabulary(args):
    from . import vocabulary
    if args.cpp_header:
        sys.stdout.write(vocabulary.cpp_header(vocabulary.load()))
        return 0
    stale = 0
    for path, (current, generated) in sorted(vocabulary.generated_files().items()):
        if current == generated:
            continue
        if args.write:
            with open(path, "w") as f:
                f.write(generated)
            print("wrote %s" % os.path.relpath(path))
        else:
            stale += 1
            print("STALE %s (regenerate: tools/threadspec vocabulary --write)" % os.path.relpath(path))
    return 1 if stale else 0


def _implementations(args):
    kind = "literal" if args.literal else args.impl
    if args.all_pythons:
        if kind == "cpp":
            raise UsageError("--all-pythons runs Python interpreters; it does not combine with --impl cpp")
        pythons = impls.all_pythons()
        if not pythons:
            raise UsageError("no Python interpreter found")
        return [impls.make(kind, python=p) for p in pythons]
    if args.literal and args.impl != "cpython":
        raise UsageError("--literal runs the python blocks on a Python interpreter; it needs --impl cpython")
    return [impls.make(kind, python=args.python, executor=args.executor)]


def _run_one_impl(args, impl, selected, errors, all_ids):
    impl.describe()
    exp_path = args.expectations or DEFAULT_EXPECTATIONS.get(impl.kind)
    expectations = None
    if exp_path and (args.expectations or os.path.exists(exp_path)):
        # An implementation's own file names ids of the shipped tree: checked only against it.
        own_tree = args.expectations or not args.specs
        expectations = engine.Expectations.load(exp_path, all_ids if own_tree else None)
    print("threadspec: %s %s (emulates Python %s) — %d scenarios, time scale %g, repeat %d, -j %d" %
          (impl.name, impl.version, impl.emulates, len(selected), args.time_scale, args.repeat, args.jobs))
    if impl.kind == "literal":
        print("threadspec: literal mode: running each scenario's python block with %s" % impl.python)
    sys.stdout.flush()
    started = report.now_iso()
    t0 = time.monotonic()

    def progress(r):
        print("\n".join(report.scenario_lines(r, verbose=args.verbose)))
        sys.stdout.flush()

    results = engine.run_all(selected, impl, expectations, args.time_scale, args.repeat, args.jobs, progress)
    duration = time.monotonic() - t0
    for e in errors:
        print("ERROR %s" % e)
    options = {"time_scale": args.time_scale, "repeat": args.repeat, "jobs": args.jobs,
               "ids": args.id or [], "tags": args.tag or [],
               "expectations": os.path.relpath(expectations.path) if expectations else None}
    doc = report.results_json(results, impl, options, started, duration, errors)
    return results, doc, duration


def _check_time_scale(value):
    if not limits.finite(value) or not limits.MIN_TIME_SCALE <= value <= limits.MAX_TIME_SCALE:
        raise UsageError("--time-scale must be a finite number from %g to %g, not %r" %
                         (limits.MIN_TIME_SCALE, limits.MAX_TIME_SCALE, value))


def _check_outputs(args):
    """Results paths are checked before anything runs (spec: Limits)."""
    try:
        for path in (args.json, args.junit):
            if path:
                report.check_writable(path)
        if args.json_dir:
            report.check_writable(args.json_dir, directory=True)
    except OSError as exc:
        raise UsageError(str(exc))


def cmd_run(args):
    if args.repeat < 1 or args.jobs < 1 or args.time_scale <= 0:
        raise UsageError("--repeat and -j must be at least 1 and --time-scale positive")
    _check_time_scale(args.time_scale)
    _check_outputs(args)
    selected, errors, everything = _load(args)
    if not selected and not errors:
        raise UsageError("no scenario matches the filters")
    all_ids = {sc.id for sc in everything}
    implementations = _implementations(args)
    if len(implementations) > 1 and (args.json or args.junit):
        raise UsageError("with --all-pythons, use --json-dir DIR (one results file per interpreter)")
    status = 0
    lines = []
    for impl in implementations:
        try:
            results, doc, duration = _run_one_impl(args, impl, selected, errors, all_ids)
        except impls.ImplementationError as exc:
            _err(str(exc))
            lines.append("%s: unusable: %s" % (impl.python or impl.argv[0], exc))
            status = 1
            continue
        except loader.ScenarioError as exc:
            raise UsageError(str(exc))
        summary = report.summary_line(results, errors)
        print("%s %s: %s in %.1f s" % (impl.name, impl.version, summary, duration))
        lines.append("%s %s: %s" % (impl.name, impl.version, summary))
        if args.json:
            report.write_atomic(args.json, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        if args.json_dir:
            report.write_atomic(os.path.join(args.json_dir, impl.key + ".json"),
                                json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        if args.junit:
            report.write_atomic(args.junit, report.junit_xml(results, impl, duration, errors))
        if any(r.verdict in ("fail", "error") for r in results) or errors:
            status = 1
    if len(implementations) > 1:
        print("\nall interpreters:")
        for line in lines:
            print("  " + line)
    return status


def cmd_diff(args):
    from . import diff
    try:
        a, b = diff.load_results(args.a), diff.load_results(args.b)
    except diff.DiffError as exc:
        raise UsageError(str(exc))
    diffs = diff.compare(a, b)
    print(diff.render(a, b, diffs, show_info=not args.quiet))
    if args.json:
        report.write_atomic(args.json, json.dumps({"A": diff.label(a), "B": diff.label(b), "differences": diffs},
                                                  indent=1, ensure_ascii=False) + "\n")
    return 1 if any(not d["declared"] for d in diffs) else 0


def _build_cpp(build_dir, jobs):
    """Configure and build the C++ executor; returns its path. Raises UsageError on failure."""
    import subprocess
    cmds = [["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
            ["cmake", "--build", build_dir, "-j", str(jobs), "--target", "threadspec_cpp_executor"]]
    for cmd in cmds:
        print("threadspec: $ " + " ".join(cmd))
        sys.stdout.flush()
        if subprocess.call(cmd) != 0:
            raise UsageError("building the C++ executor failed: %s" % " ".join(cmd))
    return os.path.join(build_dir, "cpp_impl", "threadspec_cpp_executor")


def cmd_suite(args):
    """The main job: build, run every scenario on CPython and on the C++ implementation,
    write both results and compare them."""
    from . import diff
    out = args.out
    common = ["--time-scale", repr(args.time_scale), "-j", str(args.jobs), "--repeat", str(args.repeat)]
    executor = _build_cpp(args.build_dir, args.jobs) if not args.no_build else \
        os.path.join(args.build_dir, "cpp_impl", "threadspec_cpp_executor")
    status = 0
    runs = [("cpython", ["--impl", "cpython"] + (["--python", args.python] if args.python else [])),
            ("cpp", ["--impl", "cpp", "--executor", executor])]
    for name, extra in runs:
        print("\n=== %s ===" % name)
        sys.stdout.flush()
        rc = main(["run"] + extra + common + ["--json", os.path.join(out, name + ".json"),
                                             "--junit", os.path.join(out, name + ".junit.xml")])
        status = status or rc
    print("\n=== diff: cpython vs cpp ===")
    try:
        a, b = diff.load_results(os.path.join(out, "cpython.json")), diff.load_results(os.path.join(out, "cpp.json"))
    except diff.DiffError as exc:
        raise UsageError(str(exc))
    diffs = diff.compare(a, b)
    print(diff.render(a, b, diffs, show_info=False))
    if any(not d["declared"] for d in diffs):
        status = status or 1
    print("\nthreadspec suite: results in %s/ (cpython.json, cpp.json, *.junit.xml): %s" %
          (os.path.relpath(out), "OK" if status == 0 else "FAILED"))
    return status


def cmd_matrix(args):
    """Run (or read) results for every implementation and write matrix.md and matrix.html."""
    from . import diff, matrix
    paths = list(args.results or [])
    status = 0
    if not paths:
        results_dir = os.path.join(args.out, "results")
        common = ["--time-scale", repr(args.time_scale), "-j", str(args.jobs), "--repeat", str(args.repeat)]
        for sel in ("id", "tag"):
            for value in getattr(args, sel) or []:
                common += ["--" + sel, value]
        for spec in args.specs or []:
            common += ["--specs", spec]
        status = main(["run", "--all-pythons", "--json-dir", results_dir] + common)
        executor = args.executor or impls.DEFAULT_CPP_EXECUTOR
        if os.path.exists(executor):
            rc = main(["run", "--impl", "cpp", "--executor", executor, "--json",
                       os.path.join(results_dir, "cpp.json")] + common)
            status = status or rc
        else:
            print("threadspec: no C++ executor at %s; the matrix has no cpp column (build it, or pass --executor)"
                  % executor)
        paths = sorted(os.path.join(results_dir, f) for f in os.listdir(results_dir) if f.endswith(".json"))
    try:
        docs = matrix.ordered([diff.load_results(p) for p in paths])
    except diff.DiffError as exc:
        raise UsageError(str(exc))
    report.write_atomic(os.path.join(args.out, "matrix.md"), matrix.markdown(docs))
    report.write_atomic(os.path.join(args.out, "matrix.html"), matrix.html_page(docs))
    print("threadspec: wrote %s and %s" % (os.path.join(args.out, "matrix.md"), os.path.join(args.out, "matrix.html")))
    return status


def build_parser():
    p = argparse.ArgumentParser(prog="threadspec", description="Executable specifications of Python's threading: "
                                "validate scenarios, run them on CPython or the C++ implementation, check and report.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    v = sub.add_parser("validate", help="validate scenario files (default: all of specs/) and expectations files")
    v.add_argument("files", nargs="*", help="scenario files or directories")
    v.set_defaults(func=cmd_validate)

    def filters(sp):
        sp.add_argument("--specs", action="append", metavar="DIR", help="scenario directory or file (repeatable; default specs/)")
        sp.add_argument("--id", action="append", metavar="PATTERN", help="only scenarios whose id matches this glob (repeatable)")
        sp.add_argument("--tag", action="append", metavar="TAG", help="only scenarios with this tag (repeatable)")

    ls = sub.add_parser("list", help="list scenarios")
    filters(ls)
    ls.add_argument("--ids", action="store_true", help="print only the ids, one per line")
    ls.add_argument("--coverage", action="store_true",
                    help="coverage of CPython's threading tests per source file (covered / out of scope / pending)")
    ls.add_argument("--coverage-map", metavar="FILE", default=os.path.join(ROOT, "specs", "cpython", "coverage.yaml"),
                    help="with --coverage: the map (default specs/cpython/coverage.yaml)")
    ls.add_argument("--markdown", action="store_true", help="with --coverage: print COVERAGE.md's text")
    ls.add_argument("-v", "--verbose", action="store_true", help="with --coverage: one line per test method")
    ls.set_defaults(func=cmd_list)

    c = sub.add_parser("compile", help="print the canonical JSON an executor reads for one scenario (spec 8.2)")
    c.add_argument("file")
    c.add_argument("--time-scale", type=float, default=1.0)
    c.add_argument("--trace", default="/dev/null")
    c.set_defaults(func=cmd_compile)

    r = sub.add_parser("run", help="run scenarios on an implementation and check them")
    filters(r)
    r.add_argument("--impl", choices=("cpython", "cpp"), default="cpython", help="implementation (default cpython)")
    r.add_argument("--python", metavar="PATH", help="interpreter for --impl cpython (default: python3 on PATH)")
    r.add_argument("--all-pythons", action="store_true", help="run on every interpreter found (pyenv, python3)")
    r.add_argument("--executor", metavar="PATH", help="C++ executor binary for --impl cpp")
    r.add_argument("--literal", action="store_true", help="run each scenario's python block as is (spec 10)")
    r.add_argument("--expectations", metavar="FILE", help="expectations file (default: the implementation's own)")
    r.add_argument("--repeat", type=int, default=1, metavar="N", help="run each scenario N times; histogram of orderings")
    r.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="scenarios run in parallel")
    r.add_argument("--time-scale", type=float, default=1.0, metavar="F", help="multiply every sleep, timeout and timing by F")
    r.add_argument("--json", metavar="FILE", help="write the results JSON")
    r.add_argument("--json-dir", metavar="DIR", help="write one results JSON per implementation into DIR")
    r.add_argument("--junit", metavar="FILE", help="write JUnit XML")
    r.add_argument("-v", "--verbose", action="store_true", help="show output and histograms for every scenario")
    r.set_defaults(func=cmd_run)

    s = sub.add_parser("suite", help="build the C++ executor, run every scenario on CPython and C++, compare")
    s.add_argument("--python", metavar="PATH", help="interpreter for the CPython side (default python3)")
    s.add_argument("--build-dir", default=os.path.join(ROOT, "build"), metavar="DIR")
    s.add_argument("--no-build", action="store_true", help="use the executor already built in --build-dir")
    s.add_argument("--out", default=os.path.join(ROOT, "results"), metavar="DIR", help="results directory")
    s.add_argument("--time-scale", type=float, default=0.1, metavar="F")
    s.add_argument("-j", "--jobs", type=int, default=2, metavar="N")
    s.add_argument("--repeat", type=int, default=1, metavar="N")
    s.set_defaults(func=cmd_suite)

    m = sub.add_parser("matrix", help="results of every implementation as a Markdown table and an HTML page")
    filters(m)
    m.add_argument("results", nargs="*", metavar="RESULTS.json", help="read these results instead of running")
    m.add_argument("--out", default=os.path.join(ROOT, "results", "matrix"), metavar="DIR")
    m.add_argument("--executor", metavar="PATH", help="C++ executor (default build/cpp_impl/threadspec_cpp_executor)")
    m.add_argument("--time-scale", type=float, default=0.1, metavar="F")
    m.add_argument("-j", "--jobs", type=int, default=2, metavar="N")
    m.add_argument("--repeat", type=int, default=1, metavar="N")
    m.set_defaults(func=cmd_matrix)

    d = sub.add_parser("diff", help="compare two results files; non-zero when they differ beyond declared differences")
    d.add_argument("a", metavar="A.json")
    d.add_argument("b", metavar="B.json")
    d.add_argument("--json", metavar="FILE", help="write the differences as JSON")
    d.add_argument("-q", "--quiet", action="store_true", help="show only undeclared differences")
    d.set_defaults(func=cmd_diff)
    voc = sub.add_parser("vocabulary", help="files generated from specs/vocabulary.yaml: check or rewrite them")
    mode = voc.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="exit 1 when a generated file is out of date")
    mode.add_argument("--write", action="store_true", help="rewrite the schema, the spec's tables and the C++ table")
    mode.add_argument("--cpp-header", action="store_true", help="print the C++ executor's step and field table")
    voc.set_defaults(func=cmd_vocabulary)
    from . import bench; bench.add_parsers(sub)
    from . import checkbench; checkbench.add_parser(sub)
    return p


_depth = [0]


def main(argv=None):
    args = build_parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        containment.install_interrupt_handlers()
    _depth[0] += 1
    try:
        return args.func(args)
    except UsageError as exc:
        _err(str(exc))
        return 2
    except impls.ImplementationError as exc:
        _err(str(exc))
        return 2
    except BrokenPipeError:   # e.g. `threadspec run | head`: stop quietly
        from . import runner
        runner.kill_all()
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except loader.ScenarioError as exc:
        _err(str(exc))
        return 2
    except KeyboardInterrupt:
        if _depth[0] > 1:   # suite and matrix run `run` inside: the outermost call reports
            raise
        from . import checkpool, runner
        runner.kill_all()
        checkpool.kill_all()
        sys.stderr.write("threadspec: interrupted; every process it started was killed; no results file written\n")
        return 130
    except Exception as exc:   # a defect of the harness: one line, never a traceback
        if _depth[0] > 1:
            raise
        from . import checkpool, runner
        runner.kill_all()
        checkpool.kill_all()
        _err("internal error: %s" % containment.one_line(exc))
        return 3
    finally:
        _depth[0] -= 1
