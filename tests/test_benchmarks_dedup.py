"""Tests for the dedup benchmark: the generated corpus and the quality scores.

The corpus must be what the benchmark claims (seeded, light copies above the
threshold, hard negatives below it), and the scores must reward a perfect
prediction and catch a wrong merge or a missed pair.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from itertools import combinations

import pytest

from cleaner.benchmarks import dedup as bench
from cleaner.benchmarks.corpus import FAMILY_SIZES, MAX_WORDS, MIN_WORDS, generate
from cleaner.benchmarks.quality import random_pair_max, score
from cleaner.dedup.cluster import UnionFind
from cleaner.dedup.signatures import exact_jaccard, shingle_set

THRESHOLD = 0.8
N_DOCS = 300


@pytest.fixture(scope="module")
def corpus():
    return generate(N_DOCS, seed=7)


@pytest.fixture(scope="module")
def sets(corpus):
    return [shingle_set(doc.text) for doc in corpus]


def _members(values):
    groups = defaultdict(list)
    for i, value in enumerate(values):
        groups[value].append(i)
    return groups


def _perfect(corpus, sets):
    """duplicate_of from the exact truth: components of pairs at or above the threshold."""
    union = UnionFind(len(corpus))
    for key in ("family", "group"):
        for label, members in _members([getattr(doc, key) for doc in corpus]).items():
            if key == "group" and label < 0:
                continue
            for a, b in combinations(members, 2):
                if exact_jaccard(sets[a], sets[b]) >= THRESHOLD:
                    union.union(a, b)
    roots = [union.find(i) for i in range(len(corpus))]
    return [None if root == i else root for i, root in enumerate(roots)]


def _singletons(corpus):
    return [i for i, doc in enumerate(corpus) if doc.kind == "single"]


def test_same_seed_same_corpus(corpus):
    assert generate(N_DOCS, seed=7) == corpus
    assert [d.text for d in generate(N_DOCS, seed=8)] != [d.text for d in corpus]


def test_corpus_mix(corpus):
    kinds = Counter(doc.kind for doc in corpus)
    assert len(corpus) == N_DOCS
    assert len({doc.id for doc in corpus}) == N_DOCS
    assert kinds["single"] >= 0.6 * N_DOCS - 3
    in_families = kinds["original"] + kinds["light-copy"] + kinds["heavy-copy"]
    assert 0.25 * N_DOCS - 3 <= in_families <= 0.25 * N_DOCS
    assert kinds["shared-paragraph"] > 0 and kinds["site-boilerplate"] > 0
    sizes = Counter(doc.family for doc in corpus if doc.kind != "single")
    family_sizes = [n for f, n in sizes.items()
                    if any(d.family == f and d.kind == "original" for d in corpus)]
    assert all(FAMILY_SIZES[0] <= n <= FAMILY_SIZES[1] for n in family_sizes)
    for doc in corpus:
        if doc.kind in ("single", "original"):
            body = doc.text.split("\n\n", 1)[1]  # without the title
            assert MIN_WORDS <= len(body.split()) <= MAX_WORDS


def test_copies_point_at_a_family_member(corpus):
    for doc in corpus:
        if doc.kind.endswith("-copy"):
            assert corpus[doc.parent].family == doc.family
        else:
            assert doc.parent == -1


def test_light_copies_are_near_duplicates(corpus, sets):
    light = [i for i, doc in enumerate(corpus) if doc.kind == "light-copy"]
    assert len(light) >= 20
    for i in light:
        assert exact_jaccard(sets[i], sets[corpus[i].parent]) >= THRESHOLD, corpus[i].ops


def test_hard_negatives_are_below_the_threshold(corpus, sets):
    groups = _members([doc.group for doc in corpus])
    groups.pop(-1, None)
    assert len(groups) >= 4
    shared = []
    for members in groups.values():
        for a, b in combinations(members, 2):
            similarity = exact_jaccard(sets[a], sets[b])
            assert similarity < THRESHOLD
            shared.append(similarity)
    assert max(shared) > 0.1  # they do share text: a hard negative, not a random pair


def test_unrelated_documents_share_almost_nothing(corpus, sets):
    families = [doc.family for doc in corpus]
    groups = [doc.group for doc in corpus]
    assert random_pair_max(sets, families, groups, count=2000) < 0.2


def test_perfect_prediction_scores_one(corpus, sets):
    quality = score(sets, [d.family for d in corpus], [d.group for d in corpus],
                    _perfect(corpus, sets), THRESHOLD)
    assert quality.truth_pairs > 0
    assert quality.decision_precision == quality.pair_precision == 1.0
    assert quality.decision_recall == quality.pair_recall == 1.0
    assert quality.family_pair_precision == 1.0
    assert quality.missed == [] and quality.wrong == []


def test_merging_unrelated_documents_lowers_precision(corpus, sets):
    duplicate_of = _perfect(corpus, sets)
    a, b = _singletons(corpus)[:2]
    duplicate_of[b] = a
    quality = score(sets, [d.family for d in corpus], [d.group for d in corpus],
                    duplicate_of, THRESHOLD)
    assert quality.decision_precision < 1.0
    assert quality.pair_precision < 1.0
    assert quality.family_pair_precision < 1.0
    assert quality.pair_recall == 1.0
    assert [(w[0], w[1]) for w in quality.wrong] == [(b, a)]


def test_splitting_a_true_pair_lowers_recall(corpus, sets):
    duplicate_of = _perfect(corpus, sets)
    copy = next(i for i, kept in enumerate(duplicate_of) if kept is not None)
    duplicate_of[copy] = None
    quality = score(sets, [d.family for d in corpus], [d.group for d in corpus],
                    duplicate_of, THRESHOLD)
    assert quality.pair_recall < 1.0
    assert quality.decision_recall < 1.0
    assert quality.decision_precision == 1.0
    assert quality.missed


def test_command_writes_every_figure(tmp_path, capsys):
    out = tmp_path / "bench.json"
    bench.main(["--docs", "300", "--sample", "20", "--out", str(out)])
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["corpus"]["docs"] == 300
    assert figures["memory"]["docs"] == 300
    assert figures["quality"]["decisions"] > 0
    assert figures["quality"]["decision_precision"] == 1.0
    assert figures["checks"]["inconsistent_clusters"] == 0
    printed = capsys.readouterr().out
    assert "ratio from text" in printed and "pair recall" in printed


def test_generate_rejects_an_empty_corpus():
    with pytest.raises(ValueError, match="at least 1"):
        generate(0)
