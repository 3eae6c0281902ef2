"""Checking runs in worker processes that can be killed (specs/README.md, "Limits").

Python's regular expressions cannot be interrupted: a pattern that backtracks
catastrophically on a long line would hang the harness, and Ctrl-C with it. So each
engine thread checks through its own worker process (threadspec_lib.checkworker), which
is killed when one check takes longer than CHECK_SECONDS; that run's scenario is then an
ERROR and the run goes on with a fresh worker."""

import os
import pickle
import select
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
    def __init__(self):
        self.proc = procs.spawn(lambda: subprocess.Popen(
            [sys.executable, "-c", _BOOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            close_fds=True, preexec_fn=procs.preexec()))

    def kill(self):
        if self.proc.returncode is None:
            try:
                self.proc.kill()
            except OSError:
                pass
        self.proc.wait()
        procs.unregister(self.proc.pid)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass

    def _read(self, n, deadline):
        fd = self.proc.stdout.fileno()
        out = b""
        while len(out) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError()
            chunk = os.read(fd, n - len(out))
            if not chunk:
                raise EOFError()
            out += chunk
        return out

    def call(self, payload, timeout):
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        self.proc.stdin.write(struct.pack("<Q", len(data)) + data)
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        (size,) = struct.unpack("<Q", self._read(8, deadline))
        return pickle.loads(self._read(size, deadline))


class CheckPool(object):
    """check(expect, obs, time_scale) in a killable worker, one worker per thread."""

    def __init__(self, timeout=None):
        self.timeout = check_seconds() if timeout is None else timeout
        self._local = threading.local()
        self._workers = []
        self._lock = threading.Lock()
        self._closed = False
        with _pools_lock:
            _pools.add(self)

    def _worker(self):
        w = getattr(self._local, "worker", None)
        if w is None or w.proc.returncode is not None:
            with self._lock:
                if self._closed:
                    raise CheckError("the harness is stopping")
                w = self._local.worker = _Worker()
                self._workers.append(w)
        return w

    def _drop(self, w):
        w.kill()
        self._local.worker = None
        with self._lock:
            if w in self._workers:
                self._workers.remove(w)

    def check(self, expect, obs, time_scale=1.0):
        w = self._worker()
        try:
            status, value = w.call((expect, obs, time_scale), self.timeout)
        except TimeoutError:
            self._drop(w)
            raise CheckError("checking the run took more than %g s and was stopped (a regular expression "
                             "that backtracks catastrophically on a long line?)" % self.timeout)
        except (EOFError, OSError, pickle.PickleError, struct.error) as exc:
            self._drop(w)
            raise CheckError("the checker process failed (%s)" % (type(exc).__name__,))
        if status != "ok":
            raise CheckError(value)
        return value

    def close(self):
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
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
                w.proc.kill()
            except OSError:
                pass
