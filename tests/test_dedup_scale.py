"""Dedup at crawl scale: fast signatures, banding, the persistent index, the JSONL step."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from datasketch import LeanMinHash, MinHash, MinHashLSH

from cleaner.cli import main
from cleaner.dedup import Deduper, DedupIndexError, DedupItem
from cleaner.dedup.bands import choose_bands, miss_probability
from cleaner.dedup.buckets import batch_pairs
from cleaner.dedup.shingles import shingles
from cleaner.dedup.signatures import (
    exact_jaccard,
    gram_hashes,
    lean_minhash,
    minhash_batch,
    minhash_values,
    shingle_set,
    sign,
    to_hash32,
    token_hashes,
)
from cleaner.dedup.store import SetStore

ROOT = Path(__file__).resolve().parents[1]
WORDS = [f"{a}{b}" for a in ("ka", "lo", "mi", "ne", "po", "ru", "sa", "te", "vo", "zu")
         for b in ("ba", "de", "fi", "go", "hu", "ja", "ke", "li", "mo", "nu", "pa", "ro")]


def article(seed: int, words: int = 200) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(words))


def edit(text: str, seed: int, count: int) -> str:
    rng = random.Random(seed)
    words = text.split()
    for _ in range(count):
        words[rng.randrange(len(words))] = "edited"
    return " ".join(words)


# --- signatures ----------------------------------------------------------------------------


def test_signature_equals_datasketch_minhash_fed_the_same_hashes() -> None:
    """Interchangeable with datasketch: same permutations, same values."""
    sh = shingle_set(article(1))
    reference = MinHash(num_perm=128, seed=1, hashfunc=lambda value: value)
    for value in to_hash32(sh).tolist():
        reference.update(value)
    assert np.array_equal(minhash_values(sh), reference.hashvalues)
    assert lean_minhash(minhash_values(sh)).jaccard(LeanMinHash(reference)) == 1.0


def test_lean_minhash_works_in_a_datasketch_lsh() -> None:
    a, b, c = article(2), edit(article(2), 3, 2), article(4)
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    lsh.insert("a", lean_minhash(minhash_values(shingle_set(a))))
    assert lsh.query(lean_minhash(minhash_values(shingle_set(b)))) == ["a"]
    assert lsh.query(lean_minhash(minhash_values(shingle_set(c)))) == []


def test_batch_signatures_equal_single_ones_whatever_the_mix() -> None:
    sets = [shingle_set(article(s, words=n)) for s, n in enumerate([3, 40, 600, 1, 90, 2000])]
    sets.append(np.empty(0, dtype=np.uint64))
    batch = minhash_batch(sets)
    for row, sh in zip(batch, sets, strict=True):
        assert np.array_equal(row, minhash_values(sh))


def test_gram_hashes_depend_on_order_and_fall_back_for_short_texts() -> None:
    h = token_hashes(["a", "b", "c", "d", "e", "f"])
    grams = gram_hashes(h, 5)
    assert len(grams) == 2 and grams[0] != grams[1]
    assert gram_hashes(h[::-1], 5)[0] not in set(grams.tolist())
    assert len(gram_hashes(h[:3], 5)) == 1  # three words: one shingle of all three
    assert len(gram_hashes(h[:0], 5)) == 0


def test_exact_jaccard_is_the_set_jaccard_of_the_shingles() -> None:
    a, b = article(5), edit(article(5), 6, 3)
    sa, sb = shingles(a), shingles(b)
    assert exact_jaccard(shingle_set(a), shingle_set(b)) == pytest.approx(
        len(sa & sb) / len(sa | sb))


def test_cjk_text_uses_character_shingles() -> None:
    text = "東京都は日本の首都であり、人口は世界でも最大級の都市である。"
    assert len(shingle_set(text)) == len({text.replace("、", "").replace("。", "")[i:i + 5]
                                          for i in range(len(text) - 6)})


# --- banding -------------------------------------------------------------------------------


def test_bands_put_the_s_curve_well_below_the_threshold() -> None:
    bands, rows = choose_bands(0.8, 128)
    assert bands * rows <= 128
    assert miss_probability(0.8, bands, rows) <= 1e-4
    # datasketch's own choice for 0.8 misses far more pairs right at the threshold
    default = MinHashLSH(threshold=0.8, num_perm=128)
    assert miss_probability(0.8, default.b, default.r) > 0.1


# --- the batch engine ----------------------------------------------------------------------


def corpus() -> list[tuple[str, str]]:
    docs = []
    for family in range(12):
        base = article(100 + family)
        docs.append((f"f{family}-0", base))
        for copy in range(1, 1 + family % 4):
            docs.append((f"f{family}-{copy}", edit(base, family * 10 + copy, 3)))
    for single in range(15):
        docs.append((f"s{single}", article(500 + single)))
    random.Random(9).shuffle(docs)
    return docs


def clusters(verdicts: dict) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for doc_id, verdict in verdicts.items():
        groups.setdefault(verdict.cluster, set()).add(doc_id)
    return {frozenset(g) for g in groups.values()}


def test_families_become_clusters_and_singletons_stay_alone() -> None:
    found = clusters(Deduper().cluster(corpus()))
    expected = {frozenset(d for d, _ in corpus() if d.startswith(f"f{f}-")) for f in range(12)}
    expected |= {frozenset([f"s{s}"]) for s in range(15)}
    assert found == expected


@pytest.mark.parametrize("chunk", [1, 3, 17, 1024])
def test_same_clusters_and_keepers_whatever_the_chunk_size(chunk: int) -> None:
    reference = Deduper().cluster(corpus(), chunk=1000)
    assert Deduper().cluster(corpus(), chunk=chunk) == reference


def test_spilled_shingle_sets_give_the_same_result() -> None:
    spilled = Deduper(memory_bytes=2000)  # a few sets in memory, the rest on disk
    assert spilled.cluster(corpus()) == Deduper().cluster(corpus())


def test_documents_signed_elsewhere_get_the_verdicts_of_their_texts() -> None:
    """A batch run signs pages in its workers and hands dedup only the signatures."""
    docs = corpus()
    signed = [DedupItem(doc_id, None, length=len(text), signed=sign(text)) if n % 2
              else DedupItem(doc_id, text) for n, (doc_id, text) in enumerate(docs)]
    reference = Deduper().cluster(docs)
    assert sum(not v.kept for v in reference.values()) >= 10
    assert Deduper().cluster(signed) == reference


def test_set_store_returns_what_was_stored_in_memory_or_on_disk() -> None:
    store = SetStore(memory_bytes=100)
    arrays = [np.arange(n, dtype=np.uint64) * 3 for n in (5, 40, 0, 7)]
    for a in arrays:
        store.append(a)
    for i, a in enumerate(arrays):
        assert np.array_equal(store.get(i), a)
    store.close()


def test_keep_policies() -> None:
    base = article(42)
    docs = [("short", edit(base, 1, 2)), ("long", base + " and a closing line of words"),
            ("dated", edit(base, 2, 2))]
    extra = {"short": {"date": "2024-05-02"}, "long": {"date": "2024-05-03"},
             "dated": {"date": "2024-05-01"}}
    items = [DedupItem(d, t, date=extra[d]["date"]) for d, t in docs]
    assert {v.cluster for v in Deduper(keep="longest").cluster(items).values()} == {"long"}
    assert {v.cluster for v in Deduper(keep="first").cluster(items).values()} == {"short"}
    assert {v.cluster for v in Deduper(keep="earliest").cluster(items).values()} == {"dated"}
    with pytest.raises(ValueError, match="keep"):
        Deduper(keep="shortest")


def test_a_pair_below_the_threshold_is_not_merged_even_when_it_shares_bands() -> None:
    base = article(77)
    far = edit(base, 5, 30)  # about 30 of 200 words changed
    assert exact_jaccard(shingle_set(base), shingle_set(far)) < 0.8
    verdicts = Deduper(threshold=0.8).cluster([("a", base), ("b", far)])
    assert verdicts["a"].kept and verdicts["b"].kept


# --- the persistent index ------------------------------------------------------------------


def test_second_run_with_an_index_marks_every_new_page_a_copy_of_the_first_runs(tmp_path) -> None:
    """The same texts under new ids: copies of what the first run kept."""
    index = tmp_path / "index.sqlite"
    with Deduper(path=str(index)) as first:
        kept = {d for d, v in first.cluster(corpus()).items() if v.kept}
    with Deduper(path=str(index)) as second:
        verdicts = second.cluster([(f"again-{d}", text) for d, text in corpus()])
    assert all(not v.kept and not v.seen_before for v in verdicts.values())
    assert {v.duplicate_of for v in verdicts.values()} == kept


def test_second_run_with_an_index_over_the_same_pages_decides_as_the_first(tmp_path) -> None:
    """The same ids again: seen before, and no page a copy of its own earlier self."""
    index = tmp_path / "index.sqlite"
    with Deduper(path=str(index)) as first:
        before = first.cluster(corpus())
    with Deduper(path=str(index)) as second:
        again = second.cluster(corpus())
    assert all(v.seen_before for v in again.values())
    assert {d: (v.duplicate_of, v.similarity, v.cluster) for d, v in again.items()} == {
        d: (v.duplicate_of, v.similarity, v.cluster) for d, v in before.items()}


def test_a_deferred_index_changes_only_when_committed(tmp_path) -> None:
    """A batch run saves its verdicts before the index changes, so it can resume."""
    index = tmp_path / "index.sqlite"
    with Deduper(path=str(index)) as deduper:
        verdicts = deduper.cluster(corpus(), defer_index=True)
        assert len(deduper.index) == 0
        pending = deduper.pending_index
        deduper.commit_index(pending)
        deduper.commit_index(pending)  # a resumed run commits again: nothing doubles
        assert len(deduper.index) == sum(v.kept for v in verdicts.values())
        assert all(doc_id in deduper.index for doc_id, v in verdicts.items() if v.kept)


def test_cli_second_run_with_index_on_the_same_folder(tmp_path) -> None:
    index = tmp_path / "ix.sqlite"
    runner = CliRunner()
    folder = str(ROOT / "fixtures" / "syndication" / "html")
    first = runner.invoke(main, ["clean", folder, "-o", str(tmp_path / "a"), "--index",
                                 str(index), "-q"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(main, ["clean", folder, "-o", str(tmp_path / "b"), "--index",
                                  str(index), "-q"])
    assert second.exit_code == 0, second.output
    a = [json.loads(x) for x in (tmp_path / "a" / "documents.jsonl").read_text().splitlines()]
    b = [json.loads(x) for x in (tmp_path / "b" / "documents.jsonl").read_text().splitlines()]
    kept_first = {r["id"] for r in a if r["duplicate_of"] is None}
    assert len(kept_first) == 1
    # the same pages (the same ids) again: not copies of themselves, decided as before
    assert [(r["id"], r["duplicate_of"]) for r in b] == [(r["id"], r["duplicate_of"]) for r in a]
    assert len(list((tmp_path / "b" / "text").glob("**/*.txt"))) == 1


def test_an_index_built_with_other_settings_is_refused(tmp_path) -> None:
    index = tmp_path / "ix.sqlite"
    Deduper(threshold=0.8, path=str(index)).close()
    with pytest.raises(DedupIndexError, match="threshold"):
        Deduper(threshold=0.9, path=str(index))
    result = CliRunner().invoke(main, ["dedup", "--threshold", "0.9", "--index", str(index)],
                                input='{"id": "a", "text": "x"}\n')
    assert result.exit_code == 2 and "threshold" in result.output


def test_a_file_that_is_not_an_index_is_refused(tmp_path) -> None:
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("this is not a database " * 100)
    with pytest.raises(DedupIndexError):
        Deduper(path=str(bogus))


KILLED_WRITER = """
import os, random, signal, sys
from cleaner.dedup import Deduper
from cleaner.dedup.store import IndexStore

