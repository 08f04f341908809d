"""Find the inputs a run reads, and read each one's bytes safely.

Inputs are page files (HTML or text dumps, optionally .gz, .bz2 or .xz) and
containers of many pages: WARC files and JSONL files (`cleaner.inputs.containers`),
or JSONL on stdin (`-`). Listing and reading are separate so that a bad file
(unreadable, truncated gzip, too large) becomes one error record at the
document boundary instead of stopping the walk; a page file is read by the
worker that cleans it, a container's records are read here, in order, as the
run consumes them. Order is deterministic: arguments as given, folder contents
sorted by relative path, records in file order.
"""

from __future__ import annotations

import bz2
import errno
import lzma
import os
import stat
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from cleaner.inputs.base import (
    _MB,
    COMPRESSED_SUFFIXES,
    DEFAULT_MAX_BYTES,
    STDIN,
    ArgumentError,
    Input,
    InputError,
    container_from_name,
    format_size,
    kind_from_name,
)

GZIP_SUFFIX = ".gz"
GZIP_MAGIC = b"\x1f\x8b"
BZ2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"


#: Compressed bytes fed to a decompressor at a time: what a member leaves over
#: is copied once per member, so this bounds that copy. Measured on 300,000
#: tiny members: 64 KB pieces take 1.7 s, 4 KB 0.9 s; a 43 MB single-member
#: file reads as fast with 4 KB as with 64 KB (0.09 vs 0.12 s).
DECOMPRESS_CHUNK = 4 * 1024

#: Compressed bytes read beyond the size limit before a gzip file is refused
#: unread (only incompressible data grows when gzipped, by a few bytes per block).
GZIP_SLACK = 1 * _MB


#: Why a folder walk passes over an entry: the keys of `list_files`' `skipped`
#: counts, in the order a summary lists them. Each says what the user can do about
#: it (rename a page, unhide it, or nothing: a file reached twice is read once).
SKIP_UNKNOWN = "unknown type"  # a file whose name is neither a page's nor a container's
SKIP_HIDDEN = "hidden"  # a file or a whole folder whose name starts with "."
SKIP_SPECIAL = "not a regular file"  # a FIFO, socket or device with a page's name
SKIP_TWICE = "reached twice"  # a file or folder met again (through a link, or named twice)
SKIP_REASONS = (SKIP_UNKNOWN, SKIP_HIDDEN, SKIP_SPECIAL, SKIP_TWICE)


def is_accepted(name: str) -> bool:
    """Whether a file found in a folder is a page or a container to read."""
    return kind_from_name(name) is not None or container_from_name(name) is not None


def list_files(paths: Sequence[str],
               exclude: str | os.PathLike[str] | None = None,
               skipped: dict[str, int] | None = None) -> list[tuple[str, str]]:
    """The files to read, as (path, relpath), from file and folder arguments, in order.

    A file argument is taken whatever its extension; folders are walked
    recursively, keeping accepted extensions and skipping hidden entries and
    the folder `exclude` (the run's output folder: a run whose OUTDIR is
    inside an input folder must not read its own output the next time).
    Symlinks are followed, but a folder already walked is not walked again (no
    loops), and a file reached twice is taken once, the first time; a link
    that leads nowhere or in a circle is listed, so reading it records an
    error. `-` stands for JSONL on standard input.

    `skipped`, when given, gets the count of what was passed over added by
    reason (`SKIP_REASONS`), so a run can say why it read fewer files than the
    folders hold: a file of an unknown type, a hidden entry (a hidden folder
    counts once, unwalked), a FIFO or device, a file or folder reached twice.
    The output folder `exclude` is not counted: it is not an input.

    Raises:
        FileNotFoundError: an argument does not exist (all are checked first).
        OSError: a folder argument cannot be listed. (A subfolder that cannot
            be listed is listed itself, so reading it records an error.)
    """
    for arg in paths:
        if arg != STDIN and not os.path.lexists(arg):
            raise FileNotFoundError(f"input path not found: {arg}")
    seen_files: set[str] = set()
    # the output folder counts as walked already, so no walk enters it
    excluded = os.path.realpath(exclude) if exclude is not None else None
    seen_dirs: set[str] = {excluded} if excluded is not None else set()
    counts: dict[str, int] = skipped if skipped is not None else {}
    out: list[tuple[str, str]] = []
    for arg in paths:
        if arg == STDIN:
            out.append((STDIN, "stdin"))
            continue
        root = Path(arg)
        if exclude is not None and root.is_dir() and _real(root) == _real(Path(exclude)):
            raise ArgumentError(f"input folder {arg} is the output folder: nothing would be "
                                "read but the output of earlier runs")
        if root.is_dir():
            found = sorted(_walk(root, "", seen_dirs, counts, excluded),
                           key=lambda pair: pair[1])
        else:
            found = [(root, root.name)]
        for path, relpath in found:
            real = _real(path)
            if real in seen_files:
                _count(counts, SKIP_TWICE)
                continue
            seen_files.add(real)
            out.append((str(path), relpath))
    return out


