"""Our block classifier for plain-text dumps (the text a browser shows).

A dump has no markup, so every line is a block and the article is found by its
shape: runs of long, stop-word-rich sentences ("good" lines) with little between
them. The densest such run is the body; the headline is the line just before it
that shares its words; everything before is navigation, everything after is
chrome, comments or teasers, and every removal keeps its reason.

Steps: `features` per line (`cleaner.extract.lines`) -> `_clusters` of good
lines -> the best cluster is the body region -> `_find_title` -> labels for
lines before, inside and after.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from cleaner import model
from cleaner.document import Block
from cleaner.extract.lines import (
    GAP_CONTENTLIKE,
    LONG_LINE_WORDS,
    Line,
    ends_section,
    features,
    first_byline,
    gap_cost,
    is_good,
    is_prose,
)
from cleaner.lang.dates import find_date
from cleaner.lang.language import Language, guess
from cleaner.lang.language import min_density as prose_density
from cleaner.lang.scripts import CJK_RUN
from cleaner.model import features as model_features

#: When a page has no line good enough (a results table, a list of scores), the
#: body is looked for again among lines of at least this many words, at any
#: stop-word density.
FALLBACK_MIN_WORDS = 6
#: How much non-body text may separate two body lines of one article, in lines.
#: Chrome-lexicon lines count half: an inline share bar does not end a story.
MAX_GAP = 6.0
#: A run of prose that comes after a comments header, below an earlier run, is
#: reader comments: its score is multiplied by this, so the story wins. 0.3 let a
#: thread of long comments outscore the short post above it; 0.15 does not, and
#: no story on the development benchmark loses to its comments at that weight.
COMMENTS_WEIGHT = 0.15
#: Footers (legal notes, disclaimers) are prose too, but at the end of a page:
#: a run's score falls linearly from 1 to this weight over the last part of the
#: page (from LATE_START of the lines on).
LATE_WEIGHT = 0.5
LATE_START = 0.6
#: A story's paragraphs follow each other; a river of teasers puts a headline,
#: a name and a date between every two snippets. A run's score is multiplied
#: by (its prose lines / the lines it spans) to this power: 0.5 halves a run
#: with one prose line in four, and barely touches a story with subheadings.
DENSITY_POWER = 0.5
#: How many lines above the body the headline is looked for; furniture the rules
#: recognise (share bars, bylines, captions) does not count...
TITLE_LOOKBACK = 8
#: ...up to this many lines in all.
TITLE_LOOKBACK_MAX = 24
#: Length of the word prefix used as a stem when comparing headline and body:
#: 4 joins "ferry"/"ferries" and "vote"/"voted" without a stemmer per language.
STEM_CHARS = 4
#: Share of a headline's content words that must recur in the first paragraphs.
TITLE_MIN_OVERLAP = 0.3
#: Lines of at most this many words are "short": labels, menu items, names.
SHORT_WORDS = 3
#: When no line above the body shares enough words with it, the nearest
#: candidate within this many lines that shares any word is the headline.
TITLE_NEAR = 3
#: A headline candidate has at least this many words.
TITLE_MIN_WORDS = 3
#: A "Related" header inside a story heads a small box of links: at most this many
#: lines (2-3 headlines on the pages seen) before the story's prose resumes.
RELATED_BOX_LINES = 4
#: ...and the story resumes with at least this many body lines in a row; a river of
#: teasers alternates headline and snippet, so its snippets never follow each other.
RESUME_LINES = 2

_STEM_WORD = re.compile(r"\w+")


def _is_inline_box(lines: list[Line], good: list[bool], at: int) -> bool:
    """True when the related-list header at `at` heads a box inside a story, not its end.

    The box is a few link lines, and the story's paragraphs go on right after it.
    """
    if lines[at].chrome != "related-list":
        return False
    for k in range(at + 1, min(len(lines), at + RELATED_BOX_LINES + 2)):
        if good[k]:
            # a box whose links did not render sits between two paragraphs; a header
            # right above a list of headlines with snippets is no box
            boxed = k > at + 1 or (at > 0 and good[at - 1])
            return boxed and k + RESUME_LINES <= len(lines) and all(good[k : k + RESUME_LINES])
        if ends_section(lines[k]):
            return False
    return False


def _shown_twice(lines: list[Line], good: list[bool]) -> set[int]:
    """Body-like lines a gallery shows more than once: the copies have no other prose between.

    A pull quote repeats a sentence too, but the story's paragraphs lie between the copies.
    """
    where: dict[str, list[int]] = {}
    for line in lines:
        if good[line.index]:
            where.setdefault(line.text, []).append(line.index)
    repeated = {i for copies in where.values() if len(copies) > 1 for i in copies}
    found: set[int] = set()
    for copies in where.values():
        for a, b in zip(copies, copies[1:], strict=False):
            if not any(good[k] and k not in repeated for k in range(a + 1, b)):
                found.update((a, b))
    return found


def _starts_comment(line: Line) -> bool:
    """A comment's author line ("Maria on May 3, 2018 at 6:15 pm said:") opens a comment."""
    return line.chrome == "comments"


