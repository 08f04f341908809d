"""The per-page time limit, in two layers that extraction code cannot defeat.

1. A soft limit, `time_limit(seconds)`: a signal is raised in the thread
   doing the work (a SIGALRM timer in a main thread whose SIGALRM nobody else
   uses, a watchdog thread with `PyThreadState_SetAsyncExc` elsewhere, as in
   a Dask worker or a crawler's thread). The signal, `_Expired`, derives from
   `BaseException`, not `Exception`, so the `except Exception` blocks of
   extraction code (ours, lxml's, trafilatura's) cannot swallow it and carry
   on; at the end of the `with` block it becomes `PageTimeout`, an ordinary
   error (a `CleanerError` and a `TimeoutError`), so the caller's own
   `except Exception` sees a page that took too long like any other refused
   page. It fires between Python operations only.
2. A hard limit, for work inside one C call (libxml2 is quadratic in the
   attributes of one tag; a regular expression can backtrack for hours): the
   process doing the work is ended. The local engine's parent process kills
   a worker that overruns (`batch.workers`); in a Dask worker, where nothing
   outside can tell which task is late, `hard_limit` arms faulthandler's
   watchdog, a C thread that needs no GIL and calls `_exit` at the deadline.
"""

from __future__ import annotations

import ctypes
import faulthandler
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from cleaner.errors import CleanerError

#: Default per-page time limit, seconds: the slowest of the 800 benchmark pages
#: takes under 2 s, so 30 s only stops pages that would take minutes or hours.
DEFAULT_TIMEOUT = 30.0
#: Seconds a worker gets past the soft limit before the hard limit ends it: the
#: soft limit fires within milliseconds of the deadline when Python code runs,
#: so a worker still busy a second later is stuck in C code.
HARD_LIMIT_GRACE = 1.0
#: Exit status of a process ended by `hard_limit` (faulthandler's `_exit(1)`).
HARD_LIMIT_EXIT = 1


class PageTimeout(CleanerError, TimeoutError):
    """A page took longer than the time limit (`clean(timeout=...)`, `time_limit`).

    What the caller of the `with time_limit(...)` block (or of `clean`) gets.
    Inside the block, the limit travels as `_Expired`, a BaseException that
    code catching `Exception` to retry or fall back cannot swallow (which would
    turn the limit into a second attempt at the same work); out of the block it
    is this ordinary error, so a crawler's `except Exception` around one page
    goes on to the next page instead of dying.

    Example:
        >>> from cleaner import PageTimeout
        >>> from cleaner.timelimit import time_limit
        >>> try:
        ...     with time_limit(0.05):
        ...         while True:
        ...             pass
        ... except PageTimeout as exc:
        ...     print(exc)
        timed out after 0.05 s
    """


class _Expired(BaseException):
    """The time limit, on its way through the work it stops: not an `Exception`, so
    no `except Exception` in extraction code can catch it (`time_limit` turns it
    into `PageTimeout` at the end of its block)."""


def _on_alarm(signum: int, frame: object) -> None:
    raise _Expired


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise PageTimeout out of the block if it still runs after `seconds` (no limit
    when <= 0).

    In a main thread, a SIGALRM timer. In other threads (a Dask worker runs
    tasks in threads, where signals cannot be used), and in a main thread whose
    SIGALRM the caller uses itself (a handler of its own, or a timer running,
    as in an enclosing `time_limit`: its alarm is left alone), a watchdog
    thread raises the limit asynchronously in this one
    (`PyThreadState_SetAsyncExc`). Either way it fires between Python
    operations, not inside one long C call.
    """
    if seconds <= 0:
        yield
        return
    try:
        disarm = _arm(seconds)
        try:
            yield
        finally:
            disarm()  # a limit that fires even now is caught below too
    except _Expired as expired:
        raise PageTimeout(f"timed out after {seconds:g} s").with_traceback(
            expired.__traceback__) from None  # the traceback shows where the page was


def _arm(seconds: float) -> Callable[[], None]:
    """Start the limit for this thread; returns what stops it."""
    if threading.current_thread() is threading.main_thread() and _alarm_is_free():
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)

        def disarm_alarm() -> None:
            try:
                signal.setitimer(signal.ITIMER_REAL, 0)
            finally:
                signal.signal(signal.SIGALRM, previous)

        return disarm_alarm
    token = _WATCHDOG.arm(threading.get_ident(), seconds)
    return lambda: _WATCHDOG.disarm(token)


def _alarm_is_free() -> bool:
    """Whether SIGALRM is this process's to use: it exists here (not on Windows), no
    handler but the default is installed and no timer runs. Otherwise the caller
    (or an enclosing `time_limit`) uses it, and replacing its handler or
    cancelling its timer would break its own limit."""
    if not hasattr(signal, "setitimer"):
        return False
    return (signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN)
            and signal.getitimer(signal.ITIMER_REAL)[0] == 0)


@contextmanager
def hard_limit(seconds: float) -> Iterator[None]:
    """End this process (exit status 1) if the block is still running after `seconds`.

    faulthandler's watchdog is a C thread: it fires even while the GIL is held
    by C code that never returns. One deadline per process, so only for
    processes that clean one page at a time (a Dask worker with one thread).
    """
    if seconds <= 0:
        yield
        return
    faulthandler.dump_traceback_later(seconds, repeat=False, file=_sink(), exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


_SINK: list = []  # [(pid, file)]: where faulthandler's traceback goes (nowhere), per process


def _sink() -> object:
    """/dev/null, opened once per process (opening it per page costs 0.4 ms)."""
    if not _SINK or _SINK[0][0] != os.getpid():
        _SINK[:] = [(os.getpid(), open(os.devnull, "w"))]  # noqa: SIM115 - lives with the process
    return _SINK[0][1]


class _Watchdog:
    """One thread per process that raises the limit in threads past their deadline.

    Cheaper than a timer thread per page (starting a thread costs about as much
    as cleaning a small page).
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._deadlines: dict[int, tuple[int, float]] = {}  # token -> (thread, deadline)
        self._next = 0
        self._thread: threading.Thread | None = None
        self._pid = 0

    def arm(self, thread_id: int, seconds: float) -> int:
        with self._lock:
            if self._thread is None or self._pid != os.getpid():  # a new (forked) process
                self._deadlines.clear()
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="cleaner-timeout")
                self._thread.start()
            self._next += 1
            self._deadlines[self._next] = (thread_id, time.monotonic() + seconds)
            self._lock.notify()
            return self._next

    def disarm(self, token: int) -> None:
        with self._lock:
            self._deadlines.pop(token, None)

    def _run(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                for token, (thread_id, deadline) in list(self._deadlines.items()):
                    if deadline <= now:
                        del self._deadlines[token]
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(
                            ctypes.c_ulong(thread_id), ctypes.py_object(_Expired))
                wait = min((d for _, d in self._deadlines.values()), default=now + 60) - now
                self._lock.wait(max(wait, 0.01))


_WATCHDOG = _Watchdog()


__all__ = ["DEFAULT_TIMEOUT", "HARD_LIMIT_GRACE", "PageTimeout", "hard_limit", "time_limit"]
