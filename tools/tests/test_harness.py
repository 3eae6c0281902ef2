"""Tests of the harness: loading and validation errors, the checker's rules, the runner's
process handling, and the command line end to end with small fake executors.
Run: cd tools && python3 -m unittest discover -s tests"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tsutil import GOOD, HARNESS, TempDir  # noqa: E402  (puts tools/ on sys.path)
from threadspec_lib import checker, loader, runner, versions  # noqa: E402
from threadspec_lib.checker import Line, Observation  # noqa: E402


class Loader(unittest.TestCase):
    def error(self, text):
        with TempDir() as d:
            path = d.write("s.yaml", text)
            with self.assertRaises(loader.ScenarioError) as cm:
                loader.load(path)
            e = cm.exception
            self.assertEqual(e.path, path)
            return e

    def test_good_file_loads_and_canonicalizes(self):
        with TempDir() as d:
            sc = loader.load(d.write("s.yaml", GOOD))
        c = sc.canonical()
        self.assertEqual(c["functions"]["worker"]["params"], ["n"])
        self.assertEqual(c["functions"]["worker"]["body"][0], {"op": "print", "line": 7, "text": "w {n}", "file": "stdout"})
        self.assertEqual(c["main"][0], {"op": "thread", "line": 9, "var": "t", "target": "worker", "args": [1]})
        self.assertEqual(c["main"][3]["op"], "print")

    def test_malformed_yaml_names_the_line(self):
        e = self.error(GOOD.replace("  - {start: t}", "  - {start: t"))
        self.assertIn("invalid YAML", e.message)
        self.assertIsNotNone(e.line)

    def test_unknown_step_names_line_and_field(self):
        e = self.error(GOOD.replace("{start: t}", "{strat: t}"))
        self.assertEqual((e.line, e.field), (10, "main[1].strat"))
        self.assertIn("unknown step 'strat'", e.message)
        self.assertIn("start", e.message)

    def test_unknown_argument_and_wrong_type(self):
        e = self.error(GOOD.replace("{join: t}", "{join: t, timout: 1}"))
        self.assertEqual(e.line, 11)
        self.assertIn("timout", e.message)
        e = self.error(GOOD.replace("{join: t}", "{sleep: soon}"))
        self.assertEqual((e.line, e.field), (11, "main[2].sleep"))

    def test_undefined_function_thread_and_label(self):
        self.assertIn("'wrker'", self.error(GOOD.replace("target: worker", "target: wrker")).message)
        e = self.error(GOOD.replace("{join: t}", "{join: u}"))
        self.assertEqual(e.field, "main[2].join")
        self.assertIn("'u'", e.message)
        e = self.error(GOOD.replace("{thread: t, text:", "{thread: q, text:"))
        self.assertEqual(e.field, "expect.stdout[0].thread")

    def test_missing_key_duplicate_key_and_bad_regex(self):
        self.assertIn("'expect'", self.error(GOOD.split("expect:")[0]).message)
        e = self.error(GOOD.replace("title: x\n", "title: x\ntitle: y\n"))
        self.assertIn("duplicate key", e.message)
        self.assertEqual(e.line, 3)
        e = self.error(GOOD.replace('text: "w 1"', 're: "w ("'))
        self.assertEqual(e.field, "expect.stdout[0].re")

    def test_order_ids_counts_and_interpolation(self):
        self.assertIn("'zz'", self.error(GOOD.replace("then: d", "then: zz")).message)
        self.assertIn("low end", self.error(GOOD.replace("id: w}", 'id: w, count: "3..1"}')).message)
        self.assertIn("template", self.error(GOOD.replace('"w {n}"', '"w {1+}"')).message)

    def test_excepthook_arity(self):
        text = GOOD.replace("  - {start: t}", "  - {excepthook: worker}\n  - {start: t}")
        text = text.replace("params: [n]", "params: [n, m]").replace("args: [1]", "args: [1, 2]")
        self.assertIn("exactly one parameter", self.error(text).message)

    def test_empty_non_mapping_and_non_utf8(self):
        self.assertIn("empty", self.error("").message)
        self.assertIn("mapping", self.error("- 1\n- 2\n").message)
        with TempDir() as d:
            path = os.path.join(d.path, "s.yaml")
            with open(path, "wb") as f:
                f.write(b"id: \xff\n")
            with self.assertRaises(loader.ScenarioError) as cm:
                loader.load(path)
            self.assertIn("UTF-8", cm.exception.message)

    def test_load_all_goes_on_past_bad_files_and_finds_duplicate_ids(self):
        with TempDir() as d:
            d.write("a/good.yaml", GOOD)
            d.write("b/bad.yaml", GOOD.replace("{start: t}", "{strat: t}"))
            d.write("c/dup.yaml", GOOD)
            scenarios, errors = loader.load_all([d.path])
        self.assertEqual([s.id for s in scenarios], ["t/good"])
        self.assertEqual(sorted(os.path.basename(e.path) for e in errors), ["bad.yaml", "dup.yaml"])
        self.assertTrue(any("duplicate scenario id" in e.message for e in errors))

    def test_all_shipped_scenarios_are_valid(self):
        scenarios, errors = loader.load_all([loader.SPECS_DIR])
        self.assertEqual([str(e) for e in errors], [])
        self.assertGreaterEqual(len(scenarios), 20)


class Versions(unittest.TestCase):
    def test_matches(self):
        self.assertTrue(versions.matches(">=3.9", "3.9.18"))
        self.assertFalse(versions.matches("<3.9", "3.9.18"))
        self.assertTrue(versions.matches("<=3.9", "3.9.18"))
        self.assertTrue(versions.matches("==2.7", "2.7.18"))
        self.assertTrue(versions.matches(">=3.9,<3.10", "3.9.1"))
        self.assertFalse(versions.matches(">=3.9,<3.10", "3.10.0"))
        with self.assertRaises(ValueError):
            versions.matches("~3", "3.9")


def obs(stdout=(), stderr=(), code=0, traced=True, end=None):
    """An observation from (text, label, seq, t) tuples (or plain strings)."""
    lines = {}
    for stream, rows in (("stdout", stdout), ("stderr", stderr)):
        out = []
        for i, row in enumerate(rows):
            if isinstance(row, str):
                row = (row, None, None, float(i))
            text, label, seq, t = row
            out.append(Line(stream, i, text, t, label, label, seq))
        lines[stream] = out
    return Observation(lines, end or {"kind": "exit", "code": code}, 1.0, traced)


def rules(result):
    return sorted({v.rule for v in result.violations})


class Checker(unittest.TestCase):
    EXPECT = {"stdout": [{"thread": "a", "text": "a1", "id": "a1"}, {"thread": "a", "text": "a2"},
                         {"thread": "b", "text": "b1", "id": "b1"}],
              "order": [{"first": "a1", "then": "b1"}]}

    def run_lines(self, texts, expect=None, **kw):
        labels = {"a1": "a[0]", "a2": "a[0]", "b1": "b[0]"}
        rows = [(t, labels.get(t), i, float(i)) for i, t in enumerate(texts)]
        return checker.check(expect or self.EXPECT, obs(stdout=rows, **kw))

    def test_document_order_and_allowed_interleaving(self):
        r = self.run_lines(["a1", "a2", "b1"])
        self.assertTrue(r.passed)
        self.assertEqual(r.outcome_class, "as in the document")
        r = self.run_lines(["a1", "b1", "a2"])
        self.assertTrue(r.passed, [str(v) for v in r.violations])
        self.assertEqual(r.outcome_class, "allowed")

    def test_program_order_order_missing_and_unexpected(self):
        self.assertEqual(rules(self.run_lines(["a2", "a1", "b1"])), ["program-order"])
        self.assertEqual(rules(self.run_lines(["b1", "a1", "a2"])), ["order"])
        self.assertEqual(rules(self.run_lines(["a1", "a2"])), ["line"])
        self.assertEqual(rules(self.run_lines(["a1", "a2", "b1", "zz"])), ["unexpected"])
        self.assertEqual(self.run_lines(["a2", "a1", "b1"]).outcome_class, "forbidden")

    def test_counts_and_backtracking(self):
        expect = {"stdout": [{"re": "x.*", "count": "1..2"}, {"text": "xy", "count": 1}]}
        # greedy would give "xy" to the regex item first and then fail; backtracking finds it
        self.assertTrue(checker.check(expect, obs(stdout=["xy", "xa"])).passed)
        # four lines where the counts allow three at most: a count violation
        self.assertEqual(rules(checker.check(expect, obs(stdout=["xy", "xa", "xb", "xc"]))), ["count"])
        exact = {"stdout": [{"text": "w", "count": 3}]}
        self.assertTrue(checker.check(exact, obs(stdout=["w"] * 3)).passed)
        self.assertEqual(rules(checker.check(exact, obs(stdout=["w"] * 2))), ["count"])
        self.assertEqual(rules(checker.check(exact, obs(stdout=["w"] * 4))), ["count"])

    def test_thread_label_checked_only_when_traced(self):
        expect = {"stdout": [{"thread": "a", "text": "x"}]}
        self.assertEqual(rules(checker.check(expect, obs(stdout=[("x", "b[0]", 0, 0.0)]))), ["thread"])
        self.assertTrue(checker.check(expect, obs(stdout=[("x", "b[0]", 0, 0.0)], traced=False)).passed)

    def test_timing_with_time_scale(self):
        expect = {"stdout": [{"text": "s", "id": "s"}, {"text": "f", "at": {"after": "s", "seconds": 2}, "id": "f"}]}
        ok = obs(stdout=[("s", None, 0, 0.0), ("f", None, 1, 0.2)])
        self.assertTrue(checker.check(expect, ok, time_scale=0.1).passed)
        late = obs(stdout=[("s", None, 0, 0.0), ("f", None, 1, 0.5)])
        self.assertEqual(rules(checker.check(expect, late, time_scale=0.1)), ["timing"])

    def test_absent_exit_crash_deadline_running(self):
        expect = {"stdout": ["x"], "absent": ["never"]}
        self.assertEqual(rules(checker.check(expect, obs(stdout=["x"], stderr=["never"]))), ["absent", "unexpected"])
        self.assertEqual(rules(checker.check({"stdout": ["x"]}, obs(stdout=["x"], code=3))), ["exit"])
        crash = obs(stdout=["x"], end={"kind": "signal", "signal": "SIGSEGV"})
        self.assertEqual(rules(checker.check({"stdout": ["x"]}, crash)), ["crash"])
        hang = obs(stdout=["x"], end={"kind": "deadline", "after": 5.0})
        self.assertEqual(rules(checker.check({"stdout": ["x"]}, hang)), ["deadline"])
        running = obs(end={"kind": "running", "after": 0.4})
        self.assertTrue(checker.check({"exit": {"running_after": 4}}, running, 0.1).passed)
        self.assertEqual(rules(checker.check({"exit": {"running_after": 4}}, obs(), 0.1)), ["exit"])

    def test_traceback_item(self):
        expect = {"stderr": [{"traceback": "ValueError: boom"}]}
        tb = ["Traceback (most recent call last):", '  File "x.py", line 1, in <module>', "    f()", "ValueError: boom"]
        self.assertTrue(checker.check(expect, obs(stderr=tb), 1.0).passed)
        self.assertEqual(rules(checker.check(expect, obs(stderr=tb[:1] + tb[3:] + tb[1:3]))), ["program-order"])

    def test_every_mutation_of_a_passing_expectation_fails_naming_the_rule(self):
        seen = obs(stdout=[("a1", "a[0]", 0, 0.0), ("a2", "a[0]", 1, 0.1), ("b1", "b[0]", 2, 0.2)])
        self.assertTrue(checker.check(self.EXPECT, seen).passed)
        mutations = {
            "line": lambda e: e["stdout"][1].update(text="a2!"),
            "count": lambda e: e["stdout"][1].update(count=2),
            "program-order": lambda e: e["stdout"].insert(0, e["stdout"].pop(1)),
            "order": lambda e: e.update(order=[{"first": "b1", "then": "a1"}]),
            "thread": lambda e: e["stdout"][2].update(thread="a"),
            "absent": lambda e: e.update(absent=["a2"]),
            "exit": lambda e: e.update(exit=1),
        }
        for rule, mutate in mutations.items():
            expect = json.loads(json.dumps(self.EXPECT))
            mutate(expect)
            result = checker.check(expect, seen)
            self.assertIn(rule, rules(result), (rule, [str(v) for v in result.violations]))


class Runner(unittest.TestCase):
    def test_lines_status_signal_deadline_and_running(self):
        raw = runner.run_process([sys.executable, "-c", "import sys; print('a'); print('b', file=sys.stderr); sys.exit(3)"],
                                 b"", 30)
        self.assertEqual(([t for t, _ in raw.out], [t for t, _ in raw.err], raw.end), (["a"], ["b"], {"kind": "exit", "code": 3}))
        raw = runner.run_process([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"], b"", 30)
        self.assertEqual(raw.end, {"kind": "signal", "signal": "SIGSEGV"})
        t0 = time.monotonic()
        raw = runner.run_process([sys.executable, "-c", "import time; print('x', flush=True); time.sleep(60)"], b"", 1.0)
        self.assertEqual(raw.end["kind"], "deadline")
        self.assertLess(time.monotonic() - t0, 20)
        self.assertEqual([t for t, _ in raw.out], ["x"])
        raw = runner.run_process([sys.executable, "-c", "import time; time.sleep(60)"], b"", 30, running_after=0.5)
        self.assertEqual(raw.end["kind"], "running")

    def test_no_orphan_survives(self):
        with TempDir() as d:
            pidfile = os.path.join(d.path, "pid")
            code = textwrap.dedent("""
                import subprocess, sys, time
                p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
                open(%r, "w").write(str(p.pid))
                time.sleep(60)
            """ % pidfile)
            runner.run_process([sys.executable, "-c", code], b"", 2.0)
            with open(pidfile) as f:
                pid = int(f.read())
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        self.fail("the grandchild %d survived the run" % pid)

    def test_observation_merges_trace_and_reports_missing_lines(self):
        raw = runner.RawRun([("a", 0.1), ("b", 0.2)], [], {"kind": "exit", "code": 0}, 0.3,
                            [{"seq": 0, "t": 0.05, "kind": "line", "stream": "stdout", "text": "a", "label": "t[0]", "thread": "T"},
                             {"seq": 1, "t": 0.06, "kind": "line", "stream": "stdout", "text": "zz", "label": "main", "thread": "M"}])
        o = runner.observation(raw, traced=True)
        a, b = o.lines["stdout"]
        self.assertEqual((a.label, a.seq, b.label), ("t[0]", 0, None))
        self.assertEqual(len(o.problems), 1)
        self.assertIn("zz", o.problems[0])


FAKE = """#!/usr/bin/env python3
import json, os, sys, time
if sys.argv[1:] == ["--describe"]:
    print(json.dumps({"protocol": 1, "implementation": "fake", "version": "3.13.0", "emulates": "3.13.0"}))
    sys.exit(0)
