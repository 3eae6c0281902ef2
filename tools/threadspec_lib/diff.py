"""`threadspec diff A.json B.json`: what changed between two results (two implementations,
two Python versions, two machines).

Per scenario: the verdict change, the normalized output difference (idents, native ids,
addresses, times and file paths replaced by placeholders; lines compared as multisets per
stream, since interleavings legitimately differ), and the orderings seen only on one side
(outcomes compared as sets). Only verdict changes that no expectations file declares make
the exit status non-zero: a scenario that is expected-fail or skipped on one side is a
declared difference.
"""

import collections
import json
import re

from .report import RESULTS_SCHEMA

_NORMALIZERS = [
    (re.compile(r'File "[^"]*", line \d+'), 'File "<file>", line <n>'),
    (re.compile(r"(?:[A-Za-z]:)?(?:/[^\s:/]+)+\.(?:py|cpp|hpp|h|cc):\d+"), "<file>:<n>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "0x<addr>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?"), "<datetime>"),
    (re.compile(r"\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<time>"),
    (re.compile(r"\b\d{3,}\b"), "<id>"),
]
_FRAME = re.compile(r"^  ")
DECLARED = ("expected-fail", "skip")


class DiffError(Exception):
    pass


def normalize(line):
    for rx, repl in _NORMALIZERS:
        line = rx.sub(repl, line)
    return line


def load_results(path):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (IOError, OSError) as exc:
        raise DiffError("%s: cannot read: %s" % (path, exc.strerror))
    except ValueError as exc:
        raise DiffError("%s: not JSON: %s" % (path, exc))
    if not isinstance(doc, dict) or doc.get("schema") != RESULTS_SCHEMA:
        raise DiffError("%s: not a threadspec results file (schema %r)" % (path, RESULTS_SCHEMA))
    return doc


def label(doc):
    """'pypy 7.3.11 (Python 3.9.16)', 'cpython 3.11.7', 'literal-cpython 3.11.7'."""
    impl = doc["implementation"]
    release = impl.get("release") or impl.get("version")
    language = impl.get("language") or impl.get("emulates")
    text = "%s %s" % (impl.get("name") or impl.get("kind"), release)
    if language and language != release:
        text += " (Python %s)" % language
    return text


def _multiset(sample, stream):
    """Normalized lines; each run of indented lines (traceback frames, a warning's source
    line) counts as one "  <frames>" line, since implementations differ in their frames."""
    out = collections.Counter()
    previous_indented = False
    for line in (sample or {}).get(stream, []):
        indented = bool(_FRAME.match(line))
        if indented and not previous_indented:
            out["  <frames>"] += 1
        elif not indented:
            out[normalize(line)] += 1
        previous_indented = indented
    return out


def compare(a, b):
    """A list of per-scenario differences: dicts with id, kind, declared, message, details."""
    sa = {s["id"]: s for s in a["scenarios"] if s.get("id")}
    sb = {s["id"]: s for s in b["scenarios"] if s.get("id")}
    out = []
    for sid in sorted(set(sa) | set(sb)):
        x, y = sa.get(sid), sb.get(sid)
        if x is None or y is None:
            out.append({"id": sid, "kind": "missing", "declared": False,
                        "message": "only in %s" % ("A" if y is None else "B")})
            continue
        vx, vy = x["verdict"], y["verdict"]
        declared = vx in DECLARED or vy in DECLARED
        if vx != vy:
            reason = y.get("reason") if vy in DECLARED else x.get("reason") if vx in DECLARED else None
            out.append({"id": sid, "kind": "verdict", "declared": declared,
                        "message": "%s → %s%s" % (vx, vy, (": " + reason) if reason else ""),
                        "details": {"A": x.get("violations", []), "B": y.get("violations", [])}})
        if "sample" in x and "sample" in y:
            for stream in ("stdout", "stderr"):
                mx, my = _multiset(x["sample"], stream), _multiset(y["sample"], stream)
                if mx != my:
                    out.append({"id": sid, "kind": "output", "declared": declared or vx == vy == "pass",
                                "message": "%s differs (normalized, order ignored)" % stream,
                                "details": {"only A": sorted((mx - my).elements()),
                                            "only B": sorted((my - mx).elements())}})
            ex, ey = x["sample"].get("end"), y["sample"].get("end")
            if ex != ey and not (ex and ey and ex.get("kind") == ey.get("kind") == "running"):
                out.append({"id": sid, "kind": "exit", "declared": declared or vx == vy == "pass",
                            "message": "end differs: %s vs %s" % (json.dumps(ex), json.dumps(ey))})
        ox = {o["outcome"] for o in x.get("outcomes", []) if o["class"] != "forbidden"}
        oy = {o["outcome"] for o in y.get("outcomes", []) if o["class"] != "forbidden"}
        if ox != oy and ox and oy:
            out.append({"id": sid, "kind": "orderings", "declared": True,
                        "message": "allowed orderings seen differ (both allowed by the scenario)",
                        "details": {"only A": sorted(ox - oy), "only B": sorted(oy - ox)}})
    return out


def render(a, b, diffs, show_info=True):
    lines = ["A: %s (%s)" % (label(a), a["host"].get("hostname")),
             "B: %s (%s)" % (label(b), b["host"].get("hostname"))]
    undeclared = [d for d in diffs if not d["declared"]]
    for d in diffs:
        if d["declared"] and not show_info:
            continue
        mark = "DIFF    " if not d["declared"] else ("declared" if d["kind"] == "verdict" else "info    ")
        lines.append("%s %-40s %-9s %s" % (mark, d["id"], d["kind"], d["message"]))
        for key, vals in (d.get("details") or {}).items():
            if vals:
                shown = [v if isinstance(v, str) else v.get("message", json.dumps(v)) for v in vals][:8]
                lines.append("           %s: %s" % (key, json.dumps(shown, ensure_ascii=False)))
    lines.append("%d difference(s) beyond the declared ones, %d declared or informational" %
                 (len(undeclared), len(diffs) - len(undeclared)))
    return "\n".join(lines)
