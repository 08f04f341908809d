"""Inputs that used to end a run or cost too much: link loops in a folder, and
compressed files of many thousands of members."""

from __future__ import annotations

import bz2
import gzip
import json
import shutil
import time
from pathlib import Path

import pytest
from conftest import SEEDS

from cleaner.batch.config import RunConfig
from cleaner.batch.run import run
from cleaner.inputs.base import Input
from cleaner.inputs.files import read_input


def test_a_link_loop_in_a_folder_is_an_error_record_and_the_run_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    (folder / "self.html").symlink_to("self.html")  # a file link to itself
    (folder / "a.txt").symlink_to("b.txt")
    (folder / "b.txt").symlink_to("a.txt")  # two links in a circle
    (folder / "loop").symlink_to(".")  # a folder link to its own folder
    out = tmp_path / "out"
    summary = run([str(folder)], out, RunConfig(jobs=1))
    errors = {Path(e["source"]).name: e["error"] for e in
              map(json.loads, (out / "errors.jsonl").read_text().splitlines())}
    assert summary.kept == 2
    assert set(errors) == {"self.html", "a.txt", "b.txt"}
    assert all("link" in message for message in errors.values())


def _read_seconds(path: Path) -> float:
    """The best of three reads of a page file, in seconds."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        read_input(Input(str(path), path.name, "text"))
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize(("compress", "suffix"), [(gzip.compress, ".gz"), (bz2.compress, ".bz2")],
                         ids=["gzip", "bzip2"])
def test_a_file_of_many_members_reads_in_linear_time(tmp_path: Path, compress,
                                                     suffix: str) -> None:
    member = compress(b"<p>a line of the page</p>\n")
    small, big = tmp_path / f"small.txt{suffix}", tmp_path / f"big.txt{suffix}"
    small.write_bytes(member * 10_000)
    big.write_bytes(member * 80_000)
    assert len(read_input(Input(str(big), big.name, "text"))) == 80_000 * 26
    ratio = _read_seconds(big) / _read_seconds(small)
    # eight times the members: about eight times the time when linear; a copy of
    # the rest of the file per member (quadratic) gives 40 or more
    assert ratio < 20, f"8x the members took {ratio:.0f}x the time"
