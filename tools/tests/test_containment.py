"""Containment and limits in process: regular expressions refused at load, the killable
check workers, one scenario's exception as its own ERROR, bounded reports, malformed and
missing traces, output caps, and processes that try to escape their run."""

import os
import signal
import subprocess
import sys
import textwrap
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsutil  # noqa: E402
from tsutil import PYTHON, TempDir  # noqa: E402
from threadspec_lib import (checker, checkpool, containment, engine, impls, inputlimits, limits,  # noqa: E402
                            loader, procs, runner)
from threadspec_lib.checker import Line, Observation  # noqa: E402

EXIT0 = {"kind": "exit", "code": 0}


def py(code):
    return [PYTHON, "-c", textwrap.dedent(code)]


class Regexes(unittest.TestCase):
    def test_refused(self):
        for pattern, word in [("(a+)+$", "repeats a repeat"), ("(a*)*b", "repeats a repeat"),
                              ("(?:x{2,9})+", "repeats a repeat"), ("(a|b+)*c", "repeats a repeat"),
                              ("(", "invalid regular expression"),
                              ("a" * (limits.MAX_REGEX_CHARS + 1), "longer than")]:
            with self.subTest(pattern=pattern[:20]):
                self.assertIn(word, inputlimits.regex_problem(pattern))

    def test_accepted(self):
        for pattern in [r"Worker \d+", "  .*", r"(\d+) \1", r"(\d+\.){3}\d+", "(ab|cd)*", r"x(?=y)", r"[a-z]+( [a-z]+)?",
                        r"(?:Thread-\d+ \(worker\))?"]:
            with self.subTest(pattern=pattern):
                self.assertIsNone(inputlimits.regex_problem(pattern))


class Reports(unittest.TestCase):
    def test_clip(self):
        self.assertEqual(limits.clip_text("abc"), "abc")
        long = "x" * 1000 + "END"
        clipped = limits.clip_text(long)
        self.assertLess(len(clipped), 450)
        self.assertTrue(clipped.endswith("END"))
        self.assertIn("[603 characters]", clipped)
        values = [str(i) for i in range(100)]
        shown = limits.clip_list(values)
        self.assertEqual(shown[:10], values[:10])
        self.assertEqual(shown[-10:], values[-10:])
        self.assertEqual(shown[10], "…[80 more]…")

    def test_one_huge_line_gives_a_small_violation(self):
        obs = Observation({"stdout": [Line("stdout", 0, "y" * 10 ** 6, 0)], "stderr": []}, EXIT0, 1.0, False)
        r = checker.check({"stdout": ["a"]}, obs)
        self.assertLess(sum(len(str(v.to_json())) for v in r.violations), 10000)


class CheckWorkers(unittest.TestCase):
    def test_a_slow_check_is_killed_and_the_pool_goes_on(self):
        slow = {"stdout": [{"re": ".*.*.*.*=x"}]}
        obs = Observation({"stdout": [Line("stdout", 0, "a" * 3000, 0)], "stderr": []}, EXIT0, 1.0, False)
        with checkpool.CheckPool(timeout=1.0) as pool:
            t0 = time.monotonic()
            with self.assertRaises(checkpool.CheckError) as cm:
                pool.check(slow, obs, 1.0)
            self.assertLess(time.monotonic() - t0, 10)
            self.assertIn("took more than 1 s", str(cm.exception))
            ok = Observation({"stdout": [Line("stdout", 0, "a", 0)], "stderr": []}, EXIT0, 1.0, False)
            self.assertTrue(pool.check({"stdout": ["a"]}, ok, 1.0).passed)

    def test_a_checker_exception_is_one_line(self):
        with checkpool.CheckPool() as pool:
            with self.assertRaises(checkpool.CheckError) as cm:
                pool.check({"stdout": [{"text": "a", "count": "x..y"}]},
                           Observation({"stdout": [], "stderr": []}, EXIT0, 1.0, False), 1.0)
        self.assertIn("checking failed: ValueError", str(cm.exception))
        self.assertNotIn("\n", str(cm.exception))

    def test_one_line(self):
        try:
            {}["missing"]
        except KeyError as exc:
            line = containment.one_line(exc)
        self.assertRegex(line, r"^KeyError: 'missing' \(at test_containment.py:\d+\)$")
        err = loader.ScenarioError("f.yaml", 3, "main[0]", "bad")
        self.assertEqual(containment.one_line(err), "f.yaml:3 (main[0]): bad")


