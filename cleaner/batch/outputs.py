"""Write a run's results: the text/ tree, documents.jsonl and errors.jsonl.

Every file appears whole or not at all (temp file in the same folder, fsync,
rename), so an interrupted run never leaves a half-written page; the lists
hold whole lines only, even when the disk fills while they are written (they
are cut back to their last whole line). All writing goes through `OutDir`,
which never follows a link below OUTDIR. Output names are derived from input
paths, URLs and ids, so they are sanitised (control characters, lone
surrogates, `..`, each part's length, the whole path's length and depth) and
de-collided here, once, before anything is written.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from cleaner.batch.outdir import (
    DOCUMENTS_FILE,
    ERRORS_FILE,
    TEXT_DIR,
    OutDir,
    create_temp,
    publish,
    step_into,
    write_in,
)
from cleaner.inputs.base import text_relpath

#: Longest output path part, in bytes: file systems allow 255, and a part may
#: still get a "-N" suffix, a ".txt" extension and a temporary file's
#: ".NAME.XXXXXXXX.tmp" around it.
MAX_PART_BYTES = 200
#: Deepest output path (folders and file): a URL of a thousand "/a" parts would
#: otherwise make a thousand nested folders; 16 is deeper than any site's tree.
MAX_DEPTH = 16
#: Longest output path below text/, in bytes: room for OUTDIR's own path within
#: the 4,096 bytes Linux allows a whole path (what other tools will pass), and
#: for the 260 characters of old Windows tools when names are short.
MAX_PATH_BYTES = 1024
#: Name used when sanitising leaves nothing of an input path (e.g. "..").
FALLBACK_NAME = "document"
#: Bytes of one list's lines buffered before a write.
LIST_BUFFER_BYTES = 1 << 20

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
#: Surrogates a file name cannot hold: all but U+DC80-U+DCFF, which stand for
#: the bytes of a name that is not UTF-8 (surrogateescape) and are written back as bytes.
_UNNAMEABLE = re.compile("[\ud800-\udc7f\udd00-\udfff]")
# Valid JSON, but str.splitlines() and some editors break lines on these.
_LINE_BREAKING = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


_SURROGATE = re.compile("[\ud800-\udfff]")


def json_line(text: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) made safe to write as UTF-8
    on one line: line-breaking characters and lone surrogates escaped.

    A lone surrogate comes from a file name that is not valid UTF-8 (Python
    keeps its bytes as U+DC80-U+DCFF); as `\\udcXX` it is valid JSON, and
    `json.loads` then `os.fsencode` give the original name back. Both only
    occur inside JSON strings, where the escapes mean the same.
    """
    for char, escape in _LINE_BREAKING.items():
        text = text.replace(char, escape)
    if _SURROGATE.search(text):
        text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


