"""Property tests: decoding and cleaning never fail in undocumented ways, and the
text classifier keeps every line it is given accounted for, and a document
without chrome whole.

Deterministic (`derandomize=True`), so CI sees the same examples every run.
"""

from __future__ import annotations

from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import model
from cleaner.clean import clean
from cleaner.document import REASONS
from cleaner.extract.parse import ExtractError
from cleaner.extract.text import classify
from cleaner.inputs.decode import DecodeError, decode

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

# --- decoding and cleaning raise only their documented errors --------------------

CHARSETS = st.sampled_from([None, "utf-8", "UTF-16", "utf-16be", "shift_jis", "gb2312",
                            "latin-1", "iso-8859-7", "base64", "no-such-charset", ""])

#: Pieces of markup, text and troublemakers, for inputs that reach the HTML path.
PIECES = st.sampled_from([
    "<!DOCTYPE html>", "<?xml version='1.0' encoding='utf-16'?>", "<html>", "</html>", "<head>",
    "<body>", "<title>", "</title>", "<meta charset='utf-16'>", "<meta charset=shift_jis>",
    "<p>", "</p>", "<div class='comments'>", "</div>", "<article>", "<h1>", "</h1>", "<br>",
    "<a href='http://127.0.0.1:9/'>", "</a>", "<script>", "</script>", "<style>", "<!--", "-->",
    "<![CDATA[", "]]>", "<template>", "<table><tr><td>", "<li>", "<", ">", "&amp;", "&#0;",
    "&#xD800;", "&xxe;", "\x00", "\ufeff", "\u2028", "\r", "\n", " ", "\t", "é", "日本語", "€",
    "The river rose two metres overnight and flooded the lower streets of the town.",
    "Share post:", "Related", "By Ana Ruiz", "Monday, November 10, 2025", "© 2025 Example.",
])
MARKUP = st.lists(PIECES, max_size=80).map("".join)
#: Any string, lone surrogates included (a `str` a caller built itself).
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=2000)


@SETTINGS
@given(st.binary(max_size=4000), CHARSETS)
def test_decode_raises_nothing_but_decode_error(raw: bytes, charset: str | None) -> None:
    try:
        text, encoding = decode(raw, declared=charset)
    except DecodeError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert text.strip() and "\x00" not in text and "\r" not in text
    assert not text.startswith("\ufeff")
    assert encoding


@SETTINGS
@given(st.one_of(st.binary(max_size=3000), ANY_TEXT), st.sampled_from([None, "html", "text"]))
def test_clean_raises_only_documented_errors(raw: bytes | str, kind: str | None) -> None:
    check_clean(raw, kind)


@SETTINGS
@given(MARKUP, st.sampled_from([None, "html", "text"]),
       st.sampled_from(["str", "utf-8", "utf-16", "cp1252"]))
def test_clean_of_broken_markup_raises_only_documented_errors(
    page: str, kind: str | None, form: str
) -> None:
    raw: str | bytes = page if form == "str" else page.encode(form, errors="replace")
    check_clean(raw, kind)


PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>River levels rise | News</title>"
    "</head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article>"
    "<h1>River levels rise</h1><p>The river rose two metres overnight and flooded the lower "
    "streets of the town, forcing dozens of families to leave their homes before dawn.</p>"
    "<p>Share post:</p><p>Emergency crews said the water was still rising at noon, and they "
    "asked people who live near the bridge to move their cars to higher ground.</p>"
    "<div class='related'><h2>Related</h2><ul><li><a href='/a'>Storm season starts early</a>"
    "</li></ul></div></article><footer>© 2025 Example News</footer></body></html>"
)


@SETTINGS
@given(st.lists(st.tuples(st.floats(0, 1), PIECES), max_size=12), st.floats(0.05, 1),
       st.sampled_from(["utf-8", "utf-16", "str"]))
def test_clean_of_a_mangled_page_raises_only_documented_errors(
    edits: list[tuple[float, str]], keep: float, form: str
) -> None:
    page = PAGE[: max(1, int(len(PAGE) * keep))]  # cut short, then pieces put anywhere
    for where, piece in edits:
        at = int(len(page) * where)
        page = page[:at] + piece + page[at:]
    check_clean(page if form == "str" else page.encode(form, errors="replace"), None)


def check_clean(raw: str | bytes, kind: str | None) -> None:
    """clean() gives a consistent Document, or DecodeError / ExtractError (nothing else)."""
    try:
        doc = clean(raw, kind=kind)
    except (DecodeError, ExtractError) as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert doc.kind in ("html", "text") and (kind is None or doc.kind == kind)
    assert doc.body_blocks() == [b for b in doc.blocks if b.kept and b.kind != "title"]
    assert doc.text == "\n\n".join(b.text for b in doc.body_blocks())
    for block in doc.blocks:
        assert block.kept == (block.reason is None)
        assert block.reason is None or block.reason in REASONS


# --- the text classifier -------------------------------------------------------


