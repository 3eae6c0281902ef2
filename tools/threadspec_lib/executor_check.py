"""`threadspec check-executor CMD`: checks any executor against the protocol of
specs/README.md section 8, so that a third party can make theirs conform before running
the suite. Each check runs the executor in a fresh process (runner.run_process: own
process group, deadline, everything killed afterwards) on a small canonical scenario that
uses protocol-1 steps only, and lists what it violates, with the section of the spec."""

import json
import os
import re

from . import runner, versions, vocabulary

ERROR_LINE = re.compile(r"^threadspec-executor: error: \S")
DEADLINE = 20.0          # seconds for a check's program to end, after it started
STARTUP = 15.0           # start-up allowance, as for a run (spec 8.3)
_limits = {"deadline": DEADLINE}


class Check(object):
    """One named check: its problems (empty: it passed)."""

    def __init__(self, name, what):
        self.name, self.what, self.problems = name, what, []
        self.notes = []     # what a reader should know that is no violation

    def fail(self, section, message):
        self.problems.append("%s (spec %s)" % (message, section))

    @property
    def passed(self):
        return not self.problems


def _step(op, line, **fields):
    fields.update(op=op, line=line)
    return fields


def _request(main, workdir, name, functions=None, time_scale=1.0):
    trace = os.path.join(workdir, name + ".trace.jsonl")
    if os.path.exists(trace):
        os.unlink(trace)
    scenario = {"id": "check/" + name, "protocol": 1, "main": main,
                "functions": {k: {"params": [], "body": v} for k, v in (functions or {}).items()}}
    return json.dumps({"protocol": 1, "time_scale": time_scale, "trace": trace, "scenario": scenario}).encode(), trace


def _run(argv, stdin, trace=None, running_after=None):
    try:
        return runner.run_process(argv, stdin, _limits["deadline"], running_after, trace_path=trace,
                                  startup_allowance=STARTUP if trace else None)
    except OSError as exc:
        raise CheckError("cannot run %s: %s" % (argv[0], exc.strerror or exc))


class CheckError(Exception):
    """The executor cannot be started at all."""


def _texts(lines):
    return [t for t, _ in lines]


def check_describe(argv):
    c = Check("describe", "EXECUTOR --describe prints one JSON object and exits 0")
    raw = _run(argv + ["--describe"], b"")
    if raw.end != {"kind": "exit", "code": 0}:
        c.fail("8.1", "--describe ended with %s, expected exit status 0" % json.dumps(raw.end))
    text = "\n".join(_texts(raw.out)).strip()
    try:
        info = json.loads(text)
    except ValueError:
        c.fail("8.1", "--describe printed no JSON object: %r" % text[:120])
        return c, None
    if not isinstance(info, dict):
        c.fail("8.1", "--describe printed %s, not a JSON object" % type(info).__name__)
        return c, None
    if not isinstance(info.get("protocol"), int) or isinstance(info.get("protocol"), bool):
        c.fail("8.1", "\"protocol\" must be an integer, not %r" % (info.get("protocol"),))
    protocols = info.get("protocols", [info.get("protocol")])
    if not isinstance(protocols, list) or not all(isinstance(p, int) for p in protocols):
        c.fail("8.1", "\"protocols\" must be a list of integers, not %r" % (protocols,))
    elif 1 not in protocols:
        c.fail("8.1", "it does not speak protocol 1 (protocols %r); these checks and the suite's protocol-1 "
                      "scenarios need it" % (protocols,))
    elif isinstance(info.get("protocol"), int) and protocols and info["protocol"] != max(protocols):
        c.fail("8.1", "\"protocol\" must be the highest of \"protocols\" %r, not %r" % (protocols, info["protocol"]))
    else:
        known = sorted(vocabulary.load().protocols)
        missing = [p for p in known if p not in protocols]
        if missing:
            c.notes.append("it speaks protocol %s of this format's %s: scenarios of protocol %s are errors, not run" %
                           (", ".join(map(str, sorted(protocols))), ", ".join(map(str, known)),
                            ", ".join(map(str, missing))))
    if "steps" in info and (not isinstance(info["steps"], list) or not all(isinstance(s, str) for s in info["steps"])):
        c.fail("8.1", "\"steps\" must be a list of step names")
    if not isinstance(info.get("implementation"), str) or not info.get("implementation"):
        c.fail("8.1", "\"implementation\" must be a non-empty string")
    for key in ("version", "emulates"):
        try:
            versions.parse_version(info[key])
        except (KeyError, ValueError):
            c.fail("8.1", "%r must be a version such as \"3.11.7\", not %r" % (key, info.get(key)))
    return c, info


