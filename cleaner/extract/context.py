"""The DOM context of a page line, as the content model reads it: tags and class/id words.

`cleaner.extract.dom.walk` records, for each line, bit sets of the tags and of the
class/id words around it (all its ancestors', and its nearest ones'); the content
model (`cleaner.model.features`) turns them into columns. Both vocabularies are fixed
and general: what CMS themes, forum and shop software and docs generators call the
parts of a page, never a site's own names.
"""

from __future__ import annotations

import re

from lxml import etree

#: Tags whose presence around a line the content model reads (`cleaner.model.features`):
#: the structure of a page (main/article vs nav/aside/footer), of its text (headings,
#: lists, tables, code, quotes) and of its controls (forms, labels). Bit i is tag i.
CONTEXT_TAGS = ("article", "main", "section", "header", "nav", "footer", "aside", "form",
                "table", "ul", "ol", "dl", "a", "pre", "code", "h1", "h2", "h3", "h4", "h5",
                "h6", "blockquote", "figure", "details", "p", "li", "td", "th", "label", "span",
                "time", "address")
#: Words of class and id attributes the content model reads, each a family of
#: spellings. General layout vocabulary (what CMS themes, forum and shop software and
#: docs generators call their parts), never a site's own names. Short words that
#: occur inside others ("ad" in "header") only count as whole tokens.
CONTEXT_WORDS = (
    ("content", r"content"), ("article", r"article"), ("entry", r"entry"),
    ("main", r"main"), ("post", r"post"), ("body", r"body"), ("text", r"text|prose|markdown|rich"),
    ("story", r"story"), ("message", r"message|msg"), ("comment", r"comment|discuss"),
    ("thread", r"thread|topic|forum"), ("reply", r"repl|answer|response"),
    ("question", r"question"), ("product", r"product|sku"), ("description", r"descr"),
    ("detail", r"detail"), ("spec", r"spec|attribute|feature"),
    ("price", r"price|cart|buy|checkout"), ("review", r"review|rating"),
    ("doc", r"doc|manual|guide|reference"), ("code", r"code|highlight|syntax"),
    ("nav", r"nav|menu"), ("header", r"header|masthead|topbar"), ("footer", r"footer"),
    ("sidebar", r"sidebar|aside|rail"), ("widget", r"widget|module|block"),
    ("related", r"related|recommend|more|similar|also"), ("share", r"share|social"),
    ("ad", r"(?<![a-z])ads?(?![a-z])|advert|sponsor|promo|dfp"), ("banner", r"banner"),
    ("cookie", r"cookie|consent|gdpr|privacy"), ("modal", r"modal|popup|overlay|dialog"),
    ("newsletter", r"newsletter|subscri|signup"), ("account", r"login|account|user"),
    ("breadcrumb", r"breadcrumb|crumb"), ("tag", r"(?<![a-z])tags?(?![a-z])|categor"),
    ("meta", r"meta|info"), ("byline", r"byline|author"), ("date", r"date|time"),
    ("caption", r"caption|credit"), ("hidden", r"hidden|sr-only|visually|offscreen"),
    ("skip", r"skip"), ("button", r"button|btn|action|toolbar"), ("pager", r"paginat|pager"),
    ("card", r"teaser|card|tile|thumb"), ("list", r"list|item|grid"),
    ("carousel", r"carousel|slide"), ("legal", r"copyright|legal"), ("search", r"search"),
    ("title", r"title|heading|headline"), ("summary", r"summary|excerpt|lead|intro|dek"),
    ("note", r"note|callout|alert|warning|tip"), ("profile", r"avatar|profile|signature"),
    ("count", r"count|stats|views|vote|like"),
)
_CONTEXT_PATTERNS = tuple((re.compile(pattern), 1 << i)
                          for i, (_, pattern) in enumerate(CONTEXT_WORDS))
_NAME_TOKEN = re.compile(r"[a-z]+")
#: Class and id tokens and whole attribute strings seen, with their CONTEXT_WORDS
#: bits: pages reuse a few hundred names, so each is matched against the vocabulary
#: once (a token has no space, an attribute string always has one). Emptied at this size.
_TOKEN_CACHE_SIZE = 50_000
_token_bits: dict[str, int] = {}


def _bits_of(token: str) -> int:
    """The CONTEXT_WORDS bits of one class or id token, matched once and cached."""
    bits = _token_bits.get(token)
    if bits is None:
        if len(_token_bits) >= _TOKEN_CACHE_SIZE:
            _token_bits.clear()
        bits = 0
        for pattern, bit in _CONTEXT_PATTERNS:
            if pattern.search(token):
                bits |= bit
        _token_bits[token] = bits
    return bits
TAG_BIT = {tag: 1 << i for i, tag in enumerate(CONTEXT_TAGS)}
#: A line's "near" context is what its own element and this many ancestors say.
NEAR_LEVELS = 3


def context_bits(el: etree._Element, tag: str) -> tuple[int, int]:
    """An element's own tag bit and class/id word bits (see `DomLine`)."""
    names = el.get("class")
    ident = el.get("id")
    if names is None and ident is None:
        return TAG_BIT.get(tag, 0), 0
    key = f"{names or ''} {ident or ''}"
    words = _token_bits.get(key)  # whole attribute strings repeat too (menu items)
    if words is None:
        words = 0
        for token in _NAME_TOKEN.findall(key.lower()):
            words |= _bits_of(token)
        _token_bits[key] = words
    return TAG_BIT.get(tag, 0), words

