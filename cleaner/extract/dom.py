"""What an HTML page shows, line by line, with what the DOM knows about each line.

One walk over the parsed page gives the visible lines a browser would render
(scripts, styles and hidden elements skipped) and, for each line, how much of
it is link text and which kind of page region it sits in (`nav`, `aside`,
`footer`, `figcaption`, `form`, or an element whose class or id names comments,
related stories, share bars, newsletters). What the page says about itself
(its `<head>`) is read by `cleaner.extract.head`.

Nothing here decides what is content; `cleaner.extract.html` does, with these
facts and trafilatura's choice of the main content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from cleaner.extract.context import NEAR_LEVELS, context_bits

#: Elements whose text a browser does not show.
INVISIBLE = frozenset(
    {"script", "style", "noscript", "template", "head", "svg", "math", "iframe", "object",
     "select", "option", "button"}
)
#: Elements that start a new line when a browser renders them.
BREAKING = frozenset(
    {"p", "div", "section", "article", "aside", "header", "footer", "nav", "main", "li", "ul",
     "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "td", "th",
     "br", "blockquote", "pre", "figure", "figcaption", "form", "hr", "address", "details",
     "summary", "label", "caption", "body", "html"}
)
#: Page regions named by their element.
REGION_TAGS = {"nav": "nav", "aside": "aside", "footer": "footer", "figcaption": "caption",
               "form": "form"}
#: Page regions named by a word in an element's class or id. Order matters: the
#: first word found names the region ("comment-share" is a comments region).
REGION_WORDS = (
    ("comment", "comments"), ("related", "related"), ("newsletter", "newsletter"),
    ("share", "share"), ("social", "share"), ("caption", "caption"), ("sidebar", "aside"),
    ("breadcrumb", "nav"), ("promo", "promo"), ("advert", "promo"), ("subscribe", "newsletter"),
)
#: Words that contain a region word but name something else.
_NOT_REGIONS = re.compile(r"commentary|shareholder|social-(affairs|issues|policy)")
_REGION_RE = re.compile("|".join(w for w, _ in REGION_WORDS))

# What `walk` needs to know of a tag, as bit flags in one lookup.
_HIDDEN, _BREAK, _REGION, _LINK = 1, 2, 4, 8
_TAG_FLAGS: dict[str, int] = {}
for _tag in INVISIBLE:
    _TAG_FLAGS[_tag] = _HIDDEN
for _tag in BREAKING:
    _TAG_FLAGS[_tag] = _TAG_FLAGS.get(_tag, 0) | _BREAK
for _tag in REGION_TAGS:
    _TAG_FLAGS[_tag] = _TAG_FLAGS.get(_tag, 0) | _REGION
_TAG_FLAGS["a"] = _LINK
_REGION_OF = dict(REGION_WORDS)


@dataclass(slots=True)
class DomLine:
    """One rendered line: its text, how much of it is links, the region it sits in,
    and its context in the DOM for the content model: its depth, and bit sets (bit i
    of `CONTEXT_TAGS` / `CONTEXT_WORDS`) of the tags and class/id words of all its
    ancestors and of its nearest ones."""

    text: str
    chars: int  # characters that are not spaces
    link_chars: int  # of which inside <a>
    region: str | None  # innermost named region, or None
    depth: int = 0
    tags: int = 0  # CONTEXT_TAGS bits of every ancestor
    near_tags: int = 0  # ... of the NEAR_LEVELS nearest
    words: int = 0  # CONTEXT_WORDS bits of every ancestor's class and id
    near_words: int = 0  # ... of the NEAR_LEVELS nearest

    @property
    def link_density(self) -> float:
        """Share of the line's characters inside links: a menu or teaser is mostly links."""
        return self.link_chars / self.chars if self.chars else 0.0


def _region(el: etree._Element, tag: str) -> str | None:
    """The region an element opens, by its tag or a word of its class or id, or None."""
    if tag in REGION_TAGS:
        return REGION_TAGS[tag]
    names = ((el.get("class") or "") + " " + (el.get("id") or "")).lower()
    if len(names) < 4:
        return None
    match = _REGION_RE.search(names)
    if match and _NOT_REGIONS.search(names):  # rare: look again without those words
        match = _REGION_RE.search(_NOT_REGIONS.sub(" ", names))
    return _REGION_OF[match.group(0)] if match else None


