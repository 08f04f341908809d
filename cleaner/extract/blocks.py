"""trafilatura's extracted body as cleaner's blocks, each with its kind: paragraphs,
headings with their level, list items, table rows (cells tab-separated), quotes and
code (a <pre> keeps its line breaks): the structure Markdown output needs."""

from __future__ import annotations

import re

from lxml import etree

from cleaner.document import Block

#: trafilatura's element tags as block kinds.
_KINDS = {"p": "paragraph", "head": "heading", "quote": "quote", "code": "code",
          "item": "list", "row": "table"}
#: trafilatura marks a heading's HTML level as rend="h2".
_HEADING_REND = re.compile(r"^h([1-6])$")


def _squash(text: str) -> str:
    """Runs of whitespace as one space: an element's text keeps the markup's line breaks."""
    return " ".join(text.split())


def element_blocks(body: etree._Element) -> list[Block]:
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
        if tag == "code":  # a <pre>: its line breaks and indents are its meaning
            text = "\n".join(line.rstrip() for line in "".join(el.itertext()).splitlines())
            text = text.strip("\n")
            if text.strip():
                blocks.append(Block(text, "code"))
            continue
        text = _squash(" ".join(el.itertext()))
        if text:
            level = _HEADING_REND.match(el.get("rend") or "") if tag == "head" else None
            blocks.append(Block(text, _KINDS.get(tag, "paragraph"),
                                level=int(level.group(1)) if level else None))
    return blocks
