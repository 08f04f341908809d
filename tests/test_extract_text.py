"""The text-dump classifier against hand-checked dumps: the seeds and our fixtures."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, SEEDS, load_expected

from cleaner.extract.lines import is_glued_teaser, line_features
from cleaner.extract.text import classify
from cleaner.lang.language import guess

SEED_EXPECTED = load_expected(FIXTURES / "seeds")
DUMP_EXPECTED = load_expected(FIXTURES / "dumps")


def _check(result, expected: dict) -> None:
    kept = [b.text for b in result.blocks if b.in_body]
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
    kept = [b.text for b in result.blocks if b.in_body]
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
    kept = [b.text for b in result.blocks if b.in_body]
    assert set(rows) <= set(kept)
    assert "Privacy" not in kept


# --- structural rules, on small inline dumps ---------------------------------------------------

#: Story paragraphs: long, stop-word rich, ending like sentences.
STORY = [
    "The town council voted on Tuesday to reopen the old ferry line across the bay, which "
    "closed twenty years ago when the last boat was sold to a company in the south.",
    "Members said the new service would run every hour in the summer and twice a day in "
    "the winter, and that tickets would cost about the same as a bus fare to the city.",
    "The first boat is expected to arrive in the spring, and the council hopes that the "
    "line will take some of the traffic off the coast road during the busy tourist season.",
    "People who live near the harbour said they were glad to hear the news, although some "
    "of them were worried about the noise of the engines early in the morning.",
    "A public meeting about the timetable will be held at the library next month, and "
    "anyone who wants to take part can register on the council website until then.",
]
TITLE = "Council votes to reopen the ferry line across the bay"


def _kept(result) -> list[str]:
    return [b.text for b in result.blocks if b.in_body]


def _reasons(result) -> dict[str, str | None]:
    return {b.text: b.reason for b in result.blocks if not b.kept}


def test_related_box_inside_the_story_does_not_end_it() -> None:
    box = ["Related articles", "Bus fares to rise in the new year", "Harbour wall repairs begin"]
    dump = "\n".join(["Home", "News", TITLE, *STORY[:2], *box, *STORY[2:], "Privacy policy"])
    result = classify(dump)
    assert _kept(result) == STORY
    assert _reasons(result)["Bus fares to rise in the new year"] == "teaser"
    assert _reasons(result)["Related articles"] == "related-list"


def test_related_list_of_headlines_and_snippets_after_the_story_stays_out() -> None:
    river = [
        "Related",
        "Storm damages the harbour wall",
        "Waves broke over the old harbour wall on Sunday night and damaged several of the "
        "boats that were tied up along the quay near the fish market.",
        "Bus fares to rise in the new year",
        "The regional transport company said on Monday that the price of a single ticket "
        "would go up by ten cents from the first of January next year.",
    ]
    result = classify("\n".join([TITLE, *STORY[:3], *river]))
    assert _kept(result) == STORY[:3]


def test_gallery_captions_shown_twice_are_removed() -> None:
    caption = ("The mayor, left, speaks with ferry workers at the harbour on Tuesday, "
               "Nov. 4, 2021, in the old town.")
    gallery = [caption, caption, "Photo: Jane Roe", "Image 1 of 6", "Caption", "Close",
               caption, "Photo: Jane Roe", "Back to Gallery"]
    result = classify("\n".join([TITLE, *gallery, *STORY[:3]]))
    assert _kept(result) == STORY[:3]
    assert _reasons(result)[caption] == "caption"


def test_a_sentence_repeated_with_the_story_between_is_kept() -> None:
    quote = "“We waited twenty years for this boat, and we are not going to wait any longer.”"
    dump = "\n".join([TITLE, STORY[0], quote, STORY[1], STORY[2], quote, STORY[3]])
    assert _kept(classify(dump)) == [STORY[0], quote, STORY[1], STORY[2], quote, STORY[3]]


def test_a_gallery_inside_the_story_does_not_split_it() -> None:
    gallery = []
    for n in range(1, 5):
        gallery += [f"Image {n} of 4", "Photo: Jane Roe", "Caption"]
    gallery.append("Back to Gallery")  # 13 caption lines: too long a gap at the chrome cost
    more = [
        "The operator said the boat would carry up to two hundred passengers and forty "
        "bicycles, and that dogs would be welcome on the open deck at the back.",
        "Tickets will go on sale at the harbour office and on the website a month before "
        "the first crossing, with lower prices for children and for students.",
    ]
    result = classify("\n".join([TITLE, *STORY, *gallery, *more]))
    assert _kept(result) == [*STORY, *more]


def test_only_sentences_stay_between_the_headline_and_the_first_paragraph(
    proposal_only: None,
) -> None:
    dump = "\n".join([
        TITLE, "Jane Roe, Associated Press", "Bus fares in the region will rise in January",
        "What the council decided", *STORY[:3],
    ])
    result = classify(dump)
    assert result.title == TITLE
    assert _kept(result) == ["What the council decided", *STORY[:3]]
    assert _reasons(result)["Jane Roe, Associated Press"] == "site-chrome"
    assert _reasons(result)["Bus fares in the region will rise in January"] == "site-chrome"


def test_a_copyright_notice_ends_the_story(proposal_only: None) -> None:
    promo = [
        "Our reporters cover the whole coast every day, and you can read all of their "
        "stories for a small monthly fee that helps to keep local news alive.",
        "Members also get our weekly magazine, invitations to events in the region and a "
        "discount on tickets for the concerts that we organise in the summer.",
    ]
    notice = "© 2024 Example Media Ltd. All rights reserved."
    result = classify("\n".join([TITLE, *STORY[:3], notice, *promo]))
    assert _kept(result) == STORY[:3]


def test_a_thread_of_long_comments_does_not_outscore_a_short_post(proposal_only: None) -> None:
    post = ("This is the place to ask us anything about the ferry project, and we will answer "
            "as many of the questions as we can in the comments below.")
    dump = "\n".join([
        TITLE, post, "Comments",
        "Alex on May 3, 2018 at 6:15 pm said:", *STORY[:3],
        "Maria on May 4, 2018 at 9:02 am said:", *STORY[3:],
    ])
    result = classify(dump)
    assert _kept(result) == [post]
    assert _reasons(result)["Alex on May 3, 2018 at 6:15 pm said:"] == "comments"


def test_a_comment_author_line_ends_the_story_without_a_comments_header(
    proposal_only: None,
) -> None:
    dump = "\n".join([
        TITLE, *STORY[:2], "Sam on June 8, 2019 at 7:30 am said:", *STORY[2:],
    ])
    assert _kept(classify(dump)) == STORY[:2]


def test_a_comments_button_in_a_share_bar_is_not_a_comments_header() -> None:
    notice = ("Market data is provided by an outside company and is delayed by at least "
              "fifteen minutes. Prices are shown for information only and are not an offer "
              "to buy or to sell any of the securities that are listed on this page.")
    bar = ["Facebook", "Twitter", "Comments", "Print", "Email"]
    result = classify("\n".join([notice, *bar, TITLE, *STORY[:3]]))
    assert _kept(result) == STORY[:3]


def test_teaser_cards_with_glued_headlines_are_not_the_body(proposal_only: None) -> None:
    cards = [
        "Police Arrest Two After Break-In At Harbour StoreA man and a woman were arrested "
        "on Monday after a window was smashed at a shop near the quay, police said.",
        "Five Places To Find The Best Fish And Chips In TownHungry? We asked our readers "
        "where to find the best fish and chips, and there were plenty of answers.",
        "Weekend Weather Brings Sunshine Back To The CoastAfter a week of rain the "
        "forecast for the weekend is dry, with plenty of sunshine along the coast.",
        "New Bakery Opens Its Doors On The Market SquareA family bakery that has been in "
        "business for forty years has opened a second shop in the town centre.",
    ]
    result = classify("\n".join(["Latest Headlines", *cards, "News", TITLE, *STORY[:3]]))
    assert _kept(result) == STORY[:3]
    assert _reasons(result)[cards[0]] == "teaser"


@pytest.mark.parametrize(
    ("line", "glued"),
    [
        ("Harbour Ferry Returns After Twenty Years Ashore Next SpringThe council voted on "
         "Tuesday to reopen the line across the bay.", True),
        ("Is The New Ferry Worth The Wait?Residents have waited twenty years for a boat, and "
         "most of them say yes.", True),
        ("The company said its new iPhone case and the McDonald family farm were both sold "
         "in the spring.", False),
        ("Port Ellis (Coast Wire)A slow start to the season worried the ferry operators.",
         False),
    ],
)
def test_glued_teaser_cards(line: str, glued: bool) -> None:
    assert is_glued_teaser(line) is glued


@pytest.mark.parametrize(
    ("line", "truncated"),
    [
        ("Harbour wall collapses after the storm on Sunday [INSIGHT]", True),
        ("Ferry timetable: what changes for passengers in the spring [VIDEO]", True),
        ("[CNET]", False),  # a source credit on its own line
        ("He called the plan “a disaster [sic]” and left the room.", False),
    ],
)
def test_an_upper_case_tag_marks_a_link_to_another_story(line: str, truncated: bool) -> None:
    assert line_features(0, line, guess(line)).truncated is truncated


def test_arabic_question_mark_ends_a_sentence() -> None:
    question = "هل ستصمد الألواح والمضخات طويلاً أمام الرطوبة والملح؟"
    clause = "وقال رئيس البلدية إن المشروع سيكتمل قبل نهاية العام،"
    assert line_features(0, question, guess(question)).sentence
    assert not line_features(0, clause, guess(clause)).sentence
