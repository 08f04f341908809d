"""`make train`: rebuild the content models from labelled pages, and check they generalise.

Labels come from aligning each proposed block with the page's ground truth: a block
is content when at least half of its token 4-grams (the benchmark metric's shingles)
occur in the truth (`label`). Each page weighs the same (`PAGE_WEIGHT`, shared among
its blocks by tokens), as the metric averages pages, not tokens.

Before the shipped models are fitted on every set, each set is held out in turn:
fitted on the others, scored on it (`cross_set`). A held-out score far below the
in-set one means the model learnt the sets, not the pages. Everything is
deterministic: the same pages give the same files, byte for byte.

Usage: `python -m cleaner.model.train [--bench DIR] [--out DIR] [--jobs N]`; a
folder of your own pages in the benchmark layout (ground-truth.json, html/, text/)
retrains the models on them (`--bench`, `--set`).
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from cleaner import model
from cleaner.document import Block
from cleaner.eval.score import (
    SHINGLE_SIZE,
    PageScore,
    corpus_scores,
    score_page,
    shingle_counts,
    tokens,
)
from cleaner.eval.sets import BenchPage, bench_root, read_html, read_text, select_sets
from cleaner.extract import html as html_extractor
from cleaner.extract import text as text_classifier
from cleaner.inputs.decode import decode
from cleaner.model import fitting, trees
from cleaner.model.features import HTML_NAMES, TEXT_NAMES

#: A block is labelled content when this share of its shingles is in the truth.
LABEL_SHARE = 0.5
#: Every page's blocks share this much weight (see the module docstring).
PAGE_WEIGHT = 100.0
#: Trees, depth and learning rate. Depth 4 lets a split on the proposal combine with
#: three facts about the block; 100 trees at 0.1 reach a held-out loss that more
#: trees do not improve on these sets (checked across sets: README).
TREES = 100
DEPTH = 4
RATE = 0.1
#: Folds of the by-site check: 4 keeps three quarters of the pages for each fit.
FOLDS = 4


@dataclass(slots=True)
class Example:
    """One page as the model sees it, with its truth."""

    set: str
    id: str
    page_type: str | None
    truth: str
    seen: model.Proposed
    site: str  # the page's host (its id without a URL): pages of one site share a fold
    kind: str  # "html" or "text"


def label(texts: Sequence[str], truth: str) -> list[float]:
    """Share of each text's shingles found in the truth.

    A text of fewer tokens than a shingle (a heading, a list item, a spec value) has
    no shingle of the truth's size: it counts as found (1.0) when its tokens occur in
    a row in the truth, else 0.0.
    """
    wanted = shingle_counts(truth)
    truth_tokens = tokens(truth)
    short = {tuple(truth_tokens[i:i + n]) for n in range(1, SHINGLE_SIZE)
             for i in range(len(truth_tokens) - n + 1)}
    out = []
    for text in texts:
        toks = tokens(text)
        if len(toks) < SHINGLE_SIZE:
            out.append(1.0 if toks and tuple(toks) in short else 0.0)
            continue
        counts = shingle_counts(text)
        total = sum(counts.values())
        out.append(sum(n for s, n in counts.items() if s in wanted) / total if total else 0.0)
    return out


def _collect_one(args: tuple[str, BenchPage]) -> Example | None:
    """Run the pipeline's extractor on one page and keep what the model sees."""
    kind, page = args
    seen: list[model.Proposed] = []
    try:
        if kind == "html":
            text, _ = decode(read_html(page))
            html_extractor.extract(text, None, seen)
        else:
            raw = read_text(page).replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
            text_classifier.classify(raw, seen)
    except Exception:  # noqa: BLE001 - a page the pipeline refuses teaches nothing
        return None
    if not seen:
        return None
    host = urlsplit(page.url).hostname or "" if page.url else ""
    site = host.removeprefix("www.") or f"{page.set}/{page.id}"
    return Example(page.set, page.id, page.page_type, page.truth, seen[-1], site, kind)


def collect(kind: str, pages: Sequence[BenchPage], jobs: int) -> list[Example]:
    """What the model sees on each page (in page order; pages with no input skipped)."""
    todo = [(kind, p) for p in pages if kind == "html" or p.text_path is not None]
    if jobs <= 1:
        found = [_collect_one(t) for t in todo]
    else:
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            found = pool.map(_collect_one, todo, chunksize=4)
    return [e for e in found if e is not None]


