"""Implementations the harness runs scenarios on (specs/README.md sections 8-10).

An Implementation says how to run one scenario (the command, what it reads on stdin,
where its trace goes), where its expectations files are, whether its lines are traced, and
what it is (name, implementation release, the Python language version it implements or
emulates). Two kinds:

- ExecutorImplementation: an executor speaking the protocol of spec 8: the reference
  executor on a Python interpreter (CPython, PyPy, Jython, or one a user registers), the
  C++ executor, or any executor a user registers (the registry file, spec 8.6).
- LiteralImplementation: a Python interpreter running a scenario's `python` block as the
  program itself, through reference/literal_bootstrap.py (spec 10).
"""

import glob
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

from . import versions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REFERENCE_EXECUTOR = os.path.join(ROOT, "reference", "executor.py")
LITERAL_BOOTSTRAP = os.path.join(ROOT, "reference", "literal_bootstrap.py")
EXPECTATIONS_DIR = os.path.join(ROOT, "reference", "expectations")
LITERAL_EXPECTATIONS = os.path.join(EXPECTATIONS_DIR, "literal.yaml")
CPP_EXPECTATIONS = os.path.join(ROOT, "cpp_impl", "expectations.yaml")
DEFAULT_CPP_EXECUTOR = os.path.join(ROOT, "build", "cpp_impl", "threadspec_cpp_executor")
# Seconds an implementation may take from process spawn until its program starts (the
# `started` trace event, spec 8.3), on top of the scenario's own deadline. A JVM takes
# seconds; a loaded machine more.
DEFAULT_STARTUP_ALLOWANCE = 15.0
DESCRIBE_TIMEOUT = 60.0
# Commands on PATH for the Python implementations known by name.
PYTHON_COMMANDS = {"cpython": ("python3",), "pypy": ("pypy3", "pypy"), "jython": ("jython",)}
BUILTIN_NAMES = ("cpython", "pypy", "jython", "cpp")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_.]*$")


class ImplementationError(Exception):
    """An implementation that cannot be used at all (missing, not runnable, bad describe)."""


class RunRequest(object):
    """How to start one run: argv, the bytes for its stdin, and its trace file (or None)."""

    def __init__(self, argv, stdin, trace):
        self.argv, self.stdin, self.trace = argv, stdin, trace


def _safe(text):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def _fresh_trace(workdir, scenario, index):
    path = os.path.join(workdir, "%s.%d.trace.jsonl" % (_safe(scenario.id), index))
    if os.path.exists(path):   # executors append: never mix two runs' traces
        os.unlink(path)
    return path


class Implementation(object):
    """What every implementation has. After describe(): `implementation` (what the
    executor calls itself), `release` (the implementation's own version: PyPy 7.3.11),
    `language` (the Python version it implements or emulates: 3.9.16)."""

    traced = True          # its lines carry trace labels (spec 8.3)
    ordered = True         # its trace gives the order lines were written in, across streams
    mode = "steps"

    def __init__(self, name, command, expectations=None, python=None,
                 startup_allowance=DEFAULT_STARTUP_ALLOWANCE, origin="built-in"):
        self.name = name                      # the name users pick it by; None until described
        self.command = list(command)
        self.python = python                  # the interpreter, for a Python implementation
        self.startup_allowance = float(startup_allowance)
        self.origin = origin                  # "built-in" or the registry file that declares it
        self._expectations = expectations     # explicit list of files, or None for the default
        self.implementation = self.release = self.language = None
        self.protocols, self.steps = None, None   # what it speaks (spec 8.1); None: literal mode

    # -- identity
    @property
    def is_python(self):
        """A Python implementation: the reference executor (or a program) on an interpreter."""
        return self.python is not None

    @property
    def key(self):
        """Unique and stable: name and release ('pypy-7.3.11', 'cpython-3.11.7',
        'literal-pypy-7.3.11'). Results, JUnit files and reports are named by it."""
        return "%s-%s" % (self.name, self.release)

    @property
    def names(self):
        """The names an expectations file's `implementation` and a `when.implementation`
        may use for this implementation: its own and what its executor calls itself."""
        return {n for n in (self.name, self.implementation) if n}

    def label(self):
        """'pypy 7.3.11 (Python 3.9.16)', 'cpython 3.11.7'."""
        text = "%s %s" % (self.name, self.release)
        if self.language and self.language != self.release:
            text += " (Python %s)" % self.language
        return text

    def to_json(self):
        return {"name": self.name, "key": self.key, "implementation": self.implementation,
                "release": self.release, "language": self.language, "mode": self.mode,
                "command": self.command, "python": self.python,
                "expectations": [os.path.relpath(p) for p in self.expectation_files()]}

    # -- describing
    def describe(self):
        """Ask the implementation what it is (spec 8.1); fills implementation, release,
        language and, when it had none, name. Raises ImplementationError."""
        info = _run_describe(self.describe_argv())
        self.implementation = info["implementation"]
        self.release = info["version"]
        self.language = info.get("emulates") or info["version"]
        if self.name is None:
            self.name = self.implementation
        if self.traced:
            self.protocols, self.steps = _speaks(info)
        return info

    def describe_argv(self):
        return self.command + ["--describe"]

    # -- running
    def expectation_files(self):
        """The expectations files this implementation's runs are judged with, in order."""
        if self._expectations is not None:
            return list(self._expectations)
        return self.default_expectations()

    def default_expectations(self):
        return []

    def skip_reason(self, scenario):
        """Why this implementation cannot run the scenario at all, or None."""
        return None

    def request(self, scenario, time_scale, workdir, index):
        """The RunRequest for run number `index` of scenario."""
        raise NotImplementedError


