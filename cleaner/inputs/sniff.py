"""Tell HTML pages from plain-text dumps (`sniff_kind`), on decoded text."""

from __future__ import annotations

import re

#: How much of the start of the text the kind sniffing looks at.
SNIFF_CHARS = 2048

#: A page needs this many tags in the sniff window, and tags must make up this
#: share of its characters: a text dump quoting "<div>" in a sentence has one
#: tag and ~0.3% markup; the head of a real page is mostly markup (>30%).
MIN_TAGS = 5
MIN_MARKUP_SHARE = 0.10

_HTML_START = ("<!doctype html", "<html")
_TAG = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9-]*|/[a-zA-Z][a-zA-Z0-9-]*|!--)[^<>]{0,1000}>")
_STRUCTURE_TAG = re.compile(r"<(?:head|body|div|p|meta|title)(?=[\s>/])", re.IGNORECASE)
_FRAGMENT_START = re.compile(
    r"<(?:!--|(?:head|body|div|p|meta|title|article|section|main|table|ul|ol|h[1-6])(?=[\s>/]))",
    re.IGNORECASE,
)


def sniff_kind(text: str) -> str:
    """Say whether text is an HTML page ("html") or a plain-text dump ("text").

    Example:
        >>> sniff_kind("<!DOCTYPE html><html><body><p>Hi</p></body></html>")
        'html'
        >>> sniff_kind("Use a <div> to group things.\\nThat is all.")
        'text'
    """
    head = text.lstrip("\ufeff \t\r\n\f\v")[:SNIFF_CHARS]
    lowered = head.lower()
    if lowered.startswith(_HTML_START):
        return "html"
    if lowered.startswith("<?xml") and ("<html" in lowered or "<!doctype html" in lowered):
        return "html"
    if not _STRUCTURE_TAG.search(head):
        return "text"
    tags = _TAG.findall(head)
    markup = sum(len(tag) for tag in tags)
    if len(tags) >= MIN_TAGS and markup >= MIN_MARKUP_SHARE * len(head):
        return "html"
    # A short fragment such as "<div><p>Hi</p></div>" is HTML if it opens with a tag.
    if len(tags) >= 2 and _FRAGMENT_START.match(head):
        return "html"
    return "text"
