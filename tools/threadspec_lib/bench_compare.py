"""`bench-compare`: two runs side by side, per benchmark and implementation, with a verdict
that tells a real difference from noise. Stdlib only."""

from .bench_render import fmt_time
from .bench_results import impl_sort_key, key_sort_key
from .bench_stats import ratio as _ratio


def compare(a, b, threshold=0.02):
    """Rows for every (benchmark, implementation) in both: medians, ratio B/A and a verdict.
    A difference is beyond noise when the [min, max] ranges of the two runs' repetitions do
    not overlap and the medians differ by more than `threshold` (relative); otherwise it is
    'within noise'. With one repetition on each side there is no noise estimate: the verdict
    then says so ('faster?' / 'slower?')."""
    rows = []
    for key in sorted({r["key"] for r in a.records} | {r["key"] for r in b.records}, key=key_sort_key):
        for impl in sorted({r["impl"] for r in a.records} | {r["impl"] for r in b.records}, key=impl_sort_key):
            ra, rb = a.get(key, impl), b.get(key, impl)
            if not ra and not rb:
                continue
            if not ra or not rb:
                rows.append({"key": key, "impl": impl, "a": ra and ra["median"], "b": rb and rb["median"],
                             "ratio": None, "verdict": "only in A" if ra else "only in B"})
                continue
            ratio = _ratio(rb["median"], ra["median"])
            disjoint = ra["max"] < rb["min"] or rb["max"] < ra["min"]
            single = (ra.get("repetitions") or 0) < 2 and (rb.get("repetitions") or 0) < 2
            if ratio is None or abs(ratio - 1.0) <= threshold or not disjoint:
                verdict = "within noise"
            else:
                verdict = "slower" if ratio > 1 else "faster"
                if single:
                    verdict += "?"
            rows.append({"key": key, "impl": impl, "a": ra["median"], "b": rb["median"], "ratio": ratio,
                         "a_range": [ra["min"], ra["max"]], "b_range": [rb["min"], rb["max"]], "verdict": verdict})
    return rows


def render_compare(rows, label_a, label_b):
    L = ["A = %s" % label_a, "B = %s" % label_b,
         "(medians; B/A < 1 means B is faster; 'within noise' when the min-max ranges of the repetitions overlap)", ""]
    w = max([len(r["key"]) for r in rows] + [9])
    wi = max([len(r["impl"]) for r in rows] + [14])
    L.append("%-*s  %-*s  %12s  %12s  %7s  %s" % (w, "benchmark", wi, "implementation", "A", "B", "B/A", "verdict"))
    for r in rows:
        L.append("%-*s  %-*s  %12s  %12s  %7s  %s" % (
            w, r["key"], wi, r["impl"], fmt_time(r["a"]) if r["a"] is not None else "-",
            fmt_time(r["b"]) if r["b"] is not None else "-",
            "%.3f" % r["ratio"] if r["ratio"] is not None else "-", r["verdict"]))
    counts = {}
    for r in rows:
        counts[r["verdict"].rstrip("?")] = counts.get(r["verdict"].rstrip("?"), 0) + 1
    L.append("")
    L.append(", ".join("%d %s" % (v, k) for k, v in sorted(counts.items())))
    return "\n".join(L) + "\n"
