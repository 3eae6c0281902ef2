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

from . import limits, procs
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
    """Kill every process group this module started and has not reaped yet, every one
    started from now on, and every orphan the harness adopted."""
    _stopping.set()
    with _live_lock:
        live = list(_live.items())
    for pgid, proc in live:
        if proc.returncode is None:   # never signal a group whose leader was reaped
            _killpg(pgid)
    procs.sweep(orphans=True)


class _Capture(object):
    """One stream's lines with their read times, within the limits: at most MAX_LINES
    lines of at most MAX_LINE_CHARS characters, MAX_STREAM_BYTES bytes in all; what is
    beyond is read and counted, not kept."""

    def __init__(self, name):
        self.name = name
        self.lines = []
        self.bytes = 0
        self.dropped_lines = 0
        self.long_lines = 0

    def problems(self):
        out = []
        if self.dropped_lines or self.bytes > limits.MAX_STREAM_BYTES:
            out.append("%s: the program wrote %s%d bytes; only the first %d lines (%d bytes at most) were kept" %
                       (self.name, "more than " if self.bytes > limits.MAX_STREAM_BYTES else "", self.bytes,
                        len(self.lines), limits.MAX_STREAM_BYTES))
        if self.long_lines:
            out.append("%s: %d line(s) longer than %d characters were cut" %
                       (self.name, self.long_lines, limits.MAX_LINE_CHARS))
        return out


def _reader(pipe, cap, t0):
    chunk = limits.MAX_LINE_CHARS * 4 + 1
    cutting = False       # inside a line that was cut: skip up to its newline
    for raw in iter(lambda: pipe.readline(chunk), b""):
        cap.bytes += len(raw)
        full = raw.endswith(b"\n")
        if cutting:
            cutting = not full
            continue
        if cap.bytes > limits.MAX_STREAM_BYTES or len(cap.lines) >= limits.MAX_LINES:
            cap.dropped_lines += 1
            continue
        text = raw.decode("utf-8", "replace")
        if full:
            text = text[:-1]
            if text.endswith("\r"):
                text = text[:-1]
        if len(text) > limits.MAX_LINE_CHARS or (not full and len(raw) == chunk):
            cap.long_lines += 1
            text = text[:limits.MAX_LINE_CHARS] + "…[cut]"
            cutting = not full
        cap.lines.append((text, time.monotonic() - t0))
    pipe.close()


def _feed(pipe, data):
    try:
        pipe.write(data)
    except (BrokenPipeError, OSError, ValueError):
        pass   # it exited (or was killed) without reading its input; its status tells why
    finally:
        try:
            pipe.close()
        except (BrokenPipeError, OSError):
            pass


