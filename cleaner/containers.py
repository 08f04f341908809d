"""Files that hold many pages: WARC archives and JSONL, read record by record.

Each record becomes an `Input` carrying its bytes (and URL, declared charset,
id and passed-through fields), or the reason it cannot be read; a damaged
container gives one error record for what could not be read, after the
records before the damage. Nothing is read ahead: the run asks for the next
record when it has room for it, so memory stays bounded however big the file.

WARC (plain or .gz, via warcio): `response` records with a 2xx HTTP status
and an HTML content type, and `resource` records of HTML, are pages; the
record's WARC-Target-URI is the page URL and the HTTP Content-Type's charset
is honoured. Other records (requests, metadata, redirects, images, scripts)
are not pages and are passed over.

JSONL (plain, .gz, .bz2, .xz, or stdin): one JSON object per line with `html`
or `text`, optional `url` and `id`; every other field is passed through to
the document's output record.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import sys
import zlib
from collections.abc import Iterator
from email.message import Message
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from cleaner.sources import Input, format_size, strip_compression

#: Content types taken from WARC records as pages.
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: JSONL keys that are the page itself; the rest are passed through.
JSONL_PAGE_KEYS = ("html", "text", "url", "id")
#: Bytes read per step when skipping the rest of an over-long JSONL line.
_SKIP_CHUNK = 1 << 20

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_STREAM_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError)


def _stem(relpath: str) -> str:
    """A container's relpath without its extensions: where its records' texts go."""
    name = strip_compression(relpath)
    folder, _, base = name.rpartition("/")
    base = base.rsplit(".", 1)[0] if "." in base[1:] else base
    return f"{folder}/{base}" if folder else base


def url_relpath(url: str | None) -> str:
    """A relative output path for a page URL: host, then path (``index`` for a folder).

    The result may still hold ``..`` or odd characters; `sinks.safe_relpath`
    makes it safe (it drops ``..`` parts), so no URL can point outside the
    output folder.

    Example:
        >>> url_relpath("https://example.org/news/a-story.html?id=3")
        'example.org/news/a-story.html'
    """
    if not url:
        return "record"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "record"
    host = parts.hostname or "record"
    path = unquote(parts.path or "/")
    if path.endswith("/"):
        path += "index"
    return f"{host}/{path.lstrip('/')}"


def _charset(content_type: str) -> str | None:
    message = Message()
    message["content-type"] = content_type
    charset = message.get_param("charset")
    return charset.strip() if isinstance(charset, str) and charset.strip() else None


def _is_html(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in HTML_TYPES


def warc_inputs(path: str, relpath: str, max_bytes: int,
                timeout: float = 30.0) -> Iterator[Input]:
    """The pages of a WARC file (plain or gzipped), in file order.

    Each record is read under `timeout`: a damaged header (a line of tens of
    megabytes with no end) would otherwise hold the run up for minutes.
    """
    from warcio.archiveiterator import ArchiveIterator

    from cleaner.timelimit import PageTimeout, time_limit

    stem = _stem(relpath)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, generator-scoped
    except OSError as exc:
        yield Input(path, relpath, None, error=f"cannot read WARC file ({exc.strerror or exc})")
        return
    number = 0
    with handle:
        records = iter(ArchiveIterator(handle))
        while True:
            try:
                with time_limit(timeout):
                    record = next(records, None)
                    if record is None:
                        return
                    number += 1
                    page = _warc_page(record, path, number, stem, max_bytes)
            except PageTimeout:
                yield Input(path, relpath, None,
                            error=f"damaged WARC file: record #{number + 1} could not be read "
                                  f"within {timeout:g} s")
                return
            except Exception as exc:  # noqa: BLE001 - a damaged archive: say where, go on
                yield Input(path, relpath, None,
                            error=f"damaged WARC file: records after #{number} could not be "
                                  f"read ({type(exc).__name__}: {exc})")
                return
            if page is not None:
                yield page


def _warc_page(record: Any, path: str, number: int, stem: str, max_bytes: int) -> Input | None:
    if record.rec_type == "response":
        http = record.http_headers
        if http is None:  # not an HTTP response (dns:, ...)
            return None
        status = http.get_statuscode() or ""
        if not status.startswith("2"):
            return None
        content_type = http.get_header("Content-Type") or ""
    elif record.rec_type == "resource":
        content_type = record.rec_headers.get_header("Content-Type") or ""
    else:
        return None
    if not _is_html(content_type):
        return None
    url = record.rec_headers.get_header("WARC-Target-URI")
    source = f"{path}#{number}"
    relpath = f"{stem}/{url_relpath(url)}"
    body = record.content_stream().read(max_bytes + 1)
    if len(body) > max_bytes:
        return Input(source, relpath, "html", url=url,
                     error=f"record is larger than the limit of {format_size(max_bytes)}")
    return Input(source, relpath, "html", data=body, url=url, charset=_charset(content_type))


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


def jsonl_inputs(path: str | None, relpath: str, max_bytes: int) -> Iterator[Input]:
    """The pages of a JSONL file (or stdin when `path` is None), in line order."""
    name = path if path is not None else "<stdin>"
    stem = _stem(relpath)
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
            yield _jsonl_page(line, f"{name}:{number}", stem, number, max_bytes)
    except _STREAM_ERRORS as exc:
        yield Input(name, relpath, None,
                    error=f"damaged JSONL file: lines after {number} could not be read ({exc})")
    finally:
        if path is not None:
            handle.close()


def _jsonl_page(line: bytes | None, source: str, stem: str, number: int,
                max_bytes: int) -> Input:
    relpath = f"{stem}/{number}"
    if line is None:
        return Input(source, relpath, None,
                     error=f"line is larger than the limit of {format_size(max_bytes)}")
    try:
        record = json.loads(line)
    except ValueError as exc:
        return Input(source, relpath, None, error=f"line is not valid JSON ({exc})")
    except RecursionError:
        return Input(source, relpath, None, error="line is JSON nested too deeply to read")
    if not isinstance(record, dict):
        return Input(source, relpath, None, error="line is not a JSON object")
    html, text = record.get("html"), record.get("text")
    if isinstance(html, str):
        content, kind = html, "html"
    elif isinstance(text, str):
        content, kind = text, "text"
    else:
        return Input(source, relpath, None,
                     error='record has neither an "html" nor a "text" string')
    doc_id = record.get("id")
    if doc_id is not None and not isinstance(doc_id, (str, int)) or isinstance(doc_id, bool):
        return Input(source, relpath, None, error='"id" must be a string or an integer')
    doc_id = None if doc_id is None or doc_id == "" else str(doc_id)
    if doc_id:
        relpath = f"{stem}/{doc_id}"
    url = record.get("url") if isinstance(record.get("url"), str) else None
    fields = {k: v for k, v in record.items() if k not in JSONL_PAGE_KEYS}
    return Input(source, relpath, kind, data=content.encode("utf-8", "surrogatepass"),
                 url=url, charset="utf-8", doc_id=doc_id, fields=fields or None)


__all__ = ["HTML_TYPES", "JSONL_PAGE_KEYS", "jsonl_inputs", "url_relpath", "warc_inputs"]
