"""Loading scenarios: safe YAML with line numbers, JSON Schema and semantic validation,
and the canonical form that executors read (specs/README.md sections 1-5 and 8.2).

Every problem is a ScenarioError naming the file, the line and the field; nothing here
prints or exits, so one bad file never stops a run.
"""

import json
import os
import re

import yaml

from . import conditions, expr, versions, vocabulary

SPECS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "specs")
SCHEMA_PATH = os.path.join(SPECS_DIR, "scenario.schema.json")
# Files under specs/ that are not scenarios.
NOT_SCENARIOS = {os.path.join(SPECS_DIR, "vocabulary.yaml")}

_LABEL_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?$")
# Fields of a step whose function is called with the object first (self).
_SELF_FUNCTIONS = {("thread", "run"), ("local", "init"), ("object", "call"), ("object", "bool")}


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


# libyaml's safe loader when PyYAML was built with it (Debian's is): it composes the same
# nodes, with their marks, about twenty times faster than the pure-Python one.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Document:
    """A YAML document as plain data plus the line of every node, by data path."""

    def __init__(self, path, text):
        self.path = path
        self.lines = {}
        loader = _SafeLoader(text)
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
        if best is not None and best.validator == "pattern" and best.validator_value == vocabulary.EXPR_STRING_PATTERN:
            wanted = [e.validator_value for e in error.context if e.validator == "type"]
            wanted = " or ".join(w if isinstance(w, str) else " or ".join(w) for w in wanted) or "value"
            return ("expected a %s (or a string that is exactly one {EXPR}), not %r" % (wanted, error.instance),
                    list(best.absolute_path))
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


def _sub_validator(schema_path):
    """A validator of the part of the schema at schema_path (cached: building one is costly)."""
    key = ("sub",) + tuple(schema_path)
    if key not in _schema_cache:
        validator, cls, schema = _validator()
        sub = schema
        for part in schema_path:
            sub = sub[part]
        _schema_cache[key] = cls(sub, resolver=validator.resolver)
    return _schema_cache[key]


