"""The benchmark metric, snippets and reports on hand-computed cases, set loading, and
`cleaner eval` on tiny sets built in tmp_path (the real bench only for a quick smoke run)."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BENCH

from cleaner.cli import main
from cleaner.eval.report import catastrophic_pages, format_types, goals, type_scores, type_shares
from cleaner.eval.run import (
    SYSTEMS,
    PageRun,
    PageTask,
    SetResult,
    System,
    SystemResult,
    run_page,
    visible_text,
)
from cleaner.eval.score import (
    PASSAGE_CHARS,
    PageScore,
    SnippetCounts,
    corpus_scores,
    is_catastrophic,
    score_page,
    shingle_counts,
    snippet_counts,
    snippet_shares,
    tokens,
    unmatched_passages,
)
from cleaner.eval.sets import (
    BenchPage,
    BenchSet,
    SetError,
    available_sets,
    load_set,
    parse_set_names,
    select_sets,
)

TRUTH = "The cat sat on the mat."  # 6 tokens -> 3 shingles


def test_tokens_are_unicode_word_runs_with_case_kept() -> None:
    assert tokens("Ça coûte 5,50 € — l'État!") == ["Ça", "coûte", "5", "50", "l", "État"]
    assert tokens("") == []


def test_shingles_are_token_4grams_short_texts_one_shingle_empty_none() -> None:
    assert shingle_counts("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert shingle_counts("a b c d a b c d") == {
        ("a", "b", "c", "d"): 2, ("b", "c", "d", "a"): 1,
        ("c", "d", "a", "b"): 1, ("d", "a", "b", "c"): 1,
    }
    assert shingle_counts("Hello, world") == {("Hello", "world"): 1}
    assert shingle_counts(" ... ") == {}


def test_identical_texts_score_one_and_are_exact() -> None:
    score = score_page("The cat  sat\non the mat!", TRUTH)  # punctuation and spacing ignored
    assert score == PageScore(1.0, 1.0, tp=3, fp=0, fn=0, exact=True)
    assert score.f1 == 1.0


def test_disjoint_texts_score_zero() -> None:
    score = score_page("Dogs bark at the postman every morning", TRUTH)
    assert (score.precision, score.recall, score.tp, score.exact) == (0.0, 0.0, 0, False)
    assert (score.fp, score.fn) == (4, 3)


def test_case_matters() -> None:
    assert score_page("the cat sat on the mat", TRUTH).tp == 2  # first shingle differs


def test_an_extra_sentence_costs_precision_not_recall() -> None:
    # pred: 10 tokens -> 7 shingles; the first 3 are the truth's, the other 4 are extra.
    score = score_page("The cat sat on the mat. And then it slept.", TRUTH)
    assert (score.tp, score.fp, score.fn) == (3, 4, 0)
    assert score.precision == pytest.approx(3 / 7)
    assert score.recall == 1.0
    assert score.f1 == pytest.approx(2 * (3 / 7) / (3 / 7 + 1))
    assert not score.exact


def test_repeated_shingles_count_as_a_multiset() -> None:
    score = score_page("a b c d", "a b c d a b c d")  # truth has (a b c d) twice
    assert (score.tp, score.fp, score.fn) == (1, 0, 4)
    assert (score.precision, score.recall) == (1.0, pytest.approx(1 / 5))


def test_short_texts_are_one_shingle() -> None:
    assert score_page("Hello, world!", "Hello world") == PageScore(1.0, 1.0, 1, 0, 0, True)
    assert score_page("Hello there world", "Hello world") == PageScore(0.0, 0.0, 0, 1, 1, False)
    # 5 tokens -> 2 shingles, neither is the truth's single 2-token shingle
    assert score_page("Hello world and much more", "Hello world") == PageScore(
        0.0, 0.0, 0, 2, 1, False)


def test_empty_prediction_has_precision_and_recall_zero() -> None:
    assert score_page("", "a b c d e") == PageScore(0.0, 0.0, tp=0, fp=0, fn=2, exact=False)
    assert score_page("a b c d e", "") == PageScore(0.0, 0.0, tp=0, fp=2, fn=0, exact=False)


def test_both_empty_is_a_perfect_exact_page() -> None:
    assert score_page("", "") == PageScore(1.0, 1.0, 0, 0, 0, True)


def test_corpus_means_skip_pages_without_predicted_or_true_shingles() -> None:
    pages = [
        score_page(TRUTH, TRUTH),  # P 1, R 1, exact
        score_page("", TRUTH),  # tp+fp = 0: out of the precision mean; R 0
        score_page("", ""),  # out of both means; exact
        score_page(TRUTH + " And then it slept.", TRUTH),  # P 3/7, R 1
    ]
    scores = corpus_scores(pages)
    assert scores.precision == pytest.approx((1 + 3 / 7) / 2)  # = 5/7
    assert scores.recall == pytest.approx((1 + 0 + 1) / 3)  # = 2/3
    assert scores.f1 == pytest.approx(20 / 29)  # 2 * 5/7 * 2/3 / (5/7 + 2/3)
    assert scores.accuracy == 0.5
    assert scores.pages == 4


def test_corpus_of_nothing_is_zero() -> None:
    scores = corpus_scores([])
    assert (scores.precision, scores.recall, scores.f1, scores.accuracy) == (0, 0, 0, 0)


def test_passages_wrongly_kept_stop_at_the_true_text() -> None:
    truth = "The river rose two metres overnight. Crews worked all night long."
    pred = "Share this story on Facebook. " + truth
    assert unmatched_passages(pred, truth) == ["Share this story on Facebook"]
    assert unmatched_passages(truth, pred) == []


def test_passages_wrongly_removed_from_the_middle() -> None:
    truth = ("The river rose two metres overnight. Schools were closed on Monday morning. "
             "Crews worked all night long.")
    pred = "The river rose two metres overnight. Crews worked all night long."
    assert unmatched_passages(truth, pred) == ["Schools were closed on Monday morning"]


def test_passages_are_the_longest_runs_in_text_order_and_cut() -> None:
    truth = "one two three four five six seven eight nine ten eleven twelve"
    pred = ("alpha one two three four beta gamma five six seven eight delta epsilon zeta "
            "nine ten eleven twelve eta")
    # four runs: alpha, beta gamma, delta epsilon zeta, eta; of the two 1-token runs the
    # earlier one is kept
    assert unmatched_passages(pred, truth) == ["alpha", "beta gamma", "delta epsilon zeta"]
    assert unmatched_passages(pred, truth, limit=1) == ["delta epsilon zeta"]
    long = " ".join(f"word{i}" for i in range(100))
    (snippet,) = unmatched_passages(long, "")
    assert len(snippet) == PASSAGE_CHARS and snippet.endswith("…")


# --- snippets and catastrophic pages ----------------------------------------------------------


def test_snippets_match_across_spacing_but_not_case() -> None:
    pred = "The river rose\n\ntwo metres overnight.\nShare this story"
    counts = snippet_counts(pred, ["river rose two  metres", "The River rose", "Crews worked"],
                            ["Share this story", "share THIS", "Subscribe", "   "])
    # with: 1 of 3 found (the second differs in case); without: 2 of 3 absent, blank ignored
    assert counts == SnippetCounts(with_found=1, with_total=3, without_absent=2, without_total=3)


def test_snippet_shares_pool_snippets_not_pages() -> None:
    shares = snippet_shares([SnippetCounts(1, 1, 0, 4), SnippetCounts(0, 3, 4, 4),
                             SnippetCounts(0, 0, 0, 0)])
    assert shares.with_share == pytest.approx(1 / 4)  # not the page mean (1 + 0) / 2
    assert shares.without_share == pytest.approx(4 / 8)
    assert (shares.with_total, shares.without_total) == (4, 8)
    assert snippet_shares([SnippetCounts()]).with_share is None  # nothing to check


def test_catastrophic_is_under_half_the_reference_page_f1() -> None:
    perfect = PageScore(1.0, 1.0, 3, 0, 0, True)
    assert is_catastrophic(PageScore(0.25, 1.0, 1, 3, 0, False), perfect)  # F1 0.4
    assert not is_catastrophic(PageScore(0.5, 0.5, 1, 1, 1, False), perfect)  # F1 0.5: not under
    nothing = PageScore(0.0, 0.0, 0, 2, 2, False)
    assert not is_catastrophic(nothing, nothing)  # both failed: not cleaner's loss


# --- reports on hand-built results ------------------------------------------------------------

ARTICLE = "The cat sat on the mat."  # 3 shingles
EXTRA = ARTICLE + " And then it slept."  # P 3/7, R 1 against ARTICLE
POST = "I think the answer is to restart the router first."


def _page(page_id: str, page_type: str | None, truth: str,
          with_: tuple[str, ...] = (), without: tuple[str, ...] = ()) -> BenchPage:
    return BenchPage("fake", page_id, "", truth, Path(f"{page_id}.html.gz"), None, page_type,
                     with_, without)


def _result(pages: list[BenchPage], predictions: dict[str, list[str]]) -> SetResult:
    """A SetResult as the runner would build it, from one prediction per page per system."""
    systems = {}
    for name, preds in predictions.items():
        runs = [PageRun(name, p.id, p.page_type, pred, 0.01, score_page(pred, p.truth),
                        snippet_counts(pred, p.with_snippets, p.without_snippets))
                for p, pred in zip(pages, preds, strict=True)]
        systems[name] = SystemResult(name, runs)
    bench = BenchSet("wceb", Path("fake"), tuple(pages), has_types=True, has_snippets=True)
    return SetResult(bench, systems)


TYPED = [
    _page("a1", "article", ARTICLE, ("cat sat",), ("slept",)),
    _page("a2", "article", ARTICLE, ("the mat",), ("slept",)),
    _page("f1", "forum", POST, ("restart the router",), ("Reply",)),
    _page("f2", "forum", POST, ("answer is",), ("Reply",)),
]


def _typed_result() -> SetResult:
    return _result(TYPED, {
        "cleaner-text": [ARTICLE, EXTRA, "", POST],
        "whole-text": [EXTRA, EXTRA, POST + " Reply", POST],
    })


def test_type_scores_score_each_page_type_on_its_own() -> None:
    scores = type_scores(_typed_result())
    assert list(scores) == ["article", "forum"]  # most pages first, then by name
    # article, cleaner-text: P (1 + 3/7) / 2 = 5/7, R 1 -> F1 5/6; whole-text: P 3/7, R 1 -> 0.6
    assert scores["article"]["cleaner-text"].f1 == pytest.approx(5 / 6)
    assert scores["article"]["whole-text"].f1 == pytest.approx(0.6)
    # forum, cleaner-text: the empty page is out of the P mean (P 1) and has R 0 (R 1/2) -> 2/3
    assert scores["forum"]["cleaner-text"].f1 == pytest.approx(2 / 3)
    # whole-text on f1 keeps "Reply": 11 tokens, 8 shingles against the truth's 7 -> P 7/8;
    # f2 exact
    assert scores["forum"]["whole-text"].precision == pytest.approx((7 / 8 + 1) / 2)


def test_type_table_marks_types_where_text_beats_the_whole_dump() -> None:
    f1_table, shares_table = format_types(_typed_result()).split("\n\n")
    rows = {line.split()[0]: line.split()[1:] for line in f1_table.splitlines()[3:]}
    assert rows == {"article": ["2", "0.833", "0.600", "yes"],
                    "forum": ["2", "0.667", "0.968", "NO"]}  # whole-text: 2 * 15/16 / (31/16)
    shares = {line.split()[0]: line.split()[1:] for line in shares_table.splitlines()[3:]}
    assert shares["forum"] == ["2", "0.500", "/", "1.000", "1.000", "/", "0.500"]


def test_snippet_shares_per_type_and_system() -> None:
    shares = type_shares(_typed_result())
    # article: cleaner-text finds both `with` snippets; a2's prediction keeps "slept"
    assert shares["article"]["cleaner-text"].with_share == 1.0
    assert shares["article"]["cleaner-text"].without_share == 0.5
    # forum: f1 predicted nothing -> 1 of 2 found; "Reply" absent from both
    assert shares["forum"]["cleaner-text"].with_share == 0.5
    assert shares["forum"]["cleaner-text"].without_share == 1.0
    assert shares["forum"]["whole-text"].without_share == 0.5


def test_catastrophic_pages_and_goals_per_set() -> None:
    pages = [_page(i, None, ARTICLE) for i in ("p1", "p2", "p3", "p4")]
    pages[3] = _page("p4", None, "")
    result = _result(pages, {
        "cleaner-html": ["", ARTICLE, ARTICLE, ""],
        "trafilatura-html": [ARTICLE, ARTICLE, "", "Menu Home News Sport"],
    })
    # p1: lost what trafilatura had; p3: trafilatura failed; p4: both score 0 (empty truth)
    assert catastrophic_pages(result) == ["p1"]
    gain, bad = goals(result)  # no text systems ran: no text goals
    # cleaner-html: P 1 (p2, p3), R 2/3 -> F1 0.8; trafilatura: P (1 + 1 + 0) / 3, R 2/3
    assert gain.value == pytest.approx(0.8 - 2 / 3)
    assert gain.met is True and gain.target == ">= +0.02"
    assert (bad.value, bad.target, bad.met) == (1, "<= 5", True)  # the set is named "wceb"
    assert catastrophic_pages(_typed_result()) is None  # cleaner-html did not run


def test_goals_for_page_types_name_the_types_that_lost() -> None:
    text_f1, by_type = goals(_typed_result())
    assert text_f1.label == "cleaner-text F1" and text_f1.target == ">= 0.80"
    assert by_type.shown == "1 of 2 (not: forum)" and by_type.met is False


def test_whole_page_baseline_is_the_visible_body_text() -> None:
    html = ("<html><head><title>Title</title><style>p {color: red}</style></head><body>"
            "<script>var hidden = 1;</script><nav><a href='/'>Home</a></nav>"
            "<p>First<b>bold</b></p><p>Second</p><!-- a comment --><template>t</template>"
            "<noscript><p>Enable scripts</p></noscript>tail</body></html>")
    assert visible_text(html) == "Home\nFirstbold\nSecond\nEnable scripts\ntail"
    assert visible_text("") == ""


# --- sets ---------------------------------------------------------------------------------------

PARAGRAPHS = {
    "page-a": [
        "The river rose two metres overnight and flooded the lower streets of the town, "
        "forcing dozens of families to leave their homes before dawn on Sunday.",
        "Emergency crews said the water was still rising at noon, and they asked people who "
        "live near the old stone bridge to move their cars to higher ground at once.",
        "The mayor said the town would open the school gym as a shelter for anyone who needs "
        "a dry place to sleep tonight, and that hot food would be served there until late.",
    ],
    "page-b": [
        "The city council voted on Tuesday to turn the disused rail yard into a public park "
        "with playing fields, a pond and a long avenue of plane trees along the canal.",
        "Work is due to start next spring and should take about three years, the council "
        "said, with the first fields open to local schools before the end of next summer.",
        "Residents who had campaigned for the park for more than a decade gathered outside "
        "the town hall to celebrate the decision with music, banners and cake.",
    ],
}


def _html(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>{title}</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
            f"<article><h1>{title}</h1>{body}</article>"
            "<footer>Copyright 2025 Example News. All rights reserved.</footer></body></html>")


def _make_set(root: Path, flavour: str = "scrapinghub") -> Path:
    """Two pages in the bench layout, with the ground truth of one of the three sets.
    page-b never has a text dump (as a few wceb pages have none)."""
    (root / "html").mkdir(parents=True)
    (root / "text").mkdir()
    truth = {}
    for page_id, paragraphs in PARAGRAPHS.items():
        title = f"Story {page_id}"
        html = _html(title, paragraphs)
        (root / "html" / f"{page_id}.html.gz").write_bytes(gzip.compress(html.encode("utf-8")))
        entry: dict = {"articleBody": "\n\n".join(paragraphs),
                       "url": f"https://news.example.org/{page_id}"}
        if flavour == "readability":
            entry.update(url=None, title=title, author=None, lang="en")
        if flavour == "wceb":
            entry.update(page_type="article" if page_id == "page-a" else "forum",
                         title=title, author=None, date=None,
                         **{"with": [paragraphs[0][:60], "Not  on the page"],
                            "without": ["Copyright 2025 Example News", "Home"]})
        truth[page_id] = entry
    text = "\n".join(["Home", "News", "Sport", "Story page-a", *PARAGRAPHS["page-a"],
                      "Share this story", "Copyright 2025 Example News."])
    (root / "text" / "page-a.txt").write_text(text, encoding="utf-8")
    (root / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return root


def _make_bench(root: Path) -> Path:
    """A folder of sets, one of each format, named like the real ones, plus a stray folder."""
    for name in ("wceb", "readability", "scrapinghub"):
        _make_set(root / name, name)
    (root / "notes").mkdir()
    return root


def test_load_set_reads_each_format(tmp_path: Path) -> None:
    bench = _make_bench(tmp_path / "bench")
    plain, readability, wceb = (load_set(bench / n) for n in
                                ("scrapinghub", "readability", "wceb"))
    assert [p.id for p in plain.pages] == ["page-a", "page-b"]
    assert not plain.has_types and not plain.has_snippets
    assert plain.pages[0].url == "https://news.example.org/page-a"
    assert readability.pages[0].url == ""  # null in the truth
    assert readability.pages[0].truth.startswith("The river rose")
    a, b = wceb.pages
    assert wceb.has_types and wceb.has_snippets
    assert (a.page_type, b.page_type) == ("article", "forum")
    assert a.with_snippets[1] == "Not  on the page"
    assert a.without_snippets == ("Copyright 2025 Example News", "Home")
    assert a.text_path == bench / "wceb" / "text" / "page-a.txt" and b.text_path is None
    assert wceb.missing_text == 1 and a.set == "wceb"
    assert [p.id for p in load_set(bench / "wceb", limit=1).pages] == ["page-a"]


def test_set_discovery_and_selection(tmp_path: Path) -> None:
    bench = _make_bench(tmp_path / "bench")
    assert available_sets(bench) == ["scrapinghub", "readability", "wceb"]  # the report order
    assert parse_set_names(["wceb,readability", " wceb ", "scrapinghub"]) == [
        "wceb", "readability", "scrapinghub"]
    assert [s.name for s in select_sets(bench, [])] == ["scrapinghub", "readability", "wceb"]
    assert [s.name for s in select_sets(bench, ["wceb", "scrapinghub"])] == [
        "wceb", "scrapinghub"]
    assert [s.name for s in select_sets(bench / "wceb", [])] == ["wceb"]  # one set folder
    with pytest.raises(SetError, match="unknown set.*goose.*scrapinghub, readability, wceb"):
        select_sets(bench, ["goose"])
    with pytest.raises(SetError, match="single set"):
        select_sets(bench / "wceb", ["readability"])
    with pytest.raises(SetError, match="not a benchmark folder"):
        select_sets(tmp_path / "nope", [])


# --- the command ------------------------------------------------------------------------------


def _eval(*args: str) -> object:
    return CliRunner().invoke(main, ["eval", "--jobs", "1", *args], catch_exceptions=False)


def test_eval_command_scores_every_set_and_writes_per_page_scores(tmp_path: Path) -> None:
    bench = _make_bench(tmp_path / "bench")
    out = tmp_path / "res" / "eval.json"
    result = _eval("--bench", str(bench), "--out", str(out), "--worst", "1")
    assert result.exit_code == 0, result.output
    blocks = result.stdout.split("=== ")[1:]
    assert [b.split(":")[0] for b in blocks] == ["scrapinghub", "readability", "wceb"]
    for block in blocks:
        table = block.split("\n\n")[1].splitlines()
        assert [line.split()[0] for line in table[2:7]] == [
            "cleaner-html", "cleaner-text", "trafilatura-html", "whole-html", "whole-text"]
        assert table[2].endswith("x")  # cleaner-html's speed ratio vs trafilatura
        assert "goals" in block
    wceb = blocks[2]
    assert "F1 per page type" in wceb and "snippet shares per page type" in wceb
    assert "cleaner-text, whole-text: 1 page(s) without a text dump skipped" in wceb
    assert "F1 per page type" not in blocks[0]
    assert "== wceb / cleaner-html: 1 worst pages" in result.stdout
    assert "== scrapinghub / cleaner-text: 1 worst pages" in result.stdout
    assert "/ trafilatura-html:" not in result.stdout  # worst pages only for our systems
    assert "wall time" in result.stdout

    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data["sets"]) == ["scrapinghub", "readability", "wceb"]
    systems = data["sets"]["wceb"]["systems"]
    html = systems["cleaner-html"]
    assert set(html["pages"]) == {"page-a", "page-b"}
    assert html["recall"] > 0.9 and html["pages_per_second"] > 0
    assert html["pages"]["page-a"]["page_type"] == "article"
    # the first `with` snippet is on the page, the second is not; "Home" is in the nav
    assert html["pages"]["page-a"]["with_found"] == 1 and html["snippets"]["with_total"] == 4
    assert systems["whole-html"]["snippets"]["without_share"] == 0.0
    assert set(html["page_types"]) == {"article", "forum"}
    text = systems["cleaner-text"]
    assert list(text["pages"]) == ["page-a"] and text["skipped"] == 1
    assert text["pages"]["page-a"]["error"] is None and text["pages"]["page-a"]["recall"] > 0.9
    assert data["sets"]["wceb"]["catastrophic_pages"] == []
    assert data["sets"]["scrapinghub"]["systems"]["cleaner-html"]["snippets"] is None


def test_set_option_picks_sets_repeated_or_comma_separated(tmp_path: Path) -> None:
    bench = _make_bench(tmp_path / "bench")
    out = tmp_path / "eval.json"
    for args in (["--set", "wceb,readability"], ["--set", "wceb", "--set", "readability"]):
        result = _eval("--bench", str(bench), "--out", str(out), *args)
        assert result.exit_code == 0, result.output
        assert list(json.loads(out.read_text(encoding="utf-8"))["sets"]) == [
            "wceb", "readability"]
    result = CliRunner().invoke(main, ["eval", "--bench", str(bench), "--set", "goose"])
    assert result.exit_code == 2
    assert "goose" in result.output and "scrapinghub" in result.output


def test_eval_command_runs_chosen_systems_on_the_first_pages_in_a_pool(tmp_path: Path) -> None:
    bench = _make_set(tmp_path / "bench")
    out = tmp_path / "eval.json"
    result = CliRunner().invoke(main, ["eval", "--bench", str(bench), "--out", str(out),
                                       "--systems", "cleaner-text,whole-html", "--jobs", "2"])
    assert result.exit_code == 0, result.output
    (only,) = json.loads(out.read_text(encoding="utf-8"))["sets"].values()
    assert list(only["systems"]) == ["cleaner-text", "whole-html"]
    assert list(only["systems"]["whole-html"]["pages"]) == ["page-a", "page-b"]
    assert only["speed_ratio_cleaner_html"] is None and only["catastrophic_pages"] is None
    result = _eval("--bench", str(bench), "--out", str(out), "--systems", "cleaner-text",
                   "--limit", "1")
    (only,) = json.loads(out.read_text(encoding="utf-8"))["sets"].values()
    assert list(only["systems"]["cleaner-text"]["pages"]) == ["page-a"]


def test_a_page_that_raises_is_an_empty_prediction_with_its_error(tmp_path: Path) -> None:
    bench = _make_set(tmp_path / "bench")
    (bench / "html" / "page-a.html.gz").write_bytes(b"not gzip")
    out = tmp_path / "eval.json"
    result = _eval("--bench", str(bench), "--out", str(out),
                   "--systems", "cleaner-html,cleaner-text")
    assert result.exit_code == 0, result.output
    (only,) = json.loads(out.read_text(encoding="utf-8"))["sets"].values()
    page = only["systems"]["cleaner-html"]["pages"]["page-a"]
    assert "BadGzipFile" in page["error"] and page["recall"] == 0.0
    text = only["systems"]["cleaner-text"]["pages"]["page-a"]  # its dump reads fine
    assert text["error"] is None and text["recall"] > 0.9
    assert only["systems"]["cleaner-html"]["pages"]["page-b"]["error"] is None


def _stall(page: BenchPage, inputs: object) -> str:
    time.sleep(30)
    return "never"


def test_a_page_over_the_time_limit_is_an_error_and_the_run_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SYSTEMS, "cleaner-html", System("cleaner-html", "html", _stall))
    page = load_set(_make_set(tmp_path / "bench")).pages[0]
    started = time.perf_counter()
    stalled, whole = run_page(PageTask(page, ("cleaner-html", "whole-html"), timeout=0.2))
    assert time.perf_counter() - started < 5
    assert stalled.error == "PageTimeout: over 0.2 s" and stalled.prediction == ""
    assert 0.2 <= stalled.seconds < 5
    assert whole.error is None and whole.score.recall == 1.0


def test_missing_bench_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["eval", "--bench", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "not a benchmark folder" in result.output


def test_unknown_system_is_a_usage_error(tmp_path: Path) -> None:
    bench = _make_set(tmp_path / "bench")
    result = CliRunner().invoke(main, ["eval", "--bench", str(bench), "--systems", "goose"])
    assert result.exit_code == 2
    assert "goose" in result.output and "cleaner-html" in result.output


@pytest.mark.skipif(not (BENCH / "ground-truth.json").is_file(), reason="no ../shared/bench")
def test_real_bench_first_pages(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    result = CliRunner().invoke(main, ["eval", "--bench", str(BENCH.parent), "--limit", "3",
                                       "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    sets = json.loads(out.read_text(encoding="utf-8"))["sets"]
    assert list(sets) == ["scrapinghub", "readability", "wceb"]
    for name, system in sets["scrapinghub"]["systems"].items():
        assert len(system["pages"]) == 3, name
        assert system["f1"] > 0.5, name


def test_the_default_bench_is_the_shared_folder_next_to_the_repo() -> None:
    """`make eval` and `make train` read ../shared/bench when no --bench is given: the
    path must follow the package's layout (it broke once when eval moved a folder down)."""
    from cleaner.eval.sets import bench_root

    repo = Path(__file__).resolve().parent.parent
    assert bench_root() == repo.parent / "shared" / "bench"
