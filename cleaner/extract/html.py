"""HTML pages: trafilatura's main content, checked against what the DOM knows.

1. One walk over the page gives its visible lines, each with its share of link
   text and its region (`cleaner.extract.dom`); `<head>` gives headline
   candidates, date and canonical URL.
2. trafilatura (fast mode: its main extractor only, without its recall
   escalation, see `parse.propose`) proposes the main content. Its blocks
   are aligned with the page lines, so each block knows its link share and
   where it sits on the page.
3. Decisions on the proposal, each with a reason:
   - the block that repeats the page's headline is the title, not body;
   - line rules (`cleaner.strip.rules`) remove share bars, sign-up boxes...;
   - a block that is mostly link text is a teaser for another page, unless it
     is a heading or list item between two paragraphs of prose (a product
     name or a section title that links somewhere);
   - when the proposal stops short, the prose lines that run on after it are
     taken too (trafilatura sometimes keeps only the first section).
4. When trafilatura proposes nothing usable, the page's lines go through our
   text-dump classifier instead.

Every visible line not in the result is recorded as removed
(`outside-main-content`), in page order, so a report can show the whole page.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from cleaner.document import Block
from cleaner.extract import judge
from cleaner.extract import text as text_classifier
from cleaner.extract.blocks import element_blocks
from cleaner.extract.dom import DomLine, walk
from cleaner.extract.head import HeadMeta, page_meta, searched_date
from cleaner.extract.lines import ends_section, first_byline, gap_cost, is_good, line_features
from cleaner.extract.parse import ExtractError, load_html, propose, release_memory
from cleaner.lang.dates import find_date, is_dateline
from cleaner.lang.language import Language, count_words, guess
from cleaner.lang.language import min_density as prose_density
from cleaner.model import Proposed
from cleaner.strip import rules

__all__ = ["HtmlResult", "extract"]

#: trafilatura's output elements and the block kind each becomes.
_FOLD = re.compile(r"\W+")

#: A block with at least this share of link text points elsewhere: a teaser.
TEASER_LINK_DENSITY = 0.7
#: ... unless it is a heading or list item between two prose blocks, each with
#: at most this link share and at least this many words.
PROSE_MAX_LINK_DENSITY = 0.3
PROSE_MIN_WORDS = 10
#: A page line counts as part of a block when the block covers this share of it.
LINE_COVERED = 0.5
#: Run-on after the main content: prose lines are taken while the non-prose
#: lines between them cost at most this much (as in the text classifier's gaps),
RUN_ON_MAX_GAP = 2.0
#: and only when at least this many prose lines run on.
RUN_ON_MIN_LINES = 2
#: Prose left out inside the main content is taken back when it is at least
#: this share of what trafilatura took there.
LEFT_OUT_SHARE = 1.0
#: So much of the article's text is enough to tell its language.
LANGUAGE_SAMPLE_CHARS = 1500
#: The headline is looked for among this many blocks from the top.
TITLE_SEARCH_BLOCKS = 60
#: A line shorter than this (without spaces) is matched into a changed block
#: only when the block holds it whole.
_MIN_PIECE = 10


@dataclass(frozen=True, slots=True)
class HtmlResult:
    """An HTML page's blocks in page order (every visible line accounted for) and
    what the page says about itself."""

    blocks: list[Block]
    title: str | None
    date: str | None
    canonical_url: str | None  # what the page says its URL is (`<link rel=canonical>`, og:url)
    language: str | None
    author: str | None = None
    sitename: str | None = None
    description: str | None = None
    #: The language the page declares (`<html lang>`, og:locale, Content-Language).
    declared_language: str | None = None


def _fold(text: str) -> str:
    """Text without punctuation or case, to match a headline however the page dresses it."""
    return _FOLD.sub(" ", text).strip().casefold()


def align(lines: list[str], blocks: list[str]) -> tuple[list[float], list[int | None]]:
    """Which page lines each block came from.

    Answers, per line, the share of its characters covered by blocks and the
    index of the first block covering it. Whitespace is ignored (trafilatura
    joins inline elements with spaces, the browser does not). A block is looked
    for after the previous one; a block whose text trafilatura changed is
    matched line by line instead.
    """
    starts: list[int] = []
    stream: list[str] = []
    pos = 0
    for line in lines:
        squeezed = "".join(line.split())
        starts.append(pos)
        stream.append(squeezed)
        pos += len(squeezed)
    ends = [s + len(t) for s, t in zip(starts, stream, strict=True)]
    text = "".join(stream)
    covered = [0] * len(lines)
    which: list[int | None] = [None] * len(lines)
    cursor = 0
    for j, block in enumerate(blocks):
        key = "".join(block.split())
        if not key:
            continue
        at = text.find(key, cursor)
        if at < 0:
            first = max(0, bisect.bisect_right(starts, cursor) - 1)
            got, last = 0, None
            for n in range(first, len(lines)):
                piece = stream[n]
                if len(piece) >= _MIN_PIECE and starts[n] >= cursor and piece in key:
                    covered[n] = len(piece)
                    which[n] = j if which[n] is None else which[n]
                    got, last = got + len(piece), n
                    if got >= 0.9 * len(key):
                        break
            if last is not None:
                cursor = ends[last]
            continue
        end = at + len(key)
        n = bisect.bisect_right(starts, at) - 1
        while n < len(lines) and starts[n] < end:
            overlap = min(end, ends[n]) - max(at, starts[n])
            if overlap > 0:
                covered[n] += overlap
                if which[n] is None:
                    which[n] = j
            n += 1
        cursor = end
    shares = [c / len(s) if s else 0.0 for c, s in zip(covered, stream, strict=True)]
    return shares, which


def _block_lines(which: list[int | None], shares: list[float], count: int) -> list[list[int]]:
    """The page lines of each block (those mostly covered by it), from `align`'s answer."""
    out: list[list[int]] = [[] for _ in range(count)]
    for i, j in enumerate(which):
        if j is not None and shares[i] >= LINE_COVERED:
            out[j].append(i)
    return out


