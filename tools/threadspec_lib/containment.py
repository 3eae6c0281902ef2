"""Containment: one scenario's failure stays that scenario's ERROR, and an interrupt
stops everything at once.

- guard() runs one scenario and turns any exception into an ERROR result whose reason is
  one line (file, line and field when known), so the run goes on and its results file is
  complete.
- install_interrupt_handlers(): SIGINT, SIGTERM and SIGHUP raise KeyboardInterrupt in the
  main thread the first time (the command line then kills every process it started and
  writes no results file); a second signal, or cleaning up for longer than
  CLEANUP_SECONDS, kills everything and exits at once with status 130. No traceback
  either way."""

import os
import signal
import sys
import threading

CLEANUP_SECONDS = 5.0
INTERRUPTED_STATUS = 130
_state = {"interrupted": False}


def one_line(exc):
    """An exception as one line: its own text for a ScenarioError, else type and message,
    with the file and line of the harness code that raised it."""
    from .loader import ScenarioError
    if isinstance(exc, ScenarioError):
        return str(exc)
    text = " ".join(str(exc).split())
    if len(text) > 300:
        text = text[:300] + "…"
    where = ""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        where = " (at %s:%d)" % (os.path.basename(tb.tb_frame.f_code.co_filename), tb.tb_lineno)
    return "%s: %s%s" % (type(exc).__name__, text, where) if text else type(exc).__name__ + where


def guard(make_error, fn, *args, **kwargs):
    """fn(*args, **kwargs), or make_error(one-line reason) when it raises an Exception."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        return make_error(one_line(exc))


def _kill_everything():
    from . import checkpool, runner
    try:
        runner.kill_all()
        checkpool.kill_all()
    except Exception:
        pass


def _hard_exit():
    _kill_everything()
    try:
        sys.stderr.write("threadspec: interrupted; every process it started was killed; no results file written\n")
        sys.stderr.flush()
    except Exception:
        pass
    os._exit(INTERRUPTED_STATUS)


def _on_signal(signum, frame):
    if _state["interrupted"]:
        _hard_exit()
    _state["interrupted"] = True
    _kill_everything()
    # if unwinding hangs (a thread that does not come back), leave anyway
    t = threading.Timer(CLEANUP_SECONDS, _hard_exit)
    t.daemon = True
    t.start()
    raise KeyboardInterrupt()


def install_interrupt_handlers():
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)


def early_exit_on_interrupt():
    """Before the harness has started anything (imports): an interrupt exits at once."""
    def _bye(signum, frame):
        os._exit(INTERRUPTED_STATUS)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _bye)
