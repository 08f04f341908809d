"""Where the per-page work runs: in this process, or in a pool of processes.

An engine turns a stream of inputs into a stream of outcomes, in input order:
("doc", records.Page) for a cleaned page: its record's JSON, body lines and
profile keys, and (`signed`) the shingle set and MinHash signature of its
text, all made by the worker that cleaned it, so dedup's costly part runs on
the workers too (None in a single process, where dedup signs in batches);
("error", record) for one that could not be cleaned.
Inputs are consumed lazily and at most `jobs x IN_FLIGHT` pages are in
flight, so memory stays bounded whatever the size of the batch;
the order of outcomes never depends on the number of workers, so neither does
the output.

Each page gets a time limit (`timeout` seconds): a SIGALRM timer in the
worker (`timelimit`), and, for a stall inside one C call that the timer
cannot interrupt, the parent kills the worker a second later and starts
another (`workers`). Either way the page becomes an error record ("timed
out after 30 s") and the run goes on. Each worker's memory is capped
(`max_memory`), and workers die with their parent.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from cleaner.dedup.signatures import sign
from cleaner.document import Document
from cleaner.language import preload
from cleaner.sources import Input
from cleaner.timelimit import (
    DEFAULT_TIMEOUT,
    HARD_LIMIT_GRACE,
    PageTimeout,
    hard_limit,
    time_limit,
)
from cleaner.workers import WorkerPool

#: Pages in flight per worker: enough to keep every worker busy while results
#: are written in order, few enough to bound memory.
IN_FLIGHT = 8
#: Pages sent to a worker at once (amortises the inter-process round trip).
BATCH = 4
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

#: ("doc", records.Page) or ("error", {"source", "error"})
Outcome = tuple


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)




@dataclass(frozen=True, slots=True)
class Task:
    """What a worker needs to clean pages: the run's settings."""

    config: Any  # pipeline.RunConfig (kept untyped here to avoid an import cycle)
    timeout: float
    sign_pages: bool = True  # make each page's dedup signature where it is cleaned
    # end the process if a page overruns inside C code (`timelimit.hard_limit`):
    # for a process that cleans one page at a time, where nobody else can
    hard: bool = False

    def one(self, inp: Input) -> Outcome:
        with hard_limit(self.timeout + HARD_LIMIT_GRACE if self.hard and self.timeout else 0):
            return self._one(inp)

    def _one(self, inp: Input) -> Outcome:
        from cleaner.pipeline import clean_input, error_message
        from cleaner.records import prepare

        try:
            with time_limit(self.timeout):
                doc = clean_input(inp, self.config)
                # signed here, in the worker, so the dedup stage only compares;
                # in a single process, dedup signs in batches, which is cheaper
                page = prepare(doc)
                if self.sign_pages:
                    page = page._replace(signed=sign(page.text, self.config.num_perm))
                return "doc", page
        except PageTimeout:
            return timed_out(self.timeout, inp)
        except Exception as exc:  # the document boundary: record, go on
            return "error", {"source": inp.source, "error": error_message(exc)}

    def many(self, inputs: list[Input]) -> list[Outcome]:
        return [self.one(inp) for inp in inputs]


class LocalEngine:
    """Cleans pages in a pool of `jobs` worker processes (`workers.WorkerPool`).

    Even with one job the page is cleaned in a worker process: only a separate
    process can be stopped in the middle of a C call that overruns the time
    limit, or be held to a memory cap without risking the run itself.
    """

    name = "local"

    def __init__(self, jobs: int | None = None, timeout: float = DEFAULT_TIMEOUT,
                 max_memory: int | None = DEFAULT_MAX_MEMORY) -> None:
        self.jobs = default_jobs() if jobs is None else jobs
        if self.jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {self.jobs}")
        self.timeout = timeout
        self.max_memory = max_memory

    def map(self, inputs: Iterable[Input], config: Any) -> Iterator[Outcome]:
        # with one worker the parent is idle: dedup signs in batches later (cheaper)
        task = Task(config, self.timeout, sign_pages=self.jobs > 1)
        preload()  # loaded once here, shared by the forked workers
        pool = WorkerPool(
            self.jobs, task.one, partial(timed_out, self.timeout), died,
            timeout=self.timeout, max_memory=worker_heap(self.max_memory), batch=BATCH,
            in_flight=self.jobs * IN_FLIGHT)
        yield from pool.map(inputs)


def worker_heap(max_memory: int | None) -> int | None:
    """The heap cap of a worker that may use `max_memory` bytes in all: less what
    its code and libraries take (`CODE_ALLOWANCE`)."""
    if not max_memory:
        return None
    return max(max_memory - CODE_ALLOWANCE, MIN_HEAP)


def timed_out(timeout: float, inp: Input) -> Outcome:
    """The record of a page past the time limit: the same words whichever limit
    stopped it (a page near the limit may be stopped by either) and on any engine."""
    return "error", {"source": inp.source, "error": f"timed out after {timeout:g} s"}


def died(inp: Input, exitcode: int | None = None) -> Outcome:
    """The record of a page whose worker died. The exit code is not in it: the Dask
    engine cannot know it, and the output is the same on every engine."""
    return "error", {"source": inp.source,
                     "error": "the worker cleaning this page died (a crash, or out of memory)"}


def _batches(items: Iterable[Input], size: int) -> Iterator[list[Input]]:
    batch: list[Input] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


__all__ = ["DEFAULT_MAX_MEMORY", "DEFAULT_TIMEOUT", "Document", "LocalEngine", "Outcome",
           "PageTimeout", "Task", "default_jobs", "died", "timed_out", "worker_heap"]
