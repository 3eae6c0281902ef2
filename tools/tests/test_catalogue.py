"""The bad-input catalogue (issue 11): hostile scenario files, expectations files,
executors and traces. Each asserts the exit status, the one-line message, no traceback,
no leftover process, and that a good scenario beside it still ran. The scenario files and
the executors run beside a good scenario in one harness run each (a run is a second or
two); every case is also checked on its own where that costs nothing (the loader)."""

import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsutil  # noqa: E402
from tsutil import GOOD, HARNESS, PYTHON, TempDir  # noqa: E402
from threadspec_lib import engine, limits, loader  # noqa: E402

GOOD_LINES = [["stdout", "w 1", "t[0]"], ["stdout", "done", "main"]]


def with_expect(extra_item):
    """GOOD with one more stdout item (YAML flow mapping text)."""
    return GOOD.replace("    - {thread: main, text: done, id: d}\n",
                        "    - {thread: main, text: done, id: d}\n    - %s\n" % extra_item)


def with_top(extra):
    return GOOD.replace("main:\n", extra + "\nmain:\n", 1)


def nested(depth):
    return with_top("notes: " + "[" * depth + "]" * depth)


def alias_bomb():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        lines.append("a%d: &a%d [%s]" % (i, i, ", ".join(["*a%d" % (i - 1)] * 10)))
    return "\n".join(lines) + "\n" + GOOD


# (name, content, marker, field, words): content is text or bytes; the message names the
# line of the first occurrence of marker (a string), and field (None: not asserted).
SCENARIOS = [
    ("control character", GOOD.replace("title: x", "title: x\x01"), "title", None, "unacceptable character #x0001"),
    ("NUL byte", GOOD.replace("title: x", "title: \x00"), "title", None, "unacceptable character"),
    ("nesting 500 deep", nested(500), "notes", None, "nested more than %d levels" % limits.MAX_DEPTH),
    ("alias bomb", alias_bomb(), None, None, "aliases are expanded"),
    ("integer of 5000 digits", with_top("timeout: " + "9" * 5000), "timeout", None, "integers must be below"),
    ("integer in args", GOOD.replace("args: [1]", "args: [%d]" % 10 ** 30), "args: [1000", None,
     "integers must be below"),
    ("timeout nan", with_top("timeout: .nan"), "timeout", "timeout", "not a finite number"),
    ("timeout inf", with_top("timeout: .inf"), "timeout", "timeout", "not a finite number"),
    ("timeout too long", with_top("timeout: 100000"), "timeout", "timeout", "more than the limit"),
    ("sleep nan", GOOD.replace("{join: t}", "{sleep: .nan}"), "{sleep", "main[2].sleep", "not a finite number"),
    ("at of a year", with_expect("{text: late, at: {after: w, seconds: 31536000}}"), "{text: late",
     "expect.stdout[2].at.seconds", "more than the limit"),
    ("join timeout -inf", GOOD.replace("{join: t}", "{join: t, timeout: -.inf}"), "{join", "main[2].timeout",
     "not a finite number"),
    ("at seconds nan", with_expect("{text: late, at: {after: w, seconds: .nan}}"), "{text: late", "expect.stdout[2].at.seconds",
     "not a finite number"),
    ("at tolerance inf", with_expect("{text: late, at: {after: w, seconds: 1, tolerance: .inf}}"), "{text: late",
     "expect.stdout[2].at.tolerance", "not a finite number"),
    ("running_after inf", GOOD.replace("expect:\n", "expect:\n  exit: {running_after: .inf}\n"), "  exit:",
     "expect.exit.running_after", "not a finite number"),
    ("count too large", with_expect("{text: x, count: 99999999}"), "{text: x", "expect.stdout[2].count", "more than the limit"),
    ("count range of 5000 digits", with_expect("{text: x, count: '1..%s'}" % ("9" * 5000)), "{text: x",
     "expect.stdout[2].count", None),
    ("catastrophic regex", with_expect("{re: '(a+)+$'}"), "{re:", "expect.stdout[2].re", "repeats a repeat"),
    ("catastrophic absent regex", GOOD + "  absent: [{re: '(x*)*y'}]\n", "  absent", "expect.absent[0].re", "repeats a repeat"),
    ("nested repeat in a lookahead", with_expect("{re: '(?=(a|b+)+c)x'}"), "{re:", "expect.stdout[2].re",
     "repeats a repeat"),
    ("invalid regex", with_expect("{re: '('}"), "{re:", "expect.stdout[2].re", "invalid regular expression"),
    ("regex of 5000 characters", with_expect("{re: '%s'}" % ("a" * 5000)), "{re:", "expect.stdout[2].re",
     "longer than"),
    ("file of 2 MB", GOOD + "notes: '" + "x" * (2 << 20) + "'\n", None, None, "larger than %d bytes" % limits.MAX_FILE_BYTES),
    ("not UTF-8", GOOD.encode().replace(b"title: x", b"title: \xff"), b"title", None, "not UTF-8"),
    ("empty", "", None, None, None),
    ("a list, not a mapping", "- 1\n- 2\n", "- 1", None, "a scenario is a mapping"),
    ("duplicate key", GOOD.replace("title: x", "title: x\ntitle: y"), "title: y", "title", "duplicate key"),
    ("python tag", GOOD.replace("title: x", "title: !!python/object/apply:os.system [ls]"), "title", None, "invalid YAML"),
    ("unclosed flow", GOOD.replace("tags:", "").replace("source: {cpython: x}", "source: {cpython: x"), None, None,
     "invalid YAML"),
]

