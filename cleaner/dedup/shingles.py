"""Turn a text into the set of shingles its MinHash signature is built from.

Two copies of a page that differ only in case, Unicode form, punctuation or
spacing must give the same shingles, so everything goes through `comparable_tokens`
first. Word n-grams suit spaced scripts; Chinese, Japanese, Thai and other
scripts written without spaces between words have no usable word boundaries,
so for them we shingle characters instead (the rule, `is_unspaced`, lives in
`cleaner.lang.scripts`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from cleaner.lang.scripts import is_unspaced

#: Words per shingle. Five is the usual choice for near-duplicate web text
#: (Broder's shingling, Gopher and RefinedWeb dedup): long enough that two
#: unrelated articles rarely share a shingle, short enough that one edited word
#: only disturbs five shingles.
DEFAULT_WORD_SHINGLE = 5

#: Characters per shingle for unspaced scripts. One Han character carries
#: roughly the information of a short word, so 5 characters is close to a
#: 2-3 word phrase: specific enough for dedup, tolerant of small edits.
CHAR_SHINGLE = 5


def _combining_mark_class() -> str:
    """Build a regex character class body of every combining mark (category M*).

    Python's `\\w` excludes combining marks, so on its own it would cut Hindi,
    Thai or Arabic-with-vowel-points words apart at every vowel sign and drop
    the signs; adding the marks keeps those words whole. Marks live in planes
    0-1 plus the variation selector supplement, so scanning only those keeps
    import fast (about 10 ms).
    """
    scan = list(range(0x20000)) + list(range(0xE0100, 0xE01F0))
    marks = [cp for cp in scan if unicodedata.category(chr(cp)).startswith("M")]
    ranges: list[tuple[int, int]] = []
    for cp in marks:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return "".join(
        re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
        for lo, hi in ranges
    )


#: A token: a run of word characters and the combining marks attached to them.
_TOKEN_RE = re.compile(rf"[\w{_combining_mark_class()}]+")

#: A run of word characters: the token when the text holds no combining marks.
_WORD_RE = re.compile(r"\w+")

def comparable_tokens(text: str) -> list[str]:
    """Split text into comparable tokens: NFKC, casefolded, punctuation dropped.

    NFKC folds full-width letters, ligatures and compatibility forms onto their
    plain equivalents; casefold (stronger than lower, 'ß' -> 'ss') removes case;
    matching only word runs drops punctuation and whitespace, so re-flowed or
    re-punctuated copies tokenise identically.

    Example:
        >>> comparable_tokens("Hello,  WORLD! Straße ＡＢＣ")
        ['hello', 'world', 'strasse', 'abc']
    """
    if text.isascii():  # NFKC changes no ASCII text, and casefold is lower
        return _WORD_RE.findall(text.lower())
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    # Matching against the class of every combining mark is slow; the class of
    # the marks this text holds (usually none) gives the same tokens.
    marks = frozenset(
        ch for ch in set(folded) if ord(ch) >= _FIRST_MARK and unicodedata.category(ch)[0] == "M"
    )
    return _token_re(marks).findall(folded)


#: Combining marks start above the Latin-1 range (U+0300).
_FIRST_MARK = 0x300


@lru_cache(maxsize=256)
def _token_re(marks: frozenset[str]) -> re.Pattern[str]:
    """A token pattern: word characters and these combining marks."""
    if not marks:
        return _WORD_RE
    return re.compile("[\\w" + "".join(re.escape(m) for m in sorted(marks)) + "]+")


def _ngrams(items: list[str] | str, n: int, sep: str) -> set[str]:
    """All n-grams of items; shorter input becomes a single shingle.

    The fallback keeps short texts comparable: a three-word text still has one
    shingle, so an identical copy is found, instead of an empty set that could
    never match.
    """
    if not items:
        return set()
    if len(items) <= n:
        return {sep.join(items)}
    return {sep.join(items[i : i + n]) for i in range(len(items) - n + 1)}


def shingles(text: str, n: int = DEFAULT_WORD_SHINGLE) -> set[str]:
    """Return the shingle set of text: word n-grams, or character grams for
    unspaced scripts (with whitespace and punctuation removed).

    Args:
        text: Any text; may be empty.
        n: Words per shingle for spaced scripts. Unspaced scripts always use
            `CHAR_SHINGLE` characters.

    Raises:
        ValueError: If n is less than 1.

    Example:
        >>> sorted(shingles("The cat sat on the mat.", n=5))
        ['cat sat on the mat', 'the cat sat on the']
        >>> shingles("Hi there")
        {'hi there'}
    """
    if n < 1:
        raise ValueError(f"shingle size n must be at least 1, got {n}")
    tokens = comparable_tokens(text)
    if is_unspaced(tokens):
        return _ngrams("".join(tokens), CHAR_SHINGLE, "")
    return _ngrams(tokens, n, " ")


__all__ = ["CHAR_SHINGLE", "DEFAULT_WORD_SHINGLE", "comparable_tokens", "shingles"]
