"""Loading scenarios: safe YAML with line numbers, JSON Schema and semantic validation,
and the canonical form that executors read (specs/README.md sections 1-5 and 8.2).

Every problem is a ScenarioError naming the file, the line and the field; nothing here
prints or exits, so one bad file never stops a run.
"""

import json
import os
import re

import yaml

from . import conditions, versions

SPECS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "specs")
SCHEMA_PATH = os.path.join(SPECS_DIR, "scenario.schema.json")

# The key each step's own value moves to in the canonical form (spec 8.2).
_ROLE = {
    "assign": "target", "print": "text", "debug": "text", "info": "text", "warning": "text",
    "error": "text", "critical": "text", "sleep": "seconds", "forever": "body", "call": "fn",
    "raise": "type", "exit": "code", "excepthook": "fn",
}
# Steps whose variable must already exist (be created by some step or be a parameter).
_USES_VAR = {"start", "join", "cancel", "set_daemon", "set_name", "acquire", "release", "with",
             "set", "clear", "wait", "notify", "notify_all"}
# Steps that create the variable they name.
_CREATES_VAR = {"thread", "timer", "lock", "rlock", "event", "semaphore", "bounded_semaphore",
                "condition", "barrier", "local", "for"}
_THREAD_CREATORS = {"thread", "timer"}
_LABEL_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?$")
_EXPR_RE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_PATH_RE = re.compile(r"^(len\(([A-Za-z_][A-Za-z0-9_]*)\)|[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)$")


class ScenarioError(Exception):
    """A scenario file that cannot be run: where (file, line, field) and why."""

    def __init__(self, path, line, field, message):
        Exception.__init__(self, message)
        self.path, self.line, self.field, self.message = path, line, field, message

    def __str__(self):
        where = self.path if self.line is None else "%s:%d" % (self.path, self.line)
        field = (" (%s)" % self.field) if self.field else ""
        return "%s%s: %s" % (where, field, self.message)

    def to_json(self):
        return {"file": self.path, "line": self.line, "field": self.field, "message": self.message}


def field_name(path):
    """Render a data path ('main', 3, 'thread') as 'main[3].thread'."""
    out = ""
    for part in path:
        out += "[%d]" % part if isinstance(part, int) else ("." + part if out else part)
    return out


class _Document:
    """A YAML document as plain data plus the line of every node, by data path."""

    def __init__(self, path, text):
        self.path = path
        self.lines = {}
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise ScenarioError(path, 1, None, "the file is empty")
            self._index(node, ())
            self.data = loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise ScenarioError(path, mark.line + 1 if mark else None, None,
                                "invalid YAML: %s" % (exc.problem or exc.context))
        except yaml.YAMLError as exc:
            raise ScenarioError(path, None, None, "invalid YAML: %s" % exc)
        finally:
            loader.dispose()

    def _index(self, node, path):
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if key in seen:
                    raise ScenarioError(self.path, key_node.start_mark.line + 1, field_name(path + (key,)),
                                        "duplicate key %r" % key)
                seen.add(key)
                self._index(value_node, path + (key,))
                self.lines[path + (key,)] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._index(item, path + (i,))

    def line(self, path):
        """The line of the deepest known node on `path`."""
        path = tuple(path)
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path)

    def error(self, path, message):
        return ScenarioError(self.path, self.line(path), field_name(path), message)


_schema_cache = {}


def _validator():
    if "v" not in _schema_cache:
        import jsonschema
        with open(SCHEMA_PATH) as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _schema_cache["v"] = (cls(schema), cls, schema)
    return _schema_cache["v"]


def _schema_message(error):
    """A one-line message for a jsonschema error, descending into oneOf alternatives."""
    import jsonschema
    if error.validator in ("oneOf", "anyOf") and error.context:
        # Ignore the alternatives rejected only for their type (a mapping is not "a string").
        context = [e for e in error.context if not (e.validator == "type" and not e.relative_path)] or error.context
        best = jsonschema.exceptions.best_match(context)
        if best is not None and best.validator not in ("oneOf", "anyOf"):
            return best.message, list(best.absolute_path) + _offending_key(best)
    return error.message, list(error.absolute_path) + _offending_key(error)


def _offending_key(error):
    """The key a 'required' or 'additionalProperties' error is about, so that the field
    names it (main[1].colour, not main[1]); [] when there is none."""
    if not isinstance(error.instance, dict):
        return []
    if error.validator == "required":
        return [k for k in error.validator_value if k not in error.instance][:1]
    if error.validator == "additionalProperties" and error.validator_value is False:
        known = error.schema.get("properties", {})
        return [k for k in error.instance if k not in known][:1]
    return []


