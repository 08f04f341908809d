"""HTML pages: main content from trafilatura (on lxml), as blocks we can explain.

trafilatura finds the main content; we turn its body into blocks, take title,
date and URL from the page metadata, and record every other visible line of the
page as removed (`outside-main-content`), in page order, so a report can show
the whole page. When trafilatura finds nothing, the page's visible lines go
through our text-dump classifier instead, so an unusual page still gets a body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import trafilatura
from lxml import etree

from cleaner.document import Block
from cleaner.extract import text as text_classifier

#: Elements whose text a browser does not show.
_INVISIBLE = frozenset(
    {"script", "style", "noscript", "template", "head", "svg", "math", "iframe", "object",
     "select", "option", "button"}
)
#: Elements that start a new line when a browser renders them.
_BREAKING = frozenset(
    {"p", "div", "section", "article", "aside", "header", "footer", "nav", "main", "li", "ul",
     "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "td", "th",
     "br", "blockquote", "pre", "figure", "figcaption", "form", "hr", "address", "details",
     "summary", "label", "caption", "body", "html"}
)
#: trafilatura's output elements and the block kind each becomes.
_KINDS = {"p": "paragraph", "head": "heading", "quote": "quote", "code": "paragraph",
          "item": "list", "row": "table"}
_SPACES = re.compile(r"\s+")


class ExtractError(ValueError):
    """The page could not be parsed as HTML at all."""


@dataclass(frozen=True, slots=True)
class HtmlResult:
    blocks: list[Block]
    title: str | None
    date: str | None
    url: str | None
    language: str | None


def _squash(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def page_lines(tree: etree._Element) -> list[str]:
    """The page's visible text, one line per rendered block, scripts and styles skipped.

    Iterative (iterwalk), so deeply nested pages cannot exhaust the stack.
    """
    body = tree.find(".//body")
    root = body if body is not None else tree
    parts: list[str] = []
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _INVISIBLE or not isinstance(el.tag, str):
                walker.skip_subtree()
                if el.tail and el is not root:
                    parts.append(el.tail)
                continue
            if tag in _BREAKING:
                parts.append("\n")
            if el.text:
                parts.append(el.text)
        else:
            if tag in _BREAKING:
                parts.append("\n")
            if el.tail and el is not root:
                parts.append(el.tail)
    lines = (_squash(ln) for ln in "".join(parts).split("\n"))
    return [ln for ln in lines if ln]


def _element_blocks(body: etree._Element) -> list[Block]:
    """trafilatura's body as blocks: paragraphs, headings, list items, table rows."""
    blocks: list[Block] = []
    for el in body:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("list", "table"):
            leaf = "item" if tag == "list" else "row"
            children = list(el.iter(leaf)) or [el]
            for child in children:
                if tag == "table":
                    cells = (_squash(" ".join(c.itertext())) for c in child.iter("cell"))
                    text = "\t".join(c for c in cells if c)
                else:
                    text = _squash(" ".join(child.itertext()))
                if text:
                    blocks.append(Block(text, _KINDS[leaf]))
            continue
        text = _squash(" ".join(el.itertext()))
        if text:
            blocks.append(Block(text, _KINDS.get(tag, "paragraph")))
    return blocks


def _merge_outside(lines: list[str], blocks: list[Block]) -> list[Block]:
    """Interleave page lines not in the main content with the main blocks, in page order."""
    keys = [_squash(b.text).replace("\t", " ") for b in blocks]
    before: list[Block] = []
    after: dict[int, list[Block]] = {}
    pointer = -1
    for line in lines:
        found = next((j for j in range(max(pointer, 0), len(keys)) if line in keys[j]), None)
        if found is not None:
            pointer = found
            continue
        block = Block(line, "line", kept=False, reason="outside-main-content")
        (before if pointer < 0 else after.setdefault(pointer, [])).append(block)
    merged = before
    for j, block in enumerate(blocks):
        merged.append(block)
        merged.extend(after.get(j, ()))
    return merged


#: The headline is looked for among this many blocks from the top of the page.
TITLE_SEARCH_BLOCKS = 60


def _mark_title(blocks: list[Block], title: str) -> None:
    """Make the page's headline block the title, so it is not part of the body text.

    The headline may be inside trafilatura's main content (an <h1> in the
    article) or outside it; either way it is the title, not body or chrome.
    """
    wanted = title.casefold()
    for block in blocks[:TITLE_SEARCH_BLOCKS]:
        if _squash(block.text).casefold() == wanted:
            block.kept, block.reason, block.kind = True, None, "title"
            return


def extract(html: str, url: str | None = None) -> HtmlResult:
    """Main content and metadata of an HTML page, every visible line accounted for."""
    tree = trafilatura.load_html(html)
    if tree is None:
        raise ExtractError("the HTML could not be parsed")
    lines = page_lines(tree)
    result = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    meta_title = _squash(result.title) if result is not None and result.title else None
    meta_date = result.date if result is not None else None
    meta_url = (result.url if result is not None else None) or url
    language = result.language if result is not None else None
    main = _element_blocks(result.body) if result is not None and result.body is not None else []
    if not main:
        fallback = text_classifier.classify("\n".join(lines))
        return HtmlResult(fallback.blocks, meta_title or fallback.title,
                          meta_date or fallback.date, meta_url, fallback.language)
    blocks = _merge_outside(lines, main)
    if meta_title:
        _mark_title(blocks, meta_title)
    return HtmlResult(blocks, meta_title, meta_date, meta_url, language)
