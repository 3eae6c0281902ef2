"""Reports of a run: the terminal summary, the results JSON (tools/results.md)
and JUnit XML. Files are written whole or not at all (temporary file, then rename)."""

import collections
import datetime
import json
import os
import platform
import socket
import tempfile
from xml.sax.saxutils import escape, quoteattr

from . import checker

RESULTS_SCHEMA = "threadspec-results/1"
VERDICTS = ("pass", "fail", "expected-fail", "skip", "error")
_MARK = {"pass": "PASS ", "fail": "FAIL ", "expected-fail": "XFAIL", "skip": "SKIP ", "error": "ERROR"}


def write_atomic(path, text):
    """Write text to path so that readers see the old file or the whole new one."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def check_writable(path, directory=False):
    """Raise OSError (with a message) unless a results file can be written at path (or
    into path, a directory): checked before a run starts, so that no run is lost."""
    target = path if directory else os.path.dirname(os.path.abspath(path))
    if not directory and os.path.isdir(path):
        raise OSError("%s is a directory" % path)
    try:
        os.makedirs(target, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".threadspec-probe.", dir=target)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OSError("cannot write results into %s: %s" % (target, exc.strerror or exc))


def host_info():
    return {"hostname": socket.gethostname(), "system": platform.system(), "release": platform.release(),
            "machine": platform.machine(), "cpus": os.cpu_count()}


def counts(results):
    c = collections.Counter(r.verdict for r in results)
    return {v: c.get(v, 0) for v in VERDICTS}


def results_json(results, impl, options, started, duration, load_errors=()):
    """The results document (tools/results.md)."""
    doc = {
        "schema": RESULTS_SCHEMA,
        "implementation": {"name": impl.name, "key": impl.key, "implementation": impl.implementation,
                           "release": impl.release, "language": impl.language,
                           "version": impl.release, "emulates": impl.language, "command": impl.command},
        "mode": impl.mode,
        "host": host_info(),
        "started": started,
        "duration": round(duration, 3),
        "options": options,
        "summary": counts(results),
        "scenarios": [r.to_json() for r in results],
    }
    doc["load_errors"] = [e.to_json() for e in load_errors]
    doc["summary"]["error"] += len(load_errors)
    return doc


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def _histogram_lines(r):
    if sum(r.outcomes.values()) <= 1:
        return []
    out = ["      orderings seen over %d runs:" % r.runs]
    for outcome, n in r.outcomes.most_common():
        out.append("        %4d × %-18s %s" % (n, r.outcome_class[outcome], checker.format_outcome(outcome[0])))
    return out


def scenario_lines(r, verbose=False):
    """The terminal lines for one scenario result."""
    head = "%s %s" % (_MARK[r.verdict], r.id)
    extra = []
    if r.runs > 1:
        extra.append("%d/%d runs passed" % (r.runs - r.failed_runs, r.runs))
    if r.reason:
        extra.append(r.reason)
    if extra:
        head += "  (" + "; ".join(extra) + ")"
    out = [head]
    if r.verdict in ("fail", "error"):
        listed = set()
        for v in r.violations:
            out.append("      " + str(v))
            key = json.dumps([v.expected, v.seen])
            if isinstance(v.expected, list) and key in listed:
                continue
            listed.add(key)
            if v.expected is not None and isinstance(v.expected, list):
                out.append("        expected: " + json.dumps(v.expected, ensure_ascii=False))
                out.append("        seen:     " + json.dumps(v.seen, ensure_ascii=False))
            elif v.expected is not None:
                out.append("        expected: %s    seen: %s" % (v.expected, v.seen))
        if r.first_failure and (verbose or r.verdict == "error" or any(v.rule in ("exit", "crash", "deadline")
                                                                          for v in r.violations)):
            ff = r.first_failure
            for stream in ("stdout", "stderr"):
                if ff[stream]:
                    out.append("      %s of the failing run:" % stream)
                    out.extend("        | " + line for line in ff[stream][-15:])
    if r.verdict in ("fail", "pass") and (verbose or r.runs > 1):
        out.extend(_histogram_lines(r))
    return out


def summary_line(results, load_errors=()):
    c = counts(results)
    c["error"] += len(load_errors)
    text = "%d passed, %d failed" % (c["pass"], c["fail"])
    for v in ("expected-fail", "skip", "error"):
        if c[v]:
            text += ", %d %s" % (c[v], {"expected-fail": "expected-fail", "skip": "skipped", "error": "errors"}[v])
    return text


def junit_xml(results, impl, duration, load_errors=()):
    suite = "threadspec.%s" % impl.key
    c = counts(results)
    failures = c["fail"]
    errors = c["error"] + len(load_errors)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<testsuites name="threadspec" tests="%d" failures="%d" errors="%d" time="%.3f">' %
           (len(results) + len(load_errors), failures, errors, duration),
           '  <testsuite name=%s tests="%d" failures="%d" errors="%d" skipped="%d" time="%.3f">' %
           (quoteattr(suite), len(results) + len(load_errors), failures, errors, c["skip"], duration)]
    for r in results:
        out.append('    <testcase classname=%s name=%s time="%.3f">' % (quoteattr(suite), quoteattr(r.id), r.duration))
        if r.verdict == "fail":
            body = "\n".join(scenario_lines(r, verbose=True))
            first = r.violations[0].message if r.violations else (r.reason or "failed")
            out.append('      <failure message=%s>%s</failure>' % (quoteattr(first), escape(body)))
        elif r.verdict == "error":
            out.append('      <error message=%s>%s</error>' % (quoteattr(r.reason or "error"),
                                                               escape("\n".join(scenario_lines(r, verbose=True)))))
        elif r.verdict == "skip":
            out.append('      <skipped message=%s/>' % quoteattr(r.reason or "skipped"))
        elif r.verdict == "expected-fail":
            out.append('      <system-out>%s</system-out>' % escape("expected-fail: %s" % r.reason))
        out.append('    </testcase>')
    for e in load_errors:
        out.append('    <testcase classname=%s name=%s time="0">' % (quoteattr(suite), quoteattr(e.path)))
        out.append('      <error message=%s/>' % quoteattr(str(e)))
        out.append('    </testcase>')
    out.append('  </testsuite>')
    out.append('</testsuites>')
    return "\n".join(out) + "\n"
