"""The compiled signing kernel against its Python twin, and the signature version.

`cleaner.dedup._fastsign` (C) and `signatures.reference_sign` implement one
algorithm; an index records which one made its signatures, and an index of
another version is refused rather than silently matching nothing.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.cli import main
from cleaner.dedup import Deduper, DedupIndexError, kernel
from cleaner.dedup.signatures import (
    exact_jaccard,
    permutations,
    reference_sign,
    shingle_set,
    sign_texts,
)

#: Characters of every kind the kernel treats differently: ASCII word and non-word
#: bytes, case, accents and combining marks, compatibility forms, unspaced scripts,
#: characters outside the BMP and a lone surrogate.
ALPHABET = list("abcXYZ09_ ,.-\n\t") + ["é", "ß", "İ", "東", "京", "ि", "ا", "ℌ", "Ａ",
                                          "\u0301", "😀", "\ud800", "ไ", "\x00"]


def test_the_kernel_is_built() -> None:
    """`make install` (pip) builds it; without it everything still works, slower, and
    every test here would only compare the reference with itself."""
    assert kernel.COMPILED, "cleaner/dedup/_fastsign.c was not built: pip install -e . again"


def test_without_the_kernel_the_results_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["The cat sat on the mat today.", "", "東京都は日本の首都です", "Ünïcode wörds hère"]
    sets, sigs = sign_texts(texts)
    monkeypatch.setattr(kernel, "COMPILED", False)
    slow_sets, slow_sigs = sign_texts(texts)
    assert all(np.array_equal(x, y) for x, y in zip(sets, slow_sets, strict=True))
    assert np.array_equal(sigs, slow_sigs)
    monkeypatch.setattr(kernel, "_fastsign", None)
    a, b = np.array([1, 2, 5], dtype=np.uint64), np.array([2, 5, 9], dtype=np.uint64)
    assert kernel.common(a, b) == 2


def both(texts: list[str]) -> tuple[tuple[list[np.ndarray], np.ndarray],
                                    tuple[list[np.ndarray], np.ndarray]]:
    """(sets, signatures) of the texts by the kernel and by the reference."""
    a, b = permutations()
    prepared = [kernel.prepare(t) for t in texts]
    signed = [reference_sign(data, mode, 5, a, b, seps) for data, mode, seps in prepared]
    return kernel.sign_compiled(prepared, a, b, 5), ([s for s, _ in signed],
                                                     np.array([g for _, g in signed]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.sampled_from(ALPHABET), max_size=400), min_size=1, max_size=8))
def test_the_kernel_gives_the_references_sets_and_signatures(texts: list[str]) -> None:
    (sets, sigs), (ref_sets, ref_sigs) = both(texts)
    assert len(sets) == len(ref_sets) == len(texts)
    for mine, theirs in zip(sets, ref_sets, strict=True):
        assert mine.dtype == np.uint64 and np.array_equal(mine, theirs)
    assert np.array_equal(sigs, ref_sigs)


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(ALPHABET + ["—", "«", "»", "’", "\u00a0", "·", "٫", "€", "²",
                                          "ǅ", "ﬁ", "Ω", "м", "ü"]), max_size=300))
def test_prepared_text_splits_as_comparable_tokens_does(text: str) -> None:
    """What the kernel reads as tokens are `comparable_tokens`' tokens (or, for an
    unspaced script, its characters), whichever way `prepare` hands the text over."""
    from cleaner.dedup.shingles import comparable_tokens
    from cleaner.lang.scripts import is_unspaced

    data, mode, seps = kernel.prepare(text)
    expected = comparable_tokens(text)
    if mode == kernel.CHARS:
        assert is_unspaced(expected)
        expected = list("".join(expected))
    got = [t.lower() for t in kernel.tokens(data, mode, seps)]
    assert got == [t.encode("utf-8", "surrogatepass").lower() for t in expected]


def test_the_kernel_on_edge_texts() -> None:
    texts = ["", " ", ",.;", "a", "A b", "x" * 100_000, "word " * 20_000,
             "東京都は日本の首都です" * 50, "ÉCOLE école", "mixed 東京 text here"]
    (sets, sigs), (ref_sets, ref_sigs) = both(texts)
    for mine, theirs in zip(sets, ref_sets, strict=True):
        assert np.array_equal(mine, theirs)
    assert np.array_equal(sigs, ref_sigs)
    assert len(sets[0]) == 0 and (sigs[0] == 0xFFFFFFFF).all()  # no words, no shingles
    assert len(sets[6]) == 1  # one word repeated: every 5-gram is the same


def test_case_punctuation_and_unicode_forms_do_not_change_the_set() -> None:
    base = "The river rose by two metres overnight, flooding the old town square."
    for variant in (base.upper(), base.replace(",", " ;"), "  " + base + "\n",
                    base.replace("The", "Ｔｈｅ")):
        assert np.array_equal(shingle_set(variant), shingle_set(base)), variant
    # one word edited: the accented text (folded in Python, the kernel's other path) shares
    # with the ASCII one exactly the shingles an ASCII edit of that word leaves
    accented, edited = base.replace("old", "öld"), base.replace("old", "odd")
    assert exact_jaccard(shingle_set(base), shingle_set(accented)) == pytest.approx(
        exact_jaccard(shingle_set(base), shingle_set(edited)))
    assert 0 < exact_jaccard(shingle_set(base), shingle_set(edited)) < 1


def test_a_batch_of_texts_signs_as_each_text_alone() -> None:
    texts = ["The cat sat on the mat today.", "", "東京都は日本の首都です", "Ünïcode wörds hère"]
    sets, sigs = sign_texts(texts)
    for i, text in enumerate(texts):
        alone_sets, alone_sigs = sign_texts([text])
        assert np.array_equal(sets[i], alone_sets[0]) and np.array_equal(sigs[i], alone_sigs[0])


def test_common_counts_shared_values_as_numpy_does() -> None:
    rng = np.random.default_rng(3)
    for size in (0, 1, 7, 500):
        a = np.unique(rng.integers(0, 1000, size, dtype=np.uint64))
        b = np.unique(rng.integers(0, 1000, size * 2, dtype=np.uint64))
        assert kernel.common(a, b) == len(np.intersect1d(a, b, assume_unique=True))


# --- the signature version ------------------------------------------------------------------


def made_by_an_older_release(path: Path) -> None:
    """An index as the releases before signature versions wrote it: no such setting."""
    Deduper(path=str(path)).close()
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM settings WHERE name = 'signature'")


def test_an_index_of_another_signature_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    made_by_an_older_release(path)
    with pytest.raises(DedupIndexError, match="signatures of version 1.*version 2"):
        Deduper(path=str(path))
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO settings VALUES ('signature', '3')")
    with pytest.raises(DedupIndexError, match="version 3"):
        Deduper(path=str(path))


def test_the_command_line_refuses_an_old_index_before_any_work(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    made_by_an_older_release(path)
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "some words here"}) + "\n")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["dedup", str(src), "-o", str(out), "--index", str(path)])
    assert result.exit_code == 2
    assert "version 1" in result.output and "new index file" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_new_index_records_the_version_it_was_made_with(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    Deduper(path=str(path)).close()
    with sqlite3.connect(path) as db:
        held = dict(db.execute("SELECT name, value FROM settings").fetchall())
    assert held["signature"] == str(kernel.SIGNATURE_VERSION)
    Deduper(path=str(path)).close()  # and opens again


def test_character_shingles_are_five_long_whatever_n(monkeypatch: pytest.MonkeyPatch) -> None:
    """n sets the word shingle; an unspaced text is shingled by 5 characters either way,
    and the kernel and the reference agree on it (they did not for n != 5)."""
    texts = ["東京都は日本の首都です" * 3, "the river rose by two metres overnight"]
    sets, sigs = sign_texts(texts, n=3)
    assert np.array_equal(sets[0], sign_texts(texts[:1])[0][0])
    monkeypatch.setattr(kernel, "COMPILED", False)
    slow_sets, slow_sigs = sign_texts(texts, n=3)
    assert all(np.array_equal(x, y) for x, y in zip(sets, slow_sets, strict=True))
    assert np.array_equal(sigs, slow_sigs)
