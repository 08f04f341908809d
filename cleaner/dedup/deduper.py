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

from datasketch import LeanMinHash

from cleaner.dedup.cluster import UnionFind, choose_keepers
from cleaner.dedup.index import SignatureIndex
from cleaner.dedup.minhash import DEFAULT_NUM_PERM, DEFAULT_SEED, signature
from cleaner.dedup.shingles import shingles

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
    """Find near-duplicate documents by MinHash LSH with verified similarity.

    Args:
        threshold: Estimated Jaccard similarity, in (0, 1], at or above which
            two documents are duplicates.
        num_perm: MinHash permutations per signature (at least 16); more is
            more accurate, slower and larger.

    Raises:
        ValueError: If threshold or num_perm is out of range.

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

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, num_perm: int = DEFAULT_NUM_PERM):
        self.config = DedupConfig(threshold=threshold, num_perm=num_perm)
        self._index = SignatureIndex(threshold, num_perm)
        self._indexed_ids: list[str] = []  # doc id of each index position
        self._seen: set[str] = set()

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

    def _sign(self, text: str) -> LeanMinHash | None:
        """Return the text's signature, or None when it has no shingles."""
        text_shingles = shingles(text)
        if not text_shingles:
            return None
        return signature(text_shingles, num_perm=self.num_perm, seed=DEFAULT_SEED)

    def add(self, doc_id: str, text: str) -> Match | None:
        """Index a document and say which earlier document it duplicates.

        Made for crawlers: each page gets its answer as it arrives. The page is
        indexed whether or not it is a duplicate, so a later copy can match
        either; an empty text (no words) is never a duplicate and never matched.

        Returns:
            The most similar earlier document at or above the threshold (ties
            go to the one added first), or None.

        Raises:
            ValueError: If doc_id was added before.
        """
        if doc_id in self._seen:
            raise ValueError(f"document id {doc_id!r} was already added")
        self._seen.add(doc_id)
        sig = self._sign(text)
        if sig is None:
            return None
        same = self._index.identical(sig)
        if same is not None:
            # Nothing beats 1.0, and the held copy is the earliest with it.
            return Match(doc_id=self._indexed_ids[same], similarity=1.0)
        best: tuple[int, float] | None = None
        for position, similarity in self._index.matches(sig):
            if best is None or similarity > best[1]:
                best = (position, similarity)
        self._index.insert(sig)
        self._indexed_ids.append(doc_id)
        if best is None:
            return None
        return Match(doc_id=self._indexed_ids[best[0]], similarity=best[1])

    def cluster(self, docs: Iterable[tuple[str, str]]) -> dict[str, DedupResult]:
        """Cluster a whole batch and keep one document per cluster.

        Every verified pair joins a cluster (transitively); each cluster keeps
        its longest text, ties going to the earliest in input order. Uses this
        deduper's settings on a fresh index: documents given to `add` play no
        part, and none are added.

        Only signatures and text lengths are held, never texts or shingle sets,
        so docs may be a generator over a large batch. Exact copies are linked
        to their first occurrence without an LSH lookup, so a page repeated
        thousands of times costs linear, not quadratic, time.

        Args:
            docs: (doc_id, text) pairs in input order.

        Returns:
            For every doc id, in input order: `KEPT` (None, None) for kept
            documents and singletons, else (kept doc id, estimated similarity
            to the kept document).

        Raises:
            ValueError: If a doc id occurs twice.
        """
        index = SignatureIndex(self.threshold, self.num_perm)
        union_find = UnionFind()
        ids: list[str] = []
        lengths: list[int] = []
        signatures: list[LeanMinHash | None] = []  # by input position
        indexed: list[int] = []  # input position of each index position
        seen: set[str] = set()
        for doc_id, text in docs:
            if doc_id in seen:
                raise ValueError(f"document id {doc_id!r} occurs more than once")
            seen.add(doc_id)
            current = union_find.add()
            ids.append(doc_id)
            lengths.append(len(text))
            sig = self._sign(text)
            signatures.append(sig)
            if sig is not None:
                self._link(sig, current, index, indexed, union_find)
        return _decide(ids, lengths, signatures, union_find)

    def _link(
        self,
        sig: LeanMinHash,
        current: int,
        index: SignatureIndex,
        indexed: list[int],
        union_find: UnionFind,
    ) -> None:
        """Union the document at input position `current` with every verified
        earlier match, and hold its signature unless an identical one is held."""
        same = index.identical(sig)
        if same is not None:
            union_find.union(indexed[same], current)
            return
        for position in index.candidates(sig):
            other = indexed[position]
            if union_find.find(other) == union_find.find(current):
                continue  # already clustered; verifying would change nothing
            if sig.jaccard(index.signature(position)) >= self.threshold:
                union_find.union(other, current)
        index.insert(sig)
        indexed.append(current)


def _decide(
    ids: list[str],
    lengths: list[int],
    signatures: list[LeanMinHash | None],
    union_find: UnionFind,
) -> dict[str, DedupResult]:
    """Pick each cluster's keeper and say, per document, what was decided."""
    keepers = choose_keepers(union_find.groups(), lengths)
    results: dict[str, DedupResult] = {}
    for position, doc_id in enumerate(ids):
        keeper = keepers[position]
        member_sig, keeper_sig = signatures[position], signatures[keeper]
        if keeper == position or member_sig is None or keeper_sig is None:
            results[doc_id] = KEPT  # empty texts are never linked, so stay singletons
            continue
        similarity = member_sig.jaccard(keeper_sig)
        results[doc_id] = DedupResult(duplicate_of=ids[keeper], similarity=similarity)
    return results


__all__ = [
    "DEFAULT_THRESHOLD",
    "KEPT",
    "MIN_NUM_PERM",
    "DedupConfig",
    "DedupResult",
    "Deduper",
    "Match",
]
