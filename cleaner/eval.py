"""Benchmark metrics and runners: how close is our clean text to a hand-checked body?

The metric is the ScrapingHub article-extraction benchmark's own (see the
bench README), so our figures compare with the published ones. The runners
time only the extraction call, so reading and unzipping files is not counted.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import trafilatura

from cleaner.pipeline import clean

SHINGLE_SIZE = 4  # the benchmark's token n-gram size; changing it breaks comparability
PASSAGE_CHARS = 200  # a snippet longer than this is cut: enough to recognise a paragraph
PASSAGES_PER_SIDE = 3  # wrongly kept / removed passages shown per worst page

_TOKEN_RE = re.compile(r"\w+")  # str patterns are Unicode-aware by default

Shingle = tuple[str, ...]


def default_bench() -> Path:
    """The bench next to the repo (../shared/bench/scrapinghub), read in place, never copied."""
    return Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "scrapinghub"


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


# --- bench and runners ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BenchPage:
    """One benchmark page: where its inputs are and what its body should be."""

    id: str
    url: str
    truth: str
    html_path: Path
    text_path: Path


def load_bench(bench: Path, limit: int | None = None) -> list[BenchPage]:
    """Pages in sorted id order, so `limit` always picks the same ones."""
    truth = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if limit is not None else sorted(truth)
    return [
        BenchPage(i, truth[i].get("url", ""), truth[i]["articleBody"],
                  bench / "html" / f"{i}.html.gz", bench / "text" / f"{i}.txt")
        for i in ids
    ]


def _read_html(page: BenchPage) -> str:
    # Decoded here, as the benchmark's own harness does, so every system gets the same str.
    with gzip.open(page.html_path, "rt", encoding="utf-8") as handle:
        return handle.read()


def _read_text(page: BenchPage) -> str:
    return page.text_path.read_text(encoding="utf-8")


def _cleaner_html(page: BenchPage, raw: str) -> str:
    return clean(raw, kind="html", url=page.url or None).text


def _cleaner_text(page: BenchPage, raw: str) -> str:
    return clean(raw, kind="text").text


def _trafilatura_html(page: BenchPage, raw: str) -> str:
    return trafilatura.extract(raw) or ""


@dataclass(frozen=True, slots=True)
class System:
    """A system under test: how to read its input, and the extraction call that is timed."""

    name: str
    read: Callable[[BenchPage], str]
    extract: Callable[[BenchPage, str], str]


SYSTEMS: dict[str, System] = {
    s.name: s
    for s in (
        System("cleaner-html", _read_html, _cleaner_html),
        System("cleaner-text", _read_text, _cleaner_text),
        System("trafilatura-html", _read_html, _trafilatura_html),
    )
}
BASELINE = "trafilatura-html"  # the speed ratio of cleaner-html is measured against this


@dataclass(slots=True)
class PageResult:
    """A page's prediction and score; a page that raised has an empty prediction and its error."""

    id: str
    prediction: str
    score: PageScore
    error: str | None = None


@dataclass(slots=True)
class SystemResult:
    """One system over the bench: page results, corpus scores, extraction time."""

    name: str
    pages: list[PageResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def scores(self) -> Scores:
        return corpus_scores(p.score for p in self.pages)

    @property
    def pages_per_second(self) -> float:
        return len(self.pages) / self.seconds if self.seconds > 0 else 0.0


def run_system(system: System, pages: Sequence[BenchPage]) -> SystemResult:
    """Run one system page by page; errors are recorded per page and the run goes on."""
    result = SystemResult(system.name)
    if pages:  # one untimed call, so lazy set-up does not land on whichever system runs first
        try:
            system.extract(pages[0], system.read(pages[0]))
        except Exception:  # the timed run below records it
            pass
    for page in pages:
        error = None
        try:
            raw = system.read(page)
            start = time.perf_counter()
            try:
                prediction = system.extract(page, raw)
            finally:
                result.seconds += time.perf_counter() - start
        except Exception as exc:  # a page boundary: record the error and go on
            prediction, error = "", f"{type(exc).__name__}: {exc}"
        result.pages.append(PageResult(page.id, prediction, score_page(prediction, page.truth),
                                       error))
    return result


def evaluate(pages: Sequence[BenchPage], names: Sequence[str]) -> list[SystemResult]:
    """Run the named systems over the same pages, in the order given."""
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        raise ValueError(f"unknown system(s) {', '.join(unknown)}; known: {', '.join(SYSTEMS)}")
    return [run_system(SYSTEMS[name], pages) for name in names]


# --- reports ----------------------------------------------------------------------------------


def speed_ratio(results: Sequence[SystemResult], name: str = "cleaner-html") -> float | None:
    """Pages/s of `name` divided by the baseline's in the same run (> 1: faster)."""
    by_name = {r.name: r for r in results}
    if name not in by_name or BASELINE not in by_name:
        return None
    base = by_name[BASELINE].pages_per_second
    return by_name[name].pages_per_second / base if base else None


def format_table(results: Sequence[SystemResult]) -> str:
    """The one table a run prints; empty counts pages with no predicted text (errors included)."""
    head = (f"{'system':<18} {'pages':>5} {'P':>6} {'R':>6} {'F1':>6} {'acc':>6} "
            f"{'empty':>5} {'errors':>6} {'pages/s':>8}  vs {BASELINE}")
    lines = [head, "-" * len(head)]
    ratio = speed_ratio(results)
    for r in results:
        s = r.scores
        empty = sum(not tokens(p.prediction) for p in r.pages)
        errors = sum(p.error is not None for p in r.pages)
        vs = f"{ratio:.2f}x" if r.name == "cleaner-html" and ratio is not None else ""
        lines.append(f"{r.name:<18} {s.pages:>5} {s.precision:>6.3f} {s.recall:>6.3f} "
                     f"{s.f1:>6.3f} {s.accuracy:>6.3f} {empty:>5} {errors:>6} "
                     f"{r.pages_per_second:>8.1f}  {vs}".rstrip())
    return "\n".join(lines)


def format_worst(result: SystemResult, truths: dict[str, str], count: int) -> str:
    """The `count` lowest-F1 pages with what was wrongly kept and wrongly removed."""
    worst = sorted(result.pages, key=lambda p: (p.score.f1, p.id))[:count]
    lines = [f"== {result.name}: {len(worst)} worst pages by F1"]
    for page in worst:
        s = page.score
        lines.append(f"-- {page.id}  F1 {s.f1:.3f}  P {s.precision:.3f}  R {s.recall:.3f}"
                     + (f"  error: {page.error}" if page.error else ""))
        for label, text, other in (("kept", page.prediction, truths[page.id]),
                                   ("removed", truths[page.id], page.prediction)):
            for passage in unmatched_passages(text, other):
                lines.append(f"   wrongly {label}: {passage}")
    return "\n".join(lines)


def results_json(results: Sequence[SystemResult], bench: Path) -> dict:
    """Per-page scores of every system, for diffing runs (predictions are not stored)."""
    return {
        "bench": str(bench),
        "systems": {
            r.name: {
                **asdict(r.scores),
                "seconds": round(r.seconds, 3),
                "pages_per_second": round(r.pages_per_second, 2),
                "pages": {
                    p.id: {**asdict(p.score), "f1": p.score.f1, "error": p.error}
                    for p in r.pages
                },
            }
            for r in results
        },
        "speed_ratio_cleaner_html": speed_ratio(results),
    }


def write_json(data: dict, path: Path) -> None:
    """Write atomically (temp file + rename), so a crashed run leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
