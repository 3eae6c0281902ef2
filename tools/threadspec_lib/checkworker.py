"""The worker process of checkpool: reads (expect, observation, time_scale) requests,
each a length-prefixed pickle on stdin, and answers ("ok", Result) or ("error", one line)
on stdout. It ends at end of input. Only the harness talks to it."""

import pickle
import struct
import sys


def _read(f, n):
    data = f.read(n)
    if len(data) < n:
        raise EOFError()
    return data


def serve(inp=None, out=None):
    """Answer requests from inp (default stdin) on out (default stdout) until end of input."""
    from . import checker
    from .containment import one_line
    inp = inp or sys.stdin.buffer
    out = out or sys.stdout.buffer
    while True:
        try:
            (size,) = struct.unpack("<Q", _read(inp, 8))
            expect, obs, time_scale = pickle.loads(_read(inp, size))
        except EOFError:
            return
        try:
            reply = ("ok", checker.check(expect, obs, time_scale))
        except Exception as exc:   # the harness turns it into this scenario's ERROR
            reply = ("error", "checking failed: %s" % one_line(exc))
        data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(struct.pack("<Q", len(data)) + data)
        out.flush()