# Expectations files: (name, content, words)
EXPECTATIONS = [
    ("alias bomb", alias_bomb().split("id: t/good")[0] + "implementation: x\nentries: []\n", "aliases are expanded"),
    ("nesting 500 deep", "implementation: x\nentries: " + "[" * 500 + "]" * 500 + "\n", "nested more than"),
    ("control character", "implementation: x\x07\nentries: []\n", "unacceptable character #x0007"),
    ("integer of 5000 digits", "implementation: " + "1" * 5000 + "\nentries: []\n", "integers must be below"),
    ("nan in an entry", "implementation: x\nentries:\n  - {id: t/good, status: fail, reason: .nan}\n", "not a finite number"),
    ("entries not a list", "implementation: x\nentries: {a: 1}\n", "a mapping with 'implementation' and 'entries'"),
    ("file of 2 MB", "implementation: x\nentries: []\n# " + "x" * (2 << 20) + "\n", "larger than"),
]


def assert_no_traceback(case, text):
    case.assertNotIn("Traceback", text)
    case.assertNotIn('File "', text)


class ScenarioFiles(unittest.TestCase):
    def test_each_file_alone(self):
        with TempDir() as d:
            for n, (name, content, marker, field, words) in enumerate(SCENARIOS):
                with self.subTest(case=name):
                    line = None if marker is None else content[:content.index(marker)].count(
                        b"\n" if isinstance(content, bytes) else "\n") + 1
                    path = d.write("bad%02d.yaml" % n, content)
                    with self.assertRaises(loader.ScenarioError) as cm:
                        loader.load(path)
                    e = cm.exception
                    text = str(e)
                    self.assertNotIn("\n", text)
                    self.assertLess(len(text), 500)
                    self.assertTrue(text.startswith(path), text)
                    if line is not None:
                        self.assertEqual(e.line, line, text)
                    if field is not None:
                        self.assertTrue((e.field or "").startswith(field), text)
                    if words:
                        self.assertIn(words, text)

    def test_all_beside_a_good_one_in_one_run(self):
        with TempDir() as d:
            for n, (name, content, _, _, _) in enumerate(SCENARIOS):
                d.write("specs/bad%02d.yaml" % n, content)
            d.write("specs/good.yaml", GOOD)
            pidfile = d.join("fake.pid")
            plan = d.write("plan.json", json.dumps({"t/good": {"lines": GOOD_LINES, "pidfile": pidfile}}))
            out = d.join("results.json")
            p = tsutil.harness("run", "--impl", "cpp", "--executor", tsutil.executor("fake.py"), "--specs",
                               d.join("specs"), "--expectations", d.write("none.yaml", "implementation: cpp\nentries: []\n"),
                               "--json", out, env={"FAKE_PLAN": plan})
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            assert_no_traceback(self, p.stdout + p.stderr)
            self.assertIn("PASS  t/good", p.stdout)
            self.assertIn("1 passed, 0 failed, %d errors" % len(SCENARIOS), p.stdout)
            errors = [ln for ln in p.stdout.splitlines() if ln.startswith("ERROR ")]
            self.assertEqual(len(errors), len(SCENARIOS))
            for n in range(len(SCENARIOS)):
                self.assertEqual(sum("bad%02d.yaml" % n in ln for ln in errors), 1)
            with open(out) as f:
                doc = json.load(f)
            self.assertEqual(len(doc["load_errors"]), len(SCENARIOS))
            self.assertTrue(tsutil.gone(tsutil.read_int(pidfile)))


