"""Dedup as a pipeline step of its own: JSONL records in, the same records out.

Each input line is a JSON object with at least `id` (a string) and `text` (the
clean text), the format `documents.jsonl` uses. Each output line is the same
object with `duplicate_of`, `similarity` and `cluster` set, and, with an index,
`seen_before` (whether the index knew the id: a record run through the same
index again is flagged so, and is not a duplicate of its own earlier copy;
without an index the field is left out, and the output is as it always
was). Lines are never
dropped (blank lines aside), and nothing in them is lost: a line that cannot
take part in dedup is written back with a `dedup_error` field saying why:

- not a JSON object with a string `id` and `text`, or an id that repeats an
  earlier one: the record, or `{"line": <the line>}` for a line that is not a
  JSON object (not JSON, nested too deeply to read, a list...);
- an `id` or `text` holding a lone surrogate (`"\\ud800"`: JSON allows the
  escape, Unicode has no such character, so it can be neither hashed nor
  written as UTF-8): the record, with the surrogate written back as the same
  `\\udXXX` escape, so reading the output gives the same string back;
- not valid UTF-8: `line` holds the line decoded with U+FFFD for the bad
  bytes, and `line_base64` its exact bytes;
- longer than the limit (`max_line_bytes`): `line_base64` only, copied
  through in pieces, never held in memory whole.

The input is read as bytes and split at "\\n" only; a "\\r" before it (CRLF) and
a UTF-8 byte order mark at the start of the file are dropped, a missing final
newline is fine. NaN, Infinity and -Infinity (which Python's json accepts and
JSON does not), and numbers too large for a float, are read as null, so the
output is strict JSON. A valid record's output line is `json.dumps(record,
ensure_ascii=False)`, as it always was.

How the step runs (two passes, on every core) is `cleaner.dedup.step`; this
module reads and writes its lines.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from cleaner.inputs.base import DEFAULT_MAX_BYTES

#: Longest input line read, in bytes. A documents.jsonl record holds a page's kept
#: text and its removed blocks, so about the page's text once; twice `cleaner
#: clean`'s largest page leaves room for the other fields. Parsing a line takes
#: a few times its size in memory.
MAX_LINE_BYTES = 2 * DEFAULT_MAX_BYTES
#: Bytes read at a time when copying or skipping an over-long line (a multiple of
#: 3, so each piece is whole base64 quanta).
_CHUNK = 3 << 20
_BOM = b"\xef\xbb\xbf"
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(slots=True)
class StepSummary:
    """What the step did, for its closing line: lines read, duplicates, errors, and
    (with an index: `indexed`) records whose id the index knew."""

    records: int = 0
    duplicates: int = 0
    errors: int = 0
    seen_before: int = 0
    indexed: bool = False

    def line(self) -> str:
        """The closing summary line."""
        seen = f", seen before {self.seen_before}" if self.indexed else ""
        return (f"records {self.records}, duplicates {self.duplicates}, "
                f"kept {self.records - self.duplicates - self.errors}, errors {self.errors}"
                + seen)


@dataclass(frozen=True, slots=True)
class _Long:
    """An over-long line: its first bytes; the rest is still to be read from the input."""

    start: bytes


def _null(constant: str) -> None:
    """NaN, Infinity, -Infinity: not JSON, so null (written back, they would not be JSON)."""
    return None


def _finite(number: str) -> float | None:
    """A float, or null for one too large to be (1e400 would be written back as Infinity)."""
    value = float(number)
    return value if math.isfinite(value) else None


def _valid(text: str) -> bool:
    """No lone surrogate: the text can be hashed and written as UTF-8 (an ASCII text,
    most of them, is checked at once)."""
    return text.isascii() or _SURROGATE.search(text) is None


def _parse(raw: bytes) -> tuple[dict[str, Any], str | None]:
    """The output record for a line (before dedup's fields), and the reason the line
    cannot be deduplicated, or None."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ({"line": raw.decode("utf-8", "replace"),
                 "line_base64": base64.b64encode(raw).decode("ascii")},
                f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1}); "
                "line_base64 holds the exact bytes")
    try:
        record = json.loads(line, parse_constant=_null, parse_float=_finite)
    except json.JSONDecodeError as exc:
        return {"line": line}, f"not JSON: {exc.msg} at column {exc.colno}"
    except ValueError as exc:  # an integer of thousands of digits
        return {"line": line}, f"not JSON that can be read: {exc}"
    except RecursionError:
        return {"line": line}, "not JSON that can be read: nested too deeply"
    if not isinstance(record, dict):
        return {"line": line}, "not a JSON object"
    doc_id = record.get("id")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        pass  # integer ids (datatrove's and many crawlers'), as `cleaner clean` takes them
    elif not isinstance(doc_id, str):
        return record, "no string or integer field 'id'"
    elif not _valid(doc_id):
        return record, ("field 'id' is not valid Unicode: it holds a lone surrogate "
                        "(written back as the same \\u escape)")
    if not isinstance(record.get("text"), str):
        return record, "no string field 'text'"
    if not _valid(record["text"]):
        return record, ("field 'text' is not valid Unicode: it holds a lone surrogate "
                        "(written back as the same \\u escape)")
    return record, None


def _lines(handle: IO[bytes], limit: int) -> Iterator[bytes | _Long]:
    """Each non-blank line, without its line end (the file's first without a BOM).

    An over-long line is a `_Long`, whose rest the caller reads (`_copy_long`)
    before asking for the next line.
    """
    first = True
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        if first:
            raw, first = raw.removeprefix(_BOM), False
        if len(raw) > limit and not raw.endswith(b"\n"):
            yield _Long(raw)
            continue
        raw = raw[:-1] if raw.endswith(b"\n") else raw
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        if raw.strip():
            yield raw


def _copy_long(handle: IO[bytes], start: bytes, sink: IO[str] | None, limit: int) -> None:
    """Read the rest of an over-long line; copy it, base64-encoded, to `sink` (if any)."""
    if sink is not None:
        sink.write('{"line_base64": "')
    pending = start
    while True:
        end = pending.endswith(b"\n")
        more = b"" if end else handle.readline(_CHUNK)
        if end or not more:
            pending = pending[:-1] if pending.endswith(b"\n") else pending
            pending = pending[:-1] if pending.endswith(b"\r") else pending
            break
        # keep back the last byte (a "\r" may end the line) and what is not whole quanta
        cut = (len(pending) - 1) // 3 * 3
        if sink is not None:
            sink.write(base64.b64encode(pending[:cut]).decode("ascii"))
        pending = pending[cut:] + more
    if sink is not None:
        error = (f"line is larger than the limit of {limit:,} bytes, so it was not read; "
                 "line_base64 holds its exact bytes")
        sink.write(base64.b64encode(pending).decode("ascii")
                   + f'", "dedup_error": {json.dumps(error)}}}\n')


def _dump(record: dict[str, Any]) -> str:
    """One output line: strict JSON, lone surrogates escaped so it can be written as UTF-8."""
    text = json.dumps(record, ensure_ascii=False, allow_nan=False)
    if not _valid(text):
        text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text + "\n"


def _meta(value: Any) -> str | None:
    """A record's date or source for the index, if it is a string that can be stored."""
    return value if isinstance(value, str) and _valid(value) else None


__all__ = ["MAX_LINE_BYTES", "StepSummary"]
