"""What decides dedup's verdicts: the threshold, the signature size and the keep policy.

One home for their defaults and their checks, so the library, the batch run
and the command line agree on them, and a bad value fails at start-up, not
mid-run. How much memory a batch holds or how many documents it signs per
step are not here: they change the cost, never a verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Real

from cleaner.dedup.bands import choose_bands
from cleaner.dedup.kernel import SIGNATURE_VERSION
from cleaner.dedup.shingles import DEFAULT_WORD_SHINGLE
from cleaner.dedup.signatures import DEFAULT_NUM_PERM, DEFAULT_SEED

#: Estimated Jaccard similarity of word 5-gram sets at or above which two texts
#: are duplicates. 0.8 is the common web-dedup setting (e.g. RefinedWeb,
#: SlimPajama); a 150-word article with two words edited still scores ~0.88,
#: while articles sharing only boilerplate score far below.
DEFAULT_THRESHOLD = 0.8

#: Fewest permutations accepted. Estimates move in steps of 1/num_perm; below
#: 16 (steps of 0.0625, standard error ~0.1 at J=0.8) the verification step
#: could not tell 0.8 from 0.7.
MIN_NUM_PERM = 16

#: Which copy of a cluster is kept: the longest text (the fullest version), the
#: first in input order (what a crawler saw first), or the earliest by the
#: document's date (the original, where dates are known; undated copies come
#: after dated ones). Every tie goes to input order.
KEEP_POLICIES = ("longest", "first", "earliest")
#: The fullest version is what a reader of the output wants by default.
DEFAULT_KEEP = "longest"


@dataclass(frozen=True)
class DedupConfig:
    """Validated dedup settings, and the LSH banding they imply.

    Args:
        threshold: Estimated Jaccard similarity, in (0, 1], at or above which
            two documents are duplicates.
        num_perm: MinHash permutations per signature, at least `MIN_NUM_PERM`.
        keep: Which copy of a cluster is kept, one of `KEEP_POLICIES`.

    Attributes:
        bands, rows: The LSH banding (`bands.choose_bands`), computed once here.

    Raises:
        ValueError: If a value is out of range (threshold first, then num_perm,
            then keep).

    Example:
        >>> DedupConfig(threshold=0.8).bands, DedupConfig(threshold=0.8).rows
        (25, 5)
        >>> DedupConfig(keep="shortest")
        Traceback (most recent call last):
        ...
        ValueError: keep must be one of longest, first, earliest, not 'shortest'
    """

    threshold: float = DEFAULT_THRESHOLD
    num_perm: int = DEFAULT_NUM_PERM
    keep: str = DEFAULT_KEEP
    bands: int = field(init=False, repr=False, compare=False)
    rows: int = field(init=False, repr=False, compare=False)

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
        if self.keep not in KEEP_POLICIES:
            raise ValueError(f"keep must be one of {', '.join(KEEP_POLICIES)}, "
                             f"not {self.keep!r}")
        bands, rows = choose_bands(threshold, num_perm)
        object.__setattr__(self, "bands", bands)
        object.__setattr__(self, "rows", rows)

    @property
    def index_settings(self) -> dict[str, object]:
        """What a persistent index records and checks: everything that makes two
        runs' signatures and band keys comparable (`store.IndexStore`)."""
        return {"threshold": self.threshold, "num_perm": self.num_perm, "seed": DEFAULT_SEED,
                "bands": self.bands, "rows": self.rows, "shingle": DEFAULT_WORD_SHINGLE,
                "signature": SIGNATURE_VERSION}


__all__ = ["DEFAULT_KEEP", "DEFAULT_THRESHOLD", "KEEP_POLICIES", "MIN_NUM_PERM", "DedupConfig"]
