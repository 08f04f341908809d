"""Chrome rules: each recognises one kind of site furniture and answers a reason.

The phrases live in `patterns.py`; this module compiles them once and applies
them to single lines. Rules that need context (teasers, the article's end) live
with the classifier that has the context (`cleaner.extract.text`).
"""

from __future__ import annotations

import re

# the regex parser, read only to find the literals a pattern starts with
import re._constants as _sre
import re._parser as _sre_parser
import unicodedata
from collections.abc import Iterable

from cleaner.document import REASONS, Block
from cleaner.strip import patterns

#: Longest line (in words) that an EXACT or PREFIX phrase may label. A line that
#: starts "Read more" but runs to a paragraph is prose; 40 covers the longest
#: "Also read: <headline>" inserts seen in the seeds and fixtures with room to spare.
MAX_LABEL_WORDS = 40
#: Longest line a SEARCH pattern is tried on whole: cookie and newsletter boxes
#: run to about 60 words. On a longer line only its head is searched, since a
#: consent text says what it is up front, while prose may mention cookies later.
MAX_SEARCH_WORDS = 80
#: The head of a long line that is searched, in characters (about 25 words).
LONG_LINE_HEAD = 160

#: Leading characters that are decoration, not text: bullets, arrows, icons.
_LEAD = re.compile(r"^[\s•·●▪■□►▶▸›»>\-–—*|#+~→⟶✓✔︎❯❮←↑↓\[(]+")
#: Trailing decoration: colons, arrows, counts in brackets ("Comments (12)").
#: Each match may only start where a run of such characters starts (the
#: lookbehinds): tried from inside a long run, as a plain `[...]+$` is, every
#: start rescans the run, and a line of 64,000 spaces and dashes took 10 s.
_TRAIL = re.compile(
    r"(?<![\s:：|»›>→…\.\-–—!\])])[\s:：|»›>→…\.\-–—!\])]+$|(?<!\s)\s*\(\d+\)$"
)
_SPACES = re.compile(r"\s+")
#: A metadata field: a short label, a colon and a short value ("Posts: 214",
#: "Reading time: 3 min", "Joined: Aug 2021"). Prose never looks like this.
_FIELD = re.compile(r"^[^\W\d][\w'’\- ]{1,24}:\s*[\w$€£.,/%+\- ]{1,24}$")
#: A field has at most this many words in all.
FIELD_MAX_WORDS = 5

#: Order of precedence when a line matches several groups: the more specific first.
_PRIORITY = (
    "comments", "template-junk", "cookie-notice", "newsletter", "comment-form", "also-read",
    "source-link", "related-list", "share-widget", "subscribe", "caption", "dateline",
    "navigation", "site-chrome",
)


def fold_for_matching(line: str) -> str:
    """A line in the form the phrase lists are written in, so one phrase matches
    every way a page dresses it: NFKC and casefolded (full-width letters and case
    fold away), straight quotes, no leading or trailing decoration (bullets,
    arrows, colons, a count in brackets), single spaces."""
    return _strip_decoration(unicodedata.normalize("NFKC", line).casefold())


def _strip_decoration(text: str) -> str:
    """`fold_for_matching` after its NFKC and casefold: straight quotes, decoration
    stripped, single spaces. Apart so `chrome_reason` folds a line once for this
    and for its prefix checks."""
    text = text.replace("’", "'").replace("‘", "'")
    text = _LEAD.sub("", text)
    text = _TRAIL.sub("", text)
    return _SPACES.sub(" ", text).strip()


def _check_groups(groups: dict[str, tuple[str, ...]], name: str) -> None:
    """Refuse, at import, a phrase group under an unknown reason or with no phrase:
    a typo in `patterns` would otherwise show only when a page first hits the group
    (an unknown reason raises in `Block.remove`), or never (an empty group)."""
    for reason, phrases in groups.items():
        if reason not in REASONS:
            raise ValueError(f"patterns.{name}: unknown reason {reason!r}")
        if not phrases:
            raise ValueError(f"patterns.{name}: group {reason!r} is empty")


_check_groups(patterns.EXACT, "EXACT")
_check_groups(patterns.PREFIX, "PREFIX")
_check_groups(patterns.SEARCH, "SEARCH")

_EXACT: dict[str, str] = {}
for _reason in reversed(_PRIORITY):  # higher priority written last, so it wins
    for _phrase in patterns.EXACT.get(_reason, ()):
        _EXACT[fold_for_matching(_phrase)] = _reason

#: Single words that name a share or social button; a line made only of them
#: ("Share Email Print", "Facebook Twitter LinkedIn") is a share bar.
_SHARE_WORDS: frozenset[str] = frozenset(
    w for w in (fold_for_matching(p) for p in patterns.EXACT["share-widget"]) if " " not in w
)

_PREFIX: list[tuple[str, str]] = [
    (p.casefold(), r) for r in _PRIORITY for p in patterns.PREFIX.get(r, ())
]


