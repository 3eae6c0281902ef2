"""The step vocabulary (specs/vocabulary.yaml) and everything generated from it: the step
definitions of specs/scenario.schema.json, the step tables of specs/README.md (between
`<!-- vocabulary: ... -->` markers) and the C++ executor's field table."""

import collections
import json
import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VOCABULARY_PATH = os.path.join(ROOT, "specs", "vocabulary.yaml")
SCHEMA_PATH = os.path.join(ROOT, "specs", "scenario.schema.json")
README_PATH = os.path.join(ROOT, "specs", "README.md")
CPP_HEADER_PATH = os.path.join(ROOT, "cpp_impl", "executor", "vocabulary_table.hpp")
EXPRESSION_CASES_PATH = os.path.join(ROOT, "specs", "expression-cases.json")

NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$"
EXPR_STRING_PATTERN = r"^\{[^{}]*\}$"
KINDS = ("new-var", "var", "fn", "fn-or-default", "callable", "template", "value", "values", "kwargs",
         "expr", "seconds", "int", "bool", "steps", "exception-type", "handlers", "stream",
         "assign-target", "class-name", "none")
GROUPS = collections.OrderedDict([("threads", "Threads"), ("values", "Values and object lifetimes"),
                                  ("control", "Control"), ("output", "Output"),
                                  ("sync", "Synchronisation and thread-local data")])


class Field(object):
    def __init__(self, name, spec, step_protocol):
        self.name = name
        self.kind = spec["kind"]
        self.required = bool(spec.get("required", False))
        self.protocol = int(spec.get("protocol", step_protocol))
        self.minimum = spec.get("minimum")
        self.nullable = bool(spec.get("nullable", False))


class Step(object):
    def __init__(self, name, spec):
        self.name = name
        self.protocol = int(spec["protocol"])
        self.group = spec["group"]
        self.key = spec["key"]
        self.role = spec["role"]
        self.python = spec["python"]
        self.fields = collections.OrderedDict(
            (fname, Field(fname, fspec, self.protocol)) for fname, fspec in (spec.get("fields") or {}).items())

    def canonical_name(self, field):
        """The canonical (spec 8.2) name of a field: `do` becomes `body`."""
        return "body" if field == "do" else field


class Vocabulary(object):
    def __init__(self, data):
        self.protocols = {int(k): v for k, v in data["protocols"].items()}
        self.exceptions = collections.OrderedDict((k, (int(v[0]), v[1])) for k, v in data["exceptions"].items())
        self.exception_bases = collections.OrderedDict((k, v[2]) for k, v in data["exceptions"].items())
        for name, base in self.exception_bases.items():
            if base is not None and base not in self.exceptions:
                raise ValueError("vocabulary: exception %r derives from unknown %r" % (name, base))
        self.roots = collections.OrderedDict((k, (int(v[0]), v[1])) for k, v in data["roots"].items())
        self.builtins = collections.OrderedDict((k, (int(v[0]), v[1])) for k, v in data["builtins"].items())
        self.steps = collections.OrderedDict((name, Step(name, spec)) for name, spec in data["steps"].items())
        for step in self.steps.values():
            for kind in [step.key] + [f.kind for f in step.fields.values()]:
                if kind not in KINDS:
                    raise ValueError("vocabulary: step %r uses unknown kind %r" % (step.name, kind))
            if step.group not in GROUPS:
                raise ValueError("vocabulary: step %r has unknown group %r" % (step.name, step.group))

    @property
    def max_protocol(self):
        return max(self.protocols)

    def step_names(self, protocol=None):
        return sorted(n for n, s in self.steps.items() if protocol is None or s.protocol <= protocol)


_cache = {}


def load(path=VOCABULARY_PATH):
    if path not in _cache:
        with open(path) as f:
            _cache[path] = Vocabulary(yaml.safe_load(f))
    return _cache[path]


# --------------------------------------------------------------------------- schema
def _name():
    return {"type": "string", "pattern": NAME_PATTERN}


def _expr_string():
    return {"type": "string", "pattern": EXPR_STRING_PATTERN}


