"""What an HTML page says about itself: headline candidates, description, date,
canonical URL, language, author and site name, from its <head> (meta tags,
JSON-LD) and a few body elements (<h1>, <time>, rel=author links).

Read once per page, on the parsed tree, before trafilatura prunes it.

The published date is taken from the most explicit statement first: a <meta>
published time, a <time> element, JSON-LD `datePublished`; the extractor then
tries the page's visible dateline, and only then `searched_date` (htmldate's
fast search of the URL and page). That order was chosen on the two sets with
date truth (wceb, readability) among nine orders of the same sources, and is
the one at or above trafilatura's `extract_metadata` on both (the README's
metadata table); no third set has dates to check it on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

import htmldate
from lxml import etree

from cleaner.lang.dates import author_names, find_date

_SPACES = re.compile(r"\s+")


@dataclass(slots=True)
class HeadMeta:
    """What the page says about itself in <head> (and its first headings)."""

    titles: list[str] = field(default_factory=list)  # best first: og:title, h1, <title>
    description: str | None = None
    date: str | None = None  # <meta> published time, else <time>, else JSON-LD
    url: str | None = None
    language: str | None = None
    author: str | None = None  # meta author, JSON-LD author, rel=author
    sitename: str | None = None  # og:site_name, JSON-LD publisher, application-name
    #: htmldate's search (`searched_date`), set by the extractor when `date` is None:
    #: the last resort, after a visible dateline.
    searched_date: str | None = None


_TITLE_META = ("og:title", "twitter:title", "title", "headline")


_DESCRIPTION_META = ("og:description", "description", "twitter:description")


_DATE_META = ("article:published_time", "datepublished", "og:published_time", "pubdate",
              "publishdate", "date", "dc.date", "dc.date.issued", "sailthru.date",
              "parsely-pub-date", "article.published", "published_date", "publication_date")


_AUTHOR_META = ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author",
                "byl", "twitter:creator")


_SITENAME_META = ("og:site_name", "application-name", "publisher", "twitter:site")


#: JSON-LD scripts longer than this are not read for an author (a whole catalogue
#: embedded as data costs more to parse than the page; article metadata is short).
MAX_JSON_LD_CHARS = 100_000


#: Separators between a headline and the site name in <title>.
#: A split only starts where a run of spaces does (the lookbehinds), as every
#: match did already; a plain `\s+` retried from each space of a long run.
_TITLE_SPLIT = re.compile(r"(?<!\s)\s++[|\-–—:·•»]\s+|(?<!\s)\s++::\s+")


#: So many <h1> elements are read; pages with more use them for teasers.
MAX_H1 = 3


_ISO_START = re.compile(r"^\s*((?:19|20)\d\d)-([01]?\d)-([0-3]?\d)")


def _meta_date(value: str) -> str | None:
    """A date from a metadata value: ISO 8601 timestamps first, then written dates."""
    match = _ISO_START.match(value)
    if match:
        try:
            return date(*(int(g) for g in match.groups())).isoformat()
        except ValueError:
            return None
    return find_date(value)


def _text(el: etree._Element) -> str:
    """An element's text with its spacing folded (a <title> or <h1> split over lines)."""
    return _SPACES.sub(" ", "".join(el.itertext())).strip()


def _author_name(value: str | None) -> str | None:
    """An author as a record gives it (`dates.author_names`), and None for a profile
    URL, a handle or a lower-case login ("admin", "jdoe": a byline on the page
    says better); one capitalised word stays (an organisation, as a company blog signs)."""
    if not value or value.startswith(("http://", "https://", "@")):
        return None
    name = author_names(value)
    if name is None or (" " not in name and not name[:1].isupper()):
        return None
    return name


def _person(value: object) -> str | None:
    """A name from a JSON-LD author or publisher: a string, {"name": ...}, or a list of them."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _person(value.get("name"))
    if isinstance(value, list):
        names = [n for n in map(_person, value[:6]) if n]
        return ", ".join(dict.fromkeys(names)) or None
    return None


#: A CDATA wrapper some sites put around their JSON-LD (`<![CDATA[ ... ]]>`, also
#: behind `//`), which is not JSON: without this the whole script is unreadable.
_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$")


@dataclass(slots=True)
class JsonLd:
    """What the page's JSON-LD items say: the first author, publisher, datePublished."""

    author: str | None = None
    publisher: str | None = None
    published: str | None = None


def _json_ld(tree: etree._Element) -> JsonLd:
    """The page's JSON-LD, read from its top-level and @graph items (not items nested
    in them, which describe other things: a related article, a video, a comment)."""
    found = JsonLd()
    for el in tree.iter("script"):
        if (el.get("type") or "").lower().strip() != "application/ld+json" or not el.text:
            continue
        if len(el.text) > MAX_JSON_LD_CHARS:
            continue
        try:
            data = json.loads(_CDATA.sub("", el.text))
        except (ValueError, RecursionError):
            continue
        items = data if isinstance(data, list) else [data]
        items += [g for d in list(items) if isinstance(d, dict)
                  for g in (d.get("@graph") or []) if isinstance(g, dict)]
        for item in items:
            if not isinstance(item, dict):
                continue
            found.author = found.author or _person(item.get("author"))
            found.publisher = found.publisher or _person(item.get("publisher"))
            if found.published is None and isinstance(item.get("datePublished"), str):
                found.published = _meta_date(item["datePublished"])
        if found.author and found.publisher and found.published:
            break
    return found


