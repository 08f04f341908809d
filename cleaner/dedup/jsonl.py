"""Dedup as a pipeline step of its own: JSONL records in, the same records out.

Each input line is a JSON object with at least `id` (a string) and `text` (the
clean text), the format `documents.jsonl` uses. Each output line is the same
object with `duplicate_of`, `similarity` and `cluster` set. Lines are never
dropped: a line that is not a JSON object with a string `id` and `text`, or
whose id repeats an earlier one, is written back unchanged apart from a
`dedup_error` field saying why, and plays no part in dedup.

The input is read twice (once to sign, once to write), so only signatures are
held in memory; standard input is first copied to a temporary file for that.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from cleaner.dedup.deduper import Deduper


@dataclass(slots=True)
class StepSummary:
    records: int = 0
    duplicates: int = 0
    errors: int = 0

    def line(self) -> str:
        return (f"records {self.records}, duplicates {self.duplicates}, "
                f"kept {self.records - self.duplicates - self.errors}, errors {self.errors}")


def _parse(line: str) -> tuple[dict | None, str | None]:
    """The record on a line, or None and the reason it cannot be deduplicated."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"not JSON: {exc.msg} at column {exc.colno}"
    if not isinstance(record, dict):
        return None, "not a JSON object"
    if not isinstance(record.get("id"), str):
        return record, "no string field 'id'"
    if not isinstance(record.get("text"), str):
        return record, "no string field 'text'"
    return record, None


def _lines(handle: IO[str]) -> Iterator[str]:
    for line in handle:
        if line.strip():
            yield line.rstrip("\n")


def dedup_jsonl(source: IO[str], sink: IO[str], deduper: Deduper) -> StepSummary:
    """Deduplicate the records on `source` and write them to `sink`."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        if source.seekable():
            handle = source
            start = source.tell()
        else:
            shutil.copyfileobj(source, spool)
            handle, start = spool, 0
        handle.seek(start)
        seen: set[str] = set()
        bad: dict[int, str] = {}

        def documents() -> Iterator[tuple[str, str, dict]]:
            for n, line in enumerate(_lines(handle)):
                record, error = _parse(line)
                if error is None and record["id"] in seen:
                    error = f"id {record['id']!r} occurs more than once"
                if error is not None:
                    bad[n] = error
                    continue
                seen.add(record["id"])
                date = record.get("date") if isinstance(record.get("date"), str) else None
                source_path = record.get("source")
                yield record["id"], record["text"], {
                    "length": len(record["text"]), "date": date,
                    "source": source_path if isinstance(source_path, str) else None,
                }

        verdicts = deduper.verdicts(documents())
        handle.seek(start)
        summary = StepSummary()
        for n, line in enumerate(_lines(handle)):
            summary.records += 1
            if n in bad:
                summary.errors += 1
                record, _ = _parse(line)
                out = record if isinstance(record, dict) else {"line": line}
                out["dedup_error"] = bad[n]
            else:
                out, _ = _parse(line)
                verdict = verdicts[out["id"]]
                out["duplicate_of"] = verdict.duplicate_of
                out["similarity"] = (None if verdict.similarity is None
                                     else round(verdict.similarity, 4))
                out["cluster"] = verdict.cluster
                summary.duplicates += verdict.duplicate_of is not None
            sink.write(json.dumps(out, ensure_ascii=False) + "\n")
        return summary


__all__ = ["StepSummary", "dedup_jsonl"]
