"""What one line of a text dump looks like: the features the classifier decides on.

A line is prose when it is long, rich in stop words and ends like a sentence; it is
furniture when a chrome rule names it, when it is cut off like a teaser, or when it
is a date or byline. `cleaner.extract.text` finds the article among these lines;
`cleaner.extract.html` uses the same features on the lines of an HTML page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cleaner.document import Block
from cleaner.lang.dates import byline_author, is_dateline
from cleaner.lang.language import Language, count_words
from cleaner.strip import rules
from cleaner.strip.patterns import SECTION_END_REASONS, WEAK_SECTION_MARKERS

#: A body line has at least this many words. Article paragraphs run to 20+ words;
#: 12 keeps one-sentence paragraphs while headlines of teasers (often 10-20 words)
#: still need sentence punctuation to count.
GOOD_MIN_WORDS = 12
#: A line this long counts as prose even without a closing punctuation mark.
LONG_LINE_WORDS = 30
#: Gap cost of a recognised chrome or date line, and of a short line that reads
#: like content (lower-case words or figures: list items, ingredients), against
#: 1 for anything else (menu items, title-case teaser headlines).
GAP_CHROME = 0.5
GAP_CONTENTLIKE = 0.3
#: Gap cost of a photo caption or gallery control: a gallery sits inside a story
#: (its captions, credits and counters run to a dozen lines), so it costs least.
GAP_CAPTION = 0.25

#: Sentence ends, with the Arabic question mark (؟), the Urdu full stop (۔) and the
#: Devanagari danda (।) beside the Latin and CJK marks.
_SENTENCE_END = re.compile(r"[.!?。！？…:;»”\"'’)\]؟۔।]\s*$")
#: Cut-off endings, the comment or view count a "most read" list puts after each
#: headline ("Week 12 power rankings (133)"), and the upper-case tag a link to
#: another story carries ("... outbreak [VIDEO]"): all mark a teaser.
_TRUNCATED = re.compile(
    r"(\.\.\.|…|\[…\]|\[\.\.\.\])[\"'”’)\]]*\s*$|\S\s\(\d+\)$|\S\s+\[[A-Z]{3,12}\][\s|]*$"
)
#: Where a teaser card's headline runs into its snippet with no space between them
#: ("... Reopens Next SpringThe council voted ..."): a lower-case letter (three in a
#: row, so "McDonald" and "iPhone" do not count) or a closing mark, then a capitalised
#: word ("A" and "I" on their own, but not "SpaceX").
_GLUE = re.compile(r"(?<=[a-z]{3}|[a-z]{2}[?!.’”\"')])(?=[A-Z][a-z]+\b|[AI] )")
_CASED_WORD = re.compile(r"[^\W\d_][\w’'-]{3,}")
#: A glued headline has at least this many words, at least this share of them
#: capitalised (title case); the snippet after it has at least this many words, and
#: less than this share capitalised (sentence case: names only).
GLUED_HEAD_WORDS = 5
TITLE_CASE_SHARE = 0.75
GLUED_TAIL_WORDS = 5
SENTENCE_CASE_SHARE = 0.5
#: A glued headline opens its card: glue points further into the line than this
#: are not tried, and the snippet is judged on this much text after the glue.
#: Headlines run to ~150 characters; measuring the whole head and tail at every
#: glue point made a long line with many camelCase words quadratic (a 200 KB
#: line took 27 s).
GLUED_WINDOW_CHARS = 300
_NUMERIC = re.compile(r"^[\d\s.,:/|()+\-]*$")
_LOWER_WORD = re.compile(r"(?<=\s)[^\W\d_A-Z][^\W_]*|\d")


def _capital_share(text: str) -> float:
    """Share of the words of four letters or more that start with a capital."""
    words = _CASED_WORD.findall(text)
    return sum(w[0].isupper() for w in words) / len(words) if words else 0.0


def is_glued_teaser(text: str) -> bool:
    """A title-case headline glued to a sentence-case snippet: a teaser card."""
    for match in _GLUE.finditer(text):
        at = match.start()
        if at > GLUED_WINDOW_CHARS:
            break
        head, tail = text[:at], text[at : at + GLUED_WINDOW_CHARS]
        if (
            len(head.split()) >= GLUED_HEAD_WORDS
            and len(tail.split()) >= GLUED_TAIL_WORDS
            and _capital_share(head) >= TITLE_CASE_SHARE
            and _capital_share(tail) < SENTENCE_CASE_SHARE
        ):
            return True
    return False


@dataclass(slots=True)
class Line:
    """A line and the features the classifier decides on."""

    index: int
    text: str
    words: int
    density: float
    sentence: bool
    truncated: bool
    chrome: str | None
    dateline: bool
    notice: bool = False  # a copyright notice: the story is over

    @property
    def numeric(self) -> bool:
        """Only figures and separators (a score, a time, a page number): never prose."""
        return bool(_NUMERIC.match(self.text))


def line_features(index: int, text: str, lang: Language, chrome_rules: bool = True) -> Line:
    """The features of one line (see `Line`).

    `chrome_rules=False` leaves out the chrome rules, the rights notice and the glued
    teaser check (`chrome` None, `notice` False, `truncated` from the ending alone):
    the content model's HTML features, on every block of a page. The rules already
    judged trafilatura's blocks (`apply_line_rules`), and any other block the model
    would keep is checked in full before it is.
    """
    words = count_words(text)
    chrome = rules.chrome_reason(text, words) if chrome_rules else None
    return Line(
        index=index,
        text=text,
        words=words,
        density=lang.density(text),
        sentence=bool(_SENTENCE_END.search(text)) and not text.endswith(":"),
        truncated=bool(_TRUNCATED.search(text)) or (chrome_rules and is_glued_teaser(text)),
        chrome=chrome,
        dateline=chrome is None and is_dateline(text, words),
        notice=chrome_rules and rules.is_rights_notice(text, words),
    )


def features(lines: list[str], lang: Language) -> list[Line]:
    """The features of every line of a page (`line_features`, chrome rules on)."""
    return [line_features(i, text, lang) for i, text in enumerate(lines)]


def is_good(line: Line, min_density: float, min_words: int = GOOD_MIN_WORDS,
             need_sentence: bool = True) -> bool:
    """A body line: long, rich in stop words, ending like a sentence (or long enough
    not to need to), and named by no rule; such lines seed the article's body."""
    if line.chrome or line.truncated or line.dateline or line.words < min_words:
        return False
    ends_well = line.sentence or line.words >= LONG_LINE_WORDS or not need_sentence
    return line.density >= min_density and ends_well


