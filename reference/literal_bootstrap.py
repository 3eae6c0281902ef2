"""Literal mode's bootstrap (specs/README.md section 10): runs a scenario's `python` block
as the program itself, as __main__, the way the documents ran it on a terminal.

Usage: python literal_bootstrap.py PROGRAM TIME_SCALE [TRACE]

It does three things only:
- appends the `started` event (spec 8.3) to TRACE, so that timing counts from the moment
  the program starts, not from the interpreter's start-up;
- makes stdout and stderr line-buffered, as on a terminal;
- applies the time scale: time.sleep and the timeouts of Thread.join and Condition.wait
  (which Event.wait, Timer and Barrier use) are multiplied by TIME_SCALE.
Python 3.6+ syntax (the python blocks are Python 3)."""
import io
import json
import os
import sys
import threading
import time


def _started(trace):
    fd = os.open(trace, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (json.dumps({"seq": 0, "t": 0.0, "kind": "started"}) + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def _line_buffered():
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            stream.reconfigure(line_buffering=True)
        except AttributeError:   # Python 3.6
            setattr(sys, name, io.TextIOWrapper(stream.buffer, encoding=stream.encoding,
                                                errors=stream.errors, line_buffering=True))


def _scale_time(scale):
    sleep, join, wait = time.sleep, threading.Thread.join, threading.Condition.wait

    def scaled_sleep(seconds):
        sleep(seconds * scale)

    def scaled_join(self, timeout=None):
        return join(self, None if timeout is None else timeout * scale)

    def scaled_wait(self, timeout=None):   # also carries Event.wait, Timer and Barrier timeouts
        return wait(self, None if timeout is None else timeout * scale)
    time.sleep = scaled_sleep
    threading.Thread.join = scaled_join
    threading.Condition.wait = scaled_wait


def main():
    path, scale = sys.argv[1], float(sys.argv[2])
    with open(path) as f:
        code = compile(f.read(), path, "exec")
    _line_buffered()
    _scale_time(scale)
    sys.argv = [path]
    sys.path[0] = os.path.dirname(os.path.abspath(path))
    return {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}, code


if __name__ == "__main__":
    _trace = sys.argv[3] if len(sys.argv) > 3 else None
    _program, _code = main()
    if _trace:
        _started(_trace)
    exec(_code, _program)