def _check_schema(doc, instance, schema_path, data_path):
    v = _sub_validator(schema_path)
    if v.is_valid(instance):
        return
    errors = sorted(v.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        message, rel = _schema_message(errors[0])
        raise doc.error(tuple(data_path) + tuple(rel), message)


def step_name(step):
    """The name of a step: the first key of its mapping."""
    return next(iter(step))

class Scenario(object):
    """A validated scenario: its data, file, and the canonical form for executors."""

    def __init__(self, path, data, doc, protocol=1, steps_used=None, protocol_reason=None):
        self.path, self.data, self.doc = path, data, doc
        self.id = data["id"]
        self.protocol = protocol        # the protocol the scenario needs (spec 8.1)
        self.protocol_reason = protocol_reason or (None, "format 1")   # (line, what needs it)
        self.steps_used = steps_used or {}   # step name -> the line of its first use

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
        out = {"id": self.id, "protocol": self.protocol, "functions": functions,
               "main": self._canon_steps(self.data["main"], ("main",))}
        if "logging" in self.data:
            out["logging"] = self.data["logging"]
        return out

    def _canon_steps(self, steps, path):
        vocab = vocabulary.load()
        result = []
        for i, step in enumerate(steps):
            name = step_name(step)
            spec = vocab.steps[name]
            c = {"op": name, "line": self.doc.line(path + (i,))}
            for key, value in step.items():
                if key == name:
                    if spec.role:
                        c[spec.role] = self._canon_value(spec.key, value, path + (i, key))
                else:
                    c[spec.canonical_name(key)] = self._canon_value(spec.fields[key].kind, value, path + (i, key))
            if name == "print":
                c.setdefault("file", "stdout")
            result.append(c)
        return result

    def _canon_value(self, kind, value, path):
        if kind == "steps":
            return self._canon_steps(value, path)
        if kind == "handlers":
            out = []
            for i, h in enumerate(value):
                types = h["type"] if isinstance(h["type"], list) else [h["type"]]
                c = {"types": types, "body": self._canon_steps(h["do"], path + (i, "do")),
                     "line": self.doc.line(path + (i,))}
                if "as" in h:
                    c["as"] = h["as"]
                out.append(c)
            return out
        return value

def load(path):
    """Load and validate one scenario file. Raises ScenarioError, and only that: any
    other exception becomes one naming the file."""
    try:
        return _load(path)
    except ScenarioError:
        raise
    except Exception as exc:
        from .containment import one_line
        raise ScenarioError(path, None, None, "cannot load the file: %s" % one_line(exc))


def read_document(path):
    """Read a YAML file of the project (a scenario, an expectations or a registry file)
    within the input limits (spec 12): bounded size, UTF-8, pre-scanned for depth, aliases
    and huge integers, every number finite and bounded. Raises ScenarioError."""
    from . import inputlimits, limits
    try:
        with open(path, "rb") as f:
            raw = f.read(limits.MAX_FILE_BYTES + 1)
    except (IOError, OSError) as exc:
        raise ScenarioError(path, None, None, "cannot read the file: %s" % exc.strerror)
    inputlimits.check_size(path, raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(path, raw[:exc.start].count(b"\n") + 1, None, "the file is not UTF-8")
    inputlimits.prescan(path, text)
    doc = _Document(path, text)
    inputlimits.check_values(path, doc.data, doc.line)
    return doc


def _load(path):
    doc = read_document(path)
    data = doc.data
    if not isinstance(data, dict):
        raise ScenarioError(path, 1, None, "a scenario is a mapping with id, title, source, main and expect")
    _check_schema(doc, data, (), ())
    sem = _check_semantics(doc, data)
    return Scenario(path, data, doc, sem.protocol, sem.steps_used, sem.protocol_reason)


class _Semantics(object):
    """The rules of spec 4.6 beyond the schema, and the protocol the scenario needs (8.1):
    one walk over every step, then the checks that need the whole scenario (names)."""

    def __init__(self, doc, data):
        self.doc, self.data = doc, data
        self.vocab = vocabulary.load()
        self.functions = data.get("functions", {})
        self.created = set()        # every variable some step creates
        self.created_by = {}        # variable -> the steps that create it ("as": a handler)
        self.args_reads = []        # (object node, path, why): `E.args`, protocol 3 unless E is an exception
        self.params = set()
        self.scope = None           # the function being walked; None: main
        self.created_in = {None: set()}   # scope -> the variables its steps create
        self.params_of = {}
        self.thread_labels = set()  # variables (and start_new_thread labels) that label threads
        self.uses = []              # (name, path, what, scope, created above it in main)
        self.calls = []             # (fn, path, what, min_params)
        self.protocol = 1
        self.protocol_reason = None
        self.steps_used = {}        # step name -> first line

    def need(self, protocol, path, why):
        if protocol > self.protocol:
            self.protocol, self.protocol_reason = protocol, (self.doc.line(path), why)

    def run(self):
        for fname, fn in self.functions.items():
            if isinstance(fn, dict):
                for i, p in enumerate(fn.get("params", [])):
                    if p in expr.PYTHON_KEYWORDS:
                        raise self.doc.error(("functions", fname, "params", i),
                                             "parameter name %r is a Python keyword" % p)
                    self.params.add(p)
            self.scope = fname
            self.created_in[fname] = set()
            self.params_of[fname] = set(fn.get("params", [])) if isinstance(fn, dict) else set()
            body_path = ("functions", fname) if isinstance(fn, list) else ("functions", fname, "body")
            self.steps(fn if isinstance(fn, list) else fn["body"], body_path, in_handler=False)
        self.scope = None
        self.steps(self.data["main"], ("main",), in_handler=False)
        self.finish()

    # -- walking
    def steps(self, steps, path, in_handler):
        by_name = _validator()[2]["$defs"]["steps_by_name"]
        for i, step in enumerate(steps):
            here = path + (i,)
            if not isinstance(step, dict) or not step:
                raise self.doc.error(here, "a step must be a mapping such as {print: text}, not %r" % (step,))
            name = step_name(step)
            if name not in by_name:
                raise self.doc.error(here + (name,), "unknown step %r (known steps: %s)" %
                                     (name, ", ".join(sorted(by_name))))
            _check_schema(self.doc, step, ("$defs", "steps_by_name", name), here)
            self.step(name, step, here, in_handler)

    def step(self, name, step, here, in_handler):
        spec = self.vocab.steps[name]
        self.steps_used.setdefault(name, self.doc.line(here))
        self.need(spec.protocol, here, "step %r" % name)
        fields = [(spec.key, step[name], name)]
        for key, value in step.items():
            if key != name:
                self.need(spec.fields[key].protocol, here + (key,), "field %r of %s" % (key, name))
                fields.append((spec.fields[key].kind, value, key))
        # What the step reads, then what it creates, then its bodies (which see both).
        for phase in _PHASES:
            for kind, value, key in fields:
                if _phase(kind, value) == phase:
                    self.value(kind, value, here + (key,), name, in_handler, (name, key) in _SELF_FUNCTIONS)
        # rules of single steps
        if name == "for" and ("range" in step) == ("in" in step):
            raise self.doc.error(here, "a for step needs exactly one of 'range' or 'in'")
        if name == "try" and "except" not in step and "finally" not in step:
            raise self.doc.error(here + ("try",), "a try step needs 'except' or 'finally'")
        if name in ("thread", "timer"):
            self.thread_labels.add(step[name])
        if name == "start_new_thread" and "label" in step:
            self.thread_labels.add(step["label"])
        if name == "excepthook" and step[name] != "default":
            self.calls.append((step[name], here + (name,), "excepthook", "exactly one"))

    def value(self, kind, value, path, step, in_handler, self_function=False):
        if kind == "new-var":
            if value in expr.KEYWORDS:
                raise self.doc.error(path, "%r is a word of the expression language, not a variable name" % value)
            if value in expr.PYTHON_KEYWORDS:
                raise self.doc.error(path, "%r is a Python keyword, not a variable name" % value)
            self.created.add(value)
            self.created_in[self.scope].add(value)
            self.created_by.setdefault(value, set()).add(step)
        elif kind == "var":
            self.use(value, path, step)
        elif kind == "fn":
            self.calls.append((value, path, step, "at least one" if self_function else None))
        elif kind == "fn-or-default":
            if value != "default":
                self.calls.append((value, path, step, None))
        elif kind == "callable":
            if isinstance(value, dict) and "var" in value:
                self.need(3, path, "a var callable")
                self.use(value["var"], path + ("var",), step)
            elif isinstance(value, dict):
                self.need(2, path, "a %s callable" % next(iter(value)))
                fn = value.get("lambda", value.get("partial"))
                self.calls.append((fn, path + (next(iter(value)),), step, None))
                for key in ("args", "kwargs"):
                    if key in value:
                        self.value(key if key == "kwargs" else "values", value[key], path + (key,), step, in_handler)
            else:
                self.calls.append((value, path, step, None))
        elif kind == "template":
            self.template(value, path)
        elif kind == "value":
            if isinstance(value, list):
                for i, item in enumerate(value):
                    self.value("value", item, path + (i,), step, in_handler)
            elif isinstance(value, str):
                self.template(value, path)
        elif kind == "values":
            for i, item in enumerate(value):
                self.value("value", item, path + (i,), step, in_handler)
        elif kind == "kwargs":
            for key, item in value.items():
                self.value("value", item, path + (key,), step, in_handler)
        elif kind == "expr":
            if step == "for" and value.strip().startswith("{"):
                raise self.doc.error(path, "'in' takes an expression, not a template: write %s, not %s" %
                                     (value.strip()[1:-1].strip() or "enumerate", value))
            try:
                tree = expr.parse(value)
            except expr.ExprError as exc:
                raise self.doc.error(path, "bad expression %r: %s" % (value, exc))
            self.expression(value, tree, path)
            if step == "subclass" and _never_a_class(tree):
                raise self.doc.error(path, "a subclass base must be a class (or Lock), and %r never is" % value)
        elif kind in ("seconds", "int", "bool"):
            if isinstance(value, str):
                self.need(2, path, "an {EXPR} number")
                self.template(value, path)
        elif kind == "steps":
            self.steps(value, path, in_handler)
        elif kind == "handlers":
            for i, h in enumerate(value):
                for t in (h["type"] if isinstance(h["type"], list) else [h["type"]]):
                    self.need(self.vocab.exceptions[t][0], path + (i, "type"), "exception type %r" % t)
                if "as" in h:
                    self.value("new-var", h["as"], path + (i, "as"), "as", in_handler)
                self.steps(h["do"], path + (i, "do"), in_handler=True)
        elif kind == "exception-type":
            self.need(self.vocab.exceptions[value][0], path, "exception type %r" % value)
        elif kind == "assign-target":
            if _is_item_target(value):
                try:
                    tree = expr.parse(value)
                except expr.ExprError as exc:
                    raise self.doc.error(path, "bad item target %r: %s" % (value, exc))
                if tree[0] != "index":
                    raise self.doc.error(path, "an assign target is NAME, NAME.ATTR or an item E[K], not %r" % value)
                self.need(3, path, "an item target")
                self.expression(value, tree, path)
            elif "." in value:
                self.use(value.split(".")[0], path, step)
            else:
                self.value("new-var", value, path, step, in_handler)

    def template(self, text, path):
        try:
            parts = expr.parse_template(text)
        except expr.ExprError as exc:
            raise self.doc.error(path, "bad template %r: %s" % (text, exc))
        for part in parts:
            if isinstance(part, tuple):
                self.expression(part[0], part[1], path)

    def expression(self, source, tree, path):
        if not expr.is_format1(source):
            self.need(2, path, "the expression %r" % source)
        for node, what in expr.protocol3_features(tree):
            why = "%s in %r" % (what, source)
            if node[2] == "args":
                self.args_reads.append((node[1], path, why))
            else:
                self.need(3, path, why)
        for node in expr.walk(tree):
            if node[0] == "name":
                self.use(node[1], path, "expression %r" % source)
            elif node[0] == "call":
                name = node[1]
                if name in self.vocab.roots:
                    self.need(self.vocab.roots[name][0], path, "%s()" % name)
                elif name in self.vocab.builtins:
                    self.need(self.vocab.builtins[name][0], path, "%s()" % name)
                else:
                    raise self.doc.error(path, "in %r: %s is not a function (roots: %s; builtins: %s)" % (
                        source, name, ", ".join(self.vocab.roots), ", ".join(self.vocab.builtins)))

    def use(self, name, path, what):
        self.uses.append((name, path, what, self.scope, name in self.created_in[None]))

    # -- whole-scenario checks
    def finish(self):
        known = self.created | self.params
        for obj, path, why in self.args_reads:
            if not self._is_exception(obj):
                self.need(3, path, why)
        for name, path, what, scope, above in self.uses:
            if name not in known and what.startswith("expression") and name in self.vocab.roots:
                self.need(self.vocab.roots[name][0], path, name)
        for fn, path, step, params in self.calls:
            if fn not in self.functions:
                raise self.doc.error(path, "%s names function %r, which is not defined in functions" % (step, fn))
            f = self.functions[fn]
            n = len(f.get("params", [])) if isinstance(f, dict) else 0
            if params == "exactly one" and n != 1:
                raise self.doc.error(path, "excepthook function %r must take exactly one parameter (args)" % fn)
            if params == "at least one" and n < 1:
                raise self.doc.error(path, "%s function %r must take the object as its first parameter" % (step, fn))
        for name, path, what, scope, above in self.uses:
            if self.protocol >= 2 and name in known and not self._visible(name, scope, above):
                raise self.doc.error(path, self._not_visible(name, scope, what))
            if name in known:
                continue
            if what.startswith("expression"):
                if name in self.vocab.roots:
                    continue
                if name in self.vocab.builtins:
                    raise self.doc.error(path, "in %s: %s is a builtin function: call it, %s(x)" % (what, name, name))
                raise self.doc.error(path, "%s reads %r, which no step creates, no function takes as a "
                                     "parameter, and is no root (%s)" % (what, name, ", ".join(self.vocab.roots)))
            raise self.doc.error(path, "%s uses %r, which no step creates and no function takes as a parameter" %
                                 (what, name))

    def _is_exception(self, node):
        """The expression node is an exception as protocol 2 knows them, whose `args` is
        protocol 2: a variable that only handlers bind (`as`), or an excepthook argument's
        `exc_value`."""
        if node[0] == "name":
            return self.created_by.get(node[1]) == {"as"} and node[1] not in self.params
        return node[0] == "attr" and node[2] == "exc_value"

    def _visible(self, name, scope, above):
        """Protocol 2 scoping (spec 4.6): main reads what main's steps above create; a
        function reads its parameters, what its own steps create, and main's variables."""
        if scope is None:
            return above
        return name in self.params_of[scope] or name in self.created_in[scope] or name in self.created_in[None]

    def _not_visible(self, name, scope, what):
        if scope is None:
            if name in self.created_in[None]:
                return "%s reads %r before any step of main above it creates it" % (what, name)
            return ("%s reads %r, which only functions create (as their locals) or take as a parameter; "
                    "main cannot see it" % (what, name))
        return ("%s in function %r reads %r, which is neither its parameter, nor created by its steps, nor a "
                "variable of main (it is another function's local)" % (what, scope, name))


# The order in which a step's fields are checked: reads, then creations, then bodies.
_PHASES = ("read", "create", "body")


def _phase(kind, value):
    if kind in ("steps", "handlers"):
        return "body"
    if kind == "new-var" or (kind == "assign-target" and "." not in value and not _is_item_target(value)):
        return "create"
    return "read"


def _never_a_class(tree):
    """Whether an expression's value is never a class, whatever its variables hold: a
    literal, a list, a negation, a comparison, arithmetic, a method's result (the format's
    methods return no class), or a builtin other than type()."""
    tag = tree[0]
    if tag in ("const", "list", "not", "neg", "compare", "method"):
        return True
    if tag == "binop":
        return tree[1] in ("+", "-")
    return tag == "call" and tree[1] in ("len", "str", "repr", "int", "bool")


def _is_item_target(target):
    """An assign target of the form E[K] (spec 4.2), rather than NAME or NAME.ATTR."""
    return target.rstrip().endswith("]")


def _check_semantics(doc, data):
    """Validate the rules beyond the schema; returns the _Semantics (protocol, steps used)."""
    sem = _Semantics(doc, data)
    sem.run()
    _check_expect(doc, data["expect"], ("expect",), sem.thread_labels)
    for i, variant in enumerate(data.get("variants", [])):
        _check_expect(doc, variant["expect"], ("variants", i, "expect"), sem.thread_labels)
    return sem

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


# File names that are never scenarios, in any directory (spec 1): coverage maps of test suites.
NOT_SCENARIO_NAMES = ("coverage.yaml",)


def find_files(roots):
    """Every scenario file: the given files, and every *.yaml file under the given
    directories except NOT_SCENARIOS and NOT_SCENARIO_NAMES, sorted."""
    out = []
    for root in roots:
        if os.path.isfile(root):
            out.append(root)
            continue
        if not os.path.isdir(root):
            raise ScenarioError(root, None, None, "no such file or directory")
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            out.extend(os.path.join(dirpath, f) for f in sorted(filenames)
                       if f.endswith((".yaml", ".yml")) and f not in NOT_SCENARIO_NAMES
                       and os.path.abspath(os.path.join(dirpath, f)) not in NOT_SCENARIOS)
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
