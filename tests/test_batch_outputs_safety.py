"""The output folder under attack: links planted in it, forged run state, a second
run at once, hostile names, a full disk, and OUTDIR inside an input folder.

Each test runs `cleaner clean` as a subprocess (what a user runs, with a time
limit) on inputs made here, and checks what matters: nothing outside OUTDIR
written or deleted, no code run, a clear message and exit code, nothing lost.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SEEDS

from cleaner.batch.config import RunConfig
from cleaner.batch.state import run_key
from cleaner.inputs.files import list_files

CLI = [sys.executable, "-c", "from cleaner.cli import main\nif __name__ == '__main__': main()"]
#: Seconds any one command here may take (they take one or two).
COMMAND_TIMEOUT = 120


def cli(*args: str | Path, timeout: float = COMMAND_TIMEOUT,
        **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def lines(path: Path) -> list[dict]:
    """The records of a JSONL file, parsed strictly (no NaN, no cut line)."""
    def refuse(name: str) -> None:
        raise ValueError(f"non-standard JSON constant {name}")

    return [json.loads(line, parse_constant=refuse)
            for line in path.read_text(encoding="utf-8").splitlines()]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink()}


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A folder of someone else's files, which no run may touch."""
    folder = tmp_path / "victim"
    folder.mkdir()
    (folder / "keep.db").write_bytes(b"precious")
    (folder / "sub").mkdir()
    (folder / "sub" / "notes.txt").write_text("mine")
    return folder


# --- 1. links in OUTDIR ---------------------------------------------------------


