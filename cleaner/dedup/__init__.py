"""Near-duplicate detection for cleaned documents.

`Deduper.add` answers per document as a crawl streams in; `Deduper.cluster`
groups a whole batch and keeps one copy of each cluster. Both verify every LSH
candidate before calling it a duplicate (exact Jaccard of the shingle sets,
or the signatures' estimate against a persistent index). The building blocks
live in the submodules: `signatures` (fast MinHash, interchangeable with
datasketch), `bands` (LSH banding chosen for recall), `engine` (the batch),
`store` (shingle-set spill and the SQLite index), `cluster` (union-find).

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
    DedupIndexError,
    DedupResult,
    Match,
    Verdict,
)
from cleaner.dedup.signatures import DEFAULT_NUM_PERM

__all__ = [
    "DEFAULT_NUM_PERM",
    "DEFAULT_THRESHOLD",
    "KEPT",
    "MIN_NUM_PERM",
    "DedupConfig",
    "DedupIndexError",
    "Verdict",
    "DedupResult",
    "Deduper",
    "Match",
]
