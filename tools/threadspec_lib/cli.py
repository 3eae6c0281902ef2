"""The command line of tools/threadspec."""

import argparse
import fnmatch
import json
import os
import re
import shutil
import sys
import threading

from . import containment, expectations, impls, limits, loader, report, session

ROOT = impls.ROOT
DEFAULT_SPECS = os.path.join(ROOT, "specs")


def expectation_files():
    """Every expectations file of the repository."""
    import glob
    return sorted(glob.glob(os.path.join(impls.EXPECTATIONS_DIR, "*.yaml"))) + [impls.CPP_EXPECTATIONS]


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


_ID_LINE = re.compile(r"^id:\s*['\"]?([^'\"#\s]+)", re.M)


def known_ids(scenarios, errors, with_repository=False):
    """The scenario ids an expectations file may name: those of the valid scenarios, those
    that invalid files declare (their own error is reported once, not again for every
    expectations entry naming them), and with_repository: those of specs/ too (a run of
    other --specs still uses the repository's expectations files)."""
    ids = {sc.id for sc in scenarios}
    for e in errors:
        try:
            with open(e.path, "rb") as f:
                m = _ID_LINE.search(f.read(1 << 16).decode("utf-8", "replace"))
        except (IOError, OSError):
            continue
        if m:
            ids.add(m.group(1))
    if with_repository:
        more, more_errors = loader.load_all([DEFAULT_SPECS])
        ids |= known_ids(more, more_errors)
    return ids


def _yaml_kind(path):
    """'expectations', 'registry' or 'scenario', from a YAML file's top-level keys."""
    try:
        doc = loader._Document(path, open(path, "rb").read().decode("utf-8", "replace"))
    except (loader.ScenarioError, OSError):
        return "scenario"   # loading it as a scenario reports the problem
    if expectations.is_expectations_data(doc.data):
        return "expectations"
    if isinstance(doc.data, dict) and "implementations" in doc.data and "id" not in doc.data:
        return "registry"
    return "scenario"


def cmd_validate(args):
    """Scenario files, expectations files and registry files, each recognised by its keys."""
    files = [f for f in args.files if os.path.isfile(f)]
    others = [f for f in files if _yaml_kind(f) != "scenario"]
    roots = [f for f in args.files if f not in others] if args.files else [DEFAULT_SPECS]
    try:
        scenarios, errors = loader.load_all(roots) if roots else ([], [])
        all_ids = known_ids(*loader.load_all([DEFAULT_SPECS])) if args.files else known_ids(scenarios, errors)
    except loader.ScenarioError as exc:
        raise UsageError(str(exc))
    for e in errors:
        print("INVALID %s" % e)
    checked = []
    if args.files:
        extra = others
    else:
        extra = expectation_files() + [p for p in [impls.registry_path()] if os.path.exists(p)]
    for path in extra:
        try:
            if _yaml_kind(path) == "registry":
                impls.Registry.load(path)
            else:
                expectations.Expectations.load(path, all_ids)
            checked.append(path)
        except loader.ScenarioError as exc:
            errors.append(exc)
            print("INVALID %s" % exc)
    print("%d valid, %d invalid" % (len(scenarios) + len(checked), len(errors)))
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
    if not args.ids and not args.specs and os.path.exists(args.coverage_map):
        from . import coverage
        try:
            print("\nCoverage of CPython's threading tests (details: list --coverage -v):")
            print(coverage.summary_table(coverage.load_map(args.coverage_map)))
        except coverage.MapError as exc:
            errors.append(exc)
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


def _registry(args):
    try:
        return impls.Registry.load(getattr(args, "registry", None))
    except loader.ScenarioError as exc:
        raise UsageError("registry file: %s" % exc)


