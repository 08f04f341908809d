"""HTML pages: main content via trafilatura, metadata, and the rest of the page recorded."""

from __future__ import annotations

import trafilatura
from conftest import FIXTURES

from cleaner import clean
from cleaner.extract.dom import walk
from cleaner.extract.html import extract as extract_html

PAGE = """<!doctype html><html><head><title>River rises | Valley News</title>
<meta property="og:title" content="River rises two metres overnight">
<meta property="article:published_time" content="2024-03-05T08:00:00Z">
<link rel="canonical" href="https://valley.example/news/river"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>River rises two metres overnight</h1>
<p>The river rose two metres overnight and flooded the lower streets of the town, forcing
dozens of families to leave their homes before dawn on Tuesday morning.</p>
<p>Emergency crews said the water was still rising at noon, and they asked people who live
near the old bridge to move their cars to higher ground as soon as they could.</p>
<p>The mayor said the town would open the school gym as a shelter for anyone who needs a dry
place to sleep tonight, and that hot food would be served there until Friday.</p>
<p>Share this article</p>
</article>
<footer><p>Copyright 2024 Valley News. All rights reserved.</p></footer>
<script>var x = "not text";</script></body></html>"""


def test_main_content_title_date_and_canonical_url_come_from_the_page() -> None:
    doc = clean(PAGE)
    assert doc.kind == "html"
    assert doc.title == "River rises two metres overnight"
    assert doc.date == "2024-03-05"
    assert doc.url is None  # no URL was given
    assert doc.canonical_url == "https://valley.example/news/river"  # the page's own
    assert doc.text.startswith("The river rose two metres overnight")
    assert "Emergency crews said" in doc.text and "school gym" in doc.text
    assert "Copyright" not in doc.text and "Home" not in doc.text


def test_text_outside_the_main_content_is_recorded_in_page_order() -> None:
    doc = clean(PAGE)
    removed = {b.text: b.reason for b in doc.blocks if not b.kept}
    assert removed.get("Copyright 2024 Valley News. All rights reserved.") in (
        "outside-main-content", "site-chrome")
    texts = [b.text for b in doc.blocks]
    assert texts.index("The river rose two metres overnight and flooded the lower streets of "
                       "the town, forcing dozens of families to leave their homes before dawn "
                       "on Tuesday morning.") < texts.index(
        "Copyright 2024 Valley News. All rights reserved.")
    assert all(b.reason for b in doc.blocks if not b.kept)


def test_chrome_rules_also_run_on_html_blocks() -> None:
    doc = clean(PAGE)
    assert "Share this article" not in doc.text


def test_the_walk_skips_scripts_and_keep_block_breaks() -> None:
    lines = [line.text for line in walk(trafilatura.load_html(PAGE))]
    assert "Home World Sport" in lines
    assert not any("not text" in line for line in lines)


def test_deeply_nested_page_does_not_exhaust_the_stack() -> None:
    html = "<html><body>" + "<div>" * 200 + "deep text" + "</div>" * 200 + "</body></html>"
    assert "deep text" in [line.text for line in walk(trafilatura.load_html(html))]
    html = "<html><body>" + "<div>" * 50000 + "deep" + "</div>" * 50000 + "</body></html>"
    assert isinstance(walk(trafilatura.load_html(html)), list)  # no RecursionError


def test_syndicated_pages_share_title_and_most_of_the_text() -> None:
    folder = FIXTURES / "syndication" / "html"
    docs = [extract_html((folder / f"site_{c}.html").read_text(encoding="utf-8"))
            for c in "abc"]
    assert len({d.title for d in docs}) == 1
    for d in docs:
        assert sum(len(b.text) for b in d.blocks if b.in_body) > 1000
