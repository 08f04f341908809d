"""Chrome rules: each recognises one kind of site furniture and answers a reason.

The phrases live in `patterns.py`; this module compiles them once and applies
them to single lines. Rules that need context (teasers, the article's end) live
with the classifier that has the context (`cleaner.extract.text`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from cleaner.document import REASONS, Block
from cleaner.strip import patterns

#: Longest line (in words) that an EXACT or PREFIX phrase may label. A line that
#: starts "Read more" but runs to a paragraph is prose; 40 covers the longest
#: "Also read: <headline>" inserts seen in the seeds and fixtures with room to spare.
MAX_LABEL_WORDS = 40
#: Longest line a SEARCH pattern is tried on: cookie and newsletter boxes run to
#: about 60 words; a longer line is article prose that may mention cookies.
MAX_SEARCH_WORDS = 80

#: Leading characters that are decoration, not text: bullets, arrows, icons.
_LEAD = re.compile(r"^[\s•·●▪■□►▶▸›»>\-–—*|#+~→⟶✓✔︎❯❮←↑↓]+")
#: Trailing decoration: colons, arrows, counts in brackets ("Comments (12)").
_TRAIL = re.compile(r"[\s:：|»›>→…\.\-–—!]+$|\s*\(\d+\)$")
_SPACES = re.compile(r"\s+")

#: Order of precedence when a line matches several groups: the more specific first.
_PRIORITY = (
    "template-junk", "cookie-notice", "newsletter", "comment-form", "also-read",
    "source-link", "related-list", "share-widget", "subscribe", "caption", "dateline",
    "navigation", "site-chrome",
)


def normalise(line: str) -> str:
    """Fold a line to the form the phrase lists are written in."""
    text = unicodedata.normalize("NFKC", line).casefold()
    text = text.replace("’", "'").replace("‘", "'")
    text = _LEAD.sub("", text)
    text = _TRAIL.sub("", text)
    return _SPACES.sub(" ", text).strip()


def _check_groups(groups: dict[str, tuple[str, ...]], name: str) -> None:
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
        _EXACT[normalise(_phrase)] = _reason

_PREFIX: list[tuple[str, str]] = [
    (p.casefold(), r) for r in _PRIORITY for p in patterns.PREFIX.get(r, ())
]
_SEARCH: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r) for r in _PRIORITY for p in patterns.SEARCH.get(r, ())
]


def _prefix_match(folded: str, prefix: str) -> bool:
    """A prefix counts when a word boundary follows it ("read more" not "read moreover")."""
    if not folded.startswith(prefix):
        return False
    if len(folded) == len(prefix) or not prefix[-1].isalnum():
        return True
    nxt = folded[len(prefix)]
    return not nxt.isalnum()


def chrome_reason(line: str, words: int | None = None) -> str | None:
    """The reason a single line is chrome on its own, or None.

    `words` is the line's word count when the caller has it already.
    """
    norm = normalise(line)
    if not norm:
        return None
    reason = _EXACT.get(norm)
    if reason:
        return reason
    if words is None:
        words = len(norm.split())
    folded = _SPACES.sub(" ", unicodedata.normalize("NFKC", line).casefold()).strip()
    folded = _LEAD.sub("", folded).replace("’", "'")
    if words <= MAX_LABEL_WORDS:
        for prefix, reason in _PREFIX:
            if _prefix_match(folded, prefix):
                return reason
    if words <= MAX_SEARCH_WORDS:
        for pattern, reason in _SEARCH:
            if pattern.search(folded):
                return reason
    return None


def apply_line_rules(blocks: Iterable[Block]) -> None:
    """Remove every kept block that a line rule recognises (used on HTML blocks)."""
    for block in blocks:
        if block.kept and block.kind != "title":
            reason = chrome_reason(block.text)
            if reason:
                block.remove(reason)