class ExpectationsFiles(unittest.TestCase):
    def test_each_file(self):
        with TempDir() as d:
            d.write("specs/good.yaml", GOOD)
            for n, (name, content, words) in enumerate(EXPECTATIONS):
                with self.subTest(case=name):
                    path = d.write("exp%02d.yaml" % n, content)
                    with self.assertRaises(loader.ScenarioError) as cm:
                        engine.Expectations.load(path, {"t/good"})
                    self.assertIn(words, str(cm.exception))
                    self.assertNotIn("\n", str(cm.exception))
            # through the command line: a usage error (status 2), one line, nothing run
            for n in (0, 2, 4):
                with self.subTest(cli=EXPECTATIONS[n][0]):
                    p = tsutil.harness("run", "--impl", "cpp", "--executor", tsutil.executor("fake.py"), "--specs",
                                       d.join("specs"), "--expectations", d.join("exp%02d.yaml" % n),
                                       "--json", d.join("r.json"))
                    self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                    (line,) = p.stderr.splitlines()
                    self.assertTrue(line.startswith("threadspec: error: %s" % d.join("exp%02d.yaml" % n)), line)
                    self.assertIn(EXPECTATIONS[n][2], line)
                    assert_no_traceback(self, p.stdout + p.stderr)
                    self.assertFalse(os.path.exists(d.join("r.json")))


# Executors and traces: scenario id -> (plan, verdict, rule, words)
EXECUTORS = {
    "x/flood": ({"lines": GOOD_LINES, "flood": ["stdout", limits.MAX_LINES + 10]}, "fail", "output",
                "only the first %d lines" % limits.MAX_LINES),
    "x/flood-stderr": ({"lines": GOOD_LINES, "flood": ["stderr", limits.MAX_LINES + 10]}, "fail", "output", "stderr:"),
    "x/line-of-20mb": ({"lines": GOOD_LINES, "long_line": ["stdout", 20 << 20]}, "fail", "output",
                       "only the first 3 lines (%d bytes at most)" % limits.MAX_STREAM_BYTES),
    "x/line-of-1mb": ({"lines": GOOD_LINES, "long_line": ["stderr", 1 << 20]}, "fail", "output", "longer than"),
    "x/new-session-holding-stdout": ({"lines": GOOD_LINES, "mode": "setsid"}, "pass", None, None),
    "x/daemon-without-environment": ({"lines": GOOD_LINES, "mode": "daemon"}, "pass", None, None),
    "x/trace-list": ({"lines": GOOD_LINES, "raw_trace": ["[1, 2]"]}, "fail", "trace", "a JSON object, not list"),
    "x/trace-seq-string": ({"lines": GOOD_LINES, "raw_trace": ['{"seq": "7"}']}, "fail", "trace", "'seq' is str"),
    "x/trace-nan-time": ({"lines": GOOD_LINES, "raw_trace": ['{"seq": 9, "t": NaN}']}, "fail", "trace", "finite"),
    "x/trace-deep-json": ({"lines": GOOD_LINES, "raw_trace": ["[" * 100000]}, "fail", "trace", "not JSON"),
    "x/trace-not-utf8": ({"lines": GOOD_LINES, "raw_trace": ["\udcff\udcfe"]}, "fail", "trace", "not JSON"),
    "x/trace-bad-stream": ({"lines": GOOD_LINES, "raw_trace": ['{"seq": 5, "kind": "line", "stream": 3}']},
                           "fail", "trace", "'stream' is int"),
    "x/no-trace-file": ({"lines": GOOD_LINES, "no_trace": True}, "fail", "trace", "no trace file"),
    "x/trace-ghost-line": ({"lines": GOOD_LINES, "untraced_extra": [["stdout", "ghost"]]}, "fail", "trace", "ghost"),
    "x/crash": ({"lines": GOOD_LINES, "mode": "signal"}, "fail", "crash", "SIGSEGV"),
    "x/refuses": ({"mode": "error", "message": "step 'fork' is not implemented"}, "error", None,
                  "threadspec-executor: error: step 'fork' is not implemented"),
}


