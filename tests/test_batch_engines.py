"""Engines: the output never depends on where or on how many workers pages are cleaned."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, SEEDS

from cleaner.batch.config import RunConfig
from cleaner.batch.local import LocalEngine
from cleaner.batch.run import run
from cleaner.cli import main
from cleaner.dedup import DedupItem
from cleaner.timelimit import PageTimeout, time_limit


def build_batch(folder: Path) -> Path:
    """The engine tests' batch, assembled from other fixtures: one story under five
    chromes (three text dumps, two HTML pages in a subfolder: duplicates), three
    other articles, and one bad file (fixtures/batch/truncated.txt.gz)."""
    (folder / "site").mkdir(parents=True)
    for name in ("site_a.txt", "site_b.txt", "site_c.txt"):
        shutil.copy(FIXTURES / "syndication" / "text" / name, folder / name)
    for source, name in (("site_a.html", "story_a.html"), ("site_b.html", "story_b.html")):
        shutil.copy(FIXTURES / "syndication" / "html" / source, folder / "site" / name)
    for name in ("german_article.txt", "japanese_article.txt", "wordpress_comments.txt"):
        shutil.copy(FIXTURES / "dumps" / name, folder / name)
    shutil.copy(FIXTURES / "batch" / "truncated.txt.gz", folder / "truncated.txt.gz")
    return folder


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_batch(tmp_path_factory.mktemp("batch") / "batch")


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path, as bytes."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def clean_batch(batch: Path, tmp_path: Path, name: str, *options: str) -> dict[str, bytes]:
    out = tmp_path / name
    result = CliRunner().invoke(main, ["clean", str(batch), "-o", str(out), "-q", *options])
    assert result.exit_code == 0, result.output
    return tree(out)


@pytest.fixture(scope="module")
def reference(batch: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return clean_batch(batch, tmp_path_factory.mktemp("ref"), "out", "--jobs", "1")


def test_the_fixture_batch_has_duplicates_and_a_bad_file(reference: dict[str, bytes]) -> None:
    records = [json.loads(x) for x in reference["documents.jsonl"].decode().splitlines()]
    errors = [json.loads(x) for x in reference["errors.jsonl"].decode().splitlines()]
    assert sum(r["duplicate_of"] is not None for r in records) >= 2
    assert [e["source"].endswith("truncated.txt.gz") for e in errors] == [True]


def test_two_local_workers_give_byte_identical_output(batch, tmp_path, reference) -> None:
    assert clean_batch(batch, tmp_path, "two", "--jobs", "2") == reference


def test_dask_engine_gives_byte_identical_output(batch, tmp_path, reference) -> None:
    assert clean_batch(batch, tmp_path, "dask", "--engine", "dask", "--jobs", "2") == reference


def test_scheduler_needs_the_dask_engine(batch, tmp_path) -> None:
    result = CliRunner().invoke(main, ["clean", str(batch), "-o", str(tmp_path / "o"),
                                       "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2 and "--engine dask" in result.output


# --- the per-page time limit ---------------------------------------------------------------

LOOP_MARK = "THIS PAGE MAKES THE EXTRACTOR LOOP"


@pytest.fixture
def looping_batch(batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture batch plus a page whose extraction never ends (a patched extractor)."""
    from cleaner.extract import text as text_classifier

    folder = tmp_path / "in"
    shutil.copytree(batch, folder)
    (folder / "loops.txt").write_text(f"Home\n{LOOP_MARK}\n" + "A sentence of prose. " * 30,
                                      encoding="utf-8")
    original = text_classifier.classify

    def classify(text: str):
        while LOOP_MARK in text:  # hangs, as a pathological page would
            pass
        return original(text)

    monkeypatch.setattr(text_classifier, "classify", classify)
    return folder


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_page_that_hangs_is_recorded_as_timed_out(looping_batch: Path, tmp_path, jobs) -> None:
    out = tmp_path / f"out{jobs}"
    summary = run([str(looping_batch)], out, RunConfig(jobs=jobs, timeout=1.0))
    errors = [json.loads(x) for x in (out / "errors.jsonl").read_text().splitlines()]
    by_source = {Path(e["source"]).name: e["error"] for e in errors}
    assert by_source["loops.txt"] == "timed out after 1 s"
    assert "truncated.txt.gz" in by_source
    assert summary.read == 10 and summary.errors == 2
    kept = {Path(r["source"]).name for r in map(json.loads,
            (out / "documents.jsonl").read_text().splitlines())}
    assert "german_article.txt" in kept and "loops.txt" not in kept


