"""Tests for cleaner.dedup: shingling, signatures, clustering and the Deduper.

Every duplicate / not-duplicate expectation is first checked against the exact
Jaccard similarity of the shingle sets (`exact_jaccard`), so the inputs are
known to sit clearly on one side of the threshold before the MinHash estimate
is asked about them.
"""

from __future__ import annotations

import doctest
import importlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cleaner.dedup import Deduper, Match, Verdict
from cleaner.dedup.bands import band_keys, choose_bands
from cleaner.dedup.cluster import UnionFind
from cleaner.dedup.shingles import comparable_tokens, shingles
from cleaner.dedup.signatures import exact_jaccard as set_jaccard
from cleaner.dedup.signatures import minhash_values, shingle_set

RIVER = (
    "The river that runs through the old market town rose by almost two metres "
    "overnight after three days of heavy rain across the northern hills. Council "
    "workers spent the early hours stacking sandbags along the quay while volunteers "
    "helped shop owners carry stock to upper floors. By morning the footbridge near "
    "the church had been closed and the main road to the station was under water in "
    "two places. Forecasters expect the rain to ease by Thursday, but warned that the "
    "level downstream could keep rising for another day as water drains from the "
    "surrounding fields. Residents who need help moving belongings can call the town "
    "hall, which has opened its main room as a rest centre with hot food, blankets and "
    "a place to charge phones."
)

LIBRARY = (
    "A small lending library has opened in a converted phone box on the corner of "
    "Mill Lane, stocked entirely with books donated by neighbours. The idea came from "
    "a retired teacher who noticed how many of her friends had shelves of novels they "
    "would never read again. Within a week of opening, the shelves had been emptied "
    "and refilled twice, and children from the primary school have started leaving "
    "handwritten reviews tucked inside the covers. There are no cards, no fines and no "
    "opening hours; borrowers are simply asked to bring a book back when they take "
    "one. The parish council has agreed to pay for a new coat of paint and a light so "
    "the box can be used after dark during the winter months."
)

BOILERPLATE = "Sign up to our weekly newsletter for the best local stories every Friday morning."

# About 120 characters of Japanese news prose: no spaces between words.
JAPANESE = (
    "東京都は今日、来年の春から市内のすべての公立図書館で開館時間を延長すると発表した。"
    "平日は午後九時まで、週末は午後七時まで利用できるようになる。"
    "都の担当者によると、仕事帰りの利用者から要望が多く寄せられていたという。"
    "新しい時間帯には職員を増やし、学習室も夜間に開放する予定だ。"
)

OTHER_JAPANESE = (
    "大阪市の動物園では、先月生まれたキリンの赤ちゃんが初めて一般に公開された。"
    "朝から多くの家族連れが訪れ、母親のそばで歩く姿に歓声が上がった。"
    "園によると、赤ちゃんは順調に育っており、名前は来月投票で決める予定だという。"
)


def exact_jaccard(a: str, b: str) -> float:
    """Exact Jaccard similarity of two texts' shingle sets (the truth MinHash estimates)."""
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def kept(doc_id: str) -> Verdict:
    """The verdict of a document its cluster keeps (or that stands alone)."""
    return Verdict(None, None, doc_id)


def replace_word(text: str, index: int, new: str) -> str:
    words = text.split(" ")
    words[index] = new
    return " ".join(words)


# --- shingles ------------------------------------------------------------------------------


def test_comparable_tokens_folds_case_width_and_punctuation() -> None:
    assert comparable_tokens("Hello,  WORLD!\nStraße — ＡＢＣ") == [
        "hello", "world", "strasse", "abc"]