@pytest.mark.parametrize("entry", [".cleaner-run", "text", "documents.jsonl", "errors.jsonl"])
def test_an_outdir_whose_own_entry_links_out_is_refused(tmp_path: Path, seeds: Path,
                                                        victim: Path, entry: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(victim)
    (out / entry).symlink_to(victim if entry in (".cleaner-run", "text") else victim / "keep.db")
    result = cli("clean", seeds, "-o", out, "-q")
    assert result.returncode == 2, result.stderr
    assert "symbolic link" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(victim) == before and (out / entry).is_symlink()


def test_a_link_inside_text_is_replaced_never_written_through(tmp_path: Path, seeds: Path,
                                                              victim: Path) -> None:
    (tmp_path / "in" / "news").mkdir(parents=True)
    for seed in seeds.iterdir():
        shutil.copy(seed, tmp_path / "in" / "news" / seed.name)
    out = tmp_path / "out"
    (out / "text").mkdir(parents=True)
    (out / "text" / "news").symlink_to(victim)  # a folder the run writes in
    before = snapshot(victim)
    result = cli("clean", tmp_path / "in", "-o", out, "-q")
    assert result.returncode == 0, result.stderr
    assert snapshot(victim) == before
    assert not (out / "text" / "news").is_symlink()
    assert sorted(p.name for p in (out / "text" / "news").iterdir()) == sorted(
        p.with_suffix(".txt").name for p in seeds.iterdir())


# --- 10. a stale link already in text/ ----------------------------------------------


def test_a_stale_link_in_text_is_replaced_by_the_page(tmp_path: Path, seeds: Path) -> None:
    out = tmp_path / "out"
    (out / "text").mkdir(parents=True)
    name = sorted(seeds.iterdir())[0].with_suffix(".txt").name
    (out / "text" / name).symlink_to(tmp_path / "nowhere" / "gone.txt")
    result = cli("clean", seeds, "-o", out, "-q")
    assert result.returncode == 0, result.stderr
    assert not (out / "text" / name).is_symlink() and (out / "text" / name).stat().st_size
    assert not (tmp_path / "nowhere").exists()
    assert len(lines(out / "documents.jsonl")) == 2 and lines(out / "errors.jsonl") == []


# --- 2. the run state is data, never code -----------------------------------------


def _forge_state(out: Path, seeds: Path, payload: bytes, **checkpoint: object) -> None:
    """A state folder with this run's key (so it is resumed) and `payload` in every
    state file a resume reads, under the names any version used."""
    config = RunConfig()
    settings = {k: v for k, v in dataclasses.asdict(config).items() if k != "jobs"}
    key = run_key([str(seeds)], list_files([str(seeds)]), settings)
    state = out / ".cleaner-run"
    state.mkdir(parents=True)
    (state / "run.json").write_text(json.dumps({"key": key}))
    (state / "checkpoint.json").write_text(json.dumps(checkpoint))
    for name in ("spool", "bodies", "verdicts.pickle", "verdicts"):
        (state / name).write_bytes(payload)


def test_a_pickle_planted_in_the_state_runs_nothing(tmp_path: Path, seeds: Path) -> None:
    marker = tmp_path / "pwned"
    payload = (b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR.")  # pickle: os.system
    out = tmp_path / "out"
    _forge_state(out, seeds, payload, inputs=2, spool=len(payload), bodies=len(payload),
                 cleaned=True)
    result = cli("clean", seeds, "-o", out)
    assert not marker.exists(), "the state ran code"
    assert result.returncode == 0, result.stderr
    assert "started afresh" in result.stderr
    assert len(lines(out / "documents.jsonl")) == 2


@pytest.mark.parametrize("checkpoint", [
    {"inputs": "many", "spool": 0, "bodies": 0},
    {"inputs": 5, "spool": 0, "bodies": 0},  # more inputs than the spools hold
    {"inputs": 1, "spool": 10**9, "bodies": 0},
    {"inputs": 0, "spool": -4, "bodies": 0},
])
def test_a_state_that_does_not_parse_means_afresh_and_says_so(
        tmp_path: Path, seeds: Path, checkpoint: dict) -> None:
    out = tmp_path / "out"
    _forge_state(out, seeds, b"\x00garbage\xff" * 3, **checkpoint)
    result = cli("clean", seeds, "-o", out)
    assert result.returncode == 0, result.stderr
    assert "started afresh" in result.stderr and "Traceback" not in result.stderr
    assert len(lines(out / "documents.jsonl")) == 2 and lines(out / "errors.jsonl") == []


def test_a_link_planted_in_the_state_is_never_followed(tmp_path: Path, seeds: Path,
                                                       victim: Path) -> None:
    out = tmp_path / "out"
    _forge_state(out, seeds, b"", inputs=0, spool=0, bodies=0)
    for name in ("spool", "bodies", "checkpoint.json"):
        (out / ".cleaner-run" / name).unlink()
        (out / ".cleaner-run" / name).symlink_to(victim / "keep.db")
    before = snapshot(victim)
    result = cli("clean", seeds, "-o", out, "-q")
    assert result.returncode == 0, result.stderr
    assert snapshot(victim) == before
    assert len(lines(out / "documents.jsonl")) == 2


# --- 11. two runs on one OUTDIR ---------------------------------------------------------


def _slow_pages(folder: Path, count: int = 40) -> Path:
    folder.mkdir()
    for n in range(count):
        (folder / f"p{n:03}.txt").write_text(
            f"Story {n}\n" + f"The council met on day {n} to talk about the ferries. " * 1500)
    return folder


def test_a_second_run_on_a_busy_outdir_is_refused(tmp_path: Path) -> None:
    pages = _slow_pages(tmp_path / "in")
    out = tmp_path / "out"
    first = subprocess.Popen([*CLI, "clean", str(pages), "-o", str(out), "-q", "--jobs", "1"],
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not (out / ".cleaner-run").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = cli("clean", pages, "-o", out, "-q")
        assert first.poll() is None, "the first run ended before the second started"
        assert second.returncode == 2, second.stderr
        assert f"in use by pid {first.pid}" in second.stderr
    finally:
        assert first.wait(timeout=COMMAND_TIMEOUT) == 0, first.stderr.read()
    assert len(lines(out / "documents.jsonl")) == 40 and lines(out / "errors.jsonl") == []


def test_a_stale_lock_of_a_killed_run_is_taken_over(tmp_path: Path, seeds: Path) -> None:
    pages = _slow_pages(tmp_path / "in", count=20)
    out = tmp_path / "out"
    first = subprocess.Popen([*CLI, "clean", str(pages), "-o", str(out), "-q", "--jobs", "1"])
    deadline = time.monotonic() + 30
    while not (out / ".cleaner-run").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    result = cli("clean", pages, "-o", out, "-q")
    assert result.returncode == 0, result.stderr
    assert len(lines(out / "documents.jsonl")) == 20


# --- 13. names that cannot be file names ----------------------------------------------


def test_hostile_ids_become_safe_names(tmp_path: Path) -> None:
    body = "The council voted to fund two new ferries for the harbour this week. " * 6
    ids = ["\\ud800", "a\\udfffb", "../../../../etc/passwd", "x/" * 3000 + "deep",
           "long" * 500, "\\u0000nul", "ok"]
    source = tmp_path / "pages.jsonl"
    source.write_text("".join(f'{{"id": "{i}", "text": "{body} {n}"}}\n'
                              for n, i in enumerate(ids)), encoding="utf-8")
    out = tmp_path / "out"
    result = cli("clean", source, "-o", out, "-q")
    assert result.returncode == 0, result.stderr
    docs, errors = lines(out / "documents.jsonl"), lines(out / "errors.jsonl")
    assert len(docs) + len(errors) == len(ids)
    for doc in docs:
        if doc.get("text_path") is not None:
            path = out / doc["text_path"]
            assert path.is_file() and path.resolve().is_relative_to((out / "text").resolve())
            assert len(doc["text_path"].encode("utf-8", "surrogateescape")) <= 1100
            assert doc["text_path"].count("/") <= 17
    assert not (tmp_path / "etc").exists()


# --- 15. a disk that fills while the lists are written ----------------------------------

#: Bytes documents.jsonl may grow to before its writes fail (RLIMIT_FSIZE), set
#: when the writing pass starts, so cleaning and the spools are not affected.
FULL_AT = 200_000

FILL_WRAPPER = f"""
import resource, signal, sys
import cleaner.batch.run as pipeline
original = pipeline._write
def _write(*args, **kwargs):
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes then fail with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, ({FULL_AT}, resource.RLIM_INFINITY))
    return original(*args, **kwargs)
pipeline._write = _write
from cleaner.cli import main
if __name__ == '__main__':
    main()
"""


def test_a_full_disk_leaves_whole_lines_and_says_how_to_finish(tmp_path: Path) -> None:
    pages = tmp_path / "in"
    pages.mkdir()
    for n in range(60):
        (pages / f"p{n:03}.txt").write_text(
            f"Story number {n} about the harbour\n"
            + f"The council met on day {n} and voted again about the ferries. " * 60)
    out = tmp_path / "out"
    full = subprocess.run([sys.executable, "-c", FILL_WRAPPER, "clean", str(pages), "-o",
                           str(out), "-q"], capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT)
    assert full.returncode == 1 and "Traceback" not in full.stderr, full.stderr
    assert "whole lines" in full.stderr and "run the same command again" in full.stderr
    published = lines(out / "documents.jsonl")  # every line whole (strict parse)
    assert 0 < len(published) < 60
    again = cli("clean", pages, "-o", out, "-q")
    assert again.returncode == 0, again.stderr
    assert [d["id"] for d in lines(out / "documents.jsonl")][: len(published)] == [
        d["id"] for d in published]
    assert len(lines(out / "documents.jsonl")) == 60


# --- 17. OUTDIR inside an input folder ---------------------------------------------------


def test_a_run_never_reads_its_own_output(tmp_path: Path, seeds: Path) -> None:
    out = seeds / "cleaned"
    for _ in range(3):
        result = cli("clean", seeds, "-o", out, "-q", "--restart")
        assert result.returncode == 0, result.stderr
        assert len(lines(out / "documents.jsonl")) == 2
        assert lines(out / "errors.jsonl") == []


def test_the_output_folder_as_input_is_a_usage_error(tmp_path: Path, seeds: Path) -> None:
    result = cli("clean", seeds, "-o", seeds, "-q")
    assert result.returncode == 2 and "output folder" in result.stderr


def test_outdir_files_are_not_links_after_a_run(tmp_path: Path, seeds: Path) -> None:
    out = tmp_path / "out"
    assert cli("clean", seeds, "-o", out, "-q").returncode == 0
    assert not any(os.path.islink(p) for p in out.rglob("*"))
