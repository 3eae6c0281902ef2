"""Reports: the terminal lines, the results JSON, JUnit XML and atomic writes."""

import json
import os
import sys
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsutil  # noqa: E402
from tsutil import TempDir  # noqa: E402
from threadspec_lib import checker, engine, impls, loader, report  # noqa: E402


def make_results(d):
    sc = {}
    for sid in ("t/pass", "t/fail", "t/xfail", "t/skip", "t/err"):
        sc[sid] = loader.load(d.write(sid.replace("/", "_") + ".yaml", tsutil.scenario(sid)))
    ok = engine.ScenarioResult(sc["t/pass"], "pass")
    ok.runs = 2
    ok.outcomes[(("o1",), "as in the document")] += 1     # keys: (outcome, class)
    ok.outcomes[(("o2",), "allowed")] += 1
    ok.outcome_class = {(("o1",), "as in the document"): "as in the document", (("o2",), "allowed"): "allowed"}
    bad = engine.ScenarioResult(sc["t/fail"], "fail")
    bad.runs = bad.failed_runs = 1
    bad.violations = [checker.Violation("line", "stdout: expected 'a & <b>', seen 0 such lines", ["'a & <b>'"], ["c"]),
                      checker.Violation("exit", "expected exit status 0, but the program exited with status 2",
                                        "exit 0", "exited with status 2")]
    bad.first_failure = {"stdout": ["c"], "stderr": ["oops"], "end": {"kind": "exit", "code": 2}, "duration": 0.1}
    bad.outcomes[(None, "forbidden")] += 1
    bad.outcome_class = {(None, "forbidden"): "forbidden"}
    xf = engine.ScenarioResult(sc["t/xfail"], "expected-fail", "known difference")
    sk = engine.ScenarioResult(sc["t/skip"], "skip", "requires Python <3.0; this is 3.11.2")
    er = engine.ScenarioResult(sc["t/err"], "error", "threadspec-executor: error: no barrier")
    return [ok, bad, xf, sk, er]


class FakeImpl(impls.ExecutorImplementation):
    def __init__(self):
        impls.ExecutorImplementation.__init__(self, "cpp", ["/x/fake"])
        self.implementation, self.release, self.language = "fake", "0.1", "3.12.1"


class Terminal(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.results = make_results(self.tmp)

    def tearDown(self):
        self.tmp.cleanup()

    def test_summary_line(self):
        self.assertEqual(report.summary_line(self.results),
                         "1 passed, 1 failed, 1 expected-fail, 1 skipped, 1 errors")
        err = loader.ScenarioError("x.yaml", 3, "main", "bad")
        self.assertEqual(report.summary_line(self.results[:2], [err]), "1 passed, 1 failed, 1 errors")
        self.assertEqual(report.summary_line([]), "0 passed, 0 failed")

    def test_scenario_lines(self):
        ok, bad, xf, sk, er = self.results
        self.assertEqual(report.scenario_lines(ok)[0], "PASS  t/pass  (2/2 runs passed)")
        self.assertTrue(any("orderings seen over 2 runs" in l for l in report.scenario_lines(ok)))
        lines = report.scenario_lines(bad)
        self.assertEqual(lines[0], "FAIL  t/fail")
        text = "\n".join(lines)
        self.assertIn("[line] stdout: expected 'a & <b>'", text)
        self.assertIn('expected: ["\'a & <b>\'"]', text)
        self.assertIn('seen:     ["c"]', text)
        self.assertIn("expected: exit 0    seen: exited with status 2", text)
        self.assertIn("| oops", text)            # an exit violation shows the output
        self.assertEqual(report.scenario_lines(xf), ["XFAIL t/xfail  (known difference)"])
        self.assertEqual(report.scenario_lines(sk)[0], "SKIP  t/skip  (requires Python <3.0; this is 3.11.2)")
        self.assertEqual(report.scenario_lines(er)[0], "ERROR t/err  (threadspec-executor: error: no barrier)")


class Files(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.results = make_results(self.tmp)
        self.errors = [loader.ScenarioError("specs/x.yaml", 12, "main[3].start", "start uses 'q'")]

    def tearDown(self):
        self.tmp.cleanup()

    def test_results_json(self):
        doc = report.results_json(self.results, FakeImpl(), {"time_scale": 0.1}, "2026-01-01T00:00:00+00:00",
                                  1.23456, self.errors)
        doc = json.loads(json.dumps(doc))      # serialisable
        self.assertEqual(doc["schema"], "threadspec-results/1")
        self.assertEqual(doc["summary"], {"pass": 1, "fail": 1, "expected-fail": 1, "skip": 1, "error": 2})
        self.assertEqual(doc["mode"], "steps")
        self.assertEqual(doc["duration"], 1.235)
        self.assertEqual(doc["implementation"]["command"], ["/x/fake"])
        self.assertEqual(doc["load_errors"], [{"file": "specs/x.yaml", "line": 12, "field": "main[3].start",
                                               "message": "start uses 'q'"}])
        by_id = {s["id"]: s for s in doc["scenarios"]}
        self.assertEqual([s["verdict"] for s in doc["scenarios"]], ["pass", "fail", "expected-fail", "skip", "error"])
        self.assertEqual([v["rule"] for v in by_id["t/fail"]["violations"]], ["line", "exit"])
        self.assertEqual(by_id["t/fail"]["outcomes"], [{"outcome": "(no consistent assignment)", "count": 1,
                                                        "class": "forbidden"}])
        self.assertEqual(by_id["t/pass"]["title"], "x")

    def test_junit(self):
        text = report.junit_xml(self.results, FakeImpl(), 2.0, self.errors)
        root = ET.fromstring(text)
        suite = root.find("testsuite")
        self.assertEqual(suite.get("name"), "threadspec.cpp-0.1")
        self.assertEqual((suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")),
                         ("6", "1", "2", "1"))
        cases = suite.findall("testcase")
        self.assertEqual([c.get("name") for c in cases], ["t/pass", "t/fail", "t/xfail", "t/skip", "t/err", "specs/x.yaml"])
        failure = cases[1].find("failure")
        self.assertEqual(failure.get("message"), "stdout: expected 'a & <b>', seen 0 such lines")
        self.assertIn("a & <b>", failure.text)
        self.assertIsNotNone(cases[3].find("skipped"))
        self.assertIsNotNone(cases[4].find("error"))
        self.assertIn("start uses 'q'", cases[5].find("error").get("message"))
        self.assertIn("expected-fail", cases[2].find("system-out").text)

    def test_write_atomic(self):
        path = self.tmp.join("sub", "r.json")
        report.write_atomic(path, "one\n")
        with open(path) as f:
            self.assertEqual(f.read(), "one\n")
        report.write_atomic(path, "two\n")
        with open(path) as f:
            self.assertEqual(f.read(), "two\n")
        # a write that fails half way leaves the old file and no temporary file behind
        with self.assertRaises(TypeError):
            report.write_atomic(path, b"bytes are not text")
        with open(path) as f:
            self.assertEqual(f.read(), "two\n")
        self.assertEqual(os.listdir(os.path.dirname(path)), ["r.json"])


if __name__ == "__main__":
    unittest.main()
