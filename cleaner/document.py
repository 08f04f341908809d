"""The two types everything flows as: a Document holding a list of Blocks.

Every block carries its own decision (kept, or removed with a reason), so the
clean text is derived, never stored, and any removal can be explained later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: The closed vocabulary of removal reasons. Keys are what `Block.reason` may hold;
#: values say what the reason recognises (README lists them with an example each).
REASONS: dict[str, str] = {
    "share-widget": "share bars and social buttons ('Share post:', 'Tweet')",
    "subscribe": "subscribe calls and sign-up buttons ('Subscribe')",
    "newsletter": "newsletter boxes ('Sign up for our newsletter')",
    "comment-form": "comment forms and comment counts ('LEAVE A REPLY')",
    "comments": "reader comments below the article",
    "related-list": "related / popular / more-like-this list headers and their items",
    "also-read": "'Also read:' inserts pointing to another story",
    "source-link": "'Source link' and 'originally published at' credits",
    "cookie-notice": "cookie and consent dialogs",
    "template-junk": "template artefacts such as 'spot_imgspot_img'",
    "caption": "photo captions, credits and gallery controls ('Photo: Reuters', '3 of 12')",
    "teaser": "headlines and cut-off snippets of other stories",
    "navigation": "menus, breadcrumbs and section links",
    "site-chrome": "other site furniture: labels, ads, footers, copyright lines",
    "dateline": "a date or byline line (the date goes to the document's metadata)",
    "site-repeat": "a line the same site repeats on most of its pages",
    "outside-main-content": "page text outside the main content found in the HTML",
    "low-content-score": "the content model scored the kept block as furniture (score under 0.3)",
    "empty": "a block with no words",
}

#: Block kinds. `title` blocks are kept but are not part of the body text. A `heading`
#: may have a `level` (1-6, from <h1>..<h6>; None in a text dump); a `list` block is one
#: item; a `table` block is one row, its cells joined by tabs; a `code` block keeps its
#: line breaks; `line` is a page line outside the main content.
BLOCK_KINDS = ("title", "heading", "paragraph", "list", "quote", "table", "code", "caption",
               "line")


@dataclass(slots=True)
class Block:
    """One paragraph, heading, list item or line of a page, with its decision.

    Example:
        >>> block = Block("Share this article", kind="line")
        >>> block.remove("share-widget")
        >>> block.kept, block.reason
        (False, 'share-widget')
    """

    text: str
    kind: str = "paragraph"
    kept: bool = True
    reason: str | None = None
    #: The content model's probability that the block is content, where it judged it.
    score: float | None = None
    #: A heading's level, 1 to 6 (<h1>..<h6>), where the page says.
    level: int | None = None

    def remove(self, reason: str) -> None:
        """Mark the block removed; an unknown reason is a bug, not a new category."""
        if reason not in REASONS:
            raise ValueError(f"unknown removal reason {reason!r}; add it to REASONS")
        self.kept = False
        self.reason = reason

    def keep(self) -> None:
        """Mark the block kept: a removal the content model overrules leaves no reason."""
        self.kept = True
        self.reason = None

    @property
    def in_body(self) -> bool:
        """Whether the block is part of the article body: kept, and not the title
        (the title is kept too, but it is metadata, not body text)."""
        return self.kept and self.kind != "title"

    def __reduce__(self) -> tuple[type[Block], tuple[str, str, bool, str | None, float | None,
                                                     int | None]]:
        # six plain values: pickles (for the run's spool and worker results)
        # several times faster than a slots dataclass's default state
        return Block, (self.text, self.kind, self.kept, self.reason, self.score, self.level)


@dataclass(slots=True)
class Document:
    """A cleaned page. `text` is derived from the kept non-title blocks.

    Example:
        >>> from cleaner import clean
        >>> doc = clean("A headline about rivers\\n"
        ...             + "The river rose by two metres overnight. " * 5)
        >>> doc.title, doc.text.startswith("The river rose")
        ('A headline about rivers', True)
        >>> [b.kind for b in doc.blocks]
        ['title', 'paragraph']
    """

    id: str
    kind: str
    blocks: list[Block] = field(default_factory=list)
    source: str | None = None
    url: str | None = None
    title: str | None = None
    date: str | None = None
    chars_in: int = 0
    meta: dict[str, object] = field(default_factory=dict)
    #: The URL the page gives itself (`<link rel=canonical>`), beside `url`, the one
    #: the caller gave (argument, JSONL field, WARC target URI): the join key.
    canonical_url: str | None = None
    #: Who wrote it (metadata, JSON-LD, rel=author, or its byline), the site's name and
    #: the page's own summary, when the page says.
    author: str | None = None
    sitename: str | None = None
    description: str | None = None
    #: The language of the text as an ISO 639-1 code, and the probability behind it
    #: (`lang.identify`: the text weighed against the page's declaration); both None
    #: when unsure (a few words, code, a table of numbers).
    language: str | None = None
    language_confidence: float | None = None

    def body_blocks(self) -> list[Block]:
        """The article body's blocks in page order: the kept blocks that are not the
        title. What `text` joins, and what deduplication and the site profile read."""
        return [b for b in self.blocks if b.in_body]

    @property
    def text(self) -> str:
        """The clean article body: the body blocks joined by one blank line."""
        return "\n\n".join(b.text for b in self.body_blocks())

    @property
    def removed(self) -> list[dict[str, str | float]]:
        """Every removed block as `{text, reason}` (and `score`, where the content model
        judged it), in page order."""
        return [{"text": b.text, "reason": b.reason or ""} | (
            {} if b.score is None else {"score": round(b.score, 3)})
            for b in self.blocks if not b.kept]

    @property
    def layout(self) -> str:
        """The blocks in page order, a letter each: `t` the title, `k` kept (the n-th
        `k` is the n-th paragraph of `text`), `r` removed (the n-th `r` is the n-th
        entry of `removed`). With it, a report can show the page whole.

        Example:
            >>> Document("x", "text", [Block("Menu", "line", False, "navigation"),
            ...          Block("A title", "title"), Block("Body.", "paragraph")]).layout
            'rtk'
        """
        return "".join("r" if not b.kept else "t" if b.kind == "title" else "k"
                       for b in self.blocks)

    def to_dict(self) -> dict[str, object]:
        """The page's documents.jsonl record, before dedup (`duplicate_of` and
        `similarity` null, `cluster` its own id) and without a `text_path`: what a
        per-page caller stores. README lists every field.

        Example:
            >>> doc = Document("a1", "text", [Block("Rivers rise", "title"),
            ...                               Block("The river rose.", "paragraph")],
            ...                title="Rivers rise")
            >>> record = doc.to_dict()
            >>> record["title"], record["text"], record["layout"]
            ('Rivers rise', 'The river rose.', 'tk')
        """
        return {
            "id": self.id, "source": self.source, "url": self.url,
            "canonical_url": self.canonical_url, "kind": self.kind, "title": self.title,
            "date": self.date, "author": self.author, "sitename": self.sitename,
            "description": self.description, "text": self.text,
            "duplicate_of": None, "similarity": None, "cluster": self.id,
            "removed": self.removed, "language": self.language,
            "language_confidence": self.language_confidence,
            "encoding": self.meta.get("encoding"), "layout": self.layout,
        }

    def to_markdown(self) -> str:
        """The title and the body as Markdown, with the structure the page had:
        headings at their level, list items, tables, quotes and code blocks.

        Example:
            >>> doc = Document("a", "html", [Block("Rivers", "title"),
            ...     Block("Causes", "heading", level=2), Block("Rain.", "paragraph"),
            ...     Block("dams", "list"), Block("x = 1", "code")], title="Rivers")
            >>> print(doc.to_markdown())
            # Rivers
            <BLANKLINE>
            ## Causes
            <BLANKLINE>
            Rain.
            <BLANKLINE>
            - dams
            <BLANKLINE>
            ```
            x = 1
            ```
        """
        parts = [f"# {_md_line(self.title)}"] if self.title else []
        blocks = self.body_blocks()
        i = 0
        while i < len(blocks):
            block = blocks[i]
            if block.kind == "table":  # a run of rows is one table, the first its header
                rows = [block.text]
                while i + 1 < len(blocks) and blocks[i + 1].kind == "table":
                    i += 1
                    rows.append(blocks[i].text)
                parts.append(_md_table(rows))
            elif block.kind == "list":  # a run of items is one list, without blank lines
                items = [block.text]
                while i + 1 < len(blocks) and blocks[i + 1].kind == "list":
                    i += 1
                    items.append(blocks[i].text)
                parts.append("\n".join(f"- {_md_line(t)}" for t in items))
            else:
                parts.append(_md_block(block))
            i += 1
        return "\n\n".join(parts)


#: Text that would start Markdown syntax at the start of a line ("# 1", "- 5 °C",
#: "3. Stir"), escaped in plain text so a paragraph stays a paragraph.
_MD_SYNTAX = re.compile(r"^(?:[#>*+|=`-]|\d+[.)](?:\s|$))")


def _md_line(text: str) -> str:
    """A line of text as Markdown text: spacing folded, a leading syntax character escaped."""
    text = " ".join(text.split())
    return "\\" + text if _MD_SYNTAX.match(text) else text


def _md_block(block: Block) -> str:
    """One block that is not part of a run (headings, quotes, code, paragraphs)."""
    if block.kind == "heading":
        return "#" * min(max(block.level or 2, 2), 6) + " " + _md_line(block.text)
    if block.kind == "code":
        fence = "````" if "```" in block.text else "```"
        return f"{fence}\n{block.text.strip(chr(10))}\n{fence}"
    if block.kind == "quote":
        return "\n".join("> " + line for line in block.text.splitlines() or [""])
    return _md_line(block.text)


def _md_table(rows: list[str]) -> str:
    """Rows of tab-separated cells as a Markdown table; the first row is the header."""
    cells = [[" ".join(c.split()).replace("|", "\\|") for c in row.split("\t")] for row in rows]
    width = max(len(r) for r in cells)
    cells = [r + [""] * (width - len(r)) for r in cells]
    lines = ["| " + " | ".join(r) + " |" for r in cells]
    lines.insert(1, "|" + "---|" * width)
    return "\n".join(lines)
