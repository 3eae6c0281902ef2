#!/usr/bin/env python
"""threadspec reference executor: runs one scenario (canonical JSON on stdin, specs/README.md
section 8) with the interpreter's real `threading` module. Stdlib only; runs unchanged on
CPython 2.7 and 3.6+, PyPy and Jython.

The steps map onto the real API as directly as possible, so every interpreter's own
behaviour shows: a keyword it lacks raises its real TypeError, an attribute it lacks its real
AttributeError, a deprecated call its real DeprecationWarning. Expressions and templates are
parsed by tools/threadspec_lib/expr.py, the parser the validator uses.
"""
from __future__ import print_function

import atexit
import functools
import gc
import json
import logging
import os
import platform
import sys
import threading
import time
import warnings
import weakref

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
from threadspec_lib import expr as _expr  # noqa: E402

try:
    import _thread as _threadmod
except ImportError:   # Python 2.7
    import thread as _threadmod
_get_ident = _threadmod.get_ident
try:
    import builtins as _builtins
except ImportError:   # Python 2.7
    import __builtin__ as _builtins

PROTOCOLS = [1, 2, 3]
ERROR_STATUS = 125
try:
    _clock = time.monotonic
except AttributeError:  # Python 2.7
    _clock = time.time
_T0 = _clock()
PY2 = sys.version_info[0] == 2
text_type = unicode if PY2 else str  # noqa: F821
integer_types = (int, long) if PY2 else (int,)  # noqa: F821
_ACTIVE = getattr(threading, "_active", None)   # ident -> Thread, read without creating dummies


class ProgramError(Exception):
    """The scenario cannot be run by this executor (spec 8.2): exit 125 before running."""


# --------------------------------------------------------------------------- output + trace
class Output(object):
    """Every program line goes through here: one lock, the real stream, then one trace event."""

    def __init__(self, trace_path):
        self.lock = threading.RLock()
        self.streams = {"stdout": sys.stdout, "stderr": sys.stderr}
        self.seq = 0
        self.pid = None   # set in a forked child: its events carry it (spec 8.3)
        self.fd = os.open(trace_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644) if trace_path else None

    def _event_tail(self, stream, text):
        """The part of a line's trace event known before it is written (everything but seq
        and t), as JSON text: computed before the line is written, so that a RecursionError
        raised in these Python-level calls can never leave a written line untraced."""
        name, label = LABELS.current()
        event = {"kind": "line", "stream": stream, "text": text, "thread": name, "label": label}
        if self.pid is not None:
            event["pid"] = self.pid
        return json.dumps(event)[1:]

    def trace(self, stream, text):
        if self.fd is not None:
            self._write_event(self._event_tail(stream, text))

    def _write_event(self, tail):
        # Only C-level calls from here on (see _event_tail).
        os.write(self.fd, ('{"seq": %d, "t": %r, %s\n' % (self.seq, round(_clock() - _T0, 6), tail)).encode("utf-8"))
        self.seq += 1

    def started(self):
        """The `started` event: the program starts now (the first event of the trace)."""
        if self.fd is not None:
            with self.lock:
                tail = {"kind": "started"}
                if self.pid is not None:
                    tail["pid"] = self.pid
                self._write_event(json.dumps(tail)[1:])

    def line(self, stream, text):
        f = self.streams[stream]
        tail = self._event_tail(stream, text) if self.fd is not None else None
        data = text + "\n"
        with self.lock:   # only C-level calls inside (see _event_tail)
            f.write(data)
            f.flush()
            if tail is not None:
                os.write(self.fd, ('{"seq": %d, "t": %r, %s\n' % (self.seq, round(_clock() - _T0, 6), tail)).encode("utf-8"))
                self.seq += 1


class TracedStream(object):
    """Stands in for sys.stdout / sys.stderr, so that what the interpreter writes itself (a
    traceback, a thread's exception report, a warning) is also written whole under the
    output lock and traced, attributed to the thread that writes it (spec 8.3)."""

    def __init__(self, name):
        self._name = name
        self._real = OUT.streams[name]
        self._partial = {}

    def write(self, text):
        if PY2 and isinstance(text, str):
            text = text.decode("utf-8", "replace")
        key = _get_ident()
        pieces = (self._partial.pop(key, u"") + text).split(u"\n")
        if pieces[-1]:
            self._partial[key] = pieces[-1]
        for line in pieces[:-1]:
            OUT.line(self._name, line)

    def flush_partial(self):
        """Write what is left without a newline (at exit), untraced."""
        with OUT.lock:
            for text in self._partial.values():
                self._real.write(text)
            self._partial.clear()
            self._real.flush()

    def flush(self):
        self._real.flush()

    def __getattr__(self, name):
        return getattr(self._real, name)


