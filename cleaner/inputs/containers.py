"""Containers of many pages: `expand` turns the listed files into inputs (a page
file is one, a WARC or JSONL file one per record, read lazily); JSONL files of
pages (plain, .gz, .bz2, .xz, or stdin) are read here, line by line.

Each JSONL line becomes an `Input` carrying its bytes (and URL, id and passed-through
fields), or the reason it cannot be read. Nothing is read ahead: the run asks
for the next line when it has room for it, so memory stays bounded however
big the file. (WARC archives, the other container, are read by `warc`.)

JSONL (plain, .gz, .bz2, .xz, or stdin): one JSON object per line with `html`
or `text`, optional `url` and `id` (or `metadata.url`, `metadata.id`, as
datatrove writes them; `JsonlFields` names other fields); every other field is
passed through to the document's output record. NaN, Infinity and -Infinity (not JSON, though
Python's json reads them) and numbers too large for a float are read as null,
so the output stays strict JSON.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import math
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import IO

from cleaner.inputs.base import (
    DEFAULT_MAX_BYTES,
    STDIN,
    Input,
    container_from_name,
    container_stem,
    format_size,
    kind_from_name,
)
from cleaner.inputs.warc import warc_inputs
from cleaner.timelimit import DEFAULT_TIMEOUT

#: JSONL keys that are the page itself; the rest are passed through.
JSONL_PAGE_KEYS = ("html", "text", "url", "id")
#: Keys a record may name its `text` field's kind with ("html" or "text"); without
#: one the field is sniffed, since the layout datatrove and many crawlers write
#: puts the page in `text` whatever it is. Not `kind`: cleaner's own records
#: carry the kind of the page their clean text came from, and cleaning them
#: again must not read that text as HTML.
KIND_KEYS = ("format",)
#: Where that layout keeps the URL and the id when the record has none of its own.
METADATA_KEY = "metadata"


@dataclass(frozen=True, slots=True)
class JsonlFields:
    """Which fields of a JSONL record hold the page, its id and its URL, for records
    in other shapes (`--text-field`, `--id-field`, `--url-field`). A name with dots
    is a path into nested objects (`meta.page.url`). None is the default lookup:
    the page in `html`, else `text`; the id in `id`, else `metadata.id`; the URL in
    `url`, else `metadata.url`."""

    text: str | None = None
    id: str | None = None
    url: str | None = None


def _lookup(record: dict, path: str) -> object:
    """The value at a dotted path of nested objects, or None where the path ends."""
    value: object = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _first(record: dict, named: str | None, defaults: tuple[str, ...]) -> object:
    """The named field's value, or the first default path with a non-null value."""
    if named is not None:
        return _lookup(record, named)
    return next((v for p in defaults if (v := _lookup(record, p)) is not None), None)


#: Bytes read per step when skipping the rest of an over-long line.
_SKIP_CHUNK = 1 << 20

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_STREAM_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError)


def _open_jsonl(path: str | None) -> IO[bytes]:
    if path is None:
        return sys.stdin.buffer
    opener = _OPENERS.get(path[path.rfind("."):].lower(), open)
    return opener(path, "rb")


