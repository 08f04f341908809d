"""The content model on an HTML page's blocks: what the DOM says about each, then the decision.

`cleaner.extract.html` proposes the blocks in page order (trafilatura's, checked
against the DOM, and every other page line); `judge` builds their feature rows
(`cleaner.model.features`) and lets the model decide (`cleaner.model.decide`).
"""

from __future__ import annotations

import copy

from cleaner import model
from cleaner.document import Block
from cleaner.extract.dom import DomLine
from cleaner.extract.lines import Line, is_glued_teaser, line_features
from cleaner.lang.language import Language
from cleaner.lang.language import min_density as prose_density
from cleaner.model import features as model_features
from cleaner.strip import rules


def link_density(lines: list[DomLine], idx: list[int]) -> float:
    """Share of link text in these page lines."""
    chars = sum(lines[i].chars for i in idx)
    return sum(lines[i].link_chars for i in idx) / chars if chars else 0.0


def dom_facts(members: list[list[int]], lines: list[DomLine], shares: list[float],
              from_trafilatura: list[bool]) -> list[model_features.DomFacts]:
    """What the DOM says about each block, from the page lines it covers."""
    facts = []
    for idx, traf in zip(members, from_trafilatura, strict=True):
        if not idx:
            facts.append(model_features.DomFacts(0.0, traf, 0.0, None, 0, 0, 0, 0, 0))
            continue
        first = lines[idx[0]]
        facts.append(model_features.DomFacts(
            link_density(lines, idx), traf, max(shares[i] for i in idx), first.region,
            min(lines[i].depth for i in idx), first.tags, first.near_tags, first.words,
            first.near_words))
    return facts


def _named(block: Block, quick: Line) -> bool:
    """Whether a line rule names the block: the quick features' own rules, and the ones
    they leave out, run as `rules.apply_line_rules` runs them on HTML blocks."""
    return (model.named_by_rule(quick) or rules.chrome_reason(block.text) is not None
            or rules.is_rights_notice(block.text) or is_glued_teaser(block.text))


def judge(blocks: list[Block], members: list[list[int]], lines: list[DomLine],
          shares: list[float], from_trafilatura: list[bool], lang: Language,
          rows_out: list[model.Proposed] | None = None) -> None:
    """The content model's decisions on a page's blocks in page order (in place).

    `rows_out`, for training, receives the proposal (copies of the blocks), which
    blocks a rule names, and the feature rows, before the model decides.
    """
    # the chrome rules cost more than the model: they already judged trafilatura's
    # blocks (`apply_line_rules`), and check in full only the blocks the model would
    # take (the only ones `decide` asks about)
    feats = [line_features(k, b.text, lang, chrome_rules=False)
             for k, b in enumerate(blocks)]
    rows = model_features.text_matrix(feats, [b.in_body for b in blocks],
                                      prose_density(lang), lang.unspaced)
    rows = model_features.html_matrix(rows, dom_facts(members, lines, shares, from_trafilatura))
    if rows_out is not None:  # every block checked in full: what `decide` may read
        rows_out.append(model.Proposed([copy.copy(b) for b in blocks],
                                       [_named(b, f) for b, f in zip(blocks, feats, strict=True)],
                                       rows))
    probs = model.scores("html", rows)
    if probs is None:
        return
    named = [not b.kept and probs[k] >= model.TAKE_FROM and _named(b, feats[k])
             for k, b in enumerate(blocks)]
    model.decide(blocks, named, probs)
