"""The Dask engine: pages cleaned on a Dask cluster instead of local processes.

`DaskEngine` has the same `map` as `local.LocalEngine`: outcomes come back in
input order, so a run's output is byte for byte the same as with the local
engine. Pages are sent in batches, a bounded window of them in flight, so the
client's memory stays flat however many pages the run has.

Without a scheduler address it starts a `LocalCluster` (one process per
worker, one thread each). With one (`tcp://host:8786`), workers started with
`dask worker tcp://host:8786` clean the pages; they must see the input files
at the same paths (a shared file system) and have cleaner installed.

What runs where: cleaning (decode, extraction, line rules) and each page's
dedup signature run on the workers, and so does learning the site profile: a
reduction of per-batch samples, merged on the cluster, and signing again the
pages the profile changed (`sign_many`). Dedup's band keys are
shuffled on the cluster: grouped by LSH bucket, each group of buckets gives
its candidate pairs (`DaskBuckets`). Verifying the candidates against the
shingle sets, resolving clusters from the verified pairs, and writing run in
the client process.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from operator import getitem

import dask
import numpy as np
from distributed import Client, Future, KilledWorker, LocalCluster, Worker, WorkerPlugin

from cleaner.batch.config import RunConfig
from cleaner.batch.records import CleanedPage, Outcome, Signed
from cleaner.batch.task import PairFinder, SignFuture, Task, batches, died, timed_out
from cleaner.batch.workers import (
    DEFAULT_MAX_MEMORY,
    cap_memory,
    default_jobs,
    die_with_parent,
    worker_heap,
)
from cleaner.dedup.buckets import bucket_pairs, key_rows, partition_rows
from cleaner.dedup.signatures import sign_texts
from cleaner.inputs.base import Input
from cleaner.lang.language import preload
from cleaner.profile import ProfileConfig, Sample, merge_samples, profile_of_sample, sample_pages
from cleaner.timelimit import DEFAULT_TIMEOUT

#: Pages per Dask task: a task costs the scheduler a round trip, so pages go
#: in batches (16 measured as fast as 64, and faster than 4).
BATCH = 16
#: Batches in flight per worker.
IN_FLIGHT_BATCHES = 4
#: Partial site profiles merged by one reduction task.
MERGE_FAN_IN = 16
#: Worker settings of the local cluster: no statistical profiler sampling the
#: worker's stack every 10 ms and no GIL monitor; both take the GIL from the
#: cleaning (about 5% of a worker's time), and nobody reads them here.
QUIET_WORKERS = {"distributed.worker.profile.enabled": False,
                 "distributed.admin.system-monitor.gil.enabled": False}
#: Scheduler settings of the local cluster: a task whose worker dies is not
#: tried again on another worker (3 times by default): a page that overruns
#: the hard time limit would cost three more time limits; this engine tries
#: the batch's pages again one at a time itself (`PAGE_ATTEMPTS`).
LOCAL_SCHEDULER = {"distributed.scheduler.allowed-failures": 0}
#: Tries of one page whose worker died: twice, since a worker that dies takes
#: the task queued beside it down too (one page's second try runs alone).
PAGE_ATTEMPTS = 2
#: Documents per map task of the bucket shuffle.
SHUFFLE_CHUNK = 50_000
#: Bucket groups (reduce tasks) of the shuffle per worker.
SHUFFLE_PARTS_PER_WORKER = 2


class LocalWorkerLimits(WorkerPlugin):
    """The limits of the local engine's workers, for each local Dask worker process.

    The kernel kills it when the `cleaner` process dies (Dask's own watch of
    its parent is a thread, which a worker stuck in a C call holding the GIL
    never runs), and its heap is capped at `heap` bytes (`workers.cap_memory`).
    """

    def __init__(self, heap: int | None) -> None:
        self.heap = heap

    def setup(self, worker: Worker) -> None:
        die_with_parent(os.getppid())
        cap_memory(self.heap)


def _sign_texts(texts: list[str], num_perm: int) -> list[Signed]:
    """Sign a chunk of texts in one kernel call (the same as each text alone)."""
    sets, sigs = sign_texts(texts, num_perm)
    return list(zip(sets, sigs, strict=True))


def _shuffle_map(keys: np.ndarray, prints: np.ndarray, positions: np.ndarray,
                 parts: int) -> list[np.ndarray]:
    """Map side of the shuffle: one chunk's band-key rows, split by bucket."""
    return partition_rows(key_rows(keys, prints, positions), parts)


def _shuffle_reduce(*pieces: np.ndarray) -> np.ndarray:
    """Reduce side: every row of one group of buckets, in, candidate pairs out."""
    return bucket_pairs(np.concatenate(pieces))


class DaskBuckets:
    """Candidate pairs by a shuffle on the cluster (`BatchDedup`'s `buckets`).

    Band-key rows are sent in chunks; each chunk is split by bucket (a hash
    of band and key) into groups; each group's pieces are gathered by one
    reduce task, which pairs the members of its buckets. The pairs are the
    ones `buckets.batch_pairs` finds in one process, since a bucket is never
    split between groups.
    """

    def __init__(self, client: Client, parts: int) -> None:
        self.client, self.parts = client, max(1, parts)

    def pairs(self, keys: np.ndarray, prints: np.ndarray, positions: np.ndarray) -> np.ndarray:
        client, parts = self.client, self.parts
        mapped = []
        for at in range(0, len(positions), SHUFFLE_CHUNK):
            chosen = positions[at : at + SHUFFLE_CHUNK]
            mapped.append(client.submit(_shuffle_map, keys[chosen], prints[chosen], chosen,
                                        parts, pure=False))
        reduced = [
            client.submit(_shuffle_reduce,
                          *[client.submit(getitem, m, p, pure=False) for m in mapped],
                          pure=False)
            for p in range(parts)
        ]
        found = client.gather(reduced)
        if not found:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(found))


