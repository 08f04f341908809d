"""The browser default for pages that do not say their encoding: windows-1252.

A page with no BOM, no charset and bytes that are not UTF-8 is shown as
windows-1252 by a browser with a Western locale (the WHATWG fallback encoding
for most locales), and a browser gives that up only for a detector that is
sure. charset-normalizer is not sure on short Western text, and does not say
so: its mess measure finds "déjà" suspicious (two accents in a short word) and
scores windows-1252 below a Baltic or Cyrillic code page, so "café déjà" came
out as "déją" (cp1257) or "cafй dйjа" (cp1251).

So after detection, `western_default` asks two questions. Do the bytes read as
windows-1252 look like Western text (`western_shaped`: accented letters inside
words of ASCII letters, no symbols inside words)? If they do, windows-1252 it
is, unless the detector's reading is the better text (`detector_is_sure`), by
one of three pieces of evidence, asked in turn until one tells the two readings
apart: more accented words that are stop words ("při" beats "pøi"; "déjà" beats
"déją"), fewer letters outside the best-fitting alphabet ("egyszerűsíti" fits
Hungarian, "egyszerûsíti" no alphabet), or the letters of the page's language
when both readings are guessed to be in the same one (Croatian "sječe", not
"sjeèe").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from cleaner.lang.language import Language, guess, min_density

#: The browser default: windows-1252, also what ISO-8859-1 and ASCII labels mean.
#: It decodes any byte (the five undefined ones become U+FFFD with "replace").
FALLBACK_CODEC = "cp1252"

#: The characters windows-1252 gives for bytes 0x80-0xFF (five are undefined).
_HIGH = bytes(range(0x80, 0x100)).decode(FALLBACK_CODEC, errors="ignore")
#: ...of which letters: À-ÿ (but × ÷), Š Œ Ž š œ ž Ÿ ƒ, ª º µ.
_HIGH_LETTERS = "".join(c for c in _HIGH if c.isalpha())
#: Non-letters that do sit between two letters in real Western text: apostrophes
#: ("l’été", and "don´t" in informal writing), the Catalan middle dot, the soft
#: hyphen, a no-break space ("10 km\xa0au nord"), dashes ("Paris–Lyon"), an
#: ellipsis ("Play…and Pay") and a bullet ("Home•News"). Each is the same
#: punctuation in windows-1250 and 1257, so no letter of theirs hides among them.
IN_WORD_PUNCTUATION = "’‘´·\xad\xa0–—…•"
#: The other non-letters (³ ¹ ¿ ¥ £ ± ¾ ...): between two letters they are the
#: letters of another code page (Polish "ł" is 0xB3, "³" in windows-1252).
_MISPLACED = "".join(c for c in _HIGH if not c.isalpha() and c not in IN_WORD_PUNCTUATION)

#: Of the words with a letter from 0x80-0xFF (two letters or more), at most this
#: share may have no ASCII letter. Western languages put accented letters among
#: ASCII ones ("déjà", "Straße", "Þetta"); their all-accented words are one
#: letter long ("à", "é", "í", not counted) or rare ("þú", "él"). Cyrillic,
#: Greek, Hebrew and Arabic read as windows-1252 are such words only ("Íîâûé
#: ìîñò"): the share is 1.0 for each of them, 0 for short Western texts, at most
#: 0.13 for the 719 bench pages with non-ASCII text read as windows-1252 (the
#: 0.13 quotes mojibake).
MAX_FOREIGN_WORD_SHARE = 0.25
#: Of the characters from 0x80-0xFF, at most this share may be `_MISPLACED`
#: symbols between two letters: those 719 bench pages have at most 0.07 (a
#: stray "m²s"), Polish read as windows-1252 0.18 to 0.33 ("Za¿ó³æ", "w³adze").
MAX_MISPLACED_SHARE = 0.1
#: The letters beyond a-z of the Latin-script languages that the web's single-byte
#: code pages were made for (windows-1250/1252/1254/1257/1258, ISO-8859-2/3/4/
#: 10/13/14/15/16): a page's letters should fit one of them. Generous where a
#: language borrows (French "ü" in "Saül", Spanish and Portuguese "ü"), since
#: a letter missing here counts against a right reading.
ALPHABETS: dict[str, str] = {
    "French": "àâæçéèêëîïôœùûüÿ",
    "German": "äöüß",
    "Spanish": "áéíñóúü",
    "Portuguese": "àáâãçéêíóôõúü",
    "Italian": "àèéìíîòóùú",
    "Catalan": "àçèéíïòóúü",
    "Dutch": "áäéèêëíïóöúü",
    "Afrikaans": "áäéèêëíîïóôöúûü",
    "Danish and Norwegian": "åæøéóôü",
    "Swedish": "åäöéü",
    "Finnish": "åäöšž",
    "Icelandic": "áæðéíóöúýþ",
    "Faroese": "áæðíóøúý",
    "Irish": "áéíóú",
    "Welsh": "àáâäèéêëìíîïòóôöùúûüŵẁẃẅŷỳýÿ",
    "Albanian": "çë",
    "Estonian": "äöõüšž",
    "Latvian": "āčēģīķļņōŗšūž",
    "Lithuanian": "ąčęėįšųūž",
    "Polish": "ąćęłńóśźż",
    "Czech": "áčďéěíňóřšťúůýž",
    "Slovak": "áäčďéíĺľňóôŕšťúýž",
    "Croatian, Bosnian, Slovenian": "čćđšž",
    "Hungarian": "áéíóöőúüű",
    "Romanian": "ăâîșțşţ",
    "Turkish": "âçğıİîöşûü",
    "Maltese": "àċèġħìòùż",
    "Esperanto": "ĉĝĥĵŝŭ",
    "Vietnamese": "àáâãèéêìíòóôõùúýăđĩũơư",
}  # fmt: skip
_ALPHABETS: tuple[frozenset[str], ...] = tuple(
    frozenset(letters) | frozenset(letters.upper()) for letters in ALPHABETS.values()
)
#: Letters by Unicode that are symbols in use: ordinal indicators ("1º"), micro, florin.
SYMBOL_LETTERS = frozenset("ªºµƒ")
#: How much of a page's visible text (in bytes) the evidence reads: all of it for
#: 764 of the 802 bench pages, and a language shows well before the end of it,
#: while each pattern costs ~0.1 s a megabyte: reading the whole of a 27 MB page
#: made its decoding four times slower.
VISIBLE_SAMPLE_BYTES = 100_000
#: How much of the visible text the language guesses and the letter scores read:
#: a language shows in its first few paragraphs.
ALPHABET_SAMPLE_CHARS = 20_000

_LETTER = f"A-Za-z{re.escape(_HIGH_LETTERS)}"
_HIGH_LETTER = f"[{re.escape(_HIGH_LETTERS)}]"
# words (2+ letters) with a high letter, and those without an ASCII one; a word
# starts where no letter precedes, and the possessive runs never backtrack
_ACCENTED_WORD = re.compile(f"(?<![{_LETTER}])(?=[{_LETTER}]{{2}})[A-Za-z]*+{_HIGH_LETTER}")
_FOREIGN_WORD = re.compile(f"(?<![{_LETTER}]){_HIGH_LETTER}{{2,}}+(?![{_LETTER}])")
_HIGH_CHAR = re.compile(f"[{re.escape(_HIGH)}]")
_MISPLACED_IN_WORD = re.compile(f"(?<=[{_LETTER}])[{re.escape(_MISPLACED)}](?=[{_LETTER}])")
# markup, in bytes: script and style elements and comments (each end looked for
# from its start, so each byte is read once), then tags
_HIDDEN_START = re.compile(rb"<(script\b|style\b|!--)", re.IGNORECASE)
_HIDDEN_END = {
    b"script": re.compile(rb"</script\s*+>", re.IGNORECASE),
    b"style": re.compile(rb"</style\s*+>", re.IGNORECASE),
    b"!--": re.compile(rb"-->"),
}
_TAG = re.compile(rb"<[^<>]*+>")
# a non-ASCII letter or digit, in any reading (digits and ³ dropped by isalpha)
_NON_ASCII_ALNUM = re.compile(r"[^\W\x00-\x7f]")
# a word (letters, digits) with a non-ASCII letter, in any reading
_NON_ASCII_WORD = re.compile(r"(?<!\w)[A-Za-z0-9_]*+[^\W\x00-\x7f]\w*+")


def western_default(raw: bytes, detected: str | None, visible: bytes) -> bool:
    """Whether undeclared, non-UTF-8 bytes are to be read as windows-1252 after all.

    True when they decode as windows-1252 into Western-shaped text and the
    detector's answer (None: it found nothing) is not the better reading;
    ``visible`` is `visible_bytes(raw)`.
    """
    if detected == FALLBACK_CODEC:
        return False
    try:
        raw.decode(FALLBACK_CODEC)
    except UnicodeDecodeError:  # 0x81 0x8D 0x8F 0x90 0x9D: undefined in windows-1252
        return False
    western = page_sample(visible, FALLBACK_CODEC)
    if not western_shaped(western):
        return False
    return detected is None or not detector_is_sure(page_sample(visible, detected), western)


def detector_is_sure(other: str, western: str) -> bool:
    """Whether the detector's reading of a page's visible text is better text than
    windows-1252's reading of it.

    Each piece of evidence is asked only when the ones before it leave the two
    readings level, and level on all of them means not sure: what both code
    pages read alike counts the same for both, so only the bytes that the two
    read apart decide.
    """
    words = accented_stopwords(other), accented_stopwords(western)
    if words[0] != words[1]:
        return words[0] > words[1]
    (letters, misfits), (western_letters, western_misfits) = (
        alphabet_misfits(other), alphabet_misfits(western))
    if letters < western_letters:
        return False  # it turns letters into symbols ("ä" as "‰"): fewer misfits for it
    if misfits != western_misfits:
        return misfits < western_misfits
    if letters != western_letters:
        return False  # it turns punctuation into letters ("…" as "Ö", "’" as "í")
    lang, western_lang = page_language(other), page_language(western)
    if lang is None or western_lang is None or lang.name != western_lang.name:
        return False
    score = letters_score(lang)
    return score is not None and score(other) > score(western)


def western_shaped(text: str) -> bool:
    """Whether windows-1252 text looks like a Western language written in it.

    Its accented letters sit in words with ASCII letters, and its symbols are
    not inside words (see the constants). Text whose 0x80-0xFF bytes are all
    punctuation (’ “ ” — …, as in English) has neither problem: Western too.
    """
    words = len(_ACCENTED_WORD.findall(text))
    if len(_FOREIGN_WORD.findall(text)) > MAX_FOREIGN_WORD_SHARE * words:
        return False
    high = len(_HIGH_CHAR.findall(text))
    return len(_MISPLACED_IN_WORD.findall(text)) <= MAX_MISPLACED_SHARE * high


def accented_stopwords(text: str) -> int:
    """How many words of a reading with a non-ASCII letter are stop words.

    Words of two letters or more ("déjà", "při", "už": a lone "Е" may be a
    misread "…"), counted in the language whose stop words they hold most of:
    the words of one page are words of one language.
    """
    words = [w for w in _NON_ASCII_WORD.findall(text) if len(w) > 1]
    if not words:
        return 0
    sample = " ".join(words)
    return round(guess(sample).density(sample) * len(words))


def alphabet_misfits(text: str) -> tuple[int, int]:
    """A reading's non-ASCII letters, and how many of them are outside the
    alphabet (of `ALPHABETS`) that holds most of them.

    Only Latin alphabets are asked: the caller has made sure that the page's
    high letters sit in words of ASCII letters (`western_shaped`), so in a
    right reading they are Latin letters; a Cyrillic "й" in "cafй" is a misfit.
    """
    counts = Counter(
        c for c in _NON_ASCII_ALNUM.findall(text) if c.isalpha() and c not in SYMBOL_LETTERS
    )
    total = sum(counts.values())
    fits = max(sum(counts[c] for c in counts.keys() & alphabet) for alphabet in _ALPHABETS)
    return total, total - fits


def page_language(text: str) -> Language | None:
    """The language of a page's visible text, when it reads like prose in it.

    A list of names, a menu or a few words has its guess decided by chance hits
    in some list ("Zürich Genève Lausanne Bern" is Estonian): a guess counts
    only when its stop words are as dense as prose needs (`min_density`).
    """
    sample = text[:ALPHABET_SAMPLE_CHARS]
    lang = guess(sample)
    return lang if lang.density(sample) >= min_density(lang) else None


def alphabet_score(text: str) -> Callable[[str], int] | None:
    """A score of readings of a page (`page_sample`) by the letters of the
    language guessed from one of them (see `letters_score`)."""
    return letters_score(guess(text[:ALPHABET_SAMPLE_CHARS]))


def letters_score(lang: Language) -> Callable[[str], int] | None:
    """A score of a reading of a page by the accented letters of ``lang``'s stop words.

    The detector's language models hardly tell ISO-8859-2 from windows-1250 or
    ISO-8859-10 (Czech "š" is a letter in each: "ą" or "đ" in the wrong one).
    The language's own letters do: each one a reading has counts for it, any
    other non-ASCII letter against it. None when the language has no accented
    letters (English): nothing to tell.
    """
    alphabet = {c for word in lang.stopwords for c in word if c.isalpha() and not c.isascii()}
    if not alphabet:
        return None

    def score(text: str) -> int:
        sample = text[:ALPHABET_SAMPLE_CHARS].casefold()
        letters = [c for c in sample if c.isalpha() and not c.isascii()]
        return 2 * sum(c in alphabet for c in letters) - len(letters)

    return score


def page_sample(visible: bytes, codec: str) -> str:
    """What the evidence reads of one reading of a page: the start of its visible
    bytes (`visible_bytes`), decoded (a character cut in two is one U+FFFD)."""
    return visible[:VISIBLE_SAMPLE_BYTES].decode(codec, errors="replace")


def visible_bytes(raw: bytes) -> bytes:
    """The page without scripts, styles, comments and tags, for the evidence:
    markup words ("head", "body", "var") are stop words in some language.

    Done on the bytes, once for all readings: markup is ASCII in every code page
    the detector names, and none has "<" or ">" as the second byte of a
    character, but ISO-2022-JP, where a cut in the wrong place only blurs the
    evidence (no byte of the decoded page depends on it).
    """
    parts, pos = [], 0
    while (start := _HIDDEN_START.search(raw, pos)) is not None:
        parts.append(raw[pos : start.start()])
        end = _HIDDEN_END[start.group(1).lower()].search(raw, start.end())
        if end is None:
            pos = len(raw)
            break
        pos = end.end()
    parts.append(raw[pos:])
    return _TAG.sub(b" ", b"".join(parts))
