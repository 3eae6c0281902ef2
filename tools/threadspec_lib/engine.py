"""Running scenarios on an implementation and judging them: expectations files
(specs/README.md section 9), repeated runs, verdicts and the outcome histogram."""

import collections
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from . import checker, checkpool, conditions, containment, limits, procs, runner
from .expectations import Expectations, ExpectationSet  # noqa: F401 (the engine's vocabulary)

DEFAULT_TIMEOUT = 20.0
# Seconds added to every scaled deadline, counted from the program's start (spec 7.6): the
# scheduling noise of a loaded machine does not shrink with the time scale.
DEADLINE_NOISE = 5.0


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
    deadline = min(timeout * time_scale + DEADLINE_NOISE, limits.MAX_DEADLINE)
    want_exit = expect.get("exit", 0)
    running_after = want_exit["running_after"] * time_scale if isinstance(want_exit, dict) and \
        "running_after" in want_exit else None
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    env.pop("PYTHONUNBUFFERED", None)
    req = impl.request(scenario, time_scale, workdir, index)
    return runner.run_process(req.argv, req.stdin, deadline, running_after, env=env, trace_path=req.trace,
                              startup_allowance=impl.startup_allowance)


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
    run = conditions.Run.of(impl, time_scale)
    reason = impl.skip_reason(scenario) or scenario.skip_reason(impl.language)
    if reason:
        return ScenarioResult(scenario, "skip", reason)
    declared = expectations.find(scenario.id, run) if expectations else None
    if declared and declared["status"] == "skip":
        return ScenarioResult(scenario, "skip", "declared in %s: %s" % (os.path.relpath(declared["file"]),
                                                                        declared["reason"]))
    why = unsupported(scenario, impl)
    if why:
        return ScenarioResult(scenario, "error", why)
    expect, variant_reasons = scenario.effective_expect(run)
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
        obs = runner.observation(raw, impl.traced, impl.ordered)
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
                "remove or narrow the entry (line %s)" % (os.path.relpath(declared["file"]), declared["reason"],
                                                          result.runs - result.failed_runs, result.runs, declared["line"]))]
    return result


def _output(raw):
    # bounded (specs/README.md, Limits): the first and last lines of each stream
    return {"stdout": limits.clip_list([t for t, _ in raw.out], limits.SAMPLE_LINES),
            "stderr": limits.clip_list([t for t, _ in raw.err], limits.SAMPLE_LINES), "end": raw.end,
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
            checks.start(min(max(1, jobs), len(scenarios)))
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