def _implementations(args):
    """The implementations a run command names, described."""
    registry = _registry(args)
    names = args.impl or []
    if args.all_pythons:
        if names or args.python:
            raise UsageError("--all-pythons runs every Python implementation; it does not combine with --impl or --python")
        found = impls.all_pythons(args.literal, registry)
        if not found:
            raise UsageError("no Python implementation found")
        return found
    if args.python:
        if names:
            raise UsageError("--python PATH names the interpreter itself; it does not combine with --impl")
        return [impls.python_implementation(impls.find_python(args.python), args.literal)]
    return [impls.resolve(n, registry, args.executor, args.literal) for n in (names or ["cpython"])]


def _options(args):
    return session.Options(args.time_scale, args.repeat, args.jobs, getattr(args, "id", None),
                           getattr(args, "tag", None), getattr(args, "expectations", None),
                           getattr(args, "verbose", False))


def _run_each(implementations, selected, load_errors, all_ids, options, write):
    """Run every implementation; write(outcome) stores its files. Returns (status, outcomes,
    summary lines)."""
    status, outcomes, lines = 0, [], []
    for impl in implementations:
        try:
            outcome = session.run_implementation(impl, selected, all_ids, load_errors, options)
        except loader.ScenarioError as exc:
            raise UsageError(str(exc))
        line = "%s: %s in %.1f s" % (impl.label(), outcome.summary(), outcome.duration)
        print(line)
        lines.append(line)
        write(outcome)
        outcomes.append(outcome)
        if outcome.failed:
            status = 1
    return status, outcomes, lines


def cmd_run(args):
    if args.repeat < 1 or args.jobs < 1 or args.time_scale <= 0:
        raise UsageError("--repeat and -j must be at least 1 and --time-scale positive")
    _check_time_scale(args.time_scale)
    _check_outputs(args)
    selected, errors, everything = _load(args)
    if not selected and not errors:
        raise UsageError("no scenario matches the filters")
    implementations = _implementations(args)
    if len(implementations) > 1 and (args.json or args.junit):
        raise UsageError("with several implementations, use --json-dir DIR (one results file per implementation)")
    all_ids = known_ids(everything, errors, bool(args.specs))
    status, _, lines = _run_each(implementations, selected, errors, all_ids, _options(args),
                                 lambda o: o.write(args.json, args.junit, args.json_dir))
    if len(implementations) > 1:
        print("\nall implementations:")
        for line in lines:
            print("  " + line)
    return status


def cmd_check_executor(args):
    """Check an executor against the protocol (spec 8) and print what it violates."""
    from . import executor_check
    if not args.command:
        raise UsageError("check-executor needs the executor's command: check-executor CMD [ARGS...]")
    try:
        checks = executor_check.check_executor(args.command, args.deadline)
    except executor_check.CheckError as exc:
        raise UsageError(str(exc))
    print(executor_check.render(args.command, checks))
    return 0 if all(c.passed for c in checks) else 1


def cmd_implementations(args):
    """What this machine has: each implementation, described."""
    found, problems = impls.discover(_registry(args), args.executor)
    if args.json:
        print(json.dumps({"registry": impls.registry_path() if not args.registry else args.registry,
                          "implementations": [i.to_json() for i in found],
                          "unusable": [{"what": w, "error": e} for w, e in problems]}, indent=1))
        return 0
    rows = [("--impl", "implementation", "release", "Python", "command", "expectations")]
    for i in found:
        select = i.name if i.origin != "built-in" else i.key
        rows.append((select, i.implementation, i.release, i.language,
                     " ".join(os.path.relpath(c) if os.path.isabs(c) and c.startswith(ROOT) else c for c in i.command),
                     ", ".join(os.path.relpath(p) for p in i.expectation_files()) or "(none)"))
    widths = [max(len(r[k]) for r in rows) for k in range(5)]
    for r in rows:
        print("  ".join(r[k].ljust(widths[k]) for k in range(5)) + "  " + r[5])
    print("\nregistry file: %s%s" % (args.registry or impls.registry_path(),
                                      "" if os.path.exists(args.registry or impls.registry_path()) else " (absent)"))
    for what, err in problems:
        print("not usable: %s: %s" % (what, err))
    return 0


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


