"""Line rules and the phrase data they compile."""

from __future__ import annotations

import pytest

from cleaner.document import REASONS
from cleaner.lang.dates import find_date, is_dateline
from cleaner.strip import patterns
from cleaner.strip.rules import chrome_reason, fold_for_matching, is_rights_notice


def test_every_pattern_group_is_named_by_a_known_reason_and_not_empty() -> None:
    for groups in (patterns.EXACT, patterns.PREFIX, patterns.SEARCH):
        for reason, phrases in groups.items():
            assert reason in REASONS
            assert phrases


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Share post:", "share-widget"),
        ("Facebook | Twitter | LinkedIn", "share-widget"),
        ("SUBSCRIBE", "subscribe"),
        ("Please enter your name here", "comment-form"),
        ("12 Comments", "comment-form"),
        ("» Related Articles", "related-list"),
        ("Also read: Apple stays invested in China", "also-read"),
        ("Lesen Sie auch: Die Bahn erhöht die Preise", "also-read"),
        ("Читайте также: Новости дня", "also-read"),
        ("Source link", "source-link"),
        ("We use cookies to give you the best experience on our site.", "cookie-notice"),
        ("Thanks for signing up!", "newsletter"),
        ("spot_imgspot_img", "template-junk"),
        ("Image 3 of 12", "caption"),
        ("Posts: 214", "site-chrome"),
        ("Page 1 of 2", "navigation"),
    ],
)
def test_chrome_lines_are_recognised(line: str, reason: str) -> None:
    assert chrome_reason(line) == reason


@pytest.mark.parametrize(
    "line",
    [
        "The council said it would share the cost of the new bridge with the county.",
        "Read more about the river in our archive of stories from the last ten years and beyond.",
        "Subscribers to the paper were told about the change on Monday.",
        "The print edition is out",
        "Related research has shown that the effect is small but real in older patients.",
    ],
)
def test_prose_is_not_chrome(line: str) -> None:
    assert chrome_reason(line) is None


def test_fold_for_matching_strips_decoration() -> None:
    assert fold_for_matching("  » Share post: ") == "share post"
    assert fold_for_matching("Comments (12)") == "comments"


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("Monday, November 10, 2025", "2025-11-10"),
        ("Nov 19, 2019, 10:31 pm CST", "2019-11-19"),
        ("10. März 2024", "2024-03-10"),
        ("22 de enero de 2018", "2018-01-22"),
        ("2024年3月5日", "2024-03-05"),
        ("13/06/2014", "2014-06-13"),
        ("05/06/2014", None),
        ("12 of 30", None),
    ],
)
def test_find_date(line: str, iso: str | None) -> None:
    assert find_date(line) == iso


def test_dateline_is_short_and_not_a_sentence() -> None:
    assert is_dateline("By Jane Doe", 3)
    assert is_dateline("Updated 10:32 AM EST, Tue March 5, 2024", 8)
    assert not is_dateline("On November 10, 2025 the council met to vote on the plan.", 12)


# --- captions, comment authors, rights notices, Arabic -----------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        # gallery furniture and captions that carry their credit
        ("3of8A fisherman mends his nets on the quay at dawn", "caption"),
        ("The old lighthouse above the harbour at dawn (Image: Getty)", "caption"),
        ("Ferry workers repair the landing stage in March [File: Reuters]", "caption"),
        ("Back to Gallery", "caption"),
        ("Image 1 of / 5", "caption"),
        # a comment's author line with the date first
        ("Maria Lopez on October 2, 2017 at 8:05 am said:", "comments"),
        ("Catherine (Staff) on May 3, 2019 said:", "comments"),
        # Arabic chrome: share buttons, newsletter box, menu, footer, tags
        ("واتساب", "share-widget"),
        ("اشترك في النشرة البريدية", "newsletter"),
        ("احصل على أهم الأخبار في بريدك الإلكتروني كل صباح.", "newsletter"),
        ("تخطى إلى المحتوى", "navigation"),
        ("سياسة الخصوصية", "site-chrome"),
        ("الوسوم: مياه، طاقة شمسية", "site-chrome"),
    ],
)
def test_more_chrome_lines_are_recognised(line: str, reason: str) -> None:
    assert chrome_reason(line) == reason


@pytest.mark.parametrize(
    "line",
    [
        "The photo (taken in 1920) shows the old bridge over the river before the flood.",
        "Two of 4 residents said they would use the new ferry at least once a week.",
        "Speaking to reporters on Tuesday, March 5, 2019, the mayor said:",
        "وقال رئيس البلدية إن المشروع سيكتمل قبل نهاية العام المقبل.",
    ],
)
def test_more_prose_is_not_chrome(line: str) -> None:
    assert chrome_reason(line) is None


@pytest.mark.parametrize(
    ("line", "notice"),
    [
        ("© 2019 Example Media Inc. All Rights Reserved.", True),
        ("Copyright 2024 Harbour News", True),
        ("© 2024 صحيفة الساحل اليوم. جميع الحقوق محفوظة.", True),
        ("© Reuters", False),  # a photo credit
        ("The band said the copyright dispute that began in 2015 was settled last week.", False),
    ],
)
def test_rights_notices(line: str, notice: bool) -> None:
    assert is_rights_notice(line) is notice


def test_arabic_dates_and_bylines() -> None:
    assert find_date("الأحد 10 مارس 2024 - 09:15") == "2024-03-10"
    assert is_dateline("بقلم سلمى الحداد", 3)
    assert not is_dateline("بدأت محطة صغيرة في تزويد القرية بالمياه في 10 مارس 2024.", 10)
