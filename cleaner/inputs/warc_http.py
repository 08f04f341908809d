"""The HTTP response inside a WARC record: its head, its body, its content type.

Read here rather than by warcio, which reads any bytes as a head (Latin-1,
dropping lines it cannot split) and, on damaged compressed content, prints to
stderr and returns what it has: a record that looks like a page but cannot be
read must become an error record that says why.
"""

from __future__ import annotations

import re
import zlib
from email.message import Message
from typing import Any

from warcio.bufferedreaders import ChunkedDataReader
from warcio.statusandheaders import StatusAndHeaders

from cleaner.inputs.base import format_size

#: Content types taken from WARC records as pages.
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Largest HTTP head of a WARC response: servers refuse heads over 8-16 KB, so
#: 256 KB is only reached by a block that is not an HTTP message at all.
MAX_HTTP_HEAD = 256 * 1024
#: Compressed bytes read per step of decompressing a body.
_CHUNK = 1 << 20

#: An HTTP status line (anchored: used with fullmatch; unanchored, a search would
#: rescan from every start of a long line).
_STATUS_LINE = re.compile(r"^HTTP/\d(?:\.\d)? \d{3}(?: [^\r\n]*)?\r?\n")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_INFLATED = ("gzip", "x-gzip", "deflate")


def charset(content_type: str) -> str | None:
    message = Message()
    message["content-type"] = content_type
    charset = message.get_param("charset")
    return charset.strip() if isinstance(charset, str) and charset.strip() else None


def is_html(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in HTML_TYPES


def http_head(stream: Any) -> tuple[StatusAndHeaders | None, str]:
    """The HTTP status line and headers at the start of a block, or None and why not.

    Stricter than warcio (which drops lines it cannot split): the head must be
    "HTTP/x.y NNN", then "name: value" lines (or continuations), up to a blank
    line; each line UTF-8, or else Latin-1.
    """
    lines: list[bytes] = []
    size = 0
    while True:
        line = stream.readline(MAX_HTTP_HEAD + 1 - size)
        size += len(line)
        if size > MAX_HTTP_HEAD:
            return None, f"they are longer than {format_size(MAX_HTTP_HEAD)}"
        if not line:
            return None, "the block ends before they do"
        if line in (b"\r\n", b"\n"):
            break
        lines.append(line)
    # HTTP header values are Latin-1 by the older RFCs, UTF-8 in practice: both are
    # read; what is not a head at all fails the status and header line checks below
    text = [_header_text(line) for line in lines]
    if not text or not _STATUS_LINE.fullmatch(text[0]):
        shown = text[0].strip()[:60] if text else ""
        return None, f"the status line {shown!r} is not 'HTTP/1.1' and a number"
    headers: list[tuple[str, str]] = []
    for line in text[1:]:
        name, colon, value = line.partition(":")
        if line[:1] in (" ", "\t") and headers:  # a continuation of the header before
            headers[-1] = (headers[-1][0], f"{headers[-1][1]} {line.strip()}")
        elif colon and _HEADER_NAME.fullmatch(name.rstrip(" \t")):
            headers.append((name.rstrip(" \t"), value.strip()))
        else:
            return None, f"{line.strip()[:60]!r} is not a header line"
    protocol, _, status = text[0].strip().partition(" ")
    return StatusAndHeaders(status, headers, protocol=protocol), ""


def http_body(stream: Any, head: StatusAndHeaders,
               max_bytes: int) -> tuple[bytes, str | None]:
    """The body after an HTTP head, de-chunked and decompressed, up to max_bytes + 1 bytes.

    Decompressed here, not by warcio, which prints an error to stderr and
    returns what it has when compressed data is damaged.
    """
    if (head.get_header("Transfer-Encoding") or "").strip().lower() == "chunked":
        stream = ChunkedDataReader(stream)
    encoding = (head.get_header("Content-Encoding") or "").strip().lower()
    if encoding in ("", "identity", "none"):
        return stream.read(max_bytes + 1), None
    if encoding not in _INFLATED:
        return b"", f"its Content-Encoding {encoding[:40]!r} is not supported"
    data = stream.read(_CHUNK)
    if encoding == "deflate":  # sent with and without its zlib wrapper
        tries = (zlib.MAX_WBITS, -zlib.MAX_WBITS)
    else:  # not gzip data at all: stored decompressed (warcio assumes so too)
        tries = (16 + zlib.MAX_WBITS,) if data[:2] == b"\x1f\x8b" else ()
    for bits in tries:
        inflater = zlib.decompressobj(bits)
        try:
            out = bytearray(inflater.decompress(data, max_bytes + 1))
            break
        except zlib.error as exc:
            failure = exc
    else:
        if tries and encoding != "deflate":
            return b"", f"its {encoding} data is damaged ({failure})"
        return data + stream.read(max_bytes + 1 - len(data)), None
    try:
        while len(out) <= max_bytes and not inflater.eof:
            data = inflater.unconsumed_tail or stream.read(_CHUNK)
            if not data:
                break  # cut short, as a crawler's truncated record is: keep what there is
            out += inflater.decompress(data, max_bytes + 1 - len(out))
    except zlib.error as exc:
        return b"", f"its {encoding} data is damaged ({exc})"
    return bytes(out), None


def _header_text(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("latin-1")


__all__ = ["HTML_TYPES", "MAX_HTTP_HEAD", "charset", "http_body", "http_head", "is_html"]
