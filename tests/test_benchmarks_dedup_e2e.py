"""Tests for the end-to-end dedup benchmark: every system timed, scored and reported.

One tiny run (200 documents, one round, this checkout as its own baseline)
must time every system, score it, write the JSON, and leave datasketch
verdicts that point at an earlier kept document; the datasketch child must
find a near-identical pair and keep an unrelated text.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import pytest

from cleaner.benchmarks import dedup_e2e as e2e

N_DOCS = 200  # enough copies to score; start-up, not size, is most of the time
SEED = 7


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    workdir = tmp_path_factory.mktemp("e2e")
    results = e2e.run_e2e(N_DOCS, SEED, 1, [1, 2], e2e.HERE, workdir / "out.json",
                          datasketch=True, workdir=workdir)
    return results, workdir


def _by_kind(results: dict, kind: str) -> list[dict]:
    return [s for s in results["systems"] if s["kind"] == kind]


def test_every_system_is_timed_and_scored(tiny: tuple[dict, Path]) -> None:
    results, workdir = tiny
    assert json.loads((workdir / "out.json").read_text(encoding="utf-8")) == results
    names = [s["name"] for s in results["systems"]]
    cleaners = _by_kind(results, "cleaner")
    if results["jobs_option"]:
        assert [s["name"] for s in cleaners] == ["cleaner --jobs 1", "cleaner --jobs 2"]
        assert results["jobs_outputs_identical"] is True
    else:
        assert [s["name"] for s in cleaners] == ["cleaner jobs 1 (no --jobs option)"]
        assert results["jobs_outputs_identical"] is None
    [base] = _by_kind(results, "baseline")
    assert base["name"].startswith("cleaner (baseline ") and "unknown" not in base["name"]
    assert names[-2:] == ["datasketch per-shingle", "datasketch update_batch"]
    for s in results["systems"]:
        assert len(s["walls_s"]) == 1 and s["best_wall_s"] > 0
        assert s["docs_per_s"] == pytest.approx(N_DOCS / s["best_wall_s"])
        assert 0.0 <= s["pair_precision"] <= 1.0 and 0.0 <= s["pair_recall"] <= 1.0
        assert s["ratio_vs_datasketch_per_shingle"] > 0 and s["ratio_vs_baseline"] > 0
    assert base["ratio_vs_baseline"] == 1.0
    assert results["datasketch"]["bands"] * results["datasketch"]["rows"] <= 128
    assert results["datasketch_outputs_identical"] is True
    assert results["systems"][0]["truth_pairs"] > 0  # the tiny corpus has copies to find


def test_cleaner_finds_the_copies(tiny: tuple[dict, Path]) -> None:
    results, _ = tiny
    for s in _by_kind(results, "cleaner") + _by_kind(results, "baseline"):
        assert s["pair_recall"] >= 0.9, s
        assert s["pair_precision"] >= 0.9, s
        assert s["duplicates"] > 0


def test_datasketch_output_points_at_earlier_kept_documents(tiny: tuple[dict, Path]) -> None:
    _, workdir = tiny
    ids = [json.loads(line)["id"] for line in
           (workdir / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    for mode in e2e.MODES:
        rows = [json.loads(line) for line in
                (workdir / f"datasketch-{mode}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert [row["id"] for row in rows] == ids
        kept_at = {row["id"]: i for i, row in enumerate(rows) if row["duplicate_of"] is None}
        duplicates = [(i, row["duplicate_of"]) for i, row in enumerate(rows)
                      if row["duplicate_of"] is not None]
        assert duplicates
        for i, kept in duplicates:
            assert kept in kept_at and kept_at[kept] < i


def _words(rng: random.Random, count: int) -> list[str]:
    return ["".join(rng.choice("abcdefghij") for _ in range(rng.randint(3, 8)))
            for _ in range(count)]


@pytest.mark.parametrize("mode", e2e.MODES)
def test_datasketch_child_verdicts(tmp_path: Path, mode: str) -> None:
    rng = random.Random(1)
    first = _words(rng, 400)
    second = list(first)
    second[200] = "changed"  # 5 of ~396 shingles differ: Jaccard about 0.975
    other = _words(rng, 400)
    corpus, out = tmp_path / "corpus.jsonl", tmp_path / "out.jsonl"
    corpus.write_text("".join(json.dumps({"id": i, "text": " ".join(w)}) + "\n"
                              for i, w in (("a", first), ("b", other), ("c", second))),
                      encoding="utf-8")
    assert e2e.datasketch_child(mode, corpus, out) == 3
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows == [{"id": "a", "duplicate_of": None}, {"id": "b", "duplicate_of": None},
                    {"id": "c", "duplicate_of": "a"}]


def test_datasketch_child_refuses_an_unknown_mode(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mode"):
        e2e.datasketch_child("per-word", tmp_path / "in.jsonl", tmp_path / "out.jsonl")


def test_verdicts_refuse_a_broken_output(tmp_path: Path) -> None:
    position = {"a": 0, "b": 1}
    path = tmp_path / "out.jsonl"
    path.write_text('{"id": "b", "duplicate_of": "a"}\n{"id": "a", "duplicate_of": null}\n',
                    encoding="utf-8")
    assert e2e.verdicts(path, position) == [None, 0]
    for broken in ('{"id": "a", "duplicate_of": null}\n',  # b missing
                   '{"id": "a"}\n{"id": "a"}\n',  # a twice
                   '{"id": "a"}\n{"id": "b", "duplicate_of": "z"}\n',  # unknown id
                   '{"id": "a"}\n{"id": "b", "dedup_error": "not JSON"}\n'):
        path.write_text(broken, encoding="utf-8")
        with pytest.raises(ValueError):
            e2e.verdicts(path, position)


@pytest.mark.parametrize("has_jobs", [True, False])
def test_jobs_systems_follow_the_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        has_jobs: bool) -> None:
    monkeypatch.setattr(e2e, "_has_jobs", lambda env, cwd: has_jobs)
    monkeypatch.setattr(e2e, "_check_import", lambda root, env, cwd: None)  # the run checks it
    found = e2e.systems(tmp_path / "corpus.jsonl", tmp_path, [1, 2], None, False)
    if has_jobs:
        assert [s.name for s in found] == ["cleaner --jobs 1", "cleaner --jobs 2"]
        assert [s.command[-2:] for s in found] == [["--jobs", "1"], ["--jobs", "2"]]
    else:
        assert [s.name for s in found] == ["cleaner jobs 1 (no --jobs option)"]
        assert "--jobs" not in found[0].command


def test_parse_jobs() -> None:
    assert e2e.parse_jobs("1,2") == [1, 2]
    for bad in ("0", "1,x", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            e2e.parse_jobs(bad)