class LabelMap(object):
    """Thread labels (spec 5.2): kept on the thread object, or by ident for a thread that
    `threading` did not create, so that the map never keeps a thread alive."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counters = {}
        # the label of a start_new_thread thread, per thread: it lasts until the thread's
        # state is cleared, so the report of an exception escaping its function (written
        # after the function returned) is labelled too, and a reused ident never inherits it
        self.foreign = _threadmod._local()

    def new(self, var):
        with self.lock:
            k = self.counters.get(var, 0)
            self.counters[var] = k + 1
        return "%s[%d]" % (var, k)

    def current(self):
        """(thread name or None, label or None) of the calling thread; creates no thread object."""
        ident = _get_ident()
        thread = _ACTIVE.get(ident) if _ACTIVE is not None else threading.current_thread()
        name = thread.name if thread is not None else None
        if thread is MAIN:
            return name, "main"
        label = getattr(self.foreign, "label", None)
        if label is None and thread is not None:
            label = getattr(thread, "_threadspec_label", None)
        return name, label


LABELS = LabelMap()
MAIN = threading.current_thread()
OUT = None
PROGRAM_STDERR = [None]   # the program's own sys.stderr, which `set_stderr: default` restores
ORIGINAL_DUNDER_STDERR = [None]   # the interpreter's sys.__stderr__, kept alive


# --------------------------------------------------------------------------- values
_PRINTING = threading.local()   # .ids: the lists and dicts whose text this thread is making


def _container_repr(v, empty, items):
    """repr() of a list or dict: `empty` with an ellipsis ('[...]', '{...}') when v is met
    again inside its own text, as Python prints a container that contains itself."""
    ids = getattr(_PRINTING, "ids", None)
    if ids is None:
        ids = _PRINTING.ids = set()
    if id(v) in ids:
        return empty[0] + "..." + empty[1]
    ids.add(id(v))
    try:
        return empty[0] + ", ".join(items()) + empty[1]
    finally:
        ids.discard(id(v))


def py_repr(v):
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, (text_type, str)):
        s = v if isinstance(v, text_type) else v.decode("utf-8")
        if "'" in s and '"' not in s:
            return '"' + s.replace("\\", "\\\\") + '"'
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\t", "\\t") + "'"
    if isinstance(v, list):
        return _container_repr(v, "[]", lambda: [py_repr(x) for x in list(v)])
    if isinstance(v, dict):
        return _container_repr(v, "{}", lambda: [py_repr(k) + ": " + py_repr(x) for k, x in list(v.items())])
    if isinstance(v, tuple):
        return "(" + ", ".join(py_repr(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, integer_types):
        return str(int(v)) if not PY2 else str(v).rstrip("L")
    return repr(v)


def py_str(v):
    """str(v) as Python 3 prints it (also on 2.7)."""
    if isinstance(v, (text_type, str)):
        return v
    if isinstance(v, KeyError) and len(v.args) == 1:   # KeyError's str() is repr(key)
        return py_repr(v.args[0])
    if isinstance(v, (list, dict, tuple, bool)) or v is None or isinstance(v, integer_types) or isinstance(v, float):
        return py_repr(v)
    return text_type(v)


class HookArgs(object):
    """What a scenario's excepthook function sees as `args`."""

    def __init__(self, args):
        self._args = args

    def attr(self, name):
        return getattr(self._args, name)


def _root(name):
    """The function (or constant) a root names; a missing one raises what Python raises."""
    module = os if name == "getpid" else threading
    return getattr(module, name)


_ROOT_NAMES = ("current_thread", "main_thread", "active_count", "get_ident", "get_native_id", "enumerate",
               "activeCount", "currentThread", "stack_size", "getpid", "TIMEOUT_MAX", "Lock")
_CONSTANT_ROOTS = ("TIMEOUT_MAX", "Lock")   # not called when written alone
_BUILTINS = {"len": len, "str": py_str, "repr": lambda v: py_repr(v), "type": type, "int": int, "bool": bool}
_COMPARE = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "is": lambda a, b: a is b,
    "is not": lambda a, b: a is not b, "in": lambda a, b: a in b, "not in": lambda a, b: a not in b,
}
_PARSED = {}   # template text -> parts (the parser is pure: sharing across threads is safe)


def _parts(template):
    parts = _PARSED.get(template)
    if parts is None:
        parts = _PARSED[template] = _expr.parse_template(template)
    return parts


def _tree(source):
    key = ("expr", source)
    tree = _PARSED.get(key)
    if tree is None:
        tree = _PARSED[key] = _expr.parse(source)
    return tree


def _is_method(obj, name, value):
    """Whether obj.name is a method (called when an expression names it): a callable found on
    obj's type, not a class, and not a value the program stored in obj's own attributes (a
    lock factory, a callable object)."""
    if (not callable(value) or isinstance(value, type) or isinstance(value, HookArgs)
            or getattr(value, "_threadspec_object", False)):
        return False
    try:
        own = object.__getattribute__(obj, "__dict__")
    except (AttributeError, TypeError):
        return True
    return not (isinstance(own, dict) and name in own)


def _exec(code, global_space, local_space):
    """exec in a function of its own (Python 2 and Jython reject exec beside closures)."""
    exec(code, global_space, local_space)


