"""Expectations files (specs/README.md section 9): where an implementation differs from
CPython, scenario by scenario, with the reason. A run is judged with one or more files
(literal mode on PyPy: literal.yaml and pypy.yaml); each file names the implementation it
is for, and that name must be one the run's implementation answers to."""

import os

from . import conditions
from .loader import ScenarioError, read_document

WHEN_KEYS = ("python", "implementation", "release", "time_scale")


def is_expectations_data(data):
    """True for the top-level mapping of an expectations file (as opposed to a scenario)."""
    return isinstance(data, dict) and "entries" in data and "id" not in data


class Expectations(object):
    """One expectations file: its implementation name and its entries."""

    def __init__(self, path=None, entries=(), implementation=None):
        self.path, self.entries, self.implementation = path, list(entries), implementation

    @classmethod
    def load(cls, path, known_ids):
        """Read and validate a file. Raises ScenarioError naming file, line and field."""
        if not os.path.exists(path):
            raise ScenarioError(path, None, None, "expectations file not found")
        doc = read_document(path)
        data = doc.data
        if not isinstance(data, dict) or not isinstance(data.get("entries") or [], list):
            raise ScenarioError(path, 1, None, "an expectations file is a mapping with 'implementation' and 'entries'")
        for key in data:
            if key not in ("implementation", "entries"):
                raise doc.error((key,), "unknown key %r (known: implementation, entries)" % key)
        if not isinstance(data.get("implementation"), str) or not data["implementation"]:
            raise doc.error(("implementation",), "implementation is required: the name of the implementation "
                                                 "this file is for (cpython, pypy, jython, cpp, literal, ...)")
        entries = []
        for i, e in enumerate(data.get("entries") or []):
            here = ("entries", i)
            if not isinstance(e, dict):
                raise doc.error(here, "an entry is a mapping with id, status and reason")
            for key in e:
                if key not in ("id", "when", "status", "reason"):
                    raise doc.error(here + (key,), "unknown key %r (known: id, when, status, reason)" % key)
            for key in ("id", "status", "reason"):
                if not isinstance(e.get(key), str) or not e.get(key):
                    raise doc.error(here + (key,), "%s is required (a non-empty string)" % key)
            if e["status"] not in ("fail", "skip"):
                raise doc.error(here + ("status",), "status must be 'fail' or 'skip', not %r" % e["status"])
            if e["id"] not in known_ids:
                raise doc.error(here + ("id",), "no scenario has id %r" % e["id"])
            if "when" in e:
                bad = conditions.problem(e["when"], WHEN_KEYS)
                if bad:
                    key, message = bad
                    raise doc.error(here + ("when",) + ((key,) if key else ()), message)
            entries.append(dict(e, line=doc.line(here), file=path))
        return cls(path, entries, data["implementation"])

    def lookup(self, scenario_id, version, time_scale=1.0, implementation=None, release=None):
        """The first entry for scenario_id whose `when` holds, or None. `implementation`
        is the set of names the run answers to (None: the file's own)."""
        names = implementation if implementation is not None else {self.implementation}
        return self.find(scenario_id, conditions.Run(names, version, release, time_scale))

    def find(self, scenario_id, run):
        for e in self.entries:
            if e["id"] == scenario_id and conditions.holds(e.get("when", {}), run):
                return e
        return None


class ExpectationSet(object):
    """The files one run is judged with, in order; the first matching entry wins."""

    def __init__(self, files=()):
        self.files = list(files)

    @classmethod
    def for_implementation(cls, impl, known_ids, paths=None):
        """Load `paths` (default: the implementation's own files) and check that each is
        for this implementation. Raises ScenarioError."""
        files = []
        for path in (impl.expectation_files() if paths is None else paths):
            exp = Expectations.load(path, known_ids)
            if exp.implementation not in impl.names:
                raise ScenarioError(path, 1, "implementation", "this file is for %r; the run is %s (%s)" % (
                    exp.implementation, impl.label(), ", ".join(sorted(n for n in impl.names if n))))
            files.append(exp)
        return cls(files)

    @property
    def paths(self):
        return [f.path for f in self.files]

    def find(self, scenario_id, run):
        for f in self.files:
            e = f.find(scenario_id, run)
            if e:
                return e
        return None