def _is_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _real(path: Path) -> str:
    """Where a path leads, or the path itself when it leads nowhere (a link loop)."""
    try:
        return os.path.realpath(path, strict=True)
    except OSError:
        return os.path.abspath(path)


def has_containers(files: Sequence[tuple[str, str]]) -> bool:
    """Whether any of the files is a container (so the number of pages is unknown)."""
    return any(path == STDIN or container_from_name(path) for path, _ in files)


def _count(counts: dict[str, int], reason: str) -> None:
    counts[reason] = counts.get(reason, 0) + 1


def _walk(folder: Path, prefix: str, seen_dirs: set[str], skipped: dict[str, int],
          excluded: str | None) -> Iterator[tuple[Path, str]]:
    """Yield (path, relpath) for accepted files under ``folder``; count in `skipped`
    what is passed over (`list_files`).

    A folder that cannot be listed is yielded itself, so that reading it
    reports the problem as an error record instead of it vanishing silently.
    """
    real = _real(folder)
    if real in seen_dirs:
        if real != excluded:  # the output folder is not an input passed over
            _count(skipped, SKIP_TWICE)
        return
    seen_dirs.add(real)
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as exc:
        if not prefix:
            raise OSError(f"cannot list input folder {folder} ({exc.strerror})") from exc
        yield folder, prefix.rstrip("/")
        return
    for entry in entries:
        if entry.name.startswith("."):
            _count(skipped, SKIP_HIDDEN)
            continue
        path = folder / entry.name
        relpath = prefix + entry.name
        try:
            is_dir = entry.is_dir()  # follows symlinks; seen_dirs stops loops
        except OSError:  # a link in a circle: read as a file, it records the error
            is_dir = False
        if is_dir:
            yield from _walk(path, relpath + "/", seen_dirs, skipped, excluded)
        elif not is_accepted(entry.name):
            _count(skipped, SKIP_UNKNOWN)
        elif entry.is_symlink() or _is_file(entry):
            # A broken or circular link is kept: reading it reports why.
            yield path, relpath
        else:
            _count(skipped, SKIP_SPECIAL)


