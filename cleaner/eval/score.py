"""Benchmark metrics: how close is a clean text to a hand-checked body?

The shingle metric is the ScrapingHub article-extraction benchmark's own (see
the bench README), used for every set, so our figures compare with the
published ones. Beside it: wceb's snippet checks (`with` / `without`), the
passages a report shows for a bad page, and the "catastrophic page" test. The
sets are loaded by `eval.sets`, run by `eval.run`, reported by `eval.report`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SHINGLE_SIZE = 4  # the benchmark's token n-gram size; changing it breaks comparability
PASSAGE_CHARS = 200  # a snippet longer than this is cut: enough to recognise a paragraph
PASSAGES_PER_SIDE = 3  # wrongly kept / removed passages shown per worst page
#: A page is catastrophic for a system when its page F1 is under this share of the
#: reference's on the same page: the issue's definition, a page where most of what
#: the reference got right was lost (a plain loss of a few points is not one).
CATASTROPHIC_SHARE = 0.5

_TOKEN_RE = re.compile(r"\w+")  # str patterns are Unicode-aware by default

Shingle = tuple[str, ...]


# --- metric -----------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """The benchmark's tokens: runs of word characters, case kept."""
    return _TOKEN_RE.findall(text)


def _shingles(toks: Sequence[str]) -> list[Shingle]:
    """Token 4-grams in order; a short text is one shingle, an empty one has none."""
    if not toks:
        return []
    if len(toks) < SHINGLE_SIZE:
        return [tuple(toks)]
    return [tuple(toks[i:i + SHINGLE_SIZE]) for i in range(len(toks) - SHINGLE_SIZE + 1)]


def shingle_counts(text: str) -> Counter[Shingle]:
    """The multiset of a text's shingles, the unit the benchmark counts."""
    return Counter(_shingles(tokens(text)))


@dataclass(frozen=True, slots=True)
class PageScore:
    """One page's match. tp/fp/fn are raw shingle counts (the benchmark's normalisation
    by tp+fp+fn cancels in every ratio, so it is left out)."""

    precision: float
    recall: float
    tp: int
    fp: int
    fn: int
    exact: bool

    @property
    def f1(self) -> float:
        """Page F1, used only to rank the worst pages."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def score_page(pred: str, truth: str) -> PageScore:
    """Score one prediction against its truth, exactly as the bench README defines it.

    Precision is 1 when fp = fn = 0 (both texts have the same shingles, including
    both empty) and otherwise 0 when tp = fp = 0: an empty prediction on a
    non-empty truth has page precision 0. Recall is the mirror image with fn.
    """
    pred_counts, true_counts = shingle_counts(pred), shingle_counts(truth)
    tp = fp = fn = 0
    for shingle in pred_counts.keys() | true_counts.keys():
        p, t = pred_counts[shingle], true_counts[shingle]
        tp += min(p, t)
        fp += max(0, p - t)
        fn += max(0, t - p)
    if fp == fn == 0:
        precision = recall = 1.0
    else:
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
    return PageScore(precision, recall, tp, fp, fn, tokens(pred) == tokens(truth))


@dataclass(frozen=True, slots=True)
class Scores:
    """Corpus figures, comparable with the published ones."""

    precision: float
    recall: float
    f1: float
    accuracy: float
    pages: int


def corpus_scores(pages: Iterable[PageScore]) -> Scores:
    """Means of page precision and recall, their harmonic mean, and exact-match share.

    As the README says, precision is averaged only over pages with tp+fp > 0 and
    recall only over pages with tp+fn > 0. So a page with an empty prediction
    (page precision 0) is left out of the precision mean and weighs on recall
    (page recall 0) and accuracy only; a page where both texts are empty is
    left out of both means but counts as exact.
    """
    pages = list(pages)
    precisions = [p.precision for p in pages if p.tp + p.fp > 0]
    recalls = [p.recall for p in pages if p.tp + p.fn > 0]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = sum(p.exact for p in pages) / len(pages) if pages else 0.0
    return Scores(precision, recall, f1, accuracy, len(pages))


# --- passages ---------------------------------------------------------------------------------


def _unmatched_tokens(toks: Sequence[str], other: Counter[Shingle]) -> list[bool]:
    """Mark the tokens that only unmatched shingles cover.

    A token also covered by a matched shingle is left unmarked, so a passage
    does not spill up to three correct tokens into its neighbours. Repeated
    shingles are matched first come, first served, so the marking is deterministic.
    """
    budget = Counter(other)
    unmatched = [False] * len(toks)
    matched = [False] * len(toks)
    for start, shingle in enumerate(_shingles(toks)):
        hit = budget[shingle] > 0
        budget[shingle] -= hit
        cover = matched if hit else unmatched
        for i in range(start, start + len(shingle)):
            cover[i] = True
    return [u and not m for u, m in zip(unmatched, matched, strict=True)]


def _snippet(text: str) -> str:
    """One line, cut to PASSAGE_CHARS so a report stays readable."""
    line = " ".join(text.split())
    return line if len(line) <= PASSAGE_CHARS else line[:PASSAGE_CHARS - 1].rstrip() + "…"


def unmatched_passages(text: str, other: str, limit: int = PASSAGES_PER_SIDE) -> list[str]:
    """The longest runs of `text` that `other` does not have, in text order.

    With text = prediction and other = truth these are the passages wrongly
    kept; swapped, the passages wrongly removed.
    """
    spans = [m.span() for m in _TOKEN_RE.finditer(text)]
    marked = _unmatched_tokens([text[a:b] for a, b in spans], shingle_counts(other))
    runs: list[tuple[int, int]] = []  # (first token, last token)
    for i, flag in enumerate(marked):
        if not flag:
            continue
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    longest = sorted(runs, key=lambda r: (-(r[1] - r[0]), r[0]))[:limit]
    return [_snippet(text[spans[a][0]:spans[b][1]]) for a, b in sorted(longest)]


# --- snippets ---------------------------------------------------------------------------------


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace (newlines between blocks included) as one space, ends trimmed.

    Snippets are sentences copied from the rendered page while an extraction
    joins blocks with blank lines, so only the spacing is forgiven; case and
    punctuation are kept, as in the shingle metric (tokens are case-sensitive)
    and in the with/without checks this benchmark format comes from
    (trafilatura's evaluation: a plain `snippet in text`).
    """
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class SnippetCounts:
    """One page's snippet checks: `with` snippets found, `without` snippets absent."""

    with_found: int = 0
    with_total: int = 0
    without_absent: int = 0
    without_total: int = 0