# --------------------------------------------------------------------------- warning locations
class CallSites(object):
    """Calls made by a step run in a frame whose code says the scenario id and the step's
    line, in one module namespace, so a warning's location is the step (spec 4.7) and
    Python's `default` action prints it once per step."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sites = {}
        self.globals = {"__name__": "__main__"}
        self.filename = "<scenario>"

    def prepare(self, lines):
        """Compile the sites of these lines now, before the program runs: compiling while
        threads run can deadlock Jython, whose exit joins the threads while holding the lock
        that compile() takes."""
        for line in lines:
            self.call(line, lambda: None)

    def call(self, line, fn, *args, **kwargs):
        site = self.sites.get(line)
        if site is None:
            with self.lock:
                site = self.sites.get(line)
                if site is None:
                    space = {}
                    code = compile("\n" * (max(line or 1, 1) - 1) + "def _site(f, a, k): return f(*a, **k)\n",
                                   self.filename, "exec")
                    _exec(code, self.globals, space)
                    site = self.sites[line] = space["_site"]
        return site(fn, args, kwargs)


SITES = CallSites()


class Frame(object):
    """A scope (spec 2): a function's locals (None in main) over the globals, and the line
    of the step running in it."""

    def __init__(self, interp, local_vars):
        self.interp = interp
        self.locals = local_vars
        self.line = None

    def lookup(self, name):
        if self.locals is not None and name in self.locals:
            return self.locals[name]
        g = self.interp.globals
        if name in g:
            return g[name]
        if name in _ROOT_NAMES:
            value = _root(name)
            return value if name in _CONSTANT_ROOTS else self.call(value)
        raise NameError("name '%s' is not defined" % name)

    def assign(self, name, value):
        (self.locals if self.locals is not None else self.interp.globals)[name] = value

    def delete(self, name):
        if self.locals is not None and name in self.locals:
            del self.locals[name]
        elif name in self.interp.globals:
            del self.interp.globals[name]
        else:
            raise NameError("name '%s' is not defined" % name)

    def call(self, fn, *args, **kwargs):
        """fn(*args, **kwargs) at the current step's location (warnings, spec 4.7)."""
        return SITES.call(self.line, fn, *args, **kwargs)

    # -- expressions (spec 3.1)
    def evaluate(self, tree):
        tag = tree[0]
        if tag == "const":
            return tree[1]
        if tag == "name":
            return self.lookup(tree[1])
        if tag == "list":
            return [self.evaluate(x) for x in tree[1]]
        if tag == "attr":
            obj = self.evaluate(tree[1])
            if isinstance(obj, HookArgs):
                return obj.attr(tree[2])
            value = getattr(obj, tree[2])
            return self.call(value) if _is_method(obj, tree[2], value) else value
        if tag == "method":
            obj = self.evaluate(tree[1])
            method = obj.attr(tree[2]) if isinstance(obj, HookArgs) else getattr(obj, tree[2])
            return self.call(method, *[self.evaluate(a) for a in tree[3]])
        if tag == "call":
            args = [self.evaluate(a) for a in tree[2]]
            if tree[1] in _BUILTINS:
                return _BUILTINS[tree[1]](*args)
            return self.call(_root(tree[1]), *args)
        if tag == "index":
            return self.evaluate(tree[1])[self.evaluate(tree[2])]
        if tag == "not":
            return not self.evaluate(tree[1])
        if tag == "neg":
            return -self.evaluate(tree[1])
        if tag == "and":
            return self.evaluate(tree[1]) and self.evaluate(tree[2])
        if tag == "or":
            return self.evaluate(tree[1]) or self.evaluate(tree[2])
        if tag == "binop":
            a, b = self.evaluate(tree[2]), self.evaluate(tree[3])
            if tree[1] == "|":
                return a | b
            return a + b if tree[1] == "+" else a - b
        if tag == "compare":
            return _COMPARE[tree[1]](self.evaluate(tree[2]), self.evaluate(tree[3]))
        raise ProgramError("unknown expression node %r" % (tag,))

    def eval_source(self, source):
        return self.evaluate(_tree(source))

    def render(self, template):
        """A template's value (spec 3.2): the value itself for one whole {EXPR}, else a string."""
        if not isinstance(template, (text_type, str)):
            return template
        parts = _parts(template)
        whole = _expr.whole(parts)
        if whole is not None:
            return self.evaluate(whole[1])
        return u"".join(p if not isinstance(p, tuple) else py_str(self.evaluate(p[1])) for p in parts)

    def value(self, v):
        if isinstance(v, list):
            return [self.value(x) for x in v]
        return self.render(v)

    def kwargs(self, mapping):
        return dict((str(k), self.value(v)) for k, v in (mapping or {}).items())


# --------------------------------------------------------------------------- the interpreter
class _Return(BaseException):
    """A return step unwinding to its function (never matched by a scenario's except)."""

    def __init__(self, value):
        BaseException.__init__(self)
        self.value = value


def _exception_type(name):
    """The class an exception type name means, looked up when used, as Python does."""
    if name in ("BrokenBarrierError", "ThreadError"):
        return getattr(threading, name)
    try:
        return getattr(_builtins, name)
    except AttributeError:
        raise NameError("name '%s' is not defined" % name)


def _set_item(container, key, value):
    container[key] = value


def _exit_code(status):
    if hasattr(os, "waitstatus_to_exitcode"):
        return os.waitstatus_to_exitcode(status)
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