def kind_schema(field_or_kind, vocab):
    """The JSON Schema of a field (or of a step's own key, given its kind)."""
    kind = field_or_kind if isinstance(field_or_kind, str) else field_or_kind.kind
    minimum = None if isinstance(field_or_kind, str) else field_or_kind.minimum
    nullable = False if isinstance(field_or_kind, str) else field_or_kind.nullable
    if kind in ("new-var", "var", "fn", "fn-or-default", "class-name"):
        return _name()
    if kind == "callable":
        return {"$ref": "#/$defs/callable"}
    if kind == "template":
        return {"type": "string"}
    if kind == "value":
        return {"$ref": "#/$defs/value"}
    if kind == "values":
        return {"type": "array", "items": {"$ref": "#/$defs/value"}}
    if kind == "kwargs":
        return {"$ref": "#/$defs/kwargs"}
    if kind == "expr":
        return {"type": "string", "minLength": 1}
    if kind in ("seconds", "int"):
        number = {"type": "number" if kind == "seconds" else "integer"}
        if minimum is not None:
            number["minimum"] = minimum
        alternatives = [number, _expr_string()] + ([{"type": "null"}] if nullable else [])
        return {"oneOf": alternatives}
    if kind == "bool":
        return {"oneOf": [{"type": "boolean"}, _expr_string()]}
    if kind == "steps":
        return {"$ref": "#/$defs/steps"}
    if kind == "exception-type":
        return {"enum": list(vocab.exceptions)}
    if kind == "handlers":
        return {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/handler"}}
    if kind == "stream":
        return {"enum": ["stdout", "stderr"]}
    if kind == "assign-target":
        # NAME, NAME.ATTR, or an item target E[K] (the loader parses it as an expression)
        return {"type": "string",
                "pattern": "^([A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?|[^{}]*\\]\\s*)$"}
    if kind == "none":
        return {"type": "null"}
    raise ValueError("unknown kind %r" % kind)


def schema_defs(vocab):
    """The generated part of the schema's $defs: steps_by_name, callable, kwargs, handler."""
    steps = collections.OrderedDict()
    for name, step in vocab.steps.items():
        props = collections.OrderedDict([(name, kind_schema(step.key, vocab))])
        for fname, field in step.fields.items():
            props[fname] = kind_schema(field, vocab)
        steps[name] = {"type": "object", "properties": props,
                       "required": [name] + [f for f, fd in step.fields.items() if fd.required],
                       "additionalProperties": False}
    return {
        "callable": {"oneOf": [
            _name(),
            {"type": "object", "properties": {"lambda": _name()}, "required": ["lambda"],
             "additionalProperties": False},
            {"type": "object", "properties": {"partial": _name(),
                                              "args": {"type": "array", "items": {"$ref": "#/$defs/value"}},
                                              "kwargs": {"$ref": "#/$defs/kwargs"}},
             "required": ["partial"], "additionalProperties": False},
            {"type": "object", "properties": {"var": _name()}, "required": ["var"],
             "additionalProperties": False}]},
        "kwargs": {"type": "object", "propertyNames": {"pattern": NAME_PATTERN},
                   "additionalProperties": {"$ref": "#/$defs/value"}},
        "handler": {"type": "object", "properties": {
            "type": {"oneOf": [{"enum": list(vocab.exceptions)},
                               {"type": "array", "minItems": 1, "items": {"enum": list(vocab.exceptions)}}]},
            "as": _name(), "do": {"$ref": "#/$defs/steps"}},
            "required": ["type", "do"], "additionalProperties": False},
        "steps_by_name": steps,
    }


def schema_text(vocab, current):
    """The schema file's text with its generated $defs replaced."""
    schema = json.loads(current, object_pairs_hook=collections.OrderedDict)
    schema["title"] = ("threadspec scenario (protocols %s); specs/README.md is the prose specification; "
                       "$defs.steps_by_name, callable, kwargs and handler are generated from "
                       "specs/vocabulary.yaml" % ", ".join(str(p) for p in sorted(vocab.protocols)))
    schema["$defs"].update(schema_defs(vocab))
    return json.dumps(schema, indent=1, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- README tables
_MARKER_RE = re.compile(r"(<!-- vocabulary: ([a-z ]+) -->\n)(.*?)(<!-- /vocabulary -->)", re.S)


def _field_text(field, step):
    text = "`%s` %s" % (field.name, field.kind)
    if field.protocol > step.protocol:
        text += " [p%d]" % field.protocol
    return text if field.required else "[%s]" % text


def _md(text):
    return text.replace("|", "\\|")


def _table(what, vocab):
    if what.startswith("steps "):
        group = what.split()[1]
        rows = ["| step | fields (`[optional]`) | Python | p |", "|---|---|---|---|"]
        for step in vocab.steps.values():
            if step.group != group:
                continue
            fields = ", ".join(_field_text(f, step) for f in step.fields.values()) or ""
            rows.append("| `%s`: %s | %s | %s | %d |" % (step.name, step.key, fields, _md(step.python), step.protocol))
        return rows
    if what == "canonical":
        rows = []
        for step in vocab.steps.values():
            names = ([step.role] if step.role else []) + [step.canonical_name(f) for f in step.fields]
            required = ([step.role] if step.role else []) + [step.canonical_name(f) for f, fd in step.fields.items()
                                                             if fd.required]
            optional = [n for n in names if n not in required]
            text = ", ".join("`%s`" % n for n in required)
            if optional:
                text += ("; optional " if text else "optional ") + ", ".join("`%s`" % n for n in optional)
            rows.append("| %s | %s |" % (step.name, text or "(none)"))
        return rows
    if what == "exceptions":
        return ["| `%s` | %s | %s | %d |" % (name, _md(python), "`%s`" % vocab.exception_bases[name]
                                              if vocab.exception_bases[name] else "", protocol)
                for name, (protocol, python) in vocab.exceptions.items()]
    table = {"roots": vocab.roots, "builtins": vocab.builtins}[what]
    return ["| `%s` | %s | %d |" % (name, _md(python), protocol) for name, (protocol, python) in table.items()]


def readme_text(vocab, current):
    """specs/README.md with every marked table regenerated."""
    def sub(m):
        return m.group(1) + "\n".join(_table(m.group(2).strip(), vocab)) + "\n" + m.group(4)
    return _MARKER_RE.sub(sub, current)


# --------------------------------------------------------------------------- C++ header
def cpp_header(vocab):
    """The C++ executor's step and field table (C++20, no dependencies)."""
    out = ["// Generated from specs/vocabulary.yaml by `tools/threadspec vocabulary --cpp-header`.",
           "// Do not edit: change the vocabulary and regenerate (a test checks this file is current).",
           "#pragma once", "", "#include <array>", "#include <cstddef>", "#include <string_view>", "",
           "namespace threadspec::vocabulary {", "",
           "// One field of a step: its key, its kind (specs/README.md 4.8), whether the step needs it,",
           "// and the protocol that introduced it.",
           "struct Field {", "  std::string_view name;", "  std::string_view kind;", "  bool required;",
           "  int protocol;", "};", "",
           "// One step: its name, the protocol that introduced it, the canonical field its own value",
           "// moves to (empty for a step that takes none), that value's kind, and its canonical",
           "// fields, the role's first: kFields[first_field, first_field + field_count).",
           "struct Step {", "  std::string_view name;", "  int protocol;", "  std::string_view role;",
           "  std::string_view key_kind;", "  std::size_t first_field;", "  std::size_t field_count;", "};", "",
           "// An exception type a scenario can raise or catch, the nearest listed class it derives",
           "// from (empty for BaseException), and the protocol that introduced its name.",
           "struct Exception {", "  std::string_view name;", "  std::string_view base;", "  int protocol;", "};", "",
           "inline constexpr int kMaxProtocol = %d;" % vocab.max_protocol, ""]
    fields, steps = [], []
    for step in vocab.steps.values():
        first = len(fields)
        if step.role:
            fields.append('    Field{"%s", "%s", true, %d},' % (step.role, step.key, step.protocol))
        for f in step.fields.values():
            fields.append('    Field{"%s", "%s", %s, %d},' % (step.canonical_name(f.name), f.kind,
                                                                "true" if f.required else "false", f.protocol))
        steps.append('    Step{"%s", %d, "%s", "%s", %d, %d},' % (step.name, step.protocol, step.role or "",
                                                                 step.key, first, len(fields) - first))
    out.append("inline constexpr std::array<Field, %d> kFields = {{" % len(fields))
    out += fields
    out += ["}};", ""]
    out.append("inline constexpr std::array<Step, %d> kSteps = {{" % len(steps))
    out += steps
    out += ["}};", ""]
    out.append("inline constexpr std::array<Exception, %d> kExceptions = {{" % len(vocab.exceptions))
    out += ['    Exception{"%s", "%s", %d},' % (name, vocab.exception_bases[name] or "", protocol)
            for name, (protocol, _) in vocab.exceptions.items()]
    out += ["}};", "", "}  // namespace threadspec::vocabulary", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- expression cases
def _json_tree(tree):
    """A parse tree (expr.py's tuples) as JSON: [TAG, ...] with child trees nested."""
    if isinstance(tree, tuple):
        return [_json_tree(x) for x in tree]
    if isinstance(tree, list):
        return [_json_tree(x) for x in tree]
    return tree


def expression_cases_text(current):
    """specs/expression-cases.json with every case's outcome recomputed by expr.py: the
    shared test vectors an executor's own expression and template parser is checked
    against (a tree, the template's parts, or the 1-based column of the error)."""
    from . import expr
    doc = json.loads(current, object_pairs_hook=collections.OrderedDict)
    for case in doc["cases"]:
        for key in ("tree", "parts", "error"):
            case.pop(key, None)
        try:
            if "expr" in case:
                case["tree"] = _json_tree(expr.parse(case["expr"]))
            else:
                case["parts"] = [p if isinstance(p, str) else {"source": p[0], "tree": _json_tree(p[1]),
                                                                "column": p[2]}
                                 for p in expr.parse_template(case["template"])]
        except expr.ExprError as exc:
            case["error"] = exc.column
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- files
def generated_files(vocab=None):
    """{path: (current text or None, generated text)} for every file made from the vocabulary."""
    vocab = vocab or load()
    out = {}
    with open(SCHEMA_PATH) as f:
        current = f.read()
    out[SCHEMA_PATH] = (current, schema_text(vocab, current))
    with open(README_PATH) as f:
        current = f.read()
    out[README_PATH] = (current, readme_text(vocab, current))
    current = None
    if os.path.exists(CPP_HEADER_PATH):
        with open(CPP_HEADER_PATH) as f:
            current = f.read()
    out[CPP_HEADER_PATH] = (current, cpp_header(vocab))
    with open(EXPRESSION_CASES_PATH) as f:
        current = f.read()
    out[EXPRESSION_CASES_PATH] = (current, expression_cases_text(current))
    return out
