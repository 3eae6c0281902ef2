"""The checker (specs/README.md section 7) on Observations built by hand."""

import copy
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsutil  # noqa: E402,F401
from threadspec_lib import checker  # noqa: E402
from threadspec_lib.checker import Line, Observation  # noqa: E402

EXIT0 = {"kind": "exit", "code": 0}


def obs(stdout=(), stderr=(), end=None, traced=True, problems=()):
    """An Observation. A line is 'text', (text, label), or a dict with text, label, t, seq.
    Unless given, t is 0.1 s per line in the order listed (stdout first) and, when
    traced and labelled, seq follows the same order."""
    lines = {}
    n = 0
    for stream, specs in (("stdout", stdout), ("stderr", stderr)):
        out = []
        for i, spec in enumerate(specs):
            if isinstance(spec, str):
                spec = {"text": spec}
            elif isinstance(spec, tuple):
                spec = {"text": spec[0], "label": spec[1]}
            label = spec.get("label") if traced else None
            seq = spec.get("seq", n if traced and label else None)
            out.append(Line(stream, i, spec["text"], spec.get("t", 0.1 * n), label=label,
                            thread=label, seq=seq))
            n += 1
        lines[stream] = out
    return Observation(lines, end or EXIT0, 1.0, traced, problems)


def rules(result):
    return sorted(set(v.rule for v in result.violations))


class Basics(unittest.TestCase):
    def test_exact_match_passes(self):
        r = checker.check({"stdout": ["a", "b"], "stderr": ["e"]}, obs(["a", "b"], ["e"]))
        self.assertTrue(r.passed, [str(v) for v in r.violations])
        self.assertEqual(r.outcome_class, "as in the document")
        self.assertEqual(r.outcome, (("stdout", ('"a"', '"b"')), ("stderr", ('"e"',))))

    def test_missing_line(self):
        r = checker.check({"stdout": ["a", "b"]}, obs(["a"]))
        self.assertEqual(rules(r), ["line"])
        v = r.violations[0]
        self.assertIn("'b'", v.message)
        self.assertEqual((v.expected, v.seen), (["'a'", "'b'"], ["a"]))
        self.assertEqual(r.outcome_class, "forbidden")
        self.assertIsNone(r.outcome)

    def test_unexpected_extra_line(self):
        r = checker.check({"stdout": ["a"]}, obs(["a", "zzz"]))
        self.assertEqual(rules(r), ["unexpected"])
        self.assertIn("'zzz'", r.violations[0].message)
        self.assertIn("stdout line 2", r.violations[0].message)

    def test_stream_without_key_must_be_empty(self):
        r = checker.check({"stdout": ["a"]}, obs(["a"], ["noise"]))
        self.assertEqual(rules(r), ["unexpected"])
        self.assertIn("stderr", r.violations[0].message)

    def test_empty_expectation_and_output_pass(self):
        self.assertTrue(checker.check({}, obs()).passed)

    def test_regex_items(self):
        expect = {"stdout": [{"re": r"Worker \d+"}, {"re": "x", "count": 0}]}
        self.assertTrue(checker.check(expect, obs(["Worker 12"])).passed)
        # re must match the whole line (fullmatch)
        self.assertEqual(rules(checker.check(expect, obs(["Worker 12 done"]))), ["line", "unexpected"])