def snippet_counts(pred: str, with_snippets: Sequence[str],
                   without_snippets: Sequence[str]) -> SnippetCounts:
    """Check a prediction against a page's snippets (a snippet with no words is ignored,
    since the empty string is in every text)."""
    text = collapse_whitespace(pred)
    wanted = [s for s in map(collapse_whitespace, with_snippets) if s]
    unwanted = [s for s in map(collapse_whitespace, without_snippets) if s]
    return SnippetCounts(
        with_found=sum(s in text for s in wanted),
        with_total=len(wanted),
        without_absent=sum(s not in text for s in unwanted),
        without_total=len(unwanted),
    )


@dataclass(frozen=True, slots=True)
class SnippetShares:
    """Over many pages: the share of `with` snippets found and of `without` snippets
    absent (pooled over snippets; None when there were none to check)."""

    with_share: float | None
    without_share: float | None
    with_total: int
    without_total: int


def snippet_shares(pages: Iterable[SnippetCounts]) -> SnippetShares:
    """Pool the snippet checks: every snippet weighs the same, whatever page it is on."""
    pages = list(pages)
    found = sum(p.with_found for p in pages)
    wanted = sum(p.with_total for p in pages)
    absent = sum(p.without_absent for p in pages)
    unwanted = sum(p.without_total for p in pages)
    return SnippetShares(found / wanted if wanted else None,
                         absent / unwanted if unwanted else None, wanted, unwanted)


def is_catastrophic(score: PageScore, reference: PageScore) -> bool:
    """Page F1 under CATASTROPHIC_SHARE of the reference's on the same page."""
    return score.f1 < CATASTROPHIC_SHARE * reference.f1


__all__ = [
    "CATASTROPHIC_SHARE", "PASSAGE_CHARS", "SHINGLE_SIZE", "PageScore", "Scores",
    "SnippetCounts", "SnippetShares", "corpus_scores", "is_catastrophic",
    "collapse_whitespace", "score_page", "shingle_counts", "snippet_counts", "snippet_shares",
    "tokens", "unmatched_passages",
]
