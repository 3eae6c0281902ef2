"""`threadspec matrix`: scenarios by implementations, as a Markdown table and a
self-contained HTML page.

Both show each implementation's totals and pass rate first, then the rows where the
implementations disagree, then the others. The page filters rows (only differences, by
tag, by status) and each cell expands to its violations, the orderings seen and the
output. Verdicts are words and ASCII marks on coloured cells, so the page reads the same
without emoji fonts."""

import html
import json

from . import versions
from .diff import label

VERDICTS = ("pass", "fail", "expected-fail", "skip", "error")
_WORD = {"pass": "PASS", "fail": "FAIL", "expected-fail": "XFAIL", "skip": "SKIP", "error": "ERROR"}
_MARK = {"pass": "+", "fail": "x", "expected-fail": "~", "skip": "-", "error": "!"}
_COLOR = {"pass": "#cdeccd", "fail": "#f7c4c4", "expected-fail": "#fbe7b0", "skip": "#e4e4e4", "error": "#f2c2e6"}


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


class Row(object):
    """One scenario across the columns: its cells (a scenario result or None), its tags,
    and whether the implementations disagree on it."""

    def __init__(self, sid, cells):
        self.id, self.cells = sid, cells
        present = [c for c in cells if c is not None]
        self.tags = sorted({t for c in present for t in c.get("tags", [])})
        self.verdicts = {c["verdict"] for c in present}
        self.differs = len(self.verdicts) > 1 or len(present) < len(cells)


def rows(docs):
    """Rows, those where the implementations disagree first, each group by id."""
    ids = sorted({s["id"] for d in docs for s in d["scenarios"] if s.get("id")})
    by_col = [{s["id"]: s for s in d["scenarios"] if s.get("id")} for d in docs]
    out = [Row(sid, [col.get(sid) for col in by_col]) for sid in ids]
    return sorted(out, key=lambda r: (not r.differs, r.id))


def totals(doc):
    """(counts by verdict, pass rate): the rate is passed / run, where expected-fail counts
    as run and skipped scenarios do not."""
    c = dict((v, doc["summary"].get(v, 0)) for v in VERDICTS)
    run = c["pass"] + c["fail"] + c["expected-fail"] + c["error"]
    return c, (c["pass"] / float(run) if run else None)


def _rate(rate):
    return "n/a" if rate is None else "%.0f%%" % (100 * rate)


def _cell_text(s):
    return "%s %s" % (_MARK[s["verdict"]], _WORD[s["verdict"]])


def markdown(docs):
    heads = [label(d) for d in docs]
    out = ["| implementation | pass rate | pass | fail | xfail | skip | error |", "|---|---|---|---|---|---|---|"]
    for d, head in zip(docs, heads):
        c, rate = totals(d)
        out.append("| %s | %s | %d | %d | %d | %d | %d |" % (head, _rate(rate), c["pass"], c["fail"], c["expected-fail"],
                                                          c["skip"], c["error"]))
    all_rows = rows(docs)
    out.append("")
    out.append("%d scenarios, %d where the implementations differ (listed first). Marks: + pass, x fail, "
               "~ expected fail (declared), - skipped, ! error." % (len(all_rows), sum(r.differs for r in all_rows)))
    out.append("")
    out.append("| scenario | " + " | ".join(heads) + " |")
    out.append("|---|" + "---|" * len(docs))
    for r in all_rows:
        cells = []
        for s in r.cells:
            if s is None:
                cells.append("—")
                continue
            cell = _cell_text(s)
            if s["verdict"] != "pass" and (s.get("reason") or s.get("violations")):
                why = s.get("reason") or s["violations"][0]["message"]
                cell += " <sub>%s</sub>" % why.replace("|", "\\|").replace("\n", " ")[:120]
            cells.append(cell)
        out.append("| `%s`%s | %s |" % (r.id, " (differs)" if r.differs else "", " | ".join(cells)))
    return "\n".join(out) + "\n"


def _detail(s):
    parts = []
    if s.get("reason"):
        parts.append("<p class='reason'>%s</p>" % html.escape(s["reason"]))
    if s.get("violations"):
        parts.append("<ul class='violations'>" + "".join(
            "<li><b>%s</b> %s</li>" % (html.escape(v["rule"]), html.escape(v["message"])) for v in s["violations"]) +
            "</ul>")
    if s.get("outcomes"):
        trs = "".join("<tr><td>%d</td><td class='c-%s'>%s</td><td><code>%s</code></td></tr>" %
                      (o["count"], o["class"].replace(" ", "-"), html.escape(o["class"]), html.escape(o["outcome"]))
                      for o in s["outcomes"])
        parts.append("<table class='hist'><tr><th>runs</th><th>class</th><th>ordering seen</th></tr>%s</table>" % trs)
    sample = s.get("first_failure") or s.get("sample")
    if sample:
        for stream in ("stdout", "stderr"):
            if sample.get(stream):
                parts.append("<div>%s</div><pre>%s</pre>" % (stream, html.escape("\n".join(sample[stream][-30:]))))
        parts.append("<div>end: <code>%s</code></div>" % html.escape(json.dumps(sample.get("end"))))
    return "".join(parts) or "<p>no details</p>"