class Executors(unittest.TestCase):
    def test_every_behaviour_beside_a_good_scenario(self):
        with TempDir() as d:
            plans = {"t/good": {"lines": GOOD_LINES}}
            pidfiles = []
            for sid, (plan, _, _, _) in EXECUTORS.items():
                plan = dict(plan, pidfile=d.join(sid.replace("/", "_") + ".pid"))
                pidfiles.append(plan["pidfile"])
                if plan.get("mode") in ("setsid", "daemon"):
                    plan["grandchild_pidfile"] = d.join(sid.replace("/", "_") + ".grandchild")
                    pidfiles.append(plan["grandchild_pidfile"])
                plans[sid] = plan
                d.write("specs/%s.yaml" % sid.replace("/", "_"), tsutil.scenario(sid))
            d.write("specs/good.yaml", GOOD)
            plan_path = d.write("plan.json", json.dumps(plans))
            out = d.join("results.json")
            t0 = time.monotonic()
            p = tsutil.harness("run", "--impl", "cpp", "--executor", tsutil.executor("fake.py"), "--specs",
                               d.join("specs"), "--expectations", d.write("none.yaml", "implementation: cpp\nentries: []\n"),
                               "-j", "2", "--json", out, env={"FAKE_PLAN": plan_path}, timeout=300)
            self.assertLess(time.monotonic() - t0, 120)
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            assert_no_traceback(self, p.stdout + p.stderr)
            with open(out) as f:
                doc = json.load(f)
            by_id = dict((s["id"], s) for s in doc["scenarios"])
            self.assertEqual(by_id["t/good"]["verdict"], "pass")
            for sid, (_, verdict, rule, words) in EXECUTORS.items():
                with self.subTest(case=sid):
                    s = by_id[sid]
                    self.assertEqual(s["verdict"], verdict, s.get("violations"))
                    if rule:
                        rules = [v["rule"] for v in s["violations"]]
                        self.assertIn(rule, rules)
                        msg = [v["message"] for v in s["violations"] if v["rule"] == rule][0]
                        self.assertIn(words, msg)
                        self.assertNotIn("\n", msg)
                    elif words:
                        self.assertEqual(s["reason"], words)
            # the results stay small although the executors wrote more than 40 MB
            self.assertLess(os.path.getsize(out), 4 << 20)
            for path in pidfiles:
                self.assertTrue(tsutil.gone(tsutil.read_int(path)), "process of %s survived" % path)

    def test_a_regex_that_backtracks_catastrophically_is_stopped(self):
        with TempDir() as d:
            d.write("specs/good.yaml", GOOD)
            d.write("specs/slow.yaml", tsutil.scenario("t/slow").replace(
                "    - {thread: main, text: done, id: d}\n",
                "    - {thread: main, text: done, id: d}\n    - {re: '.*.*.*.*=x', count: '0..1'}\n"))
            plan = d.write("plan.json", json.dumps({
                "t/good": {"lines": GOOD_LINES},
                "t/slow": {"lines": GOOD_LINES + [["stdout", "a" * 20000, "main"]]}}))
            p = tsutil.harness("run", "--impl", "cpp", "--executor", tsutil.executor("fake.py"), "--specs",
                               d.join("specs"), "--expectations", d.write("none.yaml", "implementation: cpp\nentries: []\n"),
                               env={"FAKE_PLAN": plan, "THREADSPEC_CHECK_SECONDS": "2"})
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            assert_no_traceback(self, p.stdout + p.stderr)
            self.assertIn("PASS  t/good", p.stdout)
            self.assertIn("ERROR t/slow  (CheckError: checking the run took more than 2 s", p.stdout)


