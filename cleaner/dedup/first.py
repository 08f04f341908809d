"""`cleaner dedup --keep first`: one pass, each record written as soon as it is decided.

With `--keep first` a record's verdict is final the moment it is read: it is
decided against the records before it (`Deduper.add_signed`, as `cleaner
clean -o -` decides pages), and no later record can change it. A later copy
is the duplicate, named by the kept copy of the earlier record it is most
like (a copy of a copy names the original; `similarity` is to the record it
is most like); a record that resembles two earlier, separate records
names the kept copy of the one it is most like (a batch, with `longest` or
`earliest`, would join the three into one cluster, and can only say so once
the input ends). So the input is read once, standard input included, and a
record leaves the step after the time it takes to sign its chunk
(`workers.CHUNK_LINES` lines), not at the end of the input.

Signing runs in `jobs` worker processes, as in the two-pass step; the
decisions are taken here in input order, so the output is the same for any
`jobs` or chunk size.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from typing import IO

import numpy as np

from cleaner.dedup import workers
from cleaner.dedup.bands import band_keys
from cleaner.dedup.deduper import Deduper, Match
from cleaner.dedup.jsonl import StepSummary, _copy_long
from cleaner.dedup.workers import AHEAD_PER_JOB, Outcome, SignedChunk, executor


class _Spilled:
    """An over-long line, copied (base64) to a temporary file when it was read, for
    the writer to copy to the output in its place."""

    def __init__(self, handle: IO[bytes], start: bytes, limit: int) -> None:
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8")
        _copy_long(handle, start, self.file, limit)

    def copy_to(self, sink: IO[str]) -> None:
        self.file.seek(0)
        shutil.copyfileobj(self.file, sink)
        self.file.close()


def _units(handle: IO[bytes], limit: int) -> Iterator[tuple[list[tuple[int, bytes]] | _Spilled]]:
    """Chunks of numbered lines, and each over-long line on its own, in input order."""
    spill = lambda n, raw: _Spilled(handle, raw.start, limit)  # noqa: E731
    return ((unit,) for unit in workers.line_chunks(handle, limit, spill))


class _Decider:
    """Each record's verdict, in input order, against the records before it."""

    def __init__(self, deduper: Deduper, summary: StepSummary) -> None:
        self.deduper = deduper
        self.summary = summary
        self.given: dict[str, str | int] = {}  # dedup's id (a string) -> the record's own id
        self.kept: dict[str, str] = {}  # id -> the id of its cluster's kept copy

    def chunk(self, signed: SignedChunk) -> list[Outcome]:
        """The outcomes of a signed chunk's lines: each valid record decided against the
        ones before it (the chunk's earlier ones too), in one `add_signed_chunk`."""
        out: list[Outcome] = []
        ends = np.cumsum(signed.counts).tolist()
        config = self.deduper.config
        keys = band_keys(signed.sigs, config.bands, config.rows)  # the chunk's, at once
        good, taking, at = 0, [], []  # (row, its shingles and signature), their key rows
        for row in signed.rows:
            self.summary.records += 1
            if row.error is not None:
                self.summary.errors += 1
                out.append(row.error)
                continue
            i, good = good, good + 1
            if row.key in self.given:
                self.summary.errors += 1
                out.append(f"id {row.given!r} occurs more than once")
                continue
            self.given[row.key] = row.given
            # a copy: a view would keep the chunk's whole array alive in the set store
            shingles = signed.sets[ends[i] - signed.counts[i] : ends[i]].copy()
            taking.append((len(out), row, (shingles, signed.sigs[i])))
            at.append(i)
            out.append("")  # its outcome, below
        deduper, summary = self.deduper, self.summary
        # whether the index knew each id, asked before any of them is added
        seen = ([deduper.seen_before(row.key) for _, row, _ in taking] if summary.indexed
                else [None] * len(taking))
        matches = deduper.add_signed_chunk(
            [row.key for _, row, _ in taking], [pair for _, _, pair in taking], keys[at],
            lengths=[row.length for _, row, _ in taking],
            sources=[row.source for _, row, _ in taking],
            dates=[row.date for _, row, _ in taking])
        for (n, row, _), match, was in zip(taking, matches, seen, strict=True):
            summary.seen_before += bool(was)
            out[n] = self._outcome(row, match, was)
        return out

    def _outcome(self, row: workers.Row, match: Match | None, seen: bool | None) -> Outcome:
        """A decided record's verdict fields (and the cluster it joins)."""
        if match is None:
            self.kept[row.key] = row.key
            return (None, None, row.given, seen)
        self.summary.duplicates += 1
        kept = self.kept.get(match.doc_id, match.doc_id)  # an indexed record: itself
        self.kept[row.key] = kept
        name = self.given.get(kept, kept)  # as the record gave it (an indexed one: its id)
        return (name, round(match.similarity, 4), name, seen)


def stream_first(handle: IO[bytes], sink: IO[str], deduper: Deduper, limit: int,
                 jobs: int, drop_duplicates: bool = False) -> StepSummary:
    """Deduplicate the records on `handle` keeping the first copy, writing each line as
    soon as its chunk is decided (see the module docstring)."""
    summary = StepSummary(indexed=deduper.index is not None)
    decider = _Decider(deduper, summary)
    ahead = max(1, jobs * AHEAD_PER_JOB)
    signing: deque[tuple[list[tuple[int, bytes]] | _Spilled, Future | None]] = deque()
    writing: deque[Future | _Spilled] = deque()

    def decide(block: bool) -> None:
        """Decide the signed chunks at the head that are ready (with `block`, the head
        one even if it must be waited for), in order, and hand their lines to be
        written. Only the head is waited for, so the workers stay busy with the rest."""
        while signing and (block or signing[0][1] is None or signing[0][1].done()):
            block = False
            unit, future = signing.popleft()
            if future is None:  # an over-long line
                summary.records += 1
                summary.errors += 1
                writing.append(unit)
                continue
            outcomes = decider.chunk(future.result())
            lines = [raw for _, raw in unit]
            writing.append(pool.submit(workers.write_chunk,
                                       [(line, outcome) for line, outcome in zip(
                                           lines, outcomes, strict=True)
                                        if not (drop_duplicates and isinstance(outcome, tuple)
                                                and outcome[0] is not None)]))

    def write(block: bool) -> None:
        """Write what is ready at the head (with `block`, the head one even if it must
        be waited for), in order."""
        while writing and (block or isinstance(writing[0], _Spilled) or writing[0].done()):
            block = False
            head = writing.popleft()
            if isinstance(head, _Spilled):
                head.copy_to(sink)
            else:
                sink.write(head.result())
        sink.flush()

    with executor(jobs) as pool:
        for unit in _units(handle, limit):
            chunk = unit[0]
            future = None if isinstance(chunk, _Spilled) else pool.submit(
                workers.sign_chunk, chunk, deduper.num_perm)
            signing.append((chunk, future))
            decide(block=len(signing) >= ahead)
            write(block=len(writing) >= ahead)
        while signing:
            decide(block=True)
        while writing:
            write(block=True)
    return summary


__all__ = ["stream_first"]
