#!/usr/bin/env python
"""threadspec reference executor: runs one scenario (canonical JSON on stdin, specs/README.md
section 8) with the interpreter's real `threading` module. Stdlib only; runs unchanged on
CPython 2.7 and 3.6+.

The steps map onto the real API as directly as possible, so every interpreter's own
behaviour shows: a keyword it lacks raises its real TypeError, an attribute it lacks its real
AttributeError, a deprecated call its real DeprecationWarning.
"""
from __future__ import print_function

import atexit
import json
import logging
import os
import platform
import re
import sys
import threading
import time
import warnings

try:
    from _thread import get_ident as _get_ident
except ImportError:   # Python 2.7
    from thread import get_ident as _get_ident

PROTOCOL = 1
ERROR_STATUS = 125
try:
    _clock = time.monotonic
except AttributeError:  # Python 2.7
    _clock = time.time
_T0 = _clock()
PY2 = sys.version_info[0] == 2
text_type = unicode if PY2 else str  # noqa: F821
integer_types = (int, long) if PY2 else (int,)  # noqa: F821


class ProgramError(Exception):
    """The scenario cannot be run by this executor (spec 8.2): exit 125 before running."""


# --------------------------------------------------------------------------- output + trace
class Output(object):
    """Every program line goes through here: one lock, the real stream, then one trace event."""

    def __init__(self, trace_path):
        self.lock = threading.RLock()
        self.streams = {"stdout": sys.stdout, "stderr": sys.stderr}
        self.seq = 0
        self.fd = os.open(trace_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644) if trace_path else None

    def event(self, kind, **fields):
        """Append one trace event (spec 8.3) in one write; callers hold self.lock."""
        if self.fd is None:
            return
        fields.update(seq=self.seq, t=round(_clock() - _T0, 6), kind=kind)
        self.seq += 1
        os.write(self.fd, (json.dumps(fields) + "\n").encode("utf-8"))

    def started(self):
        """The `started` event: the program starts now (the first event of the trace)."""
        with self.lock:
            self.event("started")

    def trace(self, stream, text):
        me = threading.current_thread()
        self.event("line", stream=stream, text=text, thread=me.name, label=LABELS.get(me))

    def line(self, stream, text):
        f = self.streams[stream]
        with self.lock:
            f.write(text + "\n")
            f.flush()
            self.trace(stream, text)


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
    """Thread object -> label (spec 5.2)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.labels = {}
        self.counters = {}

    def new(self, var):
        with self.lock:
            k = self.counters.get(var, 0)
            self.counters[var] = k + 1
        return "%s[%d]" % (var, k)

    def set(self, thread, label):
        with self.lock:
            self.labels[id(thread)] = (thread, label)

    def get(self, thread):
        if thread is MAIN:
            return "main"
        entry = self.labels.get(id(thread))
        return entry[1] if entry and entry[0] is thread else None


LABELS = LabelMap()
MAIN = threading.current_thread()
OUT = None


# --------------------------------------------------------------------------- values
def py_repr(v):
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, (text_type, str)):
        s = v if isinstance(v, text_type) else v.decode("utf-8")
        if "'" in s and '"' not in s:
            return '"' + s.replace("\\", "\\\\") + '"'
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(v, list):
        return "[" + ", ".join(py_repr(x) for x in v) + "]"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, integer_types):
        return str(int(v)) if not PY2 else str(v).rstrip("L")
    return repr(v)


def py_str(v):
    """str(v) as Python 3 prints it (also on 2.7)."""
    if isinstance(v, (text_type, str)):
        return v
    if isinstance(v, (list, bool)) or v is None or isinstance(v, integer_types) or isinstance(v, float):
        return py_repr(v)
    if isinstance(v, BaseException):
        return text_type(v)
    return text_type(v)


class HookArgs(object):
    """What a scenario's excepthook function sees as `args`."""

    def __init__(self, args):
        self._args = args

    def attr(self, name):
        if name == "exc_type":
            return self._args.exc_type
        return getattr(self._args, name)


_EXPR = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_LEN = re.compile(r"^len\(([A-Za-z_][A-Za-z0-9_]*)\)$")
_CALLED = {"is_alive", "isAlive", "getName", "isDaemon", "is_set", "locked"}
_ROOTS = {
    "current_thread": lambda: threading.current_thread(),
    "main_thread": lambda: threading.main_thread(),
    "active_count": lambda: threading.active_count(),
    "get_ident": lambda: threading.get_ident(),
    "get_native_id": lambda: threading.get_native_id(),
    "enumerate": lambda: threading.enumerate(),
}