def _is_prose(block: Block, density: float) -> bool:
    """A block of running text: few links and enough words (a teaser's neighbours)."""
    return density <= PROSE_MAX_LINK_DENSITY and count_words(block.text) >= PROSE_MIN_WORDS


def _mark_teasers(blocks: list[Block], densities: list[float]) -> None:
    """Blocks that are mostly links point to other pages: remove them as teasers."""
    for j, block in enumerate(blocks):
        if not block.in_body or densities[j] < TEASER_LINK_DENSITY:
            continue
        if block.kind in ("heading", "list") and 0 < j < len(blocks) - 1:
            before, after = j - 1, j + 1
            if _is_prose(blocks[before], densities[before]) and _is_prose(
                blocks[after], densities[after]
            ):
                continue
        block.remove("teaser")


def _mark_title(blocks: list[Block], titles: list[str]) -> str | None:
    """Make the block that repeats the best headline candidate the title.

    Candidates are tried in the page's order of authority (og:title, <h1>,
    <title> and its parts), so a site name that <title> also holds only counts
    when nothing better is on the page.
    """
    longest = max((len(t) for t in titles), default=0) + 10
    folded = [_fold(b.text) if len(b.text) <= longest else "" for b in blocks[:TITLE_SEARCH_BLOCKS]]
    for candidate in titles:
        wanted = _fold(candidate)
        if wanted and wanted in folded:
            block = blocks[folded.index(wanted)]
            block.kept, block.reason, block.kind = True, None, "title"
            return block.text
    return None


