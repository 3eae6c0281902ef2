"""The performance targets of `threadspec bench`, read from bench/targets.yaml and checked by
a few generic rules against one run's medians (so every ratio compares numbers measured in
the same run). PyYAML (safe loading) for the file; the rules are stdlib only.

Rules (fields in the file; `impl` is a variant name such as pythreading, `baseline` another
variant or `reference_python`, the CPython the run compares with):
  ratio    benchmark, impl, baseline, max and/or min: median(impl) / median(baseline). When
           `benchmark` names a family measured with arguments (BM_SpawnJoinBatch), the bound
           must hold for every argument measured for both implementations.
  time     benchmark, impl, max_ns: the median itself.
  flat     benchmark, impl, max: largest / smallest median over the family's arguments.
  linear   benchmark, impl, min_r2: least-squares line through the family's medians against
           its argument, R^2 at least min_r2 and a positive slope.
  speedup  benchmark, impl, from, to, min: median at argument `from` / median at `to`; the
           note lists the same speed-up of every other implementation measured.
Every target may carry `note` (shown in the table). A target whose numbers are missing from
the run is "not measured" (met = None).
"""

import os

import yaml

from .bench_render import fmt_ratio, fmt_time
from .bench_results import BenchError, impl_sort_key, parse_name
from .bench_stats import linear_fit, ratio

DEFAULT_TARGETS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                               "bench", "targets.yaml")

_NUMBER = (int, float)
RULES = {
    # rule: ({required field: type}, {optional field: type})
    "ratio": ({"benchmark": str, "impl": str, "baseline": str}, {"max": _NUMBER, "min": _NUMBER, "note": str}),
    "time": ({"benchmark": str, "impl": str, "max_ns": _NUMBER}, {"note": str}),
    "flat": ({"benchmark": str, "impl": str, "max": _NUMBER}, {"note": str}),
    "linear": ({"benchmark": str, "impl": str, "min_r2": _NUMBER}, {"note": str}),
    "speedup": ({"benchmark": str, "impl": str, "from": int, "to": int, "min": _NUMBER}, {"note": str}),
}


# ----------------------------------------------------------------------------------------
# Loading

def _lines(node, path, out):
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            _lines(v, path + (k.value,), out)
            out[path + (k.value,)] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, path + (i,), out)


def _field(path):
    out = ""
    for p in path:
        out += "[%d]" % p if isinstance(p, int) else ("." + p if out else p)
    return out


def load_targets(path=DEFAULT_TARGETS):
    """The targets of `path` as a list of dicts (id, rule and the rule's fields). Raises
    BenchError naming the file, line and field of the first problem."""
    try:
        with open(path) as f:
            text = f.read()
    except (OSError, IOError) as exc:
        raise BenchError("%s: cannot read: %s" % (path, exc))
    lines = {}
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _lines(node, (), lines)
        doc = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise BenchError("%s:%s: invalid YAML: %s" % (path, mark.line + 1 if mark else "?", exc.problem or exc))
    except yaml.YAMLError as exc:
        raise BenchError("%s: invalid YAML: %s" % (path, exc))
    finally:
        loader.dispose()

    def fail(where, message):
        probe = tuple(where)
        while probe not in lines and probe:
            probe = probe[:-1]
        raise BenchError("%s:%s (%s): %s" % (path, lines.get(probe, 1), _field(where) or "top level", message))

    if not isinstance(doc, dict) or set(doc) != {"targets"} or not isinstance(doc["targets"], list):
        fail((), "the file must be a mapping with one key, targets: a list")
    seen = set()
    out = []
    for i, t in enumerate(doc["targets"]):
        where = ("targets", i)
        if not isinstance(t, dict):
            fail(where, "a target must be a mapping")
        for key in ("id", "rule"):
            if not isinstance(t.get(key), str) or not t.get(key):
                fail(where + (key,), "missing or not a string")
        if t["id"] in seen:
            fail(where + ("id",), "duplicate id %r" % t["id"])
        seen.add(t["id"])
        if t["rule"] not in RULES:
            fail(where + ("rule",), "unknown rule %r (one of %s)" % (t["rule"], ", ".join(sorted(RULES))))
        required, optional = RULES[t["rule"]]
        for key, typ in required.items():
            if key not in t:
                fail(where, "rule %s needs the field %r" % (t["rule"], key))
        for key, value in t.items():
            if key in ("id", "rule"):
                continue
            typ = required.get(key) or optional.get(key)
            if typ is None:
                fail(where + (key,), "unknown field for rule %s" % t["rule"])
            if isinstance(value, bool) or not isinstance(value, typ):
                fail(where + (key,), "must be %s" % ("a number" if typ is _NUMBER else
                                                      "an integer" if typ is int else "a string"))
        if t["rule"] == "ratio" and "max" not in t and "min" not in t:
            fail(where, "rule ratio needs max or min")
        out.append(dict(t))
    return out


# ----------------------------------------------------------------------------------------
# Evaluation

def _impl(res, name):
    return res.reference_python() if name == "reference_python" else name


def _within(value, t):
    return (("max" not in t or value <= t["max"]) and ("min" not in t or value >= t["min"]))


def _bound_text(t):
    parts = []
    if "min" in t:
        parts.append(">= %g" % t["min"])
    if "max" in t:
        parts.append("<= %g" % t["max"])
    return " and ".join(parts)


