"""Near-duplicate detection: streaming (`Deduper.add`) and batch (`Deduper.cluster`).

Both modes shingle the text, sign it with MinHash, shortlist candidates with
LSH and verify each candidate by its Jaccard similarity, so they agree on
what counts as a duplicate pair. They differ in what they do with the pairs: a
crawler needs an answer per page as it arrives (a `Match`); a batch can look
at whole clusters and keep the best copy (a `Verdict` per document).

With an index, both also say whether a document's id was seen before (by an
earlier run, or an earlier call): a re-crawled page is `seen_before`, and is
judged against the other documents, never against its own earlier copy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from cleaner.dedup.bands import band_keys
from cleaner.dedup.batch import (
    DEFAULT_CHUNK,
    BatchDedup,
    DedupItem,
    PairFinder,
    PendingIndex,
    Rows,
    Verdict,
    commit_index,
    prefilter_floor,
)
from cleaner.dedup.config import DEFAULT_KEEP, DEFAULT_THRESHOLD, DedupConfig
from cleaner.dedup.signatures import (
    DEFAULT_NUM_PERM,
    DEFAULT_SEED,
    Signed,
    agreements,
    estimated_jaccard,
    exact_jaccard,
    sign,
)
from cleaner.dedup.store import DEFAULT_MEMORY_BYTES, IndexStore, SetStore
from cleaner.dedup.table import BandTable


@dataclass(frozen=True, slots=True)
class Match:
    """An earlier document that a new one duplicates (what `Deduper.add` answers).

    Attributes:
        doc_id: Id of the earlier document.
        similarity: Jaccard similarity of the two texts' shingles: exact in
            memory, estimated from the signatures against an index.
        seen_before: Whether the index already knew the new document's id (a
            re-crawled page that now copies another one). Always False without
            an index, where an id cannot be added twice.

    Example:
        >>> dedup = Deduper()
        >>> dedup.add("a", "The river rose by two metres overnight.")
        >>> dedup.add("b", "The river rose by two metres overnight.")
        Match(doc_id='a', similarity=1.0, seen_before=False)
    """

    doc_id: str
    similarity: float
    seen_before: bool = False


class Deduper:
    """Find near-duplicate documents: MinHash LSH, candidates verified.

    Args:
        threshold: Jaccard similarity of word 5-gram sets, in (0, 1], at or
            above which two documents are duplicates.
        num_perm: MinHash permutations per signature (at least 16); more is
            more accurate, slower and larger.
        path: an SQLite dedup index kept across runs (created if missing). With
            it, `add` and `cluster` also find copies of documents kept by
            earlier runs, remember what they keep, and know which ids they
            saw (re-seen ids, below). Without it, everything is in memory and
            forgotten at exit.
        keep: which copy a cluster keeps: "longest", "first" or "earliest".
        memory_bytes: shingle-set bytes held in memory before spilling to a
            temporary file.

    Re-seen ids (with an index): a document whose id the index already knows
    (an earlier run or call decided it) is never a duplicate of its own
    earlier copy: it is judged against the other documents only, and flagged
    (`Verdict.seen_before`, `Match.seen_before`, `seen_before`). If its text
    is unchanged, what was decided before stands (a copy kept before stays
    kept). If its text changed (the page was edited), it is judged on the new
    text: kept, it replaces its old entry in the index; a duplicate of another
    document now, it leaves the old entry there, so copies of the old text
    still find it.

    Thread safety: one `Deduper` may be shared by threads. Every method that
    reads or changes the index or the in-memory state holds one lock, so calls
    run one at a time, each whole, and the answers are those of the same
    calls made one by one in the order they took the lock (which is up to the
    threads: for decisions that do not depend on it, call in a fixed order).
    A `cluster` holds the lock for its whole batch. The index's one SQLite
    connection is shared under that lock (`check_same_thread=False`) rather
    than opened per thread: each decision reads then writes the index and the
    in-memory buckets, which must not interleave with another's anyway, and a
    connection per thread could not all be closed by `close`.

    Raises:
        ValueError: If threshold, num_perm or keep is out of range.
        DedupIndexError: If the index file is not an index, or was built with
            other settings.

    Example:
        >>> deduper = Deduper(threshold=0.8)
        >>> deduper.add("a", "The cat sat on the mat.") is None
        True
        >>> deduper.add("b", "the cat SAT on the mat!")
        Match(doc_id='a', similarity=1.0, seen_before=False)
        >>> Deduper().cluster([("x", "Hello there"), ("y", "Hello there, friend"),
        ...                    ("z", "hello THERE")])["z"]
        Verdict(duplicate_of='x', similarity=1.0, cluster='x', seen_before=False)
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, num_perm: int = DEFAULT_NUM_PERM,
                 path: str | None = None, keep: str = DEFAULT_KEEP,
                 memory_bytes: int = DEFAULT_MEMORY_BYTES) -> None:
        self.config = DedupConfig(threshold=threshold, num_perm=num_perm, keep=keep)
        self.memory_bytes = memory_bytes
        # held by every method that touches the index or the state below (reentrant:
        # `cluster` consumes a generator that may ask the deduper something)
        self._lock = threading.RLock()
        self.index = IndexStore(path, self.config.index_settings) if path is not None else None
        # what the last deferred `cluster` left for `commit_index`
        self.pending_index: PendingIndex | None = None
        # streaming state (in memory)
        self._sets = SetStore(memory_bytes)
        self._ids: list[str] = []
        self._sig_rows = Rows(self.config.num_perm, np.uint32)
        self._floor = prefilter_floor(self.config)
        self._table = BandTable(self.config.bands)  # band key -> positions, in memory
        self._seen: set[str] = set()

    @property
    def threshold(self) -> float:
        """The config's threshold (read-only: the banding and the index depend on it)."""
        return self.config.threshold

    @property
    def num_perm(self) -> int:
        """The config's signature size."""
        return self.config.num_perm

    @property
    def keep(self) -> str:
        """The config's keep policy."""
        return self.config.keep

    def __len__(self) -> int:
        """Number of documents given to `add` (empty ones included)."""
        with self._lock:
            return len(self._seen)

    def __contains__(self, doc_id: object) -> bool:
        """Whether `add` was given this id (in this process)."""
        with self._lock:
            return doc_id in self._seen

    def seen_before(self, doc_id: str) -> bool:
        """Whether this id was given to `add` in this process, or (with an index) is
        known to the index: decided by an earlier run or call, kept or not.

        With an index, what `Match.seen_before` says, also for a page `add`
        answers None (not a duplicate, so no `Match`): ask before `add`, which
        makes the id seen.
        """
        with self._lock:
            if doc_id in self._seen:
                return True
            return self.index is not None and doc_id in self.index.seen([doc_id])

    def __enter__(self) -> Deduper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the index (if any); the deduper cannot be used afterwards."""
        with self._lock:
            if self.index is not None:
                self.index.close()
            self._sets.close()

    def add(self, doc_id: str, text: str, *, source: str | None = None,
            date: str | None = None) -> Match | None:
        """Look a document up, remember it, and say which earlier one it copies.

        Made for crawlers: each page gets its answer as it arrives. In memory,
        every page is remembered, so a later copy can match either; with an
        index, a page that copies an indexed one is not added (the index holds
        what was kept), only marked seen, and a page whose id the index knows
        is not matched with its own earlier copy (see the class docstring). An
        empty text (no words) is never a duplicate.

        Returns:
            The most similar earlier document at or above the threshold (ties
            go to the one added first), or None.

        Raises:
            ValueError: If doc_id was added before (in this process).
        """
        with self._lock:
            return self._add(doc_id, text, None, source, date)

    def add_signed(self, doc_id: str, signed: Signed, *, length: int,
                   source: str | None = None, date: str | None = None,
                   keys: np.ndarray | None = None) -> Match | None:
        """`add` for a text signed elsewhere (`signatures.sign`, or a worker's chunk):
        its (shingle set, signature) and its length in characters; `keys`, the
        signature's band keys if they are made already (`bands.band_keys` of a
        chunk at once is much cheaper than one document at a time).

        Example:
            >>> from cleaner.dedup.signatures import sign
            >>> dedup = Deduper()
            >>> dedup.add_signed("a", sign("The cat sat on the mat."), length=23)
            >>> dedup.add_signed("b", sign("the cat SAT on the mat"), length=22)
            Match(doc_id='a', similarity=1.0, seen_before=False)
        """
        with self._lock:
            return self._add(doc_id, signed, length, source, date, keys)

    def _add(self, doc_id: str, text: str | Signed, length: int | None, source: str | None,
             date: str | None, keys: np.ndarray | None = None) -> Match | None:
        """`add` (or `add_signed`: `text` is then its shingle set and signature), holding
        the lock."""
        if doc_id in self._seen:
            raise ValueError(f"document id {doc_id!r} was already added")
        self._seen.add(doc_id)
        if isinstance(text, str):
            shingles, sig = sign(text, self.num_perm, DEFAULT_SEED)
            length = len(text)
        else:
            shingles, sig = text
        if not len(shingles):
            if self.index is not None:
                self.index.mark_seen([doc_id])
            return None
        keys = (band_keys(sig, self.config.bands, self.config.rows) if keys is None
                else keys.reshape(1, -1))
        if self.index is not None:
            return self._add_indexed(doc_id, length, sig, keys, source, date)
        candidates = self._table.candidates(keys[0])
        position = self._sets.append(shingles)
        self._sig_rows.extend(sig[None, :])
        self._ids.append(doc_id)
        self._table.add(keys[0], position)
        return self._best(shingles, sig, candidates)

    def _best(self, shingles: np.ndarray, sig: np.ndarray,
              candidates: np.ndarray) -> Match | None:
        """The most similar of the candidate positions at or above the threshold (ties
        to the earliest), in memory; candidates estimated far below it are rejected
        unread, as in a batch."""
        found = candidates.tolist()
        if found:
            agree = agreements(sig, self._sig_rows.array()[found]).tolist()
            found = [p for p, n in zip(found, agree, strict=True) if n >= self._floor]
        best: tuple[int, float] | None = None
        for position in found:
            similarity = exact_jaccard(shingles, self._sets.get(position))
            if similarity >= self.threshold and (best is None or similarity > best[1]):
                best = (position, similarity)
        return None if best is None else Match(doc_id=self._ids[best[0]], similarity=best[1])

    def add_signed_chunk(self, ids: list[str], signed: list[Signed], keys: np.ndarray, *,
                         lengths: list[int], sources: list[str | None],
                         dates: list[str | None]) -> list[Match | None]:
        """`add_signed` for a chunk of documents, in order: the same answers, with the
        candidates of the whole chunk found in a few numpy steps (`BandTable`);
        `keys` holds each document's band keys, one row each."""
        with self._lock:
            if self.index is not None:  # each one against the index, as `add` does
                return [self._add(*item, keys=row) for item, row in zip(
                    zip(ids, signed, lengths, sources, dates, strict=True), keys, strict=True)]
            for doc_id in ids:
                if doc_id in self._seen:
                    raise ValueError(f"document id {doc_id!r} was already added")
                self._seen.add(doc_id)
            rows = [i for i, (shingles, _) in enumerate(signed) if len(shingles)]
            first = len(self._sets)
            candidates = self._table.chunk_candidates(keys[rows], first)
            self._table.add_chunk(keys[rows], first)
            for i in rows:
                self._sets.append(signed[i][0])
                self._ids.append(ids[i])
            if rows:
                self._sig_rows.extend(np.stack([signed[i][1] for i in rows]))
            out: list[Match | None] = [None] * len(ids)
            for i, found in zip(rows, candidates, strict=True):
                out[i] = self._best(signed[i][0], signed[i][1], found)
            return out

    def _add_indexed(self, doc_id: str, length: int, sig: np.ndarray, keys: np.ndarray,
                     source: str | None, date: str | None) -> Match | None:
        """`add` against the index: verified by estimate (the index keeps no
        shingle sets); a document that copies none is indexed at once (its
        earlier entry, if its text changed, replaced), one that copies another
        is only marked seen."""
        index = self.index
        seen = bool(index.seen([doc_id]))
        own = index.find([doc_id]).get(doc_id)
        own_position = None if own is None else own.position
        found = index.candidates(keys)
        wanted = {p for _, p in found} | ({own_position} if own is not None else set())
        held = index.signatures(wanted, self.num_perm)
        best: tuple[int, float] | None = None
        for _, position in found:
            if position == own_position:
                continue  # a page is no copy of itself
            similarity = estimated_jaccard(sig, held[position])
            if similarity >= self.threshold and (best is None or similarity > best[1]):
                best = (position, similarity)
        if best is not None:
            index.mark_seen([doc_id])
            return Match(doc_id=index.docs([best[0]])[best[0]].id, similarity=best[1],
                         seen_before=seen)
        if own is None or not np.array_equal(held[own_position], sig):
            index.add([(doc_id, source, length, date)], sig[None, :], keys)
        return None

    def cluster(self, docs: Iterable[DedupItem | tuple[str, str]], *,
                buckets: PairFinder | None = None, defer_index: bool = False,
                chunk: int = DEFAULT_CHUNK) -> dict[str, Verdict]:
        """Cluster a whole batch and keep one document per cluster.

        Every verified pair (exact Jaccard at or above the threshold) joins a
        cluster, transitively; each cluster keeps one copy by the `keep`
        policy (longest by default, ties going to input order). Documents given
        to `add` play no part. With an index, copies of indexed documents are
        duplicates of those, and the kept documents are added to the index.

        Only signatures, band keys and lengths are held in memory; shingle sets
        spill to disk past `memory_bytes`, so docs may be a generator over a
        large batch.

        Args:
            docs: `DedupItem`s, or plain (id, text) pairs.
            buckets: What finds the candidate pairs elsewhere (see `BatchDedup`).
            defer_index: Leave what the index gets in `self.pending_index` for
                `commit_index`, for a run that saves its verdicts before
                touching the index (so it can resume).
            chunk: Documents signed per step (the result does not depend on it).

        Returns:
            A `Verdict` for every doc id, in input order; with an index, a
            re-seen id's says `seen_before` (see the class docstring).

        Raises:
            ValueError: If a doc id occurs twice.
        """
        with self._lock:
            batch = BatchDedup(self.config, index=self.index, memory_bytes=self.memory_bytes,
                               chunk=chunk, buckets=buckets, defer_index=defer_index)
            for item in docs:
                batch.add(DedupItem(*item))
            out = batch.results()
            self.pending_index = batch.pending_index
            return out

    def commit_index(self, pending: PendingIndex | None, seen: Iterable[str] = ()) -> None:
        """Add what a deferred `cluster` kept to the index, and mark `seen` (give the
        verdicts' ids, duplicates included) as seen, so that a later run calls them
        `seen_before`. Safe to repeat."""
        with self._lock:
            if self.index is not None and pending is not None:
                commit_index(self.index, pending, seen=seen)
            elif self.index is not None:
                self.index.mark_seen(list(seen))


__all__ = ["Deduper", "Match"]
