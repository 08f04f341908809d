"""Crash safety: a run killed with SIGKILL and started again ends with the uninterrupted output."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, read_jsonl

from cleaner.batch.state import STATE_DIR
from cleaner.cli import main

CLEANER = str(Path(sys.executable).with_name("cleaner"))
WORDS = ("river council bridge harvest market school station festival museum library "
         "engineer farmer teacher doctor village valley harbour mountain forest garden "
         "opened rebuilt announced delayed measured improved visited described").split()


def build_folder(folder: Path, pages: int) -> None:
    """HTML pages from fixtures/html, each with its own story paragraphs (some near-copies),
    text dumps, and two bad files."""
    rng = random.Random(4)
    templates = sorted((FIXTURES / "html").glob("*.html"))
    for n in range(pages):
        story = n - n % 7 if n % 5 == 0 else n  # every fifth page repeats an earlier story
        words = random.Random(story)
        paragraphs = "".join(
            "<p>" + " ".join(words.choice(WORDS) for _ in range(40)).capitalize() + ".</p>"
            for _ in range(5))
        html = templates[n % len(templates)].read_text(encoding="utf-8")
        html = html.replace("</body>", f"<article>{paragraphs}</article></body>", 1)
        sub = folder / f"part{n % 4}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"page {n:04d}.html").write_text(html, encoding="utf-8")
    for n in range(20):
        lines = ["Home", "News", f"Story number {n} about the {rng.choice(WORDS)}"]
        lines += [" ".join(rng.choice(WORDS) for _ in range(30)).capitalize() + "."
                  for _ in range(6)]
        (folder / f"dump{n:02d}.txt").write_text("\n".join(lines), encoding="utf-8")
    (folder / "broken.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (folder / "empty.txt").write_bytes(b"")


def snapshot(out: Path) -> dict[str, bytes]:
    """Every output file (the state folder aside), by relative path."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and STATE_DIR not in p.parts}


def start(folder: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([CLEANER, "clean", str(folder), "-o", str(out), "--jobs", "1", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_when(proc: subprocess.Popen, ready, limit: float = 120.0) -> bool:
    """SIGKILL the run as soon as `ready()` holds; False if it finished first."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if ready():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.002)
    proc.kill()
    raise AssertionError("the run neither reached the point nor finished")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    folder = tmp_path_factory.mktemp("resume") / "in"
    build_folder(folder, 560)
    reference = tmp_path_factory.mktemp("reference") / "out"
    proc = start(folder, reference)
    assert proc.wait() == 0, proc.stderr.read().decode()
    files = snapshot(reference)
    assert len(read_jsonl(reference / "errors.jsonl")) == 2
    assert any(r["duplicate_of"] for r in read_jsonl(reference / "documents.jsonl"))
    return folder, files


def _between_checkpoints(out: Path) -> bool:
    """Cleaning, with pages spooled after the last checkpoint (they must not count)."""
    state = out / STATE_DIR
    try:
        point = json.loads((state / "checkpoint.json").read_text())
        spooled = (state / "spool").stat().st_size
    except (OSError, ValueError):
        return False
    return not point["cleaned"] and spooled > point["spool"] + 50_000


def _writing(out: Path) -> bool:
    text = out / "text"
    return text.is_dir() and any(text.iterdir())


@pytest.mark.parametrize("moment", ["while cleaning", "while writing"])
def test_a_killed_run_started_again_gives_the_uninterrupted_output(
        corpus, tmp_path: Path, moment: str) -> None:
    folder, expected = corpus
    out = tmp_path / "out"
    ready = (lambda: _between_checkpoints(out)) if moment == "while cleaning" else (
        lambda: _writing(out))
    assert kill_when(start(folder, out), ready), "the run finished before it could be killed"
    again = subprocess.run([CLEANER, "clean", str(folder), "-o", str(out), "--jobs", "1"],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "resumed an interrupted run" in again.stderr
    assert snapshot(out) == expected  # nothing lost, nothing twice, no temp file left


def test_a_finished_run_is_not_run_again_and_restart_runs_it(corpus, tmp_path: Path) -> None:
    folder, expected = corpus
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(main, ["clean", str(folder), "-o", str(out), "--jobs", "1"])
    assert first.exit_code == 0 and snapshot(out) == expected
    again = runner.invoke(main, ["clean", str(folder), "-o", str(out), "--jobs", "1"])
    assert "already holds this run's finished output" in again.stderr
    assert snapshot(out) == expected
    (out / "documents.jsonl").write_text("")
    restart = runner.invoke(main, ["clean", str(folder), "-o", str(out), "--jobs", "1",
                                   "--restart", "-q"])
    assert restart.exit_code == 0 and snapshot(out) == expected


def test_another_command_in_the_same_folder_is_refused_and_restart_replaces_it(
        corpus, tmp_path: Path) -> None:
    folder, _ = corpus
    out = tmp_path / "out"
    runner = CliRunner()
    runner.invoke(main, ["clean", str(folder / "part0"), "-o", str(out), "-q", "--jobs", "1"])
    first = snapshot(out)
    other = runner.invoke(main, ["clean", str(folder / "part1"), "-o", str(out), "--jobs", "1"])
    assert other.exit_code != 0 and "holds the output of a different run" in other.stderr
    assert snapshot(out) == first  # refused before any work
    restarted = runner.invoke(main, ["clean", str(folder / "part1"), "-o", str(out), "-q",
                                     "--jobs", "1", "--restart"])
    assert restarted.exit_code == 0, restarted.output
    sources = {r["source"] for r in read_jsonl(out / "documents.jsonl")}
    assert sources and all("part1" in s for s in sources)
    written = {p.relative_to(out).as_posix() for p in (out / "text").rglob("*.txt")}
    assert written == {r["text_path"] for r in read_jsonl(out / "documents.jsonl")
                       if r.get("text_path")}  # no text file of the part0 run left
