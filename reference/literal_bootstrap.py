"""Literal mode's bootstrap (specs/README.md section 10): runs a scenario's `python` block
as the program itself, as __main__, the way the documents ran it on a terminal.

Usage: python literal_bootstrap.py PROGRAM TIME_SCALE [TRACE]

It does three things only:
- makes stdout and stderr line-buffered, as on a terminal, and, with TRACE, traces their
  lines in order (spec 10): it appends the `started` event (spec 8.3) right before the
  program runs, then one `line` event (`seq`, `t`, `stream`, `text`; no thread, no label)
  per line the program writes through sys.stdout or sys.stderr, in the order those lines
  were written inside the process, across both streams and across forked children;
- applies the time scale: time.sleep and the timeouts of Thread.join and Condition.wait
  (which Event.wait, Timer and Barrier use) are multiplied by TIME_SCALE;
- runs PROGRAM as __main__.
It runs on Python 2.7 and 3.6+ (the python blocks themselves are Python 3).

How the order is kept: each stream becomes a line-buffered text stream over a binary stream
that writes to the real file descriptor. That write takes one lock (a thread lock, plus
an fcntl record lock on the trace for forked children), writes the bytes, and appends the
events of the lines those bytes complete before it lets go. So the trace lists lines in the
order they reached the pipes. A line written past sys.stdout and sys.stderr (os.write on
descriptor 1 or 2, the interpreter's C-level fatal errors, a subprocess) has no event.
A line without its newline when the program ends has no event either. Everything a write
uses is bound when the streams are made (attributes, default arguments): writes must keep
working while the interpreter clears module globals at exit."""
import atexit
import io
import os
import sys
import threading
import time

try:
    import fcntl
except ImportError:    # no record locks (not POSIX): threads are still ordered
    fcntl = None

_PY2 = sys.version_info[0] == 2
_clock = getattr(time, "monotonic", time.time)
# Longest wait for the lock before a line is written unlocked: a daemon thread frozen by
# the interpreter's exit while it holds the lock must not hang the writes of the exit.
_LOCK_PATIENCE = 1.0


def json_string(text, _ord=ord, _join="".join):
    """`text` as a JSON string literal, ASCII only. Uses builtins only (see the module's
    note on exit)."""
    out = ['"']
    for ch in text:
        c = _ord(ch)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif 0x20 <= c < 0x7f:
            out.append(ch)
        elif c > 0xFFFF:
            c -= 0x10000
            out.append("\\u%04x\\u%04x" % (0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF)))
        else:
            out.append("\\u%04x" % c)
    out.append('"')
    return _join(out)


class Tracer(object):
    """Writes the program's output to its file descriptors and, with a trace descriptor,
    appends one `line` event per completed line, under one lock, so the trace order is the
    write order. Lines are split at b"\\n" per stream (a partial line waits for the write
    that completes it) and decoded as the harness decodes them (UTF-8, replacing errors, one
    trailing \\r dropped)."""

    def __init__(self, trace_fd):
        self._trace_fd = trace_fd
        self._t0 = _clock()
        self._seq = 1                       # the started event is 0
        self._pending = {"stdout": b"", "stderr": b""}
        self._lock = threading.RLock()
        self._pid = self._first_pid = os.getpid()
        self._getpid = os.getpid
        self._os_write = os.write
        self._clock = _clock
        self._new_lock = threading.RLock
        self._json = json_string
        self._patience = () if _PY2 else (True, _LOCK_PATIENCE)
        self._lockf = fcntl.lockf if fcntl is not None and trace_fd is not None else None
        self._lock_ex = fcntl.LOCK_EX if fcntl is not None else None
        self._lock_un = fcntl.LOCK_UN if fcntl is not None else None
        if hasattr(os, "register_at_fork"):   # another thread may hold the lock at the fork
            os.register_at_fork(after_in_child=self._forked)

    def _forked(self):
        self._lock = self._new_lock()
        self._pid = self._getpid()

    def started(self):
        """Appends the `started` event (spec 8.3): seq 0, time 0; event times count from now."""
        self._t0 = self._clock()
        self._write_all(self._trace_fd, b'{"seq": 0, "t": 0.0, "kind": "started"}\n')

    def acquire(self):
        """Takes the output lock (reentrant); returns what release() needs. After a fork
        the child uses a fresh lock (the old one may be held by a thread that is gone)."""
        if self._getpid() != self._pid:     # a fork without register_at_fork (2.7, 3.6)
            self._forked()
        lock = self._lock
        return lock if lock.acquire(*self._patience) else None

    def release(self, held):
        if held is not None:
            held.release()

    def _write_all(self, fd, data):
        while data:
            try:
                n = self._os_write(fd, data)
            except OSError as exc:
                if exc.errno == 4:   # EINTR (Python 2 does not retry)
                    continue
                raise
            data = data[n:]

    def write(self, stream, fd, data):
        """Writes `data` (bytes) to `fd` whole, then traces the lines it completes."""
        held = self.acquire()
        try:
            if self._lockf is not None:
                self._lockf(self._trace_fd, self._lock_ex)
            try:
                self._write_all(fd, data)
                if self._trace_fd is not None:
                    self._trace(stream, data)
            finally:
                if self._lockf is not None:
                    self._lockf(self._trace_fd, self._lock_un)
        finally:
            self.release(held)

    def _trace(self, stream, data):
        parts = (self._pending[stream] + data).split(b"\n")
        self._pending[stream] = parts.pop()
        if not parts:
            return
        t = round(self._clock() - self._t0, 6)
        pid = self._getpid()
        tail = "" if pid == self._first_pid else ', "pid": %d' % pid
        events = []
        for raw in parts:
            text = raw.decode("utf-8", "replace")
            if text.endswith("\r"):
                text = text[:-1]
            events.append('{"seq": %d, "t": %r, "kind": "line", "stream": "%s", "text": %s%s}\n' %
                          (self._seq, t, stream, self._json(text), tail))
            self._seq += 1
        self._write_all(self._trace_fd, "".join(events).encode("ascii"))


