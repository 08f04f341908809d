"""What a page says about itself: a title whenever its head or an <h1> holds one, and
the author from each place pages put it (meta, JSON-LD, rel=author, a byline in the
HTML or in a text dump), the site name and the description."""

from __future__ import annotations

import json

from cleaner import clean
from cleaner.extract.head import page_meta
from cleaner.extract.parse import load_html
from cleaner.lang.dates import author_names, byline_author

BODY = "".join(
    f"<p>The river rose two metres overnight and flooded the lower streets of the town, "
    f"forcing dozens of families to leave their homes before dawn. Paragraph {i}.</p>"
    for i in range(5))


def html(head: str = "", before: str = "", headline: str = "") -> str:
    return (f"<html><head>{head}</head><body><nav><a href='/'>Home</a></nav><article>"
            f"{headline}{before}{BODY}</article></body></html>")


def test_a_page_whose_headline_is_not_in_its_text_still_has_its_title() -> None:
    # no block repeats the <title>: the title comes from the head (the site part cut off
    # only when a block holds it, so here the first candidate, og:title, is taken)
    page = html("<title>Flood defences fail | Valley News</title>"
                '<meta property="og:title" content="Flood defences fail in the valley">')
    doc = clean(page.encode(), kind="html")
    assert doc.title == "Flood defences fail in the valley"
    bare = clean(html("<title>Flood defences fail</title>").encode(), kind="html")
    assert bare.title == "Flood defences fail"


def test_a_chrome_phrase_is_never_the_title() -> None:
    page = html('<meta property="og:title" content="Subscribe">'
                "<title>Flood defences fail in the valley</title>")
    doc = clean(page.encode(), kind="html")
    assert doc.title == "Flood defences fail in the valley"


def test_the_author_from_a_meta_tag_without_its_by() -> None:
    doc = clean(html('<meta name="author" content="By Ana Ruiz - Staff Writer">').encode(),
                kind="html")
    assert doc.author == "Ana Ruiz"


def test_a_login_in_the_meta_tag_gives_way_to_the_byline() -> None:
    page = html('<meta name="author" content="admin">', before="<p>By Li Wei</p>")
    assert clean(page.encode(), kind="html").author == "Li Wei"


def test_the_author_and_publisher_from_json_ld() -> None:
    data = {"@context": "https://schema.org", "@type": "NewsArticle",
            "author": [{"@type": "Person", "name": "Ana Ruiz"},
                       {"@type": "Person", "name": "Li Wei"}],
            "publisher": {"@type": "Organization", "name": "Valley News"}}
    page = html(f'<script type="application/ld+json">{json.dumps(data)}</script>')
    doc = clean(page.encode(), kind="html")
    assert doc.author == "Ana Ruiz, Li Wei"
    assert doc.sitename == "Valley News"


def test_the_author_from_a_rel_author_link() -> None:
    page = html(before='<p>Words: <a rel="author" href="/people/ana">Ana Ruiz</a></p>')
    assert clean(page.encode(), kind="html").author == "Ana Ruiz"


def test_a_byline_in_the_html_is_the_author() -> None:
    page = html(headline="<h1>Flood defences fail</h1>",
                before="<p>By Ana Ruiz and Li Wei</p>")
    doc = clean(page.encode(), kind="html")
    assert doc.author == "Ana Ruiz and Li Wei"


def test_a_byline_in_a_text_dump_is_the_author() -> None:
    dump = ("Home\nNews\nSport\nFlood defences fail in the valley\nBy Ana Ruiz | Reuters\n"
            + "\n".join("The river rose two metres overnight and flooded the lower streets "
                        f"of the town before dawn on Tuesday. Line {i}." for i in range(6)))
    doc = clean(dump, kind="text")
    assert doc.author == "Ana Ruiz"
    assert "By Ana Ruiz" not in doc.text


