"""What the content model reads about each block: the facts the rules already compute.

One row per block, in page order. The text columns (`TEXT_NAMES`) serve text-dump
lines and HTML blocks alike: length, stop-word density, sentence shape, the chrome
rules' verdict, position, repetition, the hand-written classifier's proposal, and the
same facts of the neighbours (a paragraph among paragraphs is content; a short line
among menu items is not). HTML blocks add what the DOM says (`HTML_NAMES`): link
density, region, depth, the tags and class/id words around the block (a fixed,
general vocabulary: `cleaner.extract.context.CONTEXT_TAGS` / `CONTEXT_WORDS`), and
whether trafilatura proposed it: its proposal is a feature, not the truth.

Nothing here names a page, a site or a domain; every column is a property any page has.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cleaner.extract.context import CONTEXT_TAGS, CONTEXT_WORDS
from cleaner.extract.dom import REGION_TAGS, REGION_WORDS
from cleaner.extract.lines import Line, ends_section, gap_cost, is_good, is_prose

#: Lines of at most this many words are short: labels, menu items, names.
SHORT_WORDS = 3
#: Neighbour offsets whose facts each row also carries.
OFFSETS = (-2, -1, 1, 2)
#: Half-widths of the windows whose mean facts each row also carries: the paragraph's
#: surroundings (3) and its section of the page (10).
WINDOWS = (3, 10)
#: Tables that delete punctuation / digits: a line's count of them is what
#: `str.translate` takes away (one C call each, where a regex findall cost 3x).
_NO_PUNCT = str.maketrans("", "", ".,;:!?。，、！？")
_NO_DIGITS = str.maketrans("", "", "0123456789")
_CASED = re.compile(r"[^\W\d_][\w'’-]{3,}")
_BULLET = re.compile(r"^([-–•*·▪►✓✔]|\d{1,3}[.)]\s)")

_BASE = ("log_chars", "log_words", "density", "sentence", "truncated", "chrome", "section_end",
         "dateline", "notice", "numeric", "punct_per_word", "digit_share", "upper_start",
         "capital_share", "ends_colon", "bullet", "position", "char_position", "log_repeats",
         "log_lines", "relative_length", "proposal", "good", "prose", "gap_cost", "unspaced",
         "in_proposal_span", "log_proposal_distance", "after_notice", "after_section_end",
         "page_proposal_share", "log_page_good", "page_mean_log_words", "page_sentence_share",
         "page_short_share", "page_unique_share")
#: The facts of neighbours and windows (a subset of _BASE: the telling ones).
_AROUND = ("log_words", "density", "sentence", "proposal", "good", "chrome")
TEXT_NAMES: tuple[str, ...] = (
    _BASE
    + tuple(f"{f}@{k}" for k in OFFSETS for f in _AROUND)
    + tuple(f"{f}~{w}" for w in WINDOWS for f in _AROUND)
)

#: Every region `walk` names: those of class/id words, then those of tags.
_REGIONS = tuple(dict.fromkeys([*(r for _, r in REGION_WORDS), *REGION_TAGS.values()]))
_HTML_BASE = ("link_density", "trafilatura", "trafilatura_share", "in_trafilatura_span",
              "depth", "relative_depth", "page_trafilatura_share", "log_trafilatura_blocks",
              "region_none") + tuple(f"region_{r}" for r in _REGIONS)
_HTML_AROUND = ("link_density", "trafilatura")
HTML_NAMES: tuple[str, ...] = (
    TEXT_NAMES + _HTML_BASE
    + tuple(f"{f}@{k}" for k in OFFSETS for f in _HTML_AROUND)
    + tuple(f"{f}~{w}" for w in WINDOWS for f in _HTML_AROUND)
    + tuple(f"tag_{t}" for t in CONTEXT_TAGS) + tuple(f"near_tag_{t}" for t in CONTEXT_TAGS)
    + tuple(f"word_{w}" for w, _ in CONTEXT_WORDS)
    + tuple(f"near_word_{w}" for w, _ in CONTEXT_WORDS)
)


@dataclass(frozen=True, slots=True)
class DomFacts:
    """What the DOM says about one HTML block (from its page lines)."""

    link_density: float
    trafilatura: bool  # the block is one of trafilatura's
    trafilatura_share: float  # the largest share of one of its lines trafilatura covers
    region: str | None
    depth: int
    tags: int
    near_tags: int
    words: int
    near_words: int


def _capital_share(text: str) -> float:
    """Share of the longer words that start with a capital: title case is a headline's."""
    words = _CASED.findall(text)
    return sum(w[0].isupper() for w in words) / len(words) if words else 0.0


def _distances(flags: Sequence[bool]) -> list[float]:
    """Each position's distance (in blocks) to the nearest flagged one (n+1 if none)."""
    n = len(flags)
    out = [float(n + 1)] * n
    last = None
    for i in range(n):
        if flags[i]:
            last = i
        if last is not None:
            out[i] = float(i - last)
    last = None
    for i in range(n - 1, -1, -1):
        if flags[i]:
            last = i
        if last is not None:
            out[i] = min(out[i], float(last - i))
    return out


