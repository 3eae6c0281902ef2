"""The checker of specs/README.md section 7: an observation against expectations.

An Observation is what one run showed: the lines of each stream (text, time read, and when
the run had a trace: label, thread name, trace time, sequence number) and how it ended.
check() returns a Result: violations (empty means pass) and the outcome (which item each
line was assigned to, per stream), classified as in the document / allowed / forbidden.
"""

import collections
import itertools
import json
import re

from . import limits, matching
from .loader import normalize_label, parse_count

STREAMS = ("stdout", "stderr")
# Added to every timing tolerance after scaling: the scheduling noise of a loaded machine
# does not shrink with the time scale (spec 5.1).
SCHEDULING_ALLOWANCE = 0.05


class Line(object):
    __slots__ = ("stream", "index", "text", "t", "label", "thread", "seq")

    def __init__(self, stream, index, text, t, label=None, thread=None, seq=None):
        self.stream, self.index, self.text, self.t = stream, index, text, t
        self.label, self.thread, self.seq = label, thread, seq

    def where(self):
        return "%s line %d" % (self.stream, self.index + 1)

    def to_json(self):
        out = {"text": self.text, "t": round(self.t, 4)}
        if self.label is not None:
            out["label"] = self.label
        if self.thread is not None:
            out["thread"] = self.thread
        return out


class Observation(object):
    """How one run ended and what it wrote.

    end is one of {"kind": "exit", "code": N}, {"kind": "signal", "signal": "SIGSEGV"},
    {"kind": "running", "after": S} (killed on purpose at running_after) or
    {"kind": "deadline", "after": S} (killed because it hung).
    """

    def __init__(self, lines, end, duration, traced, problems=(), overflow=(), ordered=None):
        self.lines = lines            # {"stdout": [Line], "stderr": [Line]}
        self.end = end
        self.duration = duration
        self.traced = traced          # True when the lines carry trace labels
        # True when a line's trace `seq` gives its write order (every traced run, and
        # literal mode's order-only trace): lines with one are ordered by it across streams
        self.ordered = traced if ordered is None else ordered
        self.problems = list(problems)  # harness-level problems (trace mismatch...)
        self.overflow = list(overflow)  # output beyond the harness's limits

    def describe_end(self):
        kind = self.end["kind"]
        if kind == "exit":
            return "exited with status %d" % self.end["code"]
        if kind == "signal":
            return "killed by %s" % self.end["signal"]
        if kind == "running":
            return "still running after %.2f s" % self.end["after"]
        return "still running at the deadline (%.2f s), killed" % self.end["after"]


class Violation(object):
    def __init__(self, rule, message, expected=None, seen=None):
        self.rule, self.message, self.expected, self.seen = rule, message, expected, seen

    def to_json(self):
        out = {"rule": self.rule, "message": self.message}
        if self.expected is not None:
            out["expected"] = self.expected
        if self.seen is not None:
            out["seen"] = self.seen
        return out

    def __str__(self):
        return "[%s] %s" % (self.rule, self.message)


class Item(object):
    def __init__(self, stream, index, raw):
        self.stream, self.index = stream, index
        if isinstance(raw, str):
            raw = {"text": raw}
        self.raw = raw
        self.text = raw.get("text")
        self.regex = re.compile(raw["re"]) if "re" in raw else None
        self.label = normalize_label(raw.get("thread"))   # the thread that writes it
        self.order = self.label   # items with one order key keep their listed order
        self.lo, self.hi = parse_count(raw.get("count"))
        self.id = raw.get("id")
        self.at = raw.get("at")
        self._name = None

    def matches(self, text):
        return self.text == text if self.regex is None else self.regex.fullmatch(text) is not None

    def matcher_key(self):
        return ("text", self.text) if self.regex is None else ("re", self.regex.pattern)

    def describe(self):
        what = repr(self.text) if self.regex is None else "/%s/" % self.regex.pattern
        if self.label:
            what += " from %s" % self.label
        if (self.lo, self.hi) != (1, 1):
            what += " ×%s" % (self.lo if self.lo == self.hi else "%d..%d" % (self.lo, self.hi))
        return what

    def name(self):
        """How the item appears in an outcome: its id, else its text (or pattern), shortened."""
        if self._name is None:
            self._name = self._make_name()
        return self._name

    def _make_name(self):
        if self.id:
            return self.id
        if self.regex is None:
            text, mark = self.text, ""
        else:   # the literal parts of the pattern, marked with ~
            text = re.sub(r"\\[dDsSwW]|[\^$.*+?()\[\]{}|]", "", self.regex.pattern).replace("\\", "").strip(": ")
            mark = "~"
        return mark + json.dumps(text if len(text) <= 40 else text[:37] + "...", ensure_ascii=False)