# Required canonical fields of every step (tools/tests check it against specs/vocabulary.yaml).
REQUIRED = {
    "thread": ["var"], "timer": ["var", "interval", "target"], "start": ["var"], "join": ["var"],
    "cancel": ["var"], "set_daemon": ["var", "value"], "set_name": ["var", "value"],
    "start_new_thread": ["fn"], "assign": ["target", "value"], "eval": ["expr"], "del": ["var"],
    "object": ["var"], "finalize": ["var", "fn"], "collect": [], "print": ["text"], "debug": ["text"],
    "info": ["text"], "warning": ["text"], "error": ["text"], "critical": ["text"], "sleep": ["seconds"],
    "for": ["var", "body"], "forever": ["body"], "if": ["cond", "then"], "while": ["cond", "max", "body"],
    "try": ["body"], "raise": ["type"], "reraise": [], "call": ["fn"], "return": ["value"], "exit": ["code"],
    "excepthook": ["fn"], "call_excepthook": ["var", "thread"], "atexit": ["fn"], "fork": ["var"],
    "waitpid": ["var"], "lock": ["var"], "rlock": ["var"], "event": ["var"], "semaphore": ["var"], "bounded_semaphore": ["var"],
    "condition": ["var"], "barrier": ["var", "parties"], "local": ["var"], "acquire": ["var"],
    "release": ["var"], "with": ["var", "body"], "set": ["var"], "clear": ["var"], "wait": ["var"],
    "wait_for": ["var", "predicate"], "notify": ["var"], "notify_all": ["var"], "abort": ["var"],
    "reset": ["var"], "set_stderr": ["value"], "subclass": ["var", "base"],
}
_STEP_LISTS = ("body", "then", "else", "finally", "child")
_FUNCTION_FIELDS = ("fn", "target", "run", "init", "action", "call", "bool")