def test_sitename_and_description_from_the_head() -> None:
    page = html('<meta property="og:site_name" content="Valley News">'
                '<meta name="description" content="The river rose overnight.">')
    doc = clean(page.encode(), kind="html")
    assert (doc.sitename, doc.description) == ("Valley News", "The river rose overnight.")


def test_byline_names_stop_at_a_separator_a_date_or_a_role() -> None:
    assert byline_author("By Jane Doe | Reuters") == "Jane Doe"
    assert byline_author("Von Max Müller") == "Max Müller"
    assert byline_author("By Tom Lee on March 3 2024") == "Tom Lee"
    assert byline_author("By clicking you agree.") is None
    assert byline_author("A sentence about a river") is None
    assert author_names("David Jackson - Editorial Team") == "David Jackson"


def _ld(data: dict, cdata: bool = False) -> str:
    text = json.dumps(data)
    if cdata:
        text = f"//<![CDATA[\n{text}\n//]]>"
    return f'<script type="application/ld+json">{text}</script>'


def test_the_date_from_json_ld_when_the_meta_tags_have_none() -> None:
    page = html(_ld({"@type": "NewsArticle", "datePublished": "2024-03-05T08:00:00Z",
                     "dateModified": "2025-01-01T00:00:00Z"}))
    assert clean(page.encode(), kind="html").date == "2024-03-05"


def test_json_ld_in_a_cdata_wrapper_is_read() -> None:
    # a CDATA wrapper is not JSON: without unwrapping, the script was skipped whole
    page = html(_ld({"@graph": [{"@type": "Article", "datePublished": "2023-07-01",
                                 "author": {"name": "Ana Ruiz"}}]}, cdata=True))
    doc = clean(page.encode(), kind="html")
    assert (doc.date, doc.author) == ("2023-07-01", "Ana Ruiz")


def test_a_meta_published_time_wins_over_json_ld_and_nested_items_are_not_read() -> None:
    page = html('<meta property="article:published_time" content="2024-04-02T10:00:00+02:00">'
                + _ld({"@type": "Article", "datePublished": "2024-04-01"}))
    assert clean(page.encode(), kind="html").date == "2024-04-02"
    # a date of an item inside the article (a video, a related story) is not the page's
    # metadata (htmldate's search, the last resort, may still come to it)
    nested = html(_ld({"@type": "WebPage", "video": {"datePublished": "2019-01-01"}}))
    assert page_meta(load_html(nested)).date is None


def test_the_date_searched_for_when_the_page_states_none() -> None:
    # no metadata and no dateline: htmldate's fast search reads the URL's date
    doc = clean(html().encode(), kind="html", url="https://news.example/2024/05/12/rivers")
    assert doc.date == "2024-05-12"
    assert clean(html().encode(), kind="html").date is None


def test_an_h1_that_shares_no_word_with_the_title_is_not_the_headline() -> None:
    page = html("<title>Flood defences fail in the valley</title>", headline="<h1>Lorem</h1>")
    assert clean(page.encode(), kind="html").title == "Flood defences fail in the valley"
    kin = html("<title>Flood defences fail | Valley News</title>",
               headline="<h1>Why the flood defences failed</h1>")
    assert clean(kin.encode(), kind="html").title == "Why the flood defences failed"


def test_the_site_name_part_of_the_title_is_never_the_headline() -> None:
    # the masthead repeats the site part of <title>; og:title is the headline
    page = ('<html><head><title>Flood defences fail | The Valley Times</title>'
            '<meta property="og:site_name" content="The Valley Times">'
            '<meta property="og:title" content="Flood defences fail as river peaks">'
            f"</head><body><header><p>The Valley Times</p></header><article>{BODY}"
            "</article></body></html>")
    assert clean(page.encode(), kind="html").title == "Flood defences fail as river peaks"


def test_a_title_shaped_like_a_field_is_still_a_title() -> None:
    # "Site: Page" has the shape of a "Label: value" line, chrome among the page's lines
    page = html("<title>Valley Gazette: Colophon</title>")
    assert clean(page.encode(), kind="html").title == "Valley Gazette: Colophon"
