"""Parsing pages, and asking trafilatura for its proposal, the way `extract` needs.

`load_html` parses as trafilatura's own `load_html` does (same repairs and
checks) with a faster parser that also survives huge text nodes and nesting
deeper than libxml2 allows; `propose` runs trafilatura's main extractor
without its recall escalation (see `_page_measure`: trafilatura's page measure
is stood in for, in its cascade, on the first proposal; `_install_page_measure`).

Before parsing, `check_limits` refuses a page that would cost far more than
its size (`MAX_TAGS`, `MAX_ATTRIBUTES`): memory grows with the nodes the markup
builds, not with its bytes, and parsing is one C call that no time limit can
interrupt. The figures behind the limits: `python -m cleaner.benchmarks.pagecost`.
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import importlib
import itertools
import re
import threading
from collections.abc import Callable, Iterator

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.baseline import html2txt as _HTML2TXT
from trafilatura.metadata import Document as TrafilaturaDocument
from trafilatura.utils import is_dubious_html, repair_faulty_html

from cleaner.errors import CleanerError
from cleaner.extract.dom import flatten_deep


class ExtractError(CleanerError, ValueError):
    """The page could not be parsed as HTML at all (or is past a parsing limit).

    Example:
        >>> from cleaner import ExtractError, clean
        >>> try:
        ...     clean("<br>" * 300_000, kind="html")
        ... except ExtractError as exc:  # here its PageLimitError
        ...     print(exc)
        the page has 300,000 tags ('<'), more than the limit of 250,000
    """


class PageLimitError(ExtractError):
    """A page past a per-page parsing limit: refused before parsing, one clear line.

    Refused rather than tried because parsing is one C call no time limit can
    stop (`MAX_TAGS`, `MAX_ATTRIBUTES` say what each limit costs).

    Example:
        >>> from cleaner import PageLimitError, clean
        >>> try:
        ...     clean("<p" + " a" * 1_001 + ">text</p>", kind="html")
        ... except PageLimitError as exc:
        ...     print(exc)
        a tag has more than 1,000 attributes (the limit)
    """


#: Most '<' characters a page may hold. Each tag, its text and its tail become
#: libxml2 nodes (~120 bytes each) that trafilatura copies four times over, so
#: markup costs ~1 KB and ~20 us per '<', on top of ~27 bytes per byte of
#: text (1M `<br>` in 4 MB: 16 s and 810 MB; table rows, the costliest
#: markup, 0.97 KB per '<'). The 802 benchmark pages hold at most 28,406 '<'
#: (p99 17,880; the densest ~14,000 per MB, so a 16 MB page that dense still
#: passes): 250,000 is 8.8x the largest and 14x the p99. It holds the
#: costliest page of 16 MB (a table just under this cap, the rest prose) to
#: 430 MB of peak RSS (530 MB of address space), and one of 20 MB to 480
#: (610), where 400,000 gave 610 (730); ~25 s either way. Counting is cheap (10
#: ms for 20 MB) and an upper bound: every element and text node needs a '<'
#: (a '<' in text or a script counts too, which only errs towards refusing).
MAX_TAGS = 250_000
#: Most attributes one tag may have. libxml2 compares each new attribute name
#: with all the earlier ones of its tag, so a tag costs the square of its
#: attributes (1,000: 2 ms; 10,000: 0.13 s; 40,000: 2.2 s; a million: hours,
#: in one C call). The benchmark pages have at most 70 on one element, so
#: 1,000 is 14x that, and a page of nothing but such tags (6,000 of them in 20
#: MB) still parses in ~11 s.
MAX_ATTRIBUTES = 1_000
#: A tag with more than MAX_ATTRIBUTES attributes is longer than this (" a"
#: per attribute); attributes are only counted in tags this long (on real
#: pages, those holding a data: URI or a long srcset: it costs nothing).
_LONG_TAG_CHARS = 2 * MAX_ATTRIBUTES
#: A long tag, up to its `>` (or the next `<`: so each scan ends there, and
#: the whole page is scanned once, at C speed).
_LONG_TAG = re.compile(rf"<[A-Za-z][^<>]{{{_LONG_TAG_CHARS},}}")
#: An attribute of a tag: its name and an optional value (quoted or not).
_ATTRIBUTE = re.compile(r"""[\s/]++[^\s/>"'=]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s"'>]*+))?+""")
#: Where the parser reads no markup: comments, and the text of raw-text
#: elements (what looks like a tag in a script or a <textarea> is text to it).
_RAW_START = re.compile(r"<!--|<(script|style|textarea|title|xmp|iframe|noembed|noframes)\b",
                        re.IGNORECASE)
_RAW_ENDS = {name: re.compile(rf"</{name}\b", re.IGNORECASE) for name in
             ("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes")}


def check_limits(html: str) -> None:
    """Refuse, before parsing, a page that would cost far more than its size.

    Linear, and cheap next to parsing (a 20 MB page: 10 to 200 ms; a benchmark
    page: 1-2 ms, about 3% of its cleaning). Attributes are counted as the parser reads them on real
    pages (quoted values, scripts and comments skipped); a page built to slip
    past the count (a `<` or `>` in every quoted value) still meets the
    per-page time limit.

    Raises:
        PageLimitError: more than `MAX_TAGS` '<', or a tag with more than
            `MAX_ATTRIBUTES` attributes.

    Example:
        >>> try:
        ...     check_limits("<br>" * 500_000)
        ... except PageLimitError as exc:
        ...     print(exc)
        the page has 500,000 tags ('<'), more than the limit of 250,000
    """
    tags = html.count("<")
    if tags > MAX_TAGS:
        raise PageLimitError(f"the page has {tags:,} tags ('<'), more than the limit of "
                             f"{MAX_TAGS:,}")
    raw: list[tuple[int, int]] | None = None  # found when first needed (rarely)
    for tag in _LONG_TAG.finditer(html):
        start, end = tag.span()
        if sum(html.count(c, start, end) for c in " \n\t\r\f/") <= MAX_ATTRIBUTES:
            continue  # each attribute follows a space or a '/': too few of those
        attributes = _ATTRIBUTE.finditer(html, start, end)
        if next(itertools.islice(attributes, MAX_ATTRIBUTES, None), None) is None:
            continue
        raw = _raw_text(html) if raw is None else raw
        n = bisect.bisect_right(raw, (tag.start(), len(html))) - 1
        if n < 0 or raw[n][1] <= tag.start():  # not inside a script, a style, a comment
            raise PageLimitError(f"a tag has more than {MAX_ATTRIBUTES:,} attributes "
                                 "(the limit)")


def _raw_text(html: str) -> list[tuple[int, int]]:
    """The (start, end) spans of the page's comments and raw text, in order
    (a raw-text element's span starts after its own tag, whose attributes count)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while (raw := _RAW_START.search(html, pos)) is not None:
        if raw.group(1) is None:  # a comment
            end = html.find("-->", raw.end())
            spans.append((raw.start(), len(html) if end < 0 else end + 3))
        else:
            start = html.find(">", raw.end()) + 1 or len(html)
            close = _RAW_ENDS[raw.group(1).lower()].search(html, start)
            spans.append((start, len(html) if close is None else close.start()))
        pos = max(spans[-1][1], raw.end())
    return spans


#: Pages at least this long (characters) give the memory their trees held back
#: to the system once the trees are freed (`release_memory`). Below it the
#: call costs more than it saves: trimming takes ~1 ms per 100 KB of page
#: (0.7 ms after a 200 KB page, 10 ms after 1 MB), a few per cent of the time
#: of a small page, and small pages never make a worker's peak.
RELEASE_MIN_CHARS = 1_000_000


def _find_malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None where the C library has none."""
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc
    except (OSError, AttributeError):  # another C library: nothing to call
        return None


_MALLOC_TRIM = _find_malloc_trim()


def release_memory(page_chars: int) -> None:
    """After a big page's trees are freed, give their memory back to the system.

    libxml2 builds trees with malloc, and trafilatura copies a page's tree four
    times; freed, that memory stays in the process (glibc keeps it for later
    mallocs), while Python's small objects come from arenas of their own and
    cannot reuse it, so the rest of the page's work (blocks, record, dedup
    signature) would put its own peak on top. Trimming turns that memory into
    free pages of the machine (`malloc_trim`, glibc only; elsewhere nothing
    happens). Peak RSS measured by `benchmarks.pagecost`, before and after: a
    20 MB article 548 -> 513 MB; 20 MB of table rows and prose at the tag
    limit 638 -> 482 MB. The address space (what a data or address-space
    rlimit counts) shrinks less: most of the heap stays mapped.
    """
    if _MALLOC_TRIM is not None and page_chars >= RELEASE_MIN_CHARS:
        _MALLOC_TRIM(0)


def _make_parser() -> lxml.html.HTMLParser:
    """trafilatura's parser settings, with two changes.

    lxml's C-level class lookup instead of lxml.html's Python one (which picks
    FormElement, InputElement...; neither trafilatura nor we need those):
    building element proxies is a large share of the time of every pass over a
    page. And `huge_tree`: without it libxml2 gives up (the rest of the page
    silently lost) at a text node or attribute over 10 MB, such as an inlined
    script or a data: image, or past 256 levels of nesting. The HTML parser
    expands no entities, so the option opens no entity bomb, and the input size
    is bounded before parsing (`inputs.base.DEFAULT_MAX_BYTES`).
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
    """This thread's parser (see `_PARSERS`), made on first use."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = _make_parser()
    return parser


#: Set in a thread while it runs trafilatura for `propose` (`_without_recall_escalation`).
_OURS = threading.local()


def _page_measure(content: object, clean: bool = True) -> str:
    """trafilatura's `html2txt`, as its extraction cascade calls it, except for ours.

    trafilatura measures the whole page's text (`html2txt`, a copy of the tree
    cleaned and flattened: about a quarter of an extraction's time) to decide
    whether a short result should be retried in recall mode (the last stage of
    `trafilatura.core.trafilatura_sequence`: retry when the result is under a
    share of `len(html2txt(tree))`). Our own checks (prose left out, run-on
    prose, the text classifier's fallback) do that job: on the 181 benchmark
    pages, skipping the retry changes no page's output and saves 7% of the
    time. An empty measure skips it (no result is shorter than a share of
    nothing), for our calls only (a thread-local flag); anyone else's calls
    get trafilatura's own measure.
    """
    if getattr(_OURS, "active", False):
        return ""
    return _HTML2TXT(content, clean)


#: trafilatura's cascade module, imported by its full name: the package's attributes
#: are what its `__init__` imports (`trafilatura.baseline`, for one, is a function).
_CORE = importlib.import_module("trafilatura.core")
#: Whether this trafilatura's cascade measures the page through the name
#: `trafilatura.core.html2txt` (the versions with the recall escalation, 2.x):
#: only then is there a measure to stand in for. Read at import; nothing is patched.
_CASCADE_MEASURES_PAGE = getattr(_CORE, "html2txt", None) is _HTML2TXT


def _install_page_measure() -> None:
    """Put `_page_measure` in trafilatura's cascade, in place of `html2txt`: once per
    process (later calls find it in place), before our first extraction.

    The cascade (`trafilatura.core.trafilatura_sequence`) looks the measure up as a
    global of `trafilatura.core` at every call, so that name is the one place to
    stand in. Process-wide, but harmless to anyone else: `_page_measure` hands
    every call made outside `_without_recall_escalation` (the evaluation's plain
    trafilatura baseline, say) to trafilatura's own `html2txt`, with the same result.
    """
    if _CASCADE_MEASURES_PAGE and _CORE.html2txt is not _page_measure:
        _CORE.html2txt = _page_measure


@contextlib.contextmanager
def _without_recall_escalation() -> Iterator[None]:
    """Within: this thread's trafilatura calls skip the recall escalation (see
    `_page_measure`): our own checks after the proposal do its job, faster."""
    _install_page_measure()
    _OURS.active = True
    try:
        yield
    finally:
        _OURS.active = False


def propose(tree: lxml.html.HtmlElement, url: str | None) -> TrafilaturaDocument | None:
    """trafilatura's proposal: fast mode, no metadata (read by `page_meta`), no comments,
    and no recall escalation (`_without_recall_escalation`)."""
    with _without_recall_escalation():
        return trafilatura.bare_extraction(
            tree, url=url, fast=True, with_metadata=False, include_comments=False,
            include_tables=True,
        )


def load_html(html: str) -> lxml.html.HtmlElement | None:
    """Parse a page as trafilatura's `load_html` does (same repairs and checks).

    Raises PageLimitError for a page past `MAX_TAGS` or `MAX_ATTRIBUTES`.
    """
    check_limits(html)
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
    """The parsed page, as trafilatura's `load_html` tries it: the text, then its
    UTF-8 bytes when lxml refuses the text (a declared encoding) or finds nothing."""
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
    """The page parsed from its UTF-8 bytes (lone surrogates kept), or None."""
    try:
        return lxml.html.fromstring(html.encode("utf-8", "surrogatepass"), parser=_parser())
    except Exception:  # noqa: BLE001
        return None


def _hit_depth_limit() -> bool:
    """Whether this thread's last parse stopped at libxml2's nesting limit."""
    return any(e.type_name == "ERR_RESOURCE_LIMIT" and "depth" in e.message
               for e in _parser().error_log)


__all__ = ["MAX_ATTRIBUTES", "MAX_TAGS", "ExtractError", "PageLimitError", "check_limits",
           "load_html", "propose", "release_memory"]
