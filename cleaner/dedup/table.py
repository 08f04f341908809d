"""The band keys of every document `Deduper.add` has seen, in sorted arrays, not a dict.

A document's candidates are the earlier documents that share one of its band
keys. A Python dict from key to a list of positions answers that, but holds
each of a document's 25 keys as a dict entry, an int object and a list:
about 2.5 KB a document, ten times the keys themselves. Here the keys live
in a few sorted numpy arrays (levels) beside their positions, 12 bytes a key:

- new keys go to a small unsorted buffer, searched by comparison;
- a full buffer is sorted into a level, and two levels of like size are
  merged, so there are at most about log2(documents / buffer) levels and
  each key is merged that many times (an LSM tree's scheme);
- a lookup binary-searches every level.

The answer is the same set of positions the dict gives, so what `add`
decides does not change.
"""

from __future__ import annotations

import numpy as np

#: Documents whose keys wait in the unsorted buffer: searching it is one
#: comparison per buffered key, so it stays small; sorting it into a level
#: then costs little per document.
BUFFER_DOCS = 64

_EMPTY = np.empty(0, dtype=np.int64)


class BandTable:
    """Band key -> positions of the documents holding it (see the module docstring).

    Example:
        >>> table = BandTable(bands=2)
        >>> table.add(np.array([7, 9], dtype=np.uint64), 0)
        >>> table.add(np.array([8, 9], dtype=np.uint64), 1)
        >>> table.candidates(np.array([9, 5], dtype=np.uint64)).tolist()
        [0, 1]
    """

    def __init__(self, bands: int, buffer_docs: int = BUFFER_DOCS) -> None:
        self.bands = bands
        self._levels: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted keys, positions)
        self._keys = np.empty(bands * buffer_docs, dtype=np.uint64)
        self._positions = np.empty(bands * buffer_docs, dtype=np.int32)
        self._held = 0

    def __len__(self) -> int:
        """Keys held."""
        return self._held + sum(len(keys) for keys, _ in self._levels)

    def candidates(self, keys: np.ndarray) -> np.ndarray:
        """Sorted unique positions of the documents sharing any of these keys."""
        found = []
        for level, positions in self._levels:
            lo = np.searchsorted(level, keys, "left")
            hi = np.searchsorted(level, keys, "right")
            for a, b in zip(lo[hi > lo].tolist(), hi[hi > lo].tolist(), strict=True):
                found.append(positions[a:b])
        if self._held:
            buffered = self._keys[: self._held]
            hit = (buffered[:, None] == keys[None, :]).any(axis=1)
            found.append(self._positions[: self._held][hit])
        if not found:
            return _EMPTY
        return np.unique(np.concatenate(found)).astype(np.int64)

    def chunk_candidates(self, keys: np.ndarray, first: int) -> list[np.ndarray]:
        """For each row of `keys` (a chunk of documents, to be numbered from `first` on),
        the sorted unique positions of the documents before it that share a key:
        those held here and the chunk's earlier rows. The same as `candidates` then
        `add`, row by row, in a few numpy steps for the whole chunk."""
        m, bands = keys.shape
        flat = keys.reshape(-1)
        row = np.repeat(np.arange(m, dtype=np.int64), bands)
        docs, found = [], []
        self._flush()
        for level, positions in self._levels:  # documents held: binary search
            lo = np.searchsorted(level, flat, "left")
            counts = np.searchsorted(level, flat, "right") - lo
            hits = counts > 0
            if hits.any():
                lo, counts = lo[hits], counts[hits]
                starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
                at = starts + np.arange(counts.sum())
                docs.append(np.repeat(row[hits], counts))
                found.append(positions[at].astype(np.int64))
        # the chunk's own earlier rows: every earlier member of each run of equal keys
        order = np.lexsort((row, flat))
        k, r = flat[order], row[order]
        start = np.concatenate(([True], k[1:] != k[:-1]))
        head = np.maximum.accumulate(np.where(start, np.arange(len(k)), 0))
        depth = np.arange(len(k)) - head  # members of the run before this one
        for d in range(1, int(depth.max(initial=0)) + 1):
            later = np.flatnonzero(depth >= d)
            later = later[r[later - d] < r[later]]  # a row's own keys are not a candidate
            docs.append(r[later])
            found.append(r[later - d] + first)
        if not found:
            return [_EMPTY] * m
        doc, pos = np.concatenate(docs), np.concatenate(found)
        pairs = np.unique((doc << 32) | pos)  # sorted by row, then position; unique
        doc, pos = pairs >> 32, pairs & 0xFFFFFFFF
        cut = np.searchsorted(doc, np.arange(m + 1))
        return [pos[cut[i] : cut[i + 1]] for i in range(m)]

    def add_chunk(self, keys: np.ndarray, first: int) -> None:
        """Hold a chunk's keys (rows numbered from `first` on) as a level of its own."""
        m, bands = keys.shape
        self._flush()
        flat = keys.reshape(-1)
        positions = np.repeat(np.arange(first, first + m, dtype=np.int32), bands)
        order = np.argsort(flat, kind="stable")
        self._push(flat[order], positions[order])

    def add(self, keys: np.ndarray, position: int) -> None:
        """Hold a document's band keys under its position."""
        if self._held + len(keys) > len(self._keys):
            self._flush()
        self._keys[self._held : self._held + len(keys)] = keys
        self._positions[self._held : self._held + len(keys)] = position
        self._held += len(keys)

    def _flush(self) -> None:
        """Sort the buffer into a level."""
        if not self._held:
            return
        keys, positions = self._keys[: self._held], self._positions[: self._held]
        order = np.argsort(keys, kind="stable")
        self._held = 0
        self._push(keys[order], positions[order])

    def _push(self, keys: np.ndarray, positions: np.ndarray) -> None:
        """Add a sorted level; merge levels of like size."""
        self._levels.append((keys, positions))
        while len(self._levels) >= 2 and len(self._levels[-2][0]) <= 2 * len(self._levels[-1][0]):
            (k1, p1), (k2, p2) = self._levels.pop(-2), self._levels.pop()
            keys, positions = np.concatenate([k1, k2]), np.concatenate([p1, p2])
            order = np.argsort(keys, kind="stable")  # two sorted runs: a merge
            self._levels.append((keys[order], positions[order]))


__all__ = ["BUFFER_DOCS", "BandTable"]
