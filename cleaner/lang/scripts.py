"""Scripts written without spaces between words (Chinese, Japanese, Thai...): the one home
of the rule.

Such text has no word boundaries to count or shingle, so three parts of the
cleaner treat it apart. Each asks its own question, over its own set of
Unicode blocks:

- dedup shingles characters instead of words when most of a text's word
  characters are in an unspaced script (`is_unspaced`, over
  `UNSPACED_RANGES`): any such script, since none has usable word 5-grams;
- the language guess takes a page as Japanese or Chinese, whose stop-word
  density is measured by particles, when Han and kana are a large share of
  its word characters (`mostly_cjk`, over `CJK_RANGES`): only those two
  have particle lists, so Thai or Khmer pages go to the stop-word lists;
- extraction matches a headline to the body by character bigrams of Han and
  kana runs (`CJK_RUN`, over `CJK_BIGRAM_RANGES`).

The blocks are defined once, here, and the three sets are named unions of
them. They differ where they always have: the guess leaves out the Katakana
phonetic extensions and the supplementary-plane Han, and the bigrams also
leave out the compatibility ideographs (which NFKC does not always fold:
U+FA11, the 﨑 of the common name 山﨑, stays). Widening either would change
extraction output for pages that use those characters, and narrowing dedup's
would change shingles and signatures (so every index built before); that is
a change of output to make on purpose, not in passing.

This module imports nothing from the rest of the package, so the language
guess, extraction and dedup can all depend on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Unicode blocks (inclusive code point ranges) of scripts written without word spaces.
THAI = (0x0E00, 0x0E7F)
LAO = (0x0E80, 0x0EFF)
TIBETAN = (0x0F00, 0x0FFF)
MYANMAR = (0x1000, 0x109F)
KHMER = (0x1780, 0x17FF)
HIRAGANA = (0x3040, 0x309F)
KATAKANA = (0x30A0, 0x30FF)
KATAKANA_EXTENSIONS = (0x31F0, 0x31FF)  # Katakana phonetic extensions (Ainu)
HAN_EXTENSION_A = (0x3400, 0x4DBF)
HAN = (0x4E00, 0x9FFF)  # CJK unified ideographs
HAN_COMPATIBILITY = (0xF900, 0xFAFF)
HAN_SUPPLEMENTARY = (0x20000, 0x3134F)  # extensions B-G and the supplement

Ranges = tuple[tuple[int, int], ...]

#: Every unspaced script: what dedup shingles by character.
UNSPACED_RANGES: Ranges = (
    THAI, LAO, TIBETAN, MYANMAR, KHMER, HIRAGANA, KATAKANA, KATAKANA_EXTENSIONS,
    HAN_EXTENSION_A, HAN, HAN_COMPATIBILITY, HAN_SUPPLEMENTARY,
)
#: Han and kana as the language guess counts them (see the module docstring).
CJK_RANGES: Ranges = (HIRAGANA, KATAKANA, HAN_EXTENSION_A, HAN, HAN_COMPATIBILITY)
#: Han and kana as extraction's headline bigrams take them: `CJK_RANGES` without
#: the compatibility ideographs (see the module docstring).
CJK_BIGRAM_RANGES: Ranges = (HIRAGANA, KATAKANA, HAN_EXTENSION_A, HAN)
#: Kana alone: a CJK page with any is Japanese, without any Chinese.
KANA_RANGES: Ranges = (HIRAGANA, KATAKANA)

#: Dedup treats a text as unspaced when more than this share of its word
#: characters is in `UNSPACED_RANGES`: a majority vote, so an English page
#: quoting a few Chinese names keeps its word shingles.
UNSPACED_SHARE = 0.5
#: The language guess treats a text as Japanese or Chinese when at least this
#: share of its word characters is in `CJK_RANGES`: lower than dedup's, so a
#: Japanese page with Latin brand names stays Japanese.
CJK_SHARE = 0.3


def char_class(ranges: Iterable[tuple[int, int]]) -> str:
    """The body of a regex character class matching these inclusive code point ranges."""
    return "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in ranges)


#: A run of characters of an unspaced script (dedup's count, at C speed).
UNSPACED_RUN = re.compile(f"[{char_class(UNSPACED_RANGES)}]+")
#: One Han or kana character, as the language guess counts them.
CJK = re.compile(f"[{char_class(CJK_RANGES)}]")
#: One kana character.
KANA = re.compile(f"[{char_class(KANA_RANGES)}]")
#: A run of Han and kana, as extraction's headline bigrams take them.
CJK_RUN = re.compile(f"[{char_class(CJK_BIGRAM_RANGES)}]+")

_WORD = re.compile(r"\w+")


def is_unspaced(tokens: list[str]) -> bool:
    """Say whether tokens (dedup's normalised ones) are mostly in an unspaced script.

    The share is taken over the tokens' characters, which are word characters
    and the combining marks inside words.

    Example:
        >>> is_unspaced(["東京都は日本の首都です"])
        True
        >>> is_unspaced(["mayor", "li", "李", "said"])
        False
    """
    joined = "".join(tokens)
    if not joined or joined.isascii():
        return False
    unspaced = sum(map(len, UNSPACED_RUN.findall(joined)))
    return unspaced / len(joined) > UNSPACED_SHARE


def mostly_cjk(text: str) -> bool:
    """Say whether Han and kana are a large share (`CJK_SHARE`) of a text's word characters.

    Example:
        >>> mostly_cjk("ソニーの新しいWalkmanが発売された")
        True
        >>> mostly_cjk("Mayor Li 李 said the bridge will reopen")
        False
    """
    cjk = len(CJK.findall(text))
    letters = sum(len(w) for w in _WORD.findall(text))
    return letters > 0 and cjk / letters >= CJK_SHARE


__all__ = [
    "CJK",
    "CJK_BIGRAM_RANGES",
    "CJK_RANGES",
    "CJK_RUN",
    "CJK_SHARE",
    "KANA",
    "KANA_RANGES",
    "UNSPACED_RANGES",
    "UNSPACED_RUN",
    "UNSPACED_SHARE",
    "char_class",
    "is_unspaced",
    "mostly_cjk",
]
