"""Running scenarios on an implementation and judging them: expectations files
(specs/README.md section 9), repeated runs, verdicts and the outcome histogram."""

import collections
import json
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import yaml

from . import checker, checkpool, containment, limits, procs, runner, versions
from .impls import LITERAL_BOOTSTRAP
from .loader import ScenarioError, _Document

_SCALE_RE = re.compile(r"^\s*(==|!=|>=|<=|>|<)\s*(\d+(?:\.\d+)?)\s*$")
DEFAULT_TIMEOUT = 20.0
STARTUP_ALLOWANCE = 5.0   # seconds added to every deadline for interpreter start-up


class Expectations(object):
    """An implementation's declared differences: entries by scenario id."""

    def __init__(self, path=None, entries=()):
        self.path, self.entries = path, list(entries)

    @classmethod
    def load(cls, path, known_ids):
        """Load and validate an expectations file. Every entry's id must be in known_ids,
        unless known_ids is None (the file belongs to another scenario tree than the one
        being run, so its ids cannot be checked here)."""
        if not os.path.exists(path):
            raise ScenarioError(path, None, None, "expectations file not found")
        from . import inputlimits
        try:
            with open(path, "rb") as f:
                raw = f.read(limits.MAX_FILE_BYTES + 1)
        except (IOError, OSError) as exc:
            raise ScenarioError(path, None, None, "cannot read the file: %s" % exc.strerror)
        inputlimits.check_size(path, raw)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ScenarioError(path, raw[:exc.start].count(b"\n") + 1, None, "the file is not UTF-8")
        inputlimits.prescan(path, text)
        doc = _Document(path, text)
        inputlimits.check_values(path, doc.data, doc.line)
        data = doc.data
        if not isinstance(data, dict) or not isinstance(data.get("entries") or [], list):
            raise ScenarioError(path, 1, None, "an expectations file is a mapping with 'implementation' and 'entries'")
        for key in data:
            if key not in ("implementation", "entries"):
                raise doc.error((key,), "unknown key %r (known: implementation, entries)" % key)
        entries = []
        for i, e in enumerate(data.get("entries") or []):
            here = ("entries", i)
            if not isinstance(e, dict):
                raise doc.error(here, "an entry is a mapping with id, status and reason")
            for key in e:
                if key not in ("id", "when", "status", "reason"):
                    raise doc.error(here + (key,), "unknown key %r (known: id, when, status, reason)" % key)
            for key in ("id", "status", "reason"):
                if not isinstance(e.get(key), str) or not e.get(key):
                    raise doc.error(here + (key,), "%s is required (a non-empty string)" % key)
            if e["status"] not in ("fail", "skip"):
                raise doc.error(here + ("status",), "status must be 'fail' or 'skip', not %r" % e["status"])
            if known_ids is not None and e["id"] not in known_ids:
                raise doc.error(here + ("id",), "no scenario has id %r" % e["id"])
            when = e.get("when", {})
            if not isinstance(when, dict) or set(when) - {"python", "time_scale"}:
                raise doc.error(here + ("when",), "when takes python (a version spec) and time_scale (e.g. '<1')")
            if "time_scale" in when and not _SCALE_RE.match(str(when["time_scale"])):
                raise doc.error(here + ("when", "time_scale"), "time_scale must look like '<1' or '>=0.5'")
            if "python" in when:
                try:
                    versions.matches(when["python"], "3.0")
                except ValueError as exc:
                    raise doc.error(here + ("when", "python"), str(exc))
            e = dict(e, line=doc.line(here))
            entries.append(e)
        return cls(path, entries)

    def lookup(self, scenario_id, version, time_scale=1.0):
        for e in self.entries:
            when = e.get("when", {})
            if e["id"] != scenario_id:
                continue
            if "python" in when and not versions.matches(when["python"], version):
                continue
            if "time_scale" in when:
                op, bound = _SCALE_RE.match(str(when["time_scale"])).groups()
                if not versions._OPS[op](time_scale, float(bound)):
                    continue
            return e
        return None


