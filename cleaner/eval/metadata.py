"""Page metadata against the sets' truth: title, author, site name, date, description, lang.

A record a pipeline can trust needs its metadata right as well as its body, so
`cleaner eval` scores every field a set's truth has (bench README: wceb has
title, author and date; readability also site name, description and lang),
for cleaner's Document and for trafilatura's `extract_metadata` on the same
pages. The metric is deliberately plain: after `fold`, a prediction is right
or wrong, and a field's accuracy is the share of pages whose truth has the
field that the system got exactly right (an empty prediction is a miss). For
title and author a lenient figure is reported beside it (`lenient_match`),
since "Headline | Site" or "Name, MS, RD" is a near miss a reader would take.

This module knows the values and the arithmetic; `eval.run` collects the
values per page, `eval.report` prints the tables.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from cleaner.eval.sets import META_FIELDS

#: What a system said on one page: {field: value or None}. A field the system does
#: not produce at all is left out (shown as "-"), which is not the same as a miss.
Meta = dict[str, str | None]

#: The fields with a lenient figure: free text a page dresses differently (a site
#: suffix on a title, degrees after a name); dates, codes and site names are exact.
LENIENT_FIELDS = ("title", "author")
#: Token F1 at or above this is a lenient match: "5 Trends from Nutrition 2025 |
#: LinkedIn" against "5 Trends from Nutrition 2025" is 0.91, a different headline
#: sharing a few words is well under.
LENIENT_F1 = 0.8
#: A containment match needs the contained side to have at least so many tokens, so a
#: one-word prediction ("admin", "News") is not right because the truth has that word.
MIN_CONTAINED_TOKENS = 2

#: Typographic quotes as their ASCII forms: the truth was typed or copied, a page's
#: <meta> may have the other kind, and the quote is not what is being measured.
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
                         "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"',
                         "«": '"', "»": '"', "‹": "'", "›": "'"})
_TOKEN = re.compile(r"\w+")

_MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
    ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
    ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
    ("december", "dec")), start=1) for name in names}
_MONTH = "(?P<m>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>\d{4})"
#: The date forms `parse_date` reads, tried in order; see its docstring.
_DATE_FORMS = (
    re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})(?!\d)"),  # ISO 8601
    re.compile(r"(?<!\d)(?P<y>\d{4})/(?P<mo>\d{1,2})/(?P<d>\d{1,2})(?!\d)"),  # 2025/06/04
    re.compile(r"^(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})(?=$|T)"),  # 20250604 (basic ISO)
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.I),  # June 4, 2025
    re.compile(rf"\b{_DAY}\.?\s+{_MONTH},?\s+{_YEAR}\b", re.I),  # Wed, 04 Jun 2025 10:00 GMT
)

#: Language names as ISO 639-1 codes, for a system that gives a name (cleaner's
#: stop-word guess says "English"): the languages of the sets' truth and the web's
#: most common ones. A name not here is scored as it is, which never matches a code.
LANGUAGE_CODES = {
    "arabic": "ar", "catalan": "ca", "chinese": "zh", "czech": "cs", "danish": "da",
    "dutch": "nl", "english": "en", "finnish": "fi", "french": "fr", "german": "de",
    "greek": "el", "hebrew": "he", "hindi": "hi", "hungarian": "hu", "indonesian": "id",
    "italian": "it", "japanese": "ja", "korean": "ko", "marathi": "mr", "norwegian": "no",
    "norwegian_bokmal": "nb", "persian": "fa", "polish": "pl", "portuguese": "pt",
    "romanian": "ro", "russian": "ru", "slovak": "sk", "spanish": "es", "swedish": "sv",
    "thai": "th", "turkish": "tr", "ukrainian": "uk", "vietnamese": "vi",
}
_LANG_TAG = re.compile(r"^(?P<primary>[a-z]{2,3})(?:[-_][a-z0-9]{1,8})*$")


def _is_punct(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def fold(text: str) -> str:
    """The form two values are compared in: NFKC, typographic quotes as ASCII,
    casefolded, whitespace runs as one space, punctuation and quotes stripped
    from both ends (inner punctuation kept: "Dan Goodin" is not "Dan, Goodin").

    NFKC and the whitespace fold forgive what HTML does to a string (non-breaking
    spaces, full-width forms, line breaks in a <title>); case and the quotes or
    full stop around a value are how a page dresses it, not what it says.
    """
    text = " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold().split())
    start, end = 0, len(text)
    while start < end and (_is_punct(text[start]) or text[start].isspace()):
        start += 1
    while end > start and (_is_punct(text[end - 1]) or text[end - 1].isspace()):
        end -= 1
    return text[start:end]


def parse_date(text: str) -> str | None:
    """The calendar day a date string names, as YYYY-MM-DD; None when it names none.

    Read, in order (the first form found anywhere in the string wins): ISO 8601 /
    RFC 3339 (`2015-07-10`, `2015-07-10T09:53:00-04:00`, `2017-11-03 03:01:00.000000`;
    the date part as written, the time and zone ignored), `2025/06/04`, basic ISO
    `20250604` (the whole value), and English month names
    (`June 4, 2025`, `4th June 2025`, RFC 2822's `Wed, 04 Jun 2025 10:00:00 GMT`).
    The zone is not applied, because a page states its date in its own zone and
    both the truth and the systems copy that day; converting to UTC would move
    evening dates a day. All-numeric day/month orders (04/06/2025) are not read:
    they are ambiguous, and a wrong guess would score as a system's error.
    """
    text = " ".join(text.split())
    for form in _DATE_FORMS:
        match = form.search(text)
        if match is None:
            continue
        parts = match.groupdict()
        month = int(parts["mo"]) if parts.get("mo") else _MONTHS[parts["m"].casefold()]
        try:
            return date(int(parts["y"]), month, int(parts["d"])).isoformat()
        except ValueError:
            return None  # 2025-02-30: a bad date is no date, not the next form's guess
    return None


def lang_code(text: str) -> str:
    """The ISO 639-1 primary subtag of a language tag (`en-US` -> `en`, `pt_BR` -> `pt`),
    or of a language name found in LANGUAGE_CODES; any other value folded as it is."""
    value = fold(text)
    match = _LANG_TAG.match(value)
    if match:
        return match["primary"]
    return LANGUAGE_CODES.get(value.replace(" ", "_"), value)


def normalise(name: str, value: str | None) -> str | None:
    """The comparable form of one field's value: a date as YYYY-MM-DD (a date string
    that `parse_date` cannot read is folded instead), a language as its code,
    anything else folded; None for a missing or empty value."""
    if value is None or not value.strip():
        return None
    if name == "date":
        return parse_date(value) or fold(value) or None
    if name == "lang":
        return lang_code(value) or None
    return fold(value) or None


def exact_match(name: str, truth: str, prediction: str | None) -> bool:
    """Whether the prediction is the truth after `normalise`; a missing one never is."""
    want, got = normalise(name, truth), normalise(name, prediction)
    return want is not None and want == got


def _contains(longer: list[str], shorter: list[str]) -> bool:
    size = len(shorter)
    return any(longer[i:i + size] == shorter for i in range(len(longer) - size + 1))


def lenient_match(truth: str, prediction: str | None) -> bool:
    """A near miss counted as right: token F1 >= LENIENT_F1 on the folded words, or one
    side's words a contiguous run of the other's (the shorter with at least
    MIN_CONTAINED_TOKENS words): "Headline | Site" for "Headline", "Dylan Bailey"
    for "Dylan Bailey, MS, RD, FAND"."""
    want = _TOKEN.findall(fold(truth))
    got = _TOKEN.findall(fold(prediction or ""))
    if not want or not got:
        return False
    common = sum(min(want.count(t), got.count(t)) for t in set(want))
    if common and 2 * common / (len(want) + len(got)) >= LENIENT_F1:
        return True
    shorter, longer = sorted((want, got), key=len)
    return len(shorter) >= MIN_CONTAINED_TOKENS and _contains(longer, shorter)


@dataclass(frozen=True, slots=True)
class FieldScore:
    """One system on one field: pages whose truth has it, exact and lenient shares.

    `lenient` is None for a field without a lenient figure (LENIENT_FIELDS).
    """

    pages: int
    exact: float
    lenient: float | None


def field_score(name: str, pairs: Iterable[tuple[str, str | None]]) -> FieldScore:
    """Score (truth, prediction) pairs of one field; a pair with an empty truth is left out,
    since there is nothing to get right (the n is the pages with truth)."""
    kept = [(t, p) for t, p in pairs if normalise(name, t) is not None]
    if not kept:
        return FieldScore(0, 0.0, None if name not in LENIENT_FIELDS else 0.0)
    exact = sum(exact_match(name, t, p) for t, p in kept) / len(kept)
    lenient = (sum(lenient_match(t, p) for t, p in kept) / len(kept)
               if name in LENIENT_FIELDS else None)
    return FieldScore(len(kept), exact, lenient)


class MetaRun(Protocol):
    """What scoring reads of a page run (eval.run.PageRun has it; kept as a protocol so
    this module does not import the runner, which imports it)."""

    @property
    def page_id(self) -> str: ...

    @property
    def meta(self) -> Meta | None: ...

    @property
    def meta_seconds(self) -> float: ...

    @property
    def meta_error(self) -> str | None: ...


def system_meta_scores(all_runs: Sequence[MetaRun], runs: Sequence[MetaRun],
                       truths: Mapping[str, Mapping[str, str]],
                       fields: Sequence[str]) -> dict[str, FieldScore | None]:
    """{field: score} of one system over `runs` (a subset of `all_runs`, say one page
    type). None for a field the system gives on none of `all_runs` (it has no such
    attribute): that is "not offered", not a miss. A page where the system failed
    (meta None) is a miss on every field."""
    offered = {f for r in all_runs for f in (r.meta or {})}
    return {f: field_score(f, ((truths[r.page_id].get(f, ""), (r.meta or {}).get(f))
                               for r in runs)) if f in offered else None for f in fields}


def page_meta_json(run: MetaRun, truth: Mapping[str, str], fields: Sequence[str]) -> dict:
    """A page's metadata as the system gave it, and which truth fields it got exactly
    (empty for a system that gives no metadata)."""
    if run.meta is None and run.meta_error is None:
        return {}
    return {"meta": run.meta,
            "meta_exact": {f: exact_match(f, truth[f], (run.meta or {}).get(f))
                           for f in fields if f in truth},
            **({"meta_seconds": round(run.meta_seconds, 5), "meta_error": run.meta_error}
               if run.meta_seconds or run.meta_error else {})}


def _value(value: object) -> str | None:
    """A metadata value as a string, or None (a list of authors joined by commas)."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value if v) or None
    return str(value) or None


