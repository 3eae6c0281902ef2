"""Python version specifiers of the scenario format: comma-separated clauses such as
'>=3.8', '<3.13', '==2.7', each compared on as many components as the clause gives
(so '==3.9' and '<=3.9' include 3.9.18, '<3.9' does not)."""

import operator
import re

_OPS = {"==": operator.eq, "!=": operator.ne, ">=": operator.ge, "<=": operator.le,
        ">": operator.gt, "<": operator.lt}
_CLAUSE = re.compile(r"^\s*(==|!=|>=|<=|>|<)\s*(\d+(?:\.\d+){0,2})\s*$")


def parse_version(text):
    """'3.11.7' (or '3.13.0+', '3.12.1rc1') -> (3, 11, 7)."""
    parts = []
    for piece in str(text).split(".")[:3]:
        m = re.match(r"\d+", piece)
        if not m:
            break
        parts.append(int(m.group(0)))
    if not parts:
        raise ValueError("not a version: %r" % (text,))
    return tuple(parts)


def matches(spec, version):
    """True when `version` (a string or tuple) satisfies every clause of `spec`."""
    have = parse_version(version) if isinstance(version, str) else tuple(version)
    for clause in spec.split(","):
        m = _CLAUSE.match(clause)
        if not m:
            raise ValueError("bad version clause %r in %r" % (clause, spec))
        want = parse_version(m.group(2))
        if not _OPS[m.group(1)](have[:len(want)], want):
            return False
    return True
