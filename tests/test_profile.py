"""Site profile: lines repeated across a site's pages are removed as site-repeat."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import FIXTURES, load_expected

from cleaner import Block, Document, clean
from cleaner.profile import (
    ProfileConfig,
    ProfileLearner,
    body_keys,
    merge_samples,
    profile_of_sample,
    remove_repeats,
    repeats_to_remove,
    sample_pages,
    site_key,
)

SITE = FIXTURES / "site_profile"


def _learn(docs: Sequence[Document]) -> dict[str, set[str]]:
    """The site profile of these pages, learnt as a batch run learns it (in input order)."""
    learner = ProfileLearner()
    for doc in docs:
        learner.add_keys(site_key(doc), body_keys(doc))
    return learner.profile()


def _strip_site_repeats(docs: Sequence[Document]) -> int:
    """What a batch run does with the profile (`cleaner.batch.run`): learn it from
    every page, then remove each page's repeats; returns the blocks removed."""
    profile = _learn(docs)
    removed = 0
    for doc in docs:
        hits = repeats_to_remove(site_key(doc), [b.text for b in doc.body_blocks()], profile)
        remove_repeats(doc, hits)
        removed += len(hits)
    return removed


def _docs() -> list[Document]:
    names = sorted(load_expected(SITE))
    return [
        clean((SITE / n).read_text(encoding="utf-8"), source=str(SITE / n), kind="text")
        for n in names
    ]


def test_site_pages_lose_the_repeated_box_and_keep_their_articles() -> None:
    expected = load_expected(SITE)
    docs = _docs()
    _strip_site_repeats(docs)
    for doc in docs:
        exp = expected[Path(doc.source).name]
        assert doc.title == exp["title"]
        assert doc.text == exp["text"]
        removed = {b.text for b in doc.blocks if not b.kept}
        assert set(exp["removed"]) <= removed


def test_repeats_are_removed_with_their_own_reason() -> None:
    docs = _docs()
    _strip_site_repeats(docs)
    reasons = {b.reason for d in docs for b in d.blocks if not b.kept}
    assert "site-repeat" in reasons


def _doc(i: int, lines: list[str], url: str | None = None) -> Document:
    return Document(id=str(i), kind="text", blocks=[Block(t) for t in lines], url=url,
                    source=f"site/{i}.txt")


def test_copies_of_one_story_are_not_gutted() -> None:
    story = [f"Paragraph {i} of the one story that three sites carried in full." for i in range(5)]
    docs = [_doc(i, story) for i in range(3)]
    assert _strip_site_repeats(docs) == 0
    assert all(b.kept for d in docs for b in d.blocks)


def test_two_pages_are_not_enough_to_learn_from() -> None:
    docs = [_doc(i, ["Support us today.", f"Story {i} text."]) for i in range(2)]
    assert _learn(docs) == {}


def test_profile_samples_merge_to_the_sequential_profile_in_any_order() -> None:
    # the reduction a cluster engine runs: one sample per page, merged in any order
    docs = _docs()
    expected = _learn(docs)
    assert expected  # the fixture has a template to learn
    parts = [sample_pages([(i, site_key(doc), body_keys(doc))]) for i, doc in enumerate(docs)]
    for seed in range(5):
        random.Random(seed).shuffle(parts)
        assert profile_of_sample(merge_samples(merge_samples(*parts[:2]), *parts[2:])) == expected


def test_sites_are_grouped_by_host_before_folder() -> None:
    assert site_key(_doc(1, [], url="https://www.example.org/a")) == "example.org"
    assert site_key(_doc(1, [])) == "folder:site"


def test_bad_config_is_refused() -> None:
    with pytest.raises(ValueError):
        ProfileConfig(min_pages=1)
    with pytest.raises(ValueError):
        ProfileConfig(min_share=0)
