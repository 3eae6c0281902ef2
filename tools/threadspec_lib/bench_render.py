"""Rendering of a benchmark run: the Markdown table (targets, ratios, every result) and the
SVG picture (spawn + join per implementation, batch cost per thread). Stdlib only."""

import math

from .bench_results import CROSS_LANGUAGE, parse_name
from .bench_stats import ratio as _ratio


def fmt_ratio(r):
    return "n/a" if r is None else ("%.2fx" % r if r >= 0.1 else "%.3gx" % r)


def fmt_time(ns):
    if ns is None or (isinstance(ns, float) and math.isnan(ns)):
        return "n/a"
    a = abs(ns)
    if a >= 1e9:
        return "%.3g s" % (ns / 1e9)
    if a >= 1e6:
        return "%.3g ms" % (ns / 1e6)
    if a >= 1e3:
        return "%.3g us" % (ns / 1e3)
    return "%.3g ns" % ns


# ----------------------------------------------------------------------------------------
# Rendering: Markdown table, results JSON, SVG

def markdown(res, targets, context, errors=()):
    L = []
    L.append("# threadspec bench: thread overhead")
    L.append("")
    L.append("%s on %s (%s cores), Linux %s; %s %s; Google Benchmark %s. Load average at start %s.%s" % (
        context.get("date", "?"), context.get("cpu_model", "?"), context.get("cores", "?"),
        context.get("kernel", "?"), context.get("compiler", "?"), context.get("cxx_flags", "").strip(),
        context.get("benchmark_version", "?"), context.get("load_avg_start", "?"),
        " **Quick (smoke) mode: numbers are not meaningful.**" if context.get("quick") else ""))
    L.append("Times are real (wall-clock) time per iteration: median of the repetitions, and their min and max.")
    L.append("")
    L.append("## Targets")
    L.append("")
    L.append("| target | measured | result | note |")
    L.append("|---|---|---|---|")
    for t in targets:
        verdict = "not measured" if t["met"] is None else ("met" if t["met"] else "**missed**")
        L.append("| %s | %s | %s | %s |" % (t["target"], t["measured"], verdict, t.get("note", "")))
    L.append("")
    ref = res.reference_python()
    L.append("## Ratios")
    L.append("")
    L.append("pythreading against the raw C++ baseline of each benchmark, and against %s." % (ref or "CPython (none measured)"))
    L.append("")
    L.append("| benchmark | pythreading | raw baseline | pythreading / raw | %s | pythreading / %s |" %
             (ref or "CPython", ref or "CPython"))
    L.append("|---|---:|---|---:|---:|---:|")
    for key in res.keys():
        pt = res.median(key, "pythreading")
        if pt is None:
            continue
        base = res.raw_baseline(key)
        bm = res.median(key, base) if base else None
        family = parse_name(key)[0]
        py = res.median(key, ref) if ref and family in CROSS_LANGUAGE else None
        L.append("| %s | %s | %s | %s | %s | %s |" % (
            key, fmt_time(pt), ("%s %s" % (base, fmt_time(bm))) if base else "", fmt_ratio(_ratio(pt, bm)),
            fmt_time(py) if py is not None else "", fmt_ratio(_ratio(pt, py)) if py is not None else ""))
    L.append("")
    L.append("## All results")
    L.append("")
    L.append("| benchmark | implementation | median | min | max | repetitions |")
    L.append("|---|---|---:|---:|---:|---:|")
    for key in res.keys():
        for impl in res.impls():
            r = res.get(key, impl)
            if r:
                L.append("| %s | %s | %s | %s | %s | %s |" % (key, impl, fmt_time(r["median"]), fmt_time(r["min"]),
                                                            fmt_time(r["max"]), r["repetitions"] or "?"))
    if errors:
        L.append("")
        L.append("## Errors")
        L.append("")
        for e in errors:
            L.append("- %s (%s): %s" % (e.get("key"), e.get("impl"), e.get("error")))
    L.append("")
    L.append("BM_CpuBound does a fixed amount of work in each language; compare its rows within one "
             "implementation only (the speed-up from 1 to 2 threads), not across languages.")
    return "\n".join(L) + "\n"


def _esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39"]


def _nice_max(v):
    if v <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * e >= v:
            return m * e
    return 10 * e