def expand_items(stream, raws):
    """Items of a stream listing, with each `traceback: LAST` item expanded into its three
    parts (spec 5.1): the header line, 0..200 indented frame lines, the last line. The
    three share a private label so they keep their order."""
    items = []
    for i, raw in enumerate(raws):
        if isinstance(raw, dict) and "traceback" in raw:
            common = dict((k, v) for k, v in raw.items() if k in ("thread",))
            tb_label = "traceback#%d" % i
            parts = [dict(common, text="Traceback (most recent call last):"),
                     dict(common, re=r"  .*", count="0..200"),
                     dict(raw, text=raw["traceback"])]
            for part in parts:
                part.pop("traceback", None)
                it = Item(stream, len(items), part)
                it.order = it.label or tb_label
                items.append(it)
        else:
            items.append(Item(stream, len(items), raw))
    return items


class Result(object):
    def __init__(self, violations, outcome, in_document_order):
        self.violations = violations
        self.outcome = outcome              # hashable signature of the assignment, or None
        self.in_document_order = in_document_order

    @property
    def passed(self):
        return not self.violations

    @property
    def outcome_class(self):
        if self.violations:
            return "forbidden"
        return "as in the document" if self.in_document_order else "allowed"


def _diagnose(stream, items, lines, matches, traced):
    """Explain why no assignment exists, most basic problem first. Linear in the lines
    (each distinct text was matched once); at most MAX_VIOLATIONS violations."""
    out = []
    expected = limits.clip_list([it.describe() for it in items])
    seen = limits.clip_list([ln.text for ln in lines])
    by_text = matches.by_text
    for ln, ks in zip(lines, by_text):
        if not ks:
            out.append(Violation("unexpected", "%s: %r matches no expected line" % (ln.where(), limits.clip_text(ln.text)),
                                 expected, seen))
    matched = [0] * len(items)
    multiplicity = collections.Counter(ln.text for ln in lines)
    for text, ks in matches.per_text.items():
        for k in ks:
            matched[k] += multiplicity[text]
    for it in items:
        c = matched[it.index]
        if c < it.lo:
            out.append(Violation("line" if it.lo == 1 and c == 0 else "count",
                                 "%s: expected %s, seen %d such line%s" % (stream, it.describe(), c, "" if c == 1 else "s"),
                                 expected, seen))
    if out:
        return _bounded(out)
    for it in items:
        c = matched[it.index]
        # too many lines, and no other item could take any of them
        if c > it.hi and all(ks == (it.index,) for ks in matches.per_text.values() if it.index in ks):
            out.append(Violation("count", "%s: expected %s, seen %d such lines" % (stream, it.describe(), c),
                                 expected, seen))
    if traced:
        for ln, ks in zip(lines, by_text):
            labels = [items[k].label for k in ks]
            if labels and all(lab and lab != ln.label for lab in labels):
                if ln.label:
                    writer = "%s (%s)" % (ln.label, ln.thread)
                elif ln.seq is not None:
                    writer = "a thread no step labelled (%s)" % ln.thread
                else:
                    writer = "no thread the trace names (the line has no trace event)"
                out.append(Violation("thread", "%s: %r was written by %s, expected %s" %
                                     (ln.where(), limits.clip_text(ln.text), writer,
                                      " or ".join(sorted(set(labels)))),
                                     expected, seen))
    if out:
        return _bounded(out)
    capacity = sum(it.hi for it in items)
    if len(lines) > capacity:
        return [Violation("count", "%s: %d lines, but the expected items allow at most %d" % (stream, len(lines), capacity),
                          expected, seen)]
    # Program order: a line that only a later item of a label can take, written before a
    # line that only an earlier item of the same label can take: the earliest such line,
    # and the first line after it that breaks the order.
    only = [ks[0] if len(ks) == 1 and items[ks[0]].order else None for ks in by_text]
    suffix_min = {}
    first_bad = None
    for idx in range(len(lines) - 1, -1, -1):
        k = only[idx]
        if k is None:
            continue
        key = items[k].order
        low = suffix_min.get(key)
        if low is not None and low < k:
            first_bad = idx
        if low is None or k < low:
            suffix_min[key] = k
    if first_bad is not None:
        a, ka = lines[first_bad], only[first_bad]
        ia = items[ka]
        for idx in range(first_bad + 1, len(lines)):
            kb = only[idx]
            if kb is not None and items[kb].order == ia.order and kb < ka:
                b, ib = lines[idx], items[kb]
                return [Violation("program-order",
                                  "%s: %s must come before %s (both from %s), but %s was written first (%s, %s)" %
                                  (stream, ib.describe(), ia.describe(), ia.label or "one traceback",
                                   repr(limits.clip_text(a.text)), a.where(), b.where()),
                                  expected, seen)]
    return [Violation("program-order", "%s: no assignment of the lines to the expected items keeps each "
                      "thread's lines in the listed order and within their counts" % stream, expected, seen)]


