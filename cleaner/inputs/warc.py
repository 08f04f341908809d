"""WARC archives (plain or .gz), read record by record: each page an `Input`.

Each record that is a page becomes an `Input` carrying its bytes, URL and
declared charset, or the reason it cannot be read. Nothing is read ahead:
the run asks for the next record when it has room for it, so memory stays
bounded however big the file.

WARC (plain or .gz, parsed by warcio): pages are `response` records whose
block is an HTTP message (WARC Content-Type `application/http`, or none and an
http(s) target) with a 2xx status and an HTML content type, whatever the
scheme of the WARC-Target-URI (warcio only parses the HTTP head of http(s)
targets, so we parse it), and `resource` (or `response`) records of an HTML
type. The target URI is the page URL; the HTTP charset is honoured. Requests,
metadata, redirects, images, `dns:` records are passed over. A would-be page
that cannot be read (an HTTP head that is not UTF-8 "name: value" lines, a
status that is not a number, damaged gzip/deflate content) is an error record.

warcio trusts Content-Length, so we check each record's framing: its block
must be followed by CRLF CRLF, then the next "WARC/" or the end (more blank
lines are let through). A record whose Content-Length is missing, not a
number or wrong is an error record ("record #N's Content-Length ..."), never
a document holding part of its neighbour:

- plain .warc: those bytes are read where the header says the block ends
  (`os.pread`, before the block is read). Reading then goes on at the first
  record header line ("WARC/1.0" or "WARC/1.1" at a line start) after the
  bad record's header, so the records a too-long length swallowed are read
  again, as documents, and the rest of a too-short one is skipped. Bytes that
  are not a record at all are one error record, and reading goes on likewise.
- .warc.gz, one gzip member per record: a block cannot run into the next
  member, so the member must hold exactly Content-Length bytes and CRLF CRLF;
  its neighbours are untouched. A .warc.gz gzipped as one whole (`gzip
  crawl.warc`, which warcio refuses) is decompressed to a temporary file
  (disk, not memory) and read as a plain .warc.

warcio's warnings on stderr are not shown: the error records say it instead.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import tempfile
import zlib
from collections.abc import Iterator
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from warcio.archiveiterator import ArchiveIterator

from cleaner.inputs.base import Input, container_stem, format_size
from cleaner.inputs.warc_http import charset, http_body, http_head, is_html
from cleaner.timelimit import DEFAULT_TIMEOUT, PageTimeout, time_limit

#: Bytes read per step when scanning for a record header or decompressing a body:
#: big enough that the loop costs nothing next to the copy, small enough to be no
#: memory at all.
_SKIP_CHUNK = 1 << 20
#: Most a .warc.gz gzipped as one whole may grow, times its size, when it is
#: decompressed to a temporary file: WARC text compresses 5 to 10 times; a gzip
#: bomb, up to 1,000 times (gigabytes of disk from a few megabytes).
WHOLE_GZIP_RATIO = 50
#: Bytes looked at after a WARC block: its CRLF CRLF, then room for a few more
#: blank lines before the next "WARC/" (writers add at most one or two).
_TAIL = 64

_END = b"\r\n\r\n"
_RECORD_START = re.compile(rb"(?<=\n)WARC/1\.[01]\r\n")

# warcio logs a warning (to stderr, when logging is not set up) for a target URI with
# spaces, which it percent-encodes; that is not damage worth a word to the user.
logging.getLogger("warcio").addHandler(logging.NullHandler())


def url_relpath(url: str | None) -> str:
    """A relative output path for a page URL: host, then path (``index`` for a folder).

    The result may still hold ``..`` or odd characters; `batch.outputs.safe_relpath`
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


