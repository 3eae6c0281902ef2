"""Implementations the harness can run scenarios on: an executor command (the CPython
reference executor on a chosen interpreter, or the C++ executor), or a Python interpreter
running a scenario's `python` block as is (literal mode, specs/README.md section 10)."""

import glob
import json
import os
import shutil
import subprocess

from . import versions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REFERENCE_EXECUTOR = os.path.join(ROOT, "reference", "executor.py")
DEFAULT_CPP_EXECUTOR = os.path.join(ROOT, "build", "cpp_impl", "threadspec_cpp_executor")

# Literal mode's bootstrap: line-buffered output, time.sleep, Thread.join and
# Condition.wait timeouts scaled, then the program file run as __main__. Kept to Python 3 syntax that 3.6 accepts.
LITERAL_BOOTSTRAP = r"""
import io, sys, threading, time
_path, _scale = sys.argv[1], float(sys.argv[2])
# Line-buffered stdout and stderr, as on the terminal the documents ran on (see spec 10).
for _name in ("stdout", "stderr"):
    _stream = getattr(sys, _name)
    try:
        _stream.reconfigure(line_buffering=True)
    except AttributeError:   # Python 3.6
        setattr(sys, _name, io.TextIOWrapper(_stream.buffer, encoding=_stream.encoding,
                                             errors=_stream.errors, line_buffering=True))
_sleep, _join, _wait = time.sleep, threading.Thread.join, threading.Condition.wait
def _scaled_sleep(seconds):
    _sleep(seconds * _scale)
def _scaled_join(self, timeout=None):
    return _join(self, None if timeout is None else timeout * _scale)
def _scaled_wait(self, timeout=None):   # also carries Event.wait, Timer and Barrier timeouts
    return _wait(self, None if timeout is None else timeout * _scale)
time.sleep = _scaled_sleep
threading.Thread.join = _scaled_join
threading.Condition.wait = _scaled_wait
sys.argv = [_path]
with open(_path) as _f:
    _code = compile(_f.read(), _path, "exec")
exec(_code, {"__name__": "__main__", "__file__": _path, "__builtins__": __builtins__})
"""


class ImplementationError(Exception):
    """An implementation that cannot be used at all (missing, not runnable, bad describe)."""


class Implementation(object):
    """One thing to run scenarios on.

    kind: "cpython" (reference executor), "cpp" (C++ executor) or "literal"
    (a Python interpreter running `python` blocks). describe() fills name, version and
    emulates from the executor's --describe (spec 8.1)."""

    def __init__(self, kind, argv, python=None):
        self.kind, self.argv, self.python = kind, argv, python
        self.name = self.version = self.emulates = None
        self.protocols, self.steps = None, None   # from --describe (spec 8.1); None: literal mode

    @property
    def traced(self):
        return self.kind != "literal"

    @property
    def key(self):
        """A short stable name: 'cpython-3.11.7', 'cpp-0.1.0', 'literal-3.11.7'."""
        return "%s-%s" % (self.kind if self.kind != "cpython" else self.name, self.version)

    def describe(self):
        if self.kind == "literal":
            argv = [self.python, "-c", "import sys, platform; print('{\"implementation\": \"%s\", \"version\": \"%s\"}'"
                    " % (platform.python_implementation().lower(), platform.python_version()))"]
        else:
            argv = self.argv + ["--describe"]
        try:
            proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=60)
        except FileNotFoundError:
            raise ImplementationError("%s: not found" % argv[0])
        except PermissionError:
            raise ImplementationError("%s: not executable" % argv[0])
        except subprocess.TimeoutExpired:
            raise ImplementationError("%s --describe did not answer within 60 s" % " ".join(self.argv))
        if proc.returncode != 0:
            raise ImplementationError("%s --describe failed (status %d): %s" %
                                      (" ".join(argv[:2]), proc.returncode, proc.stderr.decode("utf-8", "replace").strip()[-500:]))
        try:
            info = json.loads(proc.stdout.decode("utf-8"))
            self.name, self.version = info["implementation"], info["version"]
            versions.parse_version(self.version)
        except (ValueError, KeyError, TypeError) as exc:
            raise ImplementationError("%s --describe printed no valid description (%s): %r" %
                                      (argv[0], exc, proc.stdout[:200]))
        self.emulates = info.get("emulates", self.version)
        if self.kind != "literal":
            self.protocols, self.steps = _speaks(info)
        return info


def _speaks(info):
    """(protocols, steps) an executor's description declares (spec 8.1): without
    "protocols", only its "protocol"; without "steps", the steps of those protocols."""
    from . import vocabulary
    protocols = info.get("protocols") or [info.get("protocol", 1)]
    if not isinstance(protocols, list) or not all(isinstance(p, int) for p in protocols):
        raise ImplementationError("--describe: \"protocols\" must be a list of integers, not %r" % (protocols,))
    steps = info.get("steps")
    if steps is None:
        steps = vocabulary.load().step_names(max(protocols))
    if not isinstance(steps, list) or not all(isinstance(n, str) for n in steps):
        raise ImplementationError("--describe: \"steps\" must be a list of step names")
    return sorted(protocols), set(steps)


def find_python(name):
    """A Python interpreter path from --python (a path or a command on PATH)."""
    path = name if os.sep in name else shutil.which(name)
    if not path or not os.path.exists(path):
        raise ImplementationError("Python interpreter %r not found" % name)
    return path


def all_pythons():
    """Every interpreter this machine has: pyenv's versions, python3 on PATH, /usr/bin/python3,
    one per distinct version, sorted by version."""
    roots = [os.environ.get("PYENV_ROOT"), os.path.expanduser("~/.pyenv")]
    candidates = []
    for root in filter(None, roots):
        candidates += sorted(glob.glob(os.path.join(root, "versions", "*", "bin", "python")))
    for extra in (shutil.which("python3"), "/usr/bin/python3", shutil.which("python2")):
        if extra and os.path.exists(extra):
            candidates.append(extra)
    seen, out = set(), []
    for path in candidates:
        try:
            proc = subprocess.run([path, "-c", "import platform; print(platform.python_version())"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        version = proc.stdout.decode().strip()
        if proc.returncode != 0 or not version or version in seen:
            continue
        seen.add(version)
        out.append((versions.parse_version(version), path))
    return [path for _, path in sorted(out)]


def make(kind, python=None, executor=None):
    """Build an Implementation. kind: cpython, cpp or literal."""
    if kind == "cpython":
        py = find_python(python or "python3")
        return Implementation("cpython", [py, REFERENCE_EXECUTOR], python=py)
    if kind == "literal":
        return Implementation("literal", None, python=find_python(python or "python3"))
    if kind == "cpp":
        path = executor or os.environ.get("THREADSPEC_CPP_EXECUTOR") or DEFAULT_CPP_EXECUTOR
        if not os.path.exists(path):
            raise ImplementationError("the C++ executor %s is not built: run `cmake -S . -B build && "
                                      "cmake --build build` (or pass --executor PATH)" % path)
        return Implementation("cpp", [path])
    raise ImplementationError("unknown implementation %r (known: cpython, cpp)" % kind)