def _bounded(violations):
    """At most MAX_VIOLATIONS violations: the first ones, and one that counts the rest."""
    if len(violations) <= limits.MAX_VIOLATIONS:
        return violations
    kept = violations[:limits.MAX_VIOLATIONS - 1]
    rest = collections.Counter(v.rule for v in violations[len(kept):])
    kept.append(Violation(rest.most_common(1)[0][0], "and %d more violations (%s)" %
                          (len(violations) - len(kept), ", ".join("%d %s" % (n, r) for r, n in sorted(rest.items())))))
    return kept


def _before(a, b, ordered):
    """True when line a was written before line b: by the trace's order when both lines
    have a `seq` and the run is ordered, else by stream index, else by time."""
    if ordered and a.seq is not None and b.seq is not None:
        return a.seq < b.seq
    if a.stream == b.stream:
        return a.index < b.index
    return a.t < b.t


def _first_late(first, then, ordered):
    """The first pair (a in first, b in then) where a was not written before b, or None.
    Linear: for each b, the latest line of `first` by each clock decides."""
    if not first or not then:
        return None
    with_seq = [a.seq for a in first if ordered and a.seq is not None]
    max_seq = max(with_seq) if with_seq else None
    # lines compared by stream index or time: every line of first when b has no seq,
    # else only those without one
    def extremes(pool):
        idx, tmax = {}, {}
        for a in pool:
            idx[a.stream] = max(idx.get(a.stream, -1), a.index)
            tmax[a.stream] = max(tmax.get(a.stream, float("-inf")), a.t)
        return idx, tmax
    all_ext = extremes(first)
    unseq_ext = extremes([a for a in first if not (ordered and a.seq is not None)])
    for b in then:
        b_seq = ordered and b.seq is not None
        idx, tmax = unseq_ext if b_seq else all_ext
        late = b_seq and max_seq is not None and max_seq >= b.seq
        late = late or idx.get(b.stream, -1) >= b.index
        late = late or any(t >= b.t for s, t in tmax.items() if s != b.stream)
        if late:
            for a in first:
                if not _before(a, b, ordered):
                    return a, b
    return None