class TracedBuffer(io.BufferedIOBase):
    """The binary stream under a traced text stream: every write goes straight through the
    Tracer. Not an io.BufferedWriter: that one holds a lock while it calls its raw stream,
    and a daemon thread that the exit freezes in Python code under that lock makes the
    interpreter's last flush abort ("could not acquire lock ... at interpreter shutdown")."""

    def __init__(self, tracer, stream, fd, name):
        io.BufferedIOBase.__init__(self)
        self._tracer, self._stream, self._fd = tracer, stream, fd
        self._isatty = os.isatty
        self.name = name

    def writable(self):
        return True

    def fileno(self):
        return self._fd

    def isatty(self):
        return self._isatty(self._fd)

    def write(self, b):
        data = bytes(b)
        self._tracer.write(self._stream, self._fd, data)
        return len(data)


class TracedFile2(object):
    """Python 2.7's stand-in for a `file` stream: print statements and the interpreter call
    its write(), which keeps text until a newline completes a line (line buffering)."""

    def __init__(self, tracer, stream, original):
        self._tracer, self._stream, self._original = tracer, stream, original
        self._fd = original.fileno()
        self._buffer = b""
        self.softspace = 0
        self.name, self.mode = original.name, original.mode
        self.encoding, self.errors = original.encoding, None
        self.closed = False

    def write(self, s):
        if not isinstance(s, bytes):   # unicode: what the file would do with it
            s = s.encode(self.encoding or "ascii")
        held = self._tracer.acquire()
        try:
            self._buffer += s
            cut = self._buffer.rfind(b"\n") + 1
            if cut:
                data, self._buffer = self._buffer[:cut], self._buffer[cut:]
                self._tracer.write(self._stream, self._fd, data)
        finally:
            self._tracer.release(held)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        held = self._tracer.acquire()
        try:
            data, self._buffer = self._buffer, b""
            if data:
                self._tracer.write(self._stream, self._fd, data)
        finally:
            self._tracer.release(held)

    def fileno(self):
        return self._fd

    def isatty(self):
        return self._original.isatty()


def _traced_streams(trace_path):
    """Replaces sys.stdout and sys.stderr (and their __stdout__, __stderr__) by
    line-buffered streams writing through a Tracer; returns the Tracer. The original stream
    objects are kept alive by it (they do not own the descriptors)."""
    trace_fd = None
    if trace_path:
        trace_fd = os.open(trace_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    tracer = Tracer(trace_fd)
    tracer.originals = (sys.stdout, sys.stderr)
    for name in ("stdout", "stderr"):
        original = getattr(sys, name)
        original.flush()
        if _PY2:
            stream = TracedFile2(tracer, name, original)
            atexit.register(stream.flush)   # a last line without its newline, as a file's
        else:
            binary = TracedBuffer(tracer, name, original.fileno(), getattr(original, "name", "<%s>" % name))
            stream = io.TextIOWrapper(binary, encoding=original.encoding, errors=original.errors,
                                      line_buffering=True)
            stream.mode = getattr(original, "mode", "w")   # as the interpreter's own streams
        setattr(sys, name, stream)
        setattr(sys, "__%s__" % name, stream)
    return tracer


def _scale_time(scale):
    sleep, join = time.sleep, threading.Thread.join
    # Python 2.7's Condition is a factory function of _Condition objects
    condition = threading.Condition if isinstance(threading.Condition, type) else threading._Condition
    wait = condition.wait

    def scaled_sleep(seconds):
        sleep(seconds * scale)

    def scaled_join(self, timeout=None):
        return join(self, None if timeout is None else timeout * scale)

    def scaled_wait(self, timeout=None):   # also carries Event.wait, Timer and Barrier timeouts
        return wait(self, None if timeout is None else timeout * scale)
    time.sleep = scaled_sleep
    threading.Thread.join = scaled_join
    condition.wait = scaled_wait


def main():
    """Compiles PROGRAM, sets up the streams and the time scale; returns the program's
    globals, its code and the Tracer."""
    path, scale = sys.argv[1], float(sys.argv[2])
    trace = sys.argv[3] if len(sys.argv) > 3 else None
    with open(path) as f:
        code = compile(f.read(), path, "exec")
    tracer = _traced_streams(trace)
    _scale_time(scale)
    sys.argv = [path]
    sys.path[0] = os.path.dirname(os.path.abspath(path))
    return {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}, code, tracer


if __name__ == "__main__":
    _program, _code, _tracer = main()
    if _tracer._trace_fd is not None:
        _tracer.started()
    exec(_code, _program)
