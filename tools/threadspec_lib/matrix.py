"""`threadspec matrix`: scenarios by implementations, as a Markdown table and a
self-contained HTML page whose cells expand to the violations and orderings seen."""

import html
import json

from . import versions
from .diff import label

_SYMBOL = {"pass": "✅ pass", "fail": "❌ fail", "expected-fail": "⚠️ xfail", "skip": "⏭ skip", "error": "💥 error"}
_COLOR = {"pass": "#d4f7d4", "fail": "#ffd1d1", "expected-fail": "#fff2c2", "skip": "#e8e8e8", "error": "#ffb3e6"}


def ordered(docs):
    """Columns: the C++ implementation first, then CPython by version, PyPy, Jython, the
    others; literal mode after the steps."""
    def key(d):
        impl = d["implementation"]
        try:
            v = versions.parse_version(impl.get("language") or impl.get("emulates") or impl.get("version") or "0")
        except ValueError:
            v = (0,)
        rank = {"cpp": 0, "cpython": 1, "pypy": 2, "jython": 3}.get(impl.get("name"), 4)
        return (d.get("mode", "") == "literal", rank, impl.get("name") or "", v, impl.get("release") or "")
    return sorted(docs, key=key)


def _cells(docs):
    ids = sorted({s["id"] for d in docs for s in d["scenarios"] if s.get("id")})
    table = {}
    for col, d in enumerate(docs):
        for s in d["scenarios"]:
            if s.get("id"):
                table[(s["id"], col)] = s
    return ids, table


def markdown(docs):
    ids, table = _cells(docs)
    heads = [label(d) for d in docs]
    out = ["| scenario | " + " | ".join(heads) + " |", "|---|" + "---|" * len(docs)]
    for sid in ids:
        row = []
        for col in range(len(docs)):
            s = table.get((sid, col))
            if s is None:
                row.append("—")
                continue
            cell = _SYMBOL[s["verdict"]]
            if s["verdict"] != "pass" and (s.get("reason") or s.get("violations")):
                why = s.get("reason") or s["violations"][0]["message"]
                cell += " <sub>%s</sub>" % why.replace("|", "\\|").replace("\n", " ")[:120]
            row.append(cell)
        out.append("| `%s` | %s |" % (sid, " | ".join(row)))
    totals = []
    for d in docs:
        c = d["summary"]
        totals.append("%d pass, %d fail, %d xfail, %d skip, %d error" %
                      (c["pass"], c["fail"], c["expected-fail"], c["skip"], c["error"]))
    out.append("| **total** | " + " | ".join(totals) + " |")
    return "\n".join(out) + "\n"


def _detail(s):
    parts = []
    if s.get("reason"):
        parts.append("<p>%s</p>" % html.escape(s["reason"]))
    if s.get("violations"):
        parts.append("<ul>" + "".join("<li><b>%s</b> %s</li>" % (html.escape(v["rule"]), html.escape(v["message"]))
                                      for v in s["violations"]) + "</ul>")
    if s.get("outcomes"):
        rows = "".join("<tr><td>%d</td><td class='c-%s'>%s</td><td><code>%s</code></td></tr>" %
                       (o["count"], o["class"].replace(" ", "-"), html.escape(o["class"]), html.escape(o["outcome"]))
                       for o in s["outcomes"])
        parts.append("<table class='hist'><tr><th>runs</th><th>class</th><th>ordering</th></tr>%s</table>" % rows)
    sample = s.get("first_failure") or s.get("sample")
    if sample:
        for stream in ("stdout", "stderr"):
            if sample.get(stream):
                parts.append("<div>%s</div><pre>%s</pre>" % (stream, html.escape("\n".join(sample[stream][-30:]))))
        parts.append("<div>end: <code>%s</code></div>" % html.escape(json.dumps(sample.get("end"))))
    return "".join(parts)


def html_page(docs, title="threadspec matrix"):
    ids, table = _cells(docs)
    head = "".join("<th>%s<br><small>%s</small></th>" % (html.escape(label(d)), html.escape(d["host"].get("hostname", "")))
                   for d in docs)
    rows = []
    for sid in ids:
        cells = []
        for col in range(len(docs)):
            s = table.get((sid, col))
            if s is None:
                cells.append("<td>—</td>")
                continue
            v = s["verdict"]
            runs = " (%d/%d)" % (s["runs"] - s["failed_runs"], s["runs"]) if s.get("runs", 0) > 1 else ""
            cells.append("<td style='background:%s'><details><summary>%s%s</summary>%s</details></td>" %
                         (_COLOR[v], html.escape(_SYMBOL[v]), runs, _detail(s)))
        rows.append("<tr><th class='id'>%s</th>%s</tr>" % (html.escape(sid), "".join(cells)))
    style = ("body{font-family:system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}"
             "td,th{border:1px solid #bbb;padding:4px 8px;vertical-align:top;font-size:13px}"
             "th.id{text-align:left;font-family:monospace}pre{background:#f6f6f6;padding:4px;max-width:60em;"
             "overflow:auto}table.hist td{border:0}.c-forbidden{color:#b00}.c-allowed{color:#a60}"
             ".c-as-in-the-document{color:#070}summary{cursor:pointer}")
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>%s</title><style>%s</style></head><body>"
            "<h1>%s</h1><p>Scenarios by implementation. Click a cell for its violations, the orderings seen "
            "(as in the document / allowed / forbidden) and its output.</p><table><tr><th>scenario</th>%s</tr>%s</table>"
            "</body></html>\n" % (html.escape(title), style, html.escape(title), head, "".join(rows)))