def read_input(inp: Input, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read an input's bytes, decompressing gzip, bzip2 or xz (by name or magic bytes).

    The limit applies to the decompressed size and is enforced while
    decompressing, so a gzip bomb stops after ``max_bytes``. A container's
    record comes with its bytes (or its error) already.

    Raises:
        InputError: with a one-sentence message for errors.jsonl.
    """
    if inp.error is not None:
        raise InputError(inp.error)
    if inp.data is not None:
        if len(inp.data) > max_bytes:
            raise InputError(f"record is larger than the limit of {format_size(max_bytes)}")
        return inp.data
    try:
        with open(inp.source, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes + GZIP_SLACK:
                # refused unread (devices and pipes report no size: the read decides)
                raise InputError(f"file is larger than the limit of {format_size(max_bytes)}")
            head = handle.peek(10)[:10]
            fmt = COMPRESSED_SUFFIXES.get(os.path.splitext(inp.source)[1].lower())
            if fmt == "gzip" or head[:2] == GZIP_MAGIC:
                return _decompress(handle, max_bytes, "gzip")
            if fmt == "bzip2" or _is_bzip2(head):
                return _decompress(handle, max_bytes, "bzip2")
            if fmt == "xz" or head[: len(XZ_MAGIC)] == XZ_MAGIC:
                return _decompress(handle, max_bytes, "xz")
            data = handle.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise InputError("file not found (deleted, or a broken link)") from exc
    except PermissionError as exc:
        raise InputError("permission denied") from exc
    except IsADirectoryError as exc:
        raise InputError(_directory_message(inp.source)) from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError("a symbolic link that leads back to itself (a link loop)") from exc
        raise InputError(f"cannot read file ({exc.strerror or exc})") from exc
    if len(data) > max_bytes:
        raise InputError(f"file is larger than the limit of {format_size(max_bytes)}")
    return data


#: Compressed single files: format -> (magic bytes, a decompressor, its errors).
_FORMATS: dict[str, tuple[bytes, Any, tuple[type[Exception], ...]]] = {
    "gzip": (GZIP_MAGIC, lambda: zlib.decompressobj(wbits=16 + zlib.MAX_WBITS), (zlib.error,)),
    "bzip2": (BZ2_MAGIC, bz2.BZ2Decompressor, (OSError,)),
    "xz": (XZ_MAGIC, lzma.LZMADecompressor, (lzma.LZMAError,)),
}


def _is_bzip2(head: bytes) -> bool:
    """bzip2 by its first 10 bytes: "BZh", a block size digit, then the magic of
    a first block or of the end of an empty stream (a text may start "BZh")."""
    return (head[:3] == BZ2_MAGIC and head[3:4] in b"123456789"
            and head[4:10] in (b"1AY&SY", b"\x17rE8P\x90"))


def _decompress(handle: BinaryIO, max_bytes: int, name: str) -> bytes:
    """Decompress a gzip, bzip2 or xz file (every member), stopping past `max_bytes`.

    The input is fed in chunks of `DECOMPRESS_CHUNK`, so what a member leaves
    over (`unused_data`, copied by the decompressor) is at most one chunk:
    linear in the file size however many members it has, as `gunzip` is
    (copying the rest of the file after each member made 80,000 members take
    seconds and 600,000 time out).
    """
    magic, make, errors = _FORMATS[name]
    # compressed data is rarely larger than what it holds; past this, it is too big
    data = handle.read(max_bytes + GZIP_SLACK + 1)
    if len(data) > max_bytes + GZIP_SLACK:
        raise InputError(f"file is larger than the limit of {format_size(max_bytes)}")
    if not data.startswith(magic):
        raise InputError(f"not a valid {name} file (bad {name} header)")
    view = memoryview(data)
    chunks: list[bytes] = []
    total = 0
    at = 0  # where the next member starts
    try:
        while view[at : at + len(magic)] == magic:  # anything else after a member is padding
            stream = make()
            while not stream.eof:
                if at >= len(view):
                    raise InputError(f"truncated {name} file (decompressed {total} bytes "
                                     "before the end)")
                piece = view[at : at + DECOMPRESS_CHUNK]
                at += len(piece)
                # output past the limit is an error, so when this returns without
                # raising, the whole piece was used (nothing is left unconsumed)
                chunk = stream.decompress(piece, max_bytes + 1 - total)
                total += len(chunk)
                if total > max_bytes:
                    raise InputError(f"decompressed file is larger than the limit of "
                                     f"{format_size(max_bytes)}")
                chunks.append(chunk)
            at -= len(stream.unused_data)  # the next member's start, in this piece
    except InputError:
        raise
    except (*errors, EOFError, ValueError) as exc:
        raise InputError(f"not a valid {name} file ({_reason(exc)})") from exc
    return b"".join(chunks)


def _reason(exc: Exception) -> str:
    message = str(exc)
    if message.startswith("Not a gzipped file"):  # Python adds the bytes it saw
        return "bad gzip header"
    if message[:1].isupper() and message[1:2].islower():
        return message[:1].lower() + message[1:]  # "Error -3 ..." -> "error -3 ..."
    return message


def _directory_message(source: str) -> str:
    if not os.access(source, os.R_OK | os.X_OK):
        return "permission denied (cannot list this folder)"
    return "is a directory, not a file"


