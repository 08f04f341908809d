"""The content model: learnt decisions on the blocks the hand-written rules propose.

`features` turns a page's blocks into rows, `trees` scores them, `decide` applies the
scores; `train` (`make train`) rebuilds the shipped model files (`html.json`,
`text.json`, kilobytes each) from the labelled benchmark pages. Every decision keeps a
reason: a block a chrome rule names keeps the rule's reason, a block the model drops is
`low-content-score` with its score, a block it takes is kept.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from cleaner.document import Block
from cleaner.extract.lines import Line
from cleaner.model.trees import Trees

#: A block the proposal keeps stays unless the model gives it less than this
#: probability of content; one it left out is taken when the model gives it at least
#: TAKE_FROM. Chosen on a small grid scored with models fitted without the pages' own
#: sites (README "The content model"), the same pair for every set and page kind:
#: taking from 0.4 gave wceb +0.005 F1 and cost scrapinghub 0.007 (comments under news
#: stories); from 0.6-0.7 the reverse (scrapinghub +0.004-0.010, wceb -0.010-0.017:
#: forum posts, product specs); readability moved by 0.001 at most over the grid;
#: dropping under 0.1-0.3 was level on every set, under 0.5 lost 0.002.
DROP_BELOW = 0.3
TAKE_FROM = 0.5
#: The model files shipped in this package, by the kind of page they judge.
MODEL_FILES = {"html": "html.json", "text": "text.json"}
#: Reasons the model may overrule: the proposal's guesses about where the body ends,
#: not a rule that named the line.
OVERRULABLE = frozenset({"outside-main-content", "teaser", "navigation", "site-chrome",
                         "comments", "related-list"})
#: ... in a text dump, where "teaser" marks the lines beside cut-off snippets after
#: the story (the headlines of a "more stories" river). Not taking those back, text
#: F1 with sites held out: scrapinghub +0.001, readability level, wceb -0.006 (its
#: listings); kept because the seeds' river of other stories stays out with it.
TEXT_OVERRULABLE = OVERRULABLE - {"teaser"}


def named_by_rule(line: Line) -> bool:
    """Whether a line rule recognises the line on its own: a chrome phrase, a cut-off
    teaser ending, a date or byline, a rights notice. Such a line keeps its rule's
    reason whatever the model says: the rules are what `cleaner explain` can show."""
    return line.chrome is not None or line.truncated or line.dateline or line.notice


@dataclass(frozen=True, slots=True)
class Proposed:
    """What the model saw on one page (for training): the proposed blocks, which a
    rule names, and their feature rows."""

    blocks: list[Block]
    named: list[bool]
    rows: np.ndarray


@functools.cache
def load(kind: str) -> Trees | None:
    """The shipped model for `kind` ("html" or "text"), or None if it is not built yet."""
    path = resources.files(__package__).joinpath(MODEL_FILES[kind])
    if not path.is_file():
        return None
    return Trees.from_json(path.read_text(encoding="utf-8"))


def scores(kind: str, rows: np.ndarray) -> np.ndarray | None:
    """Content probabilities of a page's rows, or None without a model."""
    trees = load(kind)
    if trees is None or len(rows) == 0:
        return None
    return trees.predict(rows)


def decide(blocks: Sequence[Block], named: Sequence[bool], probs: np.ndarray | None,
           drop_below: float = DROP_BELOW, take_from: float = TAKE_FROM,
           overrulable: frozenset[str] = OVERRULABLE) -> None:
    """Apply the model's scores to the proposed blocks, in place.

    The title stays the title; a block a chrome rule names (`named`) and removed
    keeps its rule's reason; a kept block scored under `drop_below` is removed as
    `low-content-score`; a block the proposal left out (for a reason in
    `overrulable`) scored at least `take_from` is kept. Every judged block keeps
    its score.
    """
    if probs is None:
        return
    for block, rule, p in zip(blocks, named, probs, strict=True):
        if block.kind == "title":
            continue
        block.score = float(p)
        if block.kept:
            if p < drop_below:
                block.remove("low-content-score")
        elif not rule and p >= take_from and block.reason in overrulable:
            block.keep()
