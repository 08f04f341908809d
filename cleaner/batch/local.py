"""The local engine: pages cleaned in a pool of worker processes on this machine.

Inputs are consumed lazily and at most `jobs x IN_FLIGHT` pages are in
flight, so memory stays bounded whatever the size of the batch; outcomes
come back in input order (`task.Engine`'s contract).

Each page gets a time limit (`timeout` seconds): a SIGALRM timer in the
worker (`timelimit`), and, for a stall inside one C call that the timer
cannot interrupt, the parent kills the worker a second later and starts
another (`workers`). Either way the page becomes an error record ("timed
out after 30 s") and the run goes on. Each worker's memory is capped
(`max_memory`), and workers die with their parent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial

from cleaner.batch.config import RunConfig
from cleaner.batch.records import Outcome
from cleaner.batch.task import EngineBase, Task, died, timed_out
from cleaner.batch.workers import DEFAULT_MAX_MEMORY, WorkerPool, default_jobs, worker_heap
from cleaner.inputs.base import Input
from cleaner.lang.language import preload
from cleaner.timelimit import DEFAULT_TIMEOUT

#: Pages in flight per worker: enough to keep every worker busy while results
#: are written in order, few enough to bound memory.
IN_FLIGHT = 8
#: Pages sent to a worker at once (amortises the inter-process round trip).
BATCH = 4

class LocalEngine(EngineBase):
    """Cleans pages in a pool of `jobs` worker processes (`workers.WorkerPool`).

    It leaves the optional steps of the contract (`EngineBase`) to the run: with
    one machine, the run's own process does them as fast. Even with one job the
    page is cleaned in a worker process: only a separate
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

    def map(self, inputs: Iterable[Input], config: RunConfig) -> Iterator[Outcome]:
        # with one worker the parent is idle: dedup signs in batches later (cheaper)
        task = Task(config, self.timeout, sign_pages=self.jobs > 1)
        preload()  # loaded once here, shared by the forked workers
        pool = WorkerPool(
            self.jobs, task.one, partial(timed_out, self.timeout), died,
            timeout=self.timeout, max_memory=worker_heap(self.max_memory), batch=BATCH,
            in_flight=self.jobs * IN_FLIGHT)
        yield from pool.map(inputs)


__all__ = ["LocalEngine"]