def _run_on(lines: list[DomLine], shares: list[float], last: int, lang: Language) -> list[int]:
    """Prose lines that continue the article after trafilatura's last line."""
    texts = [line.text for line in lines[last + 1 :]]
    if not texts:
        return []
    min_density = prose_density(lang)
    taken: list[int] = []
    gap = 0.0
    for offset, text in enumerate(texts):
        i = last + 1 + offset
        feature = line_features(i, text, lang)
        if ends_section(feature):
            break
        if shares[i] >= LINE_COVERED:
            continue
        if is_good(feature, min_density) and lines[i].link_density < (
            TEASER_LINK_DENSITY
        ):
            taken.append(i)
            gap = 0.0
            continue
        gap += gap_cost(feature)
        if gap > RUN_ON_MAX_GAP:
            break
    return taken if len(taken) >= RUN_ON_MIN_LINES else []


#: Regions whose prose is not the article's, even inside it.
_FOREIGN_REGIONS = frozenset({"comments", "related", "share", "newsletter", "promo", "nav",
                              "aside", "footer", "form"})


def _left_out(
    lines: list[DomLine], shares: list[float], first: int, last: int, lang: Language
) -> list[int]:
    """Prose lines between trafilatura's first and last block that it did not take."""
    candidates = [i for i in range(first + 1, last) if shares[i] < LINE_COVERED
                  and lines[i].link_density < PROSE_MAX_LINK_DENSITY
                  and lines[i].region not in _FOREIGN_REGIONS]
    if not candidates:
        return []
    min_density = prose_density(lang)
    good = [i for i in candidates
            if is_good(line_features(i, lines[i].text, lang), min_density)]
    # trafilatura leaves things out on purpose (captions, inserts, teasers); only
    # when it left out more prose than it took is it skipping the article itself
    left = sum(lines[i].chars for i in good)
    taken = sum(lines[i].chars for i in range(first, last + 1) if shares[i] >= LINE_COVERED)
    return good if left >= LEFT_OUT_SHARE * taken else []


#: A single proposed block spanning this many page lines, and most of the
#: page's text, is a dump of the page (trafilatura's last-resort baseline), not
#: an article: the page goes to the text classifier instead.
DUMP_MIN_LINES = 5
DUMP_PAGE_SHARE = 0.5


def _is_page_dump(main: list[Block], members: list[list[int]], lines: list[DomLine]) -> bool:
    """Whether one proposed block holds most of the page (see `DUMP_MIN_LINES`)."""
    page = sum(line.chars for line in lines)
    for idx in members:
        if len(idx) >= DUMP_MIN_LINES and sum(lines[i].chars for i in idx) >= (
            DUMP_PAGE_SHARE * page
        ):
            return True
    return False


def _fallback(lines: list[DomLine], meta: HeadMeta, url: str | None,
              rows_out: list[Proposed] | None = None) -> HtmlResult:
    """No usable proposal from trafilatura: the text classifier proposes on the page's
    lines (one block each), and the HTML model judges them with what the DOM says."""
    proposal = text_classifier.propose("\n".join(line.text for line in lines))
    if len(proposal.blocks) == len(lines):
        judge.judge(proposal.blocks, [[i] for i in range(len(lines))], lines,
              [0.0] * len(lines), [False] * len(lines), proposal.lang, rows_out)
    title = proposal.title or head_title(meta)
    return HtmlResult(proposal.blocks, title,
                      meta.date or proposal.date or meta.searched_date, meta.url,
                      proposal.lang.name, _author(meta, proposal.blocks), meta.sitename,
                      meta.description, meta.language)


def _page_date(meta: HeadMeta, blocks: list[Block]) -> str | None:
    """The page's date: its metadata's, else the first dateline near the top, else
    what htmldate's search found (see `extract.head` for why in this order)."""
    if meta.date:
        return meta.date
    for block in blocks[:TITLE_SEARCH_BLOCKS]:
        words = count_words(block.text)
        if is_dateline(block.text, words) and (date := find_date(block.text)):
            return date
    return meta.searched_date


#: Elements a browser never renders whose text trafilatura would still take:
#: a <template> holds markup for scripts to copy (dialogs, cards, placeholders).
_UNRENDERED = ("template",)


