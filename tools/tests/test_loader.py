"""The loader (specs/README.md sections 1-5, 8.2) and version specifiers: every kind of
bad input is one ScenarioError naming file, line and field; load_all goes on past bad
files; the canonical form executors read."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsutil  # noqa: E402
from tsutil import FIXTURES, GOOD, TempDir  # noqa: E402
from threadspec_lib import loader, versions  # noqa: E402

# A valid base the bad cases are derived from (line numbers matter: see the comments).
BASE = """\
id: t/x
title: x
source: {cpython: x}
functions:
  worker: [{print: w}]
  hook2: {params: [a, b], body: []}
  hook1: {params: [args], body: [{print: "{args.exc_type.__name__}"}]}
main:
  - {thread: t, target: worker}
  - {start: t}
expect:
  stdout: [w]
"""
# line 8: main:   line 9: main[0]   line 10: main[1]   line 12: expect.stdout


class LoaderErrors(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()

    def tearDown(self):
        self.tmp.cleanup()

    def error(self, text, name="s.yaml"):
        path = self.tmp.write(name, text)
        with self.assertRaises(loader.ScenarioError) as cm:
            loader.load(path)
        e = cm.exception
        self.assertEqual(e.path, path)
        s = str(e)
        self.assertTrue(s.startswith(path), s)
        if e.line is not None:
            self.assertIn("%s:%d" % (path, e.line), s)
        if e.field:
            self.assertIn("(%s)" % e.field, s)
        self.assertEqual(e.to_json(), {"file": path, "line": e.line, "field": e.field, "message": e.message})
        return e

    def assertError(self, text, line, field, *words):
        e = self.error(text)
        self.assertEqual((e.line, e.field), (line, field), str(e))
        for w in words:
            self.assertIn(w, e.message)
        return e

    def test_base_is_valid(self):
        sc = loader.load(self.tmp.write("s.yaml", BASE))
        self.assertEqual(sc.id, "t/x")

    def test_malformed_yaml_names_the_line_of_the_problem(self):
        self.assertError("id: t/x\ntitle: x\nsource: [x\nmain: []\n", 4, None, "invalid YAML")
        self.assertError("id: t/x\ntitle: x\n  bad: indent\n", 3, None, "invalid YAML")

    def test_empty_file(self):
        self.assertError("", 1, None, "empty")
        self.assertError("# only a comment\n\n", 1, None, "empty")

    def test_non_mapping(self):
        self.assertError("- a\n- b\n", 1, None, "mapping")
        self.assertError("just a string\n", 1, None, "mapping")

    def test_duplicate_key(self):
        self.assertError(BASE.replace("title: x\n", "title: x\ntitle: y\n"), 3, "title", "duplicate key 'title'")
        # nested: a duplicate argument in a step
        self.assertError(BASE.replace("{start: t}", "{start: t, start: t}"), 10, "main[1].start", "duplicate key")

    def test_missing_required_keys(self):
        self.assertError(BASE.replace("id: t/x\n", ""), 1, "id", "'id' is a required property")
        self.assertError(BASE.replace("main:\n  - {thread: t, target: worker}\n  - {start: t}\n", ""),
                         1, "main", "'main'")
        self.assertError(BASE.split("expect:")[0], 1, "expect", "'expect'")

    def test_wrong_type(self):
        self.assertError(BASE.replace("{start: t}", "{sleep: x}"), 10, "main[1].sleep", "number")
        self.assertError(BASE.replace("main:\n", "timeout: soon\nmain:\n"), 8, "timeout")

    def test_unknown_step_lists_known_steps(self):
        e = self.assertError(BASE.replace("{start: t}", "{strat: t}"), 10, "main[1].strat", "unknown step 'strat'")
        for known in ("start", "print", "thread", "join", "sleep"):
            self.assertIn(known, e.message)
        # also inside a function body and a nested for body
        self.assertError(BASE.replace("[{print: w}]", "[{prnt: w}]"), 5, "functions.worker[0].prnt", "unknown step")
        self.assertError(BASE.replace("{start: t}", "{for: i, range: 2, do: [{slep: 1}]}"), 10,
                         "main[1].do[0].slep", "unknown step")

    def test_unknown_argument_key(self):
        self.assertError(BASE.replace("{start: t}", "{start: t, colour: red}"), 10, "main[1].colour", "colour")

    def test_nested_schema_errors_name_the_deepest_field(self):
        self.assertError(BASE.replace("stdout: [w]", "stdout: [{text: w, colour: red}]"), 12,
                         "expect.stdout[0].colour", "colour")
        self.assertError(BASE.replace("stdout: [w]", "stdout: [{text: w, count: many}]"), 12,
                         "expect.stdout[0].count", "many")
        self.assertError(BASE.replace("stdout: [w]", "stdout: [{text: w, thread: 't[x]'}]"), 12,
                         "expect.stdout[0].thread", "t[x]")
        self.assertError(BASE.replace("worker: [{print: w}]", "worker: {params: [x]}"), 5,
                         "functions.worker.body", "'body'")
        # a block-style step: the line of the offending key
        self.assertError(BASE.replace("  - {start: t}\n", "  - start: t\n    bogus: 1\n"), 11,
                         "main[1].bogus", "bogus")
        self.assertError(BASE.replace("id: t/x", "id: Not An Id"), 1, "id", "does not match")
        self.assertError(BASE.replace("{start: t}", "{for: i, do: []}"), 10, "main[1]", "exactly one of")

    def test_undefined_function(self):
        self.assertError(BASE.replace("target: worker", "target: wrker"), 9, "main[0].target", "'wrker'", "not defined")
        self.assertError(BASE.replace("{start: t}", "{call: nope}"), 10, "main[1].call", "'nope'", "not defined")

    def test_excepthook_arity(self):
        self.assertError(BASE.replace("{start: t}", "{excepthook: hook2}"), 10, "main[1].excepthook",
                         "exactly one parameter")
        self.assertError(BASE.replace("{start: t}", "{excepthook: worker}"), 10, "main[1].excepthook",
                         "exactly one parameter")
        self.assertError(BASE.replace("{start: t}", "{excepthook: nohook}"), 10, "main[1].excepthook", "not defined")
        loader.load(self.tmp.write("ok.yaml", BASE.replace("{start: t}", "{excepthook: hook1}")))
        loader.load(self.tmp.write("ok2.yaml", BASE.replace("{start: t}", "{excepthook: default}")))

    def test_variable_used_but_never_created(self):
        self.assertError(BASE.replace("{start: t}", "{start: u}"), 10, "main[1].start", "'u'")
        self.assertError(BASE.replace("{start: t}", "{release: lk}"), 10, "main[1].release", "'lk'")
        # a parameter counts as created
        loader.load(self.tmp.write("ok.yaml", BASE.replace("body: []", "body: [{start: a}]")))

    def test_bad_thread_label(self):
        self.assertError(BASE.replace("stdout: [w]", "stdout: [{text: w, thread: q}]"), 12,
                         "expect.stdout[0].thread", "'q'")
        loader.load(self.tmp.write("ok.yaml", BASE.replace("stdout: [w]", "stdout: [{text: w, thread: 't[3]'}]")))

    def test_order_and_at_name_missing_ids(self):
        self.assertError(BASE.replace("stdout: [w]", "stdout: [{text: w, id: a}]\n  order: [{first: a, then: b}]"),
                         13, "expect.order[0].then", "'b'")
        self.assertError(BASE.replace("stdout: [w]", "stdout: [{text: w, id: a}]\n  order: [{first: z, then: a}]"),
                         13, "expect.order[0].first", "'z'")
        self.assertError(BASE.replace("stdout: [w]", "stdout:\n    - {text: w, id: a}\n"
                                      "    - {text: v, at: {after: zz, seconds: 1}}"),
                         14, "expect.stdout[1].at.after", "'zz'")

    def test_bad_regex(self):
        self.assertError(BASE.replace("stdout: [w]", "stdout: [{re: 'a(b'}]"), 12, "expect.stdout[0].re",
                         "regular expression")
        self.assertError(BASE.replace("stdout: [w]", "stdout: [w]\n  absent: [{re: '[x'}]"), 13,
                         "expect.absent[0].re", "regular expression")

    def test_count_range_reversed(self):
        self.assertError(BASE.replace("stdout: [w]", "stdout: [{text: w, count: '3..1'}]"), 12,
                         "expect.stdout[0].count", "3..1")

    def test_bad_interpolation(self):
        self.assertError(BASE.replace("[{print: w}]", "[{print: 'a {1+}'}]"), 5, "functions.worker[0].print",
                         "{1+}", "column 6")
        loader.load(self.tmp.write("ok.yaml", BASE.replace("[{print: w}]", "[{print: 'a {{1+2}} {current_thread.name}'}]")))

    def test_bad_variant(self):
        self.assertError(BASE + "variants:\n  - when: {python: '>=3.9'}\n    expect: {stdout: [{re: '('}]}\n"
                         "    reason: r\n", 15, "variants[0].expect.stdout[0].re")

    def test_nonexistent_path(self):
        e = self.error("x")  # keeps the helper's checks honest
        missing = self.tmp.join("missing.yaml")
        with self.assertRaises(loader.ScenarioError) as cm:
            loader.load(missing)
        self.assertEqual(cm.exception.path, missing)
        self.assertIn("cannot read", str(cm.exception))
        with self.assertRaises(loader.ScenarioError) as cm:
            loader.load_all([self.tmp.join("no-such-dir")])
        self.assertIn("no such file or directory", str(cm.exception))
        self.assertIsNotNone(e)

    def test_non_utf8_names_the_line(self):
        path = self.tmp.write("s.yaml", b"id: t/x\ntitle: x\nsource: {cpython: \xff\xfe}\n")
        with self.assertRaises(loader.ScenarioError) as cm:
            loader.load(path)
        self.assertEqual(cm.exception.line, 3)
        self.assertIn("UTF-8", cm.exception.message)

    def test_shipped_bad_fixture(self):
        path = os.path.join(FIXTURES, "bad_step.yaml")
        with self.assertRaises(loader.ScenarioError) as cm:
            loader.load(path)
        self.assertEqual((cm.exception.line, cm.exception.field), (6, "main[1].strat"))


class LoadAll(unittest.TestCase):
    def test_keeps_going_past_one_bad_file(self):
        with TempDir() as d:
            d.write("a/one.yaml", tsutil.scenario("t/one"))
            d.write("a/two.yaml", tsutil.scenario("t/two"))
            d.write("b/bad.yaml", tsutil.scenario("t/bad").replace("{start: t}", "{strat: t}"))
            d.write("b/three.yml", tsutil.scenario("t/three"))
            d.write("b/notes.txt", "not a scenario")
            scenarios, errors = loader.load_all([d.path])
        self.assertEqual(sorted(s.id for s in scenarios), ["t/one", "t/three", "t/two"])
        self.assertEqual(len(errors), 1)
        self.assertTrue(errors[0].path.endswith("bad.yaml"))
        self.assertEqual(errors[0].field, "main[1].strat")

    def test_duplicate_ids_across_files(self):
        with TempDir() as d:
            first = d.write("a.yaml", tsutil.scenario("t/same"))
            second = d.write("b.yaml", tsutil.scenario("t/same"))
            scenarios, errors = loader.load_all([d.path])
        self.assertEqual([s.path for s in scenarios], [first])
        self.assertEqual(len(errors), 1)
        e = errors[0]
        self.assertEqual((e.path, e.line, e.field), (second, 1, "id"))
        self.assertIn("duplicate scenario id 't/same'", e.message)
        self.assertIn(first, e.message)

    def test_files_and_directories_mixed(self):
        with TempDir() as d:
            one = d.write("one.yaml", tsutil.scenario("t/one"))
            d.write("dir/two.yaml", tsutil.scenario("t/two"))
            scenarios, errors = loader.load_all([one, d.join("dir")])
        self.assertEqual((sorted(s.id for s in scenarios), errors), (["t/one", "t/two"], []))


class Canonical(unittest.TestCase):
    TEXT = """\
