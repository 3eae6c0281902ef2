"""Implementations by name (impls.py): discovery without collapsing implementations that
share a version string, NAME-VERSION resolution, the registry file of user executors,
literal mode's names and files, and `threadspec implementations` / `run --impl NAME`
with a toy executor registered in a registry file."""

import json
import os
import sys
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsutil  # noqa: E402
from tsutil import GOOD, PYTHON, TempDir  # noqa: E402
from threadspec_lib import conditions, expectations, impls, loader  # noqa: E402

DESCRIBE = """#!/bin/sh
# A fake interpreter: whatever it is asked, it describes itself.
echo '{"protocol": 1, "implementation": "%s", "version": "%s", "emulates": "%s"}'
"""


class FakeInterpreters(object):
    """Shell scripts standing in for interpreters; each describes itself as given."""

    def __init__(self, tmp, specs):
        self.paths = [tmp.write("bin/py%d" % i, DESCRIBE % spec, 0o755) for i, spec in enumerate(specs)]


class Discovery(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()

    def tearDown(self):
        self.tmp.cleanup()

    def pythons(self, specs):
        fake = FakeInterpreters(self.tmp, specs)
        return mock.patch.object(impls, "python_candidates", return_value=fake.paths)

    def test_same_version_string_never_collapses(self):
        specs = [("cpython", "3.9.16", "3.9.16"), ("pypy", "3.9.16", "3.9.16"), ("cpython", "3.9.16", "3.9.16"),
                 ("pypy", "7.3.11", "3.9.16"), ("jython", "2.7.3", "2.7.3"), ("cpython", "3.12.1", "3.12.1")]
        with self.pythons(specs):
            found = impls.all_pythons(registry=impls.Registry())
        self.assertEqual([i.key for i in found],
                         ["cpython-3.9.16", "cpython-3.12.1", "pypy-3.9.16", "pypy-7.3.11", "jython-2.7.3"])
        self.assertTrue(all(i.is_python and i.traced for i in found))

    def test_resolve_name_version(self):
        specs = [("cpython", "3.9.2", "3.9.2"), ("cpython", "3.9.18", "3.9.18"), ("cpython", "3.11.7", "3.11.7"),
                 ("pypy", "7.3.11", "3.9.16")]
        with self.pythons(specs):
            self.assertEqual(impls.resolve("cpython-3.9", impls.Registry()).key, "cpython-3.9.18")
            self.assertEqual(impls.resolve("cpython-3.9.2", impls.Registry()).key, "cpython-3.9.2")
            self.assertEqual(impls.resolve("pypy-7.3", impls.Registry()).key, "pypy-7.3.11")
            self.assertEqual(impls.resolve("pypy-3.9", impls.Registry()).label(), "pypy 7.3.11 (Python 3.9.16)")
            with self.assertRaises(impls.ImplementationError) as cm:
                impls.resolve("cpython-3.5", impls.Registry())
            self.assertIn("no implementation cpython 3.5", str(cm.exception))
        with self.assertRaises(impls.ImplementationError) as cm:
            impls.resolve("ironpython", impls.Registry())
        self.assertIn("unknown implementation 'ironpython'", str(cm.exception))

    def test_literal_answers_to_literal_and_its_python(self):
        with self.pythons([("pypy", "7.3.11", "3.9.16")]):
            impl = impls.all_pythons(literal=True, registry=impls.Registry())[0]
        self.assertEqual((impl.name, impl.key, impl.mode, impl.traced, impl.ordered),
                         ("literal-pypy", "literal-pypy-7.3.11", "literal", False, True))
        self.assertEqual(impl.names, {"literal-pypy", "literal", "pypy"})
        self.assertEqual([os.path.basename(p) for p in impl.expectation_files()], ["literal.yaml", "pypy.yaml"])

    def test_expectations_file_must_be_for_the_run(self):
        ids = {"t/good"}
        with self.pythons([("pypy", "7.3.11", "3.9.16")]):
            impl = impls.all_pythons(registry=impls.Registry())[0]
        other = self.tmp.write("j.yaml", "implementation: jython\nentries: []\n")
        with self.assertRaises(loader.ScenarioError) as cm:
            expectations.ExpectationSet.for_implementation(impl, ids, [other])
        self.assertEqual((cm.exception.line, cm.exception.field), (1, "implementation"))
        self.assertIn("for 'jython'; the run is pypy 7.3.11", str(cm.exception))
        mine = self.tmp.write("p.yaml", "implementation: pypy\nentries:\n"
                              "  - {id: t/good, when: {release: '<7.3.10'}, status: fail, reason: old}\n"
                              "  - {id: t/good, when: {implementation: [pypy, x], release: '>=7.3'}, status: skip,"
                              " reason: new}\n")
        exp = expectations.ExpectationSet.for_implementation(impl, ids, [mine])
        self.assertEqual(exp.find("t/good", conditions.Run.of(impl))["reason"], "new")


REGISTRY = """\
implementations:
  - name: toy
    command: [%s]
    expectations: toy.yaml
    startup_allowance: 3
"""


class Registry(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()

    def tearDown(self):
        self.tmp.cleanup()

    def registry(self, text):
        return impls.Registry.load(self.tmp.write("reg.yaml", text))

    def test_errors_name_file_line_and_field(self):
        cases = [
            ("implementations:\n  - {name: toy}\n", 2, "implementations[0]", "exactly one of command"),
            ("implementations:\n  - {name: Toy, command: x}\n", 2, "implementations[0].name", "lower-case"),
            ("implementations:\n  - {name: cpp, command: x}\n", 2, "implementations[0].name", "taken"),
            ("implementations:\n  - {name: a, command: x}\n  - {name: a, command: y}\n", 3,
             "implementations[1].name", "taken"),
            ("implementations:\n  - {name: a, command: []}\n", 2, "implementations[0].command", "program path"),
            ("implementations:\n  - {name: a, command: x, colour: red}\n", 2, "implementations[0].colour",
             "unknown key"),
            ("implementations:\n  - {name: a, command: x, startup_allowance: -1}\n", 2,
             "implementations[0].startup_allowance", "positive"),
            ("executors: []\n", 1, None, "one key, 'implementations'"),
        ]
        for text, line, field, word in cases:
            with self.subTest(text=text):
                with self.assertRaises(loader.ScenarioError) as cm:
                    self.registry(text)
                e = cm.exception
                self.assertEqual((e.line, e.field), (line, field), str(e))
                self.assertIn(word, str(e))
                self.assertTrue(str(e).startswith(self.tmp.join("reg.yaml")))

    def test_entries_and_paths_relative_to_the_file(self):
        reg = self.registry("implementations:\n  - name: toy\n    command: [bin/toy, --fast]\n"
                            "    expectations: toy.yaml\n  - {name: graal, interpreter: %s}\n" % PYTHON)
        toy = reg.make(reg.get("toy"))
        self.assertEqual(toy.command, [self.tmp.join("bin/toy"), "--fast"])
        self.assertEqual(toy.expectation_files(), [self.tmp.join("toy.yaml")])
        self.assertFalse(toy.is_python)
        graal = reg.make(reg.get("graal"))
        self.assertTrue(graal.is_python)
        self.assertEqual(graal.command[1], impls.REFERENCE_EXECUTOR)
        self.assertEqual(impls.Registry.load(self.tmp.join("absent.yaml")).entries, [])

    def test_toy_executor_is_listed_and_runs_under_its_own_name(self):
        fake = tsutil.executor("fake.py")
        reg = self.tmp.write("reg.yaml", REGISTRY % fake)
        self.tmp.write("toy.yaml", "implementation: toy\nentries:\n"
                       "  - {id: t/good, status: fail, reason: the toy prints its lines in the wrong order}\n")
        self.tmp.write("specs/good.yaml", GOOD)
        plan = self.tmp.write("plan.json", json.dumps({"*": {"lines": [["stdout", "done", "main"],
                                                                       ["stdout", "w 1", "t[0]"]]}}))
        env = {"THREADSPEC_IMPLEMENTATIONS": reg, "FAKE_PLAN": plan}
        p = tsutil.harness("implementations", "--json", env=env, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        listed = {i["name"]: i for i in json.loads(p.stdout)["implementations"]}
        self.assertEqual((listed["toy"]["release"], listed["toy"]["language"], listed["toy"]["command"],
                          listed["toy"]["expectations"]),
                         ("0.1.0", "3.12.1", [fake], [os.path.relpath(self.tmp.join("toy.yaml"))]))
        self.assertIn("cpython", {i["implementation"] for i in listed.values()})
        p = tsutil.harness("implementations", env=env, timeout=300)
        toy_row = [line for line in p.stdout.splitlines() if line.startswith("toy ")]
        self.assertEqual(len(toy_row), 1, p.stdout)
        self.assertIn("fake.py", toy_row[0])
        out = self.tmp.join("out")
        p = tsutil.harness("run", "--impl", "toy", "--specs", self.tmp.join("specs"), "--json-dir", out, env=env)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("XFAIL t/good  (the toy prints its lines in the wrong order)", p.stdout)
        self.assertEqual(sorted(os.listdir(out)), ["toy-0.1.0.json", "toy-0.1.0.junit.xml"])
        with open(os.path.join(out, "toy-0.1.0.json")) as f:
            doc = json.load(f)
        self.assertEqual((doc["implementation"]["name"], doc["implementation"]["key"]), ("toy", "toy-0.1.0"))
        # ... and in the matrix, beside CPython
        out = self.tmp.join("matrix")
        p = tsutil.harness("matrix", "--impl", "toy", "--impl", "cpython", "--specs", self.tmp.join("specs"),
                           "--out", out, env=env, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(os.path.join(out, "matrix.md")) as f:
            md = f.read()
        self.assertIn("| toy 0.1.0 (Python 3.12.1) | 0% | 0 | 0 | 1 | 0 | 0 |", md)
        self.assertIn("| `t/good` (differs) | + PASS | ~ XFAIL <sub>the toy prints its lines in the wrong order</sub> |",
                      md)   # columns: CPython, then the others
        self.assertEqual(sorted(os.listdir(os.path.join(out, "results")))[-2:], ["toy-0.1.0.json", "toy-0.1.0.junit.xml"])


if __name__ == "__main__":
    unittest.main()