class ScenarioResult(object):
    def __init__(self, scenario, verdict, reason=None):
        self.scenario = scenario
        self.id = scenario.id if scenario is not None else None
        self.verdict, self.reason = verdict, reason
        self.runs = 0
        self.failed_runs = 0
        self.violations = []         # of the first failing run
        self.first_failure = None    # its output
        self.sample = None           # the output of the first run, for diffs
        self.outcomes = collections.Counter()
        self.outcome_class = {}
        self.variant_reasons = []
        self.duration = 0.0
        self.error = None            # ScenarioError.to_json() for invalid files

    def to_json(self):
        out = {"id": self.id, "verdict": self.verdict, "runs": self.runs, "failed_runs": self.failed_runs,
               "duration": round(self.duration, 3)}
        if self.scenario is not None:
            out["file"] = os.path.relpath(self.scenario.path)
            out["title"] = self.scenario.data["title"]
            out["tags"] = self.scenario.tags
        if self.reason:
            out["reason"] = self.reason
        if self.variant_reasons:
            out["variants"] = self.variant_reasons
        if self.error:
            out["error"] = self.error
        out["violations"] = [v.to_json() for v in self.violations]
        # histogram keys are (outcome, class): each run counts under its own class
        out["outcomes"] = [{"outcome": checker.format_outcome(o[0]), "count": n, "class": self.outcome_class[o]}
                           for o, n in self.outcomes.most_common()]
        if self.first_failure:
            out["first_failure"] = self.first_failure
        if self.sample:
            out["sample"] = self.sample
        return out


def _one_run(scenario, impl, expect, time_scale, workdir, index):
    timeout = scenario.data.get("timeout", DEFAULT_TIMEOUT)
    deadline = min(timeout * time_scale + STARTUP_ALLOWANCE, limits.MAX_DEADLINE)
    want_exit = expect.get("exit", 0)
    running_after = want_exit["running_after"] * time_scale if isinstance(want_exit, dict) and \
        "running_after" in want_exit else None
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    env.pop("PYTHONUNBUFFERED", None)
    if impl.kind == "literal":
        program = os.path.join(workdir, "%s.%d.py" % (re.sub(r"[^A-Za-z0-9_.-]", "_", scenario.id), index))
        with open(program, "w") as f:
            f.write(scenario.data["python"])
        argv = [impl.python, "-c", LITERAL_BOOTSTRAP, program, repr(time_scale)]
        stdin, trace = b"", None
    else:
        trace = os.path.join(workdir, "%s.%d.trace.jsonl" % (re.sub(r"[^A-Za-z0-9_.-]", "_", scenario.id), index))
        if os.path.exists(trace):   # executors append: never mix two runs' traces
            os.unlink(trace)
        argv = impl.argv
        stdin = json.dumps({"protocol": scenario.protocol, "time_scale": time_scale, "trace": trace,
                            "scenario": scenario.canonical()}).encode("utf-8")
    raw = runner.run_process(argv, stdin, deadline, running_after, env=env, trace_path=trace)
    return raw


def unsupported(scenario, impl):
    """Why impl's executor cannot run the scenario (spec 8.1), or None."""
    if impl.protocols is None:
        return None
    if scenario.protocol not in impl.protocols:
        line, why = scenario.protocol_reason
        return ("%s needs protocol %d (%s, line %s); this executor speaks protocol %s" %
                (scenario.id, scenario.protocol, why, line, ", ".join(str(p) for p in impl.protocols)))
    missing = sorted((line, name) for name, line in scenario.steps_used.items() if name not in impl.steps)
    if missing:
        line, name = missing[0]
        return "%s uses step %r (line %d), which this executor does not implement" % (scenario.id, name, line)
    return None


def _executor_error(raw):
    if raw.end == {"kind": "exit", "code": runner.EXECUTOR_ERROR_STATUS}:
        msgs = [t for t, _ in raw.err if t.startswith("threadspec-executor: error:")]
        if msgs:
            return msgs[0]
    return None


