"""Exit codes a script can rely on: 130 after Ctrl-C (with the work saved), 2 for an
OUTDIR of another run, 1 with --strict when an input failed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner
from test_inputs_containers import STORY, page

from cleaner.cli import main

#: Pages of the interrupted run: some seconds of work, so the interrupt lands in it.
PAGES = 2000
CLI = [sys.executable, "-c", "from cleaner.cli import main\nif __name__ == '__main__': main()"]


def _folder(path: Path, pages: int) -> Path:
    path.mkdir()
    for n in range(pages):
        (path / f"p{n:04d}.html").write_text(page(f"Story {n}", STORY.replace(
            "Tuesday", f"day {n}")), encoding="utf-8")
    return path


def test_ctrl_c_exits_130_and_the_same_command_resumes(tmp_path: Path) -> None:
    pages = _folder(tmp_path / "in", PAGES)
    out = tmp_path / "out"
    command = [*CLI, "clean", str(pages), "-o", str(out), "--jobs", "1"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    # interrupt once the run has checkpointed some pages (it has many more to go)
    deadline = time.monotonic() + 120
    while not (out / ".cleaner-run" / "checkpoint.json").exists():
        assert proc.poll() is None and time.monotonic() < deadline, "no checkpoint"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends: the whole process group
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err.decode()
    assert "run the same command again to resume" in err.decode()
    again = subprocess.run(command, capture_output=True, timeout=600, check=False)
    assert again.returncode == 0, again.stderr.decode()
    assert "resumed an interrupted run" in again.stderr.decode()
    records = [json.loads(x) for x in (out / "documents.jsonl").read_text().splitlines()]
    assert len(records) == PAGES


def test_strict_and_another_runs_outdir(tmp_path: Path) -> None:
    pages = _folder(tmp_path / "in", 2)
    (pages / "empty.html").write_text("<html><body></body></html>", encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(main, ["clean", str(pages), "-o", str(out), "-q"]).exit_code == 0
    strict = runner.invoke(main, ["clean", str(pages), "-o", str(out), "-q", "--strict",
                                  "--restart"])
    assert strict.exit_code == 1
    other = runner.invoke(main, ["clean", str(pages), "-o", str(out), "-q",
                                 "--threshold", "0.9"])
    assert other.exit_code == 2 and "holds the output of a different run" in other.output
