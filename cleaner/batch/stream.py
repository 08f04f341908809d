"""A run as a pipeline step: records out as pages finish, in input order.

`cleaner clean ... -o -` is for a pipeline that reads cleaner's records as
they come (`| head`, `| jq`, a datatrove-style reader). A batch run cannot do
that: its site profile and its dedup (`--keep longest` or `earliest`) need
every page before any verdict is final, so `batch.run` writes at the end.
Here each page's record is written as soon as the engine hands the page back
(the engine keeps input order), so the first record leaves within the time of
one page. What that costs, and why:

- dedup keeps the *first* copy (`--keep first`): a page's verdict is final the
  moment it is seen, against the pages before it (`Deduper.add`); a later copy
  is the duplicate. `longest` and `earliest` would need the whole input.
- no site profile: lines a site repeats are learnt across a batch, which a
  stream never has. (Per-page callers can feed a `SiteProfile` themselves.)
- nothing is written to disk, so there is nothing to resume.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import IO

from cleaner.batch.config import RunConfig
from cleaner.batch.local import LocalEngine
from cleaner.batch.records import CleanedPage, PageError, record_line, unpack, with_markdown
from cleaner.batch.run import Progress, RunSummary
from cleaner.batch.task import Engine, check_engine, page_error
from cleaner.dedup import Deduper
from cleaner.inputs.base import Input
from cleaner.inputs.containers import expand
from cleaner.inputs.files import list_files

#: The keep policy a stream can honour: the only one whose verdicts are final
#: before the input ends.
STREAM_KEEP = "first"


def stream(paths: Sequence[str], sink: IO[str], errors: IO[str], config: RunConfig | None = None,
           *, dedup: bool = True, drop_duplicates: bool = False, markdown: bool = False,
           progress: Callable[[int | None], Progress] | None = None,
           engine: Engine | None = None) -> RunSummary:
    """Clean every input under `paths`, writing each documents.jsonl record to `sink`
    and each errors.jsonl record to `errors` as soon as the page is done, in input
    order. Records have no `text_path` (no text files are written).

    `dedup=False` gives every record `duplicate_of: null`; `drop_duplicates` leaves
    duplicates out of `sink` (they are still counted); `markdown` adds each record's
    `markdown` field (`Document.to_markdown`). `config.keep` must be
    "first" when deduplicating (see the module docstring); `config.index` is used
    as in a batch run (copies of pages kept by earlier runs are duplicates).
    """
    config = config or RunConfig(keep=STREAM_KEEP)
    if dedup and config.keep != STREAM_KEEP:
        raise ValueError(f"a stream keeps the first copy of a duplicate (--keep first), not "
                         f"{config.keep!r}: the others need the whole input before any "
                         "record can be written")
    if engine is not None:
        check_engine(engine)
    files = list_files(paths)
    engine = engine or LocalEngine(config.jobs, config.timeout, config.max_memory)
    summary = RunSummary()
    deduper = (Deduper(threshold=config.threshold, num_perm=config.num_perm, keep=STREAM_KEEP,
                       path=config.index) if dedup else None)
    verdicts = _Verdicts(deduper, markdown)
    reporter = progress(None) if progress is not None else None
    try:
        for inp, outcome in _outcomes(files, config, engine):
            summary.read += 1
            if reporter is not None:
                reporter.update(1)
            if isinstance(outcome, CleanedPage) and outcome.id in verdicts:
                outcome = page_error(inp, f"id {outcome.id!r} was given to an earlier record")
            if isinstance(outcome, PageError):
                summary.errors += 1
                _write(errors, json.dumps(outcome.record(), ensure_ascii=False))
                continue
            line, duplicate = verdicts.record(outcome)
            summary.chars_in += outcome.chars_in
            if duplicate:
                summary.duplicates += 1
                if drop_duplicates:
                    continue
            else:
                summary.kept += 1
                summary.chars_out += len(outcome.text)
            _write(sink, line)
    finally:
        if reporter is not None:
            reporter.close()
        if deduper is not None:
            deduper.close()
    return summary


class _Verdicts:
    """Each page's final verdict as it arrives (the first copy is kept), and the
    clusters so far: page id -> the id of its cluster's kept copy."""

    def __init__(self, deduper: Deduper | None, markdown: bool) -> None:
        self.deduper = deduper
        self.markdown = markdown
        self.clusters: dict[str, str] = {}

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self.clusters

    def record(self, page: CleanedPage) -> tuple[str, bool]:
        """The page's documents.jsonl line with its verdict; and whether it is a copy.

        `duplicate_of` is the kept copy of the cluster of the earlier page it is most
        like (a copy of a copy names the original, as in a batch run); `similarity`
        is to that earlier page.
        """
        seen = (self.deduper.seen_before(page.id)
                if self.deduper is not None and self.deduper.index is not None else None)
        match = (self.deduper.add(page.id, page.text, source=page.source, date=page.date)
                 if self.deduper is not None else None)
        tail = page.tail
        if self.markdown:
            tail = with_markdown(tail, unpack(page.packed).to_markdown())
        if match is None:
            self.clusters[page.id] = page.id
            return record_line(page.head, tail, None, None, page.id, None, seen), False
        kept = self.clusters.get(match.doc_id, match.doc_id)  # an indexed page: itself
        self.clusters[page.id] = kept
        return record_line(page.head, tail, kept, match.similarity, kept, None, seen), True


def _outcomes(files: list[tuple[str, str]], config: RunConfig,
              engine: Engine) -> Iterator[tuple[Input, CleanedPage | PageError]]:
    """Each input with its outcome, in input order, as the engine finishes them."""
    in_flight: deque[Input] = deque()

    def feed() -> Iterator[Input]:
        for inp in expand(files, config.max_bytes, config.timeout, config.jsonl, config.kind):
            in_flight.append(inp)
            yield inp

    for outcome in engine.map(feed(), config):
        yield in_flight.popleft(), outcome


def _write(handle: IO[str], line: str) -> None:
    """One line, flushed: a reader downstream gets each record when it is made."""
    handle.write(line + "\n")
    handle.flush()


__all__ = ["STREAM_KEEP", "stream"]