def _chosen(args, executor):
    """The implementations `suite` and `matrix` run: those named with --impl, else every
    one found (problems with the others are printed, not fatal)."""
    registry = _registry(args)
    if args.impl:
        return [impls.resolve(n, registry, executor) for n in args.impl]
    found, problems = impls.discover(registry, executor)
    for what, err in problems:
        print("threadspec: not running %s: %s" % (what, err))
    return found


def _run_args(args):
    """The selected scenarios, load errors and all scenarios, after checking the options."""
    if args.repeat < 1 or args.jobs < 1 or args.time_scale <= 0:
        raise UsageError("--repeat and -j must be at least 1 and --time-scale positive")
    _check_time_scale(args.time_scale)
    return _load(args)


def cmd_suite(args):
    """The main job: build the C++ executor, run every scenario on every implementation
    found (or those named), write their results and compare each with CPython."""
    from . import diff
    selected, errors, everything = _run_args(args)
    executor = _build_cpp(args.build_dir, args.jobs) if not args.no_build else \
        os.path.join(args.build_dir, "cpp_impl", "threadspec_cpp_executor")
    implementations = _chosen(args, executor)
    if not implementations:
        raise UsageError("no implementation to run")
    all_ids = known_ids(everything, errors, bool(args.specs))
    status, outcomes, lines = _run_each(implementations, selected, errors, all_ids, _options(args),
                                        lambda o: o.write(directory=args.out))
    baseline = next((o for o in outcomes if o.impl.name == "cpython" and o.impl.python and
                     os.path.realpath(o.impl.python) == os.path.realpath(shutil.which("python3") or "")),
                    next((o for o in outcomes if o.impl.name == "cpython"), outcomes[0]))
    for o in outcomes:
        if o is baseline:
            continue
        print("\n=== diff: %s vs %s ===" % (baseline.impl.label(), o.impl.label()))
        diffs = diff.compare(baseline.doc, o.doc)
        print(diff.render(baseline.doc, o.doc, diffs, show_info=False))
        if any(not d["declared"] for d in diffs):
            status = status or 1
    print("\nthreadspec suite:")
    for line in lines:
        print("  " + line)
    print("results in %s/ (KEY.json, KEY.junit.xml per implementation): %s" %
          (os.path.relpath(args.out), "OK" if status == 0 else "FAILED"))
    return status


def cmd_matrix(args):
    """Run (or read) results for every implementation and write matrix.md and matrix.html."""
    from . import diff, matrix
    paths = list(args.results or [])
    status = 0
    docs = []
    if not paths:
        selected, errors, everything = _run_args(args)
        executor = args.executor or impls.DEFAULT_CPP_EXECUTOR
        results_dir = os.path.join(args.out, "results")
        all_ids = known_ids(everything, errors, bool(args.specs))
        status, outcomes, _ = _run_each(_chosen(args, executor), selected, errors, all_ids, _options(args),
                                        lambda o: o.write(directory=results_dir))
        docs = [o.doc for o in outcomes]
    try:
        docs += [diff.load_results(p) for p in paths]
    except diff.DiffError as exc:
        raise UsageError(str(exc))
    docs = matrix.ordered(docs)
    report.write_atomic(os.path.join(args.out, "matrix.md"), matrix.markdown(docs))
    report.write_atomic(os.path.join(args.out, "matrix.html"), matrix.html_page(docs))
    print("threadspec: wrote %s and %s" % (os.path.join(args.out, "matrix.md"), os.path.join(args.out, "matrix.html")))
    return status


def registry_option(sp):
    sp.add_argument("--registry", metavar="FILE", help="registry file of user implementations (default: "
                    "$THREADSPEC_IMPLEMENTATIONS, else ~/.config/threadspec/implementations.yaml)")