class Counts(unittest.TestCase):
    def test_exact_count(self):
        e = {"stdout": [{"text": "x", "count": 3}]}
        self.assertTrue(checker.check(e, obs(["x"] * 3)).passed)
        r = checker.check(e, obs(["x"] * 2))
        self.assertEqual(rules(r), ["count"])
        self.assertIn("seen 2", r.violations[0].message)
        r = checker.check(e, obs(["x"] * 4))
        self.assertEqual(rules(r), ["count"])
        self.assertIn("seen 4", r.violations[0].message)

    def test_ranges(self):
        e = {"stdout": [{"text": "x", "count": "2..4"}]}
        for n, ok in ((0, False), (1, False), (2, True), (3, True), (4, True), (5, False)):
            with self.subTest(n=n):
                r = checker.check(e, obs(["x"] * n))
                self.assertEqual(r.passed, ok)
                if not ok:
                    self.assertIn(rules(r)[0], ("count", "line"))
        self.assertEqual(rules(checker.check(e, obs(["x"] * 5))), ["count"])
        self.assertEqual(rules(checker.check(e, obs(["x"]))), ["count"])

    def test_zero_count_allows_absence(self):
        e = {"stdout": [{"text": "maybe", "count": "0..1"}, "sure"]}
        self.assertTrue(checker.check(e, obs(["sure"])).passed)
        self.assertTrue(checker.check(e, obs(["maybe", "sure"])).passed)

    def test_backtracking_finds_the_valid_assignment(self):
        # A greedy assignment gives both lines to the first item (count allows 2) and
        # leaves the second item without its line; the checker must backtrack.
        e = {"stdout": [{"re": "ab.", "count": "1..2"}, {"re": "ab2"}]}
        r = checker.check(e, obs(["ab1", "ab2"]))
        self.assertTrue(r.passed, [str(v) for v in r.violations])
        self.assertEqual(r.outcome[0][1], ("~\"ab\"", "~\"ab2\""))
        # overlapping regexes with program order across one label
        e = {"stdout": [{"re": "x.*", "thread": "t", "count": "1..3"}, {"re": "xy", "thread": "t"},
                        {"re": "x.*", "thread": "t", "count": "0..1"}]}
        r = checker.check(e, obs([("xa", "t[0]"), ("xy", "t[0]"), ("xy", "t[0]")]))
        self.assertTrue(r.passed, [str(v) for v in r.violations])

    def test_no_assignment_is_reported(self):
        e = {"stdout": [{"re": "ab.", "count": 2}, {"re": "ab2"}]}
        r = checker.check(e, obs(["ab1", "ab2"]))
        self.assertFalse(r.passed)


class Ordering(unittest.TestCase):
    def test_program_order_violated_within_a_label(self):
        e = {"stdout": [{"text": "a", "thread": "t"}, {"text": "b", "thread": "t"}]}
        r = checker.check(e, obs([("b", "t[0]"), ("a", "t[0]")]))
        self.assertEqual(rules(r), ["program-order"])
        self.assertIn("t[0]", r.violations[0].message)
        # untraced: the labels are not known, but listed items of one label still keep order
        r = checker.check(e, obs(["b", "a"], traced=False))
        self.assertEqual(rules(r), ["program-order"])

    def test_main_label_keeps_order(self):
        e = {"stdout": [{"text": "a", "thread": "main"}, {"text": "b", "thread": "main"}]}
        self.assertEqual(rules(checker.check(e, obs([("b", "main"), ("a", "main")]))), ["program-order"])

    def test_interleaving_across_labels_is_allowed(self):
        e = {"stdout": [{"text": "a", "thread": "t"}, {"text": "b", "thread": "u"}]}
        r = checker.check(e, obs([("a", "t[0]"), ("b", "u[0]")]))
        self.assertEqual((r.passed, r.outcome_class), (True, "as in the document"))
        r = checker.check(e, obs([("b", "u[0]"), ("a", "t[0]")]))
        self.assertEqual((r.passed, r.outcome_class), (True, "allowed"))
        # items without a label have no order constraint either
        r = checker.check({"stdout": ["a", "b"]}, obs(["b", "a"]))
        self.assertEqual((r.passed, r.outcome_class), (True, "allowed"))

    def test_thread_label_mismatch_only_when_traced(self):
        e = {"stdout": [{"text": "a", "thread": "t"}]}
        r = checker.check(e, obs([("a", "u[0]")]))
        self.assertEqual(rules(r), ["thread"])
        self.assertIn("u[0]", r.violations[0].message)
        self.assertIn("t[0]", r.violations[0].message)
        self.assertTrue(checker.check(e, obs([("a", "u[0]")], traced=False)).passed)
        # "t" means t[0]; t[1] is another thread
        self.assertTrue(checker.check(e, obs([("a", "t[0]")])).passed)
        self.assertEqual(rules(checker.check(e, obs([("a", "t[1]")]))), ["thread"])
        # in a traced run, a line with no label (untraced, or from a thread no step labelled)
        # is attributed to no thread: it cannot be t's line, only an item of any thread's
        self.assertEqual(rules(checker.check(e, obs(["a"]))), ["thread"])
        self.assertTrue(checker.check({"stdout": ["a"]}, obs(["a"])).passed)

    def test_order_across_streams_uses_seq_when_traced(self):
        e = {"stdout": [{"text": "A", "id": "a"}], "stderr": [{"text": "B", "id": "b"}],
             "order": [{"first": "a", "then": "b"}]}
        # times say A first, sequence numbers say B first: seq wins
        r = checker.check(e, obs([{"text": "A", "label": "main", "t": 0.0, "seq": 5}],
                                 [{"text": "B", "label": "main", "t": 0.5, "seq": 2}]))
        self.assertEqual(rules(r), ["order"])
        self.assertIn("a", r.violations[0].message)
        r = checker.check(e, obs([{"text": "A", "label": "main", "t": 0.5, "seq": 1}],
                                 [{"text": "B", "label": "main", "t": 0.0, "seq": 2}]))
        self.assertTrue(r.passed)

    def test_order_across_streams_uses_time_when_untraced(self):
        e = {"stdout": [{"text": "A", "id": "a"}], "stderr": [{"text": "B", "id": "b"}],
             "order": [{"first": "a", "then": "b"}]}
        self.assertEqual(rules(checker.check(e, obs([{"text": "A", "t": 0.5}], [{"text": "B", "t": 0.1}],
                                                    traced=False))), ["order"])
        self.assertTrue(checker.check(e, obs([{"text": "A", "t": 0.1}], [{"text": "B", "t": 0.5}],
                                             traced=False)).passed)

    def test_order_with_counts_checks_every_line(self):
        e = {"stdout": [{"text": "w", "id": "w", "count": 3}, {"text": "d", "id": "d"}],
             "order": [{"first": "w", "then": "d"}]}
        self.assertTrue(checker.check(e, obs(["w", "w", "w", "d"])).passed)
        self.assertEqual(rules(checker.check(e, obs(["w", "w", "d", "w"]))), ["order"])