_SCRIPT = """
function applyFilters() {
  var only = document.getElementById('only-diff').checked;
  var tag = document.getElementById('tag').value;
  var status = document.getElementById('status').value;
  var shown = 0;
  document.querySelectorAll('tr.row').forEach(function (tr) {
    var ok = (!only || tr.dataset.differs === '1') &&
             (!tag || (' ' + tr.dataset.tags + ' ').indexOf(' ' + tag + ' ') >= 0) &&
             (!status || (' ' + tr.dataset.verdicts + ' ').indexOf(' ' + status + ' ') >= 0);
    tr.style.display = ok ? '' : 'none';
    if (ok) shown++;
  });
  document.getElementById('shown').textContent = shown;
}
document.querySelectorAll('#only-diff, #tag, #status').forEach(function (el) {
  el.addEventListener('change', applyFilters);
});
// The filters may come in the address: matrix.html?only=differences&tag=daemon&status=fail
var params = new URLSearchParams(window.location.search);
if (params.get('only') === 'differences') document.getElementById('only-diff').checked = true;
if (params.get('tag')) document.getElementById('tag').value = params.get('tag');
if (params.get('status')) document.getElementById('status').value = params.get('status');
applyFilters();
"""

_STYLE = """
body{font-family:sans-serif;margin:1.5em;color:#111}
table{border-collapse:collapse}
td,th{border:1px solid #aaa;padding:3px 6px;vertical-align:top;font-size:13px}
th.id{text-align:left;font-family:monospace;font-weight:normal;white-space:nowrap}
tr.differs th.id{font-weight:bold}
tr.differs th.id::after{content:" \\2260";color:#b00}
td.v summary{cursor:pointer;font-family:monospace;font-weight:bold;white-space:nowrap}
td.pass{background:#cdeccd}td.fail{background:#f7c4c4}td.expected-fail{background:#fbe7b0}
td.skip{background:#e4e4e4;color:#555}td.error{background:#f2c2e6}td.missing{color:#888}
pre{background:#f6f6f6;padding:4px;max-width:60em;overflow:auto;font-size:12px}
table.hist td{border:0}.c-forbidden{color:#b00}.c-allowed{color:#a60}.c-as-in-the-document{color:#070}
.filters{margin:1em 0;padding:.5em;background:#f3f3f3;border:1px solid #ccc}
.filters label{margin-right:1.5em}
table.totals td{text-align:right}
"""


def html_page(docs, title="threadspec matrix"):
    all_rows = rows(docs)
    heads = "".join("<th>%s<br><small>%s</small></th>" % (html.escape(label(d)),
                                                          html.escape(d.get("host", {}).get("hostname", "")))
                    for d in docs)
    total_rows = []
    for d in docs:
        c, rate = totals(d)
        total_rows.append("<tr><th class='id'>%s</th><td><b>%s</b></td>%s</tr>" % (
            html.escape(label(d)), _rate(rate), "".join("<td class='%s'>%d</td>" % (v, c[v]) for v in VERDICTS)))
    body = []
    for r in all_rows:
        cells = []
        for s in r.cells:
            if s is None:
                cells.append("<td class='missing'>not run</td>")
                continue
            v = s["verdict"]
            runs = " %d/%d" % (s["runs"] - s["failed_runs"], s["runs"]) if s.get("runs", 0) > 1 else ""
            cells.append("<td class='v %s'><details><summary>%s%s</summary>%s</details></td>" %
                         (v, html.escape(_cell_text(s)), runs, _detail(s)))
        body.append("<tr class='row%s' data-differs='%d' data-tags='%s' data-verdicts='%s'><th class='id'>%s</th>%s</tr>"
                    % (" differs" if r.differs else "", int(r.differs), html.escape(" ".join(r.tags)),
                       " ".join(sorted(r.verdicts)), html.escape(r.id), "".join(cells)))
    tags = sorted({t for r in all_rows for t in r.tags})
    tag_options = "".join("<option value='%s'>%s</option>" % (html.escape(t), html.escape(t)) for t in tags)
    status_options = "".join("<option value='%s'>%s</option>" % (v, _WORD[v]) for v in VERDICTS)
    n_diff = sum(r.differs for r in all_rows)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>%(title)s</title><style>%(style)s</style></head>"
        "<body><h1>%(title)s</h1>"
        "<h2>Implementations</h2><table class='totals'><tr><th>implementation</th><th>pass rate</th>%(vheads)s</tr>"
        "%(totals)s</table><p>Pass rate: passed / run (expected-fail counts as run, skipped does not).</p>"
        "<h2>Scenarios</h2><p>%(n)d scenarios; <b>%(ndiff)d</b> where the implementations differ, listed first "
        "(marked &#8800;). Marks: + PASS, x FAIL, ~ XFAIL (a declared difference), - SKIP, ! ERROR. Click a cell for "
        "its violations, the orderings seen and its output. The filters can be given in the address: "
        "<code>?only=differences&amp;tag=TAG&amp;status=fail</code>.</p>"
        "<div class='filters'><label><input type='checkbox' id='only-diff'> only differences</label>"
        "<label>tag <select id='tag'><option value=''>any</option>%(tags)s</select></label>"
        "<label>status <select id='status'><option value=''>any</option>%(statuses)s</select></label>"
        "<span>showing <b id='shown'>%(n)d</b> rows</span></div>"
        "<table id='matrix'><tr><th>scenario</th>%(heads)s</tr>%(body)s</table>"
        "<script>%(script)s</script></body></html>\n" % {
            "title": html.escape(title), "style": _STYLE, "vheads": "".join("<th>%s</th>" % _WORD[v] for v in VERDICTS),
            "totals": "".join(total_rows), "n": len(all_rows), "ndiff": n_diff, "tags": tag_options,
            "statuses": status_options, "heads": heads, "body": "".join(body), "script": _SCRIPT})