def _ratio_target(res, t):
    impl, base = t["impl"], _impl(res, t["baseline"])
    base_label = base or ("CPython (none measured)" if t["baseline"] == "reference_python" else t["baseline"])
    family, _, args = parse_name(t["benchmark"])
    pairs = []  # (args, ratio, impl median, baseline median)
    if base:
        if args or (res.get(t["benchmark"], impl) and res.get(t["benchmark"], base)):
            a, b = res.median(t["benchmark"], impl), res.median(t["benchmark"], base)
            if a is not None and b is not None:
                pairs.append((args, ratio(a, b), a, b))
        else:
            mine, theirs = res.family_medians(family, impl), res.family_medians(family, base)
            for key in sorted(set(mine) & set(theirs)):
                pairs.append((key, ratio(mine[key], theirs[key]), mine[key], theirs[key]))
    per_arg = bool(pairs) and any(p[0] for p in pairs) and not args
    if per_arg:
        text = "%s/%s/N %s x %s/%s/N, every N" % (family, impl, _bound_text(t), family, base_label)
    else:
        text = "%s/%s %s x %s/%s" % (t["benchmark"], impl, _bound_text(t), t["benchmark"], base_label)
    if not pairs or any(p[1] is None for p in pairs):
        return text, None, None, "not measured"
    worst = max(pairs, key=lambda p: p[1]) if "max" in t else min(pairs, key=lambda p: p[1])
    met = all(_within(p[1], t) for p in pairs)
    if per_arg:
        measured = "%s at N=%s (%s)" % (fmt_ratio(worst[1]), "/".join(str(a) for a in worst[0]),
                                        ", ".join("%s: %s" % ("/".join(str(a) for a in p[0]), fmt_ratio(p[1]))
                                                  for p in pairs))
    else:
        measured = "%s (%s vs %s)" % (fmt_ratio(worst[1]), fmt_time(worst[2]), fmt_time(worst[3]))
    return text, worst[1], met, measured


def _time_target(res, t):
    text = "%s/%s <= %g ns" % (t["benchmark"], t["impl"], t["max_ns"])
    m = res.median(t["benchmark"], t["impl"])
    if m is None:
        return text, None, None, "not measured"
    return text, m, m <= t["max_ns"], fmt_time(m)


def _series(res, t):
    return sorted((k[0], v) for k, v in res.family_medians(t["benchmark"], t["impl"]).items() if len(k) == 1)


def _flat_target(res, t):
    series = _series(res, t)
    if len(series) < 2:
        return "%s flat (largest / smallest median <= %g)" % (t["benchmark"], t["max"]), None, None, "not measured"
    text = "%s flat from %d to %d (largest / smallest median <= %g)" % (t["benchmark"], series[0][0],
                                                                        series[-1][0], t["max"])
    spread = ratio(max(v for _, v in series), min(v for _, v in series))
    return text, spread, spread <= t["max"], "%s (%s at %d, %s at %d)" % (
        fmt_ratio(spread), fmt_time(series[0][1]), series[0][0], fmt_time(series[-1][1]), series[-1][0])


def _linear_target(res, t):
    text = "%s linear in its argument (least-squares R^2 >= %g)" % (t["benchmark"], t["min_r2"])
    series = _series(res, t)
    fit = linear_fit(series) if len(series) >= 3 else None
    if not fit:
        return text, None, None, "not measured"
    a, b, r2 = fit
    return text, r2, r2 >= t["min_r2"] and b > 0, "R^2 %.3f, %s per unit + %s" % (r2, fmt_time(b), fmt_time(a))


def _speedup(res, family, impl, lo, hi):
    m = res.family_medians(family, impl)
    return ratio(m.get((lo,)), m.get((hi,)))


def _speedup_target(res, t):
    lo, hi = t["from"], t["to"]
    text = "%s/%d >= %gx faster than %s/%d (%s)" % (t["benchmark"], hi, t["min"], t["benchmark"], lo, t["impl"])
    sp = _speedup(res, t["benchmark"], t["impl"], lo, hi)
    others = []
    for impl in sorted({r["impl"] for r in res.records if r["family"] == t["benchmark"]}, key=impl_sort_key):
        o = _speedup(res, t["benchmark"], impl, lo, hi)
        if impl != t["impl"] and o is not None:
            others.append("%s %.2fx" % (impl, o))
    note = ("others: " + ", ".join(others)) if others else ""
    if sp is None:
        return text, None, None, "not measured", note
    return text, sp, sp >= t["min"], "%.2fx" % sp, note


def _complexity_note(res, family):
    c = res.complexity.get(family)
    if not c:
        return ""
    rc = c.get("real_coefficient")
    return "Google Benchmark fit: %s, coefficient %s, RMS %s" % (
        c.get("big_o"), fmt_time(rc) if isinstance(rc, (int, float)) else rc,
        ("%.0f%%" % (100 * c["rms"])) if isinstance(c.get("rms"), (int, float)) else "?")


_EVALUATORS = {"ratio": _ratio_target, "time": _time_target, "flat": _flat_target, "linear": _linear_target,
               "speedup": _speedup_target}


def evaluate_targets(res, targets):
    """Each target checked against the run: {id, target, value, met (True/False/None),
    measured, note}."""
    out = []
    for t in targets:
        got = _EVALUATORS[t["rule"]](res, t)
        text, value, met, measured = got[:4]
        notes = [n for n in (got[4] if len(got) > 4 else "", t.get("note", ""),
                             _complexity_note(res, t["benchmark"]) if t["rule"] in ("flat", "linear") else "") if n]
        out.append({"id": t["id"], "target": text, "value": value, "met": met, "measured": measured,
                    "note": "; ".join(notes)})
    return out
