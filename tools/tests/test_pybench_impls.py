"""The benchmark twin (bench/pybench.py) on PyPy and Jython: it runs there, names its
benchmarks after the interpreter, and its context tells the truth (the release, the CPU
count, whether a GIL serialises threads). An interpreter this machine lacks is skipped
with the reason printed (tools/setup installs both)."""

import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tsutil import TempDir  # noqa: E402
from threadspec_lib import bench, impls  # noqa: E402

PYBENCH = os.path.join(impls.ROOT, "bench", "pybench.py")


class Interpreters(unittest.TestCase):
    def run_on(self, command, token, release_expr, gil_disabled):
        """pybench on `command`; release_expr: what the interpreter says its release is."""
        path = shutil.which(command)
        if path is None:
            print("\ntest_pybench_impls: skipped %s: not installed (tools/setup installs it)" % command)
            self.skipTest("%s is not installed (tools/setup installs it)" % command)
        release = subprocess.run([path, "-c", "import sys, platform; print(%s)" % release_expr], timeout=120,
                                 stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
        self.release = release
        with TempDir() as d:
            out = d.join("out.json")
            p = subprocess.run([path, PYBENCH, "--quick", "--filter", "BM_(LockUncontended|ActiveCount/1$|CpuBound)",
                                "--out", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300,
                               universal_newlines=True)
            self.assertEqual(p.returncode, 0, p.stderr[-2000:])
            with open(out) as f:
                doc = json.load(f)
        ctx = doc["context"]
        self.assertEqual((ctx["implementation_release"], ctx["gil_disabled"]), (release, gil_disabled))
        self.assertIsInstance(ctx["num_cpus"], int)
        names = sorted({b["run_name"] for b in doc["benchmarks"]})
        self.assertEqual(names, ["BM_ActiveCount/1", "BM_CpuBound/1", "BM_CpuBound/2", "BM_LockUncontended/" + token])
        self.assertFalse([b for b in doc["benchmarks"] if b.get("error_occurred")])
        records, errors, _ = bench.records_from_gb(doc, source="x.json")
        self.assertEqual(errors, [])
        return records

    def test_pypy(self):
        records = self.run_on("pypy3", "pypy", "'%d.%d.%d' % sys.pypy_version_info[:3]", "false")   # it has a GIL
        self.assertIn(1, {r["impl"].startswith("PyPy %s (Python 3." % self.release) for r in records})

    def test_jython(self):
        records = self.run_on("jython", "jython", "platform.python_version()", "true")   # JVM threads: no GIL
        self.assertIn("Jython %s" % self.release, {r["impl"] for r in records})


if __name__ == "__main__":
    unittest.main()
