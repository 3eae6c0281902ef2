"""Shared helpers of the harness tests (stdlib only). Imported as a top-level module:
each test file puts tools/ and tools/tests/ on sys.path, so this works both with
`python3 -m unittest discover -s tests` (from tools/) and with `-t tools`."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

TESTS = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(TESTS)
FIXTURES = os.path.join(TESTS, "fixtures")
EXECUTORS = os.path.join(FIXTURES, "executors")
HARNESS = os.path.join(TOOLS, "threadspec")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

for _p in (TOOLS, TESTS):
    if _p not in sys.path:
        sys.path.insert(0, _p)

# A valid scenario: a thread prints "w 1", then main prints "done" after joining it.
GOOD = """\
id: t/good
title: x
source: {cpython: x}
functions:
  worker:
    params: [n]
    body: [{print: "w {n}"}]
main:
  - {thread: t, target: worker, args: [1]}
  - {start: t}
  - {join: t}
  - {print: done}
expect:
  stdout:
    - {thread: t, text: "w 1", id: w}
    - {thread: main, text: done, id: d}
  order: [{first: w, then: d}]
"""


def scenario(sid="t/good", extra=""):
    """GOOD with another id, and `extra` top-level YAML appended."""
    return GOOD.replace("id: t/good", "id: " + sid) + extra


class TempDir(object):
    """A temporary directory (context manager) with a write() helper."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="threadspec-test-")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)

    def join(self, *names):
        return os.path.join(self.path, *names)

    def write(self, name, data, mode=0o644):
        path = self.join(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        os.chmod(path, mode)
        return path


def executor(name):
    """The path of a fake executor in fixtures/executors (made executable)."""
    path = os.path.join(EXECUTORS, name)
    if not os.access(path, os.X_OK):
        os.chmod(path, 0o755)
    return path


def harness(*args, env=None, timeout=120, cwd=None):
    """Run tools/threadspec with /usr/bin/python3; returns the CompletedProcess (text)."""
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([PYTHON, HARNESS] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=e, timeout=timeout, universal_newlines=True, cwd=cwd)


def gone(pid, within=5.0):
    """True when no process `pid` exists (or it is a zombie about to be reaped) within `within` s."""
    deadline = time.monotonic() + within
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except (OSError, IndexError):
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def wait_for_file(path, within=30.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return True
        time.sleep(0.05)
    return False


def read_int(path):
    with open(path) as f:
        return int(f.read().strip())



def step_scenario_head(scenario_id):
    """A scenario's text up to its first step: a function `worker(n)` printing "w {n}", a
    method-like `hook(self)`, and main's line 8 making thread t; the next step written after
    it is main[1], on line 9. Finish it with STEP_SCENARIO_TAIL."""
    return ("id: %s\ntitle: x\nsource: {cpython: x}\nfunctions:\n"
            "  worker: {params: [n], body: [{print: \"w {n}\"}]}\n"
            "  hook: {params: [self], body: []}\n"
            "main:\n  - {thread: t, target: worker, args: [1]}\n" % scenario_id)


STEP_SCENARIO_TAIL = "expect:\n  stdout: []\n"


class FakeExecutorCase(unittest.TestCase):
    """Runs scenarios on the fake executor (fixtures/executors/fake.py) describing itself as
    told: `run_on(describe, scenario_text)` is the scenario's result; the environment and
    the temporary directory are restored after each test."""

    def setUp(self):
        self.tmp = TempDir()
        self.old_env = dict(os.environ)

    def tearDown(self):
        os.environ.clear()
        os.environ.update(self.old_env)
        self.tmp.cleanup()

    def run_on(self, describe, text):
        os.environ["FAKE_DESCRIBE"] = json.dumps(describe)
        os.environ["FAKE_REQUESTS"] = self.tmp.join("requests.jsonl")
        from threadspec_lib import engine, impls, loader, runner  # here: tsutil is stdlib only
        impl = impls.ExecutorImplementation("cpp", [executor("fake.py")])
        impl.describe()
        sc = loader.load(self.tmp.write("s.yaml", text))
        with runner.Workdir() as wd:
            return engine.run_scenario(sc, impl, None, 0.1, 1, wd)
