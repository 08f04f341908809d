"""Find a publication date in a short line ("Monday, November 10, 2025").

Text dumps carry the date as a line near the headline; HTML pages have it in
their metadata (trafilatura reads that). This parser knows the common written
forms, in English and a few other languages, and answers ISO 8601 dates.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS: dict[str, int] = {}
for _names in (
    # English, German, Spanish, French, Italian, Portuguese, Dutch (long and short forms)
    "january february march april may june july august september october november december",
    "jan feb mar apr may jun jul aug sep oct nov dec",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
    "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "januari februari maart april mei juni juli augustus september oktober november december",
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    # Arabic (the names used in Egypt and the Gulf), with common spelling variants
    "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
    "يناير فبراير مارس ابريل مايو يونيه يوليه اغسطس سبتمبر اكتوبر نوفمبر ديسمبر",
):
    for _i, _name in enumerate(_names.split()):
        _MONTHS.setdefault(_name, _i + 1)
_MONTHS["sept"] = 9

_MONTH_NAMES = sorted(_MONTHS, key=len, reverse=True)
#: The month names, longest first, as one alternation per first letter: the same
#: names tried in the same order where the text can match them, but a word start
#: is tried against the names of its own letter only (a flat alternation of ~110
#: names took 40 ms on a 10,000-character line of one-letter words).
_MONTH_RE = "|".join(
    f"{first}(?:{'|'.join(name[1:] for name in _MONTH_NAMES if name[0] == first)})"
    for first in dict.fromkeys(name[0] for name in _MONTH_NAMES)
)
_YEAR = r"(?P<y>(?:19|20)\d\d)"
_DAY = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th|er|º)?"
_MON = rf"(?P<m>{_MONTH_RE})\.?"

#: The written forms, tried in order. Each needs a four-digit year, so counts and
#: prices ("12 of 30") are never read as dates.
_FORMS = [
    re.compile(rf"\b{_MON}\s+{_DAY},?\s+{_YEAR}\b", re.I),  # November 10, 2025
    re.compile(rf"\b{_DAY}\.?\s+(?:de\s+)?{_MON}\s+(?:de\s+)?{_YEAR}\b", re.I),  # 10 de nov. 2025
    re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<mo>[01]?\d)-(?P<d>[0-3]?\d)\b"),  # 2025-11-10
    re.compile(r"\b(?P<y>(?:19|20)\d\d)/(?P<mo>[01]?\d)/(?P<d>[0-3]?\d)\b"),  # 2025/11/10
    re.compile(r"(?P<y>(?:19|20)\d\d)年\s*(?P<mo>[01]?\d)月\s*(?P<d>[0-3]?\d)日"),  # 2025年11月10日
    re.compile(r"\b(?P<d>[0-3]?\d)\.(?P<mo>[01]?\d)\.(?P<y>(?:19|20)\d\d)\b"),  # 10.11.2025
    # 13/06/2014 or 06/13/2014: read only when the order is unambiguous
    re.compile(r"\b(?P<a>[0-3]?\d)/(?P<b>[0-3]?\d)/(?P<y>(?:19|20)\d\d)\b"),
]

#: A line longer than this is prose that mentions a date, not a date line.
MAX_DATELINE_WORDS = 14


def find_date(line: str) -> str | None:
    """The first valid date written in `line`, as ISO 8601, or None."""
    for form in _FORMS:
        for match in form.finditer(line):
            parts = match.groupdict()
            if parts.get("a"):
                first, second = int(parts["a"]), int(parts["b"])
                if (first > 12) == (second > 12):
                    continue  # 05/06/2014: day-first or month-first, cannot tell
                day, mon = (first, second) if first > 12 else (second, first)
                parts = {"y": parts["y"], "mo": str(mon), "d": str(day)}
            month = _MONTHS.get(parts["m"].lower()) if parts.get("m") else int(parts["mo"])
            try:
                return date(int(parts["y"]), month or 0, int(parts["d"])).isoformat()
            except ValueError:
                continue
    return None


#: A byline: "By Ana Ruiz", "Von A und B", "By A, B & C | Reuters". Up to six
#: names, then up to five after each joining word; a separator (| , - – — • ·)
#: after a name ends the list, and anything may follow it. As before, "and",
#: "und", "y", "et" join names even inside a word ("types" is "t" + "y" + "pes"),
#: so prose such as "By clicking you agree ..." still reads as a byline.
#: Written so that matching is linear: every piece is possessive, and where the
#: former pattern tried each way of splitting glued conjunctions (2^n for
#: "By yyyy...y!"), this one takes the split that leaves the most room: in a run
#: of joinable conjunctions ("y y", "yand") every other one joins, the last
#: included. It accepts exactly the lines the former one did, except that after
#: a separator the tail may now run across a line break (no line holds one:
#: `is_dateline` is given single lines).
_NAME_CHAR = r"[\w.'’]"  # a hyphen is a separator: it ends a name
_JOINER = r"(?:and|und|y|et)"
_CAN_JOIN = rf"{_JOINER}(?=\s*+{_NAME_CHAR})"  # a joiner with a name after it
#: An odd run of joiners, consumed up to the name after the last one.
_ODD_JOINERS = (
    rf"(?:{_JOINER}\s*+{_JOINER}\s*+(?={_NAME_CHAR}))*+{_JOINER}\s*+"
    rf"(?={_NAME_CHAR})(?!{_CAN_JOIN})"
)
_NAME_REST = rf"(?:(?!{_CAN_JOIN}){_NAME_CHAR})*+"  # up to a joiner glued in the name
_NEXT_NAME = rf"\s++(?!{_ODD_JOINERS}){_NAME_CHAR}{_NAME_REST}"
_JOIN = (
    rf"(?:{_ODD_JOINERS}|{_JOINER}\s*+{_ODD_JOINERS}|\s++{_ODD_JOINERS}"
    rf"|\s*+&\s*+|\s++{_JOINER}\s*+)"
)
#: What opens a byline, in the languages the chrome phrases cover.
_BYLINE_OPENER = r"(?:by|von|por|par|di|door|автор|author|written by|words by|posted by|بقلم)"
_BYLINE = re.compile(
    rf"^{_BYLINE_OPENER}[:\s]++"
    rf"[\w.'’\-]{_NAME_CHAR}*+(?:{_NEXT_NAME}){{0,5}}+"
    rf"(?>{_JOIN}[\w.'’\-]{_NAME_REST}(?:{_NEXT_NAME}){{0,4}}+)*+"
    r"(?:\s*+[|,\-–—•·](?s:.)*+)?$",
    re.I,
)
_TIME = re.compile(r"^\d{1,2}:\d\d(\s*[ap]\.?m\.?)?(\s+\w{2,4})?$", re.I)
_STAMP = re.compile(
    r"^(updated|published|posted|last updated|last modified|modified|aktualisiert|publicado)\b"
    r"[^.!?]{0,40}\d", re.I
)
_AGO = re.compile(r"^\d+\s+(minutes?|hours?|days?|weeks?|months?|mins?|hrs?)\s+ago$", re.I)


#: What opens a byline, up to the first name (the prefixes `_BYLINE` knows).
_BYLINE_PREFIX = re.compile(rf"^{_BYLINE_OPENER}[:\s]+", re.I)
#: What ends a byline's names: a separator, or a date or time after a comma.
#: A match starts only where a run of spaces does (the lookbehind) and takes the run
#: whole, so a long run of spaces is not tried once per space.
_BYLINE_END = re.compile(
    r"(?<!\s)\s*+(?:[|•·–—]|-\s|,(?=[^,]*\d)|\bon\s+(?:\w+\s+\d|(?:mon|tue|wed|thu|fri|sat|sun)\w*\b)).*$",
    re.I | re.S)
#: The longest author string kept from a byline: six names and their joiners.
MAX_AUTHOR_CHARS = 120


def byline_author(line: str) -> str | None:
    """The names a byline gives ("By Ana Ruiz | Reuters" -> "Ana Ruiz"), or None
    for a line that is not a byline (`is_dateline`'s own test).

    Example:
        >>> byline_author("By Ana Ruiz and Li Wei, March 3, 2024")
        'Ana Ruiz and Li Wei'
        >>> byline_author("By clicking you agree.") is None
        True
    """
    stripped = line.strip()
    if not _BYLINE.match(stripped) or stripped.endswith((".", "?", "!")):
        return None
    return author_names(stripped)


def author_names(value: str) -> str | None:
    """An author field as a record gives it: without a byline's "By", cut where a
    separator, a date or a role begins ("Ana Ruiz - Staff Writer" -> "Ana Ruiz").

    Example:
        >>> author_names("By David Jackson - Editorial Team")
        'David Jackson'
    """
    names = _BYLINE_END.sub("", _BYLINE_PREFIX.sub("", value.strip(), count=1))
    names = names.strip(" ,;:")
    if not names or len(names) > MAX_AUTHOR_CHARS or not any(c.isalpha() for c in names):
        return None
    return names


def is_dateline(line: str, words: int) -> bool:
    """A short line that is a date, a time, a byline, or a mix of them."""
    if words > MAX_DATELINE_WORDS:
        return False
    stripped = line.strip()
    if _TIME.match(stripped) or _AGO.match(stripped) or _STAMP.match(stripped):
        return True
    if _BYLINE.match(stripped) and not stripped.endswith((".", "?", "!")):
        return True
    return find_date(stripped) is not None and not stripped.endswith((".", "?", "!"))