def is_prose(line: Line, min_density: float) -> bool:
    """A shorter sentence: kept at the edges of the body, never a body seed."""
    return (
        not (line.chrome or line.truncated or line.dateline or line.notice)
        and line.words >= 5
        and line.sentence
        and line.density >= min_density
    )


def ends_section(line: Line) -> bool:
    """A short header after which the story is over ("Related", "Leave a reply"); a
    weak marker ("Reply" under every forum post, a form's "Name") ends nothing."""
    return (
        line.chrome in SECTION_END_REASONS
        and rules.fold_for_matching(line.text) not in WEAK_SECTION_MARKERS
        and line.words <= 8
    )


def gap_cost(line: Line) -> float:
    """How much a non-body line separates two body lines (see `GAP_CHROME`): furniture
    the rules name, captions and content-like short lines cost less than a menu item."""
    if line.chrome == "caption":
        return GAP_CAPTION
    if line.chrome or line.dateline:
        return GAP_CHROME
    if line.words >= 3 and _LOWER_WORD.search(line.text) and not line.truncated:
        return GAP_CONTENTLIKE
    return 1.0


#: Blocks searched for a byline from the top of the page: bylines sit by the headline.
BYLINE_SEARCH_BLOCKS = 60


def first_byline(blocks: list[Block]) -> str | None:
    """The author a page's first byline names: the first of its top blocks whose text
    is a byline, whatever was decided for it (the dateline rule removes most: the line
    stays out of the text; its name goes to the record)."""
    return next((name for b in blocks[:BYLINE_SEARCH_BLOCKS]
                 if (name := byline_author(b.text))), None)
