"""The engine in process: expectations files (spec 9), run_scenario verdicts with a fake
executor, repeats, and literal mode (spec 10) on this machine's Python."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsutil  # noqa: E402
from tsutil import GOOD, PYTHON, TempDir  # noqa: E402
from threadspec_lib import engine, impls, loader, runner  # noqa: E402

IDS = {"t/good", "t/other"}


class ExpectationsFile(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()

    def tearDown(self):
        self.tmp.cleanup()

    def load(self, text):
        return engine.Expectations.load(self.tmp.write("e.yaml", text), IDS)

    def error(self, text):
        with self.assertRaises(loader.ScenarioError) as cm:
            self.load(text)
        return cm.exception

    def test_load_and_lookup(self):
        e = self.load("implementation: x\nentries:\n"
                      "  - {id: t/good, when: {python: '<3.9'}, status: skip, reason: old}\n"
                      "  - {id: t/good, when: {time_scale: '<1'}, status: fail, reason: fast}\n"
                      "  - {id: t/other, status: fail, reason: always}\n")
        self.assertEqual(e.lookup("t/good", "3.8.1")["reason"], "old")
        self.assertEqual(e.lookup("t/good", "3.8.1", 0.1)["reason"], "old")     # first match wins
        self.assertIsNone(e.lookup("t/good", "3.11.2", 1.0))
        self.assertEqual(e.lookup("t/good", "3.11.2", 0.1)["reason"], "fast")
        self.assertEqual(e.lookup("t/other", "2.7.18")["line"], 5)
        self.assertIsNone(e.lookup("t/unknown", "3.11"))

    def test_errors(self):
        cases = [
            ("implementation: x\nentries:\n  - {id: t/nope, status: fail, reason: r}\n", 3, "entries[0].id", "t/nope"),
            ("implementation: x\nentries:\n  - {id: t/good, status: flaky, reason: r}\n", 3, "entries[0].status", "status"),
            ("implementation: x\nentries:\n  - {id: t/good, status: fail}\n", 3, "entries[0].reason", "reason"),
            ("implementation: x\nentries:\n  - {id: t/good, status: fail, reason: r, x: 1}\n", 3, "entries[0].x", "'x'"),
            ("implementation: x\nentries:\n  - {id: t/good, status: fail, reason: r,\n     when: {os: linux}}\n",
             4, "entries[0].when.os", "unknown key 'os'"),
            ("implementation: x\nentries:\n  - {id: t/good, status: fail, reason: r, when: {python: 'new'}}\n",
             3, "entries[0].when.python", "bad version clause"),
            ("implementation: x\nentriez: []\n", 2, "entriez", "unknown key"),
            ("implementation: x\nentries:\n  - just a string\n", 3, "entries[0]", "mapping"),
            ("implementation: x\nentries: [\n", 3, None, "invalid YAML"),
        ]
        for text, line, field, word in cases:
            with self.subTest(text=text):
                e = self.error(text)
                self.assertEqual((e.line, e.field), (line, field), str(e))
                self.assertIn(word, e.message)

    def test_missing_file(self):
        with self.assertRaises(loader.ScenarioError) as cm:
            engine.Expectations.load(self.tmp.join("nope.yaml"), IDS)
        self.assertIn("not found", str(cm.exception))

    def test_no_entries(self):
        self.assertEqual(self.load("implementation: x\nentries: []\n").entries, [])
        self.assertEqual(self.load("implementation: x\nentries:\n").entries, [])
        self.assertEqual(self.load("implementation: x\n").entries, [])

    def test_non_utf8_is_a_scenario_error(self):
        e = self.error(b"implementation: \xff\nentries: []\n")
        self.assertIn("UTF-8", e.message)


class RunScenario(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.impl = impls.ExecutorImplementation("cpp", [tsutil.executor("fake.py")])
        self.impl.describe()
        self.old_env = dict(os.environ)

    def tearDown(self):
        os.environ.clear()
        os.environ.update(self.old_env)
        self.tmp.cleanup()

    def plan(self, plan):
        os.environ["FAKE_PLAN"] = self.tmp.write("plan.json", json.dumps(plan))

    def scenario(self, text=GOOD):
        return loader.load(self.tmp.write("s.yaml", text))

    def test_describe(self):
        self.assertEqual((self.impl.name, self.impl.implementation, self.impl.release, self.impl.language),
                         ("cpp", "fake", "0.1.0", "3.12.1"))
        self.assertEqual(self.impl.names, {"cpp", "fake"})
        self.assertEqual(self.impl.key, "cpp-0.1.0")
        self.assertTrue(self.impl.traced)

    def test_pass_fail_and_error(self):
        sc = self.scenario()
        self.plan({"*": {"lines": [["stdout", "w 1", "t[0]"], ["stdout", "done", "main"]]}})
        with runner.Workdir() as wd:
            r = engine.run_scenario(sc, self.impl, None, 0.1, 2, wd)
            self.assertEqual((r.verdict, r.runs, r.failed_runs), ("pass", 2, 0))
            self.assertEqual(sum(r.outcomes.values()), 2)
            self.assertEqual(r.sample["stdout"], ["w 1", "done"])
        # (a fresh work directory: trace files are named by scenario id and run index)
        with runner.Workdir() as wd:
            self.plan({"*": {"lines": [["stdout", "done", "main"], ["stdout", "w 1", "t[0]"]]}})
            r = engine.run_scenario(sc, self.impl, None, 0.1, 1, wd)
            self.assertEqual(r.verdict, "fail")
            self.assertEqual([v.rule for v in r.violations], ["order"])
            self.plan({"*": {"mode": "error", "message": "no such step"}})
            r = engine.run_scenario(sc, self.impl, None, 0.1, 3, wd)
            self.assertEqual((r.verdict, r.runs, r.reason), ("error", 1, "threadspec-executor: error: no such step"))

    def test_run_all_keeps_order(self):
        scs = [loader.load(self.tmp.write("s%d.yaml" % i, tsutil.scenario("t/s%d" % i))) for i in range(3)]
        self.plan({"*": {"lines": [["stdout", "w 1", "t[0]"], ["stdout", "done", "main"]]}})
        seen = []
        results = engine.run_all(scs, self.impl, None, 0.1, 1, 3, seen.append)
        self.assertEqual([r.id for r in results], ["t/s0", "t/s1", "t/s2"])
        self.assertEqual([r.verdict for r in results], ["pass"] * 3)
        self.assertEqual(seen, results)


LITERAL = GOOD + '''python: |
  import threading, time
  def worker(n):
      print(f"w {n}")
  t = threading.Thread(target=worker, args=(1,))
  t.start()
  t.join(timeout=100)
  time.sleep(30)
  print("done")
'''


class Literal(unittest.TestCase):
    def test_literal_mode_runs_the_python_block_scaled(self):
        impl = impls.python_implementation(PYTHON, literal=True)
        self.assertEqual(impl.name, "literal-cpython")
        self.assertIn("literal", impl.names)
        self.assertFalse(impl.traced)
        with TempDir() as d:
            sc = loader.load(d.write("l.yaml", LITERAL))
            plain = loader.load(d.write("p.yaml", tsutil.scenario("t/plain")))
            with runner.Workdir() as wd:
                r = engine.run_scenario(sc, impl, None, 0.01, 1, wd)   # sleep(30) takes 0.3 s
                self.assertEqual(r.verdict, "pass", [str(v) for v in r.violations])
                self.assertLess(r.duration, 15)
                r = engine.run_scenario(plain, impl, None, 0.01, 1, wd)
                self.assertEqual((r.verdict, r.reason), ("skip", "the scenario has no python block"))


if __name__ == "__main__":
    unittest.main()
