"""Write a run's results: the text/ tree, documents.jsonl and errors.jsonl.

Every file appears whole or not at all (temp file in the same folder, fsync,
rename), so an interrupted run never leaves a half-written page or a JSON line
cut in two. Output names are derived from input paths, so they are sanitised
and de-collided here, once, before anything is written.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from cleaner.sources import text_relpath

#: Mode for new output files: what a default umask (022) gives; mkstemp's 0600
#: would make results unreadable to other users of a shared machine.
FILE_MODE = 0o644

#: Longest output path part, in bytes: file systems allow 255, and a part may
#: still get a "-N" suffix, a ".txt" extension and a temporary file's
#: ".NAME.XXXXXXXX.tmp" around it.
MAX_PART_BYTES = 200
#: Name used when sanitising leaves nothing of an input path (e.g. "..").
FALLBACK_NAME = "document"

TEXT_DIR = "text"
DOCUMENTS_FILE = "documents.jsonl"
ERRORS_FILE = "errors.jsonl"

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
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

    `durable` also forces the bytes to disk before the rename (fsync), so a
    power cut cannot leave the new name on an empty file; the per-page text
    files skip it (one fsync per page costs more than cleaning some pages) and
    the run's lists, written last, keep it.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        _remove_quietly(tmp)
        raise


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def safe_relpath(relpath: str) -> str:
    """Make an input-derived path safe to join under the output folder.

    Backslashes count as separators; empty, ``.`` and ``..`` parts are dropped
    (so no absolute path or escape is possible); control characters removed.
    """
    parts = []
    for part in relpath.replace("\\", "/").split("/"):
        part = _CONTROL.sub("", part).strip()
        if part and part not in {".", ".."}:
            parts.append(_short(part))
    return "/".join(parts) or FALLBACK_NAME


def _is_clean(relpath: str) -> bool:
    """Whether a relative path is one `safe_relpath` could give (plus a suffix)."""
    return "\\" not in relpath and all(
        part and part not in {".", ".."} and part == part.strip() and not _CONTROL.search(part)
        and len(part.encode("utf-8", "surrogatepass")) <= 255
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


class RunWriter:
    """Writes one run's outputs into a folder.

    Text files are written as they come; the two JSONL files are buffered in
    hidden temp files in the output folder and renamed into place on close,
    so the previous run's lists stay intact until the new ones are complete.
    Both lists are always created, even empty, so "no errors" is visible.

    Files of a previous run in text/ are left alone unless this run writes the
    same name: deleting from a folder the user chose is not this class's call
    (the CLI can offer to empty it).

    Close also happens when the run fails: every line written is complete and
    its text file already exists, so the partial lists are still true.
    """

    def __init__(self, outdir: Path | str) -> None:
        self.outdir = Path(outdir)
        self.text_dir = self.outdir / TEXT_DIR
        self.text_dir.mkdir(parents=True, exist_ok=True)
        self.documents_written = 0
        self.errors_written = 0
        self._closed = False
        # Final name -> (open temp file, its path).
        self._lists: dict[str, tuple[IO[str], str]] = {}
        for name in (DOCUMENTS_FILE, ERRORS_FILE):
            fd, tmp = tempfile.mkstemp(dir=self.outdir, prefix=f".{name}.", suffix=".tmp")
            self._lists[name] = (os.fdopen(fd, "w", encoding="utf-8", newline="\n"), tmp)

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def text_path(self, relpath: str) -> Path:
        """Where a text file goes; refuses paths that would leave text/."""
        target = self.text_dir / relpath
        base = self.text_dir.resolve()
        if not _is_clean(relpath) or not target.resolve().is_relative_to(base):
            raise ValueError(f"unsafe output path {relpath!r}; use assign_text_paths()")
        return target

    def write_text(self, relpath: str, title: str | None, body: str) -> Path:
        """Write text/<relpath>: the title, a blank line, then the body."""
        content = f"{title}\n\n{body}\n" if title else f"{body}\n"
        target = self.text_path(relpath)
        atomic_write(target, content, durable=False)
        return target

    def add_document(self, record: dict[str, Any]) -> None:
        """Append one line to documents.jsonl."""
        self._append(DOCUMENTS_FILE, record)
        self.documents_written += 1

    def add_error(self, record: dict[str, Any]) -> None:
        """Append one line to errors.jsonl."""
        self._append(ERRORS_FILE, record)
        self.errors_written += 1

    def add_document_line(self, line: str) -> None:
        """Append one documents.jsonl line already serialised (one JSON object)."""
        self._append_line(DOCUMENTS_FILE, line)
        self.documents_written += 1

    def _append(self, name: str, record: dict[str, Any]) -> None:
        self._append_line(name, json.dumps(record, ensure_ascii=False))

    def _append_line(self, name: str, line: str) -> None:
        if self._closed:
            raise ValueError("RunWriter is closed")
        handle, _ = self._lists[name]
        handle.write(json_line(line) + "\n")

    def close(self) -> None:
        """Flush both lists and move them into place; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        failure: BaseException | None = None
        for name, (handle, tmp) in self._lists.items():
            try:
                with handle:
                    handle.flush()
                    os.fsync(handle.fileno())
                if failure is None:
                    os.chmod(tmp, FILE_MODE)
                    os.replace(tmp, self.outdir / name)
                    continue
            except OSError as exc:
                failure = exc
            _remove_quietly(tmp)
        if failure is not None:
            raise failure
