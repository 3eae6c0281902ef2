"""The coverage map of CPython's threading tests (specs/cpython/coverage.yaml): the real map
agrees with CPython 3.13's test files and with every scenario, COVERAGE.md is its current
rendering, and the checks find each kind of disagreement."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsutil  # noqa: E402
from tsutil import TempDir  # noqa: E402
from threadspec_lib import coverage, loader  # noqa: E402

TF, LT = "Lib/test/test_threading.py", "Lib/test/lock_tests.py"


def _scenario(sid, source):
    return tsutil.scenario(sid).replace("source: {cpython: x}", "source: {cpython: %r}" % source)


class RealMapTest(unittest.TestCase):
    """The map in specs/ against the real files and scenarios."""

    @classmethod
    def setUpClass(cls):
        cls.cov = coverage.load_map(coverage.MAP_PATH)
        cls.scenarios, errors = loader.load_all([os.path.join(coverage.ROOT, "specs")])
        assert not errors, errors

    def test_map_agrees_with_cpython_test_files(self):
        test_dir = coverage.find_test_dir()
        if test_dir is None:
            print("skipped: CPython 3.13's test files are not installed (set THREADSPEC_CPYTHON_TESTS)")
            self.skipTest("CPython 3.13's test_threading.py, lock_tests.py, test_threading_local.py not found")
        real = coverage.real_methods(test_dir)
        self.assertEqual(sum(len(m) for m in real.values()), 159)   # 87 + 62 + 10 in 3.13.0
        self.assertEqual(coverage.check(self.cov, self.scenarios, real), [])

    def test_mapped_ids_exist_and_citations_are_listed(self):
        self.assertEqual(coverage.check(self.cov, self.scenarios, None), [])

    def test_markdown_is_current(self):
        with open(coverage.MARKDOWN_PATH, encoding="utf-8") as f:
            on_disk = f.read()
        self.assertEqual(on_disk, coverage.render_markdown(self.cov, self.scenarios),
                         "specs/cpython/COVERAGE.md is stale: regenerate it with "
                         "`tools/threadspec list --coverage --markdown > specs/cpython/COVERAGE.md`")

    def test_list_coverage_command(self):
        p = tsutil.harness("list", "--coverage")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("Lib/test/lock_tests.py", p.stdout)
        self.assertNotIn("PROBLEM", p.stdout)
        p = tsutil.harness("list", "--tag", "barrier")       # the plain listing ends with the counts
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("cpython/barrier/lockstep", p.stdout)
        self.assertRegex(p.stdout, r"Lib/test/lock_tests.py +62 ")
        p = tsutil.harness("list", "--ids")
        self.assertNotIn("Lib/test", p.stdout)


class CheckTest(unittest.TestCase):
    """Each kind of disagreement is found."""

    def setUp(self):
        self.tmp = TempDir()

    def tearDown(self):
        self.tmp.cleanup()

    def load(self, *files):
        for name, text in files:
            self.tmp.write("specs/" + name, text)
        scenarios, errors = loader.load_all([self.tmp.join("specs")])
        self.assertEqual(errors, [])
        return scenarios

    def test_consistent_map_has_no_problem(self):
        scs = self.load(("a.yaml", _scenario("c/a", TF + " ThreadTests.test_name")))
        cov = {TF: {"ThreadTests.test_name": {"scenarios": ["c/a"]},
                    "ThreadTests.test_x": {"out_of_scope": "internals"}},
               LT: {"BaseLockTests.test_repr": {"pending": "format 2 (x)"}}}
        real = {TF: ["ThreadTests.test_name", "ThreadTests.test_x"], LT: ["BaseLockTests.test_repr"],
                "Lib/test/test_threading_local.py": []}
        self.assertEqual(coverage.check(cov, scs, real), [])

    def test_method_missing_from_map(self):
        real = {TF: ["ThreadTests.test_new"], LT: [], "Lib/test/test_threading_local.py": []}
        problems = coverage.check({TF: {}}, [], real)
        self.assertEqual(problems, [TF + " ThreadTests.test_new: a test method missing from the map"])

    def test_method_no_longer_in_real_file(self):
        real = {TF: [], LT: [], "Lib/test/test_threading_local.py": []}
        problems = coverage.check({TF: {"ThreadTests.test_gone": {"pending": "x"}}}, [], real)
        self.assertEqual(problems, [TF + " ThreadTests.test_gone: in the map but not in the real file"])

    def test_unknown_scenario_id(self):
        problems = coverage.check({TF: {"ThreadTests.test_name": {"scenarios": ["c/missing"]}}}, [], None)
        self.assertEqual(problems, [TF + " ThreadTests.test_name: maps to 'c/missing', which is no scenario"])

    def test_scenario_citing_unmapped_method(self):
        scs = self.load(("a.yaml", _scenario("c/a", LT + " BaseLockTests.test_nothing")))
        problems = coverage.check({LT: {}}, scs, None)
        self.assertEqual(len(problems), 1)
        self.assertIn("c/a", problems[0])
        self.assertIn("which the map does not list", problems[0])

    def test_scenario_citing_method_whose_entry_omits_it(self):
        scs = self.load(("a.yaml", _scenario("c/a", LT + " BaseLockTests.test_repr")))
        problems = coverage.check({LT: {"BaseLockTests.test_repr": {"pending": "x"}}}, scs, None)
        self.assertEqual(len(problems), 1)
        self.assertIn("whose map entry does not list it", problems[0])

    def test_prose_source_is_not_a_citation(self):
        scs = self.load(("a.yaml", _scenario("c/a", LT + " BaseLockTests.test_repr and test_locked_repr")))
        self.assertIsNone(coverage.citation(scs[0]))
        self.assertEqual(coverage.check({}, scs, None), [])

    def test_bad_entries_are_map_errors(self):
        for text, message in [("{%s: {A.test_a: {}}}" % TF, "exactly one of"),
                              ("{%s: {A.test_a: {pending: x, out_of_scope: y}}}" % TF, "exactly one of"),
                              ("{%s: {A.test_a: {scenarios: []}}}" % TF, "non-empty list"),
                              ("{%s: {A.test_a: {pending: x, colour: y}}}" % TF, "unknown key"),
                              ("{Lib/test/other.py: {}}", "unknown test file")]:
            path = self.tmp.write("map.yaml", text)
            with self.assertRaises(coverage.MapError) as ctx:
                coverage.load_map(path)
            self.assertIn(message, str(ctx.exception))

    def test_methods_of_reads_class_bodies(self):
        path = self.tmp.write("t.py", "class A:\n    def test_a(self): pass\n    def helper(self): pass\n"
                                      "class B(A):\n    def test_b(self): pass\ndef test_top(): pass\n")
        self.assertEqual(coverage.methods_of(path), ["A.test_a", "B.test_b"])

    def test_coverage_map_is_not_a_scenario(self):
        self.tmp.write("specs/coverage.yaml", "%s: {}\n" % TF)
        scenarios, errors = loader.load_all([self.tmp.join("specs")])
        self.assertEqual((scenarios, errors), ([], []))

    def test_counts_and_markdown(self):
        scs = self.load(("a.yaml", _scenario("c/a", TF + " ThreadTests.test_name")))
        cov = {TF: {"ThreadTests.test_name": {"scenarios": ["c/a"], "note": "partly"},
                    "ThreadTests.test_x": {"out_of_scope": "internals | private"}},
               LT: {"BaseLockTests.test_repr": {"pending": "format 2 (x)"}}}
        self.assertEqual(coverage.counts(cov)[:2], [(TF, 2, 1, 1, 0), (LT, 1, 0, 0, 1)])
        md = coverage.render_markdown(cov, scs)
        self.assertIn("| all | 3 | 1 | 1 | 1 |", md)
        self.assertIn("| `ThreadTests.test_name` | covered | `c/a`: x<br>*Note:* partly |", md)
        self.assertIn("| `ThreadTests.test_x` | out of scope | internals \\| private |", md)


if __name__ == "__main__":
    unittest.main()
