"""`cleaner dedup --jobs N`: the same bytes out for any number of workers or chunk size.

The corpus has near-duplicate families (chains of copies among them) and hard
negatives (articles sharing a paragraph or a site's boilerplate), so a worker
that signed differently, or a chunk taken out of order, would change verdicts;
lines that cannot take part are mixed in, since they are decided in pass one
and written in pass two.
"""

from __future__ import annotations

import io
import json
from concurrent.futures import ProcessPoolExecutor

import pytest

from cleaner.benchmarks.corpus import generate
from cleaner.dedup import Deduper
from cleaner.dedup import workers as dedup_workers
from cleaner.dedup.step import dedup_jsonl

CORPUS = generate(600, seed=11)


def corpus_bytes() -> bytes:
    """The corpus as JSONL, integer and string ids, with bad lines between records."""
    lines = []
    for i, doc in enumerate(CORPUS):
        record = {"id": i if i % 3 == 0 else doc.id, "text": doc.text, "extra": [i]}
        if i % 5 == 0:
            record["date"] = f"2026-{1 + i % 12:02d}-01"
        lines.append(json.dumps(record, ensure_ascii=False).encode())
        if i % 97 == 0:
            lines += [b"not json", b'{"id": "x\\ud800", "text": "t"}', b"\xff\xfe",
                      json.dumps({"id": doc.id if i % 3 else i, "text": "again"}).encode(),
                      b'{"id": "long", "text": "' + b"w " * 3000 + b'"}']
    return b"\n".join(lines) + b"\n"


def run(data: bytes, jobs: int, keep: str = "longest", max_line_bytes: int = 4000) -> str:
    sink = io.StringIO()
    with Deduper(keep=keep) as deduper:
        dedup_jsonl(io.BytesIO(data), sink, deduper, max_line_bytes=max_line_bytes, jobs=jobs)
    return sink.getvalue()


@pytest.mark.parametrize("keep", ["longest", "first", "earliest"])
def test_jobs_1_and_2_write_the_same_bytes(keep: str) -> None:
    data = corpus_bytes()
    one, two = run(data, 1, keep), run(data, 2, keep)
    assert one == two
    records = [json.loads(line) for line in one.splitlines()]
    assert sum(r.get("duplicate_of") is not None for r in records) > 50  # families found
    assert sum("dedup_error" in r for r in records) >= 25  # and the bad lines written back


@pytest.mark.parametrize("keep", ["longest", "first"])
def test_the_chunk_size_changes_nothing(monkeypatch: pytest.MonkeyPatch, keep: str) -> None:
    data = corpus_bytes()
    expected = run(data, 2, keep)
    for lines in (1, 7, 10_000):
        monkeypatch.setattr(dedup_workers, "CHUNK_LINES", lines)
        assert run(data, 2, keep) == expected, lines


def test_the_verdicts_are_the_batchs() -> None:
    """What the step writes is what `Deduper.cluster` decides on the same records."""
    data = corpus_bytes()
    out = [json.loads(line) for line in run(data, 2).splitlines()]
    valid = [r for r in out if "dedup_error" not in r]
    verdicts = Deduper().cluster((str(r["id"]), r["text"]) for r in valid)
    for r in valid:
        v = verdicts[str(r["id"])]
        assert (None if r["duplicate_of"] is None else str(r["duplicate_of"])) == v.duplicate_of
        assert str(r["cluster"]) == v.cluster


def test_keep_first_names_the_kept_copy_of_a_copy() -> None:
    """A record most like an earlier copy is a duplicate of that copy's kept record."""
    out = [json.loads(line) for line in run(corpus_bytes(), 2, "first").splitlines()]
    valid = [r for r in out if "dedup_error" not in r]
    kept = {r["id"] for r in valid if r["duplicate_of"] is None}
    copies = [r for r in valid if r["duplicate_of"] is not None]
    assert len(copies) > 50
    assert all(r["duplicate_of"] in kept and r["cluster"] == r["duplicate_of"] for r in copies)
    first_seen = {r["id"]: n for n, r in enumerate(valid)}
    assert all(first_seen[r["duplicate_of"]] < first_seen[r["id"]] for r in copies)


def test_a_chunk_at_once_answers_as_one_document_at_a_time() -> None:
    """`Deduper.add_signed_chunk` is `add_signed` in a loop, however the chunks fall."""
    import numpy as np

    from cleaner.dedup.bands import band_keys
    from cleaner.dedup.signatures import sign

    docs = [(doc.id, doc.text) for doc in CORPUS] + [("empty", ""), ("empty-2", "...")]
    one = Deduper()
    expected = [one.add_signed(d, sign(t), length=len(t)) for d, t in docs]
    many, got, at = Deduper(), [], 0
    for size in [1, 5, 64, 200, 3, 1000]:
        part = docs[at : at + size]
        signed = [sign(t) for _, t in part]
        keys = band_keys(np.stack([s for _, s in signed]), many.config.bands,
                         many.config.rows)
        got += many.add_signed_chunk([d for d, _ in part], signed, keys,
                                     lengths=[len(t) for _, t in part],
                                     sources=[None] * len(part), dates=[None] * len(part))
        at += size
    assert got == expected and sum(m is not None for m in got) > 50


def test_two_jobs_run_in_worker_processes() -> None:
    with dedup_workers.executor(2) as pool:
        assert isinstance(pool, ProcessPoolExecutor)
    with dedup_workers.executor(1) as pool:
        assert not isinstance(pool, ProcessPoolExecutor)


def test_jobs_below_one_are_refused() -> None:
    with Deduper() as deduper, pytest.raises(ValueError, match="jobs"):
        dedup_jsonl(io.BytesIO(b""), io.StringIO(), deduper, jobs=0)


@pytest.mark.parametrize("keep", ["longest", "first"])
def test_drop_duplicates_writes_every_other_line(tmp_path, keep: str) -> None:
    from click.testing import CliRunner

    from cleaner.cli import main

    src = tmp_path / "in.jsonl"
    src.write_bytes(corpus_bytes())
    outputs = {}
    for flag in ([], ["--drop-duplicates"]):
        out = tmp_path / f"out{len(flag)}.jsonl"
        result = CliRunner().invoke(main, ["dedup", str(src), "-o", str(out), "--keep", keep,
                                           "--jobs", "2", "--max-bytes", "4000", *flag])
        assert result.exit_code == 0, result.output
        outputs[bool(flag)] = (out.read_text(encoding="utf-8").splitlines(), result.output)
    (every, summary), (dropped, dropped_summary) = outputs[False], outputs[True]
    assert dropped == [line for line in every if json.loads(line).get("duplicate_of") is None]
    assert len(dropped) < len(every)
    assert dropped_summary == summary  # the duplicates are still counted
