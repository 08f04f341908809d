"""Parsing pages, and asking trafilatura for its proposal, the way `extract` needs.

`load_html` parses as trafilatura's own `load_html` does (same repairs and
checks) with a faster parser that also survives huge text nodes and nesting
deeper than libxml2 allows; `propose` runs trafilatura's main extractor
without its recall escalation (see `_page_measure`).
"""

from __future__ import annotations

import importlib
import threading

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.baseline import html2txt as _HTML2TXT
from trafilatura.utils import is_dubious_html, repair_faulty_html

from cleaner.extract.page import flatten_deep


def _make_parser() -> lxml.html.HTMLParser:
    """trafilatura's parser settings, with two changes.

    lxml's C-level class lookup instead of lxml.html's Python one (which picks
    FormElement, InputElement...; neither trafilatura nor we need those):
    building element proxies is a large share of the time of every pass over a
    page. And `huge_tree`: without it libxml2 gives up (the rest of the page
    silently lost) at a text node or attribute over 10 MB, such as an inlined
    script or a data: image, or past 256 levels of nesting. The HTML parser
    expands no entities, so the option opens no entity bomb, and the input size
    is bounded before parsing (`sources.DEFAULT_MAX_BYTES`).
    """
    parser = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                                  remove_comments=True, remove_pis=True, huge_tree=True)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction))
    return parser


#: One parser per thread: a parser's error log (read to see whether the parse
#: stopped short, `_hit_depth_limit`) is shared by the threads using it.
_PARSERS = threading.local()


def _parser() -> lxml.html.HTMLParser:
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = _make_parser()
    return parser


#: Set in a thread while it runs trafilatura for `extract`.
_OURS = threading.local()


def _page_measure(content: object, clean: bool = True) -> str:
    """trafilatura's `html2txt`, as its extraction cascade calls it, except for ours.

    trafilatura measures the whole page's text (`html2txt`, a copy of the tree
    cleaned and flattened: about a quarter of an extraction's time) to decide
    whether a short result should be retried in recall mode. Our own checks
    (prose left out, run-on prose, the text classifier's fallback) do that
    job: on the 181 benchmark pages, skipping the retry changes no page's
    output and saves 7% of the time. An empty measure skips it, for our
    calls only (a thread-local flag); anyone else's calls are untouched.
    """
    if getattr(_OURS, "active", False):
        return ""
    return _HTML2TXT(content, clean)


_CORE = importlib.import_module("trafilatura.core")  # the name `trafilatura.core` is shadowed
if getattr(_CORE, "html2txt", None) is _HTML2TXT:  # trafilatura versions that measure the page
    _CORE.html2txt = _page_measure


def propose(tree: lxml.html.HtmlElement, url: str | None):  # noqa: ANN202 - trafilatura's
    """trafilatura's proposal: fast mode, no metadata (read by `page_meta`), no comments."""
    _OURS.active = True
    try:
        return trafilatura.bare_extraction(
            tree, url=url, fast=True, with_metadata=False, include_comments=False,
            include_tables=True,
        )
    finally:
        _OURS.active = False


def load_html(html: str) -> lxml.html.HtmlElement | None:
    """Parse a page as trafilatura's `load_html` does (same repairs and checks)."""
    beginning = html[:50].lower()
    dubious = is_dubious_html(beginning)
    html = repair_faulty_html(html, beginning)
    tree = _parse(html)
    if tree is not None and _hit_depth_limit():
        # nested deeper than libxml2 goes: the rest of the page was dropped
        tree = _parse(flatten_deep(html))
    if tree is not None and dubious and len(tree) < 2:
        return None
    return tree


def _parse(html: str) -> lxml.html.HtmlElement | None:
    tree = None
    try:
        tree = lxml.html.fromstring(html, parser=_parser())
    except ValueError:  # a str with an encoding declaration: parse the bytes
        tree = _parse_bytes(html)
    except Exception:  # noqa: BLE001 - anything lxml raises means "not parsed"
        tree = None
    if tree is None or len(tree) < 1:
        tree = tree if tree is not None and len(tree) else _parse_bytes(html)
    return tree


def _parse_bytes(html: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.fromstring(html.encode("utf-8", "surrogatepass"), parser=_parser())
    except Exception:  # noqa: BLE001
        return None


def _hit_depth_limit() -> bool:
    """Whether this thread's last parse stopped at libxml2's nesting limit."""
    return any(e.type_name == "ERR_RESOURCE_LIMIT" and "depth" in e.message
               for e in _parser().error_log)


__all__ = ["load_html", "propose"]