req = json.load(sys.stdin)
mode = os.environ.get("FAKE_MODE", "ok")
if mode == "hang":
    open(os.environ["FAKE_PIDFILE"], "w").write(str(os.getpid()))
    time.sleep(120)
if mode == "error":
    sys.stderr.write("threadspec-executor: error: unsupported step 'x' (line 3)\\n")
    sys.exit(125)
fd = os.open(req["trace"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
for seq, (text, label) in enumerate([("w 1", "t[0]"), ("done", "main")]):
    if mode == "wrong" and text == "done":
        text = "dome"
    print(text, flush=True)
    os.write(fd, (json.dumps({"seq": seq, "t": seq * 0.01, "kind": "line", "stream": "stdout", "text": text,
                              "label": label, "thread": label}) + "\\n").encode())
"""


class CommandLine(unittest.TestCase):
    def harness(self, *args, env=None, timeout=120):
        e = dict(os.environ)
        e.update(env or {})
        return subprocess.run([HARNESS] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=e, timeout=timeout, universal_newlines=True)

    def setUp(self):
        self.tmp = TempDir().__enter__()
        self.fake = self.tmp.write("fake.py", FAKE, 0o755)
        self.specs = os.path.join(self.tmp.path, "specs")
        self.tmp.write("specs/good.yaml", GOOD)

    def tearDown(self):
        self.tmp.__exit__()

    def run_fake(self, *extra, mode="ok", env=None):
        e = {"FAKE_MODE": mode}
        e.update(env or {})
        return self.harness("run", "--impl", "cpp", "--executor", self.fake, "--specs", self.specs, *extra, env=e)

    def test_pass_json_and_junit(self):
        out_json = os.path.join(self.tmp.path, "r.json")
        out_xml = os.path.join(self.tmp.path, "r.xml")
        p = self.run_fake("--json", out_json, "--junit", out_xml, "--repeat", "3")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("1 passed, 0 failed", p.stdout)
        with open(out_json) as f:
            doc = json.load(f)
        self.assertEqual(doc["schema"], "threadspec-results/1")
        self.assertEqual(doc["summary"]["pass"], 1)
        sc = doc["scenarios"][0]
        self.assertEqual((sc["id"], sc["verdict"], sc["runs"]), ("t/good", "pass", 3))
        self.assertEqual(sum(o["count"] for o in sc["outcomes"]), 3)
        import xml.etree.ElementTree as ET
        self.assertEqual(ET.parse(out_xml).getroot().find("testsuite").get("tests"), "1")

    def test_failure_names_the_expectation(self):
        p = self.run_fake(mode="wrong")
        self.assertEqual(p.returncode, 1)
        self.assertIn("FAIL  t/good", p.stdout)
        self.assertIn("'dome' matches no expected line", p.stdout)
        self.assertIn("expected:", p.stdout)

    def test_executor_error_and_invalid_file_do_not_stop_the_run(self):
        self.tmp.write("specs/bad.yaml", GOOD.replace("t/good", "t/bad").replace("{start: t}", "{strat: t}"))
        p = self.run_fake(mode="error")
        self.assertEqual(p.returncode, 1)
        self.assertIn("ERROR t/good  (threadspec-executor: error: unsupported step 'x' (line 3))", p.stdout)
        self.assertIn("bad.yaml:10 (main[1].strat): unknown step 'strat'", p.stdout)

    def test_hang_is_reported_and_killed(self):
        pidfile = os.path.join(self.tmp.path, "pid")
        self.tmp.write("specs/good.yaml", GOOD.replace("title: x", "title: x\ntimeout: 1"))
        p = self.run_fake("--time-scale", "0.1", mode="hang", env={"FAKE_PIDFILE": pidfile})
        self.assertEqual(p.returncode, 1)
        self.assertIn("[deadline]", p.stdout)
        with open(pidfile) as f:
            pid = int(f.read())
        with self.assertRaises(ProcessLookupError):
            os.kill(pid, 0)

    def test_interrupt_kills_everything_and_writes_no_results(self):
        pidfile = os.path.join(self.tmp.path, "pid")
        out_json = os.path.join(self.tmp.path, "r.json")
        e = dict(os.environ, FAKE_MODE="hang", FAKE_PIDFILE=pidfile)
        proc = subprocess.Popen([HARNESS, "run", "--impl", "cpp", "--executor", self.fake, "--specs", self.specs,
                                 "--json", out_json], env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while not os.path.exists(pidfile) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 130, err)
        self.assertFalse(os.path.exists(out_json))
        with open(pidfile) as f:
            pid = int(f.read())
        time.sleep(0.2)
        with self.assertRaises(ProcessLookupError):
            os.kill(pid, 0)

    def test_expectations_file_expected_fail_and_unexpected_pass(self):
        exp = self.tmp.write("exp.yaml", "implementation: fake\nentries:\n"
                             "  - {id: t/good, status: fail, reason: the fake misspells a word}\n")
        p = self.run_fake("--expectations", exp, mode="wrong")
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertIn("XFAIL t/good  (the fake misspells a word)", p.stdout)
        p = self.run_fake("--expectations", exp)
        self.assertEqual(p.returncode, 1)
        self.assertIn("[unexpected-pass]", p.stdout)
        bad = self.tmp.write("bad.yaml", "implementation: fake\nentries:\n  - {id: t/nope, status: fail, reason: r}\n")
        p = self.run_fake("--expectations", bad)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no scenario has id 't/nope'", p.stderr)

    def test_diff_reports_verdict_changes(self):
        a, b = os.path.join(self.tmp.path, "a.json"), os.path.join(self.tmp.path, "b.json")
        self.run_fake("--json", a)
        self.run_fake("--json", b, mode="wrong")
        p = self.harness("diff", a, a)
        self.assertEqual(p.returncode, 0, p.stdout)
        p = self.harness("diff", a, b)
        self.assertEqual(p.returncode, 1)
        self.assertIn("pass → fail", p.stdout)

    def test_matrix_writes_markdown_and_html(self):
        a, b = os.path.join(self.tmp.path, "a.json"), os.path.join(self.tmp.path, "b.json")
        self.run_fake("--json", a)
        self.run_fake("--json", b, mode="wrong")
        out = os.path.join(self.tmp.path, "m")
        p = self.harness("matrix", b, a, "--out", out)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(os.path.join(out, "matrix.md")) as f:
            md = f.read().splitlines()
        self.assertIn("| scenario | cpp 3.13.0 | cpp 3.13.0 |", md)
        self.assertIn("| cpp 3.13.0 | 0% | 0 | 1 | 0 | 0 | 0 |", md)
        row = [line for line in md if line.startswith("| `t/good`")][0]
        self.assertIn("PASS", row)
        self.assertIn("FAIL", row)
        self.assertIn("'dome' matches no expected line", row)
        with open(os.path.join(out, "matrix.html")) as f:
            page = f.read()
        self.assertIn("<details><summary>", page)
        self.assertIn("t/good", page)


if __name__ == "__main__":
    unittest.main()
