"""The one definition of the step vocabulary (specs/vocabulary.yaml) against everything
made from it or checked against it: the schema's step definitions, the spec's tables, the
C++ executor's generated field table, the loader's canonical roles, and every executor's
--describe (its protocols and steps) and the reference executor's required fields."""

import importlib.util
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsutil  # noqa: E402,F401
from threadspec_lib import impls, loader, vocabulary  # noqa: E402

VOCAB = vocabulary.load()


def _executors():
    """(name, argv) of every executor found: the reference executor on python3, and the
    C++ executor when it is built (THREADSPEC_CPP_EXECUTOR, or the default build path)."""
    found = [("reference", [impls.find_python("python3"), impls.REFERENCE_EXECUTOR])]
    for path in (os.environ.get("THREADSPEC_CPP_EXECUTOR"), impls.DEFAULT_CPP_EXECUTOR):
        if path and os.path.exists(path):
            found.append(("cpp", [path]))
            break
    return found


class GeneratedFiles(unittest.TestCase):
    def test_every_generated_file_is_current(self):
        for path, (current, generated) in sorted(vocabulary.generated_files().items()):
            with self.subTest(path=os.path.relpath(path)):
                self.assertIsNotNone(current, "%s is missing: run tools/threadspec vocabulary --write" % path)
                self.assertTrue(current == generated,
                                "%s is out of date: run tools/threadspec vocabulary --write" % path)

    def test_schema_steps_are_exactly_the_vocabulary(self):
        with open(vocabulary.SCHEMA_PATH) as f:
            schema = json.load(f)
        self.assertEqual(sorted(schema["$defs"]["steps_by_name"]), VOCAB.step_names())
        for name, step in VOCAB.steps.items():
            props = schema["$defs"]["steps_by_name"][name]["properties"]
            self.assertEqual(sorted(props), sorted([name] + list(step.fields)), name)

    def test_spec_tables_list_every_step_once(self):
        with open(vocabulary.README_PATH) as f:
            text = f.read()
        canonical = text.split("<!-- vocabulary: canonical -->")[1].split("<!-- /vocabulary -->")[0]
        for name in VOCAB.steps:
            self.assertEqual(text.count("| `%s`: " % name), 1, name)
            self.assertEqual(canonical.count("\n| %s | " % name), 1, name)
        for marker in ["steps %s" % g for g in vocabulary.GROUPS] + ["roots", "builtins", "exceptions", "canonical"]:
            self.assertIn("<!-- vocabulary: %s -->" % marker, text)

    def test_cpp_header_lists_every_step_and_field(self):
        header = vocabulary.cpp_header(VOCAB)
        for name, step in VOCAB.steps.items():
            self.assertIn('Step{"%s", %d, "%s", "%s",' % (name, step.protocol, step.role or "", step.key), header)
            if step.role:
                self.assertIn('Field{"%s", "%s", true, %d}' % (step.role, step.key, step.protocol), header)
            for field in step.fields.values():
                self.assertIn('Field{"%s", "%s", %s, %d}' % (step.canonical_name(field.name), field.kind,
                                                             "true" if field.required else "false",
                                                             field.protocol), header)

    def test_check_command_reports_a_stale_file(self):
        out = subprocess.run([tsutil.PYTHON, tsutil.HARNESS, "vocabulary", "--check"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        self.assertEqual(out.returncode, 0, out.stdout.decode() + out.stderr.decode())
        header = subprocess.run([tsutil.PYTHON, tsutil.HARNESS, "vocabulary", "--cpp-header"],
                                stdout=subprocess.PIPE, check=True).stdout.decode()
        self.assertEqual(header, vocabulary.cpp_header(VOCAB))


class ExpressionCases(unittest.TestCase):
    def test_cases_cover_every_tree_tag_and_error(self):
        with open(vocabulary.EXPRESSION_CASES_PATH) as f:
            cases = json.load(f)["cases"]
        tags = set()

        def collect(tree):
            if isinstance(tree, list) and tree and isinstance(tree[0], str) and len(tree) > 1:
                tags.add(tree[0])
            if isinstance(tree, list):
                for x in tree:
                    collect(x)
        for c in cases:
            collect(c.get("tree"))
            for p in c.get("parts", []):
                if isinstance(p, dict):
                    collect(p["tree"])
        self.assertLessEqual({"const", "name", "list", "attr", "method", "call", "index", "not", "neg", "and",
                              "or", "binop", "compare"}, tags)
        self.assertTrue(any("error" in c and "expr" in c for c in cases))
        self.assertTrue(any("error" in c and "template" in c for c in cases))


class Vocabulary(unittest.TestCase):
    def test_kinds_roles_and_protocols(self):
        self.assertEqual(sorted(VOCAB.protocols), [1, 2, 3])
        for name, step in VOCAB.steps.items():
            self.assertIn(step.protocol, VOCAB.protocols, name)
            self.assertEqual(step.role is None, step.key == "none", name)
            for field in step.fields.values():
                self.assertGreaterEqual(field.protocol, step.protocol, (name, field.name))
        roles = {s.role for s in VOCAB.steps.values()} - {None}
        self.assertLessEqual(roles, {"var", "fn", "text", "seconds", "type", "code", "cond", "expr", "value",
                                     "body", "target"})

    def test_exception_bases_are_pythons(self):
        import builtins
        import threading

        def cls(name):
            return getattr(threading if name in ("BrokenBarrierError", "ThreadError") else builtins, name)
        for name, base in VOCAB.exception_bases.items():
            with self.subTest(name=name):
                if base is None:
                    self.assertIs(cls(name), BaseException)
                    continue
                self.assertTrue(issubclass(cls(name), cls(base)))
                for other in VOCAB.exceptions:   # no listed class lies between it and its base
                    if cls(other) not in (cls(name), cls(base)) and issubclass(cls(name), cls(other)):
                        self.assertTrue(issubclass(cls(base), cls(other)), other)

    def test_protocol_1_is_format_1(self):
        format1 = ["acquire", "assign", "barrier", "bounded_semaphore", "call", "cancel", "clear", "condition",
                   "critical", "debug", "error", "event", "excepthook", "exit", "for", "forever", "info", "join",
                   "local", "lock", "notify", "notify_all", "print", "raise", "release", "rlock", "semaphore", "set",
                   "set_daemon", "set_name", "sleep", "start", "thread", "timer", "wait", "warning", "with"]
        self.assertEqual(VOCAB.step_names(1), format1)


class Executors(unittest.TestCase):
    def test_every_executor_describes_the_vocabulary(self):
        executors = _executors()
        self.assertTrue(executors)
        for name, argv in executors:
            with self.subTest(executor=name):
                proc = subprocess.run(argv + ["--describe"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      timeout=60)
                self.assertEqual(proc.returncode, 0, proc.stderr.decode())
                info = json.loads(proc.stdout.decode())
                self.assertTrue(info.get("steps"), "%s describes no steps" % name)
                self.assertEqual(sorted(info.get("protocols", [])), sorted(VOCAB.protocols))
                self.assertEqual(info["protocol"], VOCAB.max_protocol)
                self.assertEqual(sorted(info["steps"]), VOCAB.step_names(),
                                 "%s: missing %s, unknown %s" % (
                                     name, sorted(set(VOCAB.steps) - set(info["steps"])),
                                     sorted(set(info["steps"]) - set(VOCAB.steps))))

    def test_reference_executor_requires_the_vocabulary_required_fields(self):
        spec = importlib.util.spec_from_file_location("reference_executor", impls.REFERENCE_EXECUTOR)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        want = {}
        for name, step in VOCAB.steps.items():
            want[name] = sorted(([step.role] if step.role else []) +
                                [step.canonical_name(f) for f, fd in step.fields.items() if fd.required])
        self.assertEqual({k: sorted(v) for k, v in module.REQUIRED.items()}, want)


class Canonical(unittest.TestCase):
    def test_every_scenario_canonicalizes_by_the_vocabulary_roles(self):
        scenarios, _ = loader.load_all([loader.SPECS_DIR])   # (their validity: test_harness)
        self.assertTrue(scenarios)

        def walk(steps):
            for s in steps:
                spec = VOCAB.steps[s["op"]]
                if spec.role:
                    self.assertIn(spec.role, s, s)
                self.assertNotIn(s["op"], s, s)
                self.assertNotIn("do", s, s)
                for key in ("body", "then", "else", "finally", "child"):
                    walk(s.get(key, []))
                for h in s.get("except", []):
                    self.assertEqual(set(h) - {"as"}, {"types", "body", "line"})
                    walk(h["body"])
        for sc in scenarios:
            c = sc.canonical()
            self.assertIn(c["protocol"], VOCAB.protocols)
            walk(c["main"])
            for fn in c["functions"].values():
                walk(fn["body"])


if __name__ == "__main__":
    unittest.main()
