"""Near-duplicate detection for cleaned documents.

`Deduper.add` answers per document as a crawl streams in; `Deduper.cluster`
groups a whole batch and keeps the longest copy of each cluster. Both verify
every LSH candidate by estimated Jaccard similarity. The building blocks live
in the submodules (`shingles.shingles`, `minhash.signature`,
`cluster.UnionFind`); they are not re-exported here because the `shingles`
function would shadow the `shingles` module.

Example:
    >>> from cleaner.dedup import Deduper
    >>> deduper = Deduper(threshold=0.8)
    >>> deduper.add("a", "Breaking: the river rose two metres overnight.") is None
    True
    >>> deduper.add("b", "BREAKING - the river rose two metres overnight")
    Match(doc_id='a', similarity=1.0)
"""

from cleaner.dedup.deduper import (
    DEFAULT_THRESHOLD,
    KEPT,
    MIN_NUM_PERM,
    DedupConfig,
    Deduper,
    DedupResult,
    Match,
)
from cleaner.dedup.minhash import DEFAULT_NUM_PERM

__all__ = [
    "DEFAULT_NUM_PERM",
    "DEFAULT_THRESHOLD",
    "KEPT",
    "MIN_NUM_PERM",
    "DedupConfig",
    "DedupResult",
    "Deduper",
    "Match",
]