class Timing(unittest.TestCase):
    E = {"stdout": [{"text": "start", "id": "s"}, {"text": "end", "id": "e", "at": {"after": "s", "seconds": 1}}]}

    def run_gap(self, gap, scale):
        return checker.check(self.E, obs([{"text": "start", "t": 0.3}, {"text": "end", "t": 0.3 + gap}],
                                         traced=False), time_scale=scale)

    def test_within_and_outside_tolerance(self):
        # unscaled: 1 s ± (0.25 + 0.05)
        self.assertTrue(self.run_gap(1.0, 1.0).passed)
        self.assertTrue(self.run_gap(1.2, 1.0).passed)
        self.assertTrue(self.run_gap(0.8, 1.0).passed)
        r = self.run_gap(1.6, 1.0)
        self.assertEqual(rules(r), ["timing"])
        self.assertIn("1.600", r.violations[0].message)
        self.assertEqual(rules(self.run_gap(0.4, 1.0)), ["timing"])

    def test_time_scale(self):
        # scale 0.1: 0.1 s ± (0.025 + 0.05)
        self.assertTrue(self.run_gap(0.1, 0.1).passed)
        self.assertTrue(self.run_gap(0.15, 0.1).passed)
        self.assertEqual(rules(self.run_gap(1.0, 0.1)), ["timing"])
        self.assertEqual(rules(self.run_gap(0.3, 0.1)), ["timing"])

    def test_an_item_without_an_id_is_still_timed(self):
        e = {"stdout": [{"text": "start", "id": "s"}, {"text": "end", "at": {"after": "s", "seconds": 1}}]}
        self.assertTrue(checker.check(e, obs([{"text": "start", "t": 0}, {"text": "end", "t": 1.1}])).passed)
        r = checker.check(e, obs([{"text": "start", "t": 0}, {"text": "end", "t": 5.0}]))
        self.assertEqual(rules(r), ["timing"])

    def test_every_line_of_a_counted_item_is_timed_from_the_first_reference_line(self):
        e = {"stdout": [{"text": "s", "id": "s", "count": 2},
                        {"text": "tick", "count": 2, "at": {"after": "s", "seconds": 1}}]}
        ok = [{"text": "s", "t": 0}, {"text": "s", "t": 0.5}, {"text": "tick", "t": 1.0}, {"text": "tick", "t": 1.1}]
        self.assertTrue(checker.check(e, obs(ok)).passed)
        late = ok[:3] + [{"text": "tick", "t": 1.9}]
        self.assertEqual(rules(checker.check(e, obs(late))), ["timing"])

    def test_explicit_tolerance(self):
        e = copy.deepcopy(self.E)
        e["stdout"][1]["at"]["tolerance"] = 2
        self.assertTrue(checker.check(e, obs([{"text": "start", "t": 0}, {"text": "end", "t": 2.5}])).passed)
        self.assertFalse(checker.check(e, obs([{"text": "start", "t": 0}, {"text": "end", "t": 3.5}])).passed)