def svg_plot(res, title="threadspec bench"):
    """Two panels: spawn+join cost per implementation (bars with min-max whiskers) and
    BM_SpawnJoinBatch cost per thread against the number of threads (lines, log2 x axis)."""
    W, H = 960, 440
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="sans-serif" font-size="11">' % (W, H, W, H),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="18" font-size="14" text-anchor="middle">%s</text>' % (W // 2, _esc(title))]
    colors = {}
    for i, impl in enumerate(res.impls()):
        colors[impl] = PALETTE[i % len(PALETTE)]
    # Panel 1: bars.
    px, py, pw, ph = 150, 50, 290, 330
    bars = [(impl, res.get("BM_SpawnJoin", impl)) for impl in res.impls() if res.get("BM_SpawnJoin", impl)]
    out.append('<text x="%d" y="40" font-size="12" text-anchor="middle">BM_SpawnJoin: start + join one thread '
               '(median, min-max)</text>' % (px + pw // 2))
    if bars:
        vmax = _nice_max(max(r["max"] for _, r in bars))
        bh = ph / float(len(bars))
        for i in range(5):
            v = vmax * i / 4.0
            x = px + pw * v / vmax
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (x, py, x, py + ph))
            out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (x, py + ph + 14, _esc(fmt_time(v))))
        for i, (impl, r) in enumerate(bars):
            y = py + i * bh
            w = pw * r["median"] / vmax
            out.append('<rect x="%d" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>' % (
                px, y + bh * 0.15, w, bh * 0.7, colors[impl], _esc(impl), _esc(fmt_time(r["median"]))))
            x0, x1 = px + pw * r["min"] / vmax, px + pw * r["max"] / vmax
            out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>' % (x0, y + bh / 2, x1, y + bh / 2))
            out.append('<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>' % (
                px - 6, y + bh / 2, _esc(impl)))
            out.append('<text x="%.1f" y="%.1f" dominant-baseline="middle" font-size="10">%s</text>' % (
                max(x1, px + w) + 4, y + bh / 2, _esc(fmt_time(r["median"]))))
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (px, py, px, py + ph))
    else:
        out.append('<text x="%d" y="%d" text-anchor="middle">no BM_SpawnJoin results</text>' % (px + pw // 2, py + 50))
    # Panel 2: lines.
    qx, qy, qw, qh = 560, 50, 360, 330
    out.append('<text x="%d" y="40" font-size="12" text-anchor="middle">BM_SpawnJoinBatch: start N threads, join '
               'all (median per thread)</text>' % (qx + qw // 2))
    lines = []
    for impl in res.impls():
        s = [(n, t / n) for n, t in res.family_series("BM_SpawnJoinBatch", impl) if n > 0]
        if s:
            lines.append((impl, s))
    if lines:
        ns = sorted({n for _, s in lines for n, _ in s})
        lx0, lx1 = math.log(ns[0], 2), math.log(ns[-1], 2)
        span = (lx1 - lx0) or 1.0
        vmax = _nice_max(max(t for _, s in lines for _, t in s))

        def X(n):
            return qx + qw * (math.log(n, 2) - lx0) / span

        def Y(t):
            return qy + qh - qh * t / vmax

        for i in range(5):
            v = vmax * i / 4.0
            out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (qx, Y(v), qx + qw, Y(v)))
            out.append('<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>' % (
                qx - 4, Y(v), _esc(fmt_time(v))))
        for n in ns:
            out.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (X(n), qy + qh + 14, n))
        out.append('<text x="%d" y="%d" text-anchor="middle">threads per batch (N)</text>' % (qx + qw // 2, qy + qh + 30))
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (qx, qy + qh, qx + qw, qy + qh))
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (qx, qy, qx, qy + qh))
        for j, (impl, s) in enumerate(lines):
            pts = " ".join("%.1f,%.1f" % (X(n), Y(t)) for n, t in s)
            out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>' % (pts, colors[impl]))
            for n, t in s:
                out.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%s N=%d: %s per thread</title>'
                           '</circle>' % (X(n), Y(t), colors[impl], _esc(impl), n, _esc(fmt_time(t))))
            ly = qy + 8 + 14 * j
            out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>' % (
                qx + qw - 150, ly, qx + qw - 130, ly, colors[impl]))
            out.append('<text x="%d" y="%d" dominant-baseline="middle">%s</text>' % (qx + qw - 126, ly, _esc(impl)))
    else:
        out.append('<text x="%d" y="%d" text-anchor="middle">no BM_SpawnJoinBatch results</text>' % (qx + qw // 2, qy + 50))
    out.append("</svg>")
    return "\n".join(out) + "\n"