def _rel_author(tree: etree._Element) -> str | None:
    """The text of the first `<a rel="author">` link, when it reads as a name."""
    for el in tree.iter("a"):
        if "author" in (el.get("rel") or "").lower().split():
            text = _text(el)
            if text and len(text.split()) <= 6 and not text.startswith(("http", "www.")):
                return text
    return None


_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def _headlines(tree: etree._Element, found: dict[str, str], sitename: str | None) -> list[str]:
    """Headline candidates, best first: the head's title metadata (og:title and its
    kin), the first <h1>s, the whole <title>, then the longest part of the <title>.

    Two things a page's head says keep its furniture out (each raised the exact
    title on wceb and on readability alike, measured separately):
    - an <h1> that shares no word with the title metadata or the <title> is a
      section or widget heading (a logo, "Lorem", "Comments"), not the headline;
    - of the <title>'s parts only the longest is a headline candidate, and not
      when it is the site's name: the others are the site and its sections,
      which a block of the page repeats ("The New York Times" in the masthead).
    """
    titles = [found[key] for key in _TITLE_META if found.get(key)]
    stated = _words(" ".join(titles + [found.get("<title>", "")]))
    for n, h1 in enumerate(tree.iter("h1")):
        if n >= MAX_H1:
            break
        text = _text(h1)
        if text and (not stated or _words(text) & stated):
            titles.append(text)
    if found.get("<title>"):
        whole = found["<title>"]
        titles.append(whole)
        site = _words(sitename) if sitename else None
        parts = [p for p in _TITLE_SPLIT.split(whole)
                 if len(p.split()) >= 2 and _words(p) != site]
        if parts:
            titles.append(max(parts, key=lambda p: len(p.split())))  # first of equals
    return list(dict.fromkeys(t for t in titles if t))


def page_meta(tree: etree._Element) -> HeadMeta:
    """What the page says about itself: headline candidates in order of authority,
    description, date, canonical URL and language (see `HeadMeta`)."""
    meta = HeadMeta()
    found: dict[str, str] = {}
    head = tree.find(".//head")
    if head is not None:
        for el in head.iter("meta", "link", "title"):
            if el.tag == "title":
                found.setdefault("<title>", _text(el))
                continue
            if el.tag == "link":
                if (el.get("rel") or "").lower() == "canonical" and el.get("href"):
                    found.setdefault("canonical", el.get("href").strip())
                continue
            key = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
            content = el.get("content")
            if key and content and content.strip():
                found.setdefault(key, _SPACES.sub(" ", content).strip())
    meta.description = next((found[k] for k in _DESCRIPTION_META if found.get(k)), None)
    for key in _DATE_META:
        if found.get(key) and (day := _meta_date(found[key])):
            meta.date = day
            break
    if meta.date is None:
        for el in tree.iter("time"):
            value = el.get("datetime") or _text(el)
            if value and (day := _meta_date(value)):
                meta.date = day
                break
    absolute = [u for u in (found.get("canonical"), found.get("og:url"))
                if u and u.startswith(("http://", "https://"))]
    meta.url = absolute[0] if absolute else None
    meta.author = next((name for k in _AUTHOR_META if (name := _author_name(found.get(k)))),
                       None)
    meta.sitename = next((found[k].lstrip("@") for k in _SITENAME_META if found.get(k)), None)
    if meta.author is None or meta.sitename is None or meta.date is None:
        ld = _json_ld(tree)  # only for what <meta> lacks: a big one costs a parse
        meta.author = meta.author or _author_name(ld.author) or _author_name(_rel_author(tree))
        meta.sitename = meta.sitename or ld.publisher
        meta.date = meta.date or ld.published
    meta.titles = _headlines(tree, found, meta.sitename)
    lang = tree.get("lang") or found.get("og:locale") or found.get("content-language")
    meta.language = lang.split("-")[0].split("_")[0].lower() if lang else None
    return meta


#: The latest date htmldate accepts. Fixed rather than today (htmldate's default),
#: so a page gives the same record whatever day it is cleaned; a date past this
#: is not a publication date.
SEARCH_MAX_DATE = "2099-12-31"


def searched_date(tree: etree._Element, url: str | None) -> str | None:
    """The published date htmldate's fast search finds (the URL's date, header
    elements, date-like text; the earliest where several), as YYYY-MM-DD: the last
    resort when neither the metadata nor a visible dateline gives one. htmldate
    copies the tree before pruning it, so `tree` is left as it was."""
    try:
        return htmldate.find_date(tree, url=url, original_date=True, extensive_search=False,
                                  max_date=SEARCH_MAX_DATE)
    except Exception:  # noqa: BLE001 - a bug in a date heuristic must not cost the page
        return None
