"""Batch near-duplicate detection at crawl scale, optionally against a persistent index.

Per document only a signature (num_perm uint32 values), its band keys and a
length are held in memory; shingle sets go to a `SetStore` that spills to
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
   keeps one document (`KEEP_POLICIES`).

With an index, every document is also looked up among the documents kept by
earlier runs (verified by estimated similarity, since their sets are gone); a
cluster with a match there is a copy of the indexed document, which always
stays the kept one. The documents kept from this batch are then added to the
index, one transaction per chunk.

The result never depends on the order documents arrive in chunks, or on the
chunk size: candidates are found over the whole batch at the end, and every
tie is broken by input position.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from cleaner.dedup.bands import band_keys, choose_bands
from cleaner.dedup.buckets import batch_pairs, decode, set_print
from cleaner.dedup.cluster import UnionFind
from cleaner.dedup.signatures import (
    DEFAULT_NUM_PERM,
    DEFAULT_SEED,
    exact_jaccard,
    minhash_batch,
    shingle_set,
)
from cleaner.dedup.store import DEFAULT_MEMORY_BYTES, IndexStore, SetStore

#: Which copy of a cluster is kept: the longest text (the fullest version), the
#: first in input order (what a crawler saw first), or the earliest by the
#: document's date (the original, where dates are known; undated copies come
#: after dated ones). Every tie goes to input order.
KEEP_POLICIES = ("longest", "first", "earliest")
#: Documents signed per step.
DEFAULT_CHUNK = 1024
#: Candidate pairs whose signatures are compared per numpy step.
PREFILTER_CHUNK = 4096
#: Standard errors of the estimate below the threshold under which a pair is
#: rejected without reading its sets: at 0.8 and 128 permutations one standard
#: error is 0.035, so pairs estimated under about 0.6 are dropped (a true 0.8
#: pair estimates that low with chance below 1e-8).
PREFILTER_SIGMAS = 6.0


@dataclass(frozen=True, slots=True)
class Verdict:
    """What dedup decided for one document.

    duplicate_of: id of the kept copy (None when this one is kept);
    similarity: Jaccard similarity to that copy (exact within a batch,
    estimated against the index); cluster: id of the cluster's kept copy
    (this document's own id when it is kept or alone).
    """

    duplicate_of: str | None
    similarity: float | None
    cluster: str

    @property
    def kept(self) -> bool:
        return self.duplicate_of is None


def commit_index(index: IndexStore, pending: tuple, chunk: int = DEFAULT_CHUNK) -> None:
    """Add a batch's kept documents to the index, one transaction per chunk.

    Safe to repeat: a document already indexed under the same id is replaced.
    """
    docs, sigs, keys = pending
    for start in range(0, len(docs), chunk):
        index.add(docs[start : start + chunk], sigs[start : start + chunk],
                  keys[start : start + chunk])


def _date_key(date: str | None) -> tuple[int, str]:
    return (0, date) if date else (1, "")


class BatchDedup:
    """Cluster one batch of documents (see the module docstring).

    Args:
        threshold: Jaccard similarity of word 5-gram sets at or above which two
            documents are duplicates.
        num_perm: MinHash permutations per signature.
        keep: one of `KEEP_POLICIES`.
        index: a persistent index to check against and add the kept copies to.
        memory_bytes: shingle-set bytes held in memory before spilling to disk.
        chunk: documents signed per step (the result does not depend on it).
        buckets: what finds the candidate pairs, if not this process: an object
            with `pairs(keys, fingerprints, positions)` giving the same codes
            as `buckets.batch_pairs` (the Dask engine's shuffle).
    """

    def __init__(self, threshold: float = 0.8, num_perm: int = DEFAULT_NUM_PERM,
                 keep: str = "longest", index: IndexStore | None = None,
                 memory_bytes: int = DEFAULT_MEMORY_BYTES, chunk: int = DEFAULT_CHUNK,
                 seed: int = DEFAULT_SEED, buckets: object = None) -> None:
        if keep not in KEEP_POLICIES:
            raise ValueError(f"keep must be one of {', '.join(KEEP_POLICIES)}, not {keep!r}")
        if chunk < 1:
            raise ValueError(f"chunk must be at least 1, got {chunk}")
        self.threshold, self.num_perm, self.keep, self.seed = threshold, num_perm, keep, seed
        self.bands, self.rows = choose_bands(threshold, num_perm)
        self.index = index
        self.chunk = chunk
        self.buckets = buckets  # finds candidate pairs elsewhere (`pairs(keys, prints, valid)`)
        # with an index: what `results` adds to it, and whether it waits for
        # `commit_index` (a run that must save its verdicts first)
        self.pending_index: tuple | None = None
        self.defer_index = False
        self._sets = SetStore(memory_bytes)
        self._ids: list[str] = []
        self._seen: set[str] = set()
        self._sources: list[str | None] = []
        self._lengths = array("q")
        self._dates: list[str | None] = []
        self._sigs = _Rows(num_perm, np.uint32)
        self._keys = _Rows(self.bands, np.uint64)
        self._empty = bytearray()
        self._prints = array("Q")  # a hash of each shingle set: exact copies share it
        self._pending: list[str] = []
        self._index_match: dict[int, tuple[int, float]] = {}  # position -> (indexed, sim)
        self._index_docs: dict[int, str] = {}

    def add(self, doc_id: str, text: str | None, *, length: int | None = None,
            date: str | None = None, source: str | None = None,
            signed: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Add a document: its text, or (`signed`) its shingle set and signature
        made elsewhere (`signatures.sign`, e.g. in the worker that cleaned it)."""
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

    def add_many(self, docs: Iterable[tuple[str, str]]) -> None:
        for doc_id, text in docs:
            self.add(doc_id, text)

    def _sign_pending(self) -> None:
        if not self._pending:
            return
        first = len(self._empty)
        pending, self._pending = self._pending, []
        sets = [item[0] if isinstance(item, tuple) else shingle_set(item) for item in pending]
        to_sign = [i for i, item in enumerate(pending) if not isinstance(item, tuple)]
        sigs = np.empty((len(pending), self.num_perm), dtype=np.uint32)
        if to_sign:
            sigs[to_sign] = minhash_batch([sets[i] for i in to_sign], self.num_perm, self.seed)
        for i, item in enumerate(pending):
            if isinstance(item, tuple):
                sigs[i] = item[1]
        keys = band_keys(sigs, self.bands, self.rows)
        for shingles in sets:
            self._sets.append(shingles)
            self._empty.append(not len(shingles))
            self._prints.append(set_print(shingles))
        self._sigs.extend(sigs)
        self._keys.extend(keys)
        if self.index is not None:
            self._match_index(first, sigs, keys)

    def _match_index(self, first: int, sigs: np.ndarray, keys: np.ndarray) -> None:
        found = self.index.candidates(keys)
        if not found:
            return
        held = self.index.signatures({p for _, p in found}, self.num_perm)
        for row, position in found:
            if self._empty[first + row]:
                continue
            similarity = float(np.count_nonzero(sigs[row] == held[position])) / self.num_perm
            if similarity < self.threshold:
                continue
            best = self._index_match.get(first + row)
            if best is None or similarity > best[1]:  # ties: the earlier indexed copy
                self._index_match[first + row] = (position, similarity)
        ids = self.index.docs({p for p, _ in self._index_match.values()})
        self._index_docs.update({p: doc.id for p, doc in ids.items()})

    def _similar(self, sigs: np.ndarray, a: int, b: int) -> bool:
        """Verified: the exact Jaccard of the two shingle sets reaches the threshold
        (pairs whose signatures already say it cannot are rejected unread)."""
        if np.count_nonzero(sigs[a] == sigs[b]) < self._floor:
            return False
        return exact_jaccard(self._sets.get(a), self._sets.get(b)) >= self.threshold

    def _link(self, sigs: np.ndarray, keys: np.ndarray, union: UnionFind) -> None:
        """Join every verified candidate pair.

        The candidates come from the LSH buckets (`buckets.bucket_pairs`, in
        this process or from `self.buckets`, e.g. a shuffle on a Dask
        cluster). A pair is checked unless its two documents are already in
        one cluster; checking it then would change nothing, so the clusters
        are those of all the verified candidates, in whatever order they come.
        """
        sigma = math.sqrt(self.threshold * (1 - self.threshold) / self.num_perm)
        floor = (self.threshold - PREFILTER_SIGMAS * sigma) * self.num_perm
        valid = np.flatnonzero(np.frombuffer(bytes(self._empty), dtype=np.uint8) == 0)
        if len(valid) < 2:
            return
        if len(self._empty) >= 2**31:  # pairs are coded as two 32-bit positions
            raise ValueError("a batch holds at most 2**31 documents; split it")
        prints = np.frombuffer(self._prints, dtype=np.uint64)
        if self.buckets is not None:
            codes = self.buckets.pairs(keys, prints, valid)
        else:
            codes = batch_pairs(keys, prints, valid)
        first, second = decode(codes)
        # estimated similarity far below the threshold: rejected without reading the sets
        agree = np.empty(len(codes), dtype=np.int64)
        for at in range(0, len(codes), PREFILTER_CHUNK):
            a, b = first[at : at + PREFILTER_CHUNK], second[at : at + PREFILTER_CHUNK]
            agree[at : at + PREFILTER_CHUNK] = np.count_nonzero(sigs[a] == sigs[b], axis=1)
        likely = agree >= floor
        for a, b in zip(first[likely].tolist(), second[likely].tolist(), strict=True):
            if union.find(a) == union.find(b):
                continue
            sa, sb = self._sets.get(a), self._sets.get(b)
            if np.array_equal(sa, sb) or exact_jaccard(sa, sb) >= self.threshold:
                union.union(a, b)

    def _keeper(self, group: list[int]) -> int:
        if self.keep == "first":
            return group[0]
        if self.keep == "earliest":
            return min(group, key=lambda i: (_date_key(self._dates[i]), i))
        return min(group, key=lambda i: (-self._lengths[i], i))

    def results(self) -> dict[str, Verdict]:
        """Decide every document (in input order) and update the index."""
        self._sign_pending()
        count = len(self._ids)
        if not count:
            return {}
        sigs, keys = self._sigs.array(), self._keys.array()
        union = UnionFind(count)
        self._link(sigs, keys, union)
        out: dict[str, Verdict] = {}
        verdicts: list[Verdict | None] = [None] * count
        kept: list[int] = []
        for group in union.groups():
            matched = [(self._index_match[i], i) for i in group if i in self._index_match]
            if matched:
                # a copy of a document an earlier run kept: that one stays kept
                (position, _), _ = min(matched, key=lambda m: (-m[0][1], m[0][0], m[1]))
                target = self._index_docs[position]
                held = self.index.signatures([position], self.num_perm)[position]
                for i in group:
                    sim = float(np.count_nonzero(sigs[i] == held)) / self.num_perm
                    verdicts[i] = Verdict(target, sim, target)
                continue
            keeper = self._keeper(group)
            kept.append(keeper)
            for i in group:
                if i == keeper:
                    verdicts[i] = Verdict(None, None, self._ids[keeper])
                else:
                    sim = exact_jaccard(self._sets.get(i), self._sets.get(keeper))
                    verdicts[i] = Verdict(self._ids[keeper], sim, self._ids[keeper])
        if self.index is not None:
            kept.sort()
            kept = [i for i in kept if not self._empty[i]]
            self.pending_index = (
                [(self._ids[i], self._sources[i], self._lengths[i], self._dates[i]) for i in kept],
                sigs[kept].copy(), keys[kept].copy())
            if not self.defer_index:
                commit_index(self.index, self.pending_index, self.chunk)
        for i, verdict in enumerate(verdicts):
            out[self._ids[i]] = verdict
        self._sets.close()
        return out


class _Rows:
    """A growing 2-D array (rows appended in chunks) without a second full copy at the end."""

    def __init__(self, width: int, dtype: type) -> None:
        self._data = np.empty((1024, width), dtype=dtype)
        self._size = 0

    def extend(self, rows: np.ndarray) -> None:
        need = self._size + len(rows)
        if need > len(self._data):
            grown = np.empty((max(need, int(len(self._data) * 1.5)), self._data.shape[1]),
                             dtype=self._data.dtype)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size : need] = rows
        self._size = need

    def array(self) -> np.ndarray:
        return self._data[: self._size]


__all__ = ["DEFAULT_CHUNK", "KEEP_POLICIES", "BatchDedup", "Verdict", "commit_index"]
