"""Metadata scoring in `cleaner eval`: folding, date parsing and language codes on
hand-made cases (near misses included, so a looser or stricter rule fails), field
accuracy on a fake set with hand-counted answers, the tables, and the runner and
command on tiny sets built in tmp_path."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.cli import main
from cleaner.eval.metadata import (
    document_meta,
    exact_match,
    field_score,
    fold,
    lang_code,
    lenient_match,
    parse_date,
    system_meta_scores,
)
from cleaner.eval.report import format_metadata, format_set, metadata_json
from cleaner.eval.run import PageRun, PageTask, SetResult, SystemResult, run_page
from cleaner.eval.score import SnippetCounts, score_page
from cleaner.eval.sets import BenchPage, BenchSet, SetError, load_set

# --- folding, dates, languages --------------------------------------------------------------


@pytest.mark.parametrize(("text", "folded"), [
    ("  The  Big\nStory ", "the big story"),
    ("“Don’t Panic”", "don't panic"),  # typographic quotes as ASCII, outer ones stripped
    ("'Neutral' Snopes Fact-Checker", "neutral' snopes fact-checker"),  # ends only
    ("Ars Technica.", "ars technica"),
    ("Dan, Goodin", "dan, goodin"),  # inner punctuation is kept
    ("Ｗｉｄｅ\u00a0text", "wide text"),  # NFKC: full-width letters, no-break space
    ("C++", "c++"),  # symbols are not punctuation
    ("«»", ""),
])
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(("text", "day"), [
    ("2025-06-04", "2025-06-04"),
    ("2015-07-10T09:53:00-04:00", "2015-07-10"),
    ("2018-12-21T23:30:00-05:00", "2018-12-21"),  # the zone is not applied: not the 22nd
    ("2019-01-03T07:00:02.000Z", "2019-01-03"),
    ("2017-11-03 03:01:00.000000", "2017-11-03"),
    ("2025-6-4", "2025-06-04"),
    ("2025/06/04", "2025-06-04"),
    ("20250604", "2025-06-04"),
    ("June 4, 2025", "2025-06-04"),
    ("Published Sept. 3rd 2019", "2019-09-03"),
    ("4 June 2025", "2025-06-04"),
    ("Wed, 04 Jun 2025 10:00:00 GMT", "2025-06-04"),
    ("04/06/2025", None),  # day or month first: ambiguous, not read
    ("2025-02-30", None),  # no such day
    ("2025-13-01", None),
    ("June 2025", None),  # no day
    ("12345678901", None),
    ("", None),
])
def test_parse_date(text: str, day: str | None) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize(("value", "code"), [
    ("en", "en"), ("en-US", "en"), ("EN-gb", "en"), ("pt_BR", "pt"), ("zh-TW", "zh"),
    ("English", "en"), ("Czech", "cs"), ("Klingon", "klingon"),
])
def test_lang_code(value: str, code: str) -> None:
    assert lang_code(value) == code


def test_exact_match_per_field() -> None:
    assert exact_match("title", "This API is so Fetching!", "this api is so  fetching")
    assert not exact_match("title", "This API is so Fetching!", "This API is Fetching!")
    assert exact_match("date", "2015-07-10T09:53:00-04:00", "2015-07-10")
    assert not exact_match("date", "2015-07-10T09:53:00-04:00", "2015-07-11")
    assert exact_match("lang", "en-US", "English")
    assert not exact_match("lang", "fr", "English")
    assert not exact_match("author", "Nikhil Marathe", None)
    assert not exact_match("author", "Nikhil Marathe", "  ")
    assert not exact_match("author", "", "")  # no truth: nothing to get right


@pytest.mark.parametrize(("truth", "prediction", "lenient"), [
    ("5 Trends from Nutrition 2025", "5 Trends from Nutrition 2025 | LinkedIn", True),  # F1 .91
    ("Preferred title", "Preferred title - Some Site Name", True),  # contained, F1 0.57
    ("Dylan Bailey, MS, RD, FAND", "Dylan Bailey", True),  # the prediction is contained
    ("How to Build a Terrarium", "How to Grow a Cactus", False),  # F1 0.6
    ("a b c d e", "a b c d f", True),  # F1 0.8: the threshold is inclusive
    ("a b c d", "a b c x", False),  # F1 0.75, and neither side contains the other
    ("Hazel Sheffield", "Sheffield", False),  # one word: too short to be contained
    ("Dan Goodin", None, False),
])
def test_lenient_match(truth: str, prediction: str | None, lenient: bool) -> None:
    assert lenient_match(truth, prediction) is lenient


# --- accuracy -------------------------------------------------------------------------------


def test_field_score_counts_only_pages_with_truth() -> None:
    pairs = [("Ars Technica", "ars technica"), ("BBC News", "BBC"), ("", "Anything"),
             ("The Independent", None)]
    score = field_score("sitename", pairs)
    assert score.pages == 3 and score.exact == pytest.approx(1 / 3) and score.lenient is None
    titles = field_score("title", [("Big Headline", "Big Headline | Site Name"),
                                   ("A B C", "a b c"), ("Headline", "Headline | Site Name"),
                                   ("Other story", "Wrong")])
    assert titles.pages == 4
    assert titles.exact == pytest.approx(1 / 4)  # only "a b c"
    # "Big Headline" is contained; "Headline" is one word, too short to be (F1 0.5)
    assert titles.lenient == pytest.approx(2 / 4)


def test_field_score_of_no_truth_is_zero_pages() -> None:
    assert field_score("date", [("", "2025-01-01"), ("  ", None)]).pages == 0


@dataclass(frozen=True)
class _Run:
    page_id: str
    meta: dict | None
    meta_seconds: float = 0.0
    meta_error: str | None = None


def test_a_field_never_given_is_not_offered_and_a_failed_page_is_a_miss() -> None:
    truths = {"a": {"title": "One", "author": "Ann Lee"}, "b": {"title": "Two"}}
    runs = [_Run("a", {"title": "One"}), _Run("b", None)]  # b failed
    scores = system_meta_scores(runs, runs, truths, ("title", "author"))
    assert scores["author"] is None  # no run has the key
    assert scores["title"].pages == 2 and scores["title"].exact == 0.5


@dataclass
class _Doc:
    title: str | None = "A title"
    date: str | None = "2025-01-02"
    meta: dict = field(default_factory=lambda: {"language": "English"})


@dataclass
class _NewDoc(_Doc):
    author: str | None = None
    language: str | None = "de"


def test_document_meta_reads_only_the_attributes_a_document_has() -> None:
    assert document_meta(_Doc()) == {"title": "A title", "date": "2025-01-02", "lang": "English"}
    new = document_meta(_NewDoc())
    assert new["author"] is None and "author" in new  # offered, empty: a miss, not a "-"
    assert new["lang"] == "de"  # the code attribute before meta's name
    assert "sitename" not in new


# --- sets, runner and tables ----------------------------------------------------------------


def _write_set(root: Path, truth: dict, html: str) -> Path:
    (root / "html").mkdir(parents=True)
    (root / "text").mkdir()
    for page_id in truth:
        (root / "html" / f"{page_id}.html.gz").write_bytes(gzip.compress(html.encode()))
        (root / "text" / f"{page_id}.txt").write_text("Story\n" + "The river rose. " * 30,
                                                      encoding="utf-8")
    (root / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return root


HTML = ("<html lang='en'><head><title>River rises | Daily</title>"
        "<meta name='author' content='Ann Lee'>"
        "<meta property='article:published_time' content='2025-03-04T10:00:00Z'></head>"
        "<body><article><h1>River rises</h1>" + "<p>The river rose over the banks. </p>" * 12
        + "</article></body></html>")


def test_load_set_reads_metadata_fields(tmp_path: Path) -> None:
    truth = {"p1": {"articleBody": "x", "title": "T", "author": ["Ann", "Bo"], "date": None,
                    "lang": " "},
             "p2": {"articleBody": "x", "description": "D"}}
    bench = load_set(_write_set(tmp_path / "s", truth, HTML))
    assert bench.meta_fields == ("title", "author", "description")  # META_FIELDS order
    assert bench.pages[0].truth_meta == {"title": "T", "author": "Ann, Bo"}
    assert bench.pages[1].truth_meta == {"description": "D"}
    (tmp_path / "s" / "ground-truth.json").write_text(
        json.dumps({"p1": {"articleBody": "x", "title": 3}}), encoding="utf-8")
    with pytest.raises(SetError, match="'title' must be a string"):
        load_set(tmp_path / "s")


def test_run_page_gives_metadata_of_the_cleaner_and_of_extract_metadata(tmp_path: Path) -> None:
    truth = {"p1": {"articleBody": "x", "title": "River rises", "author": "Ann Lee",
                    "date": "2025-03-04"}}
    page = load_set(_write_set(tmp_path / "s", truth, HTML)).pages[0]
    systems = ("cleaner-html", "trafilatura-html", "whole-html")
    html, traf, whole = run_page(PageTask(page, systems, timeout=10, metadata=True))
    assert html.meta["title"] == "River rises" and html.meta["date"] == "2025-03-04"
    assert traf.meta["author"] == "Ann Lee" and traf.meta["date"] == "2025-03-04"
    assert traf.meta_seconds > 0 and traf.meta_error is None
    assert traf.seconds > 0 and html.meta_seconds == 0.0
    assert whole.meta is None
    (_, bare, _) = run_page(PageTask(page, systems, timeout=10))
    assert bare.meta is None and bare.meta_seconds == 0.0


def _bench_page(page_id: str, page_type: str, meta: dict[str, str]) -> BenchPage:
    return BenchPage("wceb", page_id, "", "body", Path(f"{page_id}.html.gz"), None, page_type,
                     meta=tuple(meta.items()))


def _meta_result() -> SetResult:
    pages = [_bench_page("a1", "article", {"title": "River rises", "date": "2025-03-04"}),
             _bench_page("a2", "article", {"title": "Rain again", "author": "Ann Lee"}),
             _bench_page("f1", "forum", {"title": "Help with router"})]
    answers = {
        "cleaner-html": [{"title": "River Rises", "date": "March 4, 2025", "author": None},
                         {"title": "Rain again | Daily", "date": None, "author": "Ann Lee"},
                         {"title": "Help", "date": None, "author": None}],
        "trafilatura-html": [{"title": "River rises", "date": "2025-03-05", "author": None},
                             {"title": "Rain again", "date": None, "author": "Bo"},
                             {"title": "Help with router", "date": None, "author": None}],
        "whole-html": [None, None, None],
    }
    systems = {n: SystemResult(n, [PageRun(n, p.id, p.page_type, "body", 0.01,
                                           score_page("body", "body"), SnippetCounts(),
                                           meta=m, meta_seconds=0.5 * (n == "trafilatura-html"))
                                   for p, m in zip(pages, metas, strict=True)])
               for n, metas in answers.items()}
    bench = BenchSet("wceb", Path("fake"), tuple(pages), has_types=True, has_snippets=False,
                     meta_fields=("title", "author", "date"))
    return SetResult(bench, systems)


def test_metadata_table_has_a_row_per_system_with_metadata_and_hand_counted_shares() -> None:
    lines = format_metadata(_meta_result()).splitlines()
    assert lines[1].split() == ["system", "title", "title~", "author", "author~", "date"]
    assert lines[3].split() == ["pages", "with", "truth", "3", "3", "1", "1", "1"]
    # cleaner-html: titles a1 exact, a2 lenient only; author a2; date a1 (a written date)
    assert lines[4].split() == ["cleaner-html", "0.333", "0.667", "1.000", "1.000", "1.000"]
    # trafilatura: titles all exact; author wrong; date a day off
    assert lines[5].split() == ["trafilatura-html", "1.000", "1.000", "0.000", "0.000",
                                "0.000"]
    assert not any(line.startswith("whole-html") for line in lines)
    assert "trafilatura.extract_metadata, one extra call per page, 1.5 s over 3 pages" in \
        "\n".join(lines)
    types = lines[lines.index("metadata per page type (exact)"):]
    assert types[2].split()[:4] == ["page", "type", "pages", "n"]
    # article: 2 titles (cleaner 1 of 2, trafilatura 2), 1 author, 1 date; forum: 1 title
    assert types[4].split() == ["article", "2", "2", "0.500", "1.000", "1", "1.000", "0.000",
                                "1", "1.000", "0.000"]
    assert types[5].split() == ["forum", "1", "1", "0.000", "1.000", "0", "-", "-", "0", "-",
                                "-"]


def test_metadata_json_and_set_block() -> None:
    result = _meta_result()
    data = metadata_json(result)
    assert data["truth_pages"] == {"title": 3, "date": 1, "author": 1}
    assert data["systems"]["cleaner-html"]["title"] == {"pages": 3, "exact": pytest.approx(1 / 3),
                                                         "lenient": pytest.approx(2 / 3)}
    assert data["page_types"]["forum"]["trafilatura-html"]["title"]["exact"] == 1.0
    assert data["extract_metadata_seconds"] == 1.5
    assert "metadata: share of the pages" in format_set(result)
    plain = SetResult(BenchSet("scrapinghub", Path("fake"), result.bench.pages, False, False),
                      result.systems)
    assert metadata_json(plain) is None and "metadata" not in format_set(plain)


def test_eval_command_prints_and_writes_the_metadata_table(tmp_path: Path) -> None:
    truth = {"p1": {"articleBody": "The river rose over the banks. " * 12,
                    "title": "River rises", "author": "Ann Lee", "lang": "en-GB"}}
    bench = _write_set(tmp_path / "readability", truth, HTML)
    out = tmp_path / "eval.json"
    result = CliRunner().invoke(main, ["eval", "--bench", str(bench), "--out", str(out),
                                       "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    block = result.stdout.split("metadata: share")[1].split("\n\n")[0].splitlines()
    assert [line.split()[0] for line in block[4:7]] == [
        "cleaner-html", "cleaner-text", "trafilatura-html"]
    assert block[1].split() == ["system", "title", "title~", "author", "author~", "lang"]
    assert block[6].split()[-1] == "-"  # extract_metadata gives no language
    data = json.loads(out.read_text(encoding="utf-8"))["sets"]["readability"]
    traf = data["systems"]["trafilatura-html"]["pages"]["p1"]
    assert traf["meta"]["author"] == "Ann Lee" and traf["meta_exact"]["author"] is True
    assert data["metadata"]["systems"]["trafilatura-html"]["author"]["exact"] == 1.0
    assert "meta" not in data["systems"]["whole-html"]["pages"]["p1"]


def test_no_trafilatura_metadata_keeps_cleaner_rows_and_drops_the_extra_call(
        tmp_path: Path) -> None:
    truth = {"p1": {"articleBody": "The river rose over the banks. " * 12,
                    "title": "River rises", "date": "2025-03-04"}}
    bench = _write_set(tmp_path / "wceb", truth, HTML)
    out = tmp_path / "eval.json"
    result = CliRunner().invoke(main, ["eval", "--bench", str(bench), "--out", str(out),
                                       "--jobs", "1", "--systems", "cleaner-html,trafilatura-html",
                                       "--no-trafilatura-metadata"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    block = result.stdout.split("metadata: share")[1].split("\n\n")[0]
    assert "cleaner-html" in block and "trafilatura-html" not in block
    data = json.loads(out.read_text(encoding="utf-8"))["sets"]["wceb"]
    assert list(data["metadata"]["systems"]) == ["cleaner-html"]
    assert data["metadata"]["systems"]["cleaner-html"]["date"]["exact"] == 1.0
