"""What earlier runs left in the index, as one batch sees it.

A batch looks every document up in the persistent index (`store.IndexStore`):
which kept documents of earlier runs it copies (by the signatures' estimate,
since the index keeps no shingle sets), and whether its id was seen before (a
re-crawled page, or the same input run again).

A re-seen document is never a copy of itself: its own indexed entry is left
out of its matches, so it is judged against the other documents only. When
its text is unchanged (the same signature), the batch's copy stands in for
the indexed one: nobody matches the indexed entry (the batch's exact check
decides instead), and the document anchors its cluster as a match of
similarity 1.0 would, so what an earlier run kept stays kept and a batch run
twice gives the same verdicts. When its text changed, its old entry stays
matchable by the others; the document is judged on its new text, and if its
cluster keeps it, the index replaces the old entry with the new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np

from cleaner.dedup.config import DedupConfig
from cleaner.dedup.signatures import estimated_jaccard
from cleaner.dedup.store import IndexStore

#: Documents committed to the index per transaction by default.
DEFAULT_COMMIT_CHUNK = 1024
#: The estimated similarity an unchanged re-seen document anchors its cluster
#: with: its signature equals the indexed one's, so the estimate is exactly 1.
_SAME = 1.0


class PendingIndex(NamedTuple):
    """What a batch adds to the index: kept when a run saves its verdicts before
    the index changes (`Deduper.cluster(defer_index=True)`, `commit_index`)."""

    docs: list[tuple[str, str | None, int, str | None]]  # (id, source, length, date)
    signatures: np.ndarray  # one row per document
    band_keys: np.ndarray


def commit_index(index: IndexStore, pending: PendingIndex, chunk: int = DEFAULT_COMMIT_CHUNK,
                 seen: Iterable[str] = ()) -> None:
    """Add a batch's kept documents to the index, one transaction per chunk, then
    mark `seen` (the batch's ids, duplicates too) as seen, so a later run knows them.

    Safe to repeat: a document already indexed under the same id is replaced,
    and a seen id is recorded once.
    """
    docs, sigs, keys = pending
    for start in range(0, len(docs), chunk):
        index.add(docs[start : start + chunk], sigs[start : start + chunk],
                  keys[start : start + chunk])
    seen = list(seen)
    for start in range(0, len(seen), chunk):
        index.mark_seen(seen[start : start + chunk])


class Anchor(NamedTuple):
    """The indexed document a cluster is a copy of (`PriorMatches.anchor`)."""

    position: int  # in the index
    id: str
    row: int | None  # the batch's document with that id (a re-seen one), if any


class PriorMatches:
    """A batch's lookups in the index (see the module docstring).

    Rows are the batch's input positions. `look_up` is given each chunk as it
    is signed; `anchor` and `seen_before` answer once the batch is complete.
    """

    def __init__(self, index: IndexStore, config: DedupConfig) -> None:
        self.index = index
        self.config = config
        self._matches: dict[int, list[tuple[int, float]]] = {}  # row -> [(position, sim)]
        self._ids: dict[int, str] = {}  # indexed position -> id: every match, every own entry
        self._seen: set[int] = set()  # rows whose id the index knew
        self._own: dict[int, int] = {}  # row -> its own indexed position (re-seen, kept before)
        self._row_of: dict[int, int] = {}  # ... and the other way round
        self._unchanged: dict[int, int] = {}  # own position -> row, same signature

    def look_up(self, first: int, ids: Sequence[str], sigs: np.ndarray, keys: np.ndarray,
                empty: Sequence[int]) -> None:
        """Look up a chunk (rows first.. onwards): what each copies in the index at or
        above the threshold, and whether its id was seen before."""
        seen = self.index.seen(ids)
        own = self.index.find(seen)
        for row, doc_id in enumerate(ids):
            if doc_id in seen:
                self._seen.add(first + row)
            if doc_id in own:
                position = own[doc_id].position
                self._own[first + row] = position
                self._row_of[position] = first + row
                self._ids[position] = doc_id
        found = self.index.candidates(keys)
        wanted = {p for _, p in found} | {self._own[first + r] for r, d in enumerate(ids)
                                            if d in own}
        held = self.index.signatures(wanted, self.config.num_perm) if wanted else {}
        for row, doc_id in enumerate(ids):
            if doc_id in own and not empty[first + row]:
                position = own[doc_id].position
                if np.array_equal(sigs[row], held[position]):
                    self._unchanged[position] = first + row
        for row, position in found:
            if empty[first + row] or self._own.get(first + row) == position:
                continue  # an empty text copies nothing; a page is no copy of itself
            similarity = estimated_jaccard(sigs[row], held[position])
            if similarity >= self.config.threshold:
                self._matches.setdefault(first + row, []).append((position, similarity))
        positions = {p for row in range(first, first + len(ids))
                     for p, _ in self._matches.get(row, ())}
        self._ids.update({p: doc.id for p, doc in self.index.docs(positions).items()})

    def seen_before(self, row: int) -> bool:
        """Whether the index knew this row's id before the batch."""
        return row in self._seen

    def unchanged(self, row: int) -> bool:
        """Whether this row is a re-seen kept document with the same signature as indexed."""
        position = self._own.get(row)
        return position is not None and self._unchanged.get(position) == row

    def anchor(self, group: list[int]) -> Anchor | None:
        """The indexed document a cluster copies, or None.

        The most similar match of any member (ties: the earlier indexed
        document, then the earlier member), where an unchanged re-seen member
        counts as a match of its own entry at similarity 1.0 and nobody else
        matches that entry (the batch's copy, checked exactly, stands in for it).
        """
        best: tuple[float, int, int] | None = None
        for row in group:
            options = [(-s, p, row) for p, s in self._matches.get(row, ())
                       if p not in self._unchanged]
            if self.unchanged(row):
                options.append((-_SAME, self._own[row], row))
            for option in options:
                if best is None or option < best:
                    best = option
        if best is None:
            return None
        position = best[1]
        return Anchor(position, self._ids[position], self._row_of.get(position))


__all__ = ["DEFAULT_COMMIT_CHUNK", "Anchor", "PendingIndex", "PriorMatches", "commit_index"]