class ScenarioErrors(unittest.TestCase):
    def test_an_exception_in_one_scenario_is_its_error_and_the_others_run(self):
        with TempDir() as d:
            plan = d.write("plan.json", '{"*": {"lines": [["stdout", "w 1", "t[0]"], ["stdout", "done", "main"]]}}')
            os.environ["FAKE_PLAN"] = plan
            try:
                impl = impls.cpp_implementation(executor=tsutil.executor("fake.py"))
                scs = [loader.load(d.write("s%d.yaml" % i, tsutil.scenario("t/s%d" % i))) for i in range(3)]
                real = engine.run_scenario

                def flaky(sc, *args, **kw):
                    if sc.id == "t/s1":
                        raise RuntimeError("boom\nsecond line")
                    return real(sc, *args, **kw)
                engine.run_scenario = flaky
                try:
                    results = engine.run_all(scs, impl, None, 0.1, 1, 2)
                finally:
                    engine.run_scenario = real
            finally:
                del os.environ["FAKE_PLAN"]
        self.assertEqual([r.verdict for r in results], ["pass", "error", "pass"])
        self.assertRegex(results[1].reason, r"^RuntimeError: boom second line \(at test_containment.py:\d+\)$")
        self.assertEqual(results[1].to_json()["error"]["message"], results[1].reason)


class Traces(unittest.TestCase):
    def problems(self, text):
        with TempDir() as d:
            events, problems, found = runner.read_trace_checked(d.write("t.jsonl", text))
        self.assertTrue(found)
        return events, problems

    def test_malformed_events_are_problems_not_exceptions(self):
        good = '{"seq": 0, "t": 0.1, "kind": "line", "stream": "stdout", "text": "a", "label": "main", "thread": "M"}'
        cases = [("[1, 2]", "a JSON object, not list"), ('{"seq": "1"}', "'seq' is str"),
                 ('{"seq": 1, "t": NaN}', "not a finite number"), ('{"seq": true}', "'seq' is bool"),
                 ('{"kind": "line"}', "no seq"), ('{"seq": 1, "label": 5}', "'label' is int"),
                 ('{"seq": 1, "kind": "line", "stream": "stdin", "text": "x"}', "stdout or stderr"),
                 ("[" * 100000, "not JSON"), ("\xff\xfe", "not JSON"), ("null", "not NoneType")]
        for raw, word in cases:
            with self.subTest(raw=raw[:30]):
                events, problems = self.problems(good + "\n" + raw + "\n")
                self.assertEqual(len(events), 1)
                self.assertEqual(len(problems), 1)
                self.assertIn("trace line 2: ", problems[0])
                self.assertIn(word, problems[0])
                self.assertLess(len(problems[0]), 200)

    def test_many_bad_events_give_a_bounded_report(self):
        events, problems = self.problems("x\n" * 10000)
        self.assertEqual(len(problems), 4)
        self.assertIn("10000 malformed events", problems[-1])

    def test_a_traced_run_without_a_trace_file_fails_with_a_trace_violation(self):
        raw = runner.RawRun([("a", 0.1)], [], EXIT0, 0.2, [], trace_found=False)
        obs = runner.observation(raw, traced=True)
        r = checker.check({"stdout": ["a"]}, obs)
        self.assertEqual([v.rule for v in r.violations], ["trace"])
        self.assertIn("no trace file", r.violations[0].message)
        # literal mode has no trace by design
        self.assertTrue(checker.check({"stdout": ["a"]}, runner.observation(raw, traced=False)).passed)


