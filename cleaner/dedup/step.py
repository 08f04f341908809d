"""`cleaner dedup`: JSONL records in, the same records out, signed on every core.

The line format (what is read, what is written back, every error) is
`cleaner.dedup.jsonl`'s. Here is how the step runs:

1. pass one reads the lines in chunks (`CHUNK_LINES`); each chunk is parsed
   and signed (`sign_chunk`: shingle sets and MinHash signatures, by the
   compiled kernel) in a worker process, `jobs` of them at once, and the
   results are taken back in input order, so the batch (`BatchDedup`) sees
   the documents in the same order whatever the number of workers;
2. the batch decides every document (`BatchDedup.results`);
3. pass two reads the input again, and workers write each chunk's lines
   back with its verdicts (`write_chunk`), again taken in input order.

Only signatures, band keys and the shingle-set store are held per document,
so the input is read twice; standard input is first copied to a temporary
file for that. A worker's result is a pure function of its chunk, and every
order-dependent step (a repeated id, the batch, the writing) is taken in input
order in this process, so the output is byte-identical for any `jobs` and any
chunk size.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Executor
from typing import IO

import numpy as np

from cleaner.dedup import workers
from cleaner.dedup.batch import DedupItem
from cleaner.dedup.deduper import Deduper
from cleaner.dedup.first import stream_first
from cleaner.dedup.jsonl import _CHUNK, MAX_LINE_BYTES, StepSummary, _copy_long, _lines, _Long
from cleaner.dedup.workers import (
    AHEAD_PER_JOB,
    Outcome,
    executor,
    in_order,
    sign_chunk,
    write_chunk,
)


def _chunks(handle: IO[bytes], limit: int, bad: dict[int, str]) -> Iterator[tuple]:
    """Pass one's work units: numbered lines, CHUNK_LINES at a time; an over-long line
    is read past here and noted in `bad`."""
    def skip(n: int, raw: _Long) -> None:
        _copy_long(handle, raw.start, None, limit)
        bad[n] = "too long"

    return ((chunk,) for chunk in workers.line_chunks(handle, limit, skip))


def _spooled(source: IO[bytes] | IO[str], spool: IO[bytes]) -> tuple[IO[bytes], int]:
    """The input as a seekable binary file, and where its data starts."""
    if isinstance(source.read(0), str):  # a text stream: its characters, as UTF-8
        while chunk := source.read(_CHUNK):
            spool.write(chunk.encode("utf-8", "surrogatepass"))
        return spool, 0
    if source.seekable():
        return source, source.tell()  # type: ignore[return-value]
    shutil.copyfileobj(source, spool, _CHUNK)  # type: ignore[misc]
    return spool, 0


def default_jobs() -> int:
    """Every core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def dedup_jsonl(source: IO[bytes] | IO[str], sink: IO[str], deduper: Deduper,
                max_line_bytes: int = MAX_LINE_BYTES, jobs: int = 1,
                drop_duplicates: bool = False) -> StepSummary:
    """Deduplicate the records on `source` (bytes; a text stream is taken as UTF-8) and
    write them to `sink`, every line (with `drop_duplicates`, all but the duplicates,
    which are still counted), in input order; `jobs` worker processes sign
    and write (the output does not depend on it)."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if deduper.keep == "first":  # read once, each record written once decided
        if not isinstance(source.read(0), str):
            return stream_first(source, sink, deduper, max_line_bytes, jobs,  # type: ignore
                                drop_duplicates)
        with tempfile.TemporaryFile("w+b") as spool:  # a text stream: as UTF-8 bytes
            handle, start = _spooled(source, spool)
            handle.seek(start)
            return stream_first(handle, sink, deduper, max_line_bytes, jobs, drop_duplicates)
    ahead = max(1, jobs * AHEAD_PER_JOB)
    with tempfile.TemporaryFile("w+b") as spool, executor(jobs) as pool:
        handle, start = _spooled(source, spool)
        handle.seek(start)
        bad: dict[int, str] = {}
        given: dict[str, str | int] = {}  # dedup's id (a string) -> the record's own id

        def documents() -> Iterator[DedupItem]:
            """The records that can take part, in input order, noting in `bad` why the
            others cannot."""
            units = _chunks(handle, max_line_bytes, bad)
            num_perm = deduper.num_perm
            for chunk in in_order(pool, sign_chunk, ((c, num_perm) for (c,) in units), ahead):
                ends = np.cumsum(chunk.counts).tolist()
                good = 0
                for row in chunk.rows:
                    if row.error is not None:
                        bad[row.n] = row.error
                        continue
                    i, good = good, good + 1
                    if row.key in given:
                        bad[row.n] = f"id {row.given!r} occurs more than once"
                        continue
                    given[row.key] = row.given
                    # a copy: a view would keep the chunk's whole array alive in the store
                    shingles = chunk.sets[ends[i] - chunk.counts[i] : ends[i]].copy()
                    yield DedupItem(row.key, None, row.length, row.date, row.source,
                                    (shingles, chunk.sigs[i]))

        verdicts = deduper.cluster(documents())
        handle.seek(start)
        summary = StepSummary(indexed=deduper.index is not None)

        def outcomes() -> Iterator[tuple[list[tuple[bytes, Outcome]]]]:
            """Pass two's work units; an over-long line is copied here, in its place."""
            chunk: list[tuple[bytes, Outcome]] = []
            keys = iter(given)  # the valid lines' ids, in input order
            for n, raw in enumerate(_lines(handle, max_line_bytes)):
                summary.records += 1
                if isinstance(raw, _Long):
                    summary.errors += 1
                    yield (chunk,)  # the lines before it first
                    chunk = []
                    yield (raw,)
                    continue
                if n in bad:
                    summary.errors += 1
                    chunk.append((raw, bad[n]))
                else:
                    outcome = _outcome(next(keys), verdicts, given, summary)
                    if not (drop_duplicates and outcome[0] is not None):
                        chunk.append((raw, outcome))
                if len(chunk) >= workers.CHUNK_LINES:
                    yield (chunk,)
                    chunk = []
            if chunk:
                yield (chunk,)

        _write_all(pool, outcomes(), handle, sink, max_line_bytes, ahead)
        return summary


def _outcome(key: str, verdicts: dict, given: dict[str, str | int],
             summary: StepSummary) -> Outcome:
    """A valid line's verdict fields, counted in the summary."""
    verdict = verdicts[key]
    summary.duplicates += verdict.duplicate_of is not None
    seen = None
    if summary.indexed:
        seen = verdict.seen_before
        summary.seen_before += seen
    return (None if verdict.duplicate_of is None else given[verdict.duplicate_of],  # its type
            None if verdict.similarity is None else round(verdict.similarity, 4),
            given[verdict.cluster], seen)


def _write_all(pool: Executor, units: Iterator[tuple], handle: IO[bytes], sink: IO[str],
               limit: int, ahead: int) -> None:
    """Write pass two's chunks in order; an over-long line (a `_Long` unit) is copied
    from the input once every chunk before it is written."""
    pending: deque = deque()
    for unit in units:
        if isinstance(unit[0], _Long):
            while pending:
                sink.write(pending.popleft().result())
            _copy_long(handle, unit[0].start, sink, limit)
            continue
        if unit[0]:
            pending.append(pool.submit(write_chunk, unit[0]))
        if len(pending) >= ahead:
            sink.write(pending.popleft().result())
    while pending:
        sink.write(pending.popleft().result())


__all__ = ["dedup_jsonl", "default_jobs"]
