"""Timing that does not count start-up (spec 8.3 `started`, 5.4, 7.6): running_after and
the deadline count from the program's start, which an implementation may reach seconds
after spawn (a JVM); line times count from it too."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tsutil import PYTHON, TempDir  # noqa: E402
from threadspec_lib import runner  # noqa: E402

# Sleeps STARTUP seconds (a slow start-up), writes `started` (unless NO_START), then prints
# a line every 0.1 s, tracing each (unless NO_TRACE), forever (or exits after LINES lines).
SLOW_START = r'''
import json, os, sys, time
trace, startup, lines = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
time.sleep(startup)
t0 = time.monotonic()
fd = os.open(trace, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
seq = 0
if not os.environ.get("NO_START"):
    os.write(fd, (json.dumps({"seq": 0, "t": 5.0, "kind": "started"}) + "\n").encode())
    seq = 1
n = 0
while lines < 0 or n < lines:
    print("line %d" % n, flush=True)
    if not os.environ.get("NO_TRACE"):
        os.write(fd, (json.dumps({"seq": seq, "t": 5.0 + time.monotonic() - t0, "kind": "line", "stream": "stdout",
                                  "text": "line %d" % n, "thread": "MainThread", "label": "main"}) + "\n").encode())
    seq += 1
    n += 1
    time.sleep(0.1)
'''


class StartUp(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.prog = self.tmp.write("slow.py", SLOW_START)
        self.trace = self.tmp.join("trace.jsonl")

    def tearDown(self):
        self.tmp.cleanup()

    def run_slow(self, startup, lines=-1, running_after=None, deadline=10.0, allowance=5.0, env=None):
        e = dict(os.environ)
        e.update(env or {})
        t0 = time.monotonic()
        raw = runner.run_process([PYTHON, self.prog, self.trace, str(startup), str(lines)], b"", deadline,
                                 running_after, env=e, trace_path=self.trace, startup_allowance=allowance)
        return raw, time.monotonic() - t0

    def test_running_after_counts_from_the_start(self):
        raw, took = self.run_slow(1.5, running_after=0.55)
        self.assertEqual(raw.end["kind"], "running")
        self.assertGreaterEqual(took, 2.0)                  # 1.5 s start-up + 0.55 s of program
        self.assertLess(abs(raw.end["after"] - 0.55), 0.3)  # reported from the start
        self.assertGreaterEqual(raw.startup, 1.5)
        self.assertIn(len(raw.out), range(5, 8))            # lines at 0, 0.1, ... 0.5 s of program time
        obs = runner.observation(raw, True)
        times = [l.t for l in obs.lines["stdout"]]
        self.assertLess(times[0], 0.1)                      # trace times count from `started` (t 5.0)
        self.assertGreater(times[-1], 0.35)

    def test_deadline_counts_from_the_start(self):
        raw, took = self.run_slow(1.2, running_after=None, deadline=0.4)
        self.assertEqual(raw.end["kind"], "deadline")
        self.assertGreaterEqual(took, 1.6)
        self.assertLess(raw.end["after"], 1.0)

    def test_a_program_that_ends_during_its_start_up_allowance(self):
        raw, took = self.run_slow(0.3, lines=2, running_after=None, deadline=5.0)
        self.assertEqual((raw.end, [t for t, _ in raw.out]), ({"kind": "exit", "code": 0}, ["line 0", "line 1"]))
        self.assertLess(took, 4.0)

    def test_without_a_start_event_the_first_event_is_the_start(self):
        raw, took = self.run_slow(1.0, running_after=0.3, env={"NO_START": "1"})
        self.assertEqual(raw.end["kind"], "running")
        self.assertIsNone(raw.startup)
        self.assertGreaterEqual(took, 1.3)
        self.assertLess(took, 4.0)

    def test_without_any_event_times_count_from_spawn_plus_the_allowance(self):
        raw, took = self.run_slow(0.0, running_after=0.3, allowance=0.6, env={"NO_START": "1", "NO_TRACE": "1"})
        self.assertEqual(raw.end["kind"], "running")
        self.assertIsNone(raw.startup)
        self.assertGreaterEqual(took, 0.9)
        self.assertLess(took, 4.0)

    def test_read_times_of_untraced_lines_count_from_the_start(self):
        raw = runner.RawRun([("a", 2.5), ("b", 2.7)], [], {"kind": "exit", "code": 0}, 3.0,
                            [{"seq": 0, "t": 0.01, "kind": "started"}], startup=2.4)
        obs = runner.observation(raw, False)
        self.assertEqual([round(l.t, 3) for l in obs.lines["stdout"]], [0.1, 0.3])


if __name__ == "__main__":
    unittest.main()
