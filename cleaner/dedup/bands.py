"""LSH banding chosen for recall, and band keys computed for many signatures at once.

A signature of `num_perm` values is cut into `bands` bands of `rows` values;
two documents become candidates when any band is equal in both. For a pair of
Jaccard similarity J the chance of that is 1 - (1 - J^rows)^bands, an S-curve.
datasketch places the curve's middle near the threshold, so pairs right at
the threshold are missed about half the time. Here the curve is placed well
below it: the most rows per band (fewest candidates) that still miss a pair
at the threshold at most `MAX_MISS` of the time. Candidates are cheap to
reject, since every one is verified; a missed pair is lost for good.
"""

from __future__ import annotations

import numpy as np

#: Highest accepted chance that a pair exactly at the threshold never shares a
#: band. Pairs above the threshold are missed far less often (at 0.8 with 128
#: permutations: 25 bands of 5 rows, miss 5e-5 at J=0.8 and 2e-7 at J=0.85).
MAX_MISS = 1e-4


def miss_probability(similarity: float, bands: int, rows: int) -> float:
    """Chance that a pair of this Jaccard similarity shares no band."""
    return float((1.0 - similarity**rows) ** bands)


def choose_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows): the most rows per band whose miss chance at the threshold
    is at most `MAX_MISS`, with as many bands as the signature holds."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if bands < 1:
            break
        if miss_probability(threshold, bands, rows) <= MAX_MISS:
            best = (bands, rows)
    return best


_MIX = np.uint64(0x9E3779B97F4A7C15)


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per band per signature, shape (n, bands), uint64.

    Equal bands give equal keys; different bands collide with chance 2^-64,
    and a collision only adds a candidate that verification rejects.
    """
    sigs = np.asarray(signatures, dtype=np.uint64)
    if sigs.ndim == 1:
        sigs = sigs[None, :]
    keys = np.zeros((sigs.shape[0], bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(rows):
            column = sigs[:, r : bands * rows : rows]  # row r of every band
            keys = (keys ^ column) * _MIX
        keys ^= keys >> np.uint64(29)
        keys *= np.uint64(0xBF58476D1CE4E5B9)
        keys ^= keys >> np.uint64(32)
    # the band number goes into the key, so a shared store can hold all bands
    return keys ^ (np.arange(bands, dtype=np.uint64) * np.uint64(0x94D049BB133111EB))


def band_column(signatures: np.ndarray, band: int, rows: int) -> np.ndarray:
    """Column `band` of `band_keys(signatures, ...)`, computed alone: a batch keeps
    only the signatures and makes each band's keys when it buckets that band, so
    the keys never take memory per document."""
    part = np.asarray(signatures[:, band * rows : (band + 1) * rows], dtype=np.uint64)
    key = np.zeros(part.shape[0], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(rows):
            key = (key ^ part[:, r]) * _MIX
        key ^= key >> np.uint64(29)
        key *= np.uint64(0xBF58476D1CE4E5B9)
        key ^= key >> np.uint64(32)
        return key ^ (np.uint64(band) * np.uint64(0x94D049BB133111EB))


__all__ = ["MAX_MISS", "band_column", "band_keys", "choose_bands", "miss_probability"]