class Frame(object):
    def __init__(self, interp, local_vars):
        self.interp = interp
        self.locals = local_vars   # None in main: its variables are the globals

    def lookup(self, name):
        if self.locals is not None and name in self.locals:
            return self.locals[name]
        g = self.interp.globals
        if name in g:
            return g[name]
        if name in _ROOTS:
            return _ROOTS[name]()
        raise NameError("name '%s' is not defined" % name)

    def assign(self, name, value):
        (self.locals if self.locals is not None else self.interp.globals)[name] = value

    def eval(self, expr):
        expr = expr.strip()
        m = _LEN.match(expr)
        if m:
            return len(self.lookup(m.group(1)))
        parts = expr.split(".")
        value = self.lookup(parts[0])
        for i, name in enumerate(parts[1:]):
            if isinstance(value, HookArgs):
                value = value.attr(name)
            elif name == "__name__" and isinstance(value, type):
                value = value.__name__
            else:
                value = getattr(value, name)
                if name in _CALLED:
                    value = value()
        return value

    def render(self, template):
        if not isinstance(template, (text_type, str)):
            return template
        m = _EXPR.match(template)
        if m and m.group(1) is not None and m.end() == len(template):
            return self.eval(m.group(1))

        def sub(m):
            if m.group(0) == "{{":
                return "{"
            if m.group(0) == "}}":
                return "}"
            return py_str(self.eval(m.group(1)))
        return _EXPR.sub(sub, template)

    def value(self, v):
        if isinstance(v, list):
            return [self.value(x) for x in v]
        return self.render(v)


# --------------------------------------------------------------------------- the interpreter
_EXCEPTIONS = {"Exception": Exception, "RuntimeError": RuntimeError, "ValueError": ValueError,
               "TypeError": TypeError, "KeyError": KeyError, "ZeroDivisionError": ZeroDivisionError}
_NEEDS = {
    "thread": ["var"], "timer": ["var", "interval", "target"], "start": ["var"], "join": ["var"],
    "cancel": ["var"], "set_daemon": ["var", "value"], "set_name": ["var", "value"],
    "assign": ["target", "value"], "print": ["text"], "debug": ["text"], "info": ["text"],
    "warning": ["text"], "error": ["text"], "critical": ["text"], "sleep": ["seconds"],
    "for": ["var", "body"], "forever": ["body"], "call": ["fn"], "raise": ["type"], "exit": ["code"],
    "excepthook": ["fn"], "lock": ["var"], "rlock": ["var"], "event": ["var"], "local": ["var"],
    "semaphore": ["var"], "bounded_semaphore": ["var"], "condition": ["var"],
    "barrier": ["var", "parties"], "acquire": ["var"], "release": ["var"], "with": ["var", "body"],
    "set": ["var"], "clear": ["var"], "wait": ["var"], "notify": ["var"], "notify_all": ["var"],
}


