"""tools/threadspec end to end with fake executors (fixtures/executors) through
`run --impl cpp --executor FAKE`: verdicts, summaries, results files, expectations
files, variants, repeats, interrupts; and the validate, list and compile commands."""

import json
import os
import signal
import subprocess
import sys
import time
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsutil  # noqa: E402
from tsutil import GOOD, PYTHON, HARNESS, TempDir  # noqa: E402

GOOD_LINES = [["stdout", "w 1", "t[0]"], ["stdout", "done", "main"]]

# Two threads whose lines may come in either order (labels t and u).
TWO = """\
id: t/two
title: two threads
source: {cpython: x}
functions:
  fa: [{print: a}]
  fb: [{print: b}]
main:
  - {thread: t, target: fa}
  - {thread: u, target: fb}
  - {start: t}
  - {start: u}
expect:
  stdout: [{text: a, thread: t}, {text: b, thread: u}]
"""

VARIANT = """\
id: t/variant
title: the line changed in 3.10
source: {cpython: x}
main: [{print: old}]
expect:
  stdout: [old]
variants:
  - when: {python: ">=3.10"}
    expect: {stdout: [new]}
    reason: "the text changed in 3.10"
"""


class CliCase(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.specs = self.tmp.join("specs")
        self.plan = {"t/good": {"lines": GOOD_LINES}}
        self.tmp.write("specs/good.yaml", GOOD)
        self.requests = self.tmp.join("requests.jsonl")

    def tearDown(self):
        self.tmp.cleanup()

    def run_fake(self, *extra, executor="fake.py", env=None, timeout=120):
        plan = self.tmp.write("plan.json", json.dumps(self.plan))
        e = {"FAKE_PLAN": plan, "FAKE_REQUESTS": self.requests}
        e.update(env or {})
        return tsutil.harness("run", "--impl", "cpp", "--executor", tsutil.executor(executor),
                              "--specs", self.specs, "--expectations", self.no_expectations(), *extra,
                              env=e, timeout=timeout)

    def no_expectations(self):
        return self.tmp.write("none.yaml", "implementation: cpp\nentries: []\n")

    def json_run(self, *extra, **kw):
        path = self.tmp.join("results.json")
        p = self.run_fake("--json", path, *extra, **kw)
        with open(path) as f:
            return p, json.load(f)

    def requests_seen(self):
        if not os.path.exists(self.requests):
            return []
        with open(self.requests) as f:
            return [json.loads(line) for line in f]

    def assertOut(self, p, status, *words):
        text = p.stdout + p.stderr
        self.assertEqual(p.returncode, status, text)
        for w in words:
            self.assertIn(w, text)


class Verdicts(CliCase):
    def test_pass(self):
        p = self.run_fake("--time-scale", "0.1")
        self.assertOut(p, 0, "PASS  t/good", "1 passed, 0 failed")
        (req,) = self.requests_seen()
        self.assertEqual((req["protocol"], req["time_scale"]), (1, 0.1))
        self.assertEqual(req["scenario"]["id"], "t/good")
        self.assertEqual(req["scenario"]["main"][0]["op"], "thread")
        self.assertEqual(req["scenario"]["functions"]["worker"]["params"], ["n"])
        # the trace lived in a private directory that is gone after the run
        self.assertFalse(os.path.exists(os.path.dirname(req["trace"])))

    def test_failure_shows_the_violation_with_expected_and_seen(self):
        self.plan["t/good"]["lines"] = [["stdout", "w 1", "t[0]"], ["stdout", "dome", "main"]]
        p = self.run_fake()
        self.assertOut(p, 1, "FAIL  t/good", "0 passed, 1 failed", "[line]", "[unexpected]", "'dome'")
        lines = p.stdout.splitlines()
        exp = [l for l in lines if l.strip().startswith("expected:")]
        seen = [l for l in lines if l.strip().startswith("seen:")]
        self.assertTrue(exp and seen, p.stdout)
        self.assertIn("'done' from main", exp[0])
        self.assertIn("dome", seen[0])

    def test_wrong_thread_and_wrong_exit(self):
        self.plan["t/good"] = {"lines": [["stdout", "w 1", "main"], ["stdout", "done", "main"]], "exit": 4}
        p = self.run_fake()
        self.assertOut(p, 1, "[thread]", "[exit] expected exit status 0, but the program exited with status 4")

    def test_crash_is_reported_with_the_signal_name(self):
        p = self.run_fake(executor="crash.sh")
        self.assertOut(p, 1, "FAIL  t/good", "[crash]", "SIGSEGV", "about to crash")

    def test_hang_fails_with_deadline_and_the_run_goes_on(self):
        pidfile = self.tmp.join("hang.pid")
        self.tmp.write("specs/a_hang.yaml", tsutil.scenario("t/a-hang", "timeout: 1\n"))
        self.plan["t/a-hang"] = {"mode": "hang", "pidfile": pidfile, "lines": GOOD_LINES}
        t0 = time.monotonic()
        p, doc = self.json_run("--time-scale", "0.1")
        self.assertLess(time.monotonic() - t0, 40)
        self.assertOut(p, 1, "FAIL  t/a-hang", "[deadline]", "PASS  t/good", "1 passed, 1 failed")
        self.assertLess(p.stdout.index("t/a-hang"), p.stdout.index("PASS  t/good"))
        verdicts = {s["id"]: s["verdict"] for s in doc["scenarios"]}
        self.assertEqual(verdicts, {"t/a-hang": "fail", "t/good": "pass"})
        hang = [s for s in doc["scenarios"] if s["id"] == "t/a-hang"][0]
        self.assertEqual(hang["violations"][0]["rule"], "deadline")
        self.assertEqual(hang["first_failure"]["end"]["kind"], "deadline")
        self.assertTrue(tsutil.gone(tsutil.read_int(pidfile)))

    def test_running_after(self):
        self.tmp.write("specs/good.yaml", GOOD.replace("  order:", "  exit: {running_after: 1}\n  order:"))
        self.plan["t/good"]["mode"] = "hang"
        p = self.run_fake()
        self.assertOut(p, 0, "PASS  t/good")
        del self.plan["t/good"]["mode"]
        p = self.run_fake()
        self.assertOut(p, 1, "FAIL  t/good", "[exit] expected the program to be still running after 1.00 s")

    def test_executor_error_125(self):
        p, doc = self.json_run(executor="error.sh")
        self.assertOut(p, 1, "ERROR t/good", "threadspec-executor: error: step 'barrier' (line 7) is not implemented",
                       "0 passed, 0 failed, 1 errors")
        (sc,) = doc["scenarios"]
        self.assertEqual(sc["verdict"], "error")
        self.assertIn("is not implemented", sc["reason"])
        self.assertEqual(doc["summary"]["error"], 1)

    def test_error_125_without_the_message_is_a_plain_failure(self):
        self.plan["t/good"] = {"exit": 125}
        p = self.run_fake()
        self.assertOut(p, 1, "FAIL  t/good", "[exit]")

    def test_invalid_file_is_reported_and_the_others_run(self):
        self.tmp.write("specs/bad.yaml", tsutil.scenario("t/bad").replace("{start: t}", "{strat: t}"))
        self.tmp.write("specs/two.yaml", TWO)
        self.plan["t/two"] = {"lines": [["stdout", "a", "t[0]"], ["stdout", "b", "u[0]"]]}
        p, doc = self.json_run()
        bad = os.path.join(self.specs, "bad.yaml")
        self.assertOut(p, 1, "%s:10 (main[1].strat): unknown step 'strat'" % bad, "PASS  t/good", "PASS  t/two",
                       "2 passed, 0 failed, 1 errors")
        self.assertEqual(len(self.requests_seen()), 2)
        self.assertEqual(doc["summary"]["pass"], 2)
        self.assertEqual(doc["summary"]["error"], 1)
        (err,) = doc["load_errors"]
        self.assertEqual((err["file"], err["line"], err["field"]), (bad, 10, "main[1].strat"))

    def test_filters(self):
        self.tmp.write("specs/two.yaml", TWO.replace("title: two threads", "title: two threads\ntags: [pair]"))
        self.plan["t/two"] = {"lines": [["stdout", "a", "t[0]"], ["stdout", "b", "u[0]"]]}
        p = self.run_fake("--id", "t/tw*")
        self.assertOut(p, 0, "PASS  t/two", "1 passed, 0 failed")
        self.assertNotIn("t/good", p.stdout)
        p = self.run_fake("--tag", "pair")
        self.assertOut(p, 0, "1 passed")
        p = self.run_fake("--id", "nothing/*")
        self.assertOut(p, 2, "no scenario matches")

    def test_parallel_results_keep_the_scenario_order(self):
        for i in range(4):
            self.tmp.write("specs/s%d.yaml" % i, tsutil.scenario("t/s%d" % i))
        self.plan["*"] = {"lines": GOOD_LINES, "gap": 0.05}
        p, doc = self.json_run("-j", "3")
        self.assertOut(p, 0, "5 passed, 0 failed")
        self.assertEqual([s["id"] for s in doc["scenarios"]], ["t/good", "t/s0", "t/s1", "t/s2", "t/s3"])

    def test_bad_executor(self):
        p = tsutil.harness("run", "--impl", "cpp", "--executor", self.tmp.join("missing"), "--specs", self.specs)
        self.assertOut(p, 2, "threadspec: error:")
        p = tsutil.harness("run", "--impl", "cpp", "--executor", tsutil.executor("nodescribe.sh"),
                           "--specs", self.specs)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("--describe failed", p.stderr)

    def test_usage_errors(self):
        p = self.run_fake("--repeat", "0")
        self.assertOut(p, 2, "--repeat")
        p = tsutil.harness("run", "--impl", "cpp", "--executor", tsutil.executor("fake.py"),
                           "--specs", self.tmp.join("nowhere"))
        self.assertOut(p, 2, "no such file or directory")


class ResultsFiles(CliCase):
    def setUp(self):
        CliCase.setUp(self)
        self.tmp.write("specs/two.yaml", TWO)
        self.tmp.write("specs/skipme.yaml", tsutil.scenario("t/skipme", "requires: {python: '<3.0'}\n"))
        self.plan["t/two"] = {"lines": [["stdout", "a", "t[0]"], ["stdout", "x", "u[0]"]]}

    def test_json_document(self):
        p, doc = self.json_run("--time-scale", "0.5")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(doc["schema"], "threadspec-results/1")
        self.assertEqual(doc["summary"], {"pass": 1, "fail": 1, "expected-fail": 0, "skip": 1, "error": 0})
        impl = doc["implementation"]
        self.assertEqual((impl["name"], impl["implementation"], impl["release"], impl["language"], impl["key"]),
                         ("cpp", "fake", "0.1.0", "3.12.1", "cpp-0.1.0"))
        self.assertEqual(doc["mode"], "steps")
        self.assertEqual(doc["options"]["time_scale"], 0.5)
        by_id = {s["id"]: s for s in doc["scenarios"]}
        self.assertEqual(set(by_id), {"t/good", "t/two", "t/skipme"})
        good, two, skip = by_id["t/good"], by_id["t/two"], by_id["t/skipme"]
        self.assertEqual((good["verdict"], good["runs"], good["violations"]), ("pass", 1, []))
        self.assertEqual(good["outcomes"], [{"outcome": "stdout: w → d", "count": 1,
                                             "class": "as in the document"}])
        self.assertEqual(good["sample"]["stdout"], ["w 1", "done"])
        self.assertEqual(two["verdict"], "fail")
        self.assertEqual(sorted({v["rule"] for v in two["violations"]}), ["line", "unexpected"])
        for v in two["violations"]:
            self.assertTrue(v["message"])
        self.assertIn("expected", two["violations"][0])
        self.assertIn("seen", two["violations"][0])
        self.assertEqual(two["outcomes"][0]["class"], "forbidden")
        self.assertEqual(two["first_failure"]["stdout"], ["a", "x"])
        self.assertEqual((skip["verdict"], skip["runs"]), ("skip", 0))
        self.assertIn("requires Python <3.0", skip["reason"])

    def test_junit_xml(self):
        path = self.tmp.join("out", "junit.xml")
        p = self.run_fake("--junit", path)
        self.assertEqual(p.returncode, 1)
        root = ET.parse(path).getroot()
        self.assertEqual(root.tag, "testsuites")
        suite = root.find("testsuite")
        self.assertEqual((suite.get("tests"), suite.get("failures"), suite.get("skipped"), suite.get("errors")),
                         ("3", "1", "1", "0"))
        cases = {c.get("name"): c for c in suite.findall("testcase")}
        self.assertEqual(set(cases), {"t/good", "t/two", "t/skipme"})
        self.assertEqual(list(cases["t/good"]), [])
        failure = cases["t/two"].find("failure")
        self.assertIsNotNone(failure)
        self.assertIn("'x'", failure.get("message") + failure.text)
        skipped = cases["t/skipme"].find("skipped")
        self.assertIn("requires Python", skipped.get("message"))

    def test_junit_lists_load_errors_and_executor_errors(self):
        self.tmp.write("specs/zbad.yaml", "id: [\n")
        path = self.tmp.join("junit.xml")
        p = self.run_fake("--junit", path, executor="error.sh")
        self.assertEqual(p.returncode, 1)
        suite = ET.parse(path).getroot().find("testsuite")
        self.assertEqual(suite.get("errors"), "3")   # good and two refused, zbad invalid
        errors = [c for c in suite.findall("testcase") if c.find("error") is not None]
        self.assertEqual(len(errors), 3)
        self.assertTrue(any("zbad.yaml" in c.get("name") for c in errors))

    def interrupt(self, sig):
        pidfile = self.tmp.join("fake.pid")
        gpidfile = self.tmp.join("grandchild.pid")
        self.plan = {"*": {"mode": "fork", "pidfile": pidfile, "grandchild_pidfile": gpidfile}}
        plan = self.tmp.write("plan.json", json.dumps(self.plan))
        out_dir = self.tmp.join("out")
        os.mkdir(out_dir)
        out_json, out_xml = os.path.join(out_dir, "r.json"), os.path.join(out_dir, "r.xml")
        env = dict(os.environ, FAKE_PLAN=plan)
        proc = subprocess.Popen([PYTHON, HARNESS, "run", "--impl", "cpp", "--executor", tsutil.executor("fake.py"),
                                 "--specs", self.specs, "--expectations", self.no_expectations(),
                                 "--json", out_json, "--junit", out_xml], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        try:
            self.assertTrue(tsutil.wait_for_file(gpidfile), "the fake executor never started")
            time.sleep(0.2)
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 130, out + err)
        self.assertIn("interrupted", err)
        self.assertEqual(os.listdir(out_dir), [])     # no results file, no temporary file
        for pid in (tsutil.read_int(pidfile), tsutil.read_int(gpidfile)):
            self.assertTrue(tsutil.gone(pid), "process %d survived the interrupt" % pid)

    def test_sigint_kills_everything_and_writes_no_results(self):
        self.interrupt(signal.SIGINT)

    def test_sigterm_kills_everything_and_writes_no_results(self):
        self.interrupt(signal.SIGTERM)


class ExpectationsFiles(CliCase):
    def exp(self, *entries):
        text = "implementation: fake\nentries:\n" + "".join("  - %s\n" % e for e in entries)
        return self.tmp.write("exp.yaml", text)

    def run_exp(self, path, **kw):
        plan = self.tmp.write("plan.json", json.dumps(self.plan))
        e = {"FAKE_PLAN": plan, "FAKE_REQUESTS": self.requests}
        e.update(kw.pop("env", {}))
        return tsutil.harness("run", "--impl", "cpp", "--executor", tsutil.executor("fake.py"),
                              "--specs", self.specs, "--expectations", path, env=e, **kw)

    def test_fail_entry_turns_failure_into_expected_fail(self):
        self.plan["t/good"]["exit"] = 1
        p = self.run_exp(self.exp("{id: t/good, status: fail, reason: the fake exits 1}"))
        self.assertOut(p, 0, "XFAIL t/good  (the fake exits 1)", "0 passed, 0 failed, 1 expected-fail")

    def test_fail_entry_on_a_passing_scenario_is_unexpected_pass(self):
        p = self.run_exp(self.exp("{id: t/good, status: fail, reason: the fake exits 1}"))
        self.assertOut(p, 1, "FAIL  t/good", "[unexpected-pass]", "the fake exits 1", "line 3")

    def test_fail_entry_with_some_runs_passing_is_a_failure(self):
        self.plan["t/good"] = {"alternatives": [[["stdout", "zzz", "main"]], GOOD_LINES]}
        exp = self.exp("{id: t/good, status: fail, reason: flaky}")
        p = self.run_exp(exp)   # one run: it fails, as declared
        self.assertOut(p, 0, "XFAIL t/good")
        os.unlink(self.requests)
        plan = self.tmp.write("plan.json", json.dumps(self.plan))
        p = tsutil.harness("run", "--impl", "cpp", "--executor", tsutil.executor("fake.py"), "--specs", self.specs,
                           "--expectations", exp, "--repeat", "2",
                           env={"FAKE_PLAN": plan, "FAKE_REQUESTS": self.requests})
        self.assertOut(p, 1, "FAIL  t/good", "[unexpected-pass]", "1 of 2 runs passed")

    def test_unknown_id_is_an_error(self):
        p = self.run_exp(self.exp("{id: t/nope, status: fail, reason: r}"))
        self.assertOut(p, 2, "no scenario has id 't/nope'", "exp.yaml:3")
        self.assertEqual(self.requests_seen(), [])

    def test_malformed_entries(self):
        for entry, words in (("{id: t/good, status: maybe, reason: r}", "status must be"),
                             ("{id: t/good, status: fail}", "reason is required"),
                             ("{id: t/good, status: fail, reason: r, colour: red}", "unknown key 'colour'"),
                             ("{id: t/good, status: fail, reason: r, when: {python: '3.9'}}", "bad version clause"),
                             ("{id: t/good, status: fail, reason: r, when: {time_scale: small}}", "time_scale")):
            with self.subTest(entry=entry):
                p = self.run_exp(self.exp(entry))
                self.assertOut(p, 2, words)

    def test_skip_entry(self):
        p, doc = None, None
        p = self.run_exp(self.exp("{id: t/good, status: skip, reason: hangs on this platform}"))
        self.assertOut(p, 0, "SKIP  t/good", "hangs on this platform", "1 skipped")
        self.assertEqual(self.requests_seen(), [])

    def test_when_selects_entries(self):
        self.plan["t/good"]["exit"] = 1
        exp = self.exp("{id: t/good, when: {python: '<3.0'}, status: fail, reason: old only}")
        self.assertOut(self.run_exp(exp), 1, "FAIL  t/good")
        exp = self.exp("{id: t/good, when: {python: '>=3.12'}, status: fail, reason: new only}")
        self.assertOut(self.run_exp(exp), 0, "XFAIL t/good")
        exp = self.exp("{id: t/good, when: {time_scale: '<1'}, status: fail, reason: fast only}")
        self.assertOut(self.run_exp(exp), 1, "FAIL  t/good")
        # (with --time-scale 0.1 the entry applies)
        plan = self.tmp.write("plan.json", json.dumps(self.plan))
        p = tsutil.harness("run", "--impl", "cpp", "--executor", tsutil.executor("fake.py"), "--specs", self.specs,
                           "--expectations", exp, "--time-scale", "0.1", env={"FAKE_PLAN": plan})
        self.assertOut(p, 0, "XFAIL t/good")


class VersionsAndRepeats(CliCase):
    def test_requires_skips_with_reason(self):
        self.tmp.write("specs/good.yaml", GOOD + "requires: {python: '>=3.99'}\n")
        p = self.run_fake()
        self.assertOut(p, 0, "SKIP  t/good", "requires Python >=3.99; this is 3.12.1", "1 skipped")
        self.assertEqual(self.requests_seen(), [])

    def test_variants_follow_the_emulated_version(self):
        self.tmp.write("specs/good.yaml", VARIANT)
        self.plan = {"t/variant": {"lines": [["stdout", "old", "main"]]}}
        p = self.run_fake(env={"FAKE_EMULATES": "3.9.18"})
        self.assertOut(p, 0, "PASS  t/variant")
        p, doc = self.json_run(env={"FAKE_EMULATES": "3.10.0"})
        self.assertOut(p, 1, "FAIL  t/variant")
        self.assertEqual(doc["scenarios"][0]["variants"], ["the text changed in 3.10"])
        self.plan = {"t/variant": {"lines": [["stdout", "new", "main"]]}}
        p = self.run_fake(env={"FAKE_EMULATES": "3.10.0"})
        self.assertOut(p, 0, "PASS  t/variant")

    def test_repeat_gives_runs_and_a_histogram(self):
        self.tmp.write("specs/good.yaml", TWO)
        ab = [["stdout", "a", "t[0]"], ["stdout", "b", "u[0]"]]
        ba = [["stdout", "b", "u[0]"], ["stdout", "a", "t[0]"]]
        self.plan = {"t/two": {"alternatives": [ab, ba, ab]}}
        p, doc = self.json_run("--repeat", "3")
        self.assertOut(p, 0, "PASS  t/two  (3/3 runs passed)", "orderings seen over 3 runs")
        (sc,) = doc["scenarios"]
        self.assertEqual((sc["runs"], sc["failed_runs"]), (3, 0))
        hist = {o["outcome"]: (o["count"], o["class"]) for o in sc["outcomes"]}
        self.assertEqual(hist, {'stdout: "a" → "b"': (2, "as in the document"),
                                'stdout: "b" → "a"': (1, "allowed")})
        self.assertEqual(len(self.requests_seen()), 3)

    def test_repeat_with_one_failing_run(self):
        self.plan = {"t/good": {"alternatives": [GOOD_LINES, [["stdout", "zzz", "main"]], GOOD_LINES]}}
        p, doc = self.json_run("--repeat", "3")
        self.assertOut(p, 1, "FAIL  t/good  (2/3 runs passed; 1 of 3 runs failed)")
        (sc,) = doc["scenarios"]
        self.assertEqual((sc["runs"], sc["failed_runs"], sc["verdict"]), (3, 1, "fail"))
        self.assertEqual(sorted(o["class"] for o in sc["outcomes"]), ["as in the document", "forbidden"])
        self.assertEqual(sc["first_failure"]["stdout"], ["zzz"])

    def test_repeat_counts_each_run_under_its_own_class(self):
        # the same lines every time; the second run exits 1: its outcome is forbidden,
        # and the two passing runs keep theirs
        self.plan = {"t/good": {"lines": GOOD_LINES, "exits": [0, 1, 0]}}
        p, doc = self.json_run("--repeat", "3")
        (sc,) = doc["scenarios"]
        self.assertEqual((sc["runs"], sc["failed_runs"]), (3, 1))
        self.assertEqual(sorted((o["class"], o["count"]) for o in sc["outcomes"]),
                         [("as in the document", 2), ("forbidden", 1)])
        self.assertEqual(len(set(o["outcome"] for o in sc["outcomes"])), 1)
        self.assertIn("2 × as in the document", p.stdout)
        self.assertIn("1 × forbidden", p.stdout)


class OtherCommands(unittest.TestCase):
    def test_validate(self):
        with TempDir() as d:
            d.write("ok/a.yaml", tsutil.scenario("t/a"))
            d.write("ok/b.yaml", tsutil.scenario("t/b"))
            p = tsutil.harness("validate", d.join("ok"))
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("2 valid, 0 invalid", p.stdout)
            bad = d.write("ok/c.yaml", tsutil.scenario("t/c").replace("args: [1]", "args: 1"))
            p = tsutil.harness("validate", d.join("ok"))
            self.assertEqual(p.returncode, 1)
            self.assertIn("INVALID %s:9 (main[0].args)" % bad, p.stdout)
            self.assertIn("2 valid, 1 invalid", p.stdout)
            p = tsutil.harness("validate", d.join("ok", "a.yaml"))
            self.assertEqual((p.returncode, p.stdout.strip()), (0, "1 valid, 0 invalid"))
            p = tsutil.harness("validate", d.join("missing"))
            self.assertEqual(p.returncode, 2)
            self.assertIn("no such file or directory", p.stderr)

    def test_list(self):
        with TempDir() as d:
            d.write("s/a.yaml", tsutil.scenario("t/a", "tags: [x]\n"))
            d.write("s/b.yaml", tsutil.scenario("t/b"))
            p = tsutil.harness("list", "--ids", "--specs", d.join("s"))
            self.assertEqual((p.returncode, p.stdout.split()), (0, ["t/a", "t/b"]))
            p = tsutil.harness("list", "--ids", "--specs", d.join("s"), "--tag", "x")
            self.assertEqual(p.stdout.split(), ["t/a"])

    def test_compile(self):
        with TempDir() as d:
            path = d.write("g.yaml", GOOD)
            p = tsutil.harness("compile", path, "--time-scale", "0.25", "--trace", "/tmp/t.jsonl")
            self.assertEqual(p.returncode, 0, p.stderr)
            doc = json.loads(p.stdout)
            self.assertEqual((doc["protocol"], doc["time_scale"], doc["trace"]), (1, 0.25, "/tmp/t.jsonl"))
            sc = doc["scenario"]
            self.assertEqual(sc["id"], "t/good")
            self.assertEqual(sc["main"], [
                {"op": "thread", "line": 9, "var": "t", "target": "worker", "args": [1]},
                {"op": "start", "line": 10, "var": "t"},
                {"op": "join", "line": 11, "var": "t"},
                {"op": "print", "line": 12, "text": "done", "file": "stdout"}])
            self.assertEqual(sc["functions"], {"worker": {"params": ["n"], "body": [
                {"op": "print", "line": 7, "text": "w {n}", "file": "stdout"}]}})
            p = tsutil.harness("compile", os.path.join(tsutil.FIXTURES, "bad_step.yaml"))
            self.assertEqual(p.returncode, 2)
            self.assertIn("bad_step.yaml:6 (main[1].strat)", p.stderr)


if __name__ == "__main__":
    unittest.main()