def _sample_batch(outcomes: list[Outcome], first: int) -> Sample:
    """The site-profile sample of one batch's pages (runs on the worker)."""
    return sample_pages((first + i, outcome.site, outcome.keys)
                        for i, outcome in enumerate(outcomes)
                        if isinstance(outcome, CleanedPage))


class DaskEngine:
    """Clean pages on a Dask cluster (a LocalCluster when no address is given)."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None,
                 timeout: float = DEFAULT_TIMEOUT, batch: int = BATCH,
                 max_memory: int | None = DEFAULT_MAX_MEMORY) -> None:
        self.timeout = timeout
        self.batch = batch
        self._samples: list = []
        self._profile_lost = False
        self._cluster = None
        self._settings: dask.config.set | None = None
        if scheduler:
            self.client = Client(scheduler)
        else:
            preload()
            # forked local workers start with the cleaning code (`task`) already loaded,
            # instead of importing trafilatura and lxml again (about a second each)
            method = "fork" if hasattr(os, "fork") else "spawn"
            # kept for the cluster's life: a worker the nanny starts again (after a
            # crash or the hard time limit) is forked too, with the same settings
            self._settings = dask.config.set({
                "distributed.worker.multiprocessing-method": method,
                **QUIET_WORKERS, **LOCAL_SCHEDULER})
            self._settings.__enter__()
            self._cluster = LocalCluster(
                n_workers=workers or default_jobs(), threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=logging.CRITICAL,
            )
            self.client = Client(self._cluster)
            self.client.register_plugin(LocalWorkerLimits(worker_heap(max_memory)))

    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def map(self, inputs: Iterable[Input], config: RunConfig) -> Iterator[Outcome]:
        # the hard time limit ends a worker process, so only where each cleans
        # one page at a time (one thread)
        task = Task(config, self.timeout, hard=self._single_threaded())
        pending: deque = deque()
        limit = self.workers() * IN_FLIGHT_BATCHES
        self._samples, self._profile_lost = [], False
        position = 0
        for batch in batches(inputs, self.batch):
            future = self.client.submit(task.many, batch, pure=False)
            # the site profile is reduced on the cluster, next to the results
            self._samples.append(self.client.submit(_sample_batch, future, position,
                                                    pure=False))
            if len(self._samples) >= MERGE_FAN_IN:
                self._samples = [self.client.submit(merge_samples, *self._samples,
                                                    pure=False)]
            position += len(batch)
            pending.append((batch, future))
            while len(pending) >= limit:
                yield from self._outcomes(task, *pending.popleft())
        while pending:
            yield from self._outcomes(task, *pending.popleft())

    def _outcomes(self, task: Task, batch: list[Input], future: Future) -> list[Outcome]:
        """A batch's outcomes; when its worker died (a crash, or the hard time limit),
        its pages again one at a time, so only the page at fault is an error."""
        try:
            return future.result()
        except KilledWorker:
            self._profile_lost = True  # that batch's sample is lost with it
        return [self._alone(task, inp) for inp in batch]

    def _alone(self, task: Task, inp: Input) -> Outcome:
        """One page in a task of its own; its record if its worker dies again: timed
        out when the task ran past the time limit (the hard limit ended it), else died."""
        for _ in range(PAGE_ATTEMPTS):
            start = time.monotonic()
            try:
                return self.client.submit(task.one, inp, pure=False).result()
            except KilledWorker:
                if self.timeout and time.monotonic() - start >= self.timeout:
                    return timed_out(self.timeout, inp)
                # died early: this page, or one beside it on the same worker; again
        return died(inp)

    def _single_threaded(self) -> bool:
        workers = self.client.scheduler_info().get("workers", {})
        return bool(workers) and all(w.get("nthreads") == 1 for w in workers.values())

    def sign_many(self, texts: list[str], num_perm: int) -> SignFuture | None:
        """A future of the dedup signatures of `texts`, made on the cluster (for
        pages the site profile changed after their worker signed them)."""
        return self.client.submit(_sign_texts, texts, num_perm, pure=False)

    def buckets(self) -> PairFinder | None:
        """What groups the dedup band keys by bucket: a shuffle on this cluster."""
        return DaskBuckets(self.client, self.workers() * SHUFFLE_PARTS_PER_WORKER)

    def site_profile(self, config: ProfileConfig) -> dict[str, set[str]] | None:
        """The site profile of the pages of the last `map`, reduced on the cluster
        (None when a worker died with part of it: the caller learns it itself)."""
        if self._profile_lost:
            return None
        if not self._samples:
            return {}
        merged = self.client.submit(merge_samples, *self._samples, pure=False).result()
        self._samples = []
        return profile_of_sample(merged, config)

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
            self._settings.__exit__(None, None, None)

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["DaskBuckets", "DaskEngine"]