class Interpreter(object):
    def __init__(self, scenario, scale):
        self.scenario = scenario
        self.functions = scenario.get("functions", {})
        self.scale = float(scale)
        self.globals = {}
        self.callables = {}

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
            if op not in _NEEDS:
                raise ProgramError("unsupported step %r (line %s)" % (op, step.get("line") if isinstance(step, dict) else "?"))
            for field in _NEEDS[op]:
                if field not in step:
                    raise ProgramError("step %r needs %r (line %s)" % (op, field, step.get("line")))
            for key in ("target", "fn"):
                fn = step.get(key) if op in ("thread", "timer", "call", "excepthook") else None
                if fn is not None and fn != "default" and fn not in self.functions:
                    raise ProgramError("step %r names undefined function %r (line %s)" % (op, fn, step.get("line")))
            if "body" in step:
                self._check_steps(step["body"])

    def function(self, name):
        """A real Python function named `name` that runs the scenario function."""
        if name in self.callables:
            return self.callables[name]
        spec = self.functions[name]
        params, body = spec.get("params", []), spec["body"]
        interp = self

        def run(*args):
            if len(args) != len(params):
                raise TypeError("%s() takes %d positional arguments but %d were given" % (name, len(params), len(args)))
            frame = Frame(interp, dict(zip(params, args)))
            interp.run_steps(body, frame)
        run.__name__ = str(name)
        if not PY2:
            run.__qualname__ = name
        self.callables[name] = run
        return run

    def seconds(self, v, frame):
        v = frame.value(v)
        return None if v is None else v * self.scale

    def run_steps(self, steps, frame):
        for step in steps:
            getattr(self, "op_" + step["op"])(step, frame)

    # -- threads
    def op_thread(self, s, f):
        kwargs = {}
        if "target" in s:
            kwargs["target"] = self.function(s["target"])
        if "args" in s:
            kwargs["args"] = tuple(f.value(s["args"]))
        if "kwargs" in s:
            kwargs["kwargs"] = dict((k, f.value(v)) for k, v in s["kwargs"].items())
        if "name" in s:
            kwargs["name"] = f.render(s["name"])
        if "daemon" in s:
            kwargs["daemon"] = s["daemon"]
        label = LABELS.new(s["var"])
        t = threading.Thread(**kwargs)
        LABELS.set(t, label)
        f.assign(s["var"], t)

    def op_timer(self, s, f):
        args = f.value(s.get("args", []))
        label = LABELS.new(s["var"])
        t = threading.Timer(self.seconds(s["interval"], f), self.function(s["target"]), args=args)
        LABELS.set(t, label)
        f.assign(s["var"], t)

    def op_start(self, s, f):
        f.lookup(s["var"]).start()

    def op_join(self, s, f):
        t = f.lookup(s["var"])
        if s.get("timeout") is None:
            t.join()
        else:
            t.join(self.seconds(s["timeout"], f))

    def op_cancel(self, s, f):
        f.lookup(s["var"]).cancel()

    def op_set_daemon(self, s, f):
        f.lookup(s["var"]).setDaemon(s["value"])

    def op_set_name(self, s, f):
        f.lookup(s["var"]).setName(f.render(s["value"]))

    def op_assign(self, s, f):
        value = f.value(s["value"])
        target = s["target"]
        if "." in target:
            obj, attr = target.split(".", 1)
            setattr(f.lookup(obj), attr, value)
        else:
            f.assign(target, value)

    # -- output
    def op_print(self, s, f):
        OUT.line(s.get("file", "stdout"), py_str(f.render(s["text"])))

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
        seq = range(s["range"]) if "range" in s else f.eval(s["in"])
        for v in seq:
            f.assign(s["var"], v)
            self.run_steps(s["body"], f)

    def op_forever(self, s, f):
        while True:
            self.run_steps(s["body"], f)

    def op_call(self, s, f):
        self.function(s["fn"])(*f.value(s.get("args", [])))

    def op_raise(self, s, f):
        raise _EXCEPTIONS[s["type"]](f.render(s.get("message", "")))

    def op_exit(self, s, f):
        sys.exit(s["code"])

    def op_excepthook(self, s, f):
        if s["fn"] == "default":
            threading.excepthook = threading.__excepthook__
            return
        fn = self.function(s["fn"])

        def hook(args):
            fn(HookArgs(args))
        hook.__name__ = str(s["fn"])
        threading.excepthook = hook

    # -- synchronisation
    def _make(factory):
        def op(self, s, f):
            f.assign(s["var"], factory(self, s, f))
        return op
    op_lock = _make(lambda self, s, f: threading.Lock())
    op_rlock = _make(lambda self, s, f: threading.RLock())
    op_event = _make(lambda self, s, f: threading.Event())
    op_local = _make(lambda self, s, f: threading.local())
    op_semaphore = _make(lambda self, s, f: threading.Semaphore(*([s["value"]] if "value" in s else [])))
    op_bounded_semaphore = _make(lambda self, s, f: threading.BoundedSemaphore(*([s["value"]] if "value" in s else [])))
    op_condition = _make(lambda self, s, f: threading.Condition(*([f.lookup(s["lock"])] if "lock" in s else [])))
    op_barrier = _make(lambda self, s, f: threading.Barrier(
        s["parties"], **({"timeout": self.seconds(s["timeout"], f)} if s.get("timeout") is not None else {})))

    def op_acquire(self, s, f):
        # blocking goes positionally: Python 2's acquire([waitflag]) takes no keywords.
        args = [s["blocking"]] if "blocking" in s else []
        kwargs = {"timeout": self.seconds(s["timeout"], f)} if "timeout" in s else {}
        result = f.lookup(s["var"]).acquire(*args, **kwargs)
        if "into" in s:
            f.assign(s["into"], result)

    def op_release(self, s, f):
        f.lookup(s["var"]).release()

    def op_with(self, s, f):
        with f.lookup(s["var"]):
            self.run_steps(s["body"], f)

    def op_set(self, s, f):
        f.lookup(s["var"]).set()

    def op_clear(self, s, f):
        f.lookup(s["var"]).clear()

    def op_wait(self, s, f):
        obj = f.lookup(s["var"])
        result = obj.wait() if s.get("timeout") is None else obj.wait(self.seconds(s["timeout"], f))
        if "into" in s:
            f.assign(s["into"], result)

    def op_notify(self, s, f):
        obj = f.lookup(s["var"])
        obj.notify() if "n" not in s else obj.notify(s["n"])

    def op_notify_all(self, s, f):
        f.lookup(s["var"]).notify_all()


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
    print(json.dumps({"protocol": PROTOCOL, "implementation": impl, "version": release, "emulates": language}))


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
        if request.get("protocol") != PROTOCOL:
            raise ProgramError("unsupported protocol %r (this executor speaks %d)" % (request.get("protocol"), PROTOCOL))
        interp = Interpreter(request["scenario"], request.get("time_scale", 1.0))
        interp.check()
    except (ValueError, KeyError, TypeError, AttributeError, ProgramError) as exc:
        fail("bad input: %s" % exc)
    line_buffer_streams()
    OUT = Output(request.get("trace"))
    sys.stdout, sys.stderr = TracedStream("stdout"), TracedStream("stderr")
    atexit.register(sys.stdout.flush_partial)
    atexit.register(sys.stderr.flush_partial)
    # Deprecation warnings caused by the program show as they would in a __main__ module.
    warnings.filterwarnings("default", category=DeprecationWarning)
    OUT.started()
    if "logging" in request["scenario"]:
        configure_logging(request["scenario"]["logging"])
    interp.run_steps(request["scenario"]["main"], Frame(interp, None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
