"""Keeping every process the harness starts on a leash (specs/README.md, "Limits").

- The harness is a *child subreaper* (prctl PR_SET_CHILD_SUBREAPER): a process whose
  parent dies is re-parented to the harness, not to init, so a descendant that calls
  setsid (leaving its process group) and is orphaned is still the harness's child, and is
  found and killed. A subreaper needs no privilege, unlike a pid namespace, and works in
  containers where cgroups are read-only.
- Every process started through here carries a run token in its environment
  (THREADSPEC_RUN); at the end of a run every process with that token is killed, wherever
  it moved (a new session, a new group).
- Every child gets PR_SET_PDEATHSIG = SIGKILL before it executes anything, so executors
  die with the harness even when the harness itself is killed with SIGKILL.
- A process group is killed while its leader is still unreaped (a zombie keeps its pid and
  so its group id reserved), never after: no kill lands on a reused pid.
Linux only; elsewhere these are no-ops and process groups remain the only leash.
"""

import ctypes
import itertools
import os
import signal
import threading

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
TOKEN_VAR = "THREADSPEC_RUN"

try:
    _libc = ctypes.CDLL(None, use_errno=True)
    _prctl = _libc.prctl
    _prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
except (OSError, AttributeError):
    _prctl = None

_tokens = itertools.count(1)
_known = set()          # pids of children this harness started and reaps itself
_known_lock = threading.Lock()
_subreaper = [False]


def become_subreaper():
    """Make this process the subreaper of its descendants. True when it worked."""
    if _prctl is not None and not _subreaper[0]:
        _subreaper[0] = _prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    return _subreaper[0]


def new_token():
    return "%d-%d" % (os.getpid(), next(_tokens))


def preexec(parent=None):
    """A preexec_fn for subprocess: die with the harness (SIGKILL when the thread that
    started it ends, which outlives every run it starts)."""
    parent = os.getpid() if parent is None else parent

    def _child():
        if _prctl is not None:
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:   # the harness died before the line above
            os._exit(125)
    return _child


def spawn_lock():
    """Held while a child is created and registered (see spawn)."""
    return _known_lock


def add_known(pid):
    """Register a child created under spawn_lock()."""
    _known.add(pid)


def spawn(start):
    """start() -> a Popen, registered as known before any sweep can see it unknown."""
    with _known_lock:
        proc = start()
        _known.add(proc.pid)
    return proc


def unregister(pid):
    with _known_lock:
        _known.discard(pid)


def _stat(pid):
    """(ppid, pgid, start time in clock ticks since boot) of a process (a zombie too), or
    None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return int(fields[1]), int(fields[2]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def start_time(pid):
    """A process's start time (clock ticks since boot), or None."""
    st = _stat(pid)
    return st[2] if st else None


def _pids():
    try:
        return [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []


def _has_token(pid, token):
    needle = ("%s=%s" % (TOKEN_VAR, token)).encode()
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            return needle in f.read().split(b"\0")
    except OSError:
        return False


def sweep(token=None, pgid=None, orphans=False, since=None):
    """Kill the processes of one run: those that carry `token` in their environment or
    are in process group `pgid`; with orphans=True also every orphan this subreaper
    adopted (a child it did not start through spawn(): only when nothing else starts
    processes). Killed children of the harness (adopted orphans, zombies too) are reaped.
    since: the run's first process's start time; older processes cannot carry its token.
    Children started through spawn() are left alone."""
    me = os.getpid()
    with _known_lock:
        known = set(_known)
    doomed = []
    for pid in _pids():
        if pid == me or pid in known:
            continue
        st = _stat(pid)
        if st is None:
            continue
        child = st[0] == me
        if (orphans and child and _subreaper[0]) or (pgid is not None and st[1] == pgid) \
                or (token and (since is None or st[2] >= since) and _has_token(pid, token)):
            doomed.append((pid, child))
    for pid, child in doomed:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        if child:
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass
    return [pid for pid, _ in doomed]


def reap_adopted(pgid):
    """Kill and reap the harness's children in group pgid that it did not start: processes
    of a finished run, re-parented to this subreaper when their parent died. A child's
    pid cannot be reused before it is reaped, so this is safe after the leader was reaped."""
    me = os.getpid()
    with _known_lock:
        known = set(_known)
    for pid in _pids():
        st = _stat(pid)
        if pid in known or st is None or st[0] != me or st[1] != pgid:
            continue
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass


def kill_group(proc):
    """SIGKILL the process group led by proc (started with start_new_session), unless
    proc was reaped already: an unreaped leader (alive or a zombie) keeps its pid, and so
    its group id, from being reused. The caller reaps proc afterwards."""
    if proc.returncode is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def wait_exit(proc, timeout):
    """Wait until proc exits, without reaping it. True when it exited within timeout
    seconds (None: no limit)."""
    try:
        fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        import select
        try:
            ready, _, _ = select.select([fd], [], [], timeout)
            return bool(ready)
        finally:
            os.close(fd)
    # no pidfd: poll with WNOWAIT, which leaves the child unreaped
    import time
    deadline = None if timeout is None else time.monotonic() + timeout
    delay = 0.001
    while True:
        try:
            info = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        if info is not None:
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.02)
