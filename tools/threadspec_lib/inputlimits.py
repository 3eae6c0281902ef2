"""The limits of scenario and expectations files (specs/README.md, "Limits"), checked so
that no input can crash, hang or exhaust the loader: size, control characters, nesting
depth, alias expansion and integer size before YAML builds anything (PyYAML's composer
recurses once per nesting level, aliases share nodes that a walk would expand, and Python
refuses to convert integers of more than 4300 digits); finite numbers, bounded seconds and
counts, and regular expressions that cannot backtrack catastrophically, once loaded.
Every problem is a ScenarioError naming the file, line and field."""

import re

import yaml

from . import limits
from .loader import ScenarioError, field_name

try:   # Python 3.11+
    import re._parser as _sre_parse
    import re._constants as _sre
except ImportError:   # older Pythons
    import sre_parse as _sre_parse
    import sre_constants as _sre

# libyaml's event parser when PyYAML has it (four times faster); both are iterative
_EVENT_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_INT = re.compile(r"^[-+]?(0[xob])?[0-9a-fA-F_]+$")
# The seconds the harness itself waits for: a scenario's deadline and the timings of its
# expectations. A step's seconds (a sleep, a timeout) need only be finite: an absurd one is
# the program's business (CPython raises OverflowError), and the deadline bounds the run.
HARNESS_SECONDS_KEYS = ("running_after", "seconds", "tolerance")


def _is_harness_seconds(where):
    if where == ("timeout",):
        return True
    return bool(where) and where[-1] in HARNESS_SECONDS_KEYS and where[0] in ("expect", "variants")
_COUNT_RE = re.compile(r"^\s*(\d{1,9})\s*\.\.\s*(\d{1,9})\s*$")


def check_size(path, raw):
    """raw: the file's first MAX_FILE_BYTES + 1 bytes."""
    if len(raw) > limits.MAX_FILE_BYTES:
        raise ScenarioError(path, None, None, "the file is larger than %d bytes" % limits.MAX_FILE_BYTES)


def prescan(path, text):
    """Check what the YAML parser sees, event by event (no recursion, nothing built)."""
    depth = 0
    expanded = 0
    sizes = {}
    stack = []
    try:
        for ev in yaml.parse(text, Loader=_EVENT_LOADER):
            line = ev.start_mark.line + 1 if ev.start_mark else None
            if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                expanded += 1
                if depth > limits.MAX_DEPTH:
                    raise ScenarioError(path, line, None, "nested more than %d levels deep" % limits.MAX_DEPTH)
                stack.append((ev.anchor, expanded - 1))
            elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
                anchor, start = stack.pop()
                if anchor:
                    sizes[anchor] = expanded - start
            elif isinstance(ev, yaml.ScalarEvent):
                expanded += 1
                if ev.anchor:
                    sizes[ev.anchor] = 1
                value = ev.value
                if not ev.style and len(value) > limits.MAX_INT_DIGITS + 3 and _PLAIN_INT.match(value):
                    raise ScenarioError(path, line, None, "an integer of %d characters; integers must be below 10**%d"
                                        % (len(value), limits.MAX_INT_DIGITS))
            elif isinstance(ev, yaml.AliasEvent):
                expanded += sizes.get(ev.anchor, 1)
            if expanded > limits.MAX_NODES:
                raise ScenarioError(path, line, None, "more than %d values once aliases are expanded" % limits.MAX_NODES)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ScenarioError(path, mark.line + 1 if mark else None, None, "invalid YAML: %s" % (exc.problem or exc.context))
    except yaml.reader.ReaderError as exc:
        position = exc.position if isinstance(exc.position, int) else 0
        char = exc.character if isinstance(exc.character, int) else ord(text[position]) if position < len(text) else 0
        raise ScenarioError(path, text[:position].count("\n") + 1, None,
                            "invalid YAML: unacceptable character #x%04x (control characters are not allowed)" % char)
    except yaml.YAMLError as exc:
        raise ScenarioError(path, None, None, "invalid YAML: %s" % " ".join(str(exc).split()))


def regex_problem(pattern):
    """Why a regular expression is refused, or None: too long, invalid, or an unbounded
    repeat of something that itself repeats (`(a+)+`), which backtracks exponentially.
    Backreferences are allowed (scenarios use them to say "the same ident twice"); what any
    pattern costs is bounded by the killable check worker (limits.CHECK_SECONDS)."""
    if len(pattern) > limits.MAX_REGEX_CHARS:
        return "a regular expression longer than %d characters" % limits.MAX_REGEX_CHARS
    try:
        re.compile(pattern)
        tree = _sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return "invalid regular expression: %s" % exc
    repeats = (_sre.MAX_REPEAT, _sre.MIN_REPEAT) + ((_sre.POSSESSIVE_REPEAT,) if hasattr(_sre, "POSSESSIVE_REPEAT") else ())
    todo = [(list(tree), False)]
    while todo:
        seq, in_unbounded = todo.pop()
        for op, av in seq:
            if op in repeats:
                lo, hi, sub = av
                if in_unbounded and hi > 1:
                    return ("regular expression %r repeats a repeat without bound (as in (a+)+), which can take "
                            "exponential time; write it without the nested repeat" % limits.clip_text(pattern, 80))
                todo.append((list(sub), in_unbounded or hi == _sre.MAXREPEAT))
            elif op == _sre.SUBPATTERN:
                todo.append((list(av[-1]), in_unbounded))
            elif op == _sre.BRANCH:
                todo.extend((list(b), in_unbounded) for b in av[1])
            elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
                todo.append((list(av[1]), in_unbounded))
    return None


def check_values(path, data, line_of):
    """Every number finite and bounded, the harness's seconds at most MAX_SECONDS, every
    count at most MAX_COUNT, every `re` acceptable. line_of(path tuple) -> line."""
    def fail(where, message):
        raise ScenarioError(path, line_of(where), field_name(where), message)

    todo = [((), data)]
    while todo:
        where, value = todo.pop()
        key = where[-1] if where else None
        if isinstance(value, dict):
            todo.extend((where + (k,), v) for k, v in value.items())
        elif isinstance(value, list):
            todo.extend((where + (i,), v) for i, v in enumerate(value))
        elif isinstance(value, float) and not limits.finite(value):
            fail(where, "%r is not a finite number" % value)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** limits.MAX_INT_DIGITS:
            fail(where, "integer out of range (at most %d digits)" % limits.MAX_INT_DIGITS)
        if _is_harness_seconds(where) and isinstance(value, (int, float)) and not isinstance(value, bool) \
                and limits.finite(value) and value > limits.MAX_SECONDS:
            fail(where, "%g seconds is more than the limit of %g" % (value, limits.MAX_SECONDS))
        if key == "count":
            if isinstance(value, int) and not isinstance(value, bool) and value > limits.MAX_COUNT:
                fail(where, "count %d is more than the limit of %d" % (value, limits.MAX_COUNT))
            if isinstance(value, str):
                m = _COUNT_RE.match(value)
                if m and int(m.group(2)) > limits.MAX_COUNT:
                    fail(where, "count %s is more than the limit of %d" % (value, limits.MAX_COUNT))
                if not m and re.match(r"^\s*\d+\s*\.\.\s*\d+\s*$", value):
                    fail(where, "count %s is more than the limit of %d" % (limits.clip_text(value, 40), limits.MAX_COUNT))
        if key == "re" and isinstance(value, str):
            why = regex_problem(value)
            if why:
                fail(where, why)