#: Lines of every kind the classifier tells apart: prose, chrome, datelines,
#: teasers, numbers, blanks, odd whitespace and line separators.
LINE = st.one_of(
    ANY_TEXT.map(lambda s: s[:200]),
    st.sampled_from([
        "", "   ", "Home", "News", "Share post:", "Related", "LEAVE A REPLY", "By Ana Ruiz",
        "Monday, November 10, 2025", "Photo: Reuters", "© 2025 Example Media. All rights reserved.",
        "Storm season starts early this year", "Forecasters expect a wet autumn and warn that...",
        "Maria on May 3, 2018 at 6:15 pm said:", "12 Comments", "1 of 12", "Advertisement",
        "The river rose two metres overnight and flooded the lower streets of the town, forcing "
        "dozens of families to leave their homes before dawn.",
        "Emergency crews said the water was still rising at noon, and they asked people who "
        "live near the bridge to move their cars.", "\u2028", "\x0c", "\x85", "\u3000日本の天気",
    ]),
)
DUMP = st.lists(LINE, max_size=40).map(lambda lines: "\n".join(lines))


@SETTINGS
@given(DUMP)
def test_every_line_becomes_exactly_one_block_in_order(text: str) -> None:
    # The exact property: the blocks are the input's lines (str.splitlines),
    # stripped of surrounding whitespace, empty ones left out, in order; a
    # block is never merged, split, rewritten or invented.
    result = classify(text)
    assert [b.text for b in result.blocks] == [ln.strip() for ln in text.splitlines()
                                               if ln.strip()]
    for block in result.blocks:
        assert block.kept == (block.reason is None)
        assert block.reason is None or block.reason in REASONS
    titles = [b for b in result.blocks if b.kind == "title"]
    assert len(titles) <= 1 and all(b.kept for b in titles)
    assert result.title == (titles[0].text if titles else None)


# A document without chrome: paragraphs of ordinary sentences. Each sentence
# pairs function words with content words (as English does, which gives prose
# its stop-word density), sometimes led by a content word. Words that name site
# furniture when they stand together ("newsletter ... email", "cookies ...
# accept", "all rights reserved") are left out of the vocabulary: a line that
# says them may well be a sign-up box; plain words that are chrome only on a
# line of their own ("home", "share", "print", "comments", "related", "read
# more", "photo", "source", "published") are in.
FUNCTION_WORDS = (
    "the", "a", "of", "and", "in", "on", "to", "with", "for", "from", "at", "by", "as", "but",
    "or", "into", "over", "after", "before", "under", "near", "his", "her", "their", "our",
    "this", "that", "some", "many", "every",
)
CONTENT_WORDS = (
    "river", "town", "water", "bridge", "people", "morning", "family", "house", "street",
    "school", "market", "garden", "doctor", "teacher", "farmer", "village", "road", "field",
    "harbour", "boat", "council", "year", "week", "child", "mother", "father", "window",
    "kitchen", "station", "train", "city", "forest", "mountain", "weather", "rain", "summer",
    "winter", "letter", "story", "book", "plan", "money", "work", "game", "team", "music",
    "walked", "opened", "carried", "built", "visited", "found", "closed", "moved", "planted",
    "painted", "cleaned", "watched", "crossed", "quiet", "old", "new", "small", "large",
    "green", "warm", "cold", "busy", "early", "late", "home", "search", "next", "save",
    "print", "report", "comment", "comments", "source", "popular", "latest", "share",
    "related", "updated", "published", "posted", "photo", "image", "read", "more", "also",
    "email", "privacy", "contact", "menu",
)

PAIR = st.tuples(st.sampled_from(FUNCTION_WORDS), st.sampled_from(CONTENT_WORDS)).map(" ".join)


@st.composite
def sentences(draw: st.DrawFn) -> str:
    """8 to 25 lowercase words, capitalised, ending in a period."""
    lead = draw(st.sampled_from(("",) * 3 + CONTENT_WORDS))
    words = " ".join(([lead] if lead else []) + draw(st.lists(PAIR, min_size=4, max_size=12)))
    return words.capitalize() + "."


PARAGRAPH = st.lists(sentences(), min_size=3, max_size=12).map(" ".join)
TITLE = st.lists(st.sampled_from(CONTENT_WORDS), min_size=3, max_size=8).map(
    lambda words: " ".join(w.capitalize() for w in words))


@settings(SETTINGS, max_examples=150)  # long documents: generating them is the slow part
@given(st.lists(PARAGRAPH, min_size=1, max_size=6, unique=True), st.none() | TITLE,
       st.sampled_from(["\n", "\n\n", "\r\n", "\n \n"]))
def test_a_document_without_chrome_is_kept_whole(
    paragraphs: list[str], title: str | None, separator: str
) -> None:
    text = separator.join(([title] if title else []) + paragraphs)
    # a property of the hand-written classifier (the proposal): without the content
    # model, whose decisions test_model.py checks
    with mock.patch.object(model, "scores", lambda kind, rows: None):
        doc = clean(text, kind="text")
    # every paragraph kept, as a body block, in order, and nothing else in the body
    assert doc.text == "\n\n".join(paragraphs)
    body = [b for b in doc.blocks if b.kind != "title"]
    if title is not None:
        # the headline is the title, or removed as a line above the story
        first = doc.blocks[0]
        assert first.text == title
        assert (first.kind == "title" and doc.title == title) or not first.kept
        body = body[1:] if first.kind != "title" else body
    else:
        assert doc.title is None
    assert [b.text for b in body] == paragraphs and all(b.kept for b in body)