class Interpreter(object):
    def __init__(self, scenario, scale):
        self.scenario = scenario
        self.functions = scenario.get("functions", {})
        self.scale = float(scale)
        self.globals = {}
        self.callables = {}
        self.classes = {}
        self.class_statements = {}   # class name -> the compiled `class NAME(__base__): pass`
        self.lock = threading.Lock()

    # -- checking before running (spec 8.2: bad input exits 125 before anything runs)
    def check(self):
        for name, fn in self.functions.items():
            if not isinstance(fn, dict) or not isinstance(fn.get("body"), list):
                raise ProgramError("function %r has no body" % name)
            self._check_steps(fn["body"])
        if not isinstance(self.scenario.get("main"), list):
            raise ProgramError("the scenario has no main")
        self._check_steps(self.scenario["main"])

    def _check_steps(self, steps):
        for step in steps:
            op = step.get("op") if isinstance(step, dict) else None
            line = step.get("line") if isinstance(step, dict) else "?"
            if op not in REQUIRED or not hasattr(self, "op_" + op):
                raise ProgramError("unsupported step %r (line %s)" % (op, line))
            for field in REQUIRED[op]:
                if field not in step:
                    raise ProgramError("step %r needs %r (line %s)" % (op, field, line))
            for key in _FUNCTION_FIELDS if op != "assign" else ():
                fn = step.get(key)
                if isinstance(fn, dict):
                    fn = fn.get("lambda", fn.get("partial"))
                if key == "fn" and op in ("excepthook",) and fn == "default":
                    continue
                if fn is not None and fn not in self.functions:
                    raise ProgramError("step %r names undefined function %r (line %s)" % (op, fn, line))
            if op == "subclass":   # compiled now, before anything runs (see CallSites.prepare)
                name = str(step["var"])
                try:
                    self.class_statements[name] = compile("class %s(__base__): pass\n" % name, "<scenario>", "exec")
                except SyntaxError:
                    raise ProgramError("step 'subclass' names class %r, which is not a name (line %s)" % (name, line))
            for key in _STEP_LISTS:
                if key in step:
                    self._check_steps(step[key])
            for handler in step.get("except", []) if op == "try" else []:
                self._check_steps(handler["body"])

    def prepare(self):
        """Compile everything the program calls through (its functions, every step's call
        site) before it runs; see CallSites.prepare."""
        lines = set()

        def walk(steps):
            for step in steps:
                lines.add(step.get("line"))
                for key in _STEP_LISTS:
                    walk(step.get(key, []))
                for handler in step.get("except", []) if step.get("op") == "try" else []:
                    lines.add(handler.get("line"))
                    walk(handler["body"])
        for name, fn in self.functions.items():
            self.function(name)
            walk(fn["body"])
        walk(self.scenario["main"])
        SITES.prepare(sorted(lines, key=lambda n: n or 0))

    # -- functions and callables
    def function(self, name):
        """A real Python function `def name(params...)` that runs the scenario function, so
        arguments bind (and fail to) exactly as Python binds them (spec 4.3)."""
        with self.lock:
            if name in self.callables:
                return self.callables[name]
            spec = self.functions[name]
            params, body = [str(p) for p in spec.get("params", [])], spec["body"]
            interp = self

            def run(local_vars):
                return interp.run_function(body, local_vars)
            source = "def %s(%s):\n    return __run__({%s})\n" % (
                name, ", ".join(params), ", ".join("%r: %s" % (p, p) for p in params))
            space = {"__run__": run, "__name__": "__main__"}
            _exec(compile(source, "<scenario>", "exec"), space, space)
            fn = self.callables[name] = space[str(name)]
            return fn

    def callable(self, spec, f):
        """A `callable` field (spec 4.1): a function, {lambda: F}, {partial: F, ...} or {var: V}."""
        if not isinstance(spec, dict):
            return self.function(spec)
        if "var" in spec:
            return f.lookup(spec["var"])
        if "lambda" in spec:
            fn = self.function(spec["lambda"])
            return lambda *a, **k: fn(*a, **k)
        return functools.partial(self.function(spec["partial"]), *f.value(spec.get("args", [])),
                                 **f.kwargs(spec.get("kwargs")))

    def subclass(self, base, name, attrs, functions=()):
        """A class `name(base)` of module __main__, one per (base, name, methods, the
        functions they call)."""
        key = (base, name) + tuple(sorted(attrs)) + tuple(functions)
        with self.lock:
            cls = self.classes.get(key)
            if cls is None:
                body = dict(attrs, __module__="__main__")
                cls = self.classes[key] = type(str(name), (base,), body)
            return cls

    def run_function(self, body, local_vars):
        frame = Frame(self, local_vars)
        try:
            self.run_steps(body, frame)
        except _Return as r:
            return r.value
        return None

    def number(self, v, f):
        return f.render(v) if isinstance(v, (text_type, str)) else v

    def seconds(self, v, f):
        """A seconds field (spec 3.3): scaled, except None and negative values."""
        v = self.number(v, f)
        if v is None or isinstance(v, bool) or not isinstance(v, integer_types + (float,)) or v < 0:
            return v
        return v * self.scale

    def run_steps(self, steps, frame):
        for step in steps:
            frame.line = step.get("line")
            getattr(self, "op_" + step["op"])(step, frame)

    def _into(self, s, f, result):
        if "into" in s:
            f.assign(s["into"], result)

    # -- threads
    def op_thread(self, s, f):
        kwargs = {}
        if "target" in s:
            kwargs["target"] = self.callable(s["target"], f)
        if "args" in s:
            kwargs["args"] = tuple(f.value(s["args"]))
        if "kwargs" in s:
            kwargs["kwargs"] = f.kwargs(s["kwargs"])
        if "name" in s:
            kwargs["name"] = f.render(s["name"])
        if "daemon" in s:
            kwargs["daemon"] = self.number(s["daemon"], f)
        cls = threading.Thread
        if "run" in s:
            fn = self.function(s["run"])

            def run(thread_self):
                fn(thread_self)
            cls = self.subclass(threading.Thread, s.get("class", "ThreadSubclass"), {"run": run}, (s["run"],))
        label = LABELS.new(s["var"])
        t = f.call(cls, **kwargs)
        t._threadspec_label = label
        f.assign(s["var"], t)

    def op_timer(self, s, f):
        # Only the keys given: without them the Timer's own defaults show (spec 4.1).
        extra = {"args": f.value(s["args"])} if "args" in s else {}
        if "kwargs" in s:
            extra["kwargs"] = f.kwargs(s["kwargs"])
        label = LABELS.new(s["var"])
        t = f.call(threading.Timer, self.seconds(s["interval"], f), self.callable(s["target"], f), **extra)
        t._threadspec_label = label
        f.assign(s["var"], t)

    def op_start(self, s, f):
        f.call(f.lookup(s["var"]).start)

    def op_join(self, s, f):
        t = f.lookup(s["var"])
        if s.get("timeout") is None:
            result = f.call(t.join)
        else:
            result = f.call(t.join, self.seconds(s["timeout"], f))
        self._into(s, f, result)

    def op_cancel(self, s, f):
        f.call(f.lookup(s["var"]).cancel)

    def op_set_daemon(self, s, f):
        f.call(f.lookup(s["var"]).setDaemon, self.number(s["value"], f))

    def op_set_name(self, s, f):
        f.call(f.lookup(s["var"]).setName, f.render(s["value"]))

    def op_start_new_thread(self, s, f):
        fn = self.function(s["fn"])
        label = LABELS.new(s["label"]) if "label" in s else None

        def bootstrap(*args, **kwargs):
            if label is not None:
                LABELS.foreign.label = label
            return fn(*args, **kwargs)
        bootstrap.__name__ = str(s["fn"])
        if not PY2:
            bootstrap.__qualname__ = str(s["fn"])
        args = [bootstrap, tuple(f.value(s.get("args", [])))] + ([f.kwargs(s["kwargs"])] if "kwargs" in s else [])
        ident = f.call(_threadmod.start_new_thread, *args)
        self._into(s, f, ident)

    # -- values and lifetimes
    def op_assign(self, s, f):
        value = f.value(s["value"])
        target = s["target"]
        if target.rstrip().endswith("]"):   # an item target E[K] (spec 4.2)
            tree = _tree(target)
            container, key = f.evaluate(tree[1]), f.evaluate(tree[2])
            f.call(_set_item, container, key, value)
        elif "." in target:
            obj, attr = target.split(".", 1)
            f.call(setattr, f.lookup(obj), attr, value)
        else:
            f.assign(target, value)

    def op_eval(self, s, f):
        f.eval_source(s["expr"])

    def op_del(self, s, f):
        f.delete(s["var"])

    def op_object(self, s, f):
        attrs = {}
        if "call" in s:
            call_fn = self.function(s["call"])

            def __call__(obj_self, *args, **kwargs):
                return call_fn(obj_self, *args, **kwargs)
            attrs["__call__"] = __call__
        if "bool" in s:
            bool_fn = self.function(s["bool"])

            def __bool__(obj_self):
                return bool_fn(obj_self)
            attrs["__bool__"] = __bool__
            attrs["__nonzero__"] = __bool__   # Python 2's name for it
        if attrs:   # an object step's instance is a value even when callable (not a method)
            attrs["_threadspec_object"] = True
        cls = self.subclass(object, s.get("class", "Object"), attrs, (s.get("call"), s.get("bool")))
        f.assign(s["var"], cls())

    def op_subclass(self, s, f):
        """The class statement itself, so the interpreter's own rules and words apply to a
        class and to Lock; any other base is outside the format (spec 4.2, subclass)."""
        base = f.eval_source(s["base"])
        if not isinstance(base, type) and base is not threading.Lock:
            raise TypeError("subclass base must be a class, not '%s'" % type(base).__name__)
        space = {"__name__": "__main__", "__base__": base}
        f.call(_exec, self.class_statements[str(s["var"])], space, space)
        f.assign(s["var"], space[str(s["var"])])

    def op_finalize(self, s, f):
        f.call(weakref.finalize, f.lookup(s["var"]), self.function(s["fn"]), *f.value(s.get("args", [])))

    def op_collect(self, s, f):
        gc.collect()

    # -- output
    def op_print(self, s, f):
        stream = s.get("file", "stdout")
        if stream == "stderr" and sys.stderr is None:   # print(x, file=None) prints to sys.stdout
            stream = "stdout"
        text = py_str(f.render(s["text"]))
        with OUT.lock:   # a text with newlines is several lines, each traced, written together
            for line in text.split(u"\n"):
                OUT.line(stream, line)

    def op_set_stderr(self, s, f):
        sys.stderr = None if s["value"] == "None" else PROGRAM_STDERR[0]

    def _log(level):
        def op(self, s, f):
            logging.log(level, py_str(f.render(s["text"])))
        return op
    op_debug, op_info, op_warning = _log(logging.DEBUG), _log(logging.INFO), _log(logging.WARNING)
    op_error, op_critical = _log(logging.ERROR), _log(logging.CRITICAL)

    # -- control
    def op_sleep(self, s, f):
        time.sleep(self.seconds(s["seconds"], f))

    def op_for(self, s, f):
        seq = range(self.number(s["range"], f)) if "range" in s else f.eval_source(s["in"])
        for v in seq:
            f.assign(s["var"], v)
            self.run_steps(s["body"], f)

    def op_forever(self, s, f):
        while True:
            self.run_steps(s["body"], f)

    def op_if(self, s, f):
        if f.eval_source(s["cond"]):
            self.run_steps(s["then"], f)
        elif "else" in s:
            self.run_steps(s["else"], f)

    def op_while(self, s, f):
        limit = self.number(s["max"], f)
        done = 0
        while f.eval_source(s["cond"]):
            if done == limit:
                f.line = s.get("line")
                raise RuntimeError("while loop still true after %d iterations" % limit)
            self.run_steps(s["body"], f)
            done += 1

    def op_try(self, s, f):
        try:
            try:
                self.run_steps(s["body"], f)
            except _Return:
                raise
            except BaseException as exc:
                handler = self._handler(s.get("except", []), sys.exc_info()[0], f)
                if handler is None:
                    raise
                self._handle(handler, exc, f)
            else:
                if "else" in s:
                    self.run_steps(s["else"], f)
        finally:
            if "finally" in s:
                self.run_steps(s["finally"], f)

    def _handler(self, handlers, exc_type, f):
        """The first handler matching the raised type, as Python's `except` matches it (by
        the type raised: Jython raises some built-in errors with a plain str as the value)."""
        for h in handlers:
            f.line = h.get("line", f.line)
            if issubclass(exc_type, tuple(_exception_type(t) for t in h["types"])):
                return h
        return None

    def _handle(self, handler, exc, f):
        if "as" in handler:
            f.assign(handler["as"], exc)
        try:
            self.run_steps(handler["body"], f)
        finally:
            if "as" in handler:
                try:
                    f.delete(handler["as"])
                except NameError:
                    pass

    def op_raise(self, s, f):
        cls = _exception_type(s["type"])
        raise cls(f.render(s["message"])) if "message" in s else cls()

    def op_reraise(self, s, f):
        raise   # bare: Python's own rule for the exception being handled in this thread

    def op_call(self, s, f):
        result = self.function(s["fn"])(*f.value(s.get("args", [])), **f.kwargs(s.get("kwargs")))
        self._into(s, f, result)

    def op_return(self, s, f):
        raise _Return(f.value(s.get("value")))

    def op_exit(self, s, f):
        sys.exit(self.number(s["code"], f))

    def op_excepthook(self, s, f):
        if s["fn"] == "default":
            threading.excepthook = threading.__excepthook__
            return
        fn = self.function(s["fn"])

        def hook(args):
            fn(HookArgs(args))
        hook.__name__ = str(s["fn"])
        threading.excepthook = hook

    def op_call_excepthook(self, s, f):
        # In Python's order: the callee, the class, then the list's items.
        hook = threading.excepthook
        hook_args = threading.ExceptHookArgs
        exc = f.lookup(s["var"])
        items = [type(exc), exc, exc.__traceback__, f.value(s["thread"])]
        f.call(hook, hook_args(items))

    def op_atexit(self, s, f):
        atexit.register(self.function(s["fn"]), *f.value(s.get("args", [])))

    def op_fork(self, s, f):
        # No other thread is half-way through a line when the process forks, and the child
        # starts its steps only once the parent has written what os.fork itself prints (a
        # 3.12+ warning), so that the two processes' lines reach the streams in trace order.
        # The pipe lives only while OUT.lock is held in the parent, so a child forked by
        # another thread never inherits its write end (which would keep this child waiting).
        with OUT.lock:
            ready_r, ready_w = os.pipe()
            pid = f.call(os.fork)
            if pid == 0:
                OUT.pid = os.getpid()
            else:
                os.close(ready_r)
                os.close(ready_w)
        if pid != 0:
            f.assign(s["var"], pid)
            return
        os.close(ready_w)
        os.read(ready_r, 1)   # returns at EOF: the parent has closed its end
        os.close(ready_r)
        f.assign(s["var"], 0)
        if "child" not in s:   # the child goes on with the program, as after os.fork()
            return
        code = 0
        try:
            self.run_steps(s["child"], f)
        except _Return:
            pass
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, integer_types) else (0 if exc.code is None else 1)
            if exc.code is not None and not isinstance(exc.code, integer_types):
                _write_exit_message(exc.code)
        except BaseException:
            sys.excepthook(*sys.exc_info())
            code = 1
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush_partial()
            except Exception:
                pass
        os._exit(code)

    def op_waitpid(self, s, f):
        _, status = f.call(os.waitpid, f.lookup(s["var"]), 0)
        self._into(s, f, _exit_code(status))

    # -- synchronisation
    def _make(factory):
        def op(self, s, f):
            f.assign(s["var"], factory(self, s, f))
        return op
    op_lock = _make(lambda self, s, f: f.call(threading.Lock, *f.value(s.get("args", []))))
    op_rlock = _make(lambda self, s, f: f.call(threading.RLock, *f.value(s.get("args", [])),
                                               **f.kwargs(s.get("kwargs"))))
    op_event = _make(lambda self, s, f: f.call(threading.Event))
    op_semaphore = _make(lambda self, s, f: f.call(threading.Semaphore, *(
        [self.number(s["value"], f)] if "value" in s else [])))
    op_bounded_semaphore = _make(lambda self, s, f: f.call(threading.BoundedSemaphore, *(
        [self.number(s["value"], f)] if "value" in s else [])))
    op_condition = _make(lambda self, s, f: f.call(threading.Condition, *([f.lookup(s["lock"])] if "lock" in s else [])))

    def op_barrier(self, s, f):
        kwargs = {}
        if "action" in s:
            kwargs["action"] = self.callable(s["action"], f)
        if s.get("timeout") is not None:
            kwargs["timeout"] = self.seconds(s["timeout"], f)
        f.assign(s["var"], f.call(threading.Barrier, self.number(s["parties"], f), **kwargs))

    def op_local(self, s, f):
        cls = threading.local
        if "init" in s:
            fn = self.function(s["init"])

            def __init__(local_self, *args, **kwargs):
                fn(local_self, *args, **kwargs)
            cls = self.subclass(threading.local, s.get("class", "LocalSubclass"), {"__init__": __init__}, (s["init"],))
        f.assign(s["var"], f.call(cls, *f.value(s.get("args", [])), **f.kwargs(s.get("kwargs"))))

    def op_acquire(self, s, f):
        # blocking goes positionally: Python 2's acquire([waitflag]) takes no keywords.
        args = [self.number(s["blocking"], f)] if "blocking" in s else []
        kwargs = {"timeout": self.seconds(s["timeout"], f)} if "timeout" in s else {}
        self._into(s, f, f.call(f.lookup(s["var"]).acquire, *args, **kwargs))

    def op_release(self, s, f):
        obj = f.lookup(s["var"])
        f.call(obj.release) if "n" not in s else f.call(obj.release, self.number(s["n"], f))

    def op_with(self, s, f):
        with f.lookup(s["var"]):
            self.run_steps(s["body"], f)

    def op_set(self, s, f):
        f.call(f.lookup(s["var"]).set)

    def op_clear(self, s, f):
        f.call(f.lookup(s["var"]).clear)

    def op_wait(self, s, f):
        obj = f.lookup(s["var"])
        result = f.call(obj.wait) if s.get("timeout") is None else f.call(obj.wait, self.seconds(s["timeout"], f))
        self._into(s, f, result)

    def op_wait_for(self, s, f):
        obj = f.lookup(s["var"])
        tree = _tree(s["predicate"])
        args = [] if s.get("timeout") is None else [self.seconds(s["timeout"], f)]
        self._into(s, f, f.call(obj.wait_for, lambda: f.evaluate(tree), *args))

    def op_notify(self, s, f):
        obj = f.lookup(s["var"])
        f.call(obj.notify) if "n" not in s else f.call(obj.notify, self.number(s["n"], f))

    def op_notify_all(self, s, f):
        f.call(f.lookup(s["var"]).notify_all)

    def op_abort(self, s, f):
        f.call(f.lookup(s["var"]).abort)

    def op_reset(self, s, f):
        f.call(f.lookup(s["var"]).reset)


