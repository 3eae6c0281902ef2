"""Property-based tests (hypothesis) of the loader and the checker, run by CTest as
tools.property with a Python that has hypothesis (Debian: python3-hypothesis):

- an output generated from an expectation (counts within range, each thread's lines in
  listed order, threads interleaved at random, traced or not) always passes;
- the checker agrees with a brute-force search on small random cases;
- random expectations and outputs never make the checker raise;
- random bytes and mutated scenario files never make the loader raise anything but a
  one-line ScenarioError.
Not named test_*.py: the tools.test_* CTest tests run without hypothesis."""

import os
import random
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsutil  # noqa: E402
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402
from threadspec_lib import checker, loader, matching  # noqa: E402
from threadspec_lib.checker import Line, Observation  # noqa: E402
from test_matching import brute_force  # noqa: E402

LABELS = [None, "t", "u", "main"]
TEXTS = ["a", "b", "ab", "x y", ""]
# a regex and a line it matches, built from a random suffix
REGEXES = [("a.*", lambda s: "a" + s), (r"\d+", lambda s: str(len(s) + 7)), (".*b", lambda s: s + "b")]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def expectation_and_output(draw):
    """(raw items, lines, traced): lines that a program could write for these items."""
    n = draw(st.integers(0, 6))
    raws, makers = [], []
    for _ in range(n):
        label = draw(st.sampled_from(LABELS))
        lo = draw(st.integers(0, 3))
        hi = lo + draw(st.integers(0, 3))
        raw = {"count": "%d..%d" % (lo, hi)}
        if draw(st.booleans()):
            text = draw(st.sampled_from(TEXTS))
            raw["text"] = text
            make = (lambda t: lambda s: t)(text)
        else:
            pattern, make = draw(st.sampled_from(REGEXES))
            raw["re"] = pattern
        if label:
            raw["thread"] = label
        raws.append(raw)
        makers.append((make, lo, hi, label))
    traced = draw(st.booleans())
    # each label's lines in listed order; unlabelled items' lines anywhere
    queues = {}
    for make, lo, hi, label in makers:
        k = draw(st.integers(lo, hi))
        texts = [make(draw(st.text("abc ", max_size=4))) for _ in range(k)]
        if label is None:
            for t in texts:
                queues[("any", len(queues))] = [(t, None)]
        else:
            queues.setdefault(label, []).extend((t, label) for t in texts)
    rng = random.Random(draw(st.integers(0, 2 ** 32)))
    lines = []
    pending = [q for q in queues.values() if q]
    while pending:
        q = rng.choice(pending)
        text, label = q.pop(0)
        full = None if label is None else (label if label == "main" else label + "[0]")
        lines.append(Line("stdout", len(lines), text, 0.01 * len(lines), label=full if traced else None,
                          seq=len(lines) if traced and full else None))
        pending = [q for q in pending if q]
    return raws, lines, traced


def observe(lines, traced):
    return Observation({"stdout": lines, "stderr": []}, {"kind": "exit", "code": 0}, 1.0, traced)


class Checker(unittest.TestCase):
    @SETTINGS
    @given(expectation_and_output())
    def test_outputs_generated_from_an_expectation_pass(self, case):
        raws, lines, traced = case
        r = checker.check({"stdout": raws}, observe(lines, traced))
        self.assertTrue(r.passed, [str(v) for v in r.violations])

    @SETTINGS
    @given(expectation_and_output(), st.data())
    def test_agrees_with_brute_force_after_a_mutation(self, case, data):
        raws, lines, traced = case
        if len(lines) > 7:
            lines = lines[:7]
        mutation = data.draw(st.sampled_from(["drop", "swap", "add", "relabel", "none"]))
        lines = list(lines)
        if mutation == "drop" and lines:
            lines.pop(data.draw(st.integers(0, len(lines) - 1)))
        elif mutation == "swap" and len(lines) > 1:
            i = data.draw(st.integers(0, len(lines) - 2))
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif mutation == "add":
            lines.append(Line("stdout", 0, data.draw(st.sampled_from(TEXTS)), 0))
        elif mutation == "relabel" and lines and traced:
            lines[0] = Line("stdout", 0, lines[0].text, 0, label=data.draw(st.sampled_from(["t[0]", "u[0]", "main"])),
                            seq=0)
        lines = [Line("stdout", i, l.text, 0.01 * i, label=l.label, seq=l.seq) for i, l in enumerate(lines)]
        items = checker.expand_items("stdout", raws)
        got = matching.assign(items, lines, matching.Matches(items, lines, traced))
        self.assertEqual(got.status == matching.OK, brute_force(items, lines, traced))

    @SETTINGS
    @given(st.lists(st.fixed_dictionaries({}, optional={
        "text": st.text(max_size=5), "re": st.sampled_from(["a*", ".", r"\w+", "(x|y)?z"]),
        "thread": st.sampled_from(["t", "main", "any", "u[1]"]),
        "count": st.one_of(st.integers(0, 5), st.sampled_from(["0..2", "1..1", "2..5"])),
        "traceback": st.text(max_size=5)}), max_size=6),
        st.lists(st.tuples(st.text(max_size=6), st.sampled_from([None, "t[0]", "main", "u[1]"])), max_size=12),
        st.booleans(), st.sampled_from(["stdout", "stderr"]))
    def test_random_expectations_and_outputs_never_raise(self, raws, texts, traced, stream):
        raws = [r if ("text" in r or "re" in r or "traceback" in r) else dict(r, text="") for r in raws]
        lines = [Line(stream, i, t, 0.01 * i, label=lab if traced else None, seq=i if traced and lab else None)
                 for i, (t, lab) in enumerate(texts)]
        obs = Observation({stream: lines}, {"kind": "exit", "code": 0}, 1.0, traced)
        r = checker.check({stream: raws, "absent": ["zz"]}, obs)
        for v in r.violations:
            self.assertNotIn("\n", v.message)
        self.assertIn(r.outcome_class, ("as in the document", "allowed", "forbidden"))


class Loader(unittest.TestCase):
    def load(self, data):
        fd, path = tempfile.mkstemp(suffix=".yaml")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            try:
                loader.load(path)
            except loader.ScenarioError as exc:
                self.assertNotIn("\n", str(exc))
                self.assertTrue(str(exc).startswith(path))
        finally:
            os.unlink(path)

    @SETTINGS
    @given(st.binary(max_size=400))
    def test_random_bytes(self, data):
        self.load(data)

    @SETTINGS
    @given(st.data())
    def test_mutated_scenarios(self, data):
        text = bytearray(tsutil.GOOD.encode())
        for _ in range(data.draw(st.integers(1, 4))):
            op = data.draw(st.sampled_from(["flip", "insert", "delete", "dup"]))
            i = data.draw(st.integers(0, len(text) - 1))
            if op == "flip":
                text[i] = data.draw(st.integers(0, 255))
            elif op == "insert":
                text[i:i] = data.draw(st.sampled_from([b"[", b"{", b"&a ", b"*a", b"9" * 30, b".nan", b"\t",
                                                       b"\x00", b"'", b"\n  - ", b": ", b"!!python/none"]))
            elif op == "delete":
                del text[i:i + data.draw(st.integers(1, 8))]
            else:
                j = data.draw(st.integers(i, len(text)))
                text[j:j] = text[i:j]
        self.load(bytes(text))


if __name__ == "__main__":
    unittest.main()