def test_time_limit_works_outside_the_main_thread() -> None:
    """Dask runs tasks in worker threads, where signals cannot be used."""
    import threading

    caught = []

    def work() -> None:
        try:
            with time_limit(0.5):
                while True:
                    pass
        except PageTimeout:
            caught.append(True)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(10)
    assert caught == [True]


def test_time_limit_leaves_a_quick_page_alone() -> None:
    with time_limit(5.0):
        total = sum(range(1000))
    assert total == 499500


def test_engine_rejects_zero_jobs() -> None:
    with pytest.raises(ValueError, match="jobs"):
        LocalEngine(jobs=0)


def test_spooled_record_parts_give_the_same_line_as_the_record() -> None:
    from cleaner.batch.records import document_record, pack, record_line, record_parts, unpack
    from cleaner.clean import clean

    doc = clean((FIXTURES / "dumps" / "german_article.txt").read_bytes(),
                source="x/german_article.txt")
    head, tail = record_parts(doc)
    for dup, sim, cluster, path in ((None, None, doc.id, "text/a.txt"),
                                    ("other", 0.912345, "other", None)):
        record = document_record(doc, dup, sim, cluster)
        if path:
            record["text_path"] = path
        assert record_line(head, tail, dup, sim, cluster, path) == json.dumps(
            record, ensure_ascii=False)
    assert unpack(pack(doc)) == doc


def test_dask_learns_the_site_profile_as_a_reduction_with_the_same_result(tmp_path) -> None:
    """The site-profile fixture loses its promo box as site-repeat on both engines."""
    folder = str(FIXTURES / "site_profile")
    outs = []
    for name, options in (("one", ["--jobs", "1"]), ("dask", ["--engine", "dask", "--jobs", "2"])):
        out = tmp_path / name
        result = CliRunner().invoke(main, ["clean", folder, "-o", str(out), "-q", *options])
        assert result.exit_code == 0, result.output
        outs.append(tree(out))
    assert outs[0] == outs[1]
    assert b'"reason": "site-repeat"' in outs[0]["documents.jsonl"]


CRASH_MARK = "THIS PAGE KILLS ITS WORKER"


