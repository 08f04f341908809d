"""The benchmark metric on hand-computed cases, the passage finder, and `cleaner eval`."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BENCH

from cleaner.cli import main
from cleaner.eval import (
    PASSAGE_CHARS,
    PageScore,
    corpus_scores,
    score_page,
    shingle_counts,
    tokens,
    unmatched_passages,
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


# --- the command ------------------------------------------------------------------------------

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


def _make_bench(root: Path) -> Path:
    """Two pages in the bench layout; page-b has no text dump, to show per-page errors."""
    (root / "html").mkdir(parents=True)
    (root / "text").mkdir()
    truth = {}
    for page_id, paragraphs in PARAGRAPHS.items():
        title = f"Story {page_id}"
        html = _html(title, paragraphs)
        (root / "html" / f"{page_id}.html.gz").write_bytes(gzip.compress(html.encode("utf-8")))
        truth[page_id] = {"articleBody": "\n\n".join(paragraphs),
                          "url": f"https://news.example.org/{page_id}"}
    text = "\n".join(["Home", "News", "Sport", "Story page-a", *PARAGRAPHS["page-a"],
                      "Share this story", "Copyright 2025 Example News."])
    (root / "text" / "page-a.txt").write_text(text, encoding="utf-8")
    (root / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return root


def test_eval_command_prints_the_table_and_writes_per_page_scores(tmp_path: Path) -> None:
    bench = _make_bench(tmp_path / "bench")
    out = tmp_path / "res" / "eval.json"
    result = CliRunner().invoke(main, ["eval", "--bench", str(bench), "--out", str(out),
                                       "--worst", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    table = result.stdout.split("\n\n")[0]
    for name in ("cleaner-html", "cleaner-text", "trafilatura-html"):
        assert name in table
    assert "x" in table.splitlines()[2]  # the cleaner-html speed ratio vs trafilatura
    assert "== cleaner-html: 1 worst pages" in result.stdout
    assert "== cleaner-text: 1 worst pages" in result.stdout
    assert "trafilatura-html: " not in result.stdout  # worst pages only for our systems
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["systems"]) == {"cleaner-html", "cleaner-text", "trafilatura-html"}
    html = data["systems"]["cleaner-html"]
    assert set(html["pages"]) == {"page-a", "page-b"}
    assert html["recall"] > 0.9 and html["pages_per_second"] > 0
    text_pages = data["systems"]["cleaner-text"]["pages"]
    assert text_pages["page-a"]["error"] is None and text_pages["page-a"]["recall"] > 0.9
    assert "FileNotFoundError" in text_pages["page-b"]["error"]
    assert text_pages["page-b"]["recall"] == 0.0


def test_eval_command_runs_chosen_systems_on_the_first_pages(tmp_path: Path) -> None:
    bench = _make_bench(tmp_path / "bench")
    out = tmp_path / "eval.json"
    result = CliRunner().invoke(main, ["eval", "--bench", str(bench), "--out", str(out),
                                       "--systems", "cleaner-text", "--limit", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data["systems"]) == ["cleaner-text"]
    assert list(data["systems"]["cleaner-text"]["pages"]) == ["page-a"]
    assert data["speed_ratio_cleaner_html"] is None


def test_missing_bench_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["eval", "--bench", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "not a benchmark folder" in result.output


def test_unknown_system_is_a_usage_error(tmp_path: Path) -> None:
    bench = _make_bench(tmp_path / "bench")
    result = CliRunner().invoke(main, ["eval", "--bench", str(bench), "--systems", "goose"])
    assert result.exit_code == 2
    assert "goose" in result.output and "cleaner-html" in result.output


@pytest.mark.skipif(not (BENCH / "ground-truth.json").is_file(), reason="no ../shared/bench")
def test_real_bench_first_pages(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    result = CliRunner().invoke(main, ["eval", "--bench", str(BENCH), "--limit", "3",
                                       "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    systems = json.loads(out.read_text(encoding="utf-8"))["systems"]
    for name, system in systems.items():
        assert len(system["pages"]) == 3, name
        assert system["f1"] > 0.5, name
