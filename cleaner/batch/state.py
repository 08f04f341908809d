"""What a batch run keeps on disk so that a killed run can resume where it stopped.

A run's state lives in `OUTDIR/.cleaner-run/`, reached only through `OutDir`
(never through a link), and holds data only (`statefile`: JSON and msgpack,
never pickles, since others may be able to write to OUTDIR):

- `run.json`: which run this is (a key made of the arguments, the settings
  that change the output, and the listing of the input files: names, sizes,
  modification times), and, once the run has finished, its summary;
- `spool` and `bodies`: every cleaned page, appended in input order: one
  spool entry per input (a page or an error), one bodies entry per page;
- `checkpoint.json`: how many inputs are in the spools and the spools' sizes
  at that moment, written (atomically, after an fsync of the spools) every
  few hundred pages and at the end of cleaning;
- `verdicts`: the dedup decisions, saved before the index is touched and
  before any output is written.

Started again with the same command, a run checks the state (every entry
parses and has the right shape, the spools hold as many entries as the
checkpoint says), truncates the spools to the last checkpoint and cleans only
the inputs after it; a run killed after dedup reuses the saved verdicts (the
index may already hold this run's pages, so deciding again would not give
the same answer). A state that fails any check is discarded: the run starts
afresh and says so (`RunState.notice`). A finished run's folder keeps
`run.json` only; the same command again does nothing. An OUTDIR holding the
output of another run (another key) is refused, or, restarted, replaced whole
(`rerun`): never a mix of two runs' files.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

import numpy as np

from cleaner.batch import rerun
from cleaner.batch.outdir import STATE_DIR, OutDir, is_device_error
from cleaner.batch.records import (
    PageError,
    SpooledBody,
    SpooledPage,
    body_from_spool,
    from_spool,
    spool_entry,
)
from cleaner.batch.statefile import (
    StateError,
    array_of,
    expect,
    is_bool,
    is_int,
    is_json,
    is_number,
    is_str,
    list_of,
    optional,
    pack,
    read_frames,
    record,
    unpack,
)
from cleaner.dedup.batch import PendingIndex, Verdict

T = TypeVar("T")

#: Cleaned pages between checkpoints, and the longest time between two.
CHECKPOINT_PAGES = 256
CHECKPOINT_SECONDS = 5.0
#: Version of the state layout: a state of another version is not resumed
#: (2: msgpack frames instead of pickles; 3: a bodies entry lost its unread ninth field;
#: 4: a packed document has its canonical URL; 5: and its author, site name, description;
#: 6: and its language code and confidence; 7: spooled bodies' shingle sets and signatures
#: are of signature version 2, `dedup.kernel`).
STATE_VERSION = 7
#: Files of the state folder.
RUN_FILE, CHECKPOINT_FILE, VERDICTS_FILE = "run.json", "checkpoint.json", "verdicts"
SPOOLS = ("spool", "bodies")


def _constant(expected: str) -> Callable[[Any], bool]:
    return lambda value: value == expected


_META = lambda value: isinstance(value, dict) and is_json(value)  # noqa: E731
_ERROR = lambda value: (isinstance(value, dict) and is_json(value)  # noqa: E731
                        and is_str(value.get("error")) and optional(is_str)(value.get("source")))
_PACKED = record(is_str, is_str, optional(is_str), optional(is_str), optional(is_str),
                 optional(is_str), is_int, _META, list_of(is_str), list_of(is_str),
                 list_of(is_bool), list_of(optional(is_str)), list_of(optional(is_number)),
                 optional(is_str), optional(is_str), optional(is_str), optional(is_str),
                 optional(is_str), optional(is_number))
#: A spool entry: ("doc", id, chars_in, title, text, head, tail, packed) or ("error", record).
SPOOL_ENTRY = lambda value: (  # noqa: E731
    record(_constant("doc"), is_str, is_int, optional(is_str), is_str, is_str, is_str,
           _PACKED)(value) or record(_constant("error"), _ERROR)(value))
_SIGNED = record(array_of(np.uint64, 1), array_of(np.uint32, 1))
#: A bodies entry: a `records.SpooledBody`'s fields.
BODY_ENTRY = record(is_str, is_str, is_str, optional(is_str), optional(is_str),
                    list_of(is_str), list_of(is_str), optional(_SIGNED))
#: A saved verdict: three values, or four with `seen_before` (states from before it: three).
_VERDICT = lambda v: (record(optional(is_str), optional(is_number), is_str)(v)  # noqa: E731
                      or record(optional(is_str), optional(is_number), is_str, is_bool)(v))
_PENDING = record(list_of(record(is_str, optional(is_str), is_int, optional(is_str))),
                  array_of(np.uint32, 2), array_of(np.uint64, 2))
SCHEMAS = {"spool": SPOOL_ENTRY, "bodies": BODY_ENTRY}
#: How each spool's entries are stored as plain values and read back as typed records.
_CODECS: dict[str, tuple[Callable[[Any], tuple], Callable[[list], Any]]] = {
    "spool": (spool_entry, from_spool),
    "bodies": (tuple, body_from_spool),
}


class SavedVerdicts(NamedTuple):
    """What a run decided in dedup, saved before the index changes (`save_verdicts`)."""

    verdicts: dict[str, Verdict]
    dropped: dict[str, list[int]]  # page id -> positions of its body lost as site repeats
    pending: PendingIndex | None  # what the index gets (`Deduper.commit_index`)


def run_key(paths: Sequence[str], files: Sequence[tuple[str, str]],
            settings: dict[str, object]) -> str:
    """A digest of what decides a run's output: arguments, settings, input files."""
    listing = []
    for path, relpath in files:
        try:
            stat = os.stat(path)
            listing.append((path, relpath, stat.st_size, stat.st_mtime_ns))
        except OSError:
            listing.append((path, relpath, None, None))
    blob = json.dumps({"version": STATE_VERSION, "paths": [os.path.abspath(p) for p in paths],
                       "settings": settings, "files": listing}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


class RunState:
    """The state folder of one run (see the module docstring).

    Args:
        out: the run's output folder.
        key: `run_key` of this run; OUTDIR holding the output of a run with
            another key (or lists with no key) is refused (`rerun`).
        restart: discard any state and any earlier run's output, and start
            from scratch.
        resumable: False for a run that cannot be repeated (stdin): nothing
            is resumed (the same run's earlier output is replaced), and the
            spools still go to the state folder.

    Attributes:
        notice: why a state that was there could not be used, if so (for the user).

    Raises:
        DifferentRunError: OUTDIR holds another run's output and not `restart`
            (nothing in OUTDIR was changed).
    """

    def __init__(self, out: OutDir, key: str, *, restart: bool = False,
                 resumable: bool = True) -> None:
        self.out = out
        self.key = key
        self._last = time.monotonic()
        self.inputs_done = 0
        self.sizes = {name: 0 for name in SPOOLS}
        self.cleaned = False
        self.complete: dict | None = None
        self.resumed = False
        self.notice: str | None = None
        self._earlier_output = False  # a run's output is in OUTDIR: removed when afresh
        try:
            info = self._json(RUN_FILE)
        except StateError as exc:
            info, self.notice = None, f"{exc}; started afresh"
        earlier = info.get("key") if info is not None and is_str(info.get("key")) else None
        why = rerun.other_run(out, earlier, key)
        if why is not None and not restart:  # before anything in OUTDIR changes
            raise rerun.refuse(out, why)
        self._earlier_output = bool(rerun.earlier_output(out, earlier))
        if restart or not resumable or earlier != key:
            self.start_afresh(killed=info is not None and info.get("summary") is None)
            return
        try:
            if info.get("summary") is not None:
                self.complete = expect(info["summary"], _SUMMARY, "summary")
                return
            self._resume()
        except OSError as exc:  # a link, a folder or an unreadable file among the state's
            if is_device_error(exc):
                raise
            self.notice = (f"the interrupted run's state could not be read ({exc.strerror}); "
                           "started afresh")
            self.start_afresh(killed=True)
        except StateError as exc:
            self.complete = None
            self.notice = f"the interrupted run's state could not be used ({exc}); started afresh"
            self.start_afresh(killed=True)

    def start_afresh(self, killed: bool = True) -> None:
        """Discard the state folder and begin a new one (temporary files of a killed
        run are removed too). An earlier run's output goes with it (`rerun`): the
        run starting here replaces it whole, so no file of it is left beside the
        new one's (the same run's included: an unusable state, a restart, stdin)."""
        if killed:
            self.out.remove_temp_files()
        if self._earlier_output:
            rerun.remove_earlier_output(self.out, f"{STATE_DIR}/{RUN_FILE}")
            self._earlier_output = False
        self.out.remove(STATE_DIR)
        self.inputs_done, self.cleaned, self.resumed = 0, False, False
        self.sizes = {name: 0 for name in SPOOLS}
        self.out.write(f"{STATE_DIR}/{RUN_FILE}", json.dumps({"key": self.key}).encode())

    def _resume(self) -> None:
        point = self._json(CHECKPOINT_FILE) or {}
        inputs = expect(point.get("inputs", 0), is_int, "checkpoint")
        sizes = {name: expect(point.get(name, 0), is_int, "checkpoint") for name in SPOOLS}
        cleaned = expect(point.get("cleaned", False), is_bool, "checkpoint")
        docs = errors = 0
        for entry in self._entries("spool", sizes["spool"]):
            item = from_spool(entry)
            docs += isinstance(item, SpooledPage)
            errors += isinstance(item, PageError)
        entries = docs + errors
        bodies = sum(1 for _ in self._entries("bodies", sizes["bodies"]))
        if entries != inputs or bodies != docs:
            raise StateError(f"the spools hold {entries} inputs and {bodies} pages where the "
                             f"checkpoint says {inputs} inputs and {docs} pages")
        self.inputs_done, self.sizes, self.cleaned = inputs, sizes, cleaned
        self.resumed = True
        self.out.remove_temp_files()

    def _json(self, name: str) -> dict | None:
        """A JSON object of the state folder; None when the file is missing."""
        data = self.out.read(f"{STATE_DIR}/{name}")
        if data is None:
            return None
        try:
            value = json.loads(data.decode("utf-8"))
        except (ValueError, RecursionError) as exc:
            raise StateError(f"{STATE_DIR}/{name} is not valid JSON") from exc
        if not isinstance(value, dict):
            raise StateError(f"{STATE_DIR}/{name} is not a JSON object")
        return value

    def _entries(self, name: str, size: int) -> Iterator[list]:
        fd = self.out.open_rw(f"{STATE_DIR}/{name}")
        try:
            if os.fstat(fd).st_size < size:
                raise StateError(f"{STATE_DIR}/{name} is shorter than its checkpoint says")
            for entry in read_frames(fd, size):
                yield expect(entry, SCHEMAS[name], f"{name} entry")
        finally:
            os.close(fd)

    def pages(self) -> Spool[SpooledPage | PageError]:
        """The spool of every outcome, whole, in input order (kept to its last
        checkpoint's size)."""
        return self._spool("spool")

    def bodies(self) -> Spool[SpooledBody]:
        """The spool of what dedup and the site profile need of each cleaned page."""
        return self._spool("bodies")

    def _spool(self, name: str) -> Spool:
        write, read = _CODECS[name]
        return Spool(self.out, f"{STATE_DIR}/{name}", self.sizes[name], SCHEMAS[name],
                     write, read)

    def due(self, pages_since: int) -> bool:
        """Whether a checkpoint is due after `pages_since` pages since the last one."""
        if pages_since >= CHECKPOINT_PAGES:
            return True
        return pages_since > 0 and time.monotonic() - self._last >= CHECKPOINT_SECONDS

    def checkpoint(self, inputs: int, spool: int, bodies: int, cleaned: bool = False) -> None:
        """Record that the first `inputs` inputs are in the spools (already synced)."""
        point = {"inputs": inputs, "spool": spool, "bodies": bodies, "cleaned": cleaned}
        self.out.write(f"{STATE_DIR}/{CHECKPOINT_FILE}", json.dumps(point).encode())
        self.inputs_done, self.cleaned = inputs, cleaned
        self._last = time.monotonic()

    def saved_verdicts(self, ids: set[str]) -> SavedVerdicts | None:
        """What `save_verdicts` saved, or None (also when it does not cover `ids`,
        this run's page ids, exactly).

        Raises:
            StateError: the file is there but does not parse.
        """
        data = self.out.read(f"{STATE_DIR}/{VERDICTS_FILE}")
        if data is None:
            return None
        verdicts, dropped, pending = expect(unpack(data), record(
            lambda v: isinstance(v, dict) and all(_VERDICT(x) for x in v.values()),
            lambda v: isinstance(v, dict) and all(list_of(is_int)(x) for x in v.values()),
            optional(_PENDING)), "verdicts file")
        if set(verdicts) != ids or not set(dropped) <= ids:
            raise StateError("the saved dedup verdicts are not this run's pages")
        if pending is not None:
            docs, signatures, band_keys = pending
            pending = PendingIndex([tuple(doc) for doc in docs], signatures, band_keys)
        return SavedVerdicts({k: Verdict(*v) for k, v in verdicts.items()}, dropped, pending)

    def save_verdicts(self, value: SavedVerdicts) -> None:
        verdicts, dropped, pending = value
        plain = {k: [v.duplicate_of, v.similarity, v.cluster, v.seen_before]
                 for k, v in verdicts.items()}
        self.out.write(f"{STATE_DIR}/{VERDICTS_FILE}", pack([plain, dropped, pending]))

    def finish(self, summary: dict) -> None:
        """Mark the run complete (with its summary) and drop everything else."""
        self.out.write(f"{STATE_DIR}/{RUN_FILE}",
                       json.dumps({"key": self.key, "summary": summary}).encode())
        self.out.clear(STATE_DIR, keep=lambda name: name == RUN_FILE)


_SUMMARY = lambda value: (isinstance(value, dict)  # noqa: E731
                          and all(is_str(k) and is_int(v) for k, v in value.items()))


class Spool(Generic[T]):
    """The batch's outcomes on disk, in input order, read back as often as needed.

    The site profile and dedup need the whole batch before anything is written,
    and holding every cleaned page in memory would not scale, so each outcome
    is appended to a file as it arrives (`statefile` frames), in the run's
    state folder, kept to its last checkpoint's `size` when a run resumes.
    Every entry read back is checked against `schema` (StateError if it fails).
    Entries are typed records (`records`); `write` makes one plain values
    (data only, see `statefile`), `read` makes it a record again.
    """

    def __init__(self, out: OutDir, relpath: str, size: int, schema: Callable[[Any], bool],
                 write: Callable[[T], tuple], read: Callable[[list], T]) -> None:
        self._fd = out.open_rw(relpath)
        self._schema, self._name = schema, relpath
        self._write, self._read = write, read
        os.ftruncate(self._fd, size)
        self._end = size
        self._pending: list[bytes] = []
        self._pending_bytes = 0  # their total size

    def append(self, item: T) -> None:
        frame = pack(self._write(item))
        self._pending.append(frame)
        self._pending_bytes += len(frame)
        if len(self._pending) >= _APPEND_BATCH:
            self._flush()

    def _flush(self) -> None:
        data = b"".join(self._pending)
        self._pending, self._pending_bytes = [], 0
        view = memoryview(data)
        while view:
            written = os.pwrite(self._fd, view, self._end)
            self._end += written
            view = view[written:]

    def tell(self) -> int:
        """The spool's size with what was appended and not yet written (no system call:
        read after each page, it marks where that page's entries end)."""
        return self._end + self._pending_bytes

    def sync(self) -> int:
        """Force what was appended to disk; returns the spool's size."""
        self._flush()
        os.fsync(self._fd)
        return self._end

    def __iter__(self) -> Iterator[T]:
        self._flush()
        for entry in read_frames(self._fd, self._end):
            yield self._read(expect(entry, self._schema, f"entry of {self._name}"))

    def close(self) -> None:
        if self._fd >= 0:
            self._flush()
            os.close(self._fd)
            self._fd = -1


#: Entries buffered before one write (a write per page costs a system call each).
_APPEND_BATCH = 64


__all__ = ["CHECKPOINT_PAGES", "RunState", "SavedVerdicts", "Spool", "run_key"]
