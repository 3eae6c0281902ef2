"""The matching of lines to items (threadspec_lib/matching.py) against a brute-force
enumeration of every assignment on small random cases, its search budget, and its
linear behaviour on large outputs (the sizes of bench-checker, a tenth of them)."""

import itertools
import os
import random
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsutil  # noqa: E402,F401
from threadspec_lib import checkbench, checker, matching  # noqa: E402
from threadspec_lib.checker import Line, Observation  # noqa: E402


def brute_force(items, lines, traced):
    """True when some assignment satisfies texts, labels, counts and program order."""
    cands = []
    for ln in lines:
        cs = [k for k, it in enumerate(items) if it.matches(ln.text)
              and not (traced and it.label and it.label != ln.label)]
        if not cs:
            return False
        cands.append(cs)
    for choice in itertools.product(*cands):
        counts = [0] * len(items)
        last = {}
        ok = True
        for k in choice:
            counts[k] += 1
            key = items[k].order
            if key is not None:
                if last.get(key, -1) > k:
                    ok = False
                    break
                last[key] = k
        if ok and all(it.lo <= c <= it.hi for it, c in zip(items, counts)):
            return True
    return False


def valid(items, lines, traced, choice):
    """The same rules, on one given assignment."""
    counts = [0] * len(items)
    last = {}
    for ln, k in zip(lines, choice):
        it = items[k]
        if not it.matches(ln.text) or (traced and ln.label and it.label and it.label != ln.label):
            return False
        counts[k] += 1
        if it.order is not None:
            if last.get(it.order, -1) > k:
                return False
            last[it.order] = k
    return all(it.lo <= c <= it.hi for it, c in zip(items, counts))


def random_case(rng):
    texts = ["a", "b", "ab"]
    raws = []
    for _ in range(rng.randint(0, 5)):
        raw = {}
        if rng.random() < 0.3:
            raw["re"] = rng.choice(["a.*", ".*b", "a|b", ".+"])
        else:
            raw["text"] = rng.choice(texts)
        label = rng.choice([None, None, "t", "u", "main"])
        if label:
            raw["thread"] = label
        lo = rng.randint(0, 2)
        raw["count"] = "%d..%d" % (lo, lo + rng.randint(0, 2))
        if rng.random() < 0.1:
            raw = {"traceback": "a", "thread": label} if label else {"traceback": "a"}
        raws.append(raw)
    traced = rng.random() < 0.5
    lines = []
    for i in range(rng.randint(0, 7)):
        label = rng.choice([None, "t[0]", "u[0]", "main"]) if traced else None
        text = rng.choice(texts + ["Traceback (most recent call last):", "  frame"])
        lines.append(Line("stdout", i, text, 0.01 * i, label=label, seq=i if label else None))
    return raws, lines, traced


class AgainstBruteForce(unittest.TestCase):
    def test_random_cases(self):
        rng = random.Random(20261124)
        for n in range(3000):
            raws, lines, traced = random_case(rng)
            items = checker.expand_items("stdout", raws)
            with self.subTest(case=n, raws=raws, lines=[(l.text, l.label) for l in lines], traced=traced):
                got = matching.assign(items, lines, matching.Matches(items, lines, traced))
                self.assertNotEqual(got.status, matching.AMBIGUOUS)
                self.assertEqual(got.status == matching.OK, brute_force(items, lines, traced))
                if got.status == matching.OK:
                    self.assertTrue(valid(items, lines, traced, got.choice))

    def test_earliest_item_first_within_a_group(self):
        items = checker.expand_items("stdout", [{"re": "x.", "thread": "t", "count": "1..3"},
                                                {"re": "x.", "thread": "t", "count": "1..3"}])
        lines = [Line("stdout", i, "x%d" % i, 0) for i in range(4)]
        got = matching.assign(items, lines, matching.Matches(items, lines, False))
        self.assertEqual(got.choice, [0, 0, 0, 1])


class Budget(unittest.TestCase):
    def test_genuinely_ambiguous_is_reported_not_searched_forever(self):
        # 8 threads print the same text with different ids; untraced, which thread wrote
        # which line is unknown, and the last line fits none: every split is tried.
        raws = [{"text": "x", "thread": "t%d" % j, "id": "x%d" % j, "count": "0..3"} for j in range(8)]
        raws += [{"text": "end", "thread": "t%d" % j, "id": "end%d" % j, "count": "0..1"} for j in range(8)]
        lines = ["x"] * 20 + ["end"] * 8 + ["x"] * 5
        obs = Observation({"stdout": [Line("stdout", i, t, 0.01 * i) for i, t in enumerate(lines)], "stderr": []},
                          {"kind": "exit", "code": 0}, 1.0, False)
        t0 = time.monotonic()
        r = checker.check({"stdout": raws}, obs, budget=2000)
        self.assertLess(time.monotonic() - t0, 10)
        self.assertEqual([v.rule for v in r.violations], ["ambiguous"])
        self.assertTrue(r.violations[0].message.startswith("ambiguous: stdout: "))
        self.assertIsNone(r.outcome)
        self.assertEqual(r.outcome_class, "forbidden")

    def test_overlapping_ranges_fail_fast(self):
        for label in ("main", None):
            raws = [dict({"re": "x.*", "count": "0..5"}, **({"thread": label} if label else {})) for _ in range(6)]
            lines = [Line("stdout", i, "x%d" % i, 0, label=label, seq=i) for i in range(31)]
            obs = Observation({"stdout": lines, "stderr": []}, {"kind": "exit", "code": 0}, 1.0, True)
            t0 = time.monotonic()
            r = checker.check({"stdout": raws}, obs)
            self.assertLess(time.monotonic() - t0, 1.0)
            self.assertEqual([v.rule for v in r.violations], ["count"])
            self.assertIn("31 lines, but the expected items allow at most 30", r.violations[0].message)


class LargeOutputs(unittest.TestCase):
    def test_every_benchmark_case_gets_its_verdict(self):
        for name, target, expect, obs, passes in checkbench.cases(0.1):
            with self.subTest(case=name):
                r = checker.check(expect, obs)
                self.assertEqual(r.passed, passes, [str(v) for v in r.violations][:3])

    def test_deep_outputs_need_no_recursion(self):
        n = 3 * sys.getrecursionlimit()
        lines = [Line("stdout", i, "l%d" % i, 0, label="main", seq=i) for i in range(n)]
        obs = Observation({"stdout": lines, "stderr": []}, {"kind": "exit", "code": 0}, 1.0, True)
        r = checker.check({"stdout": [{"re": r"l\d+", "thread": "main", "count": "0..%d" % n}]}, obs)
        self.assertTrue(r.passed)

    def test_failures_on_large_outputs_are_bounded(self):
        lines = [Line("stdout", i, "junk %d" % i, 0) for i in range(5000)]
        obs = Observation({"stdout": lines, "stderr": []}, {"kind": "exit", "code": 0}, 1.0, False)
        r = checker.check({"stdout": ["a"]}, obs)
        self.assertLessEqual(len(r.violations), 50)
        self.assertIn("more violations", r.violations[-1].message)
        self.assertLessEqual(len(r.violations[0].seen), 21)
        self.assertIn("more]", r.violations[0].seen[10])


if __name__ == "__main__":
    unittest.main()