def _check_schema(doc, instance, schema_path, data_path):
    validator, cls, schema = _validator()
    sub = schema
    for part in schema_path:
        sub = sub[part]
    v = cls(sub, resolver=validator.resolver)
    errors = sorted(v.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        message, rel = _schema_message(errors[0])
        raise doc.error(tuple(data_path) + tuple(rel), message)


def step_name(step):
    """The name of a step: the first key of its mapping."""
    return next(iter(step))


def _walk_steps(doc, steps, path, visit):
    """Validate each step of `steps` against its own schema and call visit(step, path)."""
    _, _, schema = _validator()
    by_name = schema["$defs"]["steps_by_name"]
    for i, step in enumerate(steps):
        here = path + (i,)
        if not isinstance(step, dict) or not step:
            raise doc.error(here, "a step must be a mapping such as {print: text}, not %r" % (step,))
        name = step_name(step)
        if name not in by_name:
            raise doc.error(here + (name,), "unknown step %r (known steps: %s)" % (name, ", ".join(sorted(by_name))))
        _check_schema(doc, step, ("$defs", "steps_by_name", name), here)
        visit(step, here)
        if name == "for" and ("range" in step) == ("in" in step):
            raise doc.error(here, "a for step needs exactly one of 'range' or 'in'")
        body = step.get("do") if name in ("for", "with") else step.get("forever")
        if body is not None:
            _walk_steps(doc, body, here + ("do" if name != "forever" else "forever",), visit)


def _check_templates(doc, value, path):
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_templates(doc, item, path + (i,))
    elif isinstance(value, str):
        for m in _EXPR_RE.finditer(value):
            expr = m.group(1)
            if expr is not None and not _PATH_RE.match(expr.strip()):
                raise doc.error(path, "bad interpolation {%s}: expected a dotted name such as {t.name}" % expr)


class Scenario(object):
    """A validated scenario: its data, file, and the canonical form for executors."""

    def __init__(self, path, data, doc):
        self.path, self.data, self.doc = path, data, doc
        self.id = data["id"]

    @property
    def tags(self):
        return self.data.get("tags", [])

    def line_of(self, *path):
        return self.doc.line(path)

    def effective_expect(self, run):
        """expect with the variants whose `when` holds for `run` applied, and their reasons.
        run: a conditions.Run, or a Python version string (then conditions on the
        implementation or its release do not hold)."""
        if isinstance(run, str):
            run = conditions.Run((), run)
        expect = dict(self.data["expect"])
        reasons = []
        for variant in self.data.get("variants", []):
            if conditions.holds(variant["when"], run):
                expect.update(variant["expect"])
                reasons.append(variant["reason"])
        return expect, reasons

    def skip_reason(self, version):
        spec = self.data.get("requires", {}).get("python")
        if spec and not versions.matches(spec, version):
            return "requires Python %s; this is %s" % (spec, version)
        return None

    def canonical(self):
        """The canonical JSON form of spec 8.2."""
        functions = {}
        for name, fn in self.data.get("functions", {}).items():
            params, body = ([], fn) if isinstance(fn, list) else (fn.get("params", []), fn["body"])
            functions[name] = {"params": params, "body": self._canon_steps(body, ("functions", name) +
                                                                         (() if isinstance(fn, list) else ("body",)))}
        out = {"id": self.id, "functions": functions, "main": self._canon_steps(self.data["main"], ("main",))}
        if "logging" in self.data:
            out["logging"] = self.data["logging"]
        return out

    def _canon_steps(self, steps, path):
        result = []
        for i, step in enumerate(steps):
            name = step_name(step)
            c = {"op": name, "line": self.doc.line(path + (i,))}
            for key, value in step.items():
                if key == name:
                    c[_ROLE.get(name, "var")] = value
                elif key == "do":
                    c["body"] = value
                else:
                    c[key] = value
            if name == "print":
                c.setdefault("file", "stdout")
            if "body" in c:
                c["body"] = self._canon_steps(c["body"], path + (i, "forever" if name == "forever" else "do"))
            result.append(c)
        return result


def load(path):
    """Load and validate one scenario file. Raises ScenarioError."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except (IOError, OSError) as exc:
        raise ScenarioError(path, None, None, "cannot read the file: %s" % exc.strerror)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(path, raw[:exc.start].count(b"\n") + 1, None, "the file is not UTF-8")
    doc = _Document(path, text)
    data = doc.data
    if not isinstance(data, dict):
        raise ScenarioError(path, 1, None, "a scenario is a mapping with id, title, source, main and expect")
    _check_schema(doc, data, (), ())
    _check_semantics(doc, data)
    return Scenario(path, data, doc)


def _check_semantics(doc, data):
    functions = data.get("functions", {})
    created = set()          # every variable some step creates
    thread_vars = set()
    params = set()
    uses = []                # (var, path, step name)
    fn_refs = []             # (fn, path, step name)
    hook_refs = []

    def visit(step, path):
        name = step_name(step)
        arg = step[name]
        if name in _CREATES_VAR:
            created.add(arg)
        if name in _THREAD_CREATORS:
            thread_vars.add(arg)
        if name == "assign" and "." not in arg:
            created.add(arg)
        if name == "assign" and "." in arg:
            uses.append((arg.split(".")[0], path + (name,), name))
        if "into" in step:
            created.add(step["into"])
        if name in _USES_VAR:
            uses.append((arg, path + (name,), name))
        if name == "condition" and "lock" in step:
            uses.append((step["lock"], path + ("lock",), name))
        if name in ("thread", "timer") and "target" in step:
            fn_refs.append((step["target"], path + ("target",), name))
        if name == "call":
            fn_refs.append((arg, path + (name,), name))
        if name == "excepthook" and arg != "default":
            hook_refs.append((arg, path + (name,)))
        for key in ("text", "name", "value", "message", "args", "kwargs") + (name,):
            if key in step and isinstance(step[key], (str, list)):
                _check_templates(doc, step[key], path + (key,))

    for fname, fn in functions.items():
        body_path = ("functions", fname) if isinstance(fn, list) else ("functions", fname, "body")
        if isinstance(fn, dict):
            params.update(fn.get("params", []))
        _walk_steps(doc, fn if isinstance(fn, list) else fn["body"], body_path, visit)
    _walk_steps(doc, data["main"], ("main",), visit)

    for fn, path, step in fn_refs:
        if fn not in functions:
            raise doc.error(path, "%s names function %r, which is not defined in functions" % (step, fn))
    for fn, path in hook_refs:
        if fn not in functions:
            raise doc.error(path, "excepthook names function %r, which is not defined in functions" % fn)
        f = functions[fn]
        if len(f.get("params", []) if isinstance(f, dict) else []) != 1:
            raise doc.error(path, "excepthook function %r must take exactly one parameter (args)" % fn)
    for var, path, step in uses:
        if var not in created and var not in params:
            raise doc.error(path, "%s uses %r, which no step creates and no function takes as a parameter" % (step, var))

    _check_expect(doc, data["expect"], ("expect",), thread_vars)
    for i, variant in enumerate(data.get("variants", [])):
        _check_expect(doc, variant["expect"], ("variants", i, "expect"), thread_vars)


def parse_count(count):
    """(lo, hi) from an item's count: 3 -> (3, 3), '2..4' -> (2, 4), missing -> (1, 1)."""
    if count is None:
        return 1, 1
    if isinstance(count, int):
        return count, count
    lo, hi = count.split("..")
    return int(lo), int(hi)


def normalize_label(label):
    """'d' -> 'd[0]'; 'main' stays; 'any' or None -> None."""
    if label is None or label == "any":
        return None
    if label == "main":
        return "main"
    m = _LABEL_RE.match(label)
    return "%s[%s]" % (m.group(1), m.group(2) or "0")


def _check_expect(doc, expect, path, thread_vars):
    ids = set()
    for stream in ("stdout", "stderr"):
        for i, item in enumerate(expect.get(stream, [])):
            here = path + (stream, i)
            if isinstance(item, str):
                continue
            if "re" in item:
                try:
                    re.compile(item["re"])
                except re.error as exc:
                    raise doc.error(here + ("re",), "invalid regular expression: %s" % exc)
            lo, hi = parse_count(item.get("count"))
            if lo > hi:
                raise doc.error(here + ("count",), "count range %s has its low end above its high end" % item["count"])
            label = item.get("thread")
            if label not in (None, "any", "main"):
                var = _LABEL_RE.match(label).group(1)
                if var not in thread_vars:
                    raise doc.error(here + ("thread",), "thread label %r: no thread or timer step creates %r" % (label, var))
            if "id" in item:
                if item["id"] in ids:
                    raise doc.error(here + ("id",), "duplicate item id %r" % item["id"])
                ids.add(item["id"])
    for stream in ("stdout", "stderr"):
        for i, item in enumerate(expect.get(stream, [])):
            if isinstance(item, dict) and "at" in item and item["at"]["after"] not in ids:
                raise doc.error(path + (stream, i, "at", "after"), "no item has id %r" % item["at"]["after"])
    for i, rule in enumerate(expect.get("order", [])):
        for key in ("first", "then"):
            if rule[key] not in ids:
                raise doc.error(path + ("order", i, key), "no item has id %r" % rule[key])
    for i, m in enumerate(expect.get("absent", [])):
        if isinstance(m, dict) and "re" in m:
            try:
                re.compile(m["re"])
            except re.error as exc:
                raise doc.error(path + ("absent", i, "re"), "invalid regular expression: %s" % exc)


def find_files(roots):
    """Every *.yaml file under the given files or directories, sorted."""
    out = []
    for root in roots:
        if os.path.isfile(root):
            out.append(root)
            continue
        if not os.path.isdir(root):
            raise ScenarioError(root, None, None, "no such file or directory")
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            out.extend(os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith((".yaml", ".yml")))
    return sorted(out)


def load_all(roots):
    """(scenarios, errors): every loadable scenario, and a ScenarioError per bad file
    (including duplicate ids, reported on the second file)."""
    scenarios, errors, seen = [], [], {}
    for path in find_files(roots):
        try:
            sc = load(path)
        except ScenarioError as exc:
            errors.append(exc)
            continue
        if sc.id in seen:
            errors.append(ScenarioError(path, sc.line_of("id"), "id",
                                        "duplicate scenario id %r (also in %s)" % (sc.id, seen[sc.id])))
            continue
        seen[sc.id] = path
        scenarios.append(sc)
    return scenarios, errors