def _clusters(lines: list[Line], good: list[bool]) -> list[list[int]]:
    """Group good lines into runs separated by little else.

    A run ends at a section header (unless it heads a small related box the story
    resumes after), at a copyright notice and at a comment's author line.
    """
    clusters: list[list[int]] = []
    current: list[int] = []
    gap = 0.0
    for line in lines:
        if good[line.index]:
            if current and gap > MAX_GAP:
                clusters.append(current)
                current = []
            current.append(line.index)
            gap = 0.0
        elif line.notice or _starts_comment(line) or (
            ends_section(line) and not _is_inline_box(lines, good, line.index)
        ):
            if current:
                clusters.append(current)
            current, gap = [], 0.0
        else:
            gap += gap_cost(line)
    if current:
        clusters.append(current)
    return clusters


def _is_comments_header(lines: list[Line], i: int) -> bool:
    """A comments header; a "Comments" button inside a share bar is not one."""
    if _starts_comment(lines[i]):
        return True
    if not (lines[i].chrome in ("comment-form", "comments") and ends_section(lines[i])):
        return False
    return not any(
        lines[k].chrome == "share-widget" for k in (i - 1, i + 1) if 0 <= k < len(lines)
    )


def _best_cluster(lines: list[Line], clusters: list[list[int]]) -> list[int]:
    """The run with the most prose, discounted when it looks like comments or a footer."""
    best, best_score = clusters[0], -1.0
    in_comments = False  # once the comments begin, every later run is a comment
    for n, cluster in enumerate(clusters):
        score = float(sum(len(lines[i].text) for i in cluster))
        score *= (len(cluster) / (cluster[-1] - cluster[0] + 1)) ** DENSITY_POWER
        in_comments = in_comments or (n > 0 and any(
            _is_comments_header(lines, i) for i in range(clusters[n - 1][-1] + 1, cluster[0])
        ))
        if in_comments:
            score *= COMMENTS_WEIGHT
        position = cluster[0] / max(1, len(lines))
        if position > LATE_START:
            score *= 1 - (1 - LATE_WEIGHT) * (position - LATE_START) / (1 - LATE_START)
        if score > best_score:
            best, best_score = cluster, score
    return best


def _stems(text: str, lang: Language) -> set[str]:
    """Content-word stems for comparing a headline with the body."""
    if lang.unspaced:
        return {run[i : i + 2] for run in CJK_RUN.findall(text) for i in range(len(run) - 1)}
    return {
        w[:STEM_CHARS]
        for w in _STEM_WORD.findall(text.casefold())
        # jusText's lists hold frequent content words too ("river", "state"):
        # only short ones are treated as function words here
        if len(w) > 2 and (len(w) >= 5 or w not in lang.stopwords) and not w.isdigit()
    }


