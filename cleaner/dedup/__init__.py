"""Near-duplicate detection for cleaned documents.

`Deduper.add` answers per document as a crawl streams in (a `Match`, or None);
`Deduper.cluster` groups a whole batch of `DedupItem`s and keeps one copy of
each cluster (a `Verdict` per document). Both verify every LSH candidate
before calling it a duplicate (exact Jaccard of the shingle sets, or the
signatures' estimate against a persistent index). `DedupConfig` holds what
decides the verdicts (threshold, num_perm, keep) and their defaults.

The building blocks live in the submodules: `shingles` (text to shingles),
`signatures` (fast MinHash, interchangeable with datasketch), `bands` (LSH
banding chosen for recall), `buckets` (candidate pairs), `batch` (the batch),
`prior` (a batch against the index: matches, re-seen ids), `store`
(shingle-set spill and the SQLite index), `cluster` (union-find),
`jsonl` (dedup as a JSONL step). Which scripts are shingled by character is
`cleaner.lang.scripts`.

Example:
    >>> from cleaner.dedup import Deduper
    >>> deduper = Deduper(threshold=0.8)
    >>> deduper.add("a", "Breaking: the river rose two metres overnight.") is None
    True
    >>> deduper.add("b", "BREAKING - the river rose two metres overnight")
    Match(doc_id='a', similarity=1.0, seen_before=False)
"""

from cleaner.dedup.batch import DedupItem, Verdict
from cleaner.dedup.config import (
    DEFAULT_KEEP,
    DEFAULT_THRESHOLD,
    KEEP_POLICIES,
    MIN_NUM_PERM,
    DedupConfig,
)
from cleaner.dedup.deduper import Deduper, Match
from cleaner.dedup.signatures import DEFAULT_NUM_PERM
from cleaner.dedup.store import DedupIndexError

__all__ = [
    "DEFAULT_KEEP",
    "DEFAULT_NUM_PERM",
    "DEFAULT_THRESHOLD",
    "KEEP_POLICIES",
    "MIN_NUM_PERM",
    "DedupConfig",
    "DedupIndexError",
    "DedupItem",
    "Deduper",
    "Match",
    "Verdict",
]