def _lines(handle: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) of each line; None for a line longer than `limit`,
    whose rest is skipped without being held in memory."""
    number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = handle.readline(_SKIP_CHUNK)
            yield number, None
            continue
        yield number, line


def jsonl_inputs(path: str | None, relpath: str, max_bytes: int,
                 fields: JsonlFields = JsonlFields(), kind: str | None = None,
                 ) -> Iterator[Input]:
    """The pages of a JSONL file (or stdin when `path` is None), in line order; `kind`
    is the kind of a page whose record names none (`--kind`)."""
    name = path if path is not None else "<stdin>"
    stem = container_stem(relpath)
    try:
        handle = _open_jsonl(path)
    except OSError as exc:
        yield Input(name, relpath, None, error=f"cannot read JSONL file ({exc.strerror or exc})")
        return
    number = 0
    try:
        for number, line in _lines(handle, max_bytes + 2):
            if line is not None and not line.strip():
                continue
            yield _jsonl_page(line, f"{name}:{number}", stem, number, max_bytes, fields, kind)
    except _STREAM_ERRORS as exc:
        yield Input(name, relpath, None,
                    error=f"damaged JSONL file: lines after {number} could not be read ({exc})")
    finally:
        if path is not None:
            handle.close()


def _null(constant: str) -> None:
    """NaN, Infinity, -Infinity: not JSON, so read as null (written back, they would not be)."""
    return None


def _finite(number: str) -> float | None:
    """A float, or null for one too large to be (1e400 would be written back as Infinity)."""
    value = float(number)
    return value if math.isfinite(value) else None


def _named_kind(record: dict) -> str | None:
    """The kind a record names for its `text` field ("html" or "text"), else None."""
    for key in KIND_KEYS:
        value = record.get(key)
        if isinstance(value, str) and value.lower() in ("html", "text"):
            return value.lower()
    return None


def _jsonl_page(line: bytes | None, source: str, stem: str, number: int, max_bytes: int,
                fields: JsonlFields, kind: str | None) -> Input:
    """One line as an Input: the page, its kind (the record's `format`, else `kind`,
    else html for an `html` field, else sniffed later), id, URL and other fields."""
    relpath = f"{stem}/{number}"
    if line is None:
        return Input(source, relpath, None,
                     error=f"line is larger than the limit of {format_size(max_bytes)}")
    try:
        record = json.loads(line, parse_constant=_null, parse_float=_finite)
    except ValueError as exc:
        return Input(source, relpath, None, error=f"line is not valid JSON ({exc})")
    except RecursionError:
        return Input(source, relpath, None, error="line is JSON nested too deeply to read")
    if not isinstance(record, dict):
        return Input(source, relpath, None, error="line is not a JSON object")
    doc_id = _first(record, fields.id, ("id", f"{METADATA_KEY}.id"))
    if doc_id is not None and not isinstance(doc_id, (str, int)) or isinstance(doc_id, bool):
        return Input(source, relpath, None, error='"id" must be a string or an integer')
    doc_id = None if doc_id is None or doc_id == "" else str(doc_id)
    if doc_id:
        relpath = f"{stem}/{doc_id}"
    url = _first(record, fields.url, ("url", f"{METADATA_KEY}.url"))
    url = url if isinstance(url, str) else None
    if fields.text is not None:
        content, field_kind = _lookup(record, fields.text), None
        if not isinstance(content, str):  # the id and URL still say which record it was
            return Input(source, relpath, None, url=url, doc_id=doc_id,
                         error=f"record has no {fields.text!r} string")
    elif isinstance(html := record.get("html"), str):
        content, field_kind = html, "html"
    elif isinstance(text := record.get("text"), str):
        content, field_kind = text, None  # sniffed: datatrove's layout puts HTML in `text`
    else:
        return Input(source, relpath, None, url=url, doc_id=doc_id,
                     error='record has neither an "html" nor a "text" string')
    read = {*JSONL_PAGE_KEYS, *(f for f in (fields.text, fields.id, fields.url)
                                if f is not None and "." not in f)}
    passed = {k: v for k, v in record.items() if k not in read}
    return Input(source, relpath, _named_kind(record) or kind or field_kind,
                 data=content.encode("utf-8", "surrogatepass"),
                 url=url, charset="utf-8", doc_id=doc_id,
                 fields=passed or None)


__all__ = ["JSONL_PAGE_KEYS", "JsonlFields", "expand", "jsonl_inputs"]


def expand(files: Sequence[tuple[str, str]], max_bytes: int = DEFAULT_MAX_BYTES,
           timeout: float = DEFAULT_TIMEOUT, fields: JsonlFields = JsonlFields(),
           kind: str | None = None) -> Iterator[Input]:
    """The inputs of the listed files: a page file is one, a container one per record
    (read lazily, as the run asks for them; a WARC record within `timeout`).

    `kind` ("html" or "text", `--kind`) is every page's kind, over what its name
    or its content suggests; only a JSONL record's own `format` field overrides it.
    `fields` says where JSONL records keep the page, id and URL.
    """
    for path, relpath in files:
        if path == STDIN:
            yield from jsonl_inputs(None, relpath, max_bytes, fields, kind)
        elif (which := container_from_name(path)) == "warc":
            for inp in warc_inputs(path, relpath, max_bytes, timeout):
                yield inp if kind is None or inp.error else replace(inp, kind_hint=kind)
        elif which == "jsonl":
            yield from jsonl_inputs(path, relpath, max_bytes, fields, kind)
        else:
            yield Input(source=path, relpath=relpath, kind_hint=kind or kind_from_name(path))
