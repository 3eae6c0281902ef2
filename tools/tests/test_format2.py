"""Format 2 in the loader and the engine (specs/README.md sections 3, 4, 8.1): every new
feature's bad input is one ScenarioError naming file, line and field; the protocol a
scenario needs; the canonical form of the new steps; a scenario an executor cannot run is
an error verdict naming the protocol or step and its line."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsutil  # noqa: E402
from tsutil import TempDir  # noqa: E402
from threadspec_lib import expr, loader  # noqa: E402

HEAD = tsutil.step_scenario_head("t/f2")   # the step under test is main[1], on line 9
TAIL = tsutil.STEP_SCENARIO_TAIL


def scenario(step_lines):
    return HEAD + step_lines + TAIL


class Errors(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()

    def tearDown(self):
        self.tmp.cleanup()

    def load(self, text):
        return loader.load(self.tmp.write("s.yaml", text))

    def assertError(self, step, field, *words, **kw):
        with self.assertRaises(loader.ScenarioError) as cm:
            self.load(scenario(step))
        e = cm.exception
        self.assertEqual((e.line, e.field), (kw.get("line", 9), field), str(e))
        for w in words:
            self.assertIn(w, e.message)
        return e

    def test_while_needs_a_bound(self):
        self.assertError("  - {while: 'n < 3', do: [{sleep: 1}]}\n", "main[1].max", "max")
        self.assertError("  - {while: 'n < 3', max: 0, do: []}\n", "main[1].max")
        self.assertError("  - {while: 'n < 3', max: '3', do: []}\n", "main[1].max", "integer", "{EXPR}")

    def test_expression_that_does_not_parse(self):
        e = self.assertError("  - {if: 't.name <', then: []}\n", "main[1].if", "bad expression", "column")
        self.assertIn("end of the expression", e.message)
        self.assertError("  - {if: 'a < b < c', then: []}\n", "main[1].if", "chained comparison")
        self.assertError("  - {eval: 't.name = 1'}\n", "main[1].eval", "unexpected character '='")
        self.assertError("  - {eval: \"'unterminated\"}\n", "main[1].eval", "unterminated string")

    def test_except_of_an_unknown_type(self):
        self.assertError("  - try: [{print: x}]\n    except: [{type: FooError, do: []}]\n",
                         "main[1].except[0].type", "FooError", line=10)
        self.assertError("  - {raise: FooError}\n", "main[1].raise", "FooError")

    def test_name_no_step_creates(self):
        self.assertError("  - {print: 'x {nope}'}\n", "main[1].print", "'nope'", "no step creates")
        self.assertError("  - {if: 'ghost > 1', then: []}\n", "main[1].if", "'ghost'")
        self.assertError("  - {wait_for: c, predicate: 'True'}\n", "main[1].wait_for", "'c'")
        self.assertError("  - {del: gone}\n", "main[1].del", "'gone'")

    def test_protocol_2_scoping(self):
        self.assertError("  - {print: '{x + 1}'}\n  - {assign: x, value: 1}\n", "main[1].print",
                         "'x' before any step of main above it creates it")
        self.assertError("  - {assign: y, value: '{n + 1}'}\n", "main[1].value", "only functions create")
        with self.assertRaises(loader.ScenarioError) as cm:
            self.load(HEAD.replace("  hook:", "  other: [{print: '{n + 1}'}]\n  hook:") + TAIL)
        self.assertEqual((cm.exception.line, cm.exception.field), (6, "functions.other[0].print"))
        self.assertIn("another function's local", cm.exception.message)
        # A step's own reads come before what it creates; bodies see both.
        self.assertError("  - {assign: z, value: '{z + 1}'}\n", "main[1].value", "'z' before")
        self.load(scenario("  - {assign: z, value: 1}\n  - {assign: z, value: '{z + 1}'}\n"
                           "  - {for: i, in: '[z]', do: [{print: '{i + z}'}]}\n"
                           "  - try: [{print: x}]\n    except: [{type: Exception, as: e, do: [{print: '{e}'}]}]\n"))
        # Protocol 1 keeps format 1's rule: created by some step anywhere.
        self.assertEqual(self.load(scenario("  - {with: l, do: []}\n  - {lock: l}\n")).protocol, 1)

    def test_functions_and_builtins_in_expressions(self):
        self.assertError("  - {print: '{t(1)}'}\n", "main[1].print", "not a function")
        self.assertError("  - {print: '{len}'}\n", "main[1].print", "builtin", "len(x)")
        self.load(scenario("  - {print: '{len(enumerate)} {stack_size()} {TIMEOUT_MAX} {getpid}'}\n"))

    def test_template_edge_cases(self):
        self.assertError("  - {print: 'a } b'}\n", "main[1].print", "lone '}'", "column 3")
        self.assertError("  - {print: 'a {t.name'}\n", "main[1].print", "without its '}'")
        self.assertError("  - {print: 'a {} b'}\n", "main[1].print", "empty interpolation")
        self.assertError("  - {print: 'a { } b'}\n", "main[1].print", "empty interpolation")
        self.assertError("  - {print: 'a {{t.name} b'}\n", "main[1].print", "lone '}'")
        self.assertError("  - {print: 'a {t.name {x}} b'}\n", "main[1].print", "without its '}'")
        sc = self.load(scenario("  - {print: 'a { t.name } {{b}} }}{{'}\n"))
        self.assertEqual(sc.protocol, 1)

    def test_for_in_takes_an_expression_never_a_template(self):
        self.assertError("  - {for: x, in: '{enumerate}', do: []}\n", "main[1].in", "not a template",
                         "write enumerate")
        self.assertError("  - {for: x, range: 2, in: enumerate, do: []}\n", "main[1]", "exactly one")
        self.assertEqual(self.load(scenario("  - {for: x, in: enumerate, do: []}\n")).protocol, 1)
        self.assertEqual(self.load(scenario("  - {for: x, in: '[1, 2]', do: []}\n")).protocol, 2)

    def test_reraise_anywhere_and_fork_without_child(self):
        self.assertEqual(self.load(scenario("  - {reraise: }\n")).protocol, 2)
        sc = self.load(scenario("  - {fork: p}\n  - {if: 'p == 0', then: [{print: child}]}\n"))
        self.assertEqual(sc.canonical()["main"][1], {"op": "fork", "line": 9, "var": "p"})

    def test_try_needs_except_or_finally(self):
        self.assertError("  - {try: [{print: x}]}\n", "main[1].try", "'except' or 'finally'")

    def test_bad_types_of_new_fields(self):
        self.assertError("  - {sleep: soon}\n", "main[1].sleep", "number", "{EXPR}")
        self.assertError("  - {sleep: '{1} {2}'}\n", "main[1].sleep", "number")
        self.assertError("  - {thread: u, daemon: 'yes'}\n", "main[1].daemon", "boolean")
        self.assertError("  - {release: t, n: 1.5}\n", "main[1].n", "integer")
        self.assertError("  - {call: worker, kwargs: [1]}\n", "main[1].kwargs")
        self.assertError("  - {thread: u, target: {lambda: worker, args: [1]}}\n", "main[1].target.args", "'args'")
        self.assertError("  - {fork: p, child: {exit: 1}}\n", "main[1].child")
        self.assertError("  - {lock: l, args: 1}\n", "main[1].args", "array")

    def test_function_references(self):
        self.assertError("  - {thread: u, target: {lambda: nobody}}\n", "main[1].target.lambda", "'nobody'")
        self.assertError("  - {thread: u, target: {partial: nobody, args: [1]}}\n", "main[1].target.partial")
        self.assertError("  - {atexit: nobody}\n", "main[1].atexit", "'nobody'")
        self.assertError("  - {thread: u, run: worker2}\n", "main[1].run", "'worker2'")
        with self.assertRaises(loader.ScenarioError) as cm:
            self.load(HEAD.replace("  hook:", "  nothing: []\n  hook:") + "  - {local: l, init: nothing}\n" + TAIL)
        self.assertEqual((cm.exception.line, cm.exception.field), (10, "main[1].init"))
        self.assertIn("first parameter", cm.exception.message)
        self.load(scenario("  - {local: l, init: hook}\n  - {thread: u, run: hook, class: Mine}\n"))

    def test_item_targets_var_callables_and_object_methods(self):
        self.assertError("  - {assign: 'x.y]', value: 1}\n", "main[1].assign", "bad item target")
        self.assertError("  - {assign: '[1]', value: 1}\n", "main[1].assign", "E[K]")
        self.assertError("  - {assign: 'nobody[0]', value: 1}\n", "main[1].assign", "'nobody'")
        self.assertError("  - {assign: 'x[y]', value: 1}\n", "main[1].assign", "'x'")   # an item target creates nothing
        self.assertError("  - {thread: u, target: {var: nobody}}\n", "main[1].target.var", "'nobody'")
        with self.assertRaises(loader.ScenarioError) as cm:   # {var: V} takes no other key
            self.load(scenario("  - {thread: u, target: {var: t, args: [1]}}\n"))
        self.assertEqual(cm.exception.line, 9)
        self.assertError("  - {object: o, call: nobody}\n", "main[1].call", "'nobody'")
        with self.assertRaises(loader.ScenarioError) as cm:
            self.load(HEAD.replace("  hook:", "  nothing: []\n  hook:") + "  - {object: o, bool: nothing}\n" + TAIL)
        self.assertEqual((cm.exception.line, cm.exception.field), (10, "main[1].bool"))
        self.assertIn("first parameter", cm.exception.message)
        sc = self.load(scenario("  - {object: o, call: hook, bool: hook}\n  - {thread: u, target: {var: o}}\n"
                                "  - {assign: \"t.kwargs['a.b']\", value: 1}\n"
                                "  - {try: [{raise: ValueError}], except: [{type: Exception, as: e, do: [\n"
                                "      {call_excepthook: e, thread: null}]}]}\n"))
        m = sc.canonical()["main"]
        self.assertEqual(m[2]["target"], {"var": "o"})
        self.assertEqual(m[3], {"op": "assign", "line": 11, "target": "t.kwargs['a.b']", "value": 1})
        self.assertEqual(m[4]["except"][0]["body"][0], {"op": "call_excepthook", "line": 13, "var": "e",
                                                         "thread": None})
        self.assertError("  - {call_excepthook: t}\n", "main[1].thread", "required")

    def test_keywords_are_no_names(self):
        with self.assertRaises(loader.ScenarioError) as cm:
            self.load(HEAD.replace("params: [n]", "params: [class]") + TAIL)
        self.assertEqual((cm.exception.line, cm.exception.field), (5, "functions.worker.params[0]"))
        self.assertError("  - {lock: not}\n", "main[1].lock", "word of the expression language")
        self.assertError("  - {subclass: class, base: Lock}\n", "main[1].subclass", "Python keyword")
        self.assertError("  - {assign: pass, value: 1}\n", "main[1].assign", "Python keyword")

    def test_set_stderr_takes_none_or_default_and_subclass_a_base(self):
        self.assertError("  - {set_stderr: none}\n", "main[1].set_stderr", "'None'", "'default'")
        self.assertError("  - {subclass: C}\n", "main[1].base", "required")
        self.assertError("  - {subclass: C, base: '{Lock}'}\n", "main[1].base", "braces")
        for base in ("'1'", "None", "'[1]'", "'len(Lock)'", "'1 + 1'", "'not Lock'", "'Lock == Lock'"):
            self.assertError("  - {subclass: C, base: %s}\n" % base, "main[1].base", "must be a class", "never is")
        self.load(scenario("  - {assign: n, value: 1}\n  - {subclass: C, base: 'type(n)'}\n"
                           "  - {subclass: D, base: 'C or Lock'}\n  - {subclass: E, base: 'type(n) | None'}\n"))
        self.load(scenario("  - {set_stderr: None}\n  - {set_stderr: default}\n"
                           "  - {subclass: C, base: Lock}\n  - {print: '{C} {Lock | None}'}\n"))


class Protocol(unittest.TestCase):
    def protocol(self, step):
        with TempDir() as d:
            sc = loader.load(d.write("s.yaml", scenario(step)))
        return sc.protocol, sc.protocol_reason

    def test_format_1_features_need_protocol_1(self):
        self.assertEqual(self.protocol("  - {print: '{t.name} {len(enumerate)} {current_thread.is_alive}'}\n")[0], 1)
        self.assertEqual(self.protocol("  - {join: t, timeout: 1}\n")[0], 1)

    def test_each_new_feature_needs_protocol_2(self):
        for step, why in [
                ("  - {if: 't.daemon', then: []}\n", "step 'if'"),
                ("  - {join: t, into: r}\n", "field 'into' of join"),
                ("  - {sleep: '{0.1}'}\n", "{EXPR} number"),
                ("  - {print: '{1 + 1}'}\n", "expression '1 + 1'"),
                ("  - {print: '{TIMEOUT_MAX}'}\n", "TIMEOUT_MAX"),
                ("  - {thread: u, target: {lambda: worker}}\n", "lambda callable"),
                ("  - {object: o, class: C}\n", "step 'object'"),
                ("  - {release: t, n: 2}\n", "field 'n' of release"),
                ("  - {rlock: r, args: [1]}\n", "field 'args' of rlock")]:
            with self.subTest(step=step):
                protocol, (line, reason) = self.protocol(step)
                self.assertEqual((protocol, line), (2, 9))
                self.assertIn(why, reason)

    def test_canonical_form_of_new_steps(self):
        text = scenario("  - try:\n      - {eval: 't.is_alive()'}\n    except:\n"
                        "      - {type: [ValueError, KeyError], as: e, do: [{reraise: }]}\n"
                        "    finally: [{del: t}]\n"
                        "  - {if: 'True', then: [{return: 1}], else: []}\n"
                        "  - {fork: p, child: [{exit: 3}]}\n"
                        "  - {while: 'False', max: 2, do: [{collect: }]}\n")
        with TempDir() as d:
            sc = loader.load(d.write("s.yaml", text))
        c = sc.canonical()
        self.assertEqual(c["protocol"], 2)
        m = c["main"]
        self.assertEqual(m[1], {"op": "try", "line": 9, "body": [{"op": "eval", "line": 10, "expr": "t.is_alive()"}],
                                "except": [{"types": ["ValueError", "KeyError"], "as": "e", "line": 12,
                                            "body": [{"op": "reraise", "line": 12}]}],
                                "finally": [{"op": "del", "line": 13, "var": "t"}]})
        self.assertEqual(m[2], {"op": "if", "line": 14, "cond": "True", "then": [{"op": "return", "line": 14,
                                                                                   "value": 1}], "else": []})
        self.assertEqual(m[3], {"op": "fork", "line": 15, "var": "p", "child": [{"op": "exit", "line": 15,
                                                                                  "code": 3}]})
        self.assertEqual(m[4], {"op": "while", "line": 16, "cond": "False", "max": 2,
                                "body": [{"op": "collect", "line": 16}]})


class Refusal(tsutil.FakeExecutorCase):
    """The harness does not run a scenario its executor cannot (spec 8.1)."""

    def test_protocol_the_executor_does_not_speak(self):
        r = self.run_on({}, scenario("  - {if: 'True', then: []}\n"))
        self.assertEqual((r.verdict, r.runs), ("error", 0))
        self.assertEqual(r.reason, "t/f2 needs protocol 2 (step 'if', line 9); this executor speaks protocol 1")
        self.assertFalse(os.path.exists(self.tmp.join("requests.jsonl")))

    def test_step_the_executor_does_not_implement(self):
        steps = sorted(set(expr_steps()) - {"fork"})
        r = self.run_on({"protocols": [1, 2], "steps": steps},
                        scenario("  - {print: x}\n  - {fork: p, child: []}\n"))
        self.assertEqual((r.verdict, r.runs), ("error", 0))
        self.assertEqual(r.reason, "t/f2 uses step 'fork' (line 10), which this executor does not implement")

    def test_protocol_1_scenario_runs_on_a_protocol_1_executor(self):
        os.environ["FAKE_PLAN"] = self.tmp.write("plan.json", json.dumps({"*": {"lines": [["stdout", "w 1", "t[0]"]]}}))
        r = self.run_on({}, HEAD + "  - {start: t}\nexpect:\n  stdout: [{thread: t, text: w 1}]\n")
        self.assertEqual(r.verdict, "pass")
        with open(self.tmp.join("requests.jsonl")) as f:
            request = json.loads(f.readline())
        self.assertEqual((request["protocol"], request["scenario"]["protocol"]), (1, 1))


def expr_steps():
    from threadspec_lib import vocabulary
    return vocabulary.load().step_names()


class Parser(unittest.TestCase):
    def test_precedence_and_trees(self):
        self.assertEqual(expr.parse("not a == 1 or b and c"),
                         ("or", ("not", ("compare", "==", ("name", "a"), ("const", 1))),
                          ("and", ("name", "b"), ("name", "c"))))
        self.assertEqual(expr.parse("-x.y(1)[0] + 2 - 3"),
                         ("binop", "-", ("binop", "+", ("neg", ("index", ("method", ("name", "x"), "y",
                                                                          [("const", 1)]), ("const", 0))),
                                         ("const", 2)), ("const", 3)))
        self.assertEqual(expr.parse("a is not None"), ("compare", "is not", ("name", "a"), ("const", None)))
        self.assertEqual(expr.parse("a not in [1, 'x\\'y']"),
                         ("compare", "not in", ("name", "a"), ("list", [("const", 1), ("const", "x'y")])))
        self.assertEqual(expr.parse("len(x) >= 1.5"),
                         ("compare", ">=", ("call", "len", [("name", "x")]), ("const", 1.5)))

    def test_templates(self):
        parts = expr.parse_template("a {{ {x} }} { y.z }")
        self.assertEqual(parts, ["a { ", ("x", ("name", "x"), 6), " } ", ("y.z", ("attr", ("name", "y"), "z"), 13)])
        self.assertEqual(expr.whole(expr.parse_template("{x}")), ("x", ("name", "x"), 1))
        self.assertIsNone(expr.whole(expr.parse_template(" {x}")))
        self.assertTrue(expr.is_format1("t.name") and expr.is_format1("len(enumerate)"))
        self.assertFalse(expr.is_format1("t.name()") or expr.is_format1("a + 1"))


if __name__ == "__main__":
    unittest.main()