def warc_inputs(path: str, relpath: str, max_bytes: int,
                timeout: float = DEFAULT_TIMEOUT) -> Iterator[Input]:
    """The pages of a WARC file (plain or gzipped), in file order, and an error record
    for each record that could be a page and cannot be read.

    Each record is read under `timeout`: a damaged header (a line of tens of
    megabytes with no end) would otherwise hold the run up for minutes.
    """
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, generator-scoped
    except OSError as exc:
        yield Input(path, relpath, None, error=f"cannot read WARC file ({exc.strerror or exc})")
        return
    with handle, _WarcReader(handle, path, container_stem(relpath), max_bytes) as reader:
        while True:
            try:
                with time_limit(timeout), contextlib.redirect_stderr(io.StringIO()):
                    found = reader.next_inputs()
            except PageTimeout:
                yield Input(path, relpath, None,
                            error=f"damaged WARC file: record #{reader.current} could not be "
                                  f"read within {timeout:g} s")
                return
            except Exception as exc:  # noqa: BLE001 - a damaged archive: say where, go on
                yield Input(path, relpath, None,
                            error=f"damaged WARC file: records after #{reader.current - 1} "
                                  f"could not be read ({type(exc).__name__}: {_short(exc)})")
                return
            if found is None:
                return
            yield from found
            if reader.one_member:  # out of the time limit: decompressing it all takes time
                try:
                    reader.spool_whole_file()
                except OSError as exc:
                    yield Input(path, relpath, None, error="cannot decompress the WARC file to "
                                f"a temporary file ({exc.strerror or exc})")
                    return


