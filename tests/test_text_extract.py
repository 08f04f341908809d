"""The text-dump classifier against hand-checked dumps: the seeds and our fixtures."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, SEEDS, load_expected

from cleaner.extract.text import classify

SEED_EXPECTED = load_expected(FIXTURES / "seeds")
DUMP_EXPECTED = load_expected(FIXTURES / "dumps")


def _check(result, expected: dict) -> None:
    kept = [b.text for b in result.blocks if b.kept and b.kind != "title"]
    removed = {b.text for b in result.blocks if not b.kept}
    assert result.title == expected["title"]
    assert kept == expected["paragraphs"]
    assert "\n\n".join(kept) == expected["text"]
    missing = [line for line in expected["removed"] if line not in removed]
    assert not missing, f"lines that should have been removed: {missing}"
    for block in result.blocks:
        assert block.kept or block.reason, f"removed without a reason: {block.text!r}"


@pytest.mark.parametrize("name", sorted(SEED_EXPECTED))
def test_seed_dump_gives_expected_result(name: str) -> None:
    _check(classify((SEEDS / name).read_text(encoding="utf-8")), SEED_EXPECTED[name])


@pytest.mark.parametrize("name", sorted(DUMP_EXPECTED))
def test_fixture_dump_gives_expected_result(name: str) -> None:
    path = FIXTURES / "dumps" / name
    _check(classify(path.read_text(encoding="utf-8")), DUMP_EXPECTED[name])


def test_seed_removals_carry_the_matching_reasons() -> None:
    result = classify((SEEDS / "000_1dc8f56cb09fc03a.txt").read_text(encoding="utf-8"))
    reasons = {b.text: b.reason for b in result.blocks if not b.kept}
    assert reasons["Share post:"] == "share-widget"
    assert reasons["spot_imgspot_img"] == "template-junk"
    assert reasons["LEAVE A REPLY"] == "comment-form"
    assert reasons["Source link"] == "source-link"
    assert reasons["More like this"] == "related-list"
    assert reasons["Shares of Orkla India Ltd., the parent company of..."] == "teaser"
    also = "Also read: Apple stays invested in China despite $600 billion commitment in the US"
    assert reasons[also] == "also-read"


def test_date_line_above_the_headline_becomes_the_date() -> None:
    result = classify((SEEDS / "000_1dc8f56cb09fc03a.txt").read_text(encoding="utf-8"))
    assert result.date == "2025-11-10"


def test_small_dump(article_text: str) -> None:
    result = classify(article_text)
    assert result.title == "River levels rise across the northern valley"
    kept = [b.text for b in result.blocks if b.kept and b.kind != "title"]
    assert len(kept) == 3 and kept[0].startswith("The river rose")
    reasons = {b.text: b.reason for b in result.blocks if not b.kept}
    assert reasons["Home"] == "navigation"
    assert reasons["By Ana Ruiz"] == "dateline"
    assert reasons["Share post:"] == "share-widget"
    teaser = "Forecasters expect a wet autumn across the country and warn that..."
    assert reasons[teaser] == "teaser"


def test_article_without_chrome_is_kept_whole() -> None:
    paragraphs = [
        "The committee met on Tuesday to discuss the new budget for the city's parks, and "
        "it agreed to plant two hundred trees along the river before the end of the year.",
        "Members said the money would come from a fund that was set up after the storms, "
        "which damaged many of the older trees in the town centre and near the school.",
        "Work will start in the spring, when the ground is soft enough to dig, and local "
        "schools have been invited to help plant the first trees in the eastern park.",
    ]
    result = classify("\n\n".join(paragraphs))
    assert [b.text for b in result.blocks if b.kept] == paragraphs


def test_page_with_no_text_removes_everything_with_reasons() -> None:
    result = classify("Home\nNews\nSport\nContact us")
    assert not any(b.kept for b in result.blocks)
    assert all(b.reason for b in result.blocks)


def test_table_of_results_without_prose_still_gives_a_body() -> None:
    rows = [f"Team {c} (2-1): Player {c} 10 points, 4 rebounds, 3 assists, 2 steals"
            for c in "ABCDE"]
    dump = "\n".join(["Scores", "Home", "Weekend results roundup for the league", *rows, "Privacy"])
    result = classify(dump)
    kept = [b.text for b in result.blocks if b.kept and b.kind != "title"]
    assert set(rows) <= set(kept)
    assert "Privacy" not in kept
