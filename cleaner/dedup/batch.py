"""Batch near-duplicate detection at crawl scale, optionally against a persistent index.

Per document only a signature (num_perm uint32 values) and a length are held
in memory (band keys are made from the signatures when they are needed, band
by band); shingle sets go to a `SetStore` that spills to
disk. When the batch is complete:

1. candidates: for each band, documents with equal keys form a bucket; in a
   bucket, exact copies are paired with the first of them, and every other
   member with the bucket's first member and a window of members before it
   (linear in the bucket's size, see `buckets.bucket_pairs`). The rule looks
   at one bucket at a time, so the buckets can be grouped anywhere: here, or
   by a shuffle on a Dask cluster (`buckets=`);
2. verification: a pair whose estimated similarity is far below the threshold
   is dropped at once; every other pair is decided by the exact Jaccard
   similarity of the two shingle sets (skipped when the two are already in
   one cluster, which cannot change the clusters);
3. verified pairs are joined by union-find into clusters, and each cluster
   keeps one document (`config.KEEP_POLICIES`).

With an index, every document is also looked up among the documents kept by
earlier runs (verified by estimated similarity, since their sets are gone); a
cluster with a match there is a copy of the indexed document, which always
stays the kept one. A document whose id the index already knows is
`seen_before` and never a copy of itself (`prior`: a batch run twice gives the
same verdicts). The documents kept from this batch are then added to the
index, one transaction per chunk, and every id of the batch is marked seen.

The result never depends on the order documents arrive in chunks, or on the
chunk size: candidates are found over the whole batch at the end, and every
tie is broken by input position.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import numpy as np

from cleaner.dedup.bands import band_column, band_keys
from cleaner.dedup.buckets import batch_pairs_by, decode, set_print
from cleaner.dedup.cluster import UnionFind
from cleaner.dedup.config import DedupConfig
from cleaner.dedup.prior import PendingIndex, PriorMatches, commit_index
from cleaner.dedup.signatures import (
    DEFAULT_SEED,
    Signed,
    agreements,
    estimated_jaccard,
    exact_jaccard,
    sign_texts,
)
from cleaner.dedup.store import DEFAULT_MEMORY_BYTES, IndexStore, SetStore

#: Documents signed per step.
DEFAULT_CHUNK = 1024
#: Candidate pairs whose signatures are compared per numpy step.
PREFILTER_CHUNK = 4096
#: Standard errors of the estimate below the threshold under which a pair is
#: rejected without reading its sets: at 0.8 and 128 permutations one standard
#: error is 0.035, so pairs estimated under about 0.6 are dropped (a true 0.8
#: pair estimates that low with chance below 1e-8).
PREFILTER_SIGMAS = 6.0


class DedupItem(NamedTuple):
    """One document of a batch to deduplicate.

    Example:
        >>> from cleaner import Deduper
        >>> items = [DedupItem("a", "The river rose by two metres."),
        ...          DedupItem("b", "the river ROSE by two metres")]
        >>> Deduper().cluster(items)["b"].duplicate_of
        'a'

    A tuple, so a plain (id, text) pair converts with `DedupItem(*pair)`.

    Attributes:
        id: The document's id, unique in the batch.
        text: Its text; None when `signed` is given.
        length: What keep="longest" compares; len(text) when None.
        date: What keep="earliest" compares (ISO dates sort as strings).
        source: Recorded in the index with a kept copy.
        signed: The text's (shingle set, signature) from `signatures.sign`, made
            elsewhere (the worker that cleaned the page), so it is not made twice.
    """

    id: str
    text: str | None
    length: int | None = None
    date: str | None = None
    source: str | None = None
    signed: Signed | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """What batch dedup decided for one document.

    Example:
        >>> from cleaner import Deduper
        >>> verdicts = Deduper().cluster([("x", "Hello there"), ("y", "hello THERE")])
        >>> verdicts["y"].duplicate_of, verdicts["y"].kept, verdicts["x"].kept
        ('x', False, True)

    Attributes:
        duplicate_of: Id of the kept copy; None when this one is kept.
        similarity: Jaccard similarity to that copy: exact within a batch,
            estimated (from the signatures) against the index. It may be below
            the threshold: clusters are transitive, so a document can join
            through an intermediate copy. None when kept.
        cluster: Id of the cluster's kept copy (this document's own id when
            it is kept or alone), so every member of a cluster shares it.
        seen_before: Whether the index already knew this id (an earlier run
            decided a document of that id: a re-crawl, or the same input run
            again); such a document is never a duplicate of its own earlier
            copy. Always False without an index.
    """

    duplicate_of: str | None
    similarity: float | None
    cluster: str
    seen_before: bool = False

    @property
    def kept(self) -> bool:
        """True for the copy a cluster keeps (and for a document alone)."""
        return self.duplicate_of is None


class PairFinder(Protocol):
    """What finds a batch's candidate pairs elsewhere (the Dask engine's shuffle)."""

    def pairs(self, keys: np.ndarray, prints: np.ndarray,
              positions: np.ndarray) -> np.ndarray:
        """The same codes as `buckets.batch_pairs(keys, prints, positions)`, in any order
        (the batch sorts them)."""
        ...


def prefilter_floor(config: DedupConfig) -> float:
    """Agreeing signature positions under which a candidate pair is rejected unread
    (`PREFILTER_SIGMAS` standard errors of the estimate below the threshold)."""
    threshold, num_perm = config.threshold, config.num_perm
    sigma = math.sqrt(threshold * (1 - threshold) / num_perm)
    return (threshold - PREFILTER_SIGMAS * sigma) * num_perm


def _date_key(date: str | None) -> tuple[int, str]:
    """Sort key of keep="earliest": dated documents by date, then the undated."""
    return (0, date) if date else (1, "")


class BatchDedup:
    """Cluster one batch of documents (see the module docstring).

    Add every document (`add`), then ask for the verdicts (`results`, once).
    `Deduper.cluster` does both; this class is for callers that feed the
    documents one at a time (the dedup benchmark).

    Args:
        config: The threshold, signature size and keep policy (and banding).
        index: A persistent index to check against and add the kept copies to.
        memory_bytes: Shingle-set bytes held in memory before spilling to disk.
        chunk: Documents signed per step (the result does not depend on it).
        buckets: What finds the candidate pairs, if not this process (the
            Dask engine's shuffle); the result does not depend on it.
        defer_index: Leave what the index gets in `pending_index` for
            `commit_index`, instead of adding it in `results` (a run that saves
            its verdicts before touching the index, so it can resume).

    Raises:
        ValueError: If chunk is below 1.

    Example:
        >>> batch = BatchDedup(DedupConfig())
        >>> for pair in [("a", "The cat sat on the mat."), ("b", "the cat sat on the MAT")]:
        ...     batch.add(DedupItem(*pair))
        >>> batch.results()["b"]
        Verdict(duplicate_of='a', similarity=1.0, cluster='a', seen_before=False)
    """

    def __init__(self, config: DedupConfig, *, index: IndexStore | None = None,
                 memory_bytes: int = DEFAULT_MEMORY_BYTES, chunk: int = DEFAULT_CHUNK,
                 buckets: PairFinder | None = None, defer_index: bool = False) -> None:
        if chunk < 1:
            raise ValueError(f"chunk must be at least 1, got {chunk}")
        self.config = config
        self.index = index
        self.chunk = chunk
        self.buckets = buckets
        self.defer_index = defer_index
        # with an index: what `results` adds to it (see `defer_index`)
        self.pending_index: PendingIndex | None = None
        self._sets = SetStore(memory_bytes)
        self._ids: list[str] = []
        self._seen: set[str] = set()
        self._sources: list[str | None] = []
        self._lengths = array("q")
        self._dates: list[str | None] = []
        self._sigs = Rows(config.num_perm, np.uint32)  # band keys are made from them
        self._empty = bytearray()
        self._prints = array("Q")  # a hash of each shingle set: exact copies share it
        self._pending: list[str | Signed] = []  # not signed yet
        self._prior = PriorMatches(index, config) if index is not None else None

    def add(self, item: DedupItem) -> None:
        """Add a document: its text, or (`signed`) its shingle set and signature
        made elsewhere, so a batch run need not shingle every page twice.

        Raises:
            ValueError: If the id was added before, or neither text nor
                signature is given.
        """
        doc_id, text, length, date, source, signed = item
        if doc_id in self._seen:
            raise ValueError(f"document id {doc_id!r} occurs more than once")
        if text is None and signed is None:
            raise ValueError("a document needs its text or its signature")
        self._seen.add(doc_id)
        self._ids.append(doc_id)
        self._sources.append(source)
        self._lengths.append(len(text or "") if length is None else length)
        self._dates.append(date)
        self._pending.append(text if signed is None else tuple(signed))
        if len(self._pending) >= self.chunk:
            self._sign_pending()

    def _sign_pending(self) -> None:
        """Shingle and sign the documents added since the last step, all at once
        (the kernel is fastest on many), and look them up in the index."""
        if not self._pending:
            return
        first = len(self._empty)
        pending, self._pending = self._pending, []
        to_sign = [i for i, item in enumerate(pending) if not isinstance(item, tuple)]
        sets: list[np.ndarray] = [item[0] if isinstance(item, tuple) else None
                                  for item in pending]
        sigs = np.empty((len(pending), self.config.num_perm), dtype=np.uint32)
        if to_sign:
            made, sigs[to_sign] = sign_texts([pending[i] for i in to_sign],
                                             self.config.num_perm, DEFAULT_SEED)
            for i, shingles in zip(to_sign, made, strict=True):
                sets[i] = shingles
        for i, item in enumerate(pending):
            if isinstance(item, tuple):
                sigs[i] = item[1]
        keys = (band_keys(sigs, self.config.bands, self.config.rows)
                if self._prior is not None else None)
        for shingles in sets:
            self._sets.append(shingles)
            self._empty.append(not len(shingles))
            self._prints.append(set_print(shingles))
        self._sigs.extend(sigs)
        if self._prior is not None:
            self._prior.look_up(first, self._ids[first : first + len(pending)], sigs, keys,
                                self._empty)

    def _link(self, sigs: np.ndarray, union: UnionFind) -> None:
        """Join every verified candidate pair.

        The candidates come from the LSH buckets (`buckets.bucket_pairs`, in
        this process or from `self.buckets`, e.g. a shuffle on a Dask
        cluster). A pair is checked unless its two documents are already in
        one cluster; checking it then would change nothing, so the clusters
        are those of all the verified candidates, in whatever order they come.
        """
        floor = prefilter_floor(self.config)
        valid = np.flatnonzero(np.frombuffer(bytes(self._empty), dtype=np.uint8) == 0)
        if len(valid) < 2:
            return
        if len(self._empty) >= 2**31:  # pairs are coded as two 32-bit positions
            raise ValueError("a batch holds at most 2**31 documents; split it")
        prints = np.frombuffer(self._prints, dtype=np.uint64)
        bands, rows = self.config.bands, self.config.rows
        if self.buckets is not None:
            codes = self.buckets.pairs(band_keys(sigs, bands, rows), prints, valid)
        else:
            codes = batch_pairs_by(lambda band: band_column(sigs, band, rows), bands, prints,
                                   valid)
        first, second = decode(codes)
        # estimated similarity far below the threshold: rejected without reading the
        # sets (agreeing positions against a floor in positions, one step per chunk)
        agree = np.empty(len(codes), dtype=np.int64)
        for at in range(0, len(codes), PREFILTER_CHUNK):
            a, b = first[at : at + PREFILTER_CHUNK], second[at : at + PREFILTER_CHUNK]
            agree[at : at + PREFILTER_CHUNK] = agreements(sigs[a], sigs[b])
        likely = agree >= floor
        for a, b in zip(first[likely].tolist(), second[likely].tolist(), strict=True):
            if union.find(a) == union.find(b):
                continue
            sa, sb = self._sets.get(a), self._sets.get(b)
            if np.array_equal(sa, sb) or exact_jaccard(sa, sb) >= self.config.threshold:
                union.union(a, b)

    def _keeper(self, group: list[int]) -> int:
        """The member of a cluster it keeps, by the keep policy; ties to input order."""
        keep = self.config.keep
        if keep == "first":
            return group[0]
        if keep == "earliest":
            return min(group, key=lambda i: (_date_key(self._dates[i]), i))
        return min(group, key=lambda i: (-self._lengths[i], i))

    def results(self) -> dict[str, Verdict]:
        """Decide every document (in input order) and update the index (unless
        deferred: then `commit_index` with `seen=` the verdicts' ids does it).
        Call it once: it frees the shingle sets."""
        self._sign_pending()
        count = len(self._ids)
        if not count:
            return {}
        sigs = self._sigs.array()
        union = UnionFind(count)
        self._link(sigs, union)
        out: dict[str, Verdict] = {}
        verdicts: list[Verdict | None] = [None] * count
        kept: list[int] = []
        prior = self._prior
        for group in union.groups():
            anchor = prior.anchor(group) if prior is not None else None
            seen = [prior is not None and prior.seen_before(i) for i in group]
            if anchor is not None and anchor.row not in group:
                # a copy of a document an earlier run kept: that one stays kept
                held = self.index.signatures([anchor.position],
                                             self.config.num_perm)[anchor.position]
                for i, was in zip(group, seen, strict=True):
                    verdicts[i] = Verdict(anchor.id, estimated_jaccard(sigs[i], held), anchor.id,
                                          was)
                continue
            if anchor is not None:  # ... and here again (re-seen): it stays kept
                keeper = anchor.row
                if not prior.unchanged(keeper):
                    kept.append(keeper)  # its new text replaces the indexed one
            else:
                keeper = self._keeper(group)
                kept.append(keeper)
            for i, was in zip(group, seen, strict=True):
                if i == keeper:
                    verdicts[i] = Verdict(None, None, self._ids[keeper], was)
                else:
                    sim = exact_jaccard(self._sets.get(i), self._sets.get(keeper))
                    verdicts[i] = Verdict(self._ids[keeper], sim, self._ids[keeper], was)
        if self.index is not None:
            kept.sort()
            kept = [i for i in kept if not self._empty[i]]
            self.pending_index = PendingIndex(
                [(self._ids[i], self._sources[i], self._lengths[i], self._dates[i]) for i in kept],
                sigs[kept].copy(), band_keys(sigs[kept], self.config.bands, self.config.rows))
            if not self.defer_index:
                commit_index(self.index, self.pending_index, self.chunk, seen=self._ids)
        for i, verdict in enumerate(verdicts):
            out[self._ids[i]] = verdict
        self._sets.close()
        return out


class Rows:
    """A growing 2-D array (rows appended in chunks) without a second full copy at the end."""

    def __init__(self, width: int, dtype: type) -> None:
        self._data = np.empty((1024, width), dtype=dtype)
        self._size = 0

    def extend(self, rows: np.ndarray) -> None:
        """Append rows, growing the buffer by half when full."""
        need = self._size + len(rows)
        if need > len(self._data):
            grown = np.empty((max(need, int(len(self._data) * 1.5)), self._data.shape[1]),
                             dtype=self._data.dtype)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size : need] = rows
        self._size = need

    def array(self) -> np.ndarray:
        """The rows so far (a view, not a copy)."""
        return self._data[: self._size]


__all__ = ["DEFAULT_CHUNK", "BatchDedup", "DedupItem", "PairFinder", "PendingIndex", "Rows",
           "Verdict", "commit_index", "prefilter_floor"]