class Output(unittest.TestCase):
    def tearDown(self):
        runner._stopping.clear()

    def test_too_many_lines_are_counted_not_kept(self):
        n = limits.MAX_LINES + 500
        raw = runner.run_process(py("import sys; sys.stdout.write('x\\n' * %d)" % n), b"", 60)
        self.assertEqual(len(raw.out), limits.MAX_LINES)
        self.assertEqual(len(raw.overflow), 1)
        self.assertIn("only the first %d lines" % limits.MAX_LINES, raw.overflow[0])
        r = checker.check({"stdout": [{"text": "x", "count": "0..%d" % n}]}, runner.observation(raw, False))
        self.assertEqual([v.rule for v in r.violations], ["output"])

    def test_a_huge_line_is_cut(self):
        raw = runner.run_process(py("import sys; sys.stdout.write('y' * %d + '\\nafter\\n')" % (3 * limits.MAX_LINE_CHARS)),
                                 b"", 60)
        self.assertEqual([len(t) for t, _ in raw.out], [limits.MAX_LINE_CHARS + len("…[cut]"), 5])
        self.assertIn("longer than", raw.overflow[0])


class Input(unittest.TestCase):
    def test_a_program_that_never_reads_its_input_meets_its_deadline(self):
        t0 = time.monotonic()
        raw = runner.run_process(py("import time; print('up', flush=True); time.sleep(60)"), b"x" * (4 << 20), 1.0)
        self.assertEqual(raw.end["kind"], "deadline")
        self.assertLess(time.monotonic() - t0, 10)
        self.assertEqual([t for t, _ in raw.out], ["up"])


class Escapes(unittest.TestCase):
    def tearDown(self):
        runner._stopping.clear()

    def test_a_new_session_holding_stdout_is_killed_at_the_end_of_the_run(self):
        with TempDir() as d:
            pidfile = d.join("pid")
            t0 = time.monotonic()
            raw = runner.run_process(py("""
                import subprocess, sys
                p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True)
                open(%r, 'w').write(str(p.pid))
                print('parent done', flush=True)
            """ % pidfile), b"", 30)
            self.assertLess(time.monotonic() - t0, 15)
            self.assertEqual([t for t, _ in raw.out], ["parent done"])
            self.assertTrue(tsutil.gone(tsutil.read_int(pidfile)))

    def test_an_orphan_without_the_token_is_swept_by_the_subreaper(self):
        with TempDir() as d:
            pidfile = d.join("pid")
            runner.run_process(py("""
                import subprocess
                p = subprocess.Popen(['/bin/sleep', '60'], start_new_session=True, env={},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                open(%r, 'w').write(str(p.pid))
            """ % pidfile), b"", 30)
            pid = tsutil.read_int(pidfile)
            self.assertTrue(procs.become_subreaper())
            self.assertIn(pid, procs.sweep(orphans=True))
            self.assertTrue(tsutil.gone(pid))

    def test_no_group_is_signalled_after_its_leader_was_reaped(self):
        proc = subprocess.Popen(["/bin/true"], start_new_session=True)
        proc.wait()
        calls = []
        real = os.killpg
        os.killpg = lambda pgid, sig: calls.append(pgid)
        try:
            procs.kill_group(proc)
            runner._live[proc.pid] = proc
            runner.kill_all()
        finally:
            os.killpg = real
            runner._live.pop(proc.pid, None)
        self.assertEqual(calls, [])

    def test_children_die_with_the_harness(self):
        with TempDir() as d:
            pidfile = d.join("pid")
            child = "import os, time; open(%r, 'w').write(str(os.getpid())); time.sleep(60)" % pidfile
            harness = subprocess.Popen(py("""
                import sys
                sys.path.insert(0, %r)
                from threadspec_lib import runner
                runner.run_process([sys.executable, '-c', %r], b'', 60)
            """ % (tsutil.TOOLS, child)))
            try:
                self.assertTrue(tsutil.wait_for_file(pidfile))
                harness.send_signal(signal.SIGKILL)
                harness.wait()
                self.assertTrue(tsutil.gone(tsutil.read_int(pidfile)), "the executor outlived its harness")
            finally:
                if harness.returncode is None:
                    harness.kill()
                    harness.wait()


if __name__ == "__main__":
    unittest.main()
