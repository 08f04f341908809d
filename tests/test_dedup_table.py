"""`BandTable`: the in-memory band keys give the candidates a dict of lists would."""

from __future__ import annotations

import numpy as np

from cleaner.dedup.table import BandTable


def by_dict(keys: np.ndarray) -> list[list[int]]:
    """Each row's earlier rows sharing a key, the plain way."""
    table: dict[int, list[int]] = {}
    out = []
    for i, row in enumerate(keys.tolist()):
        out.append(sorted({p for k in row for p in table.get(k, ())}))
        for k in row:
            table.setdefault(k, []).append(i)
    return out


def test_one_at_a_time_and_by_chunks_give_the_dicts_candidates() -> None:
    rng = np.random.default_rng(0)
    for _ in range(150):
        bands, n = int(rng.integers(1, 5)), int(rng.integers(1, 250))
        keys = rng.integers(0, int(rng.integers(2, 60)), (n, bands)).astype(np.uint64)
        expected = by_dict(keys)
        table, got, at = BandTable(bands, buffer_docs=7), [], 0
        while at < n:
            part = keys[at : at + int(rng.integers(1, 60))]
            if rng.random() < 0.3:  # documents one at a time
                for i, row in enumerate(part):
                    got.append(table.candidates(row).tolist())
                    table.add(row, at + i)
            else:  # a chunk at once
                got += [c.tolist() for c in table.chunk_candidates(part, at)]
                table.add_chunk(part, at)
            at += len(part)
        assert got == expected
        assert len(table) == n * bands


def test_levels_stay_few() -> None:
    table = BandTable(2, buffer_docs=4)
    for i in range(5000):
        table.add(np.array([i, i + 1], dtype=np.uint64), i)
    assert len(table._levels) <= 14  # about log2(5000 / 4) merged levels
    assert table.candidates(np.array([100], dtype=np.uint64)).tolist() == [99, 100]
