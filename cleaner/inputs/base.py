"""What an input is: one page to clean, the errors reading it can give, and the
names that decide how a file is read (page kinds, compression, containers).

Every other module of `inputs` builds on this one; nothing here reads a file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from cleaner.errors import CleanerError

#: What a page can be read as: an HTML document, or a text dump (the text a
#: browser shows). Here, not in `clean`, so the command line's options can name
#: them without importing the extraction stack.
KINDS = ("html", "text")

#: Extensions taken from folders (a file named on the command line is always
#: read, whatever its name). Each is also accepted with ".gz" appended.
PAGE_EXTENSIONS: dict[str, str] = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".txt": "text",
}


#: Compressed single files: suffix -> format.
COMPRESSED_SUFFIXES = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}


#: Files holding many pages (each also accepted compressed).
CONTAINER_EXTENSIONS = {".warc": "warc", ".jsonl": "jsonl"}


#: The argument that means "JSONL on standard input".
STDIN = "-"


_MB = 1024 * 1024


#: Largest (decompressed) input read. Scraped pages are rarely over 5 MB (the
#: 802 benchmark pages: at most 3.4 MB, p99 2.3 MB). A page costs a worker up
#: to ~32 bytes of memory per byte (`benchmarks.pagecost`), so 16 MB keeps the
#: worst page near 510 MB and a worker's worst run of such pages near 830 MB,
#: under its 1 GiB cap (`--max-memory`); 50 MB pages needed 1.3-1.6 GB. It also
#: stops gzip bombs, which decompress to gigabytes from a few kilobytes.
DEFAULT_MAX_BYTES = 16 * _MB


class InputError(CleanerError, ValueError):
    """An input that cannot be read; the message is one plain sentence.

    A batch records it in errors.jsonl (a missing file, a broken gzip, a file
    past the size limit); `clean` raises it for a page past its `max_bytes`.

    Example:
        >>> from cleaner import InputError, clean
        >>> try:
        ...     clean("A page of twenty bytes", max_bytes=10)
        ... except InputError as exc:
        ...     print(exc)
        the page is 22 bytes, larger than the limit of 10 bytes
    """


class ArgumentError(CleanerError, ValueError):
    """An argument that makes no sense (a usage error): an input folder that is the
    output folder, a page kind that does not exist, a time limit of no time.

    Example:
        >>> from cleaner import ArgumentError, clean
        >>> try:
        ...     clean("A page", kind="pdf")
        ... except ArgumentError as exc:
        ...     print(exc)
        kind must be 'html', 'text' or None, not 'pdf'
    """


@dataclass(frozen=True, slots=True)
class Input:
    """One file to clean.

    Attributes:
        source: the path as reached from the argument, e.g. ``"seeds/a.txt"``;
            what error records and documents.jsonl name.
        relpath: the path relative to the argument it came from (POSIX
            separators; the file name for a file argument); output names derive
            from it so the output tree mirrors the input tree.
        kind_hint: ``"html"`` or ``"text"`` from the extension, None if unknown.
        data: the page's bytes, for a record read from a container (a page
            file's are read by the worker that cleans it).
        url: the page's URL, when the container says (a WARC target URI).
        charset: a charset declared outside the page (an HTTP header).
        doc_id: the document id the container gives (a JSONL "id").
        fields: other fields of a JSONL record, passed through to the output.
        error: why this record cannot be read (it becomes an error record).
    """

    source: str
    relpath: str
    kind_hint: str | None
    data: bytes | None = None
    url: str | None = None
    charset: str | None = None
    doc_id: str | None = None
    fields: dict[str, Any] | None = None
    error: str | None = None


def strip_compression(name: str) -> str:
    """The name without a compression suffix (``a.html.bz2`` -> ``a.html``)."""
    stem, ext = os.path.splitext(name)
    return stem if ext.lower() in COMPRESSED_SUFFIXES else name


def kind_from_name(name: str) -> str | None:
    """The kind an extension suggests (a compression suffix stripped first), or None."""
    return PAGE_EXTENSIONS.get(os.path.splitext(strip_compression(name).lower())[1])


def container_from_name(name: str) -> str | None:
    """"warc" or "jsonl" for a container's name (compressed or not), else None."""
    return CONTAINER_EXTENSIONS.get(os.path.splitext(strip_compression(name).lower())[1])


def format_size(size: int) -> str:
    """Say a byte count the way the limit was likely set: "50 MB" or "1,000 bytes"."""
    if size >= _MB and size % _MB == 0:
        return f"{size // _MB} MB"
    return f"{size:,} bytes"


def container_stem(relpath: str) -> str:
    """A container's relpath without its extensions: where its records' texts go.

    Example:
        >>> container_stem("crawl/day-1.warc.gz")
        'crawl/day-1'
    """
    name = strip_compression(relpath)
    folder, _, base = name.rpartition("/")
    base = base.rsplit(".", 1)[0] if "." in base[1:] else base
    return f"{folder}/{base}" if folder else base


def text_relpath(relpath: str) -> str:
    """The output name for an input: ``.gz`` dropped, extension made ``.txt``.

    Example:
        >>> text_relpath("news/a.html.gz"), text_relpath("a"), text_relpath("b.txt")
        ('news/a.txt', 'a.txt', 'b.txt')
    """
    folder, _, name = relpath.rpartition("/")
    name = strip_compression(name)
    dot = name.rfind(".")
    stem = name[:dot] if dot > 0 else name
    return f"{folder}/{stem}.txt" if folder else f"{stem}.txt"