class _WarcReader:
    """One WARC file, record by record through warcio, each record's framing checked.

    `number` counts the records read (a stretch of bytes that is not a record
    counts as one); `current` is the one being read.
    """

    def __init__(self, handle: IO[bytes], path: str, stem: str, max_bytes: int) -> None:
        self.path, self.stem, self.max_bytes = path, stem, max_bytes
        self.handle = handle
        self.gzipped = handle.read(2) == b"\x1f\x8b"
        self.number = self.current = self.skip = 0
        self.spool: IO[bytes] | None = None
        self.one_member = False  # a .warc.gz gzipped whole, to be spooled (`spool_whole_file`)
        self.cut: str | None = None  # why the spooled copy ends early, if it does
        self.last_failed = False  # whether the last record read was an error
        self._restart(0)

    def __enter__(self) -> _WarcReader:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.spool is not None:
            self.spool.close()

    def _restart(self, offset: int | None) -> None:
        """Read on from `offset` (None: nothing more to read) with a fresh iterator."""
        self.size = os.fstat(self.handle.fileno()).st_size
        if offset is None:
            self.records: Iterator[Any] = iter(())
            return
        self.handle.seek(offset)
        self.archive = ArchiveIterator(self.handle, no_record_parse=True)
        self.records = iter(self.archive)

    def next_inputs(self) -> list[Input] | None:
        """The inputs of the next record (none for one that is not a page); None at the end."""
        self.current = self.number + 1
        try:
            record = next(self.records, None)
        except Exception as exc:  # noqa: BLE001 - not a record: plain files read on after it
            if self.gzipped:
                raise
            self.number += 1
            resume = _next_record_start(self.handle.fileno(), self.archive.offset + 1, self.size)
            self._restart(resume)
            return self._given([self._error(
                None, f"record #{self.number} could not be read ({type(exc).__name__}: "
                      f"{_short(exc)}); {_resumed(resume)}")])
        if record is None:
            if self.cut is None or self.last_failed:  # a cut record says it already
                return None
            cut, self.cut = self.cut, None
            return [self._error(None, f"records after #{self.number} could not be read ({cut})")]
        self.number += 1
        return self._given(self._member(record) if self.gzipped else self._plain(record))

    def _given(self, inputs: list[Input]) -> list[Input]:
        """Nothing for the records given before a switch to a spooled copy of the file."""
        self.last_failed = any(i.error is not None for i in inputs)
        return [] if self.number <= self.skip else inputs

    def _plain(self, record: Any) -> list[Input]:
        start = self.archive.offset + record.rec_headers.total_len  # where the block begins
        length, problem = _declared_length(record)
        if length is not None:
            problem = self._end_problem(start, length)
        if problem is None:
            page = _warc_page(record, self._source(), self._relpath(record), self.max_bytes)
            return [page] if page is not None else []
        if self.cut is not None and start + (length or 0) > self.size:
            problem += f" (the decompressed copy stops there: {self.cut})"
        resume = _next_record_start(self.handle.fileno(), start, self.size)
        self._restart(resume)
        if resume is not None:
            at = resume - start  # where the next record begins, from the start of the content
            if length is not None and at <= length:
                problem += f"; the next record begins at byte {at:,} of the {length:,} it declares"
            elif length is not None:
                problem += (f"; the next record begins {at - length:,} bytes after the end it "
                            "declares")
        return [self._error(record, f"record #{self.number}{problem}; {_resumed(resume)}")]

    def _end_problem(self, start: int, length: int) -> str | None:
        """What is wrong at the end a record's Content-Length declares, if anything."""
        tail = os.pread(self.handle.fileno(), len(_END) + _TAIL, start + length)
        if tail[:4] == _END:
            rest = tail[4:].lstrip(b"\r\n")
            if rest.startswith(b"WARC/") or (not rest and len(tail) < len(_END) + _TAIL):
                return None
        where = ("past the end of the file" if start + length > self.size
                 else "and what follows is not the next record" if tail[:4] == _END
                 else "and the record does not end there")
        return (f"'s Content-Length does not match its content: it declares {length:,} "
                f"bytes, {where}")

    def _member(self, record: Any) -> list[Input]:
        """A record of a .warc.gz: its gzip member must hold exactly its block and CRLF CRLF."""
        length, problem = _declared_length(record)
        page = None if problem else _warc_page(record, self._source(), self._relpath(record),
                                                self.max_bytes)
        while record.raw_stream.read(_SKIP_CHUNK):  # the rest of the block
            pass
        reader = self.archive.reader  # reads stop at the end of the member
        tail = reader.read(len(_END) + _TAIL)
        if tail.startswith(_END + b"WARC/"):  # more records in this member
            self.one_member = True
            return []
        block = length - record.raw_stream.limit if length else 0
        more = 0
        while chunk := reader.read(_SKIP_CHUNK):
            more += len(chunk)
        if problem is None and (block != length or tail[:4] != _END
                                or tail[4:].strip(b"\r\n") or more):
            held = block + len(tail) + more - len(_END)
            problem = (f"'s Content-Length does not match its content: it declares {length:,} "
                       f"bytes, its gzip member holds {held:,}")
        if (problem is not None and self.number == 1 and not reader.rem_length()
                and self.handle.tell() >= self.size):
            # the file's only member: if it holds several records (gzipped whole), they are
            # found by reading it as a plain WARC
            self.one_member = True
            return []
        if problem is not None:
            return [self._error(record, f"record #{self.number}{problem}")]
        return [page] if page is not None else []

    def spool_whole_file(self) -> None:
        """Read a .warc.gz gzipped as one whole again, decompressed to a temporary file."""
        self.spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by __exit__
        self.handle.seek(0)
        limit = max(self.size * WHOLE_GZIP_RATIO, self.max_bytes)
        # cut, damaged or too big: what comes before is read
        self.cut = _gunzip(self.handle, self.spool, limit)
        self.spool.flush()  # read back with os.pread, under the buffer
        self.handle, self.gzipped = self.spool, False
        self.skip, self.number, self.one_member = self.number - 1, 0, False
        self._restart(0)

    def _source(self) -> str:
        return f"{self.path}#{self.number}"

    def _relpath(self, record: Any) -> str:
        return f"{self.stem}/{url_relpath(_target(record))}"

    def _error(self, record: Any, message: str) -> Input:
        url = _target(record) if record is not None else None
        relpath = self._relpath(record) if record is not None else self.stem
        return Input(self._source(), relpath, None, url=url,
                     error=f"damaged WARC file: {message}")