original_add = IndexStore.add
calls = []

def add_then_die(self, docs, signatures, keys):
    calls.append(1)
    if len(calls) < 3:
        return original_add(self, docs, signatures, keys)
    # the third chunk: killed after writing part of it, before its commit
    self._db.execute("BEGIN IMMEDIATE")
    self._db.execute("INSERT INTO docs VALUES (99999, 'half', NULL, 1, NULL, x'00')")
    self._db.execute("INSERT INTO bands VALUES (1, 99999)")
    os.kill(os.getpid(), signal.SIGKILL)

IndexStore.add = add_then_die
words = [f"w{i}" for i in range(3000)]
rng = random.Random(1)
docs = [(f"doc{n}", " ".join(rng.choice(words) for _ in range(120))) for n in range(1000)]
with Deduper(path=sys.argv[1]) as d:
    d.cluster(docs, chunk=200)
"""


def test_an_index_killed_mid_write_still_opens_and_answers(tmp_path) -> None:
    index = tmp_path / "ix.sqlite"
    proc = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(index)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    with sqlite3.connect(index) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = [row[0] for row in db.execute("SELECT id FROM docs ORDER BY position")]
    # the two committed chunks are whole; nothing of the killed one is there
    assert ids == [f"doc{n}" for n in range(400)]
    rng = random.Random(1)
    words = [f"w{i}" for i in range(3000)]
    first_text = " ".join(rng.choice(words) for _ in range(120))
    with Deduper(path=str(index)) as deduper:
        match = deduper.add("again", first_text)
        assert match is not None and match.doc_id == "doc0"
        assert len(deduper.index) == 400


# --- the JSONL step ------------------------------------------------------------------------


def test_dedup_command_round_trips_jsonl_from_stdin_to_stdout() -> None:
    base = article(3)
    records = [
        {"id": "a", "text": base, "title": "kept as is", "extra": [1, 2]},
        {"id": "b", "text": edit(base, 1, 2)},
        {"id": "c", "text": article(4)},
    ]
    stdin = "".join(json.dumps(r) + "\n" for r in records)
    result = CliRunner().invoke(main, ["dedup", "-q", "--keep", "first"], input=stdin)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [r["id"] for r in out] == ["a", "b", "c"]
    for before, after in zip(records, out, strict=True):
        assert {k: after[k] for k in before} == before  # nothing lost or changed
    assert out[0]["duplicate_of"] is None and out[0]["cluster"] == "a"
    assert out[1]["duplicate_of"] == "a" and out[1]["cluster"] == "a"
    assert 0.8 <= out[1]["similarity"] < 1.0
    assert out[2]["duplicate_of"] is None and out[2]["cluster"] == "c"


def test_dedup_command_passes_bad_lines_through_with_the_reason(tmp_path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "one two three"}\nnot json\n[1, 2]\n{"id": 5.5}\n'
                   '{"id": "a", "text": "again"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["dedup", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 5
    assert lines[0]["duplicate_of"] is None
    assert "not JSON" in lines[1]["dedup_error"] and lines[1]["line"] == "not json"
    assert "object" in lines[2]["dedup_error"]
    assert "'id'" in lines[3]["dedup_error"]
    assert "more than once" in lines[4]["dedup_error"]
    assert "errors 4" in result.output


def test_a_second_process_reads_the_index_while_another_writes(tmp_path) -> None:
    index = tmp_path / "ix.sqlite"
    base = article(8)
    with Deduper(path=str(index)) as writer:
        writer.add("first", base)
        # the writer holds an open write transaction ...
        writer.index._db.execute("BEGIN IMMEDIATE")
        writer.index._db.execute("INSERT INTO bands VALUES (1, 12345)")
        # ... and a reader in another connection still opens the index and answers
        reader = subprocess.run(
            [sys.executable, "-c",
             "import sys; from cleaner.dedup import Deduper\n"
             "with Deduper(path=sys.argv[1]) as d:\n"
             "    m = d.index.candidates(__import__('numpy').zeros((1, 25), dtype='uint64'))\n"
             "    print(len(d.index))",
             str(index)],
            cwd=ROOT, capture_output=True, text=True, timeout=120)
        writer.index._db.execute("ROLLBACK")
    assert reader.returncode == 0, reader.stderr
    assert reader.stdout.strip() == "1"


def test_a_pair_is_found_when_the_first_of_its_bucket_is_too_far_from_one_of_them() -> None:
    """b~a (0.81) and a~h (0.98), but h and b are below 0.8: h, first in every bucket
    they share, must not hide the pair a~b."""
    split = 0
    for seed in range(30):
        rng = random.Random(seed)

        def words(n: int, rng: random.Random = rng) -> str:
            return " ".join(f"w{rng.randrange(10**6)}" for _ in range(n))

        b = words(404)
        a = b + " " + words(95)
        h = a + " " + words(8)
        assert exact_jaccard(shingle_set(a), shingle_set(b)) >= 0.8
        assert exact_jaccard(shingle_set(h), shingle_set(b)) < 0.8
        out = Deduper(threshold=0.8).cluster([("h", h), ("a", a), ("b", b)])
        split += out["a"].cluster != out["b"].cluster
    assert split == 0


class CountingBuckets:
    """Finds the candidate pairs as the batch does, and counts them."""

    def __init__(self) -> None:
        self.found: list[int] = []

    def pairs(self, keys: np.ndarray, prints: np.ndarray, positions: np.ndarray) -> np.ndarray:
        codes = batch_pairs(keys, prints, positions)
        self.found.append(len(codes))
        return codes


def test_many_exact_copies_cost_one_check_each() -> None:
    """300 copies share every bucket: each is paired with the first copy only,
    not with the first and a window of others (about 17 pairs each)."""
    base = article(11)
    counting = CountingBuckets()
    out = Deduper().cluster([(f"copy{n}", base) for n in range(300)], buckets=counting)
    assert {v.cluster for v in out.values()} == {"copy0"}
    assert counting.found == [299]


def test_permutations_are_datasketchs_own() -> None:
    from cleaner.dedup.signatures import permutations

    for num_perm, seed in ((128, 1), (64, 7)):
        assert np.array_equal(permutations(num_perm, seed),
                              MinHash(num_perm=num_perm, seed=seed).permutations)
