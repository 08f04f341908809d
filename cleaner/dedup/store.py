"""Where a batch keeps its shingle sets, and the persistent index between runs.

`SetStore` holds each document's exact shingle set (sorted uint64 hashes) for
verifying candidates: in memory up to a budget, then appended to a temporary
file, so a batch of millions of documents never holds all its sets in RAM.

`IndexStore` is the dedup index a crawler keeps across runs: an SQLite
database (stdlib `sqlite3`, WAL journal, so readers and one writer can share
it) with each kept document's id, source, length, date, signature and band
keys. Writes go in one transaction per chunk, so a run killed mid-way leaves
every committed chunk whole and nothing half-written. Shingle sets are not
kept there (they would cost kilobytes per document), so matches against the
index are verified by the signatures' estimated similarity. The index also
lists every id it was told of, kept or not (table `seen`), so a run can tell a
re-crawled page from a new one (`seen`); an index made before that table
existed gets it with its next write, and its kept ids count as seen meanwhile.

An `IndexStore` may be shared by threads: its one connection is opened with
`check_same_thread=False` and every use of it holds the store's lock (SQLite's
own serialisation would not cover the temporary probe table, which
`candidates` fills and reads in several statements).
"""

from __future__ import annotations

import functools
import os
import sqlite3
import tempfile
import threading
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import numpy as np

from cleaner.errors import CleanerError

#: Shingle-set bytes held in memory before the store spills to disk.
DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024


class SetStore:
    """Append-only store of uint64 arrays, numbered from 0, spilling to a file."""

    def __init__(self, memory_bytes: int = DEFAULT_MEMORY_BYTES,
                 directory: str | os.PathLike[str] | None = None) -> None:
        self.memory_bytes = memory_bytes
        self._directory = directory
        self._memory: list[np.ndarray | None] = []
        self._held = 0
        # file offset (in items) of each spilled array, or -1; lengths: as machine integers,
        # not lists of int objects (36 bytes a document less)
        self._offsets = array("q")
        self._lengths = array("q")
        self._file = None
        self._end = 0
        self._map: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self._lengths)

    def append(self, values: np.ndarray) -> int:
        """Store a set; return its number. Past the memory budget it goes to the file."""
        values = np.ascontiguousarray(values, dtype=np.uint64)
        if self._held + values.nbytes <= self.memory_bytes:
            self._memory.append(values)
            self._held += values.nbytes
            self._offsets.append(-1)
        else:
            if self._file is None:
                self._file = tempfile.TemporaryFile(dir=self._directory, prefix="cleaner-sets-")
            self._file.seek(self._end * 8)
            self._file.write(values.tobytes())
            self._memory.append(None)
            self._offsets.append(self._end)
            self._end += len(values)
            self._map = None
        self._lengths.append(len(values))
        return len(self._lengths) - 1

    def get(self, index: int) -> np.ndarray:
        """The set stored under this number (a spilled one is read through a memory map)."""
        held = self._memory[index]
        if held is not None:
            return held
        if self._map is None:
            self._file.flush()
            self._map = np.memmap(self._file, dtype=np.uint64, mode="r", shape=(self._end,))
        start = self._offsets[index]
        return np.asarray(self._map[start : start + self._lengths[index]])

    def close(self) -> None:
        """Free the sets and delete the spill file."""
        self._map = None
        if self._file is not None:
            self._file.close()
            self._file = None
        self._memory.clear()