def _gunzip(source: IO[bytes], sink: IO[bytes], limit: int) -> str | None:
    """Decompress the gzip members of `source` into `sink`; why it stops early, or None.

    Fed 16 KB at a time, so no more than 16 MB (zlib's largest ratio) is held at
    once; a cut or damaged member still gives what comes before it; past `limit`
    bytes out, it stops (a gzip bomb would fill the disk).
    """
    inflater, started, written = zlib.decompressobj(16 + zlib.MAX_WBITS), False, 0
    try:
        while data := source.read(16 * 1024):
            while data:
                out = inflater.decompress(data)
                written += len(out)
                if written > limit:
                    return (f"it decompresses to more than {format_size(limit)}, "
                            f"{WHOLE_GZIP_RATIO} times its size: a gzip bomb?")
                sink.write(out)
                started = True
                if not inflater.eof:
                    break
                data = inflater.unused_data  # the next member
                inflater, started = zlib.decompressobj(16 + zlib.MAX_WBITS), False
    except zlib.error as exc:
        return f"the gzip data is damaged there: {exc}"
    return "the gzip data is cut short there" if started else None


def _target(record: Any) -> str | None:
    return record.rec_headers.get_header("WARC-Target-URI")


def _short(exc: BaseException) -> str:
    """An exception's message on one short line (warcio quotes whole header lines)."""
    text = "".join(c if c.isprintable() else "?" for c in " ".join(str(exc).split()))
    return text if len(text) <= 200 else text[:200] + "..."


def _resumed(offset: int | None) -> str:
    return "reading goes on at the next record" if offset is not None else "no record follows"


def _declared_length(record: Any) -> tuple[int | None, str | None]:
    """A record's Content-Length, or None and what is wrong with it."""
    value = record.rec_headers.get_header("Content-Length")
    if value is None:
        return None, " has no Content-Length, so where it ends is not known"
    if not (value.strip().isascii() and value.strip().isdigit()):
        return None, f"'s Content-Length ({_short(ValueError(value))!r}) is not a number"
    return int(value), None


def _next_record_start(fd: int, start: int, size: int) -> int | None:
    """The offset of the first record header line at or after `start`, or None.

    Read in pieces that overlap by a header line, with the byte before
    `start`, so a header across two pieces or at `start` itself is found.
    """
    pos = max(start - 1, 0)
    while pos < size:
        piece = os.pread(fd, _SKIP_CHUNK + 10, pos)
        found = _RECORD_START.search(piece)
        if found is not None:
            return pos + found.start()
        pos += _SKIP_CHUNK
    return None


def _warc_page(record: Any, source: str, relpath: str, max_bytes: int) -> Input | None:
    """The page in a WARC record, an error if it would be one but cannot be read, or None."""
    warc_type = record.rec_headers.get_header("Content-Type") or ""
    url = _target(record)
    main = warc_type.split(";", 1)[0].strip().lower()
    is_http = main == "application/http" or (
        not main and (url or "").lower().startswith(("http:", "https:")))

    def error(message: str) -> Input:
        return Input(source, relpath, "html", url=url, error=message)

    if record.rec_type == "response" and is_http:
        head, problem = http_head(record.raw_stream)
        if head is None:
            return error(f"record's HTTP headers cannot be read ({problem})")
        content_type = head.get_header("Content-Type") or ""
        if not head.get_statuscode().startswith("2") or not is_html(content_type):
            return None
        body, problem = http_body(record.raw_stream, head, max_bytes)
        if problem is not None:
            return error(f"record's body cannot be read ({problem})")
    elif record.rec_type in ("response", "resource") and is_html(warc_type):
        content_type, body = warc_type, record.raw_stream.read(max_bytes + 1)
    else:
        return None
    if len(body) > max_bytes:
        return error(f"record is larger than the limit of {format_size(max_bytes)}")
    return Input(source, relpath, "html", data=body, url=url, charset=charset(content_type))


__all__ = ["url_relpath", "warc_inputs"]