def _around(columns: np.ndarray) -> list[np.ndarray]:
    """The columns of the neighbours (-1 past the page's ends) and their window means."""
    n = len(columns)
    out = []
    for k in OFFSETS:
        shifted = np.full_like(columns, -1.0)
        if k < 0:
            shifted[-k:] = columns[:k]
        else:
            shifted[: n - k] = columns[k:]
        out.append(shifted)
    total = np.vstack([np.zeros((1, columns.shape[1])), np.cumsum(columns, axis=0)])
    idx = np.arange(n)
    for w in WINDOWS:
        lo, hi = np.clip(idx - w, 0, n), np.clip(idx + w + 1, 0, n)
        out.append((total[hi] - total[lo]) / (hi - lo)[:, None])
    return out


def text_matrix(lines: Sequence[Line], proposal: Sequence[bool], min_density: float,
                unspaced: bool) -> np.ndarray:
    """The `TEXT_NAMES` rows of a page's lines (or blocks), given the proposal to judge."""
    n = len(lines)
    if n == 0:
        return np.zeros((0, len(TEXT_NAMES)))
    repeats = Counter(line.text for line in lines)
    chars = np.array([len(line.text) for line in lines], dtype=np.float64)
    total = chars.sum() or 1.0
    median = float(np.median(chars)) or 1.0
    good = [is_good(line, min_density) for line in lines]
    kept_chars = sum(c for c, p in zip(chars, proposal, strict=True) if p)
    log_words = [math.log1p(line.words) for line in lines]
    page = (kept_chars / total, math.log1p(sum(good)), sum(log_words) / n,
            sum(line.sentence for line in lines) / n,
            sum(line.words <= SHORT_WORDS for line in lines) / n, len(repeats) / n)
    distance = _distances(proposal)
    kept_at = [i for i, p in enumerate(proposal) if p]
    first, last = (kept_at[0], kept_at[-1]) if kept_at else (n, -1)
    rows = []
    before = 0.0
    notice_seen = section_seen = 0.0  # a rights notice / a section header came earlier
    for i, line in enumerate(lines):
        text = line.text
        words = max(line.words, 1)
        rows.append((
            math.log1p(chars[i]), math.log1p(line.words), line.density, float(line.sentence),
            float(line.truncated), float(line.chrome is not None), float(ends_section(line)),
            float(line.dateline), float(line.notice), float(line.numeric),
            (len(text) - len(text.translate(_NO_PUNCT))) / words,
            (len(text) - len(text.translate(_NO_DIGITS))) / max(len(text), 1),
            float(text[:1].isupper()), _capital_share(text), float(text.endswith(":")),
            float(bool(_BULLET.match(text))), i / n, before / total,
            math.log(repeats[text]), math.log1p(n), math.log(max(chars[i], 1.0) / median),
            float(proposal[i]), float(good[i]), float(is_prose(line, min_density)),
            gap_cost(line), float(unspaced), float(first <= i <= last),
            math.log1p(distance[i]), notice_seen, section_seen, *page,
        ))
        before += chars[i]
        if line.notice:
            notice_seen = 1.0
        if line.chrome is not None and ends_section(line):
            section_seen = 1.0
    base = np.array(rows, dtype=np.float64)
    around = base[:, [_BASE.index(f) for f in _AROUND]]
    return np.hstack([base, *_around(around)])


def _bits(values: Sequence[int], width: int) -> np.ndarray:
    """Bit sets as 0/1 columns, bit i in column i (the DOM context columns)."""
    arr = np.array(values, dtype=np.int64)[:, None]
    return ((arr >> np.arange(width, dtype=np.int64)) & 1).astype(np.float64)


def html_matrix(text_rows: np.ndarray, facts: Sequence[DomFacts]) -> np.ndarray:
    """The `HTML_NAMES` rows: a page's `text_matrix` rows and its blocks' DOM facts."""
    n = len(facts)
    if n == 0:
        return np.zeros((0, len(HTML_NAMES)))
    traf = [i for i, f in enumerate(facts) if f.trafilatura]
    first, last = (traf[0], traf[-1]) if traf else (n, -1)
    chars = text_rows[:, TEXT_NAMES.index("log_chars")]
    sizes = np.expm1(chars)
    traf_share = float(sizes[traf].sum() / max(sizes.sum(), 1.0))
    depths = [f.depth for f in facts]
    ref = float(np.median([depths[i] for i in traf] if traf else depths))
    rows = []
    for i, f in enumerate(facts):
        rows.append((
            f.link_density, float(f.trafilatura), f.trafilatura_share, float(first <= i <= last),
            float(f.depth), f.depth - ref, traf_share, math.log1p(len(traf)),
            float(f.region is None), *(float(f.region == r) for r in _REGIONS),
        ))
    dom = np.array(rows, dtype=np.float64)
    around = dom[:, [_HTML_BASE.index(x) for x in _HTML_AROUND]]
    return np.hstack([
        text_rows, dom, *_around(around),
        _bits([f.tags for f in facts], len(CONTEXT_TAGS)),
        _bits([f.near_tags for f in facts], len(CONTEXT_TAGS)),
        _bits([f.words for f in facts], len(CONTEXT_WORDS)),
        _bits([f.near_words for f in facts], len(CONTEXT_WORDS)),
    ])
