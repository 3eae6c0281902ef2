"""Literal mode's order-only trace (specs/README.md section 10): the bootstrap
(reference/literal_bootstrap.py) appends one event per line the program writes through
sys.stdout and sys.stderr, in the order of the writes inside the process, on every
interpreter it runs on (Python 2.7, 3.6+, PyPy); the harness orders such lines by it."""

import json
import os
import subprocess
import sys
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tsutil import PYTHON, TempDir  # noqa: E402
from threadspec_lib import checker, engine, impls, loader, runner  # noqa: E402

BOOTSTRAP = impls.LITERAL_BOOTSTRAP
LINE_KEYS = {"seq", "t", "kind", "stream", "text"}

# Runs on Python 2.7 and 3: single-threaded writes alternating streams, partial and
# multi-line writes, threads writing to both streams, a forked child, then a last line.
PROGRAM = textwrap.dedent("""\
    import os, sys, threading
    out, err = sys.stdout.write, sys.stderr.write
    out("o1\\n"); err("e1\\n"); out("o2\\n"); err("e2\\n")
    out("two\\nlines\\n"); out("par"); sys.stdout.flush(); out("tial\\r\\n")
    def work(n):
        for i in range(40):
            (sys.stdout if i % 2 else sys.stderr).write("t%d %d\\n" % (n, i))
    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads: t.start()
    for t in threads: t.join()
    pid = os.fork()
    if pid == 0:
        sys.stdout.write("child out\\n"); sys.stderr.write("child err\\n")
        os._exit(0)
    os.waitpid(pid, 0)
    out("last\\n")
    """)
SINGLE_THREADED = [("stdout", "o1"), ("stderr", "e1"), ("stdout", "o2"), ("stderr", "e2"),
                   ("stdout", "two"), ("stdout", "lines"), ("stdout", "partial")]


def interpreters():
    """python3 and every other CPython and PyPy this machine has (Jython has no fork)."""
    found = [PYTHON] + [p for p in impls.python_candidates() if "jython" not in os.path.basename(p)]
    out, seen = [], set()
    for p in found:
        if os.path.realpath(p) not in seen:
            seen.add(os.path.realpath(p))
            out.append(p)
    return out


def run_bootstrap(python, program, d, scale="1.0", trace=True, timeout=60):
    """(stdout lines, stderr lines, trace events or None, exit status)."""
    path = d.write("program.py", program)
    trace_path = d.join("trace.jsonl")
    if os.path.exists(trace_path):
        os.unlink(trace_path)
    argv = [python, BOOTSTRAP, path, scale] + ([trace_path] if trace else [])
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    events = None
    if os.path.exists(trace_path):
        with open(trace_path) as f:
            events = [json.loads(line) for line in f]

    def lines(data):
        return [l[:-1] if l.endswith("\r") else l for l in data.decode("utf-8", "replace").splitlines()]
    return lines(proc.stdout), lines(proc.stderr), events, proc.returncode


