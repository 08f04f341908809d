"""What `cleaner dedup`'s worker processes do, and how their results come back in order.

A worker's result is a pure function of its chunk of lines (`sign_chunk` in
the first pass, `write_chunk` in the second), so the step's output does not
depend on how many workers there are, or on the chunk size: every
order-dependent step is taken in input order by the process that reads the
input (`step`, `first`).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import IO, Any, NamedTuple, TypeVar

import numpy as np

from cleaner.dedup.jsonl import _dump, _lines, _Long, _meta, _parse
from cleaner.dedup.signatures import DEFAULT_NUM_PERM, DEFAULT_SEED, sign_texts_flat

#: Lines per work unit: enough that sending a chunk to a worker and its
#: signatures back (a few MB) costs far less than signing it, few enough that
#: the first and last chunks do not leave a core idle for long.
CHUNK_LINES = 512
#: Chunks in flight per worker: one being worked on, one waiting, so a worker
#: never waits for this process; more would only hold more lines in memory.
AHEAD_PER_JOB = 2

T = TypeVar("T")


class Row(NamedTuple):
    """What pass one learns of a line: why it cannot take part, or its document."""

    n: int
    error: str | None
    key: str = ""
    given: str | int = ""
    length: int = 0
    date: str | None = None
    source: str | None = None


class SignedChunk(NamedTuple):
    """A chunk's rows and, for the rows without an error (in order), their shingle
    sets (`sets`, cut by `counts`) and signatures."""

    rows: list[Row]
    sets: np.ndarray
    counts: np.ndarray
    sigs: np.ndarray


def sign_chunk(lines: list[tuple[int, bytes]], num_perm: int = DEFAULT_NUM_PERM) -> SignedChunk:
    """Parse and sign a chunk of lines (numbered): what a worker does in pass one."""
    rows: list[Row] = []
    texts: list[str] = []
    for n, raw in lines:
        record, error = _parse(raw)
        if error is not None:
            rows.append(Row(n, error))
            continue
        text = record["text"]
        texts.append(text)
        # 7 and "7" name one document, as in `clean`
        rows.append(Row(n, None, str(record["id"]), record["id"], len(text),
                         _meta(record.get("date")), _meta(record.get("source"))))
    flat, counts, sigs = sign_texts_flat(texts, num_perm, DEFAULT_SEED)
    return SignedChunk(rows, flat, counts, sigs)


#: A line's verdict fields for pass two: (duplicate_of, similarity, cluster,
#: seen_before or None without an index), or the reason it cannot take part.
Outcome = tuple[Any, float | None, Any, bool | None] | str


def write_chunk(lines: list[tuple[bytes, Outcome]]) -> str:
    """The output lines of a chunk of lines with their outcomes: what a worker does
    in pass two."""
    out = []
    for raw, outcome in lines:
        record, _ = _parse(raw)
        if isinstance(outcome, str):
            record["dedup_error"] = outcome
        else:
            duplicate_of, similarity, cluster, seen = outcome
            record["duplicate_of"] = duplicate_of
            record["similarity"] = similarity
            record["cluster"] = cluster
            if seen is not None:
                record["seen_before"] = seen
        out.append(_dump(record))
    return "".join(out)


class _Inline(Executor):
    """The executor of `jobs=1`: each task runs here, when it is submitted."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Any:
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def executor(jobs: int) -> Executor:
    """Worker processes (forked where the system can: no re-import), or this process."""
    if jobs <= 1:
        return _Inline()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context)


def in_order(pool: Executor, fn: Callable[..., T], units: Iterable[tuple], ahead: int
              ) -> Iterator[T]:
    """fn(*unit) for every unit, by the pool, yielded in the units' order, with at
    most `ahead` in flight (`Executor.map` would submit the whole input at once)."""
    pending: deque = deque()
    for unit in units:
        pending.append(pool.submit(fn, *unit))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()



def line_chunks(handle: IO[bytes], limit: int, long_line: Callable[[int, _Long], T | None]
                ) -> Iterator[list[tuple[int, bytes]] | T]:
    """The input's lines, numbered, CHUNK_LINES to a chunk. An over-long line is handed
    to `long_line` (with its number) when it is read, which must read its rest; what
    that returns, if anything, comes in the line's place, after the lines before it."""
    chunk: list[tuple[int, bytes]] = []
    for n, raw in enumerate(_lines(handle, limit)):
        if isinstance(raw, _Long):
            unit = long_line(n, raw)
            if unit is not None:
                if chunk:
                    yield chunk
                    chunk = []
                yield unit
            continue
        chunk.append((n, raw))
        if len(chunk) >= CHUNK_LINES:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


__all__ = ["AHEAD_PER_JOB", "CHUNK_LINES", "Outcome", "SignedChunk", "executor", "in_order",
           "line_chunks", "sign_chunk", "write_chunk"]
