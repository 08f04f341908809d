"""Near-duplicate detection: streaming (`Deduper.add`) and batch (`Deduper.cluster`).

Both modes shingle the text, sign it with MinHash, shortlist candidates with
LSH and verify each candidate by estimated Jaccard similarity, so they agree on
what counts as a duplicate pair. They differ in what they do with the pairs: a
crawler needs an answer per page as it arrives; a batch can look at whole
clusters and keep the best copy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Real
from typing import NamedTuple

import numpy as np

from cleaner.dedup.bands import band_keys, choose_bands
from cleaner.dedup.engine import DEFAULT_CHUNK, KEEP_POLICIES, BatchDedup, Verdict, commit_index
from cleaner.dedup.shingles import DEFAULT_WORD_SHINGLE
from cleaner.dedup.signatures import (
    DEFAULT_NUM_PERM,
    DEFAULT_SEED,
    exact_jaccard,
    minhash_values,
    shingle_set,
)
from cleaner.dedup.store import DEFAULT_MEMORY_BYTES, DedupIndexError, IndexStore, SetStore

#: Estimated Jaccard similarity of word 5-gram sets at or above which two texts
#: are duplicates. 0.8 is the common web-dedup setting (e.g. RefinedWeb,
#: SlimPajama); a 150-word article with two words edited still scores ~0.88,
#: while articles sharing only boilerplate score far below.
DEFAULT_THRESHOLD = 0.8

#: Fewest permutations accepted. Estimates move in steps of 1/num_perm; below
#: 16 (steps of 0.0625, standard error ~0.1 at J=0.8) the verification step
#: could not tell 0.8 from 0.7.
MIN_NUM_PERM = 16


@dataclass(frozen=True)
class DedupConfig:
    """Validated dedup settings, so a bad value fails at start-up, not mid-run.

    Args:
        threshold: Estimated Jaccard similarity, in (0, 1], at or above which
            two documents are duplicates.
        num_perm: MinHash permutations per signature, at least `MIN_NUM_PERM`.
    """

    threshold: float = DEFAULT_THRESHOLD
    num_perm: int = DEFAULT_NUM_PERM

    def __post_init__(self) -> None:
        threshold, num_perm = self.threshold, self.num_perm
        if isinstance(threshold, bool) or not isinstance(threshold, Real):
            raise ValueError(f"threshold must be a number in (0, 1], got {threshold!r}")
        if not (math.isfinite(threshold) and 0.0 < threshold <= 1.0):
            raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
        if isinstance(num_perm, bool) or not isinstance(num_perm, int):
            raise ValueError(f"num_perm must be an integer, got {num_perm!r}")
        if num_perm < MIN_NUM_PERM:
            raise ValueError(f"num_perm must be at least {MIN_NUM_PERM}, got {num_perm}")


@dataclass(frozen=True)
class Match:
    """An earlier document that a new one duplicates.

    Attributes:
        doc_id: Id of the earlier document.
        similarity: Estimated Jaccard similarity of the two texts' shingles.
    """

    doc_id: str
    similarity: float


class DedupResult(NamedTuple):
    """What batch dedup decided for one document.

    A plain tuple underneath, so callers may unpack it as
    `(duplicate_of, similarity)`. Both are None for kept documents.

    Attributes:
        duplicate_of: Id of the document kept for this one's cluster.
        similarity: Estimated Jaccard similarity to that kept document. It
            may be below the threshold: clusters are transitive, so a document
            can join through an intermediate copy.
    """

    duplicate_of: str | None = None
    similarity: float | None = None

    @property
    def kept(self) -> bool:
        return self.duplicate_of is None


#: The result of a kept document or a singleton.
KEPT = DedupResult()


class Deduper:
    """Find near-duplicate documents: MinHash LSH, candidates verified exactly.

    Args:
        threshold: Jaccard similarity of word 5-gram sets, in (0, 1], at or
            above which two documents are duplicates.
        num_perm: MinHash permutations per signature (at least 16); more is
            more accurate, slower and larger.
        path: an SQLite dedup index kept across runs (created if missing). With
            it, `add` and `cluster` also find copies of documents kept by
            earlier runs, and remember what they keep. Without it, everything
            is in memory and forgotten at exit.
        keep: which copy a cluster keeps: "longest", "first" or "earliest".
        memory_bytes: shingle-set bytes `cluster` holds in memory before
            spilling to a temporary file.

    Raises:
        ValueError: If threshold, num_perm or keep is out of range.
        DedupIndexError: If the index file is not an index, or was built with
            other settings.

    Example:
        >>> deduper = Deduper(threshold=0.8)
        >>> deduper.add("a", "The cat sat on the mat.") is None
        True
        >>> deduper.add("b", "the cat SAT on the mat!")
        Match(doc_id='a', similarity=1.0)
        >>> Deduper().cluster([("x", "Hello there"), ("y", "Hello there, friend"),
        ...                    ("z", "hello THERE")])["z"]
        DedupResult(duplicate_of='x', similarity=1.0)
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, num_perm: int = DEFAULT_NUM_PERM,
                 path: str | None = None, keep: str = "longest",
                 memory_bytes: int = DEFAULT_MEMORY_BYTES) -> None:
        self.config = DedupConfig(threshold=threshold, num_perm=num_perm)
        if keep not in KEEP_POLICIES:
            raise ValueError(f"keep must be one of {', '.join(KEEP_POLICIES)}, not {keep!r}")
        self.keep = keep
        self.memory_bytes = memory_bytes
        self.bands, self.rows = choose_bands(threshold, num_perm)
        self.index = IndexStore(path, self.settings) if path is not None else None
        # streaming state (in memory)
        self._sets = SetStore(memory_bytes)
        self._sigs: list[np.ndarray] = []
        self._ids: list[str] = []
        self._buckets: dict[int, list[int]] = {}
        self._seen: set[str] = set()
        self.pending_index: tuple | None = None

    @property
    def settings(self) -> dict[str, object]:
        return {"threshold": self.threshold, "num_perm": self.num_perm, "seed": DEFAULT_SEED,
                "bands": self.bands, "rows": self.rows, "shingle": DEFAULT_WORD_SHINGLE}

    @property
    def threshold(self) -> float:
        return self.config.threshold

    @property
    def num_perm(self) -> int:
        return self.config.num_perm

    def __len__(self) -> int:
        """Number of documents given to `add` (empty ones included)."""
        return len(self._seen)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._seen

    def __enter__(self) -> Deduper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the index (if any); the deduper cannot be used afterwards."""
        if self.index is not None:
            self.index.close()
        self._sets.close()

    def add(self, doc_id: str, text: str, *, source: str | None = None,
            date: str | None = None) -> Match | None:
        """Look a document up, remember it, and say which earlier one it copies.

        Made for crawlers: each page gets its answer as it arrives. In memory,
        every page is remembered, so a later copy can match either; with an
        index, a page that copies an indexed one is not added (the index holds
        what was kept). An empty text (no words) is never a duplicate.

        Returns:
            The most similar earlier document at or above the threshold (ties
            go to the one added first), or None.

        Raises:
            ValueError: If doc_id was added before (in this process).
        """
        if doc_id in self._seen:
            raise ValueError(f"document id {doc_id!r} was already added")
        self._seen.add(doc_id)
        shingles = shingle_set(text)
        if not len(shingles):
            return None
        sig = minhash_values(shingles, self.num_perm, DEFAULT_SEED)
        keys = band_keys(sig, self.bands, self.rows)
        if self.index is not None:
            return self._add_indexed(doc_id, text, sig, keys, source, date)
        best: tuple[int, float] | None = None
        candidates = sorted({p for k in keys[0].tolist() for p in self._buckets.get(k, ())})
        for position in candidates:
            similarity = exact_jaccard(shingles, self._sets.get(position))
            if similarity >= self.threshold and (best is None or similarity > best[1]):
                best = (position, similarity)
        position = self._sets.append(shingles)
        self._sigs.append(sig)
        self._ids.append(doc_id)
        for k in keys[0].tolist():
            self._buckets.setdefault(k, []).append(position)
        if best is None:
            return None
        return Match(doc_id=self._ids[best[0]], similarity=best[1])

    def _add_indexed(self, doc_id: str, text: str, sig: np.ndarray, keys: np.ndarray,
                     source: str | None, date: str | None) -> Match | None:
        found = self.index.candidates(keys)
        held = self.index.signatures({p for _, p in found}, self.num_perm)
        best: tuple[int, float] | None = None
        for _, position in found:
            similarity = float(np.count_nonzero(sig == held[position])) / self.num_perm
            if similarity >= self.threshold and (best is None or similarity > best[1]):
                best = (position, similarity)
        if best is None:
            self.index.add([(doc_id, source, len(text), date)], sig[None, :], keys)
            return None
        return Match(doc_id=self.index.docs([best[0]])[best[0]].id, similarity=best[1])

    def verdicts(self, docs: Iterable[tuple[str, str]] | Iterable[tuple[str, str, dict]],
                 chunk: int = DEFAULT_CHUNK, buckets: object = None,
                 defer_index: bool = False) -> dict[str, Verdict]:
        """Cluster a batch (see `cluster`) and say, per document, what was decided
        and which cluster it is in. Items are (id, text) or (id, text, extra),
        where extra may hold "length", "date", "source", and "signed": the
        text's (shingle set, signature) from `signatures.sign`, made elsewhere
        (then the text may be None). `buckets` finds the candidate pairs
        elsewhere (see `BatchDedup`). With `defer_index`, what the index gets
        is left in `self.pending_index` for `commit_index` (a run that saves
        its verdicts before touching the index, so it can resume)."""
        batch = BatchDedup(self.threshold, self.num_perm, keep=self.keep, index=self.index,
                           memory_bytes=self.memory_bytes, chunk=chunk, buckets=buckets)
        batch.defer_index = defer_index
        for item in docs:
            extra = item[2] if len(item) > 2 else {}
            batch.add(item[0], item[1], length=extra.get("length"), date=extra.get("date"),
                      source=extra.get("source"), signed=extra.get("signed"))
        out = batch.results()
        self.pending_index = batch.pending_index
        return out

    def commit_index(self, pending: tuple | None) -> None:
        """Add what a deferred `verdicts` call kept to the index (safe to repeat)."""
        if self.index is not None and pending is not None:
            commit_index(self.index, pending)

    def cluster(self, docs: Iterable[tuple[str, str]]) -> dict[str, DedupResult]:
        """Cluster a whole batch and keep one document per cluster.

        Every verified pair (exact Jaccard at or above the threshold) joins a
        cluster, transitively; each cluster keeps one copy by the `keep`
        policy (longest by default, ties going to input order). Documents given
        to `add` play no part. With an index, copies of indexed documents are
        duplicates of those, and the kept documents are added to the index.

        Only signatures, band keys and lengths are held in memory; shingle sets
        spill to disk past `memory_bytes`, so docs may be a generator over a
        large batch.

        Returns:
            For every doc id, in input order: `KEPT` (None, None) for kept
            documents and singletons, else (kept doc id, its Jaccard similarity
            to the kept document).

        Raises:
            ValueError: If a doc id occurs twice.
        """
        return {
            doc_id: KEPT if v.kept else DedupResult(v.duplicate_of, v.similarity)
            for doc_id, v in self.verdicts(docs).items()
        }


__all__ = [
    "DEFAULT_THRESHOLD",
    "DedupIndexError",
    "Verdict",
    "KEPT",
    "MIN_NUM_PERM",
    "DedupConfig",
    "DedupResult",
    "Deduper",
    "Match",
]