class Bootstrap(unittest.TestCase):
    def check_program(self, python):
        with TempDir() as d:
            out, err, events, status = run_bootstrap(python, PROGRAM, d)
        self.assertEqual(status, 0, err)
        self.assertEqual(events[0], {"seq": 0, "t": 0.0, "kind": "started"})
        lines = events[1:]
        for ev in lines:
            self.assertEqual(ev["kind"], "line")
            self.assertLessEqual(set(ev), LINE_KEYS | {"pid"}, "an order-only event has no label or thread")
        # one thread's writes: the trace is exactly their order across the two streams
        self.assertEqual([(e["stream"], e["text"]) for e in lines[:len(SINGLE_THREADED)]], SINGLE_THREADED)
        # every line, in the order of its stream, and only those
        self.assertEqual([e["text"] for e in lines if e["stream"] == "stdout"], out)
        self.assertEqual([e["text"] for e in lines if e["stream"] == "stderr"], err)
        self.assertEqual(len(out), 5 + 60 + 2)
        # the forked child's events say so; the parent's times never go back
        child = [e for e in lines if "pid" in e]
        self.assertEqual([e["text"] for e in child], ["child out", "child err"])
        parent = [e["t"] for e in lines if "pid" not in e]
        self.assertEqual(parent, sorted(parent))
        self.assertEqual(lines[-1]["text"], "last")

    def test_every_interpreter_traces_its_lines_in_write_order(self):
        pythons = interpreters()
        for python in pythons:
            with self.subTest(python=python):
                self.check_program(python)

    def test_the_report_of_a_thread_comes_before_mains_next_line(self):
        program = textwrap.dedent("""\
            import threading
            def work():
                raise ValueError("boom")
            t = threading.Thread(target=work)
            t.start()
            t.join()
            print("main continues")
            """)
        with TempDir() as d:
            out, err, events, status = run_bootstrap(PYTHON, program, d)
        self.assertEqual((status, out), (0, ["main continues"]))
        order = [e["text"] for e in events[1:]]
        self.assertEqual(order[-1], "main continues")
        self.assertEqual(order[:-1], err)
        self.assertEqual(err[-1], "ValueError: boom")

    def test_text_is_the_harness_decoding_of_the_line(self):
        program = textwrap.dedent("""\
            import sys
            sys.stdout.buffer.write("caf\\u00e9 \\u2603 \\U0001d11e \\"q\\" \\\\ \\t\\n".encode("utf-8"))
            sys.stdout.buffer.write(b"bad \\xff byte\\n")
            sys.stdout.flush()
            """)
        with TempDir() as d:
            out, err, events, status = run_bootstrap(PYTHON, program, d)
        self.assertEqual(status, 0, err)
        self.assertEqual([e["text"] for e in events[1:]], out)
        self.assertEqual(out, ["caf\u00e9 \u2603 \U0001d11e \"q\" \\ \t", "bad \ufffd byte"])

    def test_a_daemon_writing_while_the_program_exits_does_not_hang_it(self):
        program = textwrap.dedent("""\
            import sys, threading, time
            def chatter():
                while True:
                    sys.stdout.write("daemon line\\n")
                    sys.stderr.write("daemon err\\n")
            threading.Thread(target=chatter, daemon=True).start()
            time.sleep(0.05)
            print("main ends")
            """)
        for python in [p for p in interpreters() if not self.is_python2(p)]:
            with self.subTest(python=python):
                with TempDir() as d:
                    out, err, events, status = run_bootstrap(python, program, d, timeout=30)
                self.assertEqual(status, 0, err[-3:])
                self.assertIn("main ends", out)
                # a line whose event the exit cut off stays unordered, never misordered
                for stream, lines in (("stdout", out), ("stderr", err)):
                    traced = [e["text"] for e in events[1:] if e["stream"] == stream]
                    self.assertEqual(lines[:len(traced)], traced)
                    self.assertLessEqual(len(lines) - len(traced), 1)

    def test_a_last_line_without_its_newline_is_written_without_an_event(self):
        program = 'import sys\nsys.stdout.write("whole\\n")\nsys.stdout.write("no newline")\n'
        for python in interpreters():
            with self.subTest(python=python):
                with TempDir() as d:
                    out, err, events, status = run_bootstrap(python, program, d)
                self.assertEqual((out, err, status), (["whole", "no newline"], [], 0))
                self.assertEqual([e["text"] for e in events[1:]], ["whole"])

    def test_without_a_trace_it_only_runs_the_program(self):
        with TempDir() as d:
            out, err, events, status = run_bootstrap(PYTHON, "print('hi')\n", d, trace=False)
        self.assertEqual((out, err, events, status), (["hi"], [], None, 0))

    def test_time_scale_still_applies(self):
        program = textwrap.dedent("""\
            import threading, time
            t0 = time.monotonic()
            time.sleep(2)
            threading.Event().wait(2)
            print("scaled" if time.monotonic() - t0 < 1.5 else "not scaled")
            """)
        with TempDir() as d:
            out, err, events, status = run_bootstrap(PYTHON, program, d, scale="0.1")
        self.assertEqual((out, status), (["scaled"], 0), err)

    @staticmethod
    def is_python2(python):
        return subprocess.run([python, "-c", "import sys; sys.exit(sys.version_info[0])"]).returncode == 2