class EndOfRun(unittest.TestCase):
    def test_absent(self):
        e = {"stdout": ["a"], "absent": ["Exiting", {"re": "Err.*"}]}
        self.assertTrue(checker.check(e, obs(["a"])).passed)
        r = checker.check(dict(e, stderr=["Exiting"]), obs(["a"], ["Exiting"]))
        self.assertEqual(rules(r), ["absent"])
        r = checker.check(dict(e, stderr=[{"re": ".*"}]), obs(["a"], ["Error 3"]))
        self.assertEqual(rules(r), ["absent"])

    def test_exit_code(self):
        self.assertTrue(checker.check({"exit": 3}, obs(end={"kind": "exit", "code": 3})).passed)
        self.assertTrue(checker.check({"exit": {"code": 3}}, obs(end={"kind": "exit", "code": 3})).passed)
        r = checker.check({}, obs(end={"kind": "exit", "code": 1}))
        self.assertEqual(rules(r), ["exit"])
        self.assertIn("exited with status 1", r.violations[0].message)
        self.assertEqual(rules(checker.check({"exit": 2}, obs())), ["exit"])

    def test_signal_is_a_crash(self):
        r = checker.check({}, obs(end={"kind": "signal", "signal": "SIGSEGV"}))
        self.assertEqual(rules(r), ["crash"])
        self.assertIn("SIGSEGV", r.violations[0].message)

    def test_deadline(self):
        r = checker.check({}, obs(end={"kind": "deadline", "after": 25.0}))
        self.assertEqual(rules(r), ["deadline"])

    def test_running_after(self):
        e = {"exit": {"running_after": 4}}
        self.assertTrue(checker.check(e, obs(end={"kind": "running", "after": 0.4}), time_scale=0.1).passed)
        r = checker.check(e, obs(end=EXIT0), time_scale=0.1)
        self.assertEqual(rules(r), ["exit"])
        self.assertIn("still running", r.violations[0].message)
        # expecting an exit but the harness had to stop it
        self.assertEqual(rules(checker.check({}, obs(end={"kind": "running", "after": 1}))), ["exit"])

    def test_harness_problems_are_violations(self):
        r = checker.check({}, obs(problems=["the trace records 1 stdout line(s) the stream does not show"]))
        self.assertEqual(rules(r), ["trace"])

    def test_traceback_item(self):
        e = {"stderr": [{"traceback": "ValueError: boom"}]}
        ok = ["Traceback (most recent call last):", '  File "x", line 1, in <module>', "    raise", "ValueError: boom"]
        self.assertTrue(checker.check(e, obs([], ok)).passed)
        self.assertTrue(checker.check(e, obs([], [ok[0], ok[3]])).passed)
        self.assertFalse(checker.check(e, obs([], [ok[3], ok[0]])).passed)
        self.assertFalse(checker.check(e, obs([], ok[:3] + ["ValueError: other"])).passed)