#: Where a Document holds the language: its `language` attribute (an ISO 639-1 code);
#: `meta` is read too, for a Document pickled by an older version (a list's name).
_LANG_ATTRIBUTES = ("language",)
_LANG_META_KEYS = ("language",)


def document_meta(doc: object) -> Meta:
    """A cleaner Document's metadata by field; a field the Document has no attribute
    for is left out (read with getattr, so a system without one is "not offered")."""
    found: Meta = {}
    for name in META_FIELDS:
        if name != "lang" and hasattr(doc, name):
            found[name] = _value(getattr(doc, name))
    meta = getattr(doc, "meta", None) or {}
    langs = [getattr(doc, a, None) for a in _LANG_ATTRIBUTES] + [meta.get(k)
                                                                for k in _LANG_META_KEYS]
    found["lang"] = next((_value(v) for v in langs if isinstance(v, str) and v), None)
    return found


#: trafilatura's Document fields `extract_metadata` fills. Not `language`: it has the
#: slot, but only `extract()` with a target language sets it, so it would be a
#: permanent miss that says nothing about trafilatura's metadata.
TRAFILATURA_FIELDS = ("title", "author", "sitename", "date", "description")


def trafilatura_meta(doc: object) -> Meta:
    """What `trafilatura.extract_metadata` found, by field."""
    return {name: _value(getattr(doc, name, None)) for name in TRAFILATURA_FIELDS}


__all__ = [
    "LANGUAGE_CODES", "LENIENT_F1", "LENIENT_FIELDS", "MIN_CONTAINED_TOKENS",
    "TRAFILATURA_FIELDS", "FieldScore", "Meta", "MetaRun", "document_meta", "exact_match",
    "field_score", "fold", "lang_code", "lenient_match", "normalise", "page_meta_json",
    "parse_date", "system_meta_scores", "trafilatura_meta",
]