def _expect_refusal(c, raw, what):
    if raw.end != {"kind": "exit", "code": runner.EXECUTOR_ERROR_STATUS}:
        c.fail("8.2", "%s: expected exit status 125, but it %s" % (what, _describe_end(raw.end)))
    err = _texts(raw.err)
    if len(err) != 1 or not ERROR_LINE.match(err[0]):
        c.fail("8.2", "%s: expected one stderr line 'threadspec-executor: error: MESSAGE', saw %d line(s)%s" %
               (what, len(err), (": %r" % err[0][:120]) if err else ""))
    if raw.out:
        c.fail("8.2", "%s: nothing may run before the input is checked, but stdout has %r" % (what, _texts(raw.out)[0]))


def check_bad_input(argv, workdir):
    c = Check("bad-input", "bad input and an unknown step: exit 125 with one error line, before anything runs")
    _expect_refusal(c, _run(argv, b"{this is not JSON"), "input that is not JSON")
    stdin, trace = _request([_step("print", 2, text="ran before the check", file="stdout"),
                             _step("frobnicate", 3, var="x")], workdir, "unknown-step")
    _expect_refusal(c, _run(argv, stdin, trace), "a scenario with an unknown step 'frobnicate'")
    return c


def check_trace(argv, workdir):
    c = Check("trace", "a program's lines on its streams and in the trace: started first, one event per line, "
                       "labels, seq and t")
    functions = {"work": [_step("print", 2, text="from the thread", file="stdout"),
                          _step("print", 3, text="thread to stderr", file="stderr")]}
    main = [_step("print", 5, text="first", file="stdout"),
            _step("thread", 6, var="t", target="work", name="worker"),
            _step("start", 7, var="t"), _step("join", 8, var="t"),
            _step("print", 9, text="last", file="stdout")]
    stdin, trace = _request(main, workdir, "trace", functions)
    raw = _run(argv, stdin, trace)
    if raw.end != {"kind": "exit", "code": 0}:
        c.fail("8.5", "expected exit status 0, but it %s; stderr: %r" % (_describe_end(raw.end), _texts(raw.err)[-3:]))
    if _texts(raw.out) != ["first", "from the thread", "last"] or _texts(raw.err) != ["thread to stderr"]:
        c.fail("8.2", "the streams differ from the program's output: stdout %r, stderr %r" %
               (_texts(raw.out), _texts(raw.err)))
    if not raw.trace_found:
        c.fail("8.3", "no trace file was written at %s" % trace)
        return c
    for problem in raw.problems:
        c.fail("8.3", problem)
    events = _raw_events(trace)
    if not events:
        c.fail("8.3", "the trace is empty")
        return c
    if events[0].get("kind") != "started" or events[0].get("seq") != 0:
        c.fail("8.3", "the first event must be {\"seq\": 0, \"t\": T, \"kind\": \"started\"}, not %s" %
               json.dumps(events[0])[:160])
    seqs = [e.get("seq") for e in events if isinstance(e, dict)]
    if seqs != list(range(len(seqs))):
        c.fail("8.3", "seq must count 0, 1, 2... in the order of the events; saw %r" % seqs[:10])
    times = [e.get("t") for e in events]
    if not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in times):
        c.fail("8.3", "every event needs a number t (seconds since the executor started)")
    elif any(b < a for a, b in zip(times, times[1:])):
        c.fail("8.3", "t must not decrease from one event to the next")
    lines = [e for e in events if e.get("kind") == "line"]
    want = [("stdout", "first", "main"), ("stdout", "from the thread", "t[0]"), ("stderr", "thread to stderr", "t[0]"),
            ("stdout", "last", "main")]
    got = [(e.get("stream"), e.get("text"), e.get("label")) for e in lines]
    if got != want:
        c.fail("8.3", "line events (stream, text, label) must be %r; saw %r" % (want, got))
    names = [e.get("thread") for e in lines]
    if names and (names[0] != "MainThread" or names[1] != "worker"):
        c.fail("8.3", "an event's thread is the writing thread's name: expected MainThread and worker, saw %r" % names)
    return c


