"""The matrix (matrix.py): totals and pass rates, rows where implementations differ first,
the page's filters, expandable cells, no emoji; and the page in headless Chromium (where
Chromium is installed; tools/setup installs it): a screenshot and a DOM check that the
"only differences" filter hides the rows where the implementations agree."""

import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tsutil import TempDir  # noqa: E402
from threadspec_lib import matrix, report  # noqa: E402


def scenario(sid, verdict, tags=("t",), **extra):
    s = {"id": sid, "verdict": verdict, "runs": 1, "failed_runs": int(verdict == "fail"), "tags": list(tags),
         "violations": [], "outcomes": []}
    s.update(extra)
    return s


def doc(name, release, language, scenarios):
    summary = {v: sum(1 for s in scenarios if s["verdict"] == v) for v in report.VERDICTS}
    return {"schema": report.RESULTS_SCHEMA, "mode": "steps", "host": {"hostname": "h"}, "summary": summary,
            "implementation": {"name": name, "release": release, "language": language, "version": release,
                               "emulates": language},
            "scenarios": scenarios}


FAILED = scenario("b/differs", "fail", tags=("daemon",),
                  violations=[{"rule": "line", "message": "stdout: expected 'x', seen 0 such lines"}],
                  outcomes=[{"outcome": "stdout: a → b", "count": 1, "class": "forbidden"}],
                  sample={"stdout": ["y"], "stderr": [], "end": {"kind": "exit", "code": 0}})
DOCS = [doc("pypy", "7.3.11", "3.9.16", [scenario("a/agrees", "pass"), FAILED, scenario("c/agrees-too", "skip")]),
        doc("cpython", "3.9.16", "3.9.16", [scenario("a/agrees", "pass"), scenario("b/differs", "pass", tags=("daemon",)),
                                            scenario("c/agrees-too", "skip")]),
        doc("cpp", "0.1.0", "3.13.0", [scenario("a/agrees", "pass"), scenario("b/differs", "expected-fail",
                                                                             tags=("daemon",), reason="declared"),
                                       scenario("c/agrees-too", "skip")])]


class Tables(unittest.TestCase):
    def test_order_totals_and_differences_first(self):
        docs = matrix.ordered(DOCS)
        self.assertEqual([d["implementation"]["name"] for d in docs], ["cpp", "cpython", "pypy"])
        self.assertEqual([(r.id, r.differs) for r in matrix.rows(docs)],
                         [("b/differs", True), ("a/agrees", False), ("c/agrees-too", False)])
        counts, rate = matrix.totals(docs[2])
        self.assertEqual((counts["pass"], counts["fail"], counts["skip"], rate), (1, 1, 1, 0.5))
        md = matrix.markdown(docs).splitlines()
        self.assertEqual(md[0], "| implementation | pass rate | pass | fail | xfail | skip | error |")
        self.assertEqual(md[2], "| cpp 0.1.0 (Python 3.13.0) | 50% | 1 | 0 | 1 | 1 | 0 |")
        self.assertEqual(md[4], "| pypy 7.3.11 (Python 3.9.16) | 50% | 1 | 1 | 0 | 1 | 0 |")
        rows = [line for line in md if line.startswith("| `")]
        self.assertTrue(rows[0].startswith("| `b/differs` (differs) | ~ XFAIL <sub>declared</sub> | + PASS | x FAIL"))

    def test_page_is_ascii_marks_filters_and_details(self):
        page = matrix.html_page(matrix.ordered(DOCS))
        self.assertFalse(re.search("[\U0001F300-\U0001FAFF\u2600-\u27BF]", page), "emoji on the page")
        for needed in ("id='only-diff'", "id='tag'", "id='status'", "<option value='daemon'>daemon</option>",
                       "data-differs='1'", "data-verdicts='expected-fail fail pass'", "<details><summary>x FAIL",
                       "<b>line</b> stdout: expected &#x27;x&#x27;, seen 0 such lines", "stdout: a → b"):
            self.assertIn(needed, page)


def _chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser(unittest.TestCase):
    """The page in a real browser. Without Chromium this is skipped with the reason printed."""

    def setUp(self):
        self.chromium = _chromium()
        if self.chromium is None:
            print("\ntest_matrix.Browser: skipped: chromium is not installed (tools/setup installs it)")
            self.skipTest("chromium is not installed (tools/setup installs it)")
        self.tmp = TempDir()
        self.page = self.tmp.write("matrix.html", matrix.html_page(matrix.ordered(DOCS)))

    def tearDown(self):
        self.tmp.cleanup()

    def chromium_run(self, *args, query=""):
        profile = self.tmp.join("profile-%d" % len(os.listdir(self.tmp.path)))
        argv = [self.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile] + list(args) + ["file://" + self.page + query]
        return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                              universal_newlines=True)

    def rows(self, dom):
        """{scenario id: shown} from the DOM after the page's script ran."""
        return {m.group(2): "display: none" not in m.group(1)
                for m in re.finditer(r"(<tr class=\"row[^>]*>)<th class=\"id\">([^<]+)<", dom)}

    def test_only_differences_hides_agreeing_rows(self):
        p = self.chromium_run("--dump-dom", query="?only=differences")
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertEqual(self.rows(p.stdout), {"b/differs": True, "a/agrees": False, "c/agrees-too": False})
        self.assertIn('<b id="shown">1</b>', p.stdout)
        p = self.chromium_run("--dump-dom", query="?status=skip")
        self.assertEqual(self.rows(p.stdout), {"b/differs": False, "a/agrees": False, "c/agrees-too": True})
        p = self.chromium_run("--dump-dom")
        self.assertEqual(set(self.rows(p.stdout).values()), {True})

    def test_screenshot(self):
        shot = os.environ.get("THREADSPEC_MATRIX_SCREENSHOT") or self.tmp.join("matrix.png")
        p = self.chromium_run("--window-size=1200,700", "--screenshot=" + shot)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        with open(shot, "rb") as f:
            head = f.read(24)
        self.assertEqual(head[:8], b"\x89PNG\r\n\x1a\n")
        width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        self.assertEqual((width, height), (1200, 700))


if __name__ == "__main__":
    unittest.main()