class Interrupts(unittest.TestCase):
    """Ctrl-C, SIGTERM, SIGHUP, twice, during start-up, and SIGKILL of the harness."""

    def start(self, d, extra_env=None):
        self.pidfile, self.gpidfile = d.join("fake.pid"), d.join("grandchild.pid")
        plan = d.write("plan.json", json.dumps({"*": {"mode": "fork", "pidfile": self.pidfile,
                                                      "grandchild_pidfile": self.gpidfile}}))
        d.write("specs/good.yaml", GOOD)
        self.out = d.join("out", "r.json")
        env = dict(os.environ, FAKE_PLAN=plan, **(extra_env or {}))
        return subprocess.Popen([PYTHON, HARNESS, "run", "--impl", "cpp", "--executor", tsutil.executor("fake.py"),
                                 "--specs", d.join("specs"), "--json", self.out,
                                 "--expectations", d.write("none.yaml", "implementation: cpp\nentries: []\n")],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)

    def finish(self, proc, status=(130,)):
        try:
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertIn(proc.returncode, status, out + err)
        assert_no_traceback(self, out + err)
        self.assertFalse(os.path.exists(self.out))
        return out, err

    def test_sighup_and_a_second_interrupt(self):
        for signals in ((signal.SIGHUP,), (signal.SIGINT, signal.SIGINT), (signal.SIGTERM, signal.SIGINT)):
            with self.subTest(signals=signals), TempDir() as d:
                proc = self.start(d)
                self.assertTrue(tsutil.wait_for_file(self.gpidfile))
                for sig in signals:
                    proc.send_signal(sig)
                out, err = self.finish(proc)
                self.assertIn("interrupted", err)
                for path in (self.pidfile, self.gpidfile):
                    self.assertTrue(tsutil.gone(tsutil.read_int(path)))

    def test_interrupt_during_start_up(self):
        # From the harness's first line on (Python's own start-up before it is Python's);
        # the harness then spends about 0.3 s importing and loading before any run.
        bare = []
        for _ in range(3):
            t0 = time.monotonic()
            subprocess.run([PYTHON, "-c", "pass"])
            bare.append(time.monotonic() - t0)
        for extra in (0.02, 0.1, 0.25):
            delay = 2 * max(bare) + extra
            with self.subTest(delay=delay), TempDir() as d:
                proc = self.start(d)
                time.sleep(delay)
                proc.send_signal(signal.SIGINT)
                # before the interpreter runs the harness, SIGINT's default action ends it
                self.finish(proc, status=(130, -signal.SIGINT))
                if os.path.exists(self.pidfile):
                    self.assertTrue(tsutil.gone(tsutil.read_int(self.pidfile)))

    def test_executors_die_with_a_killed_harness(self):
        with TempDir() as d:
            proc = self.start(d)
            self.assertTrue(tsutil.wait_for_file(self.gpidfile))
            proc.kill()
            proc.communicate()
            self.assertTrue(tsutil.gone(tsutil.read_int(self.pidfile)), "the executor outlived a SIGKILLed harness")


class OutputPaths(unittest.TestCase):
    def test_unwritable_results_paths_fail_before_the_run(self):
        with TempDir() as d:
            d.write("specs/good.yaml", GOOD)
            blocker = d.write("file", "x")
            plan = d.write("plan.json", json.dumps({"*": {"lines": GOOD_LINES}}))
            requests = d.join("requests.jsonl")
            for option, path in (("--json", os.path.join(blocker, "r.json")), ("--junit", d.path),
                                 ("--json-dir", blocker)):
                with self.subTest(option=option):
                    p = tsutil.harness("run", "--impl", "cpp", "--executor", tsutil.executor("fake.py"), "--specs",
                                       d.join("specs"), option, path,
                                       env={"FAKE_PLAN": plan, "FAKE_REQUESTS": requests})
                    self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                    (line,) = p.stderr.splitlines()
                    self.assertTrue(line.startswith("threadspec: error: "), line)
                    self.assertFalse(os.path.exists(requests), "a scenario ran before the paths were checked")

    def test_time_scale_must_be_finite(self):
        for value in ("nan", "inf", "-1", "0", "1e9"):
            with self.subTest(value=value):
                p = tsutil.harness("run", "--time-scale", value, "--id", "none")
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                self.assertIn("--time-scale", p.stderr)
                assert_no_traceback(self, p.stderr)


if __name__ == "__main__":
    unittest.main()