def _matrix(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, labels and weights of these pages: each page weighs `PAGE_WEIGHT`,
    shared among its blocks by their shingles, as the metric averages pages."""
    X, y, w = [], [], []
    for ex in examples:
        texts = [b.text for b in ex.seen.blocks]
        shares = label(texts, ex.truth)
        sizes = np.array([max(sum(shingle_counts(t).values()), 1) for t in texts], dtype=float)
        X.append(ex.seen.rows)
        y.append(np.array([s >= LABEL_SHARE for s in shares], dtype=np.float64))
        w.append(sizes / sizes.sum() * PAGE_WEIGHT)
    return np.vstack(X), np.concatenate(y), np.concatenate(w)


def fit(examples: Sequence[Example], names: Sequence[str]) -> trees.Trees:
    """Fit a model on these pages."""
    X, y, w = _matrix(examples)
    return fitting.fit(X, y, w, names, trees=TREES, depth=DEPTH, rate=RATE)


def page_text(ex: Example, fitted: trees.Trees | None) -> str:
    """The page's clean text as the pipeline would give it with this model."""
    blocks = [Block(b.text, b.kind, b.kept, b.reason) for b in ex.seen.blocks]
    if fitted is not None and len(ex.seen.rows):
        overrulable = model.TEXT_OVERRULABLE if ex.kind == "text" else model.OVERRULABLE
        model.decide(blocks, ex.seen.named, fitted.predict(ex.seen.rows),
                     overrulable=overrulable)
    return "\n\n".join(b.text for b in blocks if b.in_body)


def scores(examples: Sequence[Example], fitted: trees.Trees | None) -> dict[str, float]:
    """F1 per set and per page type (`set:type`) with this model (None: the proposal)."""
    groups: dict[str, list[PageScore]] = defaultdict(list)
    for ex in examples:
        s = score_page(page_text(ex, fitted), ex.truth)
        groups[ex.set].append(s)
        if ex.page_type:
            groups[f"{ex.set}:{ex.page_type}"].append(s)
    return {k: corpus_scores(v).f1 for k, v in sorted(groups.items())}


def fold_of(example: Example) -> int:
    """The page's fold for the by-site check: a hash of its site, so one site's pages
    are never on both sides (stable across runs and machines)."""
    return int(hashlib.sha256(example.site.encode()).hexdigest(), 16) % FOLDS


def _held_out_scores(examples: Sequence[Example], names: Sequence[str],
                     group: Callable[[Example], object]) -> dict[str, float]:
    """F1 per set and type, each page scored by a model fitted without its group."""
    groups: dict[str, list[PageScore]] = defaultdict(list)
    for held in sorted({group(e) for e in examples}, key=str):
        fitted = fit([e for e in examples if group(e) != held], names)
        for ex in (e for e in examples if group(e) == held):
            s = score_page(page_text(ex, fitted), ex.truth)
            groups[ex.set].append(s)
            if ex.page_type:
                groups[f"{ex.set}:{ex.page_type}"].append(s)
    return {k: corpus_scores(v).f1 for k, v in sorted(groups.items())}


def cross_set(examples: Sequence[Example], names: Sequence[str]) -> dict[str, dict[str, float]]:
    """Per set: the proposal's F1; the held-out-set model's (fitted on the other sets);
    the held-out-site model's (fitted on the other folds of sites, all sets: pages
    like the sets' but of sites it never saw); the in-set model's (fitted on all)."""
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for name, f1 in scores(examples, None).items():
        table[name]["proposal"] = f1
    for name, f1 in _held_out_scores(examples, names, lambda e: e.set).items():
        table[name]["held-out"] = f1
    for name, f1 in _held_out_scores(examples, names, fold_of).items():
        table[name]["by-site"] = f1
    fitted = fit(examples, names)
    for name, f1 in scores(examples, fitted).items():
        table[name]["in-set"] = f1
    return table


def _print_table(kind: str, table: dict[str, dict[str, float]]) -> None:
    """Print `cross_set`'s table, one row per set and page type."""
    print(f"\n{kind}: F1 per set (held-out: fitted on the other sets)")
    print(f"{'set':28} {'proposal':>9} {'held-out':>9} {'by-site':>9} {'in-set':>9}")
    for name, row in table.items():
        cells = " ".join(f"{row.get(c, float('nan')):9.3f}" for c in
                         ("proposal", "held-out", "by-site", "in-set"))
        print(f"{name:28} {cells}")


def main(argv: Sequence[str] | None = None) -> int:
    """Rebuild the models (and print the cross-set check unless --no-check)."""
    parser = argparse.ArgumentParser(prog="python -m cleaner.model.train",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", type=Path, default=None, help="folder of sets "
                        "(default: ../shared/bench next to the repo)")
    parser.add_argument("--set", action="append", default=[], help="only these sets")
    parser.add_argument("--out", type=Path, default=Path(model.__file__).parent,
                        help="where the model files go (default: the package)")
    parser.add_argument("--kind", choices=("html", "text", "both"), default="both")
    parser.add_argument("--jobs", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--limit", type=int, default=None, help="first N pages per set")
    parser.add_argument("--no-check", action="store_true", help="skip the cross-set check")
    args = parser.parse_args(argv)
    bench = args.bench or bench_root()
    sets = select_sets(bench, [s for v in args.set for s in v.split(",") if s], args.limit)
    pages = [p for s in sets for p in s.pages]
    for kind in (("html", "text") if args.kind == "both" else (args.kind,)):
        names = HTML_NAMES if kind == "html" else TEXT_NAMES
        examples = collect(kind, pages, args.jobs)
        if not args.no_check:
            _print_table(kind, cross_set(examples, names))
        fitted = fit(examples, names)
        path = args.out / model.MODEL_FILES[kind]
        path.write_text(fitted.to_json(), encoding="utf-8")
        print(f"{kind}: {len(examples)} pages -> {path} ({path.stat().st_size:,} bytes)")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