def _title_candidate(line: Line) -> bool:
    """Whether a line could be a headline: a few words of plain text, no furniture."""
    return (
        line.chrome is None
        and not line.dateline
        and not line.truncated
        and not line.numeric
        and TITLE_MIN_WORDS <= line.words <= LONG_LINE_WORDS
        and not line.text.endswith(":")
    )


def _find_title(lines: list[Line], start: int, body: list[Line], lang: Language) -> int | None:
    """The earliest line shortly above the body whose words the body repeats."""
    body_stems: set[str] = set()
    for line in body:
        body_stems |= _stems(line.text, lang)
    best = None
    nearest = None
    counted = 0
    for i in range(start - 1, max(-1, start - 1 - TITLE_LOOKBACK_MAX), -1):
        line = lines[i]
        if ends_section(line):
            break
        if not (line.chrome or line.dateline or line.numeric):
            counted += 1
            if counted > TITLE_LOOKBACK:
                break
        if not _title_candidate(line):
            continue
        stems = _stems(line.text, lang)
        shared = stems & body_stems
        if nearest is None and shared and counted <= TITLE_NEAR:
            nearest = i
        if stems and len(shared) >= min(2, len(stems)) and len(shared) / len(stems) >= (
            TITLE_MIN_OVERLAP
        ):
            best = i
    return best if best is not None else nearest


def _before_reason(line: Line) -> str:
    """Why a line above the article is removed: its rule's reason, else by its length."""
    if line.chrome:
        return line.chrome
    if line.dateline:
        return "dateline"
    if line.truncated:
        return "teaser"
    return "navigation" if line.words <= 6 else "site-chrome"


def _after_reasons(lines: list[Line]) -> list[str]:
    """Reasons for the lines after the article, read as sections."""
    reasons = []
    section = None
    for pos, line in enumerate(lines):
        nxt = lines[pos + 1] if pos + 1 < len(lines) else None
        if line.chrome:
            reason = line.chrome
            if ends_section(line):
                section = "comments" if line.chrome in ("comment-form", "comments") else line.chrome
        elif line.dateline:
            reason = "dateline"
        elif line.truncated or (nxt is not None and nxt.truncated and line.words >= 2):
            reason = "teaser"
        elif section == "comments":
            reason = "comments"
        elif section == "related-list" or line.words >= TITLE_MIN_WORDS + 1:
            reason = "teaser" if not line.sentence or section else "site-chrome"
        else:
            reason = "site-chrome"
        reasons.append(reason)
    return reasons


def _inside(line: Line, nxt: Line | None, min_density: float) -> tuple[str, str | None]:
    """Kind and removal reason (None to keep) for a non-body line inside the article."""
    if line.chrome:
        return "line", line.chrome
    if line.dateline:
        return "line", "dateline"
    if line.truncated and line.words < LONG_LINE_WORDS:
        return "line", "teaser"
    if line.numeric:
        return "line", "site-chrome"
    if line.words <= SHORT_WORDS and not line.sentence:
        # a short heading introduces prose; a short line before more furniture is a label
        if nxt is None or not (
            is_prose(nxt, min_density)
            or nxt.words > SHORT_WORDS
            or gap_cost(nxt) == GAP_CONTENTLIKE
        ):
            return "line", "site-chrome"
    return ("paragraph" if line.sentence else "heading"), None


@dataclass(frozen=True, slots=True)
class TextResult:
    """A text dump's blocks (one per non-empty line) and what the dump says about itself."""

    blocks: list[Block]
    title: str | None
    date: str | None
    language: str
    author: str | None = None  # the dump's byline (`lines.first_byline`)
    sitename: str | None = None  # a dump has no <head> to say these
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    """The hand-written classifier's decisions on a dump, before the content model's."""

    lines: list[Line]
    blocks: list[Block]
    title: str | None
    date: str | None
    lang: Language
    min_density: float

    def kept(self) -> list[bool]:
        """Which lines the proposal keeps as body (the title is not body)."""
        return [b.in_body for b in self.blocks]


