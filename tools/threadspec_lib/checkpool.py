"""Checking runs in worker processes that can be killed (specs/README.md, "Limits").

Python's regular expressions cannot be interrupted: a pattern that backtracks
catastrophically on a long line would hang the harness, and Ctrl-C with it. So each
check runs in a worker process (threadspec_lib.checkworker), which is killed when one
check takes longer than CHECK_SECONDS; that run's scenario is then an ERROR and the run
goes on with a fresh worker."""

import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time

from . import limits, procs

_TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_BOOT = "import sys; sys.path.insert(0, %r); from threadspec_lib import checkworker; checkworker.serve()" % _TOOLS
_pools = set()
_pools_lock = threading.Lock()


class CheckError(Exception):
    """A check that could not finish: it took too long, or its worker failed."""


def check_seconds():
    """CHECK_SECONDS, or THREADSPEC_CHECK_SECONDS when set to a positive finite number."""
    try:
        value = float(os.environ.get("THREADSPEC_CHECK_SECONDS", limits.CHECK_SECONDS))
    except ValueError:
        return limits.CHECK_SECONDS
    return value if limits.finite(value) and value > 0 else limits.CHECK_SECONDS


class _Worker(object):
    """One checker process. While the harness has one thread (before a run starts) it is
    forked, which costs milliseconds; otherwise a fresh interpreter is started."""

    def __init__(self):
        self.returncode = None
        self._popen = None
        if threading.active_count() == 1 and hasattr(os, "fork"):
            with procs.spawn_lock():
                self._fork()
        else:
            self._popen = procs.spawn(lambda: subprocess.Popen(
                [sys.executable, "-c", _BOOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, close_fds=True, preexec_fn=procs.preexec()))
            self.pid = self._popen.pid
            self._to = self._popen.stdin
            self._from = self._popen.stdout.fileno()

    def _fork(self):
        from . import checkworker
        down_r, down_w = os.pipe()
        up_r, up_w = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:   # the worker: no Python-level state of the harness is used again
            try:
                for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                    signal.signal(sig, signal.SIG_DFL)
                procs.preexec(parent)()
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                os.closerange(3, min(down_r, up_w))
                os.close(down_w)
                os.close(up_r)
                checkworker.serve(os.fdopen(down_r, "rb"), os.fdopen(up_w, "wb"))
            finally:
                os._exit(0)
        os.close(down_r)
        os.close(up_w)
        self.pid = pid
        procs.add_known(pid)
        self._to = os.fdopen(down_w, "wb")
        self._from = up_r

    def kill(self):
        if self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
            if self._popen is not None:
                self.returncode = self._popen.wait()
            else:
                try:
                    self.returncode = os.waitpid(self.pid, 0)[1]
                except ChildProcessError:
                    self.returncode = -signal.SIGKILL
        procs.unregister(self.pid)
        for close in (self._to.close, lambda: os.close(self._from) if self._popen is None else None):
            try:
                close()
            except OSError:
                pass

    def _read(self, n, deadline):
        out = b""
        while len(out) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from], [], [], left)[0]:
                raise TimeoutError()
            chunk = os.read(self._from, n - len(out))
            if not chunk:
                raise EOFError()
            out += chunk
        return out

    def call(self, payload, timeout):
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        self._to.write(struct.pack("<Q", len(data)) + data)
        self._to.flush()
        deadline = time.monotonic() + timeout
        (size,) = struct.unpack("<Q", self._read(8, deadline))
        return pickle.loads(self._read(size, deadline))


class CheckPool(object):
    """check(expect, obs, time_scale) in a killable worker process. Workers are reused;
    start(n) launches n of them at once, so that their start-up overlaps the first runs."""

    def __init__(self, timeout=None):
        self.timeout = check_seconds() if timeout is None else timeout
        self._idle = []
        self._workers = []
        self._lock = threading.Lock()
        self._closed = False
        with _pools_lock:
            _pools.add(self)

    def start(self, n):
        for _ in range(n):
            w = self._new()
            with self._lock:
                self._idle.append(w)

    def _new(self):
        with self._lock:
            if self._closed:
                raise CheckError("the harness is stopping")
        w = _Worker()
        with self._lock:
            self._workers.append(w)
        return w

    def _take(self):
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._new()

    def _drop(self, w):
        w.kill()
        with self._lock:
            if w in self._workers:
                self._workers.remove(w)

    def check(self, expect, obs, time_scale=1.0):
        w = self._take()
        try:
            status, value = w.call((expect, obs, time_scale), self.timeout)
        except TimeoutError:
            self._drop(w)
            raise CheckError("checking the run took more than %g s and was stopped (a regular expression "
                             "that backtracks catastrophically on a long line?)" % self.timeout)
        except (EOFError, OSError, pickle.PickleError, struct.error) as exc:
            self._drop(w)
            raise CheckError("the checker process failed (%s)" % (type(exc).__name__,))
        with self._lock:
            self._idle.append(w)
        if status != "ok":
            raise CheckError(value)
        return value

    def close(self):
        with self._lock:
            self._closed = True
            workers, self._workers, self._idle = self._workers, [], []
        for w in workers:
            w.kill()
        with _pools_lock:
            _pools.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def kill_all():
    """Kill every worker of every pool (Ctrl-C)."""
    with _pools_lock:
        pools = list(_pools)
    for pool in pools:
        with pool._lock:
            pool._closed = True
            workers = list(pool._workers)
        for w in workers:
            try:
                os.kill(w.pid, signal.SIGKILL)
            except OSError:
                pass