class ExecutorImplementation(Implementation):
    """An executor speaking spec 8: the scenario's canonical JSON on stdin, a trace file."""

    def default_expectations(self):
        if self.name == "cpp":
            return [CPP_EXPECTATIONS]
        path = os.path.join(EXPECTATIONS_DIR, "%s.yaml" % self.name)
        return [path] if self.is_python and os.path.exists(path) else []

    def request(self, scenario, time_scale, workdir, index):
        trace = _fresh_trace(workdir, scenario, index)
        stdin = json.dumps({"protocol": scenario.protocol, "time_scale": time_scale, "trace": trace,
                            "scenario": scenario.canonical()}).encode("utf-8")
        return RunRequest(self.command, stdin, trace)


class LiteralImplementation(Implementation):
    """A Python interpreter running each scenario's `python` block as is (spec 10). Its
    lines carry no labels; the bootstrap writes the `started` event and an order-only trace
    (one event per line written through sys.stdout or sys.stderr, in write order)."""

    traced = False
    mode = "literal"

    def __init__(self, python, name=None, **kw):
        Implementation.__init__(self, name, [python, LITERAL_BOOTSTRAP], python=python, **kw)
        self.python_name = None

    def describe_argv(self):
        return [self.python, REFERENCE_EXECUTOR, "--describe"]

    def describe(self):
        info = Implementation.describe(self)
        self.python_name = self.implementation
        if self.name == self.implementation:
            self.name = "literal-" + self.implementation
        return info

    @property
    def names(self):
        return {n for n in (self.name, "literal", self.python_name) if n}

    def default_expectations(self):
        own = os.path.join(EXPECTATIONS_DIR, "%s.yaml" % self.python_name)
        return [LITERAL_EXPECTATIONS] + ([own] if os.path.exists(own) else [])

    def skip_reason(self, scenario):
        if "python" not in scenario.data:
            return "the scenario has no python block"
        if versions.parse_version(self.language) < (3, 6):
            return "literal mode runs Python 3.6+ code; this is %s" % self.label()
        return None

    def request(self, scenario, time_scale, workdir, index):
        program = os.path.join(workdir, "%s.%d.py" % (_safe(scenario.id), index))
        with open(program, "w") as f:
            f.write(scenario.data["python"])
        trace = _fresh_trace(workdir, scenario, index)
        return RunRequest(self.command + [program, repr(time_scale), trace], b"", trace)