def test_comparable_tokens_keeps_combining_marks_inside_words() -> None:
    # Python's \w alone would split these words at every vowel sign.
    assert comparable_tokens("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]
    assert comparable_tokens("ที่นี่") == ["ที่นี่"]


def test_word_shingles_are_five_word_ngrams() -> None:
    assert shingles("The cat sat on the mat, again.") == {
        "the cat sat on the",
        "cat sat on the mat",
        "sat on the mat again",
    }


def test_short_text_falls_back_to_one_shingle() -> None:
    assert shingles("Hi there") == {"hi there"}
    assert shingles("one two three", n=2) == {"one two", "two three"}
    assert shingles("one") == {"one"}


def test_empty_and_punctuation_only_text_have_no_shingles() -> None:
    assert shingles("") == set()
    assert shingles("  ... !!! — ") == set()


def test_shingle_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        shingles("some text", n=0)


def test_unspaced_script_uses_character_shingles() -> None:
    assert shingles("東京都は 日本の、首都です。") == {
        "東京都は日",
        "京都は日本",
        "都は日本の",
        "は日本の首",
        "日本の首都",
        "本の首都で",
        "の首都です",
    }


def test_thai_and_other_unspaced_scripts_use_character_shingles_too() -> None:
    # Not only Han and kana: Thai is written without spaces between words as well.
    text = "วันนี้ฝนตกหนักมาก ถนนหลายสายในกรุงเทพน้ำท่วม"
    joined = "".join(comparable_tokens(text))
    assert shingles(text) == {joined[i : i + 5] for i in range(len(joined) - 4)}


def test_mostly_latin_text_with_a_few_han_characters_keeps_word_shingles() -> None:
    assert shingles("Mayor Li 李 said the bridge will reopen") == {
        "mayor li 李 said the",
        "li 李 said the bridge",
        "李 said the bridge will",
        "said the bridge will reopen",
    }


# --- signatures ----------------------------------------------------------------------------


def test_signature_is_stable_across_processes() -> None:
    """Python salts str hashes per process; signatures must not depend on that."""
    code = (
        "import json; from cleaner.dedup.signatures import minhash_values, shingle_set; "
        f"print(json.dumps(minhash_values(shingle_set({RIVER!r})).tolist()))"
    )
    runs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=Path(__file__).resolve().parents[1],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        runs.append(json.loads(out))
    assert runs[0] == runs[1] == minhash_values(shingle_set(RIVER)).tolist()


# --- union-find and keepers ----------------------------------------------------------------


def test_union_find_roots_are_smallest_member_whatever_the_union_order() -> None:
    uf = UnionFind(6)
    assert uf.union(1, 3) == 1
    assert uf.union(5, 4) == 4
    assert uf.union(4, 3) == 1
    assert [uf.find(i) for i in range(6)] == [0, 1, 2, 1, 1, 1]
    assert uf.groups() == [[0], [1, 3, 4, 5], [2]]


def test_union_find_grows_one_singleton_at_a_time() -> None:
    uf = UnionFind()
    assert [uf.add(), uf.add(), uf.add()] == [0, 1, 2]
    uf.union(2, 0)
    assert uf.groups() == [[0, 2], [1]]


# --- Deduper: arguments --------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": 0},
        {"threshold": -0.5},
        {"threshold": 1.01},
        {"threshold": float("nan")},
        {"threshold": "0.8"},
        {"threshold": True},
        {"num_perm": 8},
        {"num_perm": 0},
        {"num_perm": 64.0},
        {"num_perm": True},
    ],
)
def test_bad_arguments_raise_value_error(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        Deduper(**kwargs)


@pytest.mark.parametrize("threshold, num_perm", [(1.0, 128), (0.99, 16), (0.01, 16)])
def test_edge_settings_still_find_identical_copies(threshold: float, num_perm: int) -> None:
    # datasketch's own optimiser refuses these LSH settings; we fall back to two bands.
    deduper = Deduper(threshold=threshold, num_perm=num_perm)
    assert deduper.add("a", RIVER) is None
    assert deduper.add("b", RIVER) == Match("a", 1.0)


def test_lsh_shortlists_nearly_all_pairs_above_the_threshold() -> None:
    """LSH must not be the bottleneck: a pair at or above the threshold has to
    share a band. (With datasketch's default banding about 40% of pairs at
    J~0.8 would never reach verification.)"""
    bands, rows = choose_bands(0.8, 128)
    vocabulary = sorted(set(comparable_tokens(f"{RIVER} {LIBRARY}")))
    above = found = 0
    for seed in range(60):  # unrelated 120-word texts, each with two words replaced
        rng = random.Random(seed)
        words = [rng.choice(vocabulary) for _ in range(120)]
        original = shingle_set(" ".join(words))
        words[30], words[90] = "alpha", "omega"
        edited = shingle_set(" ".join(words))
        if set_jaccard(original, edited) >= 0.8:
            above += 1
            keys = band_keys(np.stack([minhash_values(original), minhash_values(edited)]),
                             bands, rows)
            found += bool((keys[0] == keys[1]).any())
    assert above >= 30
    assert found == above


# --- Deduper.add ---------------------------------------------------------------------------


def test_identical_texts_are_duplicates() -> None:
    deduper = Deduper()
    assert deduper.add("first", RIVER) is None
    assert deduper.add("second", RIVER) == Match(doc_id="first", similarity=1.0)


def test_two_words_changed_is_still_a_duplicate() -> None:
    edited = replace_word(replace_word(RIVER, 30, "pensioners"), 80, "Tuesday")
    assert edited != RIVER
    assert 0.8 < exact_jaccard(RIVER, edited) < 0.95
    deduper = Deduper(threshold=0.8)
    deduper.add("original", RIVER)
    match = deduper.add("edited", edited)
    assert match is not None and match.doc_id == "original"
    assert 0.8 <= match.similarity < 1.0


def test_articles_sharing_only_boilerplate_are_not_duplicates() -> None:
    a, b = f"{RIVER} {BOILERPLATE}", f"{LIBRARY} {BOILERPLATE}"
    assert 0.0 < exact_jaccard(a, b) < 0.1
    deduper = Deduper()
    assert deduper.add("river", a) is None
    assert deduper.add("library", b) is None


def test_punctuation_case_and_spacing_do_not_matter() -> None:
    shouted = RIVER.upper().replace(",", "").replace(". ", "!\n\n  ").replace(" the ", " the  ")
    deduper = Deduper()
    deduper.add("plain", RIVER)
    assert deduper.add("shouted", shouted) == Match("plain", 1.0)


def test_short_texts_match_only_when_equal_after_normalising() -> None:
    deduper = Deduper()
    assert deduper.add("a", "Road closed.") is None
    assert deduper.add("b", "road CLOSED!") == Match("a", 1.0)
    assert deduper.add("c", "Road open.") is None


def test_japanese_copy_with_edits_is_found_by_character_shingles() -> None:
    # One character changed and the punctuation dropped: a whitespace-split word
    # shingle would see one different giant token and miss it entirely.
    copy = JAPANESE.replace("九", "十").replace("、", "").replace("。", " ")
    assert 0.8 < exact_jaccard(JAPANESE, copy) < 1.0
    deduper = Deduper()
    assert deduper.add("tokyo", JAPANESE) is None
    assert deduper.add("osaka", OTHER_JAPANESE) is None
    match = deduper.add("tokyo-copy", copy)
    assert match is not None and match.doc_id == "tokyo"


def test_add_returns_the_most_similar_earlier_document() -> None:
    edited = replace_word(RIVER, 40, "firefighters")
    deduper = Deduper()
    deduper.add("original", RIVER)
    assert deduper.add("edited", edited).doc_id == "original"
    # An exact copy of the edited version is closer to it than to the original.
    assert deduper.add("copy-of-edited", edited) == Match("edited", 1.0)


def test_add_breaks_similarity_ties_by_earliest_added() -> None:
    deduper = Deduper()
    deduper.add("first", LIBRARY)
    deduper.add("second", LIBRARY)
    assert deduper.add("third", LIBRARY) == Match("first", 1.0)


def test_add_breaks_equal_similarity_by_earliest_added() -> None:
    # Two different one-word edits, equally close to the original.
    first, second = replace_word(RIVER, 0, "charlie"), replace_word(RIVER, -1, "bravo")
    original = shingle_set(RIVER)
    sims = [set_jaccard(original, shingle_set(text)) for text in (first, second)]
    assert sims[0] == sims[1] < 1.0
    deduper = Deduper()
    deduper.add("first", first)
    deduper.add("second", second)
    assert deduper.add("original", RIVER) == Match("first", sims[0])


def test_lsh_candidates_below_the_threshold_are_rejected() -> None:
    """An LSH shortlist is not a verdict: this pair collides in a band but
    estimates well under 0.8, so it must not be called a duplicate."""
    edited = RIVER
    for k in range(5):  # five words replaced, 11 words apart
        edited = replace_word(edited, k * 11, f"zz{k}")
    bands, rows = choose_bands(0.8, 128)
    keys = band_keys(np.stack([minhash_values(shingle_set(t)) for t in (RIVER, edited)]),
                     bands, rows)
    assert (keys[0] == keys[1]).any()  # an LSH candidate ...
    assert exact_jaccard(RIVER, edited) < 0.75  # ... well below the threshold
    deduper = Deduper(threshold=0.8)
    deduper.add("original", RIVER)
    assert deduper.add("edited", edited) is None
    assert Deduper(threshold=0.8).cluster([("a", RIVER), ("b", edited)]) == {"a": kept("a"),
                                                                             "b": kept("b")}


def test_add_rejects_a_repeated_id() -> None:
    deduper = Deduper()
    deduper.add("a", RIVER)
    with pytest.raises(ValueError, match="'a'"):
        deduper.add("a", LIBRARY)


def test_empty_text_is_never_a_duplicate_and_never_matched() -> None:
    deduper = Deduper()
    assert deduper.add("e1", "") is None
    assert deduper.add("e2", "") is None
    assert deduper.add("e3", " ... — !") is None
    assert deduper.add("real", RIVER) is None
    assert len(deduper) == 4 and "e2" in deduper


# --- Deduper.cluster -----------------------------------------------------------------------


def test_cluster_keeps_the_longest_text() -> None:
    longer = f"{RIVER} Updated at noon with the latest road closures."
    assert exact_jaccard(RIVER, longer) > 0.8
    result = Deduper().cluster([("short", RIVER), ("other", LIBRARY), ("long", longer)])
    assert list(result) == ["short", "other", "long"]
    assert result["long"] == kept("long")
    assert result["other"] == kept("other")
    assert result["short"].duplicate_of == "long"
    assert 0.8 <= result["short"].similarity < 1.0


def test_cluster_breaks_length_ties_by_input_order() -> None:
    same_length = RIVER.replace("Thursday", "Saturday")
    assert len(same_length) == len(RIVER)
    result = Deduper().cluster([("b", same_length), ("a", RIVER), ("c", RIVER)])
    assert result["b"] == kept("b")
    assert result["a"].duplicate_of == "b"
    assert result["c"] == Verdict("b", result["a"].similarity, "b")


def test_cluster_is_transitive_and_reports_the_real_similarity() -> None:
    # a~b and b~c, but a and c alone are below the threshold.
    a = RIVER
    b = replace_word(replace_word(a, 20, "X1"), 60, "X2")
    c = replace_word(replace_word(b, 40, "X3"), 100, "X4") + " Updated at noon."
    assert len(c) > len(a) > len(b)
    assert exact_jaccard(a, b) > 0.8 and exact_jaccard(b, c) > 0.8
    assert exact_jaccard(a, c) < 0.75
    result = Deduper(threshold=0.8).cluster([("a", a), ("b", b), ("c", c)])
    assert result["c"] == kept("c")  # the longest
    assert result["b"].duplicate_of == "c"
    assert result["a"].duplicate_of == "c"
    assert result["a"].similarity < 0.8
    assert result["a"].similarity == exact_jaccard(a, c)


def test_cluster_is_deterministic() -> None:
    docs = [
        ("r1", RIVER),
        ("l1", LIBRARY),
        ("r2", RIVER.lower()),
        ("l2", f"{LIBRARY} Photos by the author."),
        ("e", ""),
        ("r3", replace_word(RIVER, 50, "swiftly")),
    ]
    first = Deduper().cluster(docs)
    second = Deduper().cluster(list(docs))
    assert first == second
    assert [r.duplicate_of for r in first.values()] == ["r3", "l2", "r3", None, None, None]


def test_many_exact_copies_all_point_at_the_first() -> None:
    docs = [(f"copy{i}", RIVER) for i in range(300)] + [("other", LIBRARY)]
    result = Deduper().cluster(docs)
    assert result["copy0"] == kept("copy0") and result["other"] == kept("other")
    assert all(result[f"copy{i}"] == Verdict("copy0", 1.0, "copy0") for i in range(1, 300))
    deduper = Deduper()
    matches = [deduper.add(doc_id, text) for doc_id, text in docs]
    assert matches[0] is None and matches[-1] is None
    assert set(matches[1:-1]) == {Match("copy0", 1.0)}


def test_cluster_leaves_empty_texts_alone_and_rejects_repeated_ids() -> None:
    assert Deduper().cluster([("a", ""), ("b", "")]) == {"a": kept("a"), "b": kept("b")}
    with pytest.raises(ValueError, match="'x'"):
        Deduper().cluster([("x", RIVER), ("x", LIBRARY)])


def test_cluster_does_not_touch_the_streaming_index() -> None:
    deduper = Deduper()
    deduper.add("streamed", RIVER)
    assert deduper.cluster([("batch", RIVER)]) == {"batch": kept("batch")}
    assert "batch" not in deduper


# --- docstring examples --------------------------------------------------------------------


@pytest.mark.parametrize(
    "module", ["cleaner.dedup", "cleaner.dedup.shingles", "cleaner.dedup.cluster",
               "cleaner.dedup.config", "cleaner.dedup.batch", "cleaner.dedup.deduper",
               "cleaner.lang.scripts"]
)
def test_docstring_examples(module: str) -> None:
    failures, tried = doctest.testmod(importlib.import_module(module))
    assert tried and not failures