def implemented_steps():
    return sorted(name[3:] for name in dir(Interpreter) if name.startswith("op_"))


class _TracingHandler(logging.StreamHandler):
    """The root handler basicConfig makes, writing under the output lock and tracing."""

    def emit(self, record):
        try:
            text = self.format(record)
            with OUT.lock:
                self.stream.write(text + "\n")
                self.flush()
                OUT.trace("stderr", text)
        except Exception:
            self.handleError(record)


def configure_logging(cfg):
    handler = _TracingHandler(OUT.streams["stderr"])
    kwargs = {"handlers": [handler]} if not PY2 else {}
    for key in ("format", "datefmt", "level"):
        if key in cfg:
            kwargs[key] = cfg[key] if key != "level" else getattr(logging, cfg[key])
    if PY2:
        logging.basicConfig(**kwargs)
        root = logging.getLogger()
        old = root.handlers[0]
        handler.setFormatter(old.formatter)
        root.handlers[0] = handler
    else:
        logging.basicConfig(**kwargs)


def line_buffer_streams():
    """Make stdout and stderr line-buffered, as on a terminal: before 3.9 a non-interactive
    stderr is block-buffered, so what the interpreter itself writes (tracebacks, thread
    exception reports, warnings) would reach the pipe late, out of order with the program's
    own lines. Python 2's stderr is unbuffered already."""
    if PY2:
        return
    import io
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            stream.reconfigure(line_buffering=True)
        except AttributeError:   # Python 3.6
            setattr(sys, name, io.TextIOWrapper(stream.buffer, encoding=stream.encoding,
                                                errors=stream.errors, line_buffering=True))


