"""Running one program: a fresh process in its own process group, stdin fed, stdout and
stderr read line by line with the time each line arrived, a deadline after which the whole
group is killed, and the trace read back (specs/README.md section 8).

Every process started here is registered until its group is gone, so kill_all() (called
on Ctrl-C or SIGTERM) leaves no orphan behind.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from .checker import Line, Observation

EXECUTOR_ERROR_STATUS = 125
_live = {}
_live_lock = threading.Lock()
_stopping = threading.Event()


def _killpg(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def kill_all():
    """Kill every process group this module started and has not reaped yet, and every one
    started from now on."""
    _stopping.set()
    with _live_lock:
        groups = list(_live)
    for pgid in groups:
        _killpg(pgid)


def _reader(pipe, sink, t0):
    for raw in iter(pipe.readline, b""):
        text = raw.decode("utf-8", "replace")
        if text.endswith("\n"):
            text = text[:-1]
            if text.endswith("\r"):
                text = text[:-1]
        sink.append((text, time.monotonic() - t0))
    pipe.close()


class RawRun(object):
    """What a process did: its lines (text, time read since spawn), how it ended, the
    trace events, and `startup`: seconds from spawn until its program started (None when
    no start was seen)."""

    def __init__(self, out, err, end, duration, trace, startup=None):
        self.out, self.err, self.end, self.duration, self.trace = out, err, end, duration, trace
        self.startup = startup


def _first_event(path):
    """True once the trace file holds a whole first event (spec 8.3: `started`)."""
    try:
        with open(path, "rb") as f:
            return f.readline().endswith(b"\n")
    except (IOError, OSError):
        return False


def _wait_for_start(proc, trace_path, allowance, t0):
    """Wait until the program starts (the trace's first event appears), the process ends,
    or `allowance` seconds after spawn. Returns the start time (monotonic), or None."""
    while True:
        if _first_event(trace_path):
            return time.monotonic()
        if proc.poll() is not None or time.monotonic() - t0 >= allowance:
            return None
        time.sleep(0.005)


def run_process(argv, stdin_data, deadline, running_after=None, env=None, trace_path=None, startup_allowance=None):
    """Run argv with stdin_data, wait until it exits, or until `running_after` seconds
    (then it is killed and reported as running), or until `deadline` seconds (killed and
    reported as a deadline). Returns a RawRun. The process group is always killed before
    returning, so nothing it started survives.

    With `startup_allowance` and a trace: both times count from the moment the program
    starts (its first trace event), which may come up to `startup_allowance` seconds after
    spawn; without a start within it, they count from spawn plus the allowance."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, env=env, close_fds=True)
    pgid = proc.pid   # start_new_session: the child leads its own session and group
    with _live_lock:
        _live[pgid] = proc
    if _stopping.is_set():
        _killpg(pgid)
    out, err = [], []
    readers = [threading.Thread(target=_reader, args=(proc.stdout, out, t0)),
               threading.Thread(target=_reader, args=(proc.stderr, err, t0))]
    try:
        for r in readers:
            r.daemon = True
            r.start()
        try:
            proc.stdin.write(stdin_data)
            proc.stdin.close()
        except BrokenPipeError:
            pass   # it exited without reading its input; its status tells why
        base = t0
        if startup_allowance is not None and trace_path:
            started = _wait_for_start(proc, trace_path, startup_allowance, t0)
            base = started if started is not None else t0 + startup_allowance
        limit = running_after if running_after is not None else deadline
        try:
            proc.wait(timeout=max(0.0, limit - (time.monotonic() - base)))
            end = None
        except subprocess.TimeoutExpired:
            kind = "running" if running_after is not None else "deadline"
            end = {"kind": kind, "after": round(time.monotonic() - base, 3)}
        _killpg(pgid)
        proc.wait()
        for r in readers:
            r.join(5.0)
    finally:
        _killpg(pgid)
        with _live_lock:
            _live.pop(pgid, None)
    duration = time.monotonic() - t0
    if end is None:
        rc = proc.returncode
        if rc < 0:
            try:
                name = signal.Signals(-rc).name
            except ValueError:
                name = "signal %d" % -rc
            end = {"kind": "signal", "signal": name}
        else:
            end = {"kind": "exit", "code": rc}
    trace = read_trace(trace_path) if trace_path else []
    startup = base - t0 if trace and trace[0].get("kind") == "started" else None
    return RawRun(out, err, end, duration, trace, startup)


def read_trace(path):
    """The trace events of spec 8.3, in sequence order. A torn last event (the process was
    killed mid-write, which one write(2) per event makes unlikely) is dropped."""
    events = []
    try:
        with open(path, "rb") as f:
            for raw in f:
                try:
                    events.append(json.loads(raw.decode("utf-8")))
                except ValueError:
                    continue
    except (IOError, OSError):
        return []
    events.sort(key=lambda e: e.get("seq", 0))
    return events


def observation(raw, traced):
    """Turn a RawRun into an Observation: lines per stream, with trace labels attached
    to the stream lines they belong to (matched in order by text)."""
    lines = {}
    problems = []
    for stream, got in (("stdout", raw.out), ("stderr", raw.err)):
        events = [e for e in raw.trace if e.get("kind") == "line" and e.get("stream") == stream]
        out = []
        j = 0
        for i, (text, t) in enumerate(got):
            line = Line(stream, i, text, t)
            if j < len(events) and events[j].get("text") == text:
                ev = events[j]
                line.label, line.thread, line.seq = ev.get("label"), ev.get("thread"), ev.get("seq")
                if ev.get("t") is not None:
                    line.t = float(ev["t"])
                j += 1
            out.append(line)
        if traced and j < len(events):
            problems.append("the trace records %d %s line(s) the stream does not show, first %r" %
                            (len(events) - j, stream, events[j].get("text")))
        lines[stream] = out
    # Trace times (the executor's clock) and read times (the harness's) differ by the
    # executor's start-up delay: move untraced lines onto the trace clock, using the
    # smallest observed difference between the two.
    pairs = [(l.t, t) for stream, got in (("stdout", raw.out), ("stderr", raw.err))
             for l, (_, t) in zip(lines[stream], got) if l.seq is not None]
    if pairs:
        offset = min(read - traced_t for traced_t, read in pairs)
        for ls in lines.values():
            for l in ls:
                if l.seq is None:
                    l.t -= offset
    # Times count from the moment the program started (the `started` event, spec 8.3):
    # on the trace clock, its `t`; on the read clock, the start-up the runner measured.
    started = raw.trace[0] if raw.trace and raw.trace[0].get("kind") == "started" else None
    if pairs:
        shift = float(started.get("t") or 0.0) if started else 0.0
    else:
        shift = raw.startup or 0.0
    if shift:
        for ls in lines.values():
            for l in ls:
                l.t -= shift
    return Observation(lines, raw.end, raw.duration, traced, problems)


class Workdir(object):
    """A private temporary directory, removed on exit."""

    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="threadspec-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)