def _run_describe(argv):
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=DESCRIBE_TIMEOUT)
    except FileNotFoundError:
        raise ImplementationError("%s: not found" % argv[0])
    except PermissionError:
        raise ImplementationError("%s: not executable" % argv[0])
    except OSError as exc:
        raise ImplementationError("%s: cannot run: %s" % (argv[0], exc.strerror))
    except subprocess.TimeoutExpired:
        raise ImplementationError("%s did not answer within %d s" % (" ".join(argv), DESCRIBE_TIMEOUT))
    if proc.returncode != 0:
        raise ImplementationError("%s failed (status %d): %s" % (" ".join(argv), proc.returncode,
                                                                 proc.stderr.decode("utf-8", "replace").strip()[-500:]))
    try:
        info = json.loads(proc.stdout.decode("utf-8"))
        if not isinstance(info.get("implementation"), str) or not info["implementation"]:
            raise ValueError("no implementation name")
        versions.parse_version(info["version"])
        if info.get("emulates") is not None:
            versions.parse_version(info["emulates"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ImplementationError("%s printed no valid description (%s): %r" % (" ".join(argv), exc, proc.stdout[:200]))
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


# --------------------------------------------------------------------------- making them
def find_python(name):
    """A Python interpreter path from --python (a path or a command on PATH)."""
    path = name if os.sep in name else shutil.which(name)
    if not path or not os.path.exists(path):
        raise ImplementationError("Python interpreter %r not found" % name)
    return path


def python_implementation(python, literal=False):
    """The reference executor (or literal mode) on one interpreter, described."""
    impl = LiteralImplementation(python) if literal else \
        ExecutorImplementation(None, [python, REFERENCE_EXECUTOR], python=python)
    impl.describe()
    return impl


def cpp_implementation(executor=None):
    path = executor or os.environ.get("THREADSPEC_CPP_EXECUTOR") or DEFAULT_CPP_EXECUTOR
    if not os.path.exists(path):
        raise ImplementationError("the C++ executor %s is not built: run `cmake --preset default && cmake --build "
                                  "--preset default --target threadspec_cpp_executor` (or pass --executor PATH)" % path)
    impl = ExecutorImplementation("cpp", [path])
    impl.describe()
    return impl


def python_candidates():
    """Interpreter paths this machine has: pyenv's versions, python3 (PATH and
    /usr/bin), pypy3, jython; duplicates by real path removed."""
    roots = [os.environ.get("PYENV_ROOT"), os.path.expanduser("~/.pyenv")]
    found = []
    for root in filter(None, roots):
        found += sorted(glob.glob(os.path.join(root, "versions", "*", "bin", "python")))
    for command in ("python3", "pypy3", "pypy", "jython"):
        path = shutil.which(command)
        if path:
            found.append(path)
    found.append("/usr/bin/python3")
    out, seen = [], set()
    for path in found:
        if not os.path.exists(path):
            continue
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        out.append(path)
    return out


def _describe_all(impls, jobs=4):
    """Describe in parallel (a JVM takes seconds); returns (usable, [(impl, error)])."""
    def one(impl):
        try:
            impl.describe()
            return None
        except ImplementationError as exc:
            return exc
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        errors = list(pool.map(one, impls))
    ok = [i for i, e in zip(impls, errors) if e is None]
    return ok, [(i, e) for i, e in zip(impls, errors) if e is not None]


def order_key(impl):
    """cpp first, then CPython by version, then the other Pythons, then the rest."""
    rank = {"cpp": 0, "cpython": 1, "pypy": 2, "jython": 3}.get(impl.implementation if impl.is_python else impl.name, 4)
    try:
        v = versions.parse_version(impl.language or "0")
    except ValueError:
        v = (0,)
    return (impl.mode == "literal", rank, impl.name or "", v, impl.release or "")


def _distinct_sorted(impls):
    """`impls` in listing order, keeping the first of each (name, release)."""
    seen, out = set(), []
    for impl in sorted(impls, key=order_key):
        if (impl.name, impl.release) not in seen:
            seen.add((impl.name, impl.release))
            out.append(impl)
    return out


def all_pythons(literal=False, registry=None):
    """Every Python implementation this machine has, described: each interpreter found,
    plus the registry's interpreters. Two interpreters of one implementation and release
    count once; implementations that share a language version never collapse."""
    impls = [LiteralImplementation(p) if literal else ExecutorImplementation(None, [p, REFERENCE_EXECUTOR], python=p)
             for p in python_candidates()]
    ok, _ = _describe_all(impls)
    ok += [i for i in (registry or Registry()).implementations(literal=literal) if i.is_python]
    return _distinct_sorted(ok)


def discover(registry=None, cpp_executor=None):
    """Everything this machine has: (implementations described and sorted, [(what, error)])."""
    registry = registry or Registry()
    candidates = [ExecutorImplementation(None, [p, REFERENCE_EXECUTOR], python=p) for p in python_candidates()]
    ok, bad = _describe_all(candidates)
    problems = [(" ".join(i.command), str(e)) for i, e in bad]
    try:
        ok.append(cpp_implementation(cpp_executor))
    except ImplementationError as exc:
        problems.append(("cpp", str(exc)))
    regs, reg_problems = registry.describe_all()
    ok += regs
    problems += reg_problems
    return _distinct_sorted(ok), problems


def resolve(name, registry=None, cpp_executor=None, literal=False):
    """The implementation called `name`: a registry name, `cpp`, `cpython`, `pypy`,
    `jython` (the interpreter on PATH), or NAME-VERSION (`cpython-3.9`, `pypy-7.3`):
    the highest release of NAME whose release or language version starts with VERSION."""
    registry = registry or Registry()
    entry = registry.get(name)
    if entry is not None:
        impl = registry.make(entry, literal=literal)
        impl.describe()
        return impl
    if name == "cpp":
        if literal:
            raise ImplementationError("--literal runs python blocks on a Python implementation, not on cpp")
        return cpp_implementation(cpp_executor)
    if name in PYTHON_COMMANDS:
        for command in PYTHON_COMMANDS[name]:
            path = shutil.which(command)
            if path:
                impl = python_implementation(path, literal)
                if impl.implementation != name:
                    raise ImplementationError("%s describes itself as %s, not %s" % (path, impl.implementation, name))
                return impl
        raise ImplementationError("%s: no %s on PATH (tools/setup installs it)" % (name, " or ".join(PYTHON_COMMANDS[name])))
    m = re.match(r"^([a-z][a-z0-9_.]*?)-(\d+(?:\.\d+){0,2})$", name)
    if m:
        base, wanted = m.group(1), versions.parse_version(m.group(2))
        matching = [i for i in all_pythons(literal, registry)
                    if (i.python_name if literal else i.name) == base and
                    any(versions.parse_version(v)[:len(wanted)] == wanted for v in (i.release, i.language))]
        if matching:
            return max(matching, key=lambda i: versions.parse_version(i.release))
        raise ImplementationError("no implementation %s %s on this machine (`threadspec implementations` lists them)"
                                  % (base, m.group(2)))
    known = sorted(set(BUILTIN_NAMES) | set(registry.names()))
    raise ImplementationError("unknown implementation %r (known: %s, or NAME-VERSION such as cpython-3.9)"
                              % (name, ", ".join(known)))


# --------------------------------------------------------------------------- the registry
def registry_path():
    """Where users declare their own implementations (spec 8.6)."""
    if os.environ.get("THREADSPEC_IMPLEMENTATIONS"):
        return os.environ["THREADSPEC_IMPLEMENTATIONS"]
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(config, "threadspec", "implementations.yaml")


class Registry(object):
    """The registry file: `implementations: [{name, command | interpreter, expectations?,
    startup_allowance?}]`. Relative paths are relative to the file's directory. A missing
    file is an empty registry."""

    def __init__(self, path=None, entries=()):
        self.path, self.entries = path, list(entries)

    @classmethod
    def load(cls, path=None):
        """Read the registry (default: registry_path()). Raises loader.ScenarioError with
        file, line and field on a bad file."""
        from .loader import ScenarioError, read_document
        path = path or registry_path()
        if not os.path.exists(path):
            return cls(path)
        doc = read_document(path)
        data = doc.data
        if data is None:
            return cls(path)
        if not isinstance(data, dict) or set(data) - {"implementations"} or \
                not isinstance(data.get("implementations") or [], list):
            raise ScenarioError(path, 1, None, "a registry file is a mapping with one key, 'implementations' (a list)")
        base = os.path.dirname(os.path.abspath(path))
        entries, names = [], set()
        for i, e in enumerate(data.get("implementations") or []):
            here = ("implementations", i)
            if not isinstance(e, dict):
                raise doc.error(here, "an implementation is a mapping with name and command (or interpreter)")
            for key in e:
                if key not in ("name", "command", "interpreter", "expectations", "startup_allowance"):
                    raise doc.error(here + (key,), "unknown key %r (known: name, command, interpreter, expectations, "
                                                   "startup_allowance)" % key)
            name = e.get("name")
            if not isinstance(name, str) or not _NAME_RE.match(name):
                raise doc.error(here + ("name",), "name is required: lower-case letters, digits, '_' and '.', "
                                                  "starting with a letter")
            if name in BUILTIN_NAMES or name.startswith("literal") or name in names:
                raise doc.error(here + ("name",), "the name %r is taken (built-in: %s; names are unique)"
                                % (name, ", ".join(BUILTIN_NAMES)))
            names.add(name)
            if ("command" in e) == ("interpreter" in e):
                raise doc.error(here, "give exactly one of command (an executor) and interpreter (a Python to run "
                                      "the reference executor on)")
            command = e.get("command")
            if "command" in e:
                if isinstance(command, str):
                    command = [command]
                if not isinstance(command, list) or not command or not all(isinstance(c, str) and c for c in command):
                    raise doc.error(here + ("command",), "command is a program path or a list [program, args...]")
                if not os.path.isabs(command[0]) and os.sep in command[0]:
                    command = [os.path.join(base, command[0])] + command[1:]
            interpreter = e.get("interpreter")
            if "interpreter" in e:
                if not isinstance(interpreter, str) or not interpreter:
                    raise doc.error(here + ("interpreter",), "interpreter is a path to a Python")
                if not os.path.isabs(interpreter) and os.sep in interpreter:
                    interpreter = os.path.join(base, interpreter)
            expectations = e.get("expectations")
            if expectations is not None:
                if not isinstance(expectations, str) or not expectations:
                    raise doc.error(here + ("expectations",), "expectations is a path to an expectations file")
                expectations = os.path.join(base, expectations)
            allowance = e.get("startup_allowance", DEFAULT_STARTUP_ALLOWANCE)
            if isinstance(allowance, bool) or not isinstance(allowance, (int, float)) or allowance <= 0:
                raise doc.error(here + ("startup_allowance",), "startup_allowance is a positive number of seconds")
            entries.append({"name": name, "command": command, "interpreter": interpreter,
                            "expectations": expectations, "startup_allowance": allowance, "line": doc.line(here)})
        return cls(path, entries)

    def names(self):
        return [e["name"] for e in self.entries]

    def get(self, name):
        for e in self.entries:
            if e["name"] == name:
                return e
        return None

    def make(self, entry, literal=False):
        """The (undescribed) implementation of one entry."""
        origin = "%s:%d" % (self.path, entry["line"])
        expectations = [entry["expectations"]] if entry["expectations"] else None
        if entry["interpreter"]:
            python = find_python(entry["interpreter"])
            if literal:
                impl = LiteralImplementation(python, name="literal-" + entry["name"],
                                             startup_allowance=entry["startup_allowance"], origin=origin)
                if expectations:
                    impl._expectations = [LITERAL_EXPECTATIONS] + expectations
                return impl
            return ExecutorImplementation(entry["name"], [python, REFERENCE_EXECUTOR], expectations, python=python,
                                          startup_allowance=entry["startup_allowance"], origin=origin)
        if literal:
            raise ImplementationError("%s is an executor, not a Python: --literal needs a Python implementation"
                                      % entry["name"])
        return ExecutorImplementation(entry["name"], entry["command"], expectations or [],
                                      startup_allowance=entry["startup_allowance"], origin=origin)

    def implementations(self, literal=False):
        """Every entry that can be made and described (others are left out; see describe_all)."""
        return self.describe_all(literal)[0]

    def describe_all(self, literal=False):
        made, problems = [], []
        for e in self.entries:
            try:
                made.append(self.make(e, literal))
            except ImplementationError as exc:
                problems.append((e["name"], str(exc)))
        ok, bad = _describe_all(made)
        return ok, problems + [(i.name, str(exc)) for i, exc in bad]