def describe():
    """version: the implementation's own release (PyPy 7.3.11); emulates: the Python
    language version it implements."""
    impl = platform.python_implementation().lower()
    language = platform.python_version()
    release = language
    pypy = getattr(sys, "pypy_version_info", None)
    if pypy is not None:
        release = "%d.%d.%d" % tuple(pypy[:3])
    print(json.dumps({"protocol": max(PROTOCOLS), "protocols": PROTOCOLS, "steps": implemented_steps(),
                      "implementation": impl, "version": release, "emulates": language}))


def fail(message):
    sys.stderr.write("threadspec-executor: error: %s\n" % message)
    sys.stderr.flush()
    os._exit(ERROR_STATUS)


def main():
    global OUT
    if sys.argv[1:] == ["--describe"]:
        describe()
        return 0
    if sys.argv[1:]:
        fail("unknown arguments %r (usage: executor.py [--describe] < input.json)" % sys.argv[1:])
    try:
        request = json.loads(sys.stdin.read())
        if request.get("protocol") not in PROTOCOLS:
            raise ProgramError("unsupported protocol %r (this executor speaks %s)" %
                               (request.get("protocol"), ", ".join(str(p) for p in PROTOCOLS)))
        interp = Interpreter(request["scenario"], request.get("time_scale", 1.0))
        interp.check()
    except (ValueError, KeyError, TypeError, AttributeError, ProgramError) as exc:
        fail("bad input: %s" % exc)
    line_buffer_streams()
    OUT = Output(request.get("trace"))
    sys.stdout, sys.stderr = TracedStream("stdout"), TracedStream("stderr")
    PROGRAM_STDERR[0] = sys.stderr
    # The main thread saved sys.stderr when threading was imported (Thread._stderr; 2.7:
    # _Thread__stderr), before the traced streams: make it save the traced one, so that what
    # it reports there while sys.stderr is None is traced too.
    for saved in ("_stderr", "_Thread__stderr"):
        if hasattr(MAIN, saved):
            setattr(MAIN, saved, sys.stderr)
    # 3.13 prints a traceback on sys.__stderr__ while sys.stderr is None (a thread's report on
    # its saved stderr): the process's stderr, traced like the rest.
    # The original stays referenced: collecting it would close the buffer that 3.6's
    # line-buffered wrapper (line_buffer_streams) shares.
    ORIGINAL_DUNDER_STDERR[0] = sys.__stderr__
    sys.__stderr__ = sys.stderr
    atexit.register(sys.stdout.flush_partial)
    atexit.register(sys.stderr.flush_partial)
    # Deprecation warnings caused by the program show as they would in a __main__ module.
    warnings.filterwarnings("default", category=DeprecationWarning)
    SITES.filename = str(request["scenario"].get("id", "<scenario>"))
    interp.prepare()
    OUT.started()
    if "logging" in request["scenario"]:
        configure_logging(request["scenario"]["logging"])
    try:
        interp.run_steps(request["scenario"]["main"], Frame(interp, None))
    except _Return:   # a return step in main ends main (spec 4.3)
        pass
    except SystemExit as exc:
        if (exc.code is None or isinstance(exc.code, integer_types) or sys.stderr is not None
                or platform.python_implementation() != "CPython"):
            raise
        _write_exit_message(exc.code)
        return 1
    return 0


def _write_exit_message(code):
    """Writes the message of a SystemExit whose code is neither None nor an integer, as the
    interpreter does when it ends the program: on sys.stderr; while that is None, CPython
    writes it to the C-level stderr (written here, so that it is traced), PyPy and Jython
    print it on sys.stdout."""
    if sys.stderr is None and platform.python_implementation() == "CPython":
        with OUT.lock:
            for line in py_str(code).split(u"\n"):
                OUT.line("stderr", line)
    else:
        stream = sys.stderr if sys.stderr is not None else sys.stdout
        stream.write(py_str(code) + u"\n")
        stream.flush()


if __name__ == "__main__":
    sys.exit(main())
