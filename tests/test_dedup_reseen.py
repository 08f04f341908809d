"""Re-seen ids: a document whose id the index already knows is `seen_before`, and
never a duplicate of its own earlier copy.

A pipeline that keeps `duplicate_of == null` must not lose everything when it
runs the same input through the same index again (a re-crawl, a restarted
job): each record is judged against the other documents only. Checked for
the `cleaner dedup --index` step (twice in one process, and in two), and for
the library (`Deduper.cluster`, `Deduper.add`, a deferred commit).
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from cleaner.cli import main
from cleaner.dedup import Deduper
from cleaner.dedup.signatures import DEFAULT_NUM_PERM, minhash_values, shingle_set

ROOT = Path(__file__).resolve().parents[1]
VOCABULARY = [f"{a}{b}" for a in "bdfgklmnprstvz" for b in ("a", "e", "i", "o", "u", "ai", "ou")]


def article(seed: int, words: int = 200) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCABULARY) for _ in range(words))


def edit(text: str, seed: int, count: int = 2) -> str:
    rng = random.Random(seed)
    words = text.split()
    for _ in range(count):
        words[rng.randrange(len(words))] = "edited"
    return " ".join(words)


def records() -> list[dict]:
    """Families of near-copies (the last copy the longest), single articles, an
    integer id and an empty text."""
    out: list[dict] = []
    for family in range(6):
        base = article(family)
        out.append({"id": f"f{family}-0", "text": base})
        for copy in range(1, 1 + family % 3):
            out.append({"id": f"f{family}-{copy}", "text": edit(base, 10 * family + copy)})
        out.append({"id": f"f{family}-long", "text": base + " and one more line at the end"})
    out += [{"id": f"s{n}", "text": article(100 + n)} for n in range(5)]
    out += [{"id": 7, "text": article(200)}, {"id": 8, "text": article(200) + " again"},
            {"id": "empty", "text": "  ... "}]
    random.Random(3).shuffle(out)
    return out


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]


def dedup_in_process(src: Path, out: Path, index: Path) -> tuple[list[dict], str]:
    result = CliRunner().invoke(main, ["dedup", str(src), "-o", str(out), "--index", str(index)])
    assert result.exit_code == 0, result.output
    return read_jsonl(out), result.output


def dedup_in_a_process(src: Path, out: Path, index: Path) -> list[dict]:
    proc = subprocess.run([sys.executable, "-c", "from cleaner.cli import main; main()",
                           "dedup", str(src), "-o", str(out), "--index", str(index), "-q"],
                          capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    return read_jsonl(out)


def without_seen(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "seen_before"} for r in rows]


def check_second_run(first: list[dict], second: list[dict]) -> None:
    """The first run saw nothing before; the second saw everything, and decided
    every record as the first did: kept ones kept, copies copies of the same."""
    assert all(r["seen_before"] is False for r in first)
    assert all(r["seen_before"] is True for r in second)
    assert sum(r["duplicate_of"] is not None for r in first) >= 8  # real duplicates
    assert without_seen(second) == without_seen(first)
    kept = {r["id"] for r in first if r["duplicate_of"] is None}
    assert {r["id"] for r in second if r["duplicate_of"] is None} == kept
    assert all(r["duplicate_of"] in kept for r in second if r["duplicate_of"] is not None)


def test_dedup_run_twice_on_an_index_flags_every_record_seen_before(tmp_path: Path) -> None:
    src, index = write_jsonl(tmp_path / "in.jsonl", records()), tmp_path / "ix.sqlite"
    first, summary = dedup_in_process(src, tmp_path / "a.jsonl", index)
    second, again = dedup_in_process(src, tmp_path / "b.jsonl", index)
    check_second_run(first, second)
    assert "seen before 0" in summary and f"seen before {len(second)}" in again
    by_id = {r["id"]: r for r in second}
    assert by_id[7]["duplicate_of"] == 8 and by_id[8]["duplicate_of"] is None  # its own type
    assert by_id["empty"]["seen_before"] is True and by_id["empty"]["duplicate_of"] is None


def test_dedup_run_twice_in_two_processes_on_one_index(tmp_path: Path) -> None:
    src, index = write_jsonl(tmp_path / "in.jsonl", records()), tmp_path / "ix.sqlite"
    first = dedup_in_a_process(src, tmp_path / "a.jsonl", index)
    second = dedup_in_a_process(src, tmp_path / "b.jsonl", index)
    check_second_run(first, second)


def test_new_ids_among_seen_ones_are_still_copies_of_what_was_kept(tmp_path: Path) -> None:
    rows = records()
    index = tmp_path / "ix.sqlite"
    first, _ = dedup_in_process(write_jsonl(tmp_path / "in.jsonl", rows), tmp_path / "a.jsonl",
                                index)
    kept = {r["id"]: r["text"] for r in first if r["duplicate_of"] is None}
    longest = max(kept, key=lambda d: len(kept[d]))
    # a new, longer copy of a kept record: the record kept before stays kept
    fresh = [{"id": "new-copy", "text": kept[longest] + " with a new last sentence here"},
             {"id": "new-article", "text": article(999)}]
    second, _ = dedup_in_process(write_jsonl(tmp_path / "more.jsonl", rows + fresh),
                                 tmp_path / "b.jsonl", index)
    by_id = {r["id"]: r for r in second}
    assert by_id["new-copy"]["duplicate_of"] == longest
    assert by_id["new-copy"]["seen_before"] is False
    assert by_id["new-article"]["duplicate_of"] is None
    assert by_id["new-article"]["seen_before"] is False
    assert without_seen([by_id[r["id"]] for r in first]) == without_seen(first)


def test_cluster_twice_on_one_deduper_with_an_index(tmp_path: Path) -> None:
    docs = [(str(r["id"]), r["text"]) for r in records()]
    with Deduper(path=str(tmp_path / "ix.sqlite")) as deduper:
        first = deduper.cluster(docs)
        positions = deduper.index.find(d for d, _ in docs)
        second = deduper.cluster(docs)
        assert deduper.index.find(d for d, _ in docs) == positions  # nothing rewritten
    assert not any(v.seen_before for v in first.values())
    assert all(v.seen_before for v in second.values())
    assert {d: (v.duplicate_of, v.similarity, v.cluster) for d, v in second.items()} == {
        d: (v.duplicate_of, v.similarity, v.cluster) for d, v in first.items()}


def test_add_again_in_a_second_deduper_is_no_copy_of_itself(tmp_path: Path) -> None:
    docs = [(str(r["id"]), r["text"]) for r in records()]
    path = str(tmp_path / "ix.sqlite")
    with Deduper(path=path) as first:
        before = [first.add(*doc) for doc in docs]
        indexed = first.index.find(d for d, _ in docs)
    assert sum(m is not None for m in before) >= 8
    with Deduper(path=path) as second:
        assert all(second.seen_before(d) for d, _ in docs)
        again = [second.add(*doc) for doc in docs]
        assert second.index.find(d for d, _ in docs) == indexed
    # what was kept stays kept and what was a copy stays a copy, never of itself; a copy
    # may now name a more similar document that was indexed after it was first seen
    assert [m is None for m in again] == [m is None for m in before]
    for (doc_id, _), m in zip(docs, again, strict=True):
        assert m is None or (m.doc_id != doc_id and m.seen_before and m.similarity >= 0.8)


def test_a_deferred_commit_marks_the_duplicates_seen_when_told(tmp_path: Path) -> None:
    docs = [(str(r["id"]), r["text"]) for r in records()]
    with Deduper(path=str(tmp_path / "ix.sqlite")) as deduper:
        verdicts = deduper.cluster(docs, defer_index=True)
        assert not deduper.index.seen(verdicts)  # nothing changes before the commit
        deduper.commit_index(deduper.pending_index, seen=verdicts)
        deduper.commit_index(deduper.pending_index, seen=verdicts)  # a resumed run: the same
        assert deduper.index.seen(verdicts) == set(verdicts)
        assert all(v.seen_before for v in deduper.cluster(docs).values())


def signature(text: str) -> np.ndarray:
    return minhash_values(shingle_set(text), DEFAULT_NUM_PERM)


def test_a_page_whose_text_changed_is_judged_on_its_new_text(tmp_path: Path) -> None:
    edited, river, bakery = article(1), article(2), article(3)
    with Deduper(path=str(tmp_path / "ix.sqlite")) as deduper:
        deduper.cluster([("page", edited), ("river", river), ("bakery", bakery)])
        old = deduper.index.find(["page"])["page"]
        # edited a little: kept, and the index holds its new text
        verdicts = deduper.cluster([("page", edit(edited, 1, 4))])
        assert verdicts["page"].kept and verdicts["page"].seen_before
        new = deduper.index.find(["page"])["page"]
        held = deduper.index.signatures([new.position], DEFAULT_NUM_PERM)[new.position]
        assert new.position != old.position
        assert np.array_equal(held, signature(edit(edited, 1, 4)))
        # now a copy of another page: its duplicate; its old entry stays in the index
        verdicts = deduper.cluster([("page", river + " reposted")])
        assert verdicts["page"].duplicate_of == "river" and verdicts["page"].seen_before
        assert deduper.index.find(["page"])["page"] == new
        # rewritten whole, while a new page copies what it was: that copies the index's
        verdicts = deduper.cluster([("page", article(4)), ("copy", edit(edited, 1, 4))])
        assert verdicts["page"].kept and verdicts["page"].seen_before
        assert verdicts["copy"].duplicate_of == "page" and not verdicts["copy"].seen_before
        # the streaming add: changed text kept, the entry replaced
        assert deduper.add("bakery", article(5)) is None
        held = deduper.index.signatures([deduper.index.find(["bakery"])["bakery"].position],
                                        DEFAULT_NUM_PERM)
        assert np.array_equal(next(iter(held.values())), signature(article(5)))


def test_an_index_made_before_the_seen_table_still_knows_its_kept_ids(tmp_path: Path) -> None:
    docs = [(str(r["id"]), r["text"]) for r in records()]
    path = tmp_path / "ix.sqlite"
    with Deduper(path=str(path)) as deduper:
        first = deduper.cluster(docs)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE seen")  # as an index written by an earlier version
    with Deduper(path=str(path)) as deduper:
        second = deduper.cluster(docs)  # kept ids are known; this run records the rest
        third = deduper.cluster(docs)
    assert {d for d, v in second.items() if v.seen_before} == {
        d for d, v in first.items() if v.kept and d != "empty"}
    assert all(v.seen_before for v in third.values())
    assert [v.duplicate_of for v in second.values()] == [v.duplicate_of for v in first.values()]


def test_clean_with_an_index_twice_marks_the_second_runs_pages_seen_before(
        tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cleaner.cli import main as cli

    pages = tmp_path / "in"
    pages.mkdir()
    story = " ".join(f"The river rose {n} metres and the town council met again." for n in
                     range(40))
    for name, body in (("a.txt", story), ("b.txt", story), ("c.txt", story.replace(
            "river", "harbour").replace("town", "port").replace("council", "board"))):
        (pages / name).write_text("A headline\n\n" + body, encoding="utf-8")
    index = tmp_path / "index.sqlite"
    runs = []
    for out in ("first", "second"):
        result = CliRunner().invoke(cli, ["clean", str(pages), "-o", str(tmp_path / out),
                                          "-q", "--index", str(index)])
        assert result.exit_code == 0, result.output
        lines = (tmp_path / out / "documents.jsonl").read_text().splitlines()
        runs.append({Path(r["source"]).name: r for r in map(json.loads, lines)})
    first, second = runs
    assert {n: r["seen_before"] for n, r in first.items()} == dict.fromkeys(first, False)
    assert {n: r["seen_before"] for n, r in second.items()} == dict.fromkeys(second, True)
    # the same decisions as the first run: nothing a copy of itself
    assert {n: r["duplicate_of"] for n, r in second.items()} == {
        n: r["duplicate_of"] for n, r in first.items()}
