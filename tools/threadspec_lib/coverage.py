"""The coverage map of CPython's own threading tests (specs/cpython/coverage.yaml).

The map lists every test method of CPython 3.13's Lib/test/test_threading.py,
Lib/test/lock_tests.py and Lib/test/test_threading_local.py, keyed by file then by
"ClassName.test_method", with exactly one status:

    scenarios: [ID, ...]      covered by these scenarios
    out_of_scope: REASON      not observable through the threading API (CPython internals...)
    pending: REASON           observable, not yet a scenario (what the format cannot say yet)

and an optional `note`. check() finds every disagreement between the map, the real test
files and the scenarios; render_markdown() makes specs/cpython/COVERAGE.md from the map.
"""

import ast
import glob
import os
import re

import yaml

from . import impls

ROOT = impls.ROOT
MAP_PATH = os.path.join(ROOT, "specs", "cpython", "coverage.yaml")
MARKDOWN_PATH = os.path.join(ROOT, "specs", "cpython", "COVERAGE.md")
FILES = ("Lib/test/test_threading.py", "Lib/test/lock_tests.py", "Lib/test/test_threading_local.py")
STATUSES = ("scenarios", "out_of_scope", "pending")
STATUS_WORDS = {"scenarios": "covered", "out_of_scope": "out of scope", "pending": "pending"}
# A scenario's source that cites one test method: "Lib/test/lock_tests.py BaseLockTests.test_timeout".
_CITATION = re.compile(r"^(Lib/test/[A-Za-z0-9_]+\.py) ([A-Za-z_][A-Za-z0-9_]*\.test[A-Za-z0-9_]*)$")
_ENV_TESTS = "THREADSPEC_CPYTHON_TESTS"


class MapError(Exception):
    """The map file itself is malformed (named with file and key)."""


def load_map(path=MAP_PATH):
    """{file: {method: entry}}. Raises MapError for a file that is not such a mapping or an
    entry without exactly one status."""
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except (IOError, OSError) as exc:
        raise MapError("%s: cannot read: %s" % (path, exc.strerror))
    except yaml.YAMLError as exc:
        raise MapError("%s: invalid YAML: %s" % (path, exc))
    if not isinstance(data, dict):
        raise MapError("%s: expected a mapping of test file to methods" % path)
    for fname, methods in data.items():
        if fname not in FILES:
            raise MapError("%s: %s: unknown test file (known: %s)" % (path, fname, ", ".join(FILES)))
        if not isinstance(methods, dict):
            raise MapError("%s: %s: expected a mapping of ClassName.test_method to an entry" % (path, fname))
        for method, entry in methods.items():
            where = "%s: %s %s" % (path, fname, method)
            if not isinstance(entry, dict):
                raise MapError("%s: expected a mapping with one of %s" % (where, ", ".join(STATUSES)))
            statuses = [k for k in STATUSES if k in entry]
            unknown = sorted(set(entry) - set(STATUSES) - {"note"})
            if unknown:
                raise MapError("%s: unknown key %r" % (where, unknown[0]))
            if len(statuses) != 1:
                raise MapError("%s: needs exactly one of %s" % (where, ", ".join(STATUSES)))
            value = entry[statuses[0]]
            if statuses[0] == "scenarios":
                if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
                    raise MapError("%s: scenarios must be a non-empty list of scenario ids" % where)
            elif not isinstance(value, str) or not value.strip():
                raise MapError("%s: %s must be a reason (text)" % (where, statuses[0]))
    return data


def status_of(entry):
    return next(k for k in STATUSES if k in entry)


def find_test_dir():
    """The directory holding CPython 3.13's test files, or None: $THREADSPEC_CPYTHON_TESTS, else
    a pyenv 3.13 interpreter's lib/python3.13/test."""
    env = os.environ.get(_ENV_TESTS)
    candidates = [env] if env else []
    for root in filter(None, (os.environ.get("PYENV_ROOT"), os.path.expanduser("~/.pyenv"))):
        candidates += sorted(glob.glob(os.path.join(root, "versions", "3.13*", "lib", "python3.13", "test")))
    for d in candidates:
        if d and all(os.path.isfile(os.path.join(d, os.path.basename(f))) for f in FILES):
            return d
    return None


def methods_of(path):
    """Every "ClassName.test_method" defined in a class body of the Python file at `path`."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    out = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    out.append("%s.%s" % (node.name, item.name))
    return out


def real_methods(test_dir):
    """{file: [method, ...]} from the real test files in test_dir."""
    return {f: methods_of(os.path.join(test_dir, os.path.basename(f))) for f in FILES}


def citation(scenario):
    """(file, method) when the scenario's source cites one test method of the three files, else None."""
    src = scenario.data.get("source", {}).get("cpython")
    m = _CITATION.match(src or "")
    return (m.group(1), m.group(2)) if m and m.group(1) in FILES else None


