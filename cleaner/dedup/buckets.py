"""Candidate pairs from LSH buckets: a pure function of the band keys, so it can run anywhere.

A batch's candidates are found bucket by bucket: the documents whose key in
one band is equal form a bucket, and each bucket yields pairs by a fixed rule
(`bucket_pairs`). Since the rule looks at one bucket at a time, the key rows
can be split by bucket (`partition_rows`, a hash of band and key) and each
part handled on its own, in this process or on a Dask worker: the union of
the parts' pairs is the batch's pairs, whatever the split.

Rows are `ROW` records: band, key, position of the document in the batch,
and the document's fingerprint (`set_print`, a hash of its shingle set:
exact copies share it).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xxhash

#: One row per document and band.
ROW = np.dtype([("band", "<u4"), ("key", "<u8"), ("pos", "<i8"), ("fp", "<u8")])
#: In a bucket, a member is paired with the bucket's first member and this many
#: members just before it: a chain of copies (a~b, b~c, not a~c) is found, and
#: a bucket of n members gives O(n) pairs, not O(n^2).
WINDOW = 16
_MIX = np.uint64(0x9E3779B97F4A7C15)


def set_print(shingles: np.ndarray) -> int:
    """A 64-bit hash of a shingle set: exact copies (equal sets) share it.

    Not of the signature: two texts that differ by a few words often have
    equal signatures, and only a true copy may stand in for another.
    """
    return xxhash.xxh3_64_intdigest(np.ascontiguousarray(shingles).tobytes())


def key_rows(keys: np.ndarray, prints: np.ndarray, positions: np.ndarray,
             bands: range | None = None) -> np.ndarray:
    """The rows of the documents at `positions` (their keys and fingerprints
    given in the same order), for every band or the given ones."""
    bands = range(keys.shape[1]) if bands is None else bands
    rows = np.empty(len(positions) * len(bands), dtype=ROW)
    for i, band in enumerate(bands):
        part = rows[i * len(positions) : (i + 1) * len(positions)]
        part["band"] = band
        part["key"] = keys[:, band]
        part["pos"] = positions
        part["fp"] = prints
    return rows


def partition_rows(rows: np.ndarray, parts: int) -> list[np.ndarray]:
    """Split rows into `parts` groups by bucket: a bucket's rows all go to one group."""
    with np.errstate(over="ignore"):
        mixed = rows["key"] ^ (rows["band"].astype(np.uint64) * _MIX)
    which = (mixed % np.uint64(parts)).astype(np.int64)
    order = np.argsort(which, kind="stable")
    bounds = np.searchsorted(which[order], np.arange(parts + 1))
    return [rows[order[bounds[p] : bounds[p + 1]]] for p in range(parts)]


def encode(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Pairs of positions (below 2**31) as one int64 each, ordered as (first, second)."""
    return (first.astype(np.int64) << 32) | second.astype(np.int64)


def decode(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (first, second) positions of `encode`d pairs."""
    return codes >> 32, codes & 0xFFFFFFFF


def bucket_pairs(rows: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """The candidate pairs of every bucket in `rows`, as sorted unique `encode`d codes.

    In a bucket, members sharing a fingerprint are paired with the first of
    them, which then stands for them all; the other members are paired with
    the bucket's first member and the `window` members before them. Pairs
    are (earlier position, later position).
    """
    if len(rows) < 2:
        return np.empty(0, dtype=np.int64)
    band, key, fp, pos = rows["band"], rows["key"], rows["fp"], rows["pos"]
    # 1. members with equal fingerprints in a bucket: pair each with the first
    order = np.lexsort((pos, fp, key, band))
    b, k, f, p = band[order], key[order], fp[order], pos[order]
    starts = np.concatenate(([True], (b[1:] != b[:-1]) | (k[1:] != k[:-1]) | (f[1:] != f[:-1])))
    head = p[np.maximum.accumulate(np.where(starts, np.arange(len(p)), 0))]
    found = [encode(head[~starts], p[~starts])]
    # 2. the remaining members, by position within each bucket
    b, k, p = b[starts], k[starts], p[starts]
    order = np.lexsort((p, k, b))
    b, k, p = b[order], k[order], p[order]
    new = np.concatenate(([True], (b[1:] != b[:-1]) | (k[1:] != k[:-1])))
    index = np.arange(len(p))
    first = np.maximum.accumulate(np.where(new, index, 0))
    offset = index - first
    later = offset >= 1
    found.append(encode(p[first[later]], p[later]))
    for d in range(1, window + 1):
        reach = offset - d >= 1
        if not reach.any():
            break
        at = np.flatnonzero(reach)
        found.append(encode(p[at - d], p[at]))
    return np.unique(np.concatenate(found))


def batch_pairs(keys: np.ndarray, prints: np.ndarray, positions: np.ndarray,
                window: int = WINDOW) -> np.ndarray:
    """Every candidate pair of a batch, in this process, one band at a time
    (the same pairs as `partition_rows` and `bucket_pairs` over all the rows)."""
    return batch_pairs_by(lambda band: keys[:, band], keys.shape[1], prints, positions, window)


def batch_pairs_by(column: Callable[[int], np.ndarray], bands: int, prints: np.ndarray,
                   positions: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """`batch_pairs` with each band's keys (of every document) made by `column(band)`
    when that band is bucketed, so they need not all be held at once."""
    if len(positions) < 2:
        return np.empty(0, dtype=np.int64)
    found = []
    rows = np.empty(len(positions), dtype=ROW)
    rows["pos"] = positions
    rows["fp"] = prints[positions]
    for band in range(bands):
        rows["band"] = band
        rows["key"] = column(band)[positions]
        found.append(bucket_pairs(rows, window))
    return np.unique(np.concatenate(found))


__all__ = ["ROW", "WINDOW", "batch_pairs", "batch_pairs_by", "bucket_pairs", "decode", "encode",
           "set_print", "key_rows", "partition_rows"]