def check(expect, obs, time_scale=1.0, budget=matching.SEARCH_BUDGET):
    """Check an Observation against effective expectations. Returns a Result."""
    violations = []
    # 1. exit
    want = expect.get("exit", 0)
    end = obs.end
    if isinstance(want, dict) and "running_after" in want:
        if end["kind"] != "running":
            violations.append(Violation("exit", "expected the program to be still running after %.2f s (scaled), "
                                        "but it %s" % (want["running_after"] * time_scale, obs.describe_end()),
                                        "running after %g s" % want["running_after"], obs.describe_end()))
    else:
        code = want["code"] if isinstance(want, dict) else want
        if end["kind"] == "deadline":
            violations.append(Violation("deadline", "the program %s; expected exit status %d" % (obs.describe_end(), code),
                                        "exit %d" % code, obs.describe_end()))
        elif end["kind"] == "signal":
            violations.append(Violation("crash", "the program was %s; expected exit status %d" % (obs.describe_end(), code),
                                        "exit %d" % code, obs.describe_end()))
        elif end["kind"] != "exit" or end["code"] != code:
            violations.append(Violation("exit", "expected exit status %d, but the program %s" % (code, obs.describe_end()),
                                        "exit %d" % code, obs.describe_end()))
    for problem in obs.problems:
        violations.append(Violation("trace", limits.clip_text(problem)))
    for problem in getattr(obs, "overflow", ()):
        violations.append(Violation("output", limits.clip_text(problem)))

    # 2. matching per stream
    by_id = {}
    timed = []     # (item with `at`, its lines): an item needs no id of its own to be timed
    signature = []
    in_order = True
    for stream in STREAMS:
        items = expand_items(stream, expect.get(stream, []))
        lines = obs.lines.get(stream, [])
        matches = matching.Matches(items, lines, obs.traced)
        found = matching.assign(items, lines, matches, budget)
        if found.status == matching.AMBIGUOUS:
            violations.append(Violation(
                "ambiguous", "ambiguous: %s: %d lines could be assigned to the expected items in too many ways "
                "to search (gave up after %d steps); give the items thread labels or distinct texts" %
                (stream, found.lines, found.steps)))
            continue
        if found.status == matching.NONE:
            violations.extend(_diagnose(stream, items, lines, matches, obs.traced))
            continue
        choice = found.choice
        signature.append((stream, tuple(items[k].name() for k in choice)))
        if any(b < a for a, b in zip(choice, choice[1:])):
            in_order = False
        mine = [[] for _ in items]
        for line, k in zip(lines, choice):
            mine[k].append(line)
        for it in items:
            if it.id:
                by_id[it.id] = (it, mine[it.index])
            if it.at:
                timed.append((it, mine[it.index]))

    # 3. order and timing, on the chosen assignment
    for rule in expect.get("order", []):
        if rule["first"] not in by_id or rule["then"] not in by_id:
            continue   # its stream failed to match; already reported
        (fa, first), (ta, then) = by_id[rule["first"]], by_id[rule["then"]]
        late = _first_late(first, then, obs.ordered)
        if late:
            a, b = late
            violations.append(Violation("order", "%s (%s) must be written before %s (%s), but %r (%s) came after %r (%s)" %
                                        (rule["first"], fa.describe(), rule["then"], ta.describe(),
                                         limits.clip_text(a.text), a.where(), limits.clip_text(b.text), b.where())))
    timing = []
    for me, mine in timed:
        at = me.at
        if at["after"] not in by_id:
            continue
        _, refs = by_id[at["after"]]
        if not mine or not refs:
            continue
        tol = at.get("tolerance", max(0.25 * at["seconds"], 0.2)) * time_scale + SCHEDULING_ALLOWANCE
        want_gap = at["seconds"] * time_scale
        for line in mine:
            gap = line.t - refs[0].t
            if abs(gap - want_gap) > tol:
                timing.append(Violation("timing", "%s: %r came %.3f s after %r; expected %.3f s ± %.3f s (scaled)" %
                                        (line.where(), limits.clip_text(line.text), gap, limits.clip_text(refs[0].text),
                                         want_gap, tol),
                                        "%.3f s" % want_gap, "%.3f s" % gap))
    violations.extend(_bounded(timing))

    # 4. absent
    absent = []
    for m in expect.get("absent", []):
        if isinstance(m, str):
            m = {"text": m}
        rx = re.compile(m["re"]) if "re" in m else None
        hit = {}
        for stream in STREAMS:
            for line in obs.lines.get(stream, []):
                if line.text not in hit:
                    hit[line.text] = rx.fullmatch(line.text) is not None if rx else line.text == m["text"]
                if hit[line.text]:
                    absent.append(Violation("absent", "%s: %r must not appear" % (line.where(), limits.clip_text(line.text)),
                                            "absent", limits.clip_text(line.text)))
    violations.extend(_bounded(absent))

    outcome = tuple(signature) if len(signature) == len(STREAMS) else None
    return Result(_bounded(violations), outcome, in_order)


def format_outcome(outcome):
    """A readable one-line form of an outcome signature."""
    if outcome is None:
        return "(no consistent assignment)"
    parts = []
    for stream, names in outcome:
        if names:
            runs = [(name, len(list(group))) for name, group in itertools.groupby(names)]
            shown = limits.clip_list([n if c == 1 else "%s×%d" % (n, c) for n, c in runs])
            parts.append("%s: %s" % (stream, " → ".join(shown)))
    return "; ".join(parts) or "(no output)"