def classify(text: str, rows_out: list[model.Proposed] | None = None) -> TextResult:
    """Split a text dump into line blocks and decide each one.

    The hand-written classifier proposes (`propose`), the content model decides
    (`cleaner.model.decide`): every line a chrome rule names keeps its rule's reason.
    `rows_out` (for `cleaner.model.train`) receives what the model saw.
    """
    proposal = propose(text)
    if proposal.lines:
        rows = model_features.text_matrix(proposal.lines, proposal.kept(), proposal.min_density,
                                          proposal.lang.unspaced)
        named = [model.named_by_rule(ln) for ln in proposal.lines]
        if rows_out is not None:
            rows_out.append(model.Proposed([copy.copy(b) for b in proposal.blocks], named, rows))
        model.decide(proposal.blocks, named, model.scores("text", rows),
                     overrulable=model.TEXT_OVERRULABLE)
    return TextResult(proposal.blocks, proposal.title, proposal.date, proposal.lang.name,
                      first_byline(proposal.blocks))


def propose(text: str) -> Proposal:
    """The hand-written classifier: the densest run of prose is the body."""
    raw = [ln.strip() for ln in text.splitlines()]
    raw = [ln for ln in raw if ln]
    lang = guess(text)
    min_density = prose_density(lang)
    lines = features(raw, lang)
    good = [is_good(ln, min_density) for ln in lines]
    for i in _shown_twice(lines, good):  # a gallery's captions, shown twice
        lines[i].chrome, good[i] = "caption", False
    clusters = _clusters(lines, good)
    if not clusters:  # no prose at all: take the densest run of longer lines
        good = [is_good(ln, 0.0, FALLBACK_MIN_WORDS, need_sentence=False) for ln in lines]
        clusters = _clusters(lines, good)
    blocks = [Block(ln.text, "line") for ln in lines]
    if not clusters:
        for line, block in zip(lines, blocks, strict=True):
            block.remove(_before_reason(line))
        return Proposal(lines, blocks, None, None, lang, min_density)

    best = _best_cluster(lines, clusters)
    start, end = best[0], best[-1]
    while start > 0 and is_prose(lines[start - 1], min_density):
        start -= 1
    while end + 1 < len(lines) and is_prose(lines[end + 1], min_density):
        end += 1
    title_at = _find_title(lines, start, [lines[i] for i in best], lang)
    head = title_at + 1 if title_at is not None else start

    for line, block in zip(lines[:head], blocks[:head], strict=True):
        block.remove(_before_reason(line))
    if title_at is not None:
        blocks[title_at].keep()
        blocks[title_at].kind = "title"
    in_box = False  # inside a related box: its lines are other stories' headlines
    for i in range(head, end + 1):
        line = lines[i]
        if good[i]:
            blocks[i].kind = "paragraph"
            in_box = False
            continue
        kind, reason = _inside(line, lines[i + 1] if i < end else None, min_density)
        if line.chrome == "related-list":
            in_box = True
        elif in_box and reason is None:
            reason = "teaser"
        if i < start - 1 and reason is None and not line.sentence:
            # between headline and body only sentences (a lead-in) and the heading right
            # above the first paragraph stay: the rest is bylines, credits, standfirsts,
            # teaser headlines and the headline shown again
            reason = "site-chrome"
        blocks[i].kind = kind
        if reason:
            blocks[i].remove(reason)
    for block, reason in zip(blocks[end + 1 :], _after_reasons(lines[end + 1 :]), strict=True):
        block.remove(reason)

    date = next(
        (d for ln in lines[: start + 1] if ln.dateline and (d := find_date(ln.text))), None
    )
    title = lines[title_at].text if title_at is not None else None
    return Proposal(lines, blocks, title, date, lang, min_density)
