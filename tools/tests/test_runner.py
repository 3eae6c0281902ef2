"""The runner (specs/README.md sections 7.6, 8.3, 8.4): processes in their own group,
lines with times, exit status, signals, deadlines, no orphans, and the trace merge."""

import os
import sys
import textwrap
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsutil  # noqa: E402
from tsutil import PYTHON, TempDir  # noqa: E402
from threadspec_lib import runner  # noqa: E402


def py(code):
    return [PYTHON, "-c", textwrap.dedent(code)]


def texts(pairs):
    return [t for t, _ in pairs]


class RunProcess(unittest.TestCase):
    def tearDown(self):
        runner._stopping.clear()   # kill_all() is sticky by design; tests must not leak it

    def test_lines_times_and_status(self):
        raw = runner.run_process(py("""
            import sys, time
            print('one', flush=True)
            time.sleep(0.3)
            print('two', flush=True)
            print('err line', file=sys.stderr, flush=True)
            sys.stdout.write('crlf\\r\\nno newline at end')
            sys.exit(3)
        """), b"", 30)
        self.assertEqual(texts(raw.out), ["one", "two", "crlf", "no newline at end"])
        self.assertEqual(texts(raw.err), ["err line"])
        self.assertEqual(raw.end, {"kind": "exit", "code": 3})
        (_, t1), (_, t2) = raw.out[:2]
        self.assertGreaterEqual(t2 - t1, 0.2)        # the sleep shows in the read times
        self.assertLess(t1, raw.duration)
        self.assertEqual(raw.trace, [])

    def test_stdin_is_fed_and_closed(self):
        raw = runner.run_process(py("import sys; d = sys.stdin.read(); print(len(d)); print(d[:5])"),
                                 b"hello" * 1000, 30)
        self.assertEqual(texts(raw.out), ["5000", "hello"])
        # a program that never reads a large input does not break the runner
        raw = runner.run_process(py("import sys; sys.exit(4)"), b"x" * (4 << 20), 30)
        self.assertEqual(raw.end, {"kind": "exit", "code": 4})

    def test_undecodable_output_is_replaced(self):
        raw = runner.run_process(py("import sys; sys.stdout.buffer.write(b'a\\xffb\\n')"), b"", 30)
        self.assertEqual(texts(raw.out), ["a\ufffdb"])

    def test_killed_by_signal_is_named(self):
        raw = runner.run_process(py("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"), b"", 30)
        self.assertEqual(raw.end, {"kind": "signal", "signal": "SIGSEGV"})
        raw = runner.run_process(["/bin/sh", "-c", "echo before; kill -ABRT $$"], b"", 30)
        self.assertEqual(raw.end, {"kind": "signal", "signal": "SIGABRT"})
        self.assertEqual(texts(raw.out), ["before"])

    def test_hang_is_killed_at_the_deadline(self):
        t0 = time.monotonic()
        raw = runner.run_process(py("import time; print('x', flush=True); time.sleep(60)"), b"", 1.0)
        elapsed = time.monotonic() - t0
        self.assertEqual(raw.end["kind"], "deadline")
        self.assertGreaterEqual(raw.end["after"], 0.9)
        self.assertGreaterEqual(elapsed, 0.9)
        self.assertLess(elapsed, 1.0 + 8)
        self.assertEqual(texts(raw.out), ["x"])

    def test_running_after(self):
        raw = runner.run_process(py("import time; print('up', flush=True); time.sleep(60)"), b"", 30,
                                 running_after=0.5)
        self.assertEqual(raw.end["kind"], "running")
        self.assertLess(raw.duration, 10)
        self.assertEqual(texts(raw.out), ["up"])
        # a program that ends before running_after is an exit
        raw = runner.run_process(py("pass"), b"", 30, running_after=5)
        self.assertEqual(raw.end, {"kind": "exit", "code": 0})

    def test_no_grandchild_survives(self):
        for how in ("exits", "hangs"):
            with self.subTest(parent=how), TempDir() as d:
                pidfile = d.join("grandchild")
                raw = runner.run_process(py("""
                    import subprocess, sys, time
                    p = subprocess.Popen(['/bin/sleep', '60'])
                    with open(%r, 'w') as f:
                        f.write(str(p.pid))
                    print('forked', flush=True)
                    if %r == 'hangs':
                        time.sleep(60)
                """ % (pidfile, how)), b"", 3.0)
                self.assertEqual(texts(raw.out), ["forked"])
                pid = tsutil.read_int(pidfile)
                self.assertTrue(tsutil.gone(pid), "grandchild %d survived" % pid)
                self.assertLess(raw.duration, 3.0 + 8)
        self.assertEqual(runner._live, {})

    def test_kill_all_kills_live_groups(self):
        with TempDir() as d:
            pidfile = d.join("pid")
            box = {}
            argv = py("""
                import os, subprocess, time
                p = subprocess.Popen(['/bin/sleep', '60'])
                with open(%r, 'w') as f:
                    f.write('%%d %%d' %% (os.getpid(), p.pid))
                time.sleep(60)
            """ % pidfile)
            th = threading.Thread(target=lambda: box.update(raw=runner.run_process(argv, b"", 60)))
            th.start()
            self.assertTrue(tsutil.wait_for_file(pidfile))
            time.sleep(0.1)
            with open(pidfile) as f:
                pids = [int(x) for x in f.read().split()]
            t0 = time.monotonic()
            runner.kill_all()
            th.join(20)
            self.assertFalse(th.is_alive())
            self.assertLess(time.monotonic() - t0, 15)
            for pid in pids:
                self.assertTrue(tsutil.gone(pid), "process %d survived kill_all" % pid)
            self.assertEqual(box["raw"].end, {"kind": "signal", "signal": "SIGKILL"})
            # and a process started after kill_all is killed at once
            raw = runner.run_process(py("import time; time.sleep(30)"), b"", 60)
            self.assertEqual(raw.end["kind"], "signal")
            self.assertLess(raw.duration, 15)