def extract(html: str, url: str | None = None,
            rows_out: list[Proposed] | None = None) -> HtmlResult:
    """Main content and metadata of an HTML page, every visible line accounted for.

    `rows_out` (for `cleaner.model.train`) receives what the content model saw.
    """
    tree = load_html(html)
    if tree is None:
        raise ExtractError("the HTML could not be parsed")
    lines = walk(tree)  # before trafilatura, which prunes the tree it is given
    meta = page_meta(tree)
    if meta.date is None:
        meta.searched_date = searched_date(tree, url)
    for el in list(tree.iter(*_UNRENDERED)):
        el.drop_tree()  # its tail is page text: drop_tree keeps it
    result = propose(tree, url)
    main = element_blocks(result.body) if result is not None and result.body is not None else []
    del tree, result  # the page's trees are not needed past here: free them now,
    release_memory(len(html))  # and give a big page's back before the rest of its work
    if not main:
        return _fallback(lines, meta, url, rows_out)

    texts = [line.text for line in lines]
    shares, which = align(texts, [b.text for b in main])
    members = _block_lines(which, shares, len(main))
    if _is_page_dump(main, members, lines):
        return _fallback(lines, meta, url, rows_out)
    densities = [judge.link_density(lines, idx) for idx in members]
    title = _mark_title(main, meta.titles)
    rules.apply_line_rules(main)
    _mark_teasers(main, densities)
    if not any(b.in_body for b in main):
        return _fallback(lines, meta, url, rows_out)

    # prose trafilatura left out between its blocks, and run-on prose after them
    kept_lines = [i for j, idx in enumerate(members) if main[j].kept for i in idx]
    extra: dict[int, Block] = {}
    # the language of the article's own text, for stop-word densities
    lang = guess("\n".join(b.text for b in main if b.kept)[:LANGUAGE_SAMPLE_CHARS])
    if kept_lines:
        for i in _left_out(lines, shares, min(kept_lines), max(kept_lines), lang):
            extra[i] = Block(lines[i].text, "paragraph")
        for i in _run_on(lines, shares, max(kept_lines), lang):
            extra[i] = Block(lines[i].text, "paragraph")

    blocks, spans, traf = _in_page_order(lines, shares, which, main, members, extra)
    if title is None:
        title = _mark_title(blocks, meta.titles)
    judge.judge(blocks, spans, lines, shares, traf, lang, rows_out)
    return HtmlResult(blocks, title or head_title(meta), _page_date(meta, blocks), meta.url,
                      lang.name, _author(meta, blocks), meta.sitename, meta.description,
                      meta.language)


def head_title(meta: HeadMeta) -> str | None:
    """The page's title when no block repeats a headline candidate: the best candidate
    (og:title, <h1>, <title> and its parts, in that order) that is not a chrome phrase."""
    return next((t for t in meta.titles if rules.chrome_reason(t, fields=False) is None), None)


def _author(meta: HeadMeta, blocks: list[Block]) -> str | None:
    """Who wrote the page: what its metadata says, else the first byline among its
    blocks (a line removed as `dateline`: the name goes to the record, not the text)."""
    return meta.author or first_byline(blocks)


def _in_page_order(lines: list[DomLine], shares: list[float], which: list[int | None],
                   main: list[Block], members: list[list[int]], extra: dict[int, Block],
                   ) -> tuple[list[Block], list[list[int]], list[bool]]:
    """Main blocks, run-on lines and every other page line, in page order; with the
    page lines each covers and whether it is one of trafilatura's."""
    out: list[Block] = []
    spans: list[list[int]] = []
    emitted = 0
    for i, line in enumerate(lines):
        j = which[i]
        if j is not None and shares[i] >= LINE_COVERED:
            while emitted <= j:
                out.append(main[emitted])
                spans.append(members[emitted])
                emitted += 1
        elif i in extra:
            out.append(extra[i])
            spans.append([i])
        else:
            out.append(Block(line.text, "line", kept=False, reason="outside-main-content"))
            spans.append([i])
    for j in range(emitted, len(main)):
        out.append(main[j])
        spans.append(members[j])
    ours = {id(b) for b in main}
    traf = [id(b) in ours for b in out]
    return out, spans, traf
