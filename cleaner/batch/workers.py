"""A pool of worker processes that clean pages, each page under hard limits.

Why not `concurrent.futures.ProcessPoolExecutor`: it cannot tell which page a
worker is on, so it can neither stop one page that overruns its time (work
inside one C call that the in-process time limit cannot interrupt) nor say
which page killed a worker that died; and its workers outlive a parent that
is killed. Here each worker is a forked process with a pipe of its own:

- the parent sends a worker a few pages at a time and the worker answers page
  by page, so the parent always knows which page each worker is on and since
  when; a worker still on one page `timeout + HARD_LIMIT_GRACE` seconds after
  it started is killed (SIGKILL) and replaced, the page becomes an error
  record ("timed out"), and the pages after it in its batch are sent again;
- a worker that dies (a crash in C code, the memory cap, the OOM killer) is
  replaced the same way, the page it was on becoming an error record;
- each worker caps its own memory (`RLIMIT_DATA`, `max_memory` bytes), so a
  page that would need more fails with MemoryError (an error record) instead
  of taking the machine's memory;
- each worker asks the kernel to kill it when its parent dies
  (`PR_SET_PDEATHSIG`), so killing the run never leaves workers behind.

Outcomes come back in input order whatever the number of workers, with at
most `in_flight` pages between the oldest unfinished one and the newest sent.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

from cleaner.timelimit import HARD_LIMIT_GRACE

#: Linux prctl option: the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1
#: Longest wait for a pipe or a worker before the deadlines are looked at again
#: (seconds): a deadline is acted on at most this late.
POLL_SECONDS = 0.25

#: Default memory a worker may use, bytes (`--max-memory`): 1 GiB, the promise
#: the README makes for a worker whatever the input.
DEFAULT_MAX_MEMORY = 1024 * 1024 * 1024


#: What a worker's code takes outside its heap (the shared libraries and
#: Python's code mapped from files): about 60 MiB measured (RssFile of a
#: forked worker with trafilatura, lxml and numpy loaded), rounded up.
CODE_ALLOWANCE = 96 * 1024 * 1024


#: The smallest heap cap: a forked worker starts with about 150 MiB of heap
#: (VmData, inherited from the parent), so less would fail every page.
MIN_HEAP = 256 * 1024 * 1024

#: What a worker is given (an input) and gives back (its outcome): the pool is
#: generic, the engines say what they are.
In = TypeVar("In")
Out = TypeVar("Out")


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def worker_heap(max_memory: int | None) -> int | None:
    """The heap cap of a worker that may use `max_memory` bytes in all: less what
    its code and libraries take (`CODE_ALLOWANCE`)."""
    if not max_memory:
        return None
    return max(max_memory - CODE_ALLOWANCE, MIN_HEAP)


def die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when the parent process exits."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(0)


def cap_memory(max_memory: int | None) -> None:
    """Limit this process's heap (brk and private writable mappings) to `max_memory`."""
    if not max_memory:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = max_memory if hard == resource.RLIM_INFINITY else min(max_memory, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def _serve(conn: Connection, clean: Callable[[In], Out], parent: int,
           max_memory: int | None) -> None:
    """A worker's life: batches in, one outcome per page out, until the pipe closes."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    cap_memory(max_memory)
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        for inp in batch:
            conn.send(clean(inp))


@dataclass
class _Worker:
    process: Any  # multiprocessing.Process
    conn: Connection
    batch: deque = field(default_factory=deque)  # (position, input) not answered yet
    since: float = 0.0  # when the page at the head of `batch` started


class WorkerPool(Generic[In, Out]):
    """`jobs` worker processes running `clean(input) -> outcome`, under hard limits.

    Args:
        jobs: worker processes.
        clean: what a worker runs per input; it must catch its own errors
            (the document boundary) and return an outcome.
        on_timeout, on_death: the outcome of an input whose worker overran the
            time limit, or died, given the input (and the exit code).
        timeout: seconds per page after which the worker is killed (plus
            `HARD_LIMIT_GRACE`, so the worker's own soft limit fires first);
            0 for none.
        max_memory: bytes of heap a worker may use (None: no cap).
        batch: pages sent to a worker at once (amortises the round trip).
        in_flight: pages between the oldest unfinished one and the newest sent.
    """

    def __init__(self, jobs: int, clean: Callable[[In], Out],
                 on_timeout: Callable[[In], Out], on_death: Callable[[In, int], Out],
                 *, timeout: float, max_memory: int | None, batch: int, in_flight: int) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {jobs}")
        self.jobs, self.clean = jobs, clean
        self.on_timeout, self.on_death = on_timeout, on_death
        self.limit = timeout + HARD_LIMIT_GRACE if timeout > 0 else 0.0
        self.max_memory, self.batch, self.in_flight = max_memory, batch, in_flight
        self._context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        self._workers: list[_Worker] = []
        self.replaced = 0  # workers killed or dead and replaced (for tests and reports)

    def map(self, inputs: Iterable[In]) -> Iterator[Out]:
        """The outcome of every input, in input order."""
        source = enumerate(inputs)
        todo: deque[tuple[int, In]] = deque()  # inputs read, not sent (or sent again)
        done: dict[int, Out] = {}
        next_out, read = 0, 0
        exhausted = False
        self._workers = [self._start() for _ in range(self.jobs)]
        try:
            while True:
                while not exhausted and len(todo) < self.batch * self.jobs \
                        and read - next_out < self.in_flight:
                    item = next(source, None)
                    if item is None:
                        exhausted = True
                        break
                    todo.append(item)
                    read += 1
                self._dispatch(todo)
                while next_out in done:
                    yield done.pop(next_out)
                    next_out += 1
                if exhausted and not todo and next_out == read:
                    return
                self._collect(done, todo)
        finally:
            self._stop()

    def _dispatch(self, todo: deque) -> None:
        for n, worker in enumerate(self._workers):
            if worker.batch or not todo:
                continue
            if not worker.process.is_alive():  # died between pages: nothing to blame
                worker.conn.close()
                worker = self._workers[n] = self._start()
            batch = [todo.popleft() for _ in range(min(self.batch, len(todo)))]
            worker.batch.extend(batch)
            worker.since = time.monotonic()
            try:
                worker.conn.send([inp for _, inp in batch])
            except OSError:  # it died just now: the next round finds out and replaces it
                pass

    def _collect(self, done: dict[int, Out], todo: deque) -> None:
        """Wait for outcomes; act on workers that died or overran their page's time."""
        busy = [w for w in self._workers if w.batch]
        if not busy:
            return
        now = time.monotonic()
        wait_for = POLL_SECONDS
        if self.limit:
            wait_for = min(wait_for, max(0.0, min(w.since + self.limit for w in busy) - now))
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], wait_for))
        for worker in busy:
            if worker.conn in ready:
                try:
                    while worker.batch and worker.conn.poll():
                        done[worker.batch.popleft()[0]] = worker.conn.recv()
                        worker.since = time.monotonic()
                    continue
                except (EOFError, OSError):
                    pass  # it died while answering: as below
            elif worker.process.sentinel not in ready:
                if self.limit and time.monotonic() - worker.since > self.limit:
                    self._replace(worker, done, todo, timed_out=True)
                continue
            self._replace(worker, done, todo, timed_out=False)

    def _replace(self, worker: _Worker, done: dict[int, Out], todo: deque,
                 timed_out: bool) -> None:
        """End a worker that overran or died, record its page, requeue the rest."""
        if timed_out:
            worker.process.kill()
        worker.process.join()
        worker.conn.close()
        if worker.batch:
            position, inp = worker.batch.popleft()
            exitcode = worker.process.exitcode if worker.process.exitcode is not None else -9
            done[position] = self.on_timeout(inp) if timed_out else self.on_death(inp, exitcode)
        todo.extendleft(reversed(worker.batch))  # the pages after it, first in line again
        worker.batch.clear()
        self._workers[self._workers.index(worker)] = self._start()
        self.replaced += 1

    def _start(self) -> _Worker:
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_serve, args=(child_end, self.clean, os.getpid(), self.max_memory),
            daemon=True, name="cleaner-worker")
        process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def _stop(self) -> None:
        for worker in self._workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + POLL_SECONDS * 4
        for worker in self._workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():  # still on a page nobody waits for
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self._workers = []


__all__ = ["CODE_ALLOWANCE", "DEFAULT_MAX_MEMORY", "MIN_HEAP", "WorkerPool", "cap_memory",
           "default_jobs", "die_with_parent", "worker_heap"]