def run_scenario(scenario, impl, expectations, time_scale=1.0, repeat=1, workdir=None, stop=None, check=None):
    """Run one scenario `repeat` times on impl and return its ScenarioResult. `check`
    replaces checker.check (run_all checks in killable worker processes)."""
    check = check or checker.check
    t0 = time.monotonic()
    version = impl.emulates or impl.version
    if impl.kind == "literal":
        if "python" not in scenario.data:
            return ScenarioResult(scenario, "skip", "the scenario has no python block")
        if versions.parse_version(impl.version) < (3, 6):
            return ScenarioResult(scenario, "skip", "literal mode runs Python 3.6+ code; this is %s" % impl.version)
    reason = scenario.skip_reason(version)
    if reason:
        return ScenarioResult(scenario, "skip", reason)
    declared = expectations.lookup(scenario.id, version, time_scale) if expectations else None
    if declared and declared["status"] == "skip":
        return ScenarioResult(scenario, "skip", "declared in %s: %s" % (os.path.relpath(expectations.path), declared["reason"]))
    why = unsupported(scenario, impl)
    if why:
        return ScenarioResult(scenario, "error", why)
    expect, variant_reasons = scenario.effective_expect(version)
    result = ScenarioResult(scenario, "pass")
    result.variant_reasons = variant_reasons
    for i in range(repeat):
        if stop is not None and stop.is_set():
            break
        raw = _one_run(scenario, impl, expect, time_scale, workdir, i)
        result.runs += 1
        err = _executor_error(raw)
        if err:
            result.verdict = "error"
            result.reason = err
            result.first_failure = _output(raw)
            break
        if result.sample is None:
            result.sample = _output(raw)
        obs = runner.observation(raw, impl.traced)
        res = check(expect, obs, time_scale)
        key = (res.outcome, res.outcome_class)
        result.outcomes[key] += 1
        result.outcome_class[key] = res.outcome_class
        if not res.passed:
            result.failed_runs += 1
            if not result.violations:
                result.violations = res.violations
                result.first_failure = _output(raw)
    result.duration = time.monotonic() - t0
    if result.verdict == "error":
        return result
    if result.failed_runs:
        result.verdict = "fail"
        if result.failed_runs < result.runs:
            result.reason = "%d of %d runs failed" % (result.failed_runs, result.runs)
    if declared:   # status fail: the difference must still happen, in every run
        if result.verdict == "fail" and result.failed_runs == result.runs:
            result.verdict = "expected-fail"
            result.reason = declared["reason"]
        elif result.verdict == "pass" or result.failed_runs < result.runs:
            result.verdict = "fail"
            result.violations = [checker.Violation(
                "unexpected-pass", "%s declares this scenario fails (%s), but %d of %d runs passed: "
                "remove or narrow the entry (line %s)" % (os.path.relpath(expectations.path), declared["reason"],
                                                          result.runs - result.failed_runs, result.runs, declared["line"]))]
    return result


def _output(raw):
    return {"stdout": [t for t, _ in raw.out], "stderr": [t for t, _ in raw.err], "end": raw.end,
            "duration": round(raw.duration, 3)}


def run_all(scenarios, impl, expectations, time_scale=1.0, repeat=1, jobs=1, progress=None):
    """Run every scenario (in parallel over `jobs` worker threads, each run its own process).
    Results come back in the scenarios' order. On KeyboardInterrupt every live process
    group is killed before the exception propagates."""
    stop = threading.Event()
    with runner.Workdir() as workdir, checkpool.CheckPool() as checks:
        pool = ThreadPoolExecutor(max_workers=max(1, jobs))
        futures = []

        def one(sc):
            def error(reason):
                r = ScenarioResult(sc, "error", reason)
                r.error = {"file": os.path.relpath(sc.path), "line": None, "field": None, "message": reason}
                return r
            return containment.guard(error, run_scenario, sc, impl, expectations, time_scale, repeat, workdir,
                                     stop, checks.check)
        try:
            futures += [pool.submit(one, sc) for sc in scenarios]
            results = []
            for fut in futures:   # a blocking wait that Ctrl-C interrupts (POSIX, Python 3.2+)
                results.append(fut.result())
                if progress:
                    progress(results[-1])
            return results
        except BaseException:
            stop.set()
            for fut in futures:
                fut.cancel()
            runner.kill_all()
            checkpool.kill_all()
            raise
        finally:
            pool.shutdown(wait=True)
            procs.sweep(orphans=True)   # what escaped every run: adopted by the harness