def walk(tree: etree._Element) -> list[DomLine]:
    """The page's visible lines, in order, with link share and region.

    Iterative (iterwalk), so deeply nested pages cannot exhaust the stack.
    Written for speed: it visits every element of every page.
    """
    body = tree.find(".//body")
    root = body if body is not None else tree
    lines: list[DomLine] = []
    parts: list[str] = []
    link_chars = 0
    line_region: str | None = None
    line_context = (0, 0, 0, 0, 0)
    links = 0

    def flush() -> None:
        """End the line being built (a block element starts or ends)."""
        text = " ".join("".join(parts).split())
        if text:
            chars = len(text) - text.count(" ")
            lines.append(DomLine(text, chars, min(link_chars, chars), line_region,
                                  *line_context))
        parts.clear()

    # A skipped subtree still gets its "end" event, which adds the element's tail.
    # One dict lookup per tag answers every question about it (see _TAG_FLAGS);
    # the HTML parser has already lower-cased tag names.
    flags_of = _TAG_FLAGS.get
    # Only elements that open a region go on this stack (most do not); the
    # proxy held here is the one lxml hands back at the element's end event.
    opened: list[tuple[etree._Element, str]] = [(root, None)]
    # Each element's flags are pushed at its start and popped at its end, so the
    # end event needs neither its tag nor a lookup.
    stack: list[int] = []
    # the context of each open (visible) element: (all tag bits, all word bits,
    # own tag bits, own word bits), innermost last
    context: list[tuple[int, int, int, int]] = [(0, 0, 0, 0)]
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        if event == "start":
            tag = el.tag
            flags = flags_of(tag, 0) if isinstance(tag, str) else _HIDDEN
            stack.append(flags)
            if flags & _HIDDEN:
                walker.skip_subtree()
                continue
            own_tag, own_words = context_bits(el, tag)
            outer = context[-1]
            context.append((outer[0] | own_tag, outer[1] | own_words, own_tag, own_words))
            if flags & _BREAK and parts:
                flush()
                link_chars = 0
            if flags & _REGION:
                opened.append((el, REGION_TAGS[tag]))
            elif el.get("class") is not None or el.get("id") is not None:
                region = _region(el, tag)
                if region is not None:
                    opened.append((el, region))
            if flags & _LINK:
                links += 1
            text = el.text
        else:
            flags = stack.pop()
            if not flags & _HIDDEN:
                context.pop()
            if flags & _LINK:
                links -= 1
            if opened[-1][0] is el:
                opened.pop()
            if flags & _BREAK and parts:
                flush()
                link_chars = 0
            text = el.tail if el is not root else None
        if text:
            if not parts:
                if text.isspace():
                    continue
                line_region = opened[-1][1]
                near_tags = near_words = 0
                for _, _, own_tag, own_words in context[-NEAR_LEVELS:]:
                    near_tags |= own_tag
                    near_words |= own_words
                top = context[-1]
                line_context = (len(context) - 1, top[0], near_tags, top[1], near_words)
            parts.append(text)
            if links:
                link_chars += len("".join(text.split()))  # as `chars` counts: no spaces
    if parts:
        flush()
    return lines


#: libxml2 stops parsing past 2048 levels of nesting, even with `huge_tree`,
#: and the rest of the page is lost. Broken markup gets there (thousands of
#: unclosed <div> or <font>); such a page is parsed again with the tags past
#: this depth dropped and their text kept. Far deeper than any real layout
#: (the 181 benchmark pages nest 17 levels at the median, 51 at most), and
#: far enough below the limit for the elements the parser adds itself.
MAX_NESTING = 1000
#: Elements that never hold a nest: void ones, and those the parser closes
#: when a sibling starts (their end tags are optional, so rarely written).
_NEVER_NEST = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option"}
)
#: A tag left open at the very end of the page (no ">" after it) matches up to
#: the end: tried as `[^>]*>`, every "<x" after the last ">" rescanned the rest
#: of the page (quadratic). libxml2 drops such a tag anyway.
_TAG_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*+(?:>|\Z)")


def flatten_deep(html: str, max_depth: int = MAX_NESTING) -> str:
    """The page with every tag deeper than `max_depth` dropped, its text kept.

    Counted on the markup, as written: a run of dropped block elements becomes
    one <br>, so their text still starts a line; a dropped inline one disappears.
    """
    out: list[str] = []
    depth, last = 0, 0
    broke = False  # a <br> was put in, with only spaces after it
    open_tags: dict[str, int] = {}  # kept elements not closed yet, by name
    dropped: dict[str, int] = {}  # dropped start tags whose end tag is still to come
    for match in _TAG_TOKEN.finditer(html):
        name = match.group(2).lower()
        if name in _NEVER_NEST or match.group(0).endswith("/>"):
            continue
        if match.group(1):  # an end tag: it closes a dropped element first
            if dropped.get(name):
                dropped[name] -= 1
            else:
                if open_tags.get(name):
                    open_tags[name] -= 1
                    depth -= 1
                continue
        elif depth < max_depth:
            open_tags[name] = open_tags.get(name, 0) + 1
            depth += 1
            continue
        else:
            dropped[name] = dropped.get(name, 0) + 1
        gap = html[last : match.start()]
        broke = broke and not gap.strip()
        out.append(gap)
        if name in BREAKING and not broke:  # one line break for a run of dropped blocks
            out.append("<br>")
            broke = True
        last = match.end()
    out.append(html[last:])
    return "".join(out)