def test_a_page_that_kills_its_worker_is_recorded_and_the_run_goes_on(
        batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from cleaner.extract import text as text_classifier

    folder = tmp_path / "in"
    shutil.copytree(batch, folder)
    (folder / "crash.txt").write_text(f"Home\n{CRASH_MARK}\n" + "A sentence of prose. " * 30,
                                      encoding="utf-8")
    original = text_classifier.classify

    def classify(text: str):
        if CRASH_MARK in text:
            os._exit(1)  # as a segfault in C code or the OOM killer would
        return original(text)

    monkeypatch.setattr(text_classifier, "classify", classify)
    out = tmp_path / "out"
    summary = run([str(folder)], out, RunConfig(jobs=2))
    errors = {Path(e["source"]).name: e["error"]
              for e in map(json.loads, (out / "errors.jsonl").read_text().splitlines())}
    assert errors["crash.txt"] == "the worker cleaning this page died (a crash, or out of memory)"
    assert summary.read == 10 and summary.errors == 2  # the crash and the truncated gzip
    reference = CliRunner().invoke(main, ["clean", str(batch), "-o", str(tmp_path / "ref"),
                                          "-q", "--jobs", "1"])
    assert reference.exit_code == 0

    def pages(folder: Path) -> list[tuple[str, str, bool]]:
        records = map(json.loads, (folder / "documents.jsonl").read_text().splitlines())
        return [(Path(r["source"]).name, r["text"], r["duplicate_of"] is None) for r in records]

    assert pages(out) == pages(tmp_path / "ref")  # every other page as without the crash


def test_an_engine_that_signs_gets_the_pages_the_profile_changed_in_order(monkeypatch) -> None:
    from concurrent.futures import Future

    from cleaner.batch import run as pipeline
    from cleaner.dedup.signatures import sign

    monkeypatch.setattr(pipeline, "RESIGN_CHUNK", 3)
    asked: list[list[str]] = []

    class Signer:
        def sign_many(self, texts: list[str], num_perm: int) -> Future:
            asked.append(texts)
            done: Future = Future()
            done.set_result([sign(t, num_perm) for t in texts])
            return done

    already = ("set", "sig")
    items = [DedupItem(f"id{i}", f"text number {i} of the batch",
                       signed=already if i % 2 else None) for i in range(8)]
    out = list(pipeline._signed_by(Signer(), iter(items), 64))
    assert [item.id for item in out] == [f"id{i}" for i in range(8)]
    assert [t for chunk in asked for t in chunk] == [items[i].text for i in range(0, 8, 2)]
    for i, item in enumerate(out):
        if i % 2:
            assert item.signed == already
        else:
            expected = sign(item.text, 64)
            assert all((a == b).all() for a, b in zip(item.signed, expected, strict=True))


def test_an_engine_that_leaves_signing_to_the_run_leaves_the_signatures_missing() -> None:
    from cleaner.batch import run as pipeline

    items = [DedupItem(f"id{i}", f"text {i}", signed=("s", "g") if i == 1 else None)
             for i in range(5)]
    out = list(pipeline._signed_by(LocalEngine(jobs=1), iter(items), 64))
    assert out == items


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_every_engine_has_every_step_of_the_engine_contract(engine: str) -> None:
    """The run calls each step of `task.Engine` without asking which engine it has:
    every engine must have them all, with the contract's parameters."""
    import inspect

    from cleaner.batch.dask_engine import DaskEngine
    from cleaner.batch.task import Engine

    cls = {"local": LocalEngine, "dask": DaskEngine}[engine]
    steps = [name for name, value in vars(Engine).items()
             if callable(value) and not name.startswith("_")]
    assert sorted(steps) == ["buckets", "map", "sign_many", "site_profile"]
    for step in steps:
        wanted = list(inspect.signature(getattr(Engine, step)).parameters)
        assert list(inspect.signature(getattr(cls, step)).parameters) == wanted, step
    assert isinstance(cls.name, str)


def test_an_engine_without_every_step_is_refused_before_any_work(tmp_path) -> None:
    class MapOnly:
        name = "map-only"

        def map(self, inputs, config):  # noqa: ANN001, ANN201 - a stand-in
            yield from LocalEngine(jobs=1).map(inputs, config)

    out = tmp_path / "out"
    with pytest.raises(TypeError, match="has no site_profile, sign_many, buckets"):
        run([str(SEEDS)], out, RunConfig(jobs=1), engine=MapOnly())
    assert not out.exists()


def test_an_engine_that_only_cleans_pages_gets_the_local_engines_output(tmp_path) -> None:
    """With `EngineBase`, an engine needs only `map`: the run does the rest itself."""
    from cleaner.batch.task import EngineBase

    class MapOnly(EngineBase):
        name = "map-only"

        def map(self, inputs, config):  # noqa: ANN001, ANN201 - a stand-in
            yield from LocalEngine(jobs=2).map(inputs, config)

    folder = str(FIXTURES / "site_profile")
    run([folder], tmp_path / "ref", RunConfig(jobs=1))
    run([folder], tmp_path / "out", RunConfig(jobs=1), engine=MapOnly())
    for name in ("documents.jsonl", "errors.jsonl"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "ref" / name).read_bytes()
