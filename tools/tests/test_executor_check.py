"""`threadspec check-executor` (executor_check.py): it passes on the reference executor
and on a toy executor built from the protocol alone, and reports each fault of the toy
broken on purpose (fixtures/executors/toy.py, TOY_FAULTS). The C++ executor and every
Python implementation are checked by CTest (check-executor.*)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsutil  # noqa: E402
from tsutil import PYTHON  # noqa: E402
from threadspec_lib import executor_check, impls  # noqa: E402

TOY = tsutil.executor("toy.py")


def problems(argv, faults=None, deadline=4.0):
    old = os.environ.get("TOY_FAULTS")
    os.environ["TOY_FAULTS"] = ",".join(faults or [])
    try:
        checks = executor_check.check_executor(argv, deadline)
    finally:
        if old is None:
            os.environ.pop("TOY_FAULTS")
        else:
            os.environ["TOY_FAULTS"] = old
    return {c.name: c.problems for c in checks if c.problems}


class Conforming(unittest.TestCase):
    def test_reference_executor_passes(self):
        self.assertEqual(problems([PYTHON, impls.REFERENCE_EXECUTOR]), {})

    def test_toy_executor_passes(self):
        self.assertEqual(problems([TOY]), {})

    def test_command_line(self):
        p = tsutil.harness("check-executor", TOY)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("5 of 5 checks passed", p.stdout)
        self.assertIn("note: it speaks protocol 1 of this format's 1, 2, 3: scenarios of protocol 2, 3 are errors, "
                      "not run", p.stdout)
        p = tsutil.harness("check-executor", "--deadline", "4", TOY, env={"TOY_FAULTS": "exit-zero"})
        self.assertEqual(p.returncode, 1)
        self.assertIn("FAIL exit-codes", p.stdout)
        self.assertIn("{exit: 3}: expected exit status 3, but it exited with status 0 (spec 8.5)", p.stdout)
        p = tsutil.harness("check-executor", "/nonexistent/executor")
        self.assertEqual(p.returncode, 2)
        self.assertIn("/nonexistent/executor", p.stderr)


class BrokenToys(unittest.TestCase):
    """Each fault shows up in its own check, with the spec section, and nowhere else."""

    def assertOnly(self, fault, check, *words):
        found = problems([TOY], [fault])
        self.assertEqual(list(found), [check], found)
        text = "\n".join(found[check])
        for w in words:
            self.assertIn(w, text)

    def test_describe_garbage(self):
        self.assertOnly("describe-garbage", "describe", "printed no JSON object", "'toy executor 0.1'", "spec 8.1")

    def test_protocol_not_the_highest(self):
        self.assertOnly("protocol-not-highest", "describe", '"protocol" must be the highest of "protocols" [1, 2], '
                        'not 1', "spec 8.1")

    def test_loud_errors(self):
        self.assertOnly("loud-errors", "bad-input", "expected exit status 125, but it exited with status 1",
                        "expected one stderr line 'threadspec-executor: error: MESSAGE'", "spec 8.2")

    def test_runs_before_checking(self):
        self.assertOnly("run-before-check", "bad-input", "nothing may run before the input is checked",
                        "'ran before the check'")

    def test_no_started_event(self):
        self.assertOnly("no-started", "trace", 'the first event must be {"seq": 0, "t": T, "kind": "started"}',
                        "spec 8.3")

    def test_no_labels(self):
        self.assertOnly("no-labels", "trace", "line events (stream, text, label) must be", "'t[0]'")

    def test_bad_seq(self):
        self.assertOnly("bad-seq", "trace", "seq must count 0, 1, 2...")

    def test_exit_zero(self):
        self.assertOnly("exit-zero", "exit-codes", "{exit: 3}: expected exit status 3",
                        "an uncaught ValueError in main: expected exit status 1")

    def test_hang_on_exit(self):
        found = problems([TOY], ["hang-on-exit"], deadline=1.0)
        self.assertEqual(sorted(found), ["exit-codes", "never-ends", "trace"])
        self.assertIn("still running at the deadline", found["never-ends"][0])


if __name__ == "__main__":
    unittest.main()
