"""Protocol 3 (specs/README.md 8.1): everything the format gained after protocol 2 was
published needs protocol 3, so that an executor speaking only protocols 1 and 2 gets an
error verdict naming the feature and its line instead of running what it does not know;
what protocols 1 and 2 had stays at its protocol."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsutil  # noqa: E402
from tsutil import TempDir  # noqa: E402
from threadspec_lib import loader, vocabulary  # noqa: E402

HEAD = tsutil.step_scenario_head("t/p3")   # the step under test is main[1], on line 9
TAIL = tsutil.STEP_SCENARIO_TAIL


def scenario(step_lines, head=HEAD):
    return head + step_lines + TAIL


def protocol(text):
    with TempDir() as d:
        sc = loader.load(d.write("s.yaml", text))
    return sc.protocol, sc.protocol_reason


class Protocol3(unittest.TestCase):
    def test_each_feature_added_after_protocol_2_needs_protocol_3(self):
        for step, why in [
                ("  - {print: '{1 | 2}'}\n", "the | operator in '1 | 2'"),
                ("  - {if: 'type(t) | None', then: []}\n", "the | operator in 'type(t) | None'"),
                ("  - {print: '{Lock}'}\n", "Lock"),
                ("  - {eval: 'Lock()'}\n", "Lock()"),
                ("  - {print: '{t.args}'}\n", "the attribute args (a Timer's) in 't.args'"),
                ("  - {print: '{t.kwargs}'}\n", "the attribute kwargs (a Timer's) in 't.kwargs'"),
                ("  - {print: \"{t.kwargs['a']}\"}\n", "the attribute kwargs (a Timer's) in \"t.kwargs['a']\""),
                ("  - {eval: 't.args.append(2)'}\n", "the list method append in 't.args.append(2)'"),
                ("  - {for: x, in: 't.args', do: []}\n", "the attribute args (a Timer's) in 't.args'"),
                ("  - {assign: 't.args[0]', value: 1}\n", "an item target"),
                ("  - {thread: u, target: {var: t}}\n", "a var callable"),
                ("  - {object: o, call: hook}\n", "field 'call' of object"),
                ("  - {object: o, bool: hook}\n", "field 'bool' of object"),
                ("  - {set_stderr: None}\n", "step 'set_stderr'"),
                ("  - {subclass: C, base: 't'}\n", "step 'subclass'"),
                ("  - {try: [{raise: ValueError}], except: [{type: Exception, as: e, do: "
                 "[{call_excepthook: e, thread: null}]}]}\n", "step 'call_excepthook'"),
                ("  - {rlock: r, kwargs: {a: 1}}\n", "field 'kwargs' of rlock")]:
            with self.subTest(step=step):
                self.assertEqual(protocol(scenario(step)), (3, (9, why)))

    def test_a_feature_in_a_function_names_the_function_line(self):
        head = HEAD.replace("  hook:", "  grow: [{eval: 'shared.append(1)'}]\n  hook:")
        self.assertEqual(protocol(scenario("  - {assign: shared, value: [0]}\n", head)),
                         (3, (6, "the list method append in 'shared.append(1)'")))

    def test_what_protocols_1_and_2_had_stays(self):
        for step, want in [
                ("  - {timer: tm, interval: 1, target: worker, args: [1]}\n", 1),
                ("  - {timer: tm, interval: 1, target: worker, kwargs: {n: 1}}\n", 2),
                ("  - {print: '{TIMEOUT_MAX} {1 + 2}'}\n", 2),
                ("  - {object: o, class: C}\n", 2),
                ("  - {rlock: r, args: [1]}\n", 2),
                ("  - {lock: l, args: [1]}\n", 2),
                ("  - {assign: t.name, value: x}\n", 1),
                ("  - {thread: u, target: {partial: worker, args: [1]}}\n", 2),
                ("  - {try: [{raise: ValueError, message: m}], except: [{type: Exception, as: e, do: "
                 "[{print: '{e.args} {e.args[0]}'}]}]}\n", 2)]:
            with self.subTest(step=step):
                self.assertEqual(protocol(scenario(step))[0], want)

    def test_args_of_an_excepthook_arguments_exception_keeps_its_protocol(self):
        # a format-1 path in a format-1 step: protocol 1
        head = HEAD.replace("  hook:", "  report: {params: [args], body: [{print: '{args.exc_value.args}'}]}\n  hook:")
        self.assertEqual(protocol(scenario("  - {excepthook: report}\n", head))[0], 1)

    def test_args_of_anything_that_may_not_be_an_exception_is_protocol_3(self):
        # The loader cannot prove `e` holds an exception when another step assigns it too,
        # nor that an object's own attribute `args` is not a Timer's: protocol 3, to be safe.
        self.assertEqual(protocol(scenario(
            "  - {assign: e, value: '{t}'}\n"
            "  - {try: [{raise: ValueError}], except: [{type: Exception, as: e, do: [{print: '{e.args}'}]}]}\n")),
            (3, (10, "the attribute args (a Timer's) in 'e.args'")))
        self.assertEqual(protocol(scenario("  - {object: o}\n  - {assign: o.args, value: 1}\n"
                                           "  - {print: '{o.args}'}\n"))[0], 3)
        head = HEAD.replace("  hook:", "  show: {params: [e], body: [{print: '{e.args}'}]}\n  hook:")
        self.assertEqual(protocol(scenario("  - {call: show, args: [1]}\n", head))[0], 3)

    def test_every_scenario_of_the_suite_needs_a_protocol_of_the_vocabulary(self):
        scenarios, errors = loader.load_all([loader.SPECS_DIR])
        self.assertEqual(errors, [])
        protocols = {sc.protocol for sc in scenarios}
        self.assertEqual(protocols, set(vocabulary.load().protocols))


class Refusal(tsutil.FakeExecutorCase):
    """An executor that speaks protocols 1 and 2 only gets an error verdict for a protocol-3
    scenario: one line naming the scenario, the feature and its line; nothing runs."""

    def test_protocol_3_feature_on_a_protocol_2_executor(self):
        every_step = vocabulary.load().step_names()   # listing a step does not make its protocol spoken
        for describe in ({"protocol": 2, "protocols": [1, 2]},
                         {"protocol": 2, "protocols": [1, 2], "steps": every_step}):
            for step, why in [("  - {print: '{1 | 2}'}\n", "the | operator in '1 | 2', line 9"),
                              ("  - {assign: shared, value: [0]}\n  - {eval: 'shared.append(1)'}\n",
                               "the list method append in 'shared.append(1)', line 10"),
                              ("  - {thread: u, target: {var: t}}\n", "a var callable, line 9"),
                              ("  - {set_stderr: None}\n", "step 'set_stderr', line 9")]:
                with self.subTest(describe=describe, step=step):
                    r = self.run_on(describe, scenario(step))
                    self.assertEqual((r.verdict, r.runs), ("error", 0))
                    self.assertEqual(r.reason, "t/p3 needs protocol 3 (%s); this executor speaks protocol 1, 2" % why)
                    self.assertNotIn("\n", r.reason)
                    self.assertFalse(os.path.exists(self.tmp.join("requests.jsonl")))

    def test_protocol_3_scenario_runs_on_a_protocol_3_executor(self):
        os.environ["FAKE_PLAN"] = self.tmp.write("plan.json", json.dumps({"*": {"lines": [["stdout", "3", "main"]]}}))
        r = self.run_on({"protocol": 3, "protocols": [1, 2, 3]},
                        HEAD + "  - {print: '{1 | 2}'}\nexpect:\n  stdout: [{thread: main, text: '3'}]\n")
        self.assertEqual(r.verdict, "pass", r.reason)
        with open(self.tmp.join("requests.jsonl")) as f:
            request = json.loads(f.readline())
        self.assertEqual((request["protocol"], request["scenario"]["protocol"]), (3, 3))

    def test_protocol_2_scenario_still_runs_on_a_protocol_2_executor(self):
        os.environ["FAKE_PLAN"] = self.tmp.write("plan.json", json.dumps({"*": {"lines": [["stdout", "2", "main"]]}}))
        r = self.run_on({"protocol": 2, "protocols": [1, 2]},
                        HEAD + "  - {print: '{1 + 1}'}\nexpect:\n  stdout: [{thread: main, text: '2'}]\n")
        self.assertEqual(r.verdict, "pass", r.reason)


if __name__ == "__main__":
    unittest.main()
