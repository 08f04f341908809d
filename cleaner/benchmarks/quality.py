"""Score dedup decisions against exact Jaccard ground truth and the generated families.

Ground truth: a pair of documents is a true duplicate pair when the EXACT
Jaccard similarity of their shingle sets (`exact_jaccard(shingle_set(a),
shingle_set(b))`) is at or above the threshold. It is computed for every pair
within a generated family, every pair within a hard-negative group, and every
pair the system put in one cluster. Pairs across unrelated generated documents
need not be checked, because they cannot reach 0.8: their bodies are
independent draws from the vocabulary, and two independent texts share a given
word 5-gram position with chance (sum of p_w^2)^5, about 1.4e-8 for the
corpus's Zipf vocabulary (sum p_w^2 = 0.027), so two 800-word texts share 0.01
5-grams on average. What unrelated documents can share is the fixed chrome
lines (at most ~20 shingles against at least ~145 per body, J < 0.1) and a
site's boilerplate block (a hard-negative group, which is checked).
`random_pair_max` measures this on random pairs as a sanity check.

Clusters are transitive (A~B and B~C put A and C together even when A and C
score below the threshold), so the scores come in two kinds: over pairs in
one output cluster, and over the direct decisions "doc -> the copy kept for
its cluster". A decision is correct when the two documents are in one
connected component of the truth graph (a chain of true pairs links them);
the strict variant asks for the pair's own exact Jaccard to be at or above
the threshold.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from cleaner.dedup.cluster import UnionFind
from cleaner.dedup.signatures import exact_jaccard

#: Output clusters with more members than this are not expanded into all their
#: pairs (a cluster of k documents has k(k-1)/2); the generator makes none
#: larger than 20, so a bigger one is a finding of its own and is reported.
MAX_CLUSTER_CHECKED = 2000
#: Failure examples kept for the report.
EXAMPLES = 5


@dataclass(frozen=True)
class Quality:
    """Pair and cluster scores of one dedup run (see the module docstring).

    Precision is 1.0 when nothing was predicted; recall is 1.0 when there was
    nothing to find.
    """

    threshold: float
    checked_pairs: int  # pairs whose exact Jaccard was computed
    truth_pairs: int  # of those, at or above the threshold
    predicted_pairs: int  # pairs in one output cluster
    pair_precision: float  # predicted pairs linked in the truth graph
    pair_precision_strict: float  # predicted pairs at or above the threshold themselves
    pair_recall: float  # truth pairs that ended in one cluster
    decisions: int  # documents marked duplicate of a kept copy
    decision_precision: float  # of those, linked to the kept copy in the truth graph
    decision_precision_strict: float  # of those, at or above the threshold to the kept copy
    decision_recall: float  # correct decisions / (documents - truth components)
    family_pair_precision: float  # same-cluster pairs that are same-family pairs
    family_pair_recall: float
    family_pair_f1: float
    family_bcubed_precision: float
    family_bcubed_recall: float
    family_bcubed_f1: float
    unchecked_clusters: int = 0  # clusters over MAX_CLUSTER_CHECKED members
    missed_pairs: int = 0  # truth pairs split across clusters
    wrong_decisions: int = 0  # decisions not linked in the truth graph
    missed: list[tuple[int, int, float]] = field(default_factory=list)  # truth pairs split
    wrong: list[tuple[int, int, float]] = field(default_factory=list)  # (doc, kept, J) wrong
    hard_negative_max: float = 0.0  # highest exact Jaccard within a hard-negative group


def cluster_labels(duplicate_of: Sequence[int | None]) -> list[int]:
    """The cluster of each document: the position of its kept copy (its own when kept)."""
    return [i if kept is None else kept for i, kept in enumerate(duplicate_of)]


def _pairs_within(labels: Sequence[int], limit: int | None = None) -> tuple[set, int]:
    """Every pair (small, big) of positions with equal labels, and the number of
    label groups skipped for having more than limit members."""
    groups: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        groups[label].append(i)
    pairs, skipped = set(), 0
    for members in groups.values():
        if limit is not None and len(members) > limit:
            skipped += 1
            continue
        for x, a in enumerate(members):
            pairs.update((a, b) for b in members[x + 1 :])
    return pairs, skipped


def _pair_count(counts: Counter) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _family_scores(labels: Sequence[int], families: Sequence[int]) -> tuple[float, ...]:
    """Pairwise and B-cubed precision, recall and F1 of clusters against families."""
    cells = Counter(zip(labels, families, strict=True))
    by_cluster, by_family = Counter(labels), Counter(families)
    both = _pair_count(cells)
    p = _ratio(both, _pair_count(by_cluster))
    r = _ratio(both, _pair_count(by_family))
    bp = sum(n * n / by_cluster[c] for (c, _), n in cells.items()) / len(labels)
    br = sum(n * n / by_family[f] for (_, f), n in cells.items()) / len(labels)
    return p, r, _f1(p, r), bp, br, _f1(bp, br)


def score(sets: Sequence[np.ndarray], families: Sequence[int], groups: Sequence[int],
          duplicate_of: Sequence[int | None], threshold: float) -> Quality:
    """Score decisions (duplicate_of[i]: position of i's kept copy, None if kept).

    sets are the documents' shingle sets (`shingle_set`); families and groups
    are the generator's family and hard-negative group of each document
    (group -1 for none).
    """
    n = len(sets)
    labels = cluster_labels(duplicate_of)
    predicted, unchecked = _pairs_within(labels, MAX_CLUSTER_CHECKED)
    candidates = set(predicted)
    candidates |= _pairs_within(families)[0]
    in_groups = _pairs_within([g if g >= 0 else -2 - i for i, g in enumerate(groups)])[0]
    candidates |= in_groups
    similarity = {pair: exact_jaccard(sets[pair[0]], sets[pair[1]]) for pair in candidates}
    truth = sorted(pair for pair, sim in similarity.items() if sim >= threshold)

    union = UnionFind(n)
    for a, b in truth:
        union.union(a, b)
    component = [union.find(i) for i in range(n)]
    components = len(set(component))

    linked = sum(component[a] == component[b] for a, b in predicted)
    strict = sum(similarity[pair] >= threshold for pair in predicted)
    together = [(a, b) for a, b in truth if labels[a] == labels[b]]
    missed = [(a, b, similarity[(a, b)]) for a, b in truth if labels[a] != labels[b]]

    decided = [(i, kept) for i, kept in enumerate(duplicate_of) if kept is not None]
    right = sum(component[i] == component[kept] for i, kept in decided)
    decision_sim = {}
    for i, kept in decided:
        sim = similarity.get((min(i, kept), max(i, kept)))
        decision_sim[(i, kept)] = exact_jaccard(sets[i], sets[kept]) if sim is None else sim
    right_strict = sum(sim >= threshold for sim in decision_sim.values())
    wrong = [(i, kept, decision_sim[(i, kept)]) for i, kept in decided
             if component[i] != component[kept]]
    p, r, f, bp, br, bf = _family_scores(labels, families)
    return Quality(
        threshold=threshold,
        checked_pairs=len(similarity),
        truth_pairs=len(truth),
        predicted_pairs=len(predicted),
        pair_precision=_ratio(linked, len(predicted)),
        pair_precision_strict=_ratio(strict, len(predicted)),
        pair_recall=_ratio(len(together), len(truth)),
        decisions=len(decided),
        decision_precision=_ratio(right, len(decided)),
        decision_precision_strict=_ratio(right_strict, len(decided)),
        decision_recall=_ratio(right, n - components),
        family_pair_precision=p,
        family_pair_recall=r,
        family_pair_f1=f,
        family_bcubed_precision=bp,
        family_bcubed_recall=br,
        family_bcubed_f1=bf,
        unchecked_clusters=unchecked,
        missed_pairs=len(missed),
        wrong_decisions=len(wrong),
        missed=missed[:EXAMPLES],
        wrong=wrong[:EXAMPLES],
        hard_negative_max=max((similarity[pair] for pair in in_groups), default=0.0),
    )


def random_pair_max(sets: Sequence[np.ndarray], families: Sequence[int],
                    groups: Sequence[int], count: int, seed: int = 0) -> float:
    """The highest exact Jaccard over count random pairs of unrelated documents
    (different family, not in one hard-negative group): evidence for the claim
    that such pairs never reach the threshold."""
    rng = random.Random(seed)
    best, n = 0.0, len(sets)
    if n < 2:
        return best
    for _ in range(count):
        a, b = rng.sample(range(n), 2)
        if families[a] == families[b] or (groups[a] >= 0 and groups[a] == groups[b]):
            continue
        best = max(best, exact_jaccard(sets[a], sets[b]))
    return best


__all__ = ["Quality", "cluster_labels", "random_pair_max", "score"]