class Trace(unittest.TestCase):
    def ev(self, seq, stream, text, label, t=None):
        return {"seq": seq, "t": t if t is not None else 0.01 * seq, "kind": "line", "stream": stream,
                "text": text, "label": label, "thread": "name-%s" % label}

    def test_read_trace_sorts_and_drops_torn_lines(self):
        with TempDir() as d:
            path = d.write("trace.jsonl", '{"seq": 1, "kind": "line"}\n{"seq": 0, "kind": "start"}\n{"seq": 2, "ki')
            self.assertEqual([e["seq"] for e in runner.read_trace(path)], [0, 1])
            self.assertEqual(runner.read_trace(d.join("missing")), [])

    def test_observation_merges_labels_seq_and_times(self):
        raw = runner.RawRun([("a", 1.0), ("b", 1.1), ("c", 1.2)], [("e", 1.5)], {"kind": "exit", "code": 0}, 2.0,
                            [self.ev(0, "stdout", "a", "t[0]", 0.2), {"seq": 1, "kind": "start"},
                             self.ev(2, "stdout", "b", "main", 0.3), self.ev(3, "stderr", "e", "t[1]", 0.7)])
        o = runner.observation(raw, traced=True)
        a, b, c = o.lines["stdout"]
        (e,) = o.lines["stderr"]
        self.assertEqual((a.label, a.thread, a.seq, a.t), ("t[0]", "name-t[0]", 0, 0.2))
        self.assertEqual((b.label, b.seq, b.t), ("main", 2, 0.3))
        self.assertEqual((e.label, e.seq, e.index, e.stream), ("t[1]", 3, 0, "stderr"))
        # c has no trace event: no label, and its read time moved onto the trace clock
        # by the smallest read-minus-trace difference (0.8)
        self.assertEqual((c.label, c.seq), (None, None))
        self.assertAlmostEqual(c.t, 0.4, places=6)
        self.assertEqual(o.problems, [])
        self.assertTrue(o.traced)
        self.assertEqual(o.end, {"kind": "exit", "code": 0})

    def test_untraced_lines_between_traced_ones(self):
        # a traceback line the implementation did not trace, between two traced lines
        raw = runner.RawRun([], [("x", 0.5), ("Traceback", 0.6), ("y", 0.7)], {"kind": "exit", "code": 1}, 1.0,
                            [self.ev(0, "stderr", "x", "main"), self.ev(1, "stderr", "y", "main")])
        o = runner.observation(raw, traced=True)
        self.assertEqual([(l.text, l.label) for l in o.lines["stderr"]],
                         [("x", "main"), ("Traceback", None), ("y", "main")])
        self.assertEqual(o.problems, [])

    def test_trace_lines_the_stream_does_not_show(self):
        raw = runner.RawRun([("a", 0.1)], [], {"kind": "exit", "code": 0}, 0.3,
                            [self.ev(0, "stdout", "a", "main"), self.ev(1, "stdout", "ghost", "t[0]")])
        o = runner.observation(raw, traced=True)
        self.assertEqual(len(o.problems), 1)
        self.assertIn("ghost", o.problems[0])
        self.assertIn("stdout", o.problems[0])
        # without a trace (literal mode) nothing is compared
        o = runner.observation(runner.RawRun([("a", 0.1)], [], {"kind": "exit", "code": 0}, 0.3, []), traced=False)
        self.assertEqual((o.problems, o.lines["stdout"][0].label, o.lines["stdout"][0].t), ([], None, 0.1))

    def test_trace_end_to_end_with_a_fake_executor(self):
        with TempDir() as d:
            plan = d.write("plan.json", '{"*": {"lines": [["stdout", "hi", "main"], ["stderr", "oops", "t[0]"],'
                                        ' ["stdout", "raw", null]]}}')
            trace = d.join("trace.jsonl")
            stdin = ('{"protocol": 1, "time_scale": 1, "trace": "%s", "scenario": {"id": "x/y"}}' % trace).encode()
            env = dict(os.environ, FAKE_PLAN=plan)
            raw = runner.run_process([tsutil.executor("fake.py")], stdin, 30, env=env, trace_path=trace)
            o = runner.observation(raw, traced=True)
        self.assertEqual(raw.end, {"kind": "exit", "code": 0})
        self.assertEqual(raw.trace[0]["kind"], "started")   # seq 0 (spec 8.3)
        self.assertEqual([(l.text, l.label, l.seq) for l in o.lines["stdout"]], [("hi", "main", 1), ("raw", None, None)])
        self.assertEqual([(l.text, l.label, l.seq) for l in o.lines["stderr"]], [("oops", "t[0]", 2)])


if __name__ == "__main__":
    unittest.main()