def atomic_write(path: Path, data: str | bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` (UTF-8 for str) so readers never see a partial file.

    For files outside an output folder (benchmark results); what a run writes
    in OUTDIR goes through `OutDir`. `durable` forces the bytes to disk
    before the rename (fsync), so a power cut cannot leave the new name on an
    empty file.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        write_in(dir_fd, path.name, payload, durable=durable)
    finally:
        os.close(dir_fd)


def safe_relpath(relpath: str) -> str:
    """Make an input-derived path safe to join under the output folder.

    Backslashes count as separators; empty, ``.`` and ``..`` parts are dropped
    (so no absolute path or escape is possible); control characters removed,
    lone surrogates a name cannot hold replaced (U+FFFD); each part cut to
    `MAX_PART_BYTES`; folders past `MAX_DEPTH` or `MAX_PATH_BYTES` dropped
    from the middle (the first folder and the file name stay: `assign_text_paths`
    tells apart names this makes equal).
    """
    parts = []
    for part in relpath.replace("\\", "/").split("/"):
        part = _UNNAMEABLE.sub("\ufffd", _CONTROL.sub("", part)).strip()
        if part and part not in {".", ".."}:
            parts.append(_short(part))
    if not parts:
        return FALLBACK_NAME
    while len(parts) > 2 and (len(parts) > MAX_DEPTH or _size("/".join(parts)) > MAX_PATH_BYTES):
        del parts[1]
    return "/".join(parts)


def _size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _is_clean(relpath: str) -> bool:
    """Whether a relative path is one `safe_relpath` could give (plus a suffix)."""
    return "\\" not in relpath and all(
        part and part not in {".", ".."} and part == part.strip() and not _CONTROL.search(part)
        and not _UNNAMEABLE.search(part) and len(part.encode("utf-8", "surrogatepass")) <= 255
        for part in relpath.split("/"))


def _short(part: str) -> str:
    """A path part cut to `MAX_PART_BYTES` (file systems refuse names over 255
    bytes), its extension kept when it has a short one."""
    if len(part.encode("utf-8", "surrogatepass")) <= MAX_PART_BYTES:
        return part
    stem, dot, ext = part.rpartition(".")
    if not dot or not stem or len(ext) > 10:
        stem, ext = part, ""
    room = MAX_PART_BYTES - len(ext.encode("utf-8", "surrogatepass")) - (1 if ext else 0)
    size, keep = 0, 0
    while keep < len(stem):
        size += len(stem[keep].encode("utf-8", "surrogatepass"))
        if size > room:
            break
        keep += 1
    cut = stem[:keep].rstrip() or FALLBACK_NAME
    return f"{cut}.{ext}" if ext else cut


def _fold(path: str) -> str:
    """Collision key: equal for names a case-insensitive filesystem (or macOS's
    Unicode normalisation) would store as the same file."""
    return unicodedata.normalize("NFC", path).casefold()


def assign_text_paths(relpaths: Sequence[str]) -> list[str]:
    """Give each input a distinct, safe ``.txt`` path under text/, in order.

    The first input with a name keeps ``x.txt``; later ones get ``x-2.txt``,
    ``x-3.txt``... skipping any name another input takes naturally, so adding
    a file never renames an earlier one's neighbours unpredictably. Names that
    differ only in case collide too (outputs must survive macOS and Windows),
    and a file may not take a name some other output uses as a folder.

    Example:
        >>> assign_text_paths(["a.html", "a.txt", "A.htm", "../../etc/passwd"])
        ['a.txt', 'a-2.txt', 'A-3.txt', 'etc/passwd.txt']
    """
    natural = [text_relpath(safe_relpath(relpath)) for relpath in relpaths]
    natural_keys = {_fold(name) for name in natural}
    folders = {_fold(folder) for name in natural for folder in _parent_folders(name)}
    taken: set[str] = set()
    assigned: list[str] = []
    for name in natural:
        key = _fold(name)
        if key in taken or key in folders:
            stem = name.removesuffix(".txt")
            number = 2
            while True:
                name = f"{stem}-{number}.txt"
                key = _fold(name)
                if key not in taken and key not in natural_keys and key not in folders:
                    break
                number += 1
        taken.add(key)
        assigned.append(name)
    return assigned


def _parent_folders(relpath: str) -> list[str]:
    """``"a/b/c.txt"`` -> ``["a", "a/b"]``."""
    parts = relpath.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


class _List:
    """One JSONL list being written: a temporary file in OUTDIR holding whole lines only.

    Lines are buffered and written with plain `os.write` calls; `whole` is the
    size of the lines known to be on disk in full. When a write fails (the
    disk is full), the file is cut back to the end of the last line that was
    written whole (truncating needs no free space), so whatever is published
    ends with a whole line.
    """

    def __init__(self, dir_fd: int, name: str) -> None:
        self.name = name
        self.fd, self.tmp = create_temp(dir_fd, name)
        self._buffer: list[bytes] = []
        self._buffered = 0
        self.whole = 0
        self.lines = 0  # lines on disk

    def add(self, line: str) -> None:
        data = (json_line(line) + "\n").encode("utf-8", "surrogatepass")
        self._buffer.append(data)
        self._buffered += len(data)
        if self._buffered >= LIST_BUFFER_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write the buffered lines; on failure keep on disk exactly the lines that
        made it whole, and raise."""
        buffered, self._buffer, self._buffered = self._buffer, [], 0
        view = memoryview(b"".join(buffered))
        written = 0
        try:
            while written < len(view):
                written += os.write(self.fd, view[written:])
        except OSError:
            kept = 0  # lines of this flush that are on disk whole
            size = 0
            for line in buffered:
                if size + len(line) > written:
                    break
                size += len(line)
                kept += 1
            self.whole += size
            self.lines += kept
            os.ftruncate(self.fd, self.whole)
            os.lseek(self.fd, self.whole, os.SEEK_SET)
            raise
        self.whole += written
        self.lines += len(buffered)


class RunWriter:
    """Writes one run's outputs into a folder.

    Text files are written as they come; the two JSONL files are buffered in
    hidden temp files in the output folder and renamed into place on close,
    so the previous run's lists stay intact until the new ones are complete.
    Both lists are always created, even empty, so "no errors" is visible.

    Files of a previous run in text/ are left alone unless this run writes the
    same name: deleting from a folder the user chose is not this class's call
    (a batch run removes an earlier run's output before it starts: `batch.rerun`).
    A link in text/ where this run writes is replaced, never written through.
    With `text_files=False` text/ is neither made nor opened, and `write_text`
    refuses (the records are the whole output).

    Close also happens when the run fails (a full disk): every line published
    is whole and its text file already exists, so the partial lists are true.
    """

    def __init__(self, out: OutDir | Path | str, *, text_files: bool = True) -> None:
        self._own = not isinstance(out, OutDir)
        self.out = OutDir(out) if not isinstance(out, OutDir) else out
        self.outdir = self.out.path
        self._text_fd = self.out.open_dir(TEXT_DIR, create=True) if text_files else -1
        self._folder: tuple[str, int] | None = None  # the last text folder written in
        self.documents_written = 0
        self.errors_written = 0
        self._closed = False
        self._lists = {name: _List(self.out.fd, name) for name in (DOCUMENTS_FILE, ERRORS_FILE)}

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def write_text(self, relpath: str, title: str | None, body: str) -> Path:
        """Write text/<relpath>: the title, a blank line, then the body.

        Raises:
            ValueError: `relpath` is not one `assign_text_paths` gives, or the
                writer was made with `text_files=False`.
            OSError: the file cannot be written (`outdir.is_device_error` tells
                a full disk from a name the file system refuses).
        """
        if self._text_fd < 0:
            raise ValueError("this writer writes no text files (text_files=False)")
        if not _is_clean(relpath):
            raise ValueError(f"unsafe output path {relpath!r}; use assign_text_paths()")
        content = f"{title}\n\n{body}\n" if title else f"{body}\n"
        folder, _, name = relpath.rpartition("/")
        write_in(self._folder_fd(folder), name, _utf8(content), durable=False)
        return self.outdir / TEXT_DIR / relpath

    def _folder_fd(self, folder: str) -> int:
        """A descriptor of text/<folder>, made if missing, links on the way replaced."""
        if self._folder is not None and self._folder[0] == folder:
            return self._folder[1]
        if self._folder is not None:
            os.close(self._folder[1])
            self._folder = None
        fd = os.dup(self._text_fd)
        for part in (p for p in folder.split("/") if p):
            try:
                step = step_into(fd, part, create=True, replace_links=True)
            finally:
                os.close(fd)
            fd = step
        self._folder = (folder, fd)
        return fd

    def add_error(self, record: dict[str, Any]) -> None:
        """Append one line to errors.jsonl."""
        self._append(ERRORS_FILE, record)
        self.errors_written += 1

    def add_document_line(self, line: str) -> None:
        """Append one documents.jsonl line already serialised (one JSON object)."""
        self._append_line(DOCUMENTS_FILE, line)
        self.documents_written += 1

    def lines_published(self, name: str) -> int:
        """How many whole lines of the list `name` are on disk."""
        return self._lists[name].lines

    def _append(self, name: str, record: dict[str, Any]) -> None:
        self._append_line(name, json.dumps(record, ensure_ascii=False, allow_nan=False))

    def _append_line(self, name: str, line: str) -> None:
        if self._closed:
            raise ValueError("RunWriter is closed")
        self._lists[name].add(line)

    def close(self) -> None:
        """Flush both lists and move them into place; safe to call twice.

        A list whose last write failed is published with its whole lines; the
        first error is raised after both are in place.
        """
        if self._closed:
            return
        self._closed = True
        failure: BaseException | None = None
        for item in self._lists.values():
            try:
                item.flush()
            except OSError as exc:
                failure = failure or exc
            try:
                os.fsync(item.fd)
            except OSError as exc:
                failure = failure or exc
            os.close(item.fd)
            publish(self.out.fd, item.tmp, item.name)
        if self._folder is not None:
            os.close(self._folder[1])
        if self._text_fd >= 0:
            os.close(self._text_fd)
        if self._own:
            self.out.close()
        if failure is not None:
            raise failure


def _utf8(text: str) -> bytes:
    """UTF-8 of a text; a lone surrogate (from a JSON escape) becomes U+FFFD."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text).encode("utf-8")