#: Settings an index is built with; a run with other settings cannot use it.
_SETTINGS = ("threshold", "num_perm", "seed", "bands", "rows", "shingle", "signature")
#: The signature version of an index made before versions were recorded: the
#: xxh3 token hashes of cleaner 0.1's first releases (`kernel.SIGNATURE_VERSION`).
_UNRECORDED_SIGNATURE = "1"
#: Values bound per statement: SQLite's limit on bound parameters is as low as
#: 999 on older builds.
_BOUND = 500
#: The table of every id the index was told of (kept or not): `seen`.
_SEEN_TABLE = "CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY) WITHOUT ROWID"

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _locked(method: Callable[Concatenate[IndexStore, _P], _R]
            ) -> Callable[Concatenate[IndexStore, _P], _R]:
    """Run an `IndexStore` method holding the store's lock: one thread at a time on
    the connection, and a multi-statement step (a probe, a transaction) whole."""
    @functools.wraps(method)
    def run(self: IndexStore, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self._lock:
            return method(self, *args, **kwargs)
    return run


class DedupIndexError(CleanerError, ValueError):
    """The index file cannot be used: other settings, or not a cleaner index.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from cleaner import Deduper
        >>> path = Path(tempfile.mkdtemp()) / "index.sqlite"
        >>> with Deduper(path=path, threshold=0.8) as dedup:
        ...     _ = dedup.add("a", "The river rose by two metres overnight.")
        >>> try:
        ...     Deduper(path=path, threshold=0.9)
        ... except DedupIndexError as exc:
        ...     print(type(exc).__name__)
        DedupIndexError
    """


@dataclass(frozen=True, slots=True)
class IndexedDoc:
    """What the index holds of a kept document besides its signature and band keys."""

    position: int
    id: str
    source: str | None
    length: int
    date: str | None


class IndexStore:
    """The persistent dedup index (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str], settings: dict[str, object],
                 timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.settings = {k: str(settings[k]) for k in _SETTINGS}
        # reentrant: a locked method may call another
        self._lock = threading.RLock()
        self._has_seen = False  # whether the `seen` table exists (known once true)
        # one connection for every thread, used under the lock (see the module docstring)
        self._db = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None,
                                   check_same_thread=False)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._setup()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise DedupIndexError(f"{self.path} is not a usable dedup index: {exc}") from exc

    def _held_settings(self) -> dict[str, str]:
        """The settings an existing index was built with ({} for a new file)."""
        exists = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'").fetchone()
        if not exists:
            return {}
        return dict(self._db.execute("SELECT name, value FROM settings").fetchall())

    def _check(self, held: dict[str, str]) -> None:
        """Refuse an index built with other settings: its signatures or band keys
        would not be comparable with this run's, and matches would be silently lost."""
        held = {"signature": _UNRECORDED_SIGNATURE, **held} if held else held
        if held.get("signature") != self.settings["signature"]:
            raise DedupIndexError(
                f"{self.path} holds signatures of version {held.get('signature')}, made by "
                f"another release of cleaner; this one makes version "
                f"{self.settings['signature']}, whose numbers differ, so no copy could be "
                "found in it: use a new index file (and run the pages it holds through it "
                "again if they matter)")
        if held != self.settings:
            differ = sorted(k for k in self.settings if held.get(k) != self.settings[k])
            raise DedupIndexError(
                f"{self.path} was built with other dedup settings ("
                + ", ".join(f"{k}={held.get(k)} here {self.settings[k]}" for k in differ)
                + "); use the same settings or a new index file"
            )

    def _setup(self) -> None:
        """Check an existing index's settings, or create the tables of a new one."""
        held = self._held_settings()  # a plain read: an existing index takes no write lock
        if held:
            self._check(held)
            self._has_seen = self._seen_exists()
            return
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS docs (position INTEGER PRIMARY KEY, id TEXT UNIQUE "
                "NOT NULL, source TEXT, length INTEGER NOT NULL, date TEXT, signature BLOB "
                "NOT NULL)"
            )
            db.execute("CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, position "
                       "INTEGER NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS bands_key ON bands (key)")
            db.execute(_SEEN_TABLE)
            held = dict(db.execute("SELECT name, value FROM settings").fetchall())
            if held:  # another process created it meanwhile
                self._check(held)
            else:
                db.executemany("INSERT INTO settings VALUES (?, ?)", self.settings.items())
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._has_seen = True

    def _seen_exists(self) -> bool:
        """Whether the `seen` table is there (an index older than it has none)."""
        return self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                "name = 'seen'").fetchone() is not None

    @_locked
    def __len__(self) -> int:
        """Number of kept documents indexed."""
        return self._db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    @_locked
    def __contains__(self, doc_id: object) -> bool:
        """Whether a kept document with this id is indexed."""
        return self._db.execute("SELECT 1 FROM docs WHERE id = ?", (doc_id,)).fetchone() is not None

    @_locked
    def seen(self, ids: Iterable[str]) -> set[str]:
        """Which of these ids the index was told of before: kept (indexed) or not."""
        ids = list(ids)
        found = {row[0] for row in self._query_in("SELECT id FROM docs WHERE id IN ({})", ids)}
        if not self._has_seen:
            self._has_seen = self._seen_exists()  # another process may have made it
        if self._has_seen:
            found.update(row[0] for row in self._query_in("SELECT id FROM seen WHERE id IN ({})",
                                                          ids))
        return found

    @_locked
    def find(self, ids: Iterable[str]) -> dict[str, IndexedDoc]:
        """The indexed (kept) documents with these ids, by id."""
        return {
            row[1]: IndexedDoc(*row)
            for row in self._query_in(
                "SELECT position, id, source, length, date FROM docs WHERE id IN ({})", ids)
        }

    @_locked
    def mark_seen(self, ids: Sequence[str]) -> None:
        """Remember these ids as seen (`seen`), in one transaction; repeats are fine."""
        if not len(ids):
            return
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            self._insert_seen(ids)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _insert_seen(self, ids: Iterable[str]) -> None:
        """Add ids to `seen` inside the caller's write transaction (making the table
        first in an index older than it)."""
        if not self._has_seen:
            self._db.execute(_SEEN_TABLE)
        self._db.executemany("INSERT OR IGNORE INTO seen VALUES (?)", ((i,) for i in ids))
        self._has_seen = True

    @_locked
    def candidates(self, keys: np.ndarray) -> list[tuple[int, int]]:
        """(row of keys, indexed position) for every band key shared with the index."""
        if not len(keys):
            return []
        flat = keys.astype(np.uint64).view(np.int64)
        rows = np.repeat(np.arange(flat.shape[0]), flat.shape[1])
        db = self._db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS probe (row INTEGER, key INTEGER)")
        db.execute("DELETE FROM probe")
        db.executemany("INSERT INTO probe VALUES (?, ?)",
                       zip(rows.tolist(), flat.ravel().tolist(), strict=True))
        found = db.execute(
            "SELECT DISTINCT probe.row, bands.position FROM probe JOIN bands "
            "ON bands.key = probe.key ORDER BY probe.row, bands.position"
        ).fetchall()
        db.execute("DELETE FROM probe")
        return found

    @_locked
    def signatures(self, positions: Iterable[int], num_perm: int) -> dict[int, np.ndarray]:
        """The signatures of the indexed documents at these positions."""
        out = {}
        for position, blob in self._query_in("SELECT position, signature FROM docs WHERE "
                                              "position IN ({})", positions):
            out[position] = np.frombuffer(blob, dtype=np.uint32, count=num_perm)
        return out

    @_locked
    def docs(self, positions: Iterable[int]) -> dict[int, IndexedDoc]:
        """The indexed documents at these positions."""
        return {
            row[0]: IndexedDoc(*row)
            for row in self._query_in(
                "SELECT position, id, source, length, date FROM docs WHERE position IN ({})",
                positions,
            )
        }

    def _query_in(self, sql: str, values: Iterable[int] | Iterable[str]) -> list[tuple]:
        """Run `sql` (with an `IN ({})`) over values, `_BOUND` at a time."""
        values = sorted(set(values))
        out: list[tuple] = []
        for start in range(0, len(values), _BOUND):
            part = values[start : start + _BOUND]
            out.extend(self._db.execute(sql.format(",".join("?" * len(part))), part))
        return out

    @_locked
    def add(self, docs: Sequence[tuple[str, str | None, int, str | None]],
            signatures: np.ndarray, keys: np.ndarray) -> None:
        """Index documents (id, source, length, date) in one transaction; their ids
        are marked seen in the same one."""
        if not len(docs):
            return
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            # a document indexed before under the same id (a page that changed)
            # is replaced, so the index holds its latest text
            ids = [doc[0] for doc in docs]
            old = [row[0] for row in self._query_in("SELECT position FROM docs WHERE id IN ({})",
                                                    ids)]
            for start in range(0, len(old), _BOUND):
                part = old[start : start + _BOUND]
                marks = ",".join("?" * len(part))
                db.execute(f"DELETE FROM bands WHERE position IN ({marks})", part)
                db.execute(f"DELETE FROM docs WHERE position IN ({marks})", part)
            start = db.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM docs").fetchone()[0]
            rows = (
                (start + n, doc_id, source, length, date, signatures[n].astype(np.uint32).tobytes())
                for n, (doc_id, source, length, date) in enumerate(docs)
            )
            db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", rows)
            flat = keys.astype(np.uint64).view(np.int64)
            db.executemany(
                "INSERT INTO bands VALUES (?, ?)",
                ((int(k), start + n) for n in range(len(docs)) for k in flat[n]),
            )
            self._insert_seen(ids)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    @_locked
    def close(self) -> None:
        """Close the database connection."""
        self._db.close()


__all__ = ["DEFAULT_MEMORY_BYTES", "DedupIndexError", "IndexStore", "IndexedDoc", "SetStore"]
