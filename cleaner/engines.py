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

Each page gets a time limit (`timeout` seconds, a SIGALRM timer in the process
that cleans it): a page that makes the extractor hang or explode becomes an
error record ("timed out after 30 s") and the run goes on. The timer fires
between Python operations, so a stall inside one C call ends when that call
returns.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from cleaner.dedup.signatures import sign
from cleaner.document import Document
from cleaner.sources import Input
from cleaner.timelimit import DEFAULT_TIMEOUT, PageTimeout, time_limit

#: Pages in flight per worker: enough to keep every worker busy while results
#: are written in order, few enough to bound memory.
IN_FLIGHT = 8
#: Pages sent to a worker at once (amortises the inter-process round trip).
BATCH = 4

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

    def one(self, inp: Input) -> Outcome:
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
            return "error", {"source": inp.source,
                             "error": f"timed out after {self.timeout:g} s"}
        except Exception as exc:  # the document boundary: record, go on
            return "error", {"source": inp.source, "error": error_message(exc)}

    def many(self, inputs: list[Input]) -> list[Outcome]:
        return [self.one(inp) for inp in inputs]


class LocalEngine:
    """Cleans pages in this process (jobs=1) or in a pool of `jobs` processes."""

    name = "local"

    def __init__(self, jobs: int | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.jobs = default_jobs() if jobs is None else jobs
        if self.jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {self.jobs}")
        self.timeout = timeout

    def map(self, inputs: Iterable[Input], config: Any) -> Iterator[Outcome]:
        task = Task(config, self.timeout, sign_pages=self.jobs > 1)
        if self.jobs == 1:
            for inp in inputs:
                yield task.one(inp)
            return
        from cleaner.language import preload

        preload()  # loaded once here, shared by the forked workers
        pool = _Pool(self.jobs, task)
        try:
            pending: deque[tuple[list[Input], Future[list[Outcome]]]] = deque()
            limit = self.jobs * IN_FLIGHT // BATCH + 1
            for batch in _batches(inputs, BATCH):
                pending.append((batch, pool.submit(batch)))
                while len(pending) >= limit:
                    yield from pool.outcomes(*pending.popleft(), pending)
            while pending:
                yield from pool.outcomes(*pending.popleft(), pending)
        finally:
            pool.shutdown()


class _Pool:
    """A process pool that survives a worker dying (a crash in C code, the OOM killer).

    When a batch's worker dies, the pool is started again and the batches in
    flight are sent again; the batch that was running is retried one page at
    a time, and a page whose worker dies on its own becomes an error record.
    """

    def __init__(self, jobs: int, task: Task) -> None:
        self.jobs, self.task = jobs, task
        self._context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        self._executor = ProcessPoolExecutor(jobs, mp_context=self._context)

    def submit(self, batch: list[Input]) -> Future[list[Outcome]]:
        return self._executor.submit(self.task.many, batch)

    def outcomes(self, batch: list[Input], future: Future[list[Outcome]],
                 pending: deque) -> list[Outcome]:
        try:
            return future.result()
        except BrokenProcessPool:
            pass
        self._restart(pending)
        out: list[Outcome] = []
        for inp in batch:
            try:
                out.extend(self.submit([inp]).result())
            except BrokenProcessPool:
                self._restart(pending)
                out.append(("error", {"source": inp.source,
                                      "error": "the worker cleaning this page died"}))
        return out

    def _restart(self, pending: deque) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = ProcessPoolExecutor(self.jobs, mp_context=self._context)
        for n, (batch, _) in enumerate(pending):  # everything in flight was lost
            pending[n] = (batch, self.submit(batch))

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def _batches(items: Iterable[Input], size: int) -> Iterator[list[Input]]:
    batch: list[Input] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


__all__ = ["DEFAULT_TIMEOUT", "LocalEngine", "Outcome", "PageTimeout", "Task", "default_jobs",
           "Document"]