def check(cov, scenarios, real=None):
    """Every problem, as text: methods of the real files missing from the map (or mapped but no
    longer in them), mapped ids that are no scenario, and scenarios citing a method (a source of
    exactly the form "FILE ClassName.test_method"; prose that mentions a test file is no
    citation) whose map entry does not list them.
    `real` is {file: [method]} or None (the real files are not installed: those checks are skipped)."""
    problems = []
    ids = {sc.id for sc in scenarios}
    if real is not None:
        for fname in FILES:
            mapped = cov.get(fname, {})
            for method in real[fname]:
                if method not in mapped:
                    problems.append("%s %s: a test method missing from the map" % (fname, method))
            for method in mapped:
                if method not in real[fname]:
                    problems.append("%s %s: in the map but not in the real file" % (fname, method))
    for fname, methods in sorted(cov.items()):
        for method, entry in methods.items():
            for sid in entry.get("scenarios", []):
                if sid not in ids:
                    problems.append("%s %s: maps to %r, which is no scenario" % (fname, method, sid))
    for sc in scenarios:
        cited = citation(sc)
        if cited is None:
            continue
        fname, method = cited
        entry = cov.get(fname, {}).get(method)
        if entry is None:
            problems.append("%s (%s): cites %s %s, which the map does not list" % (sc.id, sc.path, fname, method))
        elif sc.id not in entry.get("scenarios", []):
            problems.append("%s (%s): cites %s %s, whose map entry does not list it" % (sc.id, sc.path, fname, method))
    return problems


def counts(cov):
    """[(file, total, covered, out_of_scope, pending)] in FILES order."""
    rows = []
    for fname in FILES:
        methods = cov.get(fname, {})
        n = {s: sum(1 for e in methods.values() if s in e) for s in STATUSES}
        rows.append((fname, len(methods), n["scenarios"], n["out_of_scope"], n["pending"]))
    return rows


def summary_table(cov):
    """Plain-text table of counts per file, for `threadspec list --coverage`."""
    lines = ["%-34s %7s %8s %12s %8s" % ("CPython test file", "methods", "covered", "out of scope", "pending")]
    tot = [0, 0, 0, 0]
    for fname, total, cvd, oos, pend in counts(cov):
        lines.append("%-34s %7d %8d %12d %8d" % (fname, total, cvd, oos, pend))
        tot = [a + b for a, b in zip(tot, (total, cvd, oos, pend))]
    lines.append("%-34s %7d %8d %12d %8d" % (("all",) + tuple(tot)))
    return "\n".join(lines)


def _md_escape(text):
    return text.replace("|", "\\|").replace("\n", " ").strip()


def render_markdown(cov, scenarios):
    """The text of COVERAGE.md: counts per file, then one row per method."""
    titles = {sc.id: sc.data["title"] for sc in scenarios}
    out = ["# Coverage of CPython's threading tests",
           "",
           "Generated from `coverage.yaml` by `tools/threadspec list --coverage --markdown`; do not edit.",
           "Every test method of CPython 3.13's three threading test files, with the scenarios that",
           "cover it, or why it is out of scope, or what it waits for. `tools/threadspec run --id ID`",
           "runs a scenario; the test `tools/tests/test_coverage.py` keeps this file, the map, the real",
           "test files and the scenarios' `source` in agreement.",
           "",
           "| file | methods | covered | out of scope | pending |",
           "|---|---:|---:|---:|---:|"]
    tot = [0, 0, 0, 0]
    for fname, total, cvd, oos, pend in counts(cov):
        out.append("| `%s` | %d | %d | %d | %d |" % (fname, total, cvd, oos, pend))
        tot = [a + b for a, b in zip(tot, (total, cvd, oos, pend))]
    out.append("| all | %d | %d | %d | %d |" % tuple(tot))
    for fname in FILES:
        out += ["", "## `%s`" % fname, "", "| method | status | scenarios or reason |", "|---|---|---|"]
        for method, entry in cov.get(fname, {}).items():
            status = status_of(entry)
            if status == "scenarios":
                detail = "<br>".join("`%s`: %s" % (sid, _md_escape(titles.get(sid, "(no such scenario)")))
                                     for sid in entry["scenarios"])
            else:
                detail = _md_escape(entry[status])
            if entry.get("note"):
                detail += "<br>*Note:* " + _md_escape(entry["note"])
            out.append("| `%s` | %s | %s |" % (method, STATUS_WORDS[status], detail))
    return "\n".join(out) + "\n"


def per_method_lines(cov):
    """One line per method: status and scenarios or reason, for `list --coverage --verbose`."""
    lines = []
    for fname in FILES:
        for method, entry in cov.get(fname, {}).items():
            status = status_of(entry)
            detail = ", ".join(entry["scenarios"]) if status == "scenarios" else entry[status]
            lines.append("%-12s %s %s: %s" % (STATUS_WORDS[status], os.path.basename(fname), method, detail))
    return lines
