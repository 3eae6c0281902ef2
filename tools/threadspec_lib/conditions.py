"""`when` conditions: of a scenario's variants (specs/README.md section 6) and of an
expectations file's entries (section 9).

A condition is a mapping; every key it has must hold:
- python: a version spec (versions.py) on the Python version the implementation
  implements or emulates;
- implementation: a name or a list of names, one of which the run's implementation answers
  to (`cpython`, `pypy`, `jython`, `cpp`, a registered name; `literal` in literal mode);
- release: a version spec on the implementation's own release (PyPy 7.3.11);
- time_scale (expectations files only): a comparison such as '<1'."""

import re

from . import versions

_SCALE_RE = re.compile(r"^\s*(==|!=|>=|<=|>|<)\s*(\d+(?:\.\d+)?)\s*$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_.-]*$")


class Run(object):
    """What a condition is evaluated against: the implementation's names, the language
    version, its release and the time scale."""

    def __init__(self, names, language, release=None, time_scale=1.0):
        self.names, self.language, self.release, self.time_scale = set(names or ()), language, release, time_scale

    @classmethod
    def of(cls, impl, time_scale=1.0):
        return cls(impl.names, impl.language, impl.release, time_scale)


def problem(when, keys):
    """Why `when` is not a valid condition with the allowed `keys`: (key or None, message),
    or None when it is valid."""
    if not isinstance(when, dict) or not when:
        return None, "when is a mapping with at least one of: %s" % ", ".join(keys)
    for key in when:
        if key not in keys:
            return key, "unknown key %r in when (known: %s)" % (key, ", ".join(keys))
    for key in ("python", "release"):
        if key in when:
            try:
                versions.matches(str(when[key]), "3.0")
            except ValueError as exc:
                return key, str(exc)
    if "implementation" in when:
        names = when["implementation"]
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and _NAME_RE.match(n) for n in names):
            return "implementation", "implementation is a name (e.g. pypy) or a list of names"
    if "time_scale" in when and not _SCALE_RE.match(str(when["time_scale"])):
        return "time_scale", "time_scale must look like '<1' or '>=0.5'"
    return None


def holds(when, run):
    """True when every key of `when` holds for `run` (a Run)."""
    if "python" in when and not versions.matches(str(when["python"]), run.language):
        return False
    if "implementation" in when:
        names = when["implementation"]
        if not set([names] if isinstance(names, str) else names) & run.names:
            return False
    if "release" in when:
        if run.release is None or not versions.matches(str(when["release"]), run.release):
            return False
    if "time_scale" in when:
        op, bound = _SCALE_RE.match(str(when["time_scale"])).groups()
        if not versions._OPS[op](run.time_scale, float(bound)):
            return False
    return True