def _leading_literals(items: list) -> tuple[str, ...] | None:
    """Strings one of which every match of a parsed pattern starts with, or None."""
    i = 0
    while i < len(items) and items[i][0] is _sre.AT:  # ^ and \b match no text
        i += 1
    if i == len(items):
        return None
    op, arg = items[i]
    if op is _sre.LITERAL:
        chars = []
        while i < len(items) and items[i][0] is _sre.LITERAL:
            chars.append(chr(items[i][1]))
            i += 1
        return ("".join(chars),)
    if op is _sre.SUBPATTERN:
        return _leading_literals(list(arg[-1]))
    if op is _sre.BRANCH:
        out: list[str] = []
        for alternative in arg[1]:
            found = _leading_literals(list(alternative))
            if found is None:
                return None
            out.extend(found)
        return tuple(out)
    return None


def _search_entry(pattern: str, reason: str) -> tuple[re.Pattern[str], str, re.Pattern[str] | None]:
    """A SEARCH pattern with the literals its matches start with (a cheap pre-check)."""
    compiled = re.compile(pattern)
    try:
        literals = _leading_literals(list(_sre_parser.parse(pattern)))
    except Exception:  # an unknown construct only costs the pre-check
        literals = None
    if compiled.flags & re.IGNORECASE or not literals or min(map(len, literals)) < 2:
        return compiled, reason, None
    return compiled, reason, re.compile("|".join(map(re.escape, literals)))


_SEARCH: list[tuple[re.Pattern[str], str, re.Pattern[str] | None]] = [
    _search_entry(p, r) for r in _PRIORITY for p in patterns.SEARCH.get(r, ())
]
# One match says whether any prefix can apply at all; most lines start with none,
# and only those that do go through the list in priority order.
_ANY_PREFIX = re.compile("|".join(re.escape(p) for p, _ in _PREFIX))


#: An "also read" phrase followed by plain words (no colon or arrow) is only an
#: insert on a line this short; "Read more about ..." at sentence length is prose.
INSERT_BARE_MAX_WORDS = 12
#: Only tried where a run of spaces starts (the lookbehind): from inside a long
#: run, as a plain `\s*` is, every start rescans the run (quadratic under search).
_SEPARATOR = re.compile(r"(?<!\s)\s*+[:：\-–—»›|>]")


def _prefix_match(folded: str, prefix: str, reason: str, words: int) -> bool:
    """A prefix counts when a word boundary follows it ("read more" not "read moreover")."""
    if not folded.startswith(prefix):
        return False
    if len(folded) == len(prefix) or not prefix[-1].isalnum():
        return True
    rest = folded[len(prefix):]
    if rest[0].isalnum():
        return False
    if reason == "also-read" and not _SEPARATOR.match(rest):
        return words <= INSERT_BARE_MAX_WORDS
    return True


def chrome_reason(line: str, words: int | None = None, *, fields: bool = True) -> str | None:
    """The reason a single line is chrome on its own, or None.

    `words` is the line's word count when the caller has it already. `fields=False`
    leaves out the "Label: value" shape (`_FIELD`), which is chrome among a page's
    lines ("Price: $20") but the usual shape of a <title> ("Daring Fireball: Colophon").
    """
    base = unicodedata.normalize("NFKC", line).casefold()
    folded_line = _strip_decoration(base)
    if not folded_line:
        return None
    reason = _EXACT.get(folded_line)
    if reason:
        return reason
    tokens = folded_line.split()
    if words is None:
        words = len(tokens)
    if len(tokens) > 1 and all(t.strip("|/·•,") in _SHARE_WORDS or not t.strip("|/·•,")
                               for t in tokens):
        return "share-widget"
    folded = _LEAD.sub("", " ".join(base.split())).replace("’", "'")
    if words <= MAX_LABEL_WORDS and _ANY_PREFIX.match(folded):
        for prefix, reason in _PREFIX:
            if _prefix_match(folded, prefix, reason, words):
                return reason
    if fields and words <= FIELD_MAX_WORDS and _FIELD.match(folded):
        return "site-chrome"
    haystack = folded if words <= MAX_SEARCH_WORDS else folded[:LONG_LINE_HEAD]
    for pattern, reason, literals in _SEARCH:
        if literals is not None and not literals.search(haystack):
            continue
        if pattern.search(haystack):
            return reason
    return None


#: Longest line read as a rights notice; a longer line that mentions its rights is prose.
#: 30 words covers a news agency's notice, which adds a sentence on reuse to the rights line.
RIGHTS_NOTICE_MAX_WORDS = 30
_RIGHTS = re.compile("|".join(patterns.RIGHTS_NOTICES))


def is_rights_notice(line: str, words: int | None = None) -> bool:
    """True for a copyright or rights notice ("© 2019 Example Media. All rights reserved.")."""
    if (words if words is not None else len(line.split())) > RIGHTS_NOTICE_MAX_WORDS:
        return False
    return bool(_RIGHTS.search(unicodedata.normalize("NFKC", line).casefold().strip()))


def apply_line_rules(blocks: Iterable[Block]) -> None:
    """Remove every kept block that a line rule recognises (used on HTML blocks)."""
    for block in blocks:
        if block.in_body:
            reason = chrome_reason(block.text)
            if reason:
                block.remove(reason)
