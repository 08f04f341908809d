"""Reruns into an OUTDIR (issue 16): another run's output is refused or, restarted,
replaced whole; --no-text-files' setting; Ctrl-C keeps every page done; what the
folder walk skipped, counted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import read_jsonl
from hostile import make_victim, snapshot, text_dump

from cleaner.batch import state as run_state
from cleaner.batch.config import RunConfig
from cleaner.batch.outputs import RunWriter
from cleaner.batch.rerun import DifferentRunError
from cleaner.batch.run import run
from cleaner.cli import main
from cleaner.errors import CleanerError
from cleaner.inputs.files import (
    SKIP_HIDDEN,
    SKIP_SPECIAL,
    SKIP_TWICE,
    SKIP_UNKNOWN,
    list_files,
)

STATE = ".cleaner-run"
REFUSED = "holds the output of a different run"
ONE_JOB = RunConfig(jobs=1)


def pages(folder: Path, seeds: range, prefix: str = "p") -> Path:
    """Text dumps `prefix`NN.txt, one per seed (distinct stories: no duplicates)."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in seeds:
        (folder / f"{prefix}{n:02}.txt").write_text(text_dump(n), encoding="utf-8")
    return folder


def outputs(out: Path) -> dict[str, bytes]:
    """Every file a run leaves for its user (the state and the lock aside)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and STATE not in p.parts and p.name != ".cleaner-lock"}


def untouched(out: Path) -> dict[str, tuple]:
    """Everything in OUTDIR, with mtimes, but the lock (every run takes it)."""
    return {k: v for k, v in snapshot(out).items() if not k.endswith(".cleaner-lock")}


def text_files(out: Path) -> list[str]:
    return sorted(p.relative_to(out / "text").as_posix() for p in (out / "text").rglob("*")
                  if not p.is_dir())


@pytest.fixture
def two_inputs(tmp_path: Path) -> tuple[Path, Path]:
    """Two folders whose pages have different names: a mix would show."""
    return pages(tmp_path / "a", range(0, 5), "a"), pages(tmp_path / "b", range(10, 12), "b")


# --- 1. another run's output: refused before any work, or replaced whole -------------


@pytest.mark.parametrize("change", ["other inputs", "other settings", "no text files"])
def test_a_run_into_another_runs_output_is_refused_and_changes_nothing(
        tmp_path: Path, two_inputs: tuple[Path, Path], change: str) -> None:
    a, b = two_inputs
    out = tmp_path / "out"
    run([str(a)], out, ONE_JOB)
    before = untouched(out)
    paths, config = {"other inputs": lambda: ([str(b)], ONE_JOB),
                     "other settings": lambda: ([str(a)], RunConfig(jobs=1, threshold=0.5)),
                     "no text files": lambda: ([str(a)], RunConfig(jobs=1, text_files=False)),
                     }[change]()
    with pytest.raises(DifferentRunError) as refused:
        run(paths, out, config)
    assert isinstance(refused.value, OSError)  # what the CLI reports as a refusal
    assert isinstance(refused.value, CleanerError)  # as all the library refuses
    assert REFUSED in refused.value.strerror and "--restart" in refused.value.strerror
    assert untouched(out) == before  # no file removed, written or even touched


def test_restart_replaces_the_other_runs_output_whole(
        tmp_path: Path, two_inputs: tuple[Path, Path]) -> None:
    a, b = two_inputs
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    run([str(a)], out, ONE_JOB)
    (out / "report.html").write_text("<p>the first run's report</p>")
    (out / "notes.md").write_text("the user's own file")  # not cleaner's: it stays
    summary = run([str(b)], out, ONE_JOB, restart=True)
    run([str(b)], fresh, ONE_JOB)
    assert outputs(out) == {**outputs(fresh), "notes.md": b"the user's own file"}
    assert text_files(out) == ["b10.txt", "b11.txt"] and summary.read == 2
    again = run([str(b)], out, ONE_JOB)  # the new run is the folder's run now
    assert again.already_complete


def test_the_same_run_resumes_and_a_finished_one_is_found_finished(
        tmp_path: Path, two_inputs: tuple[Path, Path]) -> None:
    a, _ = two_inputs
    out = tmp_path / "out"
    run([str(a)], out, ONE_JOB)
    finished = outputs(out)
    assert run([str(a)], out, ONE_JOB).already_complete and outputs(out) == finished
    again = run([str(a)], out, ONE_JOB, restart=True)  # the same run, from scratch
    assert not again.already_complete and outputs(out) == finished


def test_lists_with_no_state_beside_them_are_another_runs(
        tmp_path: Path, two_inputs: tuple[Path, Path]) -> None:
    a, _ = two_inputs
    out = tmp_path / "out"
    run([str(a)], out, ONE_JOB)
    (out / STATE / "run.json").unlink()  # nothing says which run wrote the lists now
    before = untouched(out)
    with pytest.raises(DifferentRunError, match="no run state"):
        run([str(a)], out, ONE_JOB)
    assert untouched(out) == before
    run([str(a)], out, ONE_JOB, restart=True)
    assert len(read_jsonl(out / "documents.jsonl")) == 5


def test_another_run_killed_while_writing_its_text_files_is_refused(
        tmp_path: Path, two_inputs: tuple[Path, Path]) -> None:
    """Its text files are out, its lists not yet: the text/ tree is its output."""
    a, b = two_inputs
    out = tmp_path / "out"
    run([str(a)], out, ONE_JOB)
    for name in ("documents.jsonl", "errors.jsonl"):
        (out / name).unlink()
    info = json.loads((out / STATE / "run.json").read_text())
    (out / STATE / "run.json").write_text(json.dumps({"key": info["key"]}))  # unfinished
    with pytest.raises(DifferentRunError):
        run([str(b)], out, ONE_JOB)
    run([str(b)], out, ONE_JOB, restart=True)
    assert text_files(out) == ["b10.txt", "b11.txt"]


def test_a_restart_stopped_half_way_leaves_a_folder_every_run_refuses(
        tmp_path: Path, two_inputs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither the old command (finished, its files half gone) nor the new one (beside
    what is left) may take the folder as theirs; a restart clears it."""
    from cleaner.batch import outdir

    a, b = two_inputs
    out = tmp_path / "out"
    run([str(a)], out, ONE_JOB)
    real_remove = outdir.OutDir.remove

    def killed_at_the_lists(self: outdir.OutDir, relpath: str) -> None:
        if relpath == "errors.jsonl":
            raise KeyboardInterrupt
        real_remove(self, relpath)

    monkeypatch.setattr(outdir.OutDir, "remove", killed_at_the_lists)
    with pytest.raises(KeyboardInterrupt):
        run([str(b)], out, ONE_JOB, restart=True)
    monkeypatch.setattr(outdir.OutDir, "remove", real_remove)
    assert not (out / "text").exists() and (out / "documents.jsonl").exists()
    for paths in ([str(a)], [str(b)]):
        with pytest.raises(DifferentRunError, match="stopped while it replaced"):
            run(paths, out, ONE_JOB)
    run([str(b)], out, ONE_JOB, restart=True)
    assert text_files(out) == ["b10.txt", "b11.txt"]


