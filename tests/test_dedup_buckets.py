"""Candidate pairs from LSH buckets: the rule, and the same pairs however the rows are split."""

from __future__ import annotations

import random

import numpy as np
import pytest

from cleaner.dedup import Deduper
from cleaner.dedup.buckets import (
    WINDOW,
    batch_pairs,
    bucket_pairs,
    decode,
    key_rows,
    partition_rows,
    set_print,
)


def pairs_of(codes: np.ndarray) -> set[tuple[int, int]]:
    first, second = decode(codes)
    return set(zip(first.tolist(), second.tolist(), strict=True))


def one_bucket(prints: list[int]) -> np.ndarray:
    """Rows of documents 0..n-1, all in one bucket of band 0, with these fingerprints."""
    positions = np.arange(len(prints), dtype=np.int64)
    keys = np.full((len(prints), 1), 7, dtype=np.uint64)
    return key_rows(keys, np.array(prints, dtype=np.uint64), positions)


def test_a_member_is_paired_with_the_first_and_the_window_before_it() -> None:
    n = WINDOW + 6
    found = pairs_of(bucket_pairs(one_bucket(list(range(100, 100 + n)))))
    last = n - 1
    partners = {a for a, b in found if b == last}
    assert partners == {0, *range(last - WINDOW, last)}
    assert all(a < b for a, b in found)
    # linear, not quadratic, in the bucket's size
    assert len(found) < n * (WINDOW + 1)


def test_exact_copies_are_paired_with_the_first_of_them_and_leave_the_window_free() -> None:
    # documents 1..30 are copies of one text; 31 is a near copy of document 0
    prints = [1] + [2] * 30 + [3]
    found = pairs_of(bucket_pairs(one_bucket(prints)))
    assert {(1, m) for m in range(2, 31)} <= found
    assert (0, 31) in found and (1, 31) in found
    # copies 2..30 stand behind 1 and are paired with nothing else
    assert not {(a, b) for a, b in found if b == 31 and 2 <= a <= 30}


def test_documents_in_different_buckets_or_bands_are_not_paired() -> None:
    keys = np.array([[1, 5], [2, 6], [1, 7], [3, 5]], dtype=np.uint64)
    prints = np.array([10, 11, 12, 13], dtype=np.uint64)
    found = pairs_of(batch_pairs(keys, prints, np.arange(4)))
    assert found == {(0, 2), (0, 3)}


@pytest.mark.parametrize("parts", [1, 2, 7])
def test_split_by_bucket_the_rows_give_the_batch_pairs(parts: int) -> None:
    rng = np.random.default_rng(5)
    n, bands = 3000, 6
    keys = rng.integers(0, 400, size=(n, bands), dtype=np.uint64)  # many shared buckets
    prints = rng.integers(0, 2500, size=n, dtype=np.uint64)  # some equal prints
    valid = np.sort(rng.choice(n, size=2500, replace=False))
    expected = batch_pairs(keys, prints, valid)
    assert len(expected) > 1000
    # rows sent in three chunks, each split by bucket, each group paired on its own
    groups: list[list[np.ndarray]] = [[] for _ in range(parts)]
    for chunk in np.array_split(valid, 3):
        for p, piece in enumerate(partition_rows(key_rows(keys[chunk], prints[chunk], chunk),
                                                 parts)):
            groups[p].append(piece)
    found = np.unique(np.concatenate([bucket_pairs(np.concatenate(g)) for g in groups]))
    assert np.array_equal(found, expected)


def test_the_set_print_tells_equal_sets_from_near_ones() -> None:
    a = np.array([1, 5, 9], dtype=np.uint64)
    assert set_print(a) == set_print(a.copy())
    assert set_print(a) != set_print(np.array([1, 5, 10], dtype=np.uint64))


def story(rng: random.Random, n: int) -> str:
    return " ".join(f"w{rng.randrange(10**6)}" for _ in range(n))


def family_batch(seed: int) -> list[tuple[str, str]]:
    """Families of near copies (word edits), exact copies, and unrelated stories, shuffled."""
    rng = random.Random(seed)
    docs = []
    for family in range(6):
        base = story(rng, 300).split()
        for copy in range(5):
            words = list(base)
            for _ in range(copy):
                words[rng.randrange(len(words))] = f"x{rng.randrange(10**6)}"
            docs.append((f"f{family}-{copy}", " ".join(words)))
        docs.append((f"f{family}-exact", docs[-1][1]))
    docs += [(f"single{i}", story(rng, 200)) for i in range(20)]
    rng.shuffle(docs)
    return docs


class RecordingBuckets:
    """Finds pairs the way the batch does, in reverse order, and says it was asked."""

    def __init__(self) -> None:
        self.calls = 0

    def pairs(self, keys: np.ndarray, prints: np.ndarray, positions: np.ndarray) -> np.ndarray:
        self.calls += 1
        return batch_pairs(keys, prints, positions)[::-1]


def test_verdicts_do_not_depend_on_where_or_in_what_order_pairs_are_found() -> None:
    docs = family_batch(3)
    expected = Deduper(threshold=0.8).cluster(docs)
    elsewhere_finder = RecordingBuckets()
    elsewhere = Deduper(threshold=0.8).cluster(docs, buckets=elsewhere_finder)
    assert elsewhere == expected and elsewhere_finder.calls == 1
    clusters = {v.cluster for k, v in expected.items() if k.startswith("f2-")}
    assert len(clusters) == 1
    assert all(v.kept for k, v in expected.items() if k.startswith("single"))


def test_dask_shuffle_gives_the_batch_pairs() -> None:
    distributed = pytest.importorskip("distributed")
    from cleaner.batch import dask_engine
    rng = np.random.default_rng(9)
    n = 500
    keys = rng.integers(0, 60, size=(n, 4), dtype=np.uint64)
    prints = rng.integers(0, 450, size=n, dtype=np.uint64)
    valid = np.arange(0, n, 2)
    with distributed.Client(processes=False, n_workers=2, threads_per_worker=1,
                            dashboard_address=None) as client:
        old = dask_engine.SHUFFLE_CHUNK
        dask_engine.SHUFFLE_CHUNK = 64  # several map tasks
        try:
            found = dask_engine.DaskBuckets(client, 3).pairs(keys, prints, valid)
        finally:
            dask_engine.SHUFFLE_CHUNK = old
    assert np.array_equal(found, batch_pairs(keys, prints, valid))
