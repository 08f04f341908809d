"""The library contract: clean() on str and bytes, Document fields, Deduper.add."""

from __future__ import annotations

import pytest
from conftest import SEEDS

from cleaner import REASONS, Deduper, Verdict, clean
from cleaner.inputs.decode import DecodeError

SEED = SEEDS / "000_1dc8f56cb09fc03a.txt"


def test_clean_str_and_bytes_agree() -> None:
    text = SEED.read_text(encoding="utf-8")
    a, b = clean(text), clean(text.encode("utf-8"))
    assert a.text == b.text and a.title == b.title and a.id == b.id
    assert b.meta["encoding"] in ("utf-8", "utf_8")


def test_bytes_in_a_legacy_charset_are_decoded() -> None:
    page = ("<html><head><meta charset='windows-1252'><title>Caf\xe9 owners protest</title>"
            "</head><body><article><h1>Caf\xe9 owners protest</h1>"
            + "<p>The caf\xe9 owners of the old town said on Monday that the new rules would "
              "force many of them to close their terraces for most of the summer season.</p>" * 3
            + "</article></body></html>")
    doc = clean(page.encode("cp1252"))
    assert "café owners of the old town" in doc.text


def test_document_fields_follow_the_contract() -> None:
    doc = clean(SEED.read_text(encoding="utf-8"), url="https://example.org/x")
    assert doc.kind == "text" and doc.url == "https://example.org/x"
    assert doc.title and doc.title not in doc.text
    assert doc.date == "2025-11-10"
    assert doc.text == "\n\n".join(b.text for b in doc.blocks if b.kept and b.kind != "title")
    for block in doc.blocks:
        assert block.kept == (block.reason is None)
        assert block.reason is None or block.reason in REASONS


def test_kind_can_be_forced_and_is_validated() -> None:
    html_as_text = clean("<p>Just a line about a tag</p>", kind="text")
    assert html_as_text.kind == "text"
    with pytest.raises(ValueError):
        clean("x", kind="pdf")


def test_empty_input_is_refused_with_a_clear_error() -> None:
    with pytest.raises(DecodeError, match="empty|no text"):
        clean(b"")
    with pytest.raises(DecodeError):
        clean("   \n ")


def test_block_remove_refuses_unknown_reasons() -> None:
    doc = clean(SEED.read_text(encoding="utf-8"))
    with pytest.raises(ValueError):
        doc.blocks[0].remove("because")


STORY = (
    "The city council voted on Tuesday to fund two new passenger ferries for the harbour, "
    "ending a year of debate over how to cut the queues at the old terminal. The vessels will "
    "carry two hundred and fifty people each and will run every twenty minutes at rush hour, "
    "the transport office said, adding that fares would not change before the next election."
)


def test_deduper_add_answers_the_earlier_copy() -> None:
    deduper = Deduper(threshold=0.8, num_perm=128)
    assert deduper.add("first", STORY) is None
    match = deduper.add("copy", STORY.replace("Tuesday", "Wednesday"))
    assert match is not None and match.doc_id == "first" and match.similarity >= 0.8
    assert deduper.add("other", "A completely different story about a bakery. " * 5) is None


def test_deduper_cluster_keeps_the_longest() -> None:
    result = Deduper().cluster([("short", STORY), ("long", STORY + " Updated: 10:30.")])
    assert result["short"].duplicate_of == "long"
    assert result["long"] == Verdict(None, None, "long")


def test_deduper_validates_its_arguments() -> None:
    with pytest.raises(ValueError):
        Deduper(threshold=0)
    with pytest.raises(ValueError):
        Deduper(num_perm=2)