def test_restart_removes_links_in_text_and_never_what_they_point_to(
        tmp_path: Path, two_inputs: tuple[Path, Path]) -> None:
    a, b = two_inputs
    out = tmp_path / "out"
    victim = make_victim(tmp_path)
    run([str(a)], out, ONE_JOB)
    (out / "text" / "sub").mkdir()
    (out / "text" / "sub" / "folder").symlink_to(victim, target_is_directory=True)
    (out / "text" / "file.txt").symlink_to(victim / "keep.db")
    (out / "index.sqlite").write_bytes(b"an --index kept in OUTDIR")
    before = snapshot(victim)
    run([str(b)], out, ONE_JOB, restart=True)
    assert snapshot(victim) == before
    assert text_files(out) == ["b10.txt", "b11.txt"]  # the links went, as links
    assert (out / "index.sqlite").read_bytes() == b"an --index kept in OUTDIR"


def test_restart_through_the_cli_leaves_no_stale_text_file(
        tmp_path: Path, two_inputs: tuple[Path, Path]) -> None:
    a, b = two_inputs
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(main, ["clean", str(a), "-o", str(out), "-q", "--jobs", "1"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(main, ["clean", str(b), "-o", str(out), "-q", "--jobs", "1",
                                  "--restart"])
    assert second.exit_code == 0, second.output
    assert text_files(out) == ["b10.txt", "b11.txt"]
    assert {r["source"] for r in read_jsonl(out / "documents.jsonl")} == {
        str(b / "b10.txt"), str(b / "b11.txt")}


def test_the_cli_refuses_another_runs_output_with_exit_code_2(
        tmp_path: Path, two_inputs: tuple[Path, Path]) -> None:
    a, b = two_inputs
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(main, ["clean", str(a), "-o", str(out), "-q", "--jobs", "1"]
                         ).exit_code == 0
    before = outputs(out)
    refused = runner.invoke(main, ["clean", str(b), "-o", str(out), "-q", "--jobs", "1"])
    assert refused.exit_code == 2, refused.output
    assert REFUSED in refused.stderr and "--restart" in refused.stderr
    assert "Traceback" not in refused.stderr and outputs(out) == before


def test_stdin_run_again_replaces_its_earlier_output(tmp_path: Path) -> None:
    """Input from stdin is never resumed: the same command again is a new run of the
    same settings, and replaces the earlier one's files whole."""
    out = tmp_path / "out"
    runner = CliRunner()

    def jsonl(ids: range) -> str:
        return "".join(json.dumps({"id": f"doc{n}", "text": text_dump(n)}) + "\n" for n in ids)

    for ids in (range(0, 3), range(3, 5)):
        result = runner.invoke(main, ["clean", "-", "-o", str(out), "-q", "--jobs", "1"],
                               input=jsonl(ids))
        assert result.exit_code == 0, result.output
    assert [r["id"] for r in read_jsonl(out / "documents.jsonl")] == ["doc3", "doc4"]
    assert text_files(out) == ["stdin/doc3.txt", "stdin/doc4.txt"]


# --- 2. no text files -----------------------------------------------------------------


def test_no_text_files_writes_the_records_alone(tmp_path: Path,
                                                two_inputs: tuple[Path, Path]) -> None:
    a, _ = two_inputs
    with_files, without = tmp_path / "with", tmp_path / "without"
    run([str(a)], with_files, ONE_JOB)
    summary = run([str(a)], without, RunConfig(jobs=1, text_files=False))
    assert not (without / "text").exists()
    records = read_jsonl(without / "documents.jsonl")
    assert records and all("text_path" not in r for r in records)
    assert records == [{k: v for k, v in r.items() if k != "text_path"}
                       for r in read_jsonl(with_files / "documents.jsonl")]
    assert summary.kept == 5 and summary.chars_out > 0
    assert run([str(a)], without, RunConfig(jobs=1, text_files=False)).already_complete


# --- 3. Ctrl-C --------------------------------------------------------------------------


class CtrlC:
    """A progress reporter that raises KeyboardInterrupt when `after` pages are done,
    as Ctrl-C does in the middle of a run."""

    def __init__(self, after: int | None) -> None:
        self.after, self.done = after, 0
        self.updates: list[int] = []

    def __call__(self, total: int | None) -> CtrlC:
        return self

    def update(self, pages: int = 1) -> None:
        self.updates.append(pages)
        self.done += pages
        if self.after is not None and self.done >= self.after:
            raise KeyboardInterrupt

    def close(self) -> None:
        pass


def test_ctrl_c_keeps_every_page_done_and_the_same_call_resumes_after_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = pages(tmp_path / "in", range(12))
    (folder / "bad.txt").write_bytes(b"")  # an error record among the pages
    reference, out = tmp_path / "reference", tmp_path / "out"
    expected = run([str(folder)], reference, ONE_JOB)
    # no timed checkpoint: what the interrupted run keeps is what Ctrl-C saved
    monkeypatch.setattr(run_state, "CHECKPOINT_SECONDS", 1e9)
    with pytest.raises(KeyboardInterrupt):
        run([str(folder)], out, ONE_JOB, progress=CtrlC(after=5))
    assert not (out / "documents.jsonl").exists()  # stopped while cleaning

    real_write_text = RunWriter.write_text
    written: list[str] = []

    def ctrl_c_while_writing(self: RunWriter, relpath: str, title: str | None,
                             body: str) -> Path:
        if len(written) == 3:
            raise KeyboardInterrupt
        written.append(relpath)
        return real_write_text(self, relpath, title, body)

    monkeypatch.setattr(RunWriter, "write_text", ctrl_c_while_writing)
    progress = CtrlC(after=None)
    with pytest.raises(KeyboardInterrupt):
        run([str(folder)], out, ONE_JOB, progress=progress)  # stopped again, writing
    monkeypatch.setattr(RunWriter, "write_text", real_write_text)
    assert progress.updates == [5] + [1] * 8  # it went on after the 5 pages done
    finished = run([str(folder)], out, ONE_JOB)
    assert finished.resumed_at == 13  # every input was cleaned before the second Ctrl-C
    assert outputs(out) == outputs(reference)
    assert (finished.read, finished.kept, finished.errors) == (
        expected.read, expected.kept, expected.errors) == (13, 12, 1)


def test_ctrl_c_while_cleaning_resumes_after_the_pages_done(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = pages(tmp_path / "in", range(12))
    reference, out = tmp_path / "reference", tmp_path / "out"
    run([str(folder)], reference, ONE_JOB)
    monkeypatch.setattr(run_state, "CHECKPOINT_SECONDS", 1e9)
    with pytest.raises(KeyboardInterrupt):
        run([str(folder)], out, ONE_JOB, progress=CtrlC(after=5))
    again = run([str(folder)], out, ONE_JOB)
    assert again.resumed_at == 5  # not 0: the pages done before Ctrl-C were kept
    assert outputs(out) == outputs(reference)


# --- 4. what the walk skipped -------------------------------------------------------------


def test_list_files_counts_what_the_walk_passes_over(tmp_path: Path) -> None:
    root = pages(tmp_path / "in", range(2))
    (root / "notes.md").write_text("not a page")
    (root / "logo.png").write_bytes(b"\x89PNG")
    (root / ".draft.txt").write_text("hidden")
    (root / ".git").mkdir()
    (root / ".git" / "page.html").write_text("<p>in a hidden folder: one entry</p>")
    (root / "z-again.txt").symlink_to(root / "p00.txt")  # after it: p00.txt is read
    (root / "loop").symlink_to(root, target_is_directory=True)
    os.mkfifo(root / "pipe.html")
    (root / "out").mkdir()  # the output folder, inside the input: not an input skipped
    (root / "out" / "documents.jsonl").write_text("")
    skipped: dict[str, int] = {}
    files = list_files([str(root)], exclude=root / "out", skipped=skipped)
    assert [relpath for _, relpath in files] == ["p00.txt", "p01.txt"]
    assert files == list_files([str(root)], exclude=root / "out")  # callers without counts
    assert skipped == {SKIP_UNKNOWN: 2, SKIP_HIDDEN: 2, SKIP_TWICE: 2, SKIP_SPECIAL: 1}


def test_the_run_summary_says_what_was_skipped(tmp_path: Path) -> None:
    folder = pages(tmp_path / "in", range(3))
    (folder / "notes.md").write_text("not a page")
    (folder / "data.csv").write_text("a,b")
    (folder / ".hidden.txt").write_text("hidden")
    (folder / "empty.txt").write_bytes(b"")  # read, and an error: not skipped
    summary = run([str(folder)], tmp_path / "out", ONE_JOB)
    assert summary.skipped == {SKIP_UNKNOWN: 2, SKIP_HIDDEN: 1}
    assert summary.line().endswith("; skipped 3 files: 2 unknown type, 1 hidden")
    assert summary.errors == 1 == len(read_jsonl(tmp_path / "out" / "errors.jsonl"))
    plain = run([str(pages(tmp_path / "plain", range(2)))], tmp_path / "out2", ONE_JOB)
    assert plain.skipped == {} and "skipped" not in plain.line()


def test_the_cli_summary_line_says_what_was_skipped(tmp_path: Path) -> None:
    folder = pages(tmp_path / "in", range(2))
    (folder / "readme.md").write_text("not a page")
    result = CliRunner().invoke(main, ["clean", str(folder), "-o", str(tmp_path / "out"),
                                       "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "skipped 1 file: 1 unknown type" in result.stderr