def build_parser():
    p = argparse.ArgumentParser(prog="threadspec", description="Executable specifications of Python's threading: "
                                "validate scenarios, run them on CPython or the C++ implementation, check and report.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    v = sub.add_parser("validate", help="validate scenario files (default: all of specs/), expectations files and "
                       "registry files")
    v.add_argument("files", nargs="*", help="scenario, expectations or registry files, or directories of scenarios")
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
    r.add_argument("--impl", action="append", metavar="NAME",
                   help="implementation: cpython, pypy, jython, cpp, NAME-VERSION (cpython-3.9) or a registered name; "
                        "repeatable (default cpython: python3 on PATH); `threadspec implementations` lists them")
    r.add_argument("--python", metavar="PATH", help="the reference executor on this interpreter")
    r.add_argument("--all-pythons", action="store_true",
                   help="run on every Python implementation found (each CPython, PyPy, Jython, registered ones)")
    r.add_argument("--executor", metavar="PATH", help="C++ executor binary for --impl cpp")
    r.add_argument("--literal", action="store_true", help="run each scenario's python block as is (spec 10)")
    r.add_argument("--expectations", action="append", metavar="FILE",
                   help="expectations file, repeatable (default: the implementation's own)")
    registry_option(r)
    r.add_argument("--repeat", type=int, default=1, metavar="N", help="run each scenario N times; histogram of orderings")
    r.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="scenarios run in parallel")
    r.add_argument("--time-scale", type=float, default=1.0, metavar="F", help="multiply every sleep, timeout and timing by F")
    r.add_argument("--json", metavar="FILE", help="write the results JSON")
    r.add_argument("--json-dir", metavar="DIR",
                   help="write KEY.json and KEY.junit.xml per implementation into DIR (KEY: name-release)")
    r.add_argument("--junit", metavar="FILE", help="write JUnit XML")
    r.add_argument("-v", "--verbose", action="store_true", help="show output and histograms for every scenario")
    r.set_defaults(func=cmd_run)

    i = sub.add_parser("implementations", help="list the implementations this machine has")
    i.add_argument("--executor", metavar="PATH", help="C++ executor (default build/cpp_impl/threadspec_cpp_executor)")
    i.add_argument("--json", action="store_true", help="print JSON")
    registry_option(i)
    i.set_defaults(func=cmd_implementations)

    ce = sub.add_parser("check-executor", help="check an executor against the protocol (spec 8) and print "
                        "what it violates")
    ce.add_argument("--deadline", type=float, default=20.0, metavar="S",
                    help="seconds each check's program may run after it started (default 20)")
    ce.add_argument("command", nargs=argparse.REMAINDER, metavar="CMD [ARGS...]",
                    help="the executor and its arguments (as it is registered)")
    ce.set_defaults(func=cmd_check_executor)

    def many(sp, scale):
        filters(sp)
        sp.add_argument("--impl", action="append", metavar="NAME", help="only this implementation (repeatable; "
                        "default: every one found)")
        sp.add_argument("--time-scale", type=float, default=scale, metavar="F")
        sp.add_argument("-j", "--jobs", type=int, default=2, metavar="N")
        sp.add_argument("--repeat", type=int, default=1, metavar="N")
        registry_option(sp)

    s = sub.add_parser("suite", help="build the C++ executor, run every scenario on every implementation, compare")
    many(s, 0.1)
    s.add_argument("--build-dir", default=os.path.join(ROOT, "build"), metavar="DIR")
    s.add_argument("--no-build", action="store_true", help="use the executor already built in --build-dir")
    s.add_argument("--out", default=os.path.join(ROOT, "results"), metavar="DIR", help="results directory")
    s.set_defaults(func=cmd_suite)

    m = sub.add_parser("matrix", help="results of every implementation as a Markdown table and an HTML page")
    many(m, 0.1)
    m.add_argument("results", nargs="*", metavar="RESULTS.json", help="read these results instead of running")
    m.add_argument("--out", default=os.path.join(ROOT, "results", "matrix"), metavar="DIR")
    m.add_argument("--executor", metavar="PATH", help="C++ executor (default build/cpp_impl/threadspec_cpp_executor)")
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