class RawRun(object):
    """What a process did: its lines (text, time read since spawn), how it ended, the
    trace events, any problem with the trace or the output's size, and `startup`:
    seconds from spawn until its program started (None when no start was seen)."""

    def __init__(self, out, err, end, duration, trace, problems=(), trace_found=True, overflow=(), startup=None):
        self.out, self.err, self.end, self.duration, self.trace = out, err, end, duration, trace
        self.problems = list(problems)      # malformed trace events
        self.trace_found = trace_found
        self.overflow = list(overflow)      # output beyond the limits
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
    reported as a deadline). Returns a RawRun. The process group, and every process that
    carries the run's token or was orphaned to the harness, is killed before returning,
    so nothing it started survives.

    With `startup_allowance` and a trace: both times count from the moment the program
    starts (its first trace event), which may come up to `startup_allowance` seconds after
    spawn; without a start within it, they count from spawn plus the allowance."""
    procs.become_subreaper()
    token = procs.new_token()
    env = dict(os.environ if env is None else env)
    env[procs.TOKEN_VAR] = token
    t0 = time.monotonic()
    base = t0          # when the program started: spawn, until its first trace event says otherwise
    with _live_lock:   # registered before kill_all() can miss it
        proc = procs.spawn(lambda: subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
            env=env, close_fds=True, preexec_fn=procs.preexec()))
        pgid = proc.pid   # start_new_session: the child leads its own session and group
        _live[pgid] = proc
        if _stopping.is_set():
            _killpg(pgid)
    since = procs.start_time(proc.pid)
    caps = [_Capture("stdout"), _Capture("stderr")]
    readers = [threading.Thread(target=_reader, args=(proc.stdout, caps[0], t0)),
               threading.Thread(target=_reader, args=(proc.stderr, caps[1], t0))]
    end = None
    try:
        for r in readers:
            r.daemon = True
            r.start()
        # fed by a thread: a program that never reads its input must still meet its deadline
        writer = threading.Thread(target=_feed, args=(proc.stdin, stdin_data))
        writer.daemon = True
        writer.start()
        readers.append(writer)
        if startup_allowance is not None and trace_path:
            started = _wait_for_start(proc, trace_path, startup_allowance, t0)
            base = started if started is not None else t0 + startup_allowance
        limit = running_after if running_after is not None else deadline
        if not procs.wait_exit(proc, max(0.0, limit - (time.monotonic() - base))):
            kind = "running" if running_after is not None else "deadline"
            end = {"kind": kind, "after": round(time.monotonic() - base, 3)}
    finally:
        procs.kill_group(proc)
        procs.sweep(token, pgid, since=since)   # the leader is not reaped yet: pgid is still this run's
        proc.wait()
        with _live_lock:
            _live.pop(pgid, None)
        procs.unregister(proc.pid)
        procs.reap_adopted(pgid)   # re-parented to the harness while the leader died
        for r in readers:
            r.join(5.0)
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
    trace, problems, trace_found = read_trace_checked(trace_path) if trace_path else ([], [], False)
    startup = base - t0 if trace and trace[0].get("kind") == "started" else None
    return RawRun(caps[0].lines, caps[1].lines, end, duration, trace, problems, trace_found,
                  caps[0].problems() + caps[1].problems(), startup)


def read_trace(path):
    """The trace events of spec 8.3 that are well formed, in the order they were written."""
    return read_trace_checked(path)[0]


_EVENT_TYPES = {"seq": (int,), "t": (int, float), "kind": (str,), "stream": (str,), "text": (str,),
                "label": (str, type(None)), "thread": (str, type(None))}


def _event_problem(ev):
    if not isinstance(ev, dict):
        return "an event is a JSON object, not %s" % type(ev).__name__
    for key, types in _EVENT_TYPES.items():
        if key in ev and (not isinstance(ev[key], types) or isinstance(ev[key], bool)):
            return "%r is %s, expected %s" % (key, type(ev[key]).__name__, " or ".join(
                "null" if t is type(None) else t.__name__ for t in types))
    if "seq" not in ev:
        return "the event has no seq"
    if "t" in ev and not limits.finite(ev["t"]):
        return "'t' is not a finite number"
    if ev.get("kind") == "line" and "stream" in ev:
        if ev["stream"] not in ("stdout", "stderr"):
            return "'stream' is %r, expected stdout or stderr" % limits.clip_text(ev["stream"], 40)
    return None


def read_trace_checked(path):
    """(events, problems, found): the well-formed events in the file's order, which is the
    order they were written, across a forked child's events too (spec 8.3), each event's
    "seq" renumbered to its position; a problem (at most three, each one line) per
    malformed one; and whether the file existed.
    A torn last line (the process was killed mid-write) is dropped without a problem."""
    events, problems, bad = [], [], 0
    try:
        with open(path, "rb") as f:
            data = f.read(limits.MAX_TRACE_BYTES + 1)
    except (IOError, OSError):
        return [], [], False
    if len(data) > limits.MAX_TRACE_BYTES:
        problems.append("the trace is larger than %d bytes; the rest was not read" % limits.MAX_TRACE_BYTES)
        data = data[:limits.MAX_TRACE_BYTES]
    raws = data.split(b"\n")
    torn = raws.pop()     # after the last newline: empty, or a torn event
    for n, raw in enumerate(raws, 1):
        try:
            ev = json.loads(raw.decode("utf-8"))
            why = _event_problem(ev)
        except (ValueError, RecursionError) as exc:
            why = "not JSON (%s)" % limits.clip_text(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 80)
        if why is None:
            events.append(ev)
            continue
        bad += 1
        if bad <= 3:
            problems.append("trace line %d: %s" % (n, why))
    if bad > 3:
        problems.append("trace: %d malformed events in all" % bad)
    del torn
    for i, ev in enumerate(events):
        ev["seq"] = i
    return events, problems, True


def observation(raw, traced, ordered=None):
    """Turn a RawRun into an Observation: lines per stream, with the trace's labels, thread
    names, order (`seq`) and times attached to the stream lines they belong to (matched in
    order by text). `traced`: the run's trace must record every line with its label
    (executors, spec 8.3). `ordered` (default: `traced`): its line events give the write
    order (also literal mode's order-only trace, spec 10), so an event that no stream line
    matches is a problem."""
    if ordered is None:
        ordered = traced
    lines = {}
    problems = list(raw.problems) if ordered else []
    if traced and not raw.trace_found:
        problems.append("the executor wrote no trace file (spec 8.3): thread labels and the order of "
                        "streams cannot be checked")
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
        if ordered and j < len(events) and not raw.overflow:
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
    return Observation(lines, raw.end, raw.duration, traced, problems, raw.overflow, ordered)


class Workdir(object):
    """A private temporary directory, removed on exit."""

    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="threadspec-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)