class Mutations(unittest.TestCase):
    """Every change to a passing expectation must fail, naming the rule it breaks."""

    EXPECT = {
        "exit": 0,
        "stdout": [{"text": "start", "thread": "main", "id": "s"},
                   {"text": "w 0", "thread": "t"},
                   {"text": "w 1", "thread": "t[1]"},
                   {"text": "tick", "thread": "t", "count": 2},
                   {"text": "done", "thread": "main", "id": "d", "at": {"after": "s", "seconds": 1}}],
        "stderr": [{"re": "warn .*", "id": "warn"}],
        "order": [{"first": "s", "then": "warn"}],
        "absent": ["never"],
    }
    OBS = dict(stdout=[{"text": "start", "label": "main", "t": 0.0},
                       {"text": "w 1", "label": "t[1]", "t": 0.1},
                       {"text": "w 0", "label": "t[0]", "t": 0.2},
                       {"text": "tick", "label": "t[0]", "t": 0.3},
                       {"text": "tick", "label": "t[0]", "t": 0.4},
                       {"text": "done", "label": "main", "t": 1.0, "seq": 6}],
               stderr=[{"text": "warn x", "label": "t[0]", "t": 0.5, "seq": 5}])

    def test_unmutated_passes(self):
        r = checker.check(self.EXPECT, obs(**self.OBS))
        self.assertTrue(r.passed, [str(v) for v in r.violations])
        self.assertEqual(r.outcome_class, "allowed")   # w 1 before w 0

    def test_mutations(self):
        def item(e, stream, i):
            return e[stream][i]

        def swap(e):
            e["stdout"][3], e["stdout"][1] = e["stdout"][1], e["stdout"][3]

        table = [
            ("text changed", lambda e: item(e, "stdout", 1).update(text="w 9"), {"line", "unexpected"}),
            ("line removed", lambda e: e["stdout"].pop(2), {"unexpected"}),
            ("line added", lambda e: e["stdout"].append("extra"), {"line"}),
            ("count raised", lambda e: item(e, "stdout", 3).update(count=3), {"count"}),
            ("count lowered", lambda e: item(e, "stdout", 3).update(count=1), {"count"}),
            ("count range too high", lambda e: item(e, "stdout", 3).update(count="3..5"), {"count"}),
            ("same-label items swapped", swap, {"program-order"}),
            ("label changed", lambda e: item(e, "stdout", 1).update(thread="t[1]"), {"thread"}),
            ("label of main changed", lambda e: item(e, "stdout", 0).update(thread="t"), {"thread"}),
            ("order reversed", lambda e: e.update(order=[{"first": "warn", "then": "s"}]), {"order"}),
            ("order added", lambda e: e["order"].append({"first": "d", "then": "warn"}), {"order"}),
            ("timing changed", lambda e: item(e, "stdout", 4)["at"].update(seconds=3), {"timing"}),
            ("exit changed", lambda e: e.update(exit=1), {"exit"}),
            ("running expected", lambda e: e.update(exit={"running_after": 2}), {"exit"}),
            ("absent names a line", lambda e: e["absent"].append({"re": "tick"}), {"absent"}),
            ("regex narrowed", lambda e: item(e, "stderr", 0).update(re="warn y"), {"line", "unexpected"}),
            ("stream emptied", lambda e: e.pop("stderr"), {"unexpected"}),
        ]
        for name, mutate, want in table:
            with self.subTest(mutation=name):
                e = copy.deepcopy(self.EXPECT)
                mutate(e)
                r = checker.check(e, obs(**self.OBS))
                self.assertFalse(r.passed)
                self.assertEqual(r.outcome_class, "forbidden")
                got = set(rules(r))
                self.assertTrue(got & want, "%s: expected a violation of %s, got %s" % (name, want, got))
                self.assertTrue(got <= want | {"order", "timing"}, "%s: unexpected rules %s" % (name, got))
                for v in r.violations:
                    self.assertTrue(v.message)
                    self.assertIn("[%s]" % v.rule, str(v))

    def test_observation_mutations(self):
        """Changing what the run showed instead of the expectation."""
        def change(i, **kw):
            def f(o):
                o["stdout"][i] = dict(o["stdout"][i], **kw)
            return f
        table = [
            ("thread swapped", change(2, label="t[2]"), {"thread"}),
            ("done too late", change(5, t=2.0), {"timing"}),
            ("warn before start", lambda o: o["stderr"].__setitem__(0, dict(o["stderr"][0], seq=-1)), {"order"}),
            ("tick before w 0", lambda o: o["stdout"].insert(1, o["stdout"].pop(3)), {"program-order"}),
        ]
        for name, mutate, want in table:
            with self.subTest(mutation=name):
                o = copy.deepcopy(self.OBS)
                mutate(o)
                r = checker.check(self.EXPECT, obs(**o))
                self.assertEqual(set(rules(r)), want, [str(v) for v in r.violations])


class Helpers(unittest.TestCase):
    def test_format_outcome(self):
        self.assertEqual(checker.format_outcome(None), "(no consistent assignment)")
        self.assertEqual(checker.format_outcome((("stdout", ("a", "a", "b")), ("stderr", ()))), "stdout: a×2 → b")
        self.assertEqual(checker.format_outcome((("stdout", ()), ("stderr", ()))), "(no output)")

    def test_describe_end(self):
        self.assertEqual(obs(end={"kind": "signal", "signal": "SIGABRT"}).describe_end(), "killed by SIGABRT")
        self.assertIn("deadline", obs(end={"kind": "deadline", "after": 3}).describe_end())


if __name__ == "__main__":
    unittest.main()
