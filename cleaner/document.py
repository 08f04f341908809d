"""The two types everything flows as: a Document holding a list of Blocks.

Every block carries its own decision (kept, or removed with a reason), so the
clean text is derived, never stored, and any removal can be explained later.
"""

from __future__ import annotations

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

#: Block kinds. `title` blocks are kept but are not part of the body text.
BLOCK_KINDS = ("title", "heading", "paragraph", "list", "quote", "table", "caption", "line")


@dataclass(slots=True)
class Block:
    """One paragraph, heading, list item or line of a page, with its decision."""

    text: str
    kind: str = "paragraph"
    kept: bool = True
    reason: str | None = None
    #: The content model's probability that the block is content, where it judged it.
    score: float | None = None

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

    def __reduce__(self) -> tuple[type[Block], tuple[str, str, bool, str | None, float | None]]:
        # five plain values: pickles (for the run's spool and worker results)
        # several times faster than a slots dataclass's default state
        return Block, (self.text, self.kind, self.kept, self.reason, self.score)


@dataclass(slots=True)
class Document:
    """A cleaned page. `text` is derived from the kept non-title blocks."""

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