id: t/canon
title: canonical form
source: {cpython: x}
logging: {format: "%(message)s", level: INFO}
functions:
  plain: [{print: a}, {print: b, file: stderr}]
  withp:
    params: [n]
    body: [{sleep: 0.5}, {raise: ValueError, message: "bad {n}"}]
  hook: {params: [args], body: [{info: "hook"}]}
main:
  - {thread: t, target: withp, args: [1], daemon: true}
  - {assign: x, value: 3}
  - {for: i, range: 2, do: [{call: plain}]}
  - {with: t2lock, do: [{print: in}]}
  - {forever: [{exit: 2}]}
  - {excepthook: hook}
  - {lock: t2lock}
  - {join: t, timeout: 1}
expect: {stdout: []}
"""

    def test_canonical_form(self):
        with TempDir() as d:
            sc = loader.load(d.write("c.yaml", self.TEXT))
        c = sc.canonical()
        self.assertEqual(c["id"], "t/canon")
        self.assertEqual(c["logging"], {"format": "%(message)s", "level": "INFO"})
        f = c["functions"]
        self.assertEqual(set(f), {"plain", "withp", "hook"})
        for fn in f.values():
            self.assertEqual(set(fn), {"params", "body"})
        self.assertEqual(f["plain"]["params"], [])
        self.assertEqual(f["plain"]["body"], [
            {"op": "print", "line": 6, "text": "a", "file": "stdout"},
            {"op": "print", "line": 6, "text": "b", "file": "stderr"}])
        self.assertEqual(f["withp"]["params"], ["n"])
        self.assertEqual(f["withp"]["body"], [
            {"op": "sleep", "line": 9, "seconds": 0.5},
            {"op": "raise", "line": 9, "type": "ValueError", "message": "bad {n}"}])
        self.assertEqual(f["hook"]["body"], [{"op": "info", "line": 10, "text": "hook"}])
        m = c["main"]
        self.assertEqual(m[0], {"op": "thread", "line": 12, "var": "t", "target": "withp", "args": [1], "daemon": True})
        self.assertEqual(m[1], {"op": "assign", "line": 13, "target": "x", "value": 3})
        self.assertEqual(m[2], {"op": "for", "line": 14, "var": "i", "range": 2,
                                "body": [{"op": "call", "line": 14, "fn": "plain"}]})
        self.assertEqual(m[3], {"op": "with", "line": 15, "var": "t2lock",
                                "body": [{"op": "print", "line": 15, "text": "in", "file": "stdout"}]})
        self.assertEqual(m[4], {"op": "forever", "line": 16, "body": [{"op": "exit", "line": 16, "code": 2}]})
        self.assertEqual(m[5], {"op": "excepthook", "line": 17, "fn": "hook"})
        self.assertEqual(m[6], {"op": "lock", "line": 18, "var": "t2lock"})
        self.assertEqual(m[7], {"op": "join", "line": 19, "var": "t", "timeout": 1})
        for step in m:
            self.assertNotIn("do", step)
            self.assertNotIn(step["op"], step)   # the step's own key always moves

    def test_multiline_lines_and_fixture(self):
        sc = loader.load(os.path.join(FIXTURES, "good.yaml"))
        c = sc.canonical()
        self.assertEqual([s["line"] for s in c["main"]], [12, 13, 14])
        self.assertEqual(c["main"][1]["body"][0]["line"], 13)
        self.assertEqual(c["functions"]["worker"]["body"][0], {"op": "print", "line": 10, "text": "Worker: {num}",
                                                                  "file": "stdout"})

    def test_effective_expect_and_skip_reason(self):
        text = GOOD + ("requires: {python: '>=3.6'}\nvariants:\n"
                       "  - when: {python: '>=3.9'}\n    expect: {exit: 1}\n    reason: first\n"
                       "  - when: {python: '>=3.10'}\n    expect: {exit: 2, stderr: [x]}\n    reason: second\n")
        with TempDir() as d:
            sc = loader.load(d.write("v.yaml", text))
        e, r = sc.effective_expect("3.8.10")
        self.assertEqual((e.get("exit", 0), r), (0, []))
        e, r = sc.effective_expect("3.9.1")
        self.assertEqual((e["exit"], r), (1, ["first"]))
        e, r = sc.effective_expect("3.11.0")
        self.assertEqual((e["exit"], e["stderr"], r), (2, ["x"], ["first", "second"]))
        self.assertEqual(len(e["stdout"]), 2)     # keys a variant does not name stay
        self.assertIsNone(sc.skip_reason("3.6.0"))
        self.assertIn(">=3.6", sc.skip_reason("2.7.18"))


class Versions(unittest.TestCase):
    def test_matches(self):
        cases = [(">=3.9", "3.9.18", True), ("<3.9", "3.9.18", False), ("==2.7", "2.7.18", True),
                 ("<=3.9", "3.9.18", True), ("<=3.9", "3.10.0", False), (">3.9", "3.9.18", False),
                 (">3.9", "3.10", True), ("!=3.6", "3.6.15", False), ("!=3.6", "3.7.0", True),
                 (">=3.8,<3.13", "3.12.1", True), (">=3.8,<3.13", "3.13.0", False),
                 (">=3.8, <3.13", "3.7.17", False), ("==3.11.7", "3.11.7", True), ("==3.11.7", "3.11.8", False),
                 (">=3.12", "3.12.0rc1", True), (">=3.13", "3.13.0+", True), (">=3.10", (3, 9, 1), False)]
        for spec, version, want in cases:
            with self.subTest(spec=spec, version=version):
                self.assertIs(versions.matches(spec, version), want)

    def test_bad_clause(self):
        for spec in ("3.9", "~=3.9", ">=3.x", ">=3.9,", "", ">= three"):
            with self.subTest(spec=spec):
                with self.assertRaises(ValueError):
                    versions.matches(spec, "3.9.0")

    def test_parse_version(self):
        self.assertEqual(versions.parse_version("3.11.7"), (3, 11, 7))
        self.assertEqual(versions.parse_version("2.7"), (2, 7))
        with self.assertRaises(ValueError):
            versions.parse_version("abc")


if __name__ == "__main__":
    unittest.main()