class HarnessOrder(unittest.TestCase):
    """The checker orders lines across streams by the order-only trace, not by read times."""

    EXPECT = {"stdout": [{"text": "cont", "id": "cont"}],
              "stderr": [{"text": "report", "id": "report"}],
              "order": [{"first": "report", "then": "cont"}]}

    def raw(self):
        # the harness read stdout's line first, but the trace says stderr's was written first
        trace = [{"seq": 0, "t": 0.0, "kind": "started"},
                 {"seq": 1, "t": 0.010, "kind": "line", "stream": "stderr", "text": "report"},
                 {"seq": 2, "t": 0.011, "kind": "line", "stream": "stdout", "text": "cont"}]
        return runner.RawRun([("cont", 0.20)], [("report", 0.25)], {"kind": "exit", "code": 0}, 0.3, trace)

    def test_order_only_trace_orders_lines_across_streams(self):
        obs = runner.observation(self.raw(), traced=False, ordered=True)
        (cont,), (report,) = obs.lines["stdout"], obs.lines["stderr"]
        self.assertEqual((report.seq, cont.seq, report.label, cont.label), (1, 2, None, None))
        self.assertAlmostEqual(report.t, 0.010)
        self.assertEqual(obs.problems, [])
        self.assertTrue(checker.check(self.EXPECT, obs).passed)

    def test_read_times_alone_give_the_other_order(self):
        raw = self.raw()
        raw.trace = raw.trace[:1]   # a trace without line events: only the read times
        obs = runner.observation(raw, traced=False, ordered=True)
        result = checker.check(self.EXPECT, obs)
        self.assertEqual([v.rule for v in result.violations], ["order"])

    def test_labels_are_not_checked_without_a_labelled_trace(self):
        expect = dict(self.EXPECT, stdout=[{"thread": "main", "text": "cont", "id": "cont"}],
                      stderr=[{"thread": "t", "text": "report", "id": "report"}])
        self.assertTrue(checker.check(expect, runner.observation(self.raw(), traced=False, ordered=True)).passed)

    def test_an_event_no_line_matches_is_a_trace_problem(self):
        raw = self.raw()
        raw.trace.append({"seq": 3, "t": 0.02, "kind": "line", "stream": "stdout", "text": "ghost"})
        obs = runner.observation(raw, traced=False, ordered=True)
        self.assertEqual(len(obs.problems), 1)
        self.assertIn("ghost", obs.problems[0])

    def test_literal_implementations_are_ordered_but_unlabelled(self):
        impl = impls.python_implementation(PYTHON, literal=True)
        self.assertEqual((impl.traced, impl.ordered), (False, True))

    def test_a_literal_run_orders_an_excepthook_report_before_mains_next_line(self):
        scenario = textwrap.dedent("""\
            id: t/literal-order
            title: x
            source: {cpython: x}
            functions:
              work: [{raise: ValueError, message: boom}]
            main:
              - {thread: t, target: work}
              - {start: t}
              - {join: t}
              - {print: "main continues"}
            expect:
              stdout: [{text: "main continues", id: cont}]
              stderr:
                - {re: "Exception in thread Thread-1.*:", id: report}
                - {traceback: "ValueError: boom"}
              order: [{first: report, then: cont}]
            python: |
              import threading
              def work():
                  raise ValueError("boom")
              t = threading.Thread(target=work)
              t.start()
              t.join()
              print("main continues")
            """)
        impl = impls.python_implementation(PYTHON, literal=True)
        with TempDir() as d:
            sc = loader.load(d.write("l.yaml", scenario))
            with runner.Workdir() as wd:
                r = engine.run_scenario(sc, impl, None, 1.0, 5, wd)
        self.assertEqual(r.verdict, "pass", [str(v) for v in r.violations])


if __name__ == "__main__":
    unittest.main()