def _raw_events(path):
    out = []
    try:
        with open(path, "rb") as f:
            for raw in f:
                try:
                    out.append(json.loads(raw.decode("utf-8")))
                except ValueError:
                    out.append({"unparsable": raw[:80].decode("utf-8", "replace")})
    except (IOError, OSError):
        pass
    return out


def check_exit_codes(argv, workdir):
    c = Check("exit-codes", "exit N ends with status N; an exception escaping main: its traceback, status 1")
    stdin, trace = _request([_step("print", 2, text="before", file="stdout"), _step("exit", 3, code=3),
                             _step("print", 4, text="after", file="stdout")], workdir, "exit")
    raw = _run(argv, stdin, trace)
    if raw.end != {"kind": "exit", "code": 3}:
        c.fail("8.5", "{exit: 3}: expected exit status 3, but it %s" % _describe_end(raw.end))
    if _texts(raw.out) != ["before"]:
        c.fail("8.5", "{exit: 3}: expected stdout ['before'] (nothing after exit), saw %r" % _texts(raw.out))
    stdin, trace = _request([_step("raise", 2, type="ValueError", message="boom"),
                             _step("print", 3, text="after", file="stdout")], workdir, "raise")
    raw = _run(argv, stdin, trace)
    if raw.end != {"kind": "exit", "code": 1}:
        c.fail("8.5", "an uncaught ValueError in main: expected exit status 1, but it %s" % _describe_end(raw.end))
    err = _texts(raw.err)
    if not err or err[0] != "Traceback (most recent call last):" or err[-1] != "ValueError: boom":
        c.fail("8.5", "an uncaught ValueError in main: stderr must be a traceback ending 'ValueError: boom', saw %r"
               % err[-3:])
    return c


def check_never_ends(argv, workdir, seconds=1.0):
    c = Check("never-ends", "a program that never ends is still running, and is killed with its process group")
    functions = {"loop": [_step("forever", 2, body=[_step("print", 3, text="tick", file="stdout"),
                                                     _step("sleep", 4, seconds=0.2)])]}
    main = [_step("thread", 6, var="t", target="loop"), _step("start", 7, var="t")]
    stdin, trace = _request(main, workdir, "forever", functions)
    raw = _run(argv, stdin, trace, running_after=seconds)
    if raw.end.get("kind") != "running":
        c.fail("5.4", "a non-daemon thread looping forever must keep the program running, but it %s" %
               _describe_end(raw.end))
    ticks = _texts(raw.out).count("tick")
    if ticks < 2:
        c.fail("5.4", "in %.1f s of program time the loop printed 'tick' %d time(s), expected about %d" %
               (seconds, ticks, int(seconds / 0.2)))
    stdin, trace = _request([_step("print", 2, text="done", file="stdout")], workdir, "ends")
    raw = _run(argv, stdin, trace)
    if raw.end != {"kind": "exit", "code": 0}:
        c.fail("8.5", "a program whose main prints one line must end with status 0, but it %s" %
               _describe_end(raw.end))
    return c


def _describe_end(end):
    kind = end.get("kind")
    if kind == "exit":
        return "exited with status %d" % end["code"]
    if kind == "signal":
        return "was killed by %s" % end["signal"]
    if kind == "running":
        return "was still running after %.1f s" % end["after"]
    return "was still running at the deadline (%.1f s)" % end.get("after", 0)


def check_executor(argv, deadline=DEADLINE):
    """Every check, in order; returns the list of Checks. Raises CheckError when the
    executor cannot be started. `deadline`: seconds a check's program may run after it
    started (its start-up has STARTUP seconds more)."""
    _limits["deadline"] = deadline
    checks = []
    with runner.Workdir() as workdir:
        describe, _ = check_describe(argv)
        checks.append(describe)
        for fn in (check_bad_input, check_trace, check_exit_codes, check_never_ends):
            checks.append(fn(argv, workdir))
    return checks


def render(argv, checks):
    lines = ["threadspec check-executor: %s" % " ".join(argv)]
    for c in checks:
        lines.append("%s %-11s %s" % ("PASS" if c.passed else "FAIL", c.name, c.what))
        lines.extend("       - " + p for p in c.problems)
        lines.extend("       note: " + n for n in c.notes)
    failed = [c for c in checks if not c.passed]
    lines.append("%d of %d checks passed%s" % (len(checks) - len(failed), len(checks),
                                               "" if not failed else "; the executor violates the protocol"))
    return "\n".join(lines)
