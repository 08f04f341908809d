"""Pages that never end, pages that eat memory, and a run that is killed: the limits
hold, whatever the extraction code does, and no worker is left behind.

The bad pages are made bad by a wrapper around `cleaner clean` that makes the
text classifier, for pages holding a mark, do what hostile input does to C
code: run for minutes inside one call (`hashlib.pbkdf2_hmac`, which no signal
interrupts), catch every exception and carry on, or allocate gigabytes.
"""

from __future__ import annotations

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

WRAPPER = """
import hashlib, sys, time
import cleaner.extract.text as text
original = text.classify
def classify(page):
    if "STALL" in page:  # minutes inside one C call
        hashlib.pbkdf2_hmac("sha256", b"key", b"salt", 10**9)
    if "SWALLOW" in page:  # extraction code that catches everything and retries
        while True:
            try:
                time.sleep(0.01)
            except Exception:
                pass
    if "HOG" in page:  # a page that needs 3 GB
        hog = bytearray(3 << 30)
        hog[::4096] = b"x" * len(hog[::4096])
    return original(page)
text.classify = classify
from cleaner.cli import main
if __name__ == "__main__":
    main()
"""
#: A generous bound for a command whose pages all end within their limits.
COMMAND_TIMEOUT = 120


def wrapped(tmp_path: Path, *args: str | Path, timeout: float = COMMAND_TIMEOUT,
            ) -> subprocess.CompletedProcess:
    script = tmp_path / "wrapped_cleaner.py"
    script.write_text(WRAPPER)
    return subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)


def batch(tmp_path: Path, *marks: str) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    for mark in marks:
        (folder / f"{mark.lower()}.txt").write_text(
            f"Home\n{mark}\n" + "A sentence of prose about the harbour. " * 30)
    return folder


def errors_of(out: Path) -> dict[str, str]:
    return {Path(e["source"]).name: e["error"]
            for e in map(json.loads, (out / "errors.jsonl").read_text().splitlines())}


def documents_of(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "documents.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_page_stuck_in_c_code_is_stopped_at_the_time_limit(tmp_path: Path, jobs: str) -> None:
    folder = batch(tmp_path, "STALL")
    out = tmp_path / "out"
    start = time.monotonic()
    result = wrapped(tmp_path, "clean", folder, "-o", out, "-q", "--timeout", "2",
                     "--jobs", jobs, timeout=60)
    took = time.monotonic() - start
    assert result.returncode == 0, result.stderr
    assert errors_of(out)["stall.txt"].startswith("timed out after 2 s")
    assert len(documents_of(out)) == 2  # the other pages, whole
    assert took < 30, f"a 2 s limit took {took:.0f} s"


def test_extraction_code_cannot_swallow_the_time_limit(tmp_path: Path) -> None:
    folder = batch(tmp_path, "SWALLOW")
    out = tmp_path / "out"
    result = wrapped(tmp_path, "clean", folder, "-o", out, "-q", "--timeout", "1",
                     "--jobs", "1", timeout=60)
    assert result.returncode == 0, result.stderr
    assert errors_of(out)["swallow.txt"].startswith("timed out after 1 s")
    assert len(documents_of(out)) == 2


def test_a_page_that_needs_too_much_memory_is_an_error_record(tmp_path: Path) -> None:
    folder = batch(tmp_path, "HOG")
    out = tmp_path / "out"
    measure = (
        "import resource, subprocess, sys\n"
        f"subprocess.run({[sys.executable, str(tmp_path / 'wrapped_cleaner.py')]!r} "
        "+ sys.argv[1:], check=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    (tmp_path / "wrapped_cleaner.py").write_text(WRAPPER)
    result = subprocess.run([sys.executable, "-c", measure, "clean", str(folder), "-o",
                             str(out), "-q", "--jobs", "1"], capture_output=True, text=True,
                            timeout=COMMAND_TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert "out of memory" in errors_of(out)["hog.txt"]
    assert len(documents_of(out)) == 2
    peak_mib = int(result.stdout.split()[-1]) / 1024  # of any process of the run
    assert peak_mib < 1024, f"a worker reached {peak_mib:.0f} MiB"


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(n) for n in handle.read().split()]
    except OSError:
        return []


def _running(pid: int) -> bool:
    """Alive and not a zombie (a dead process its new parent has not reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_the_run_leaves_no_worker_behind(tmp_path: Path) -> None:
    folder = batch(tmp_path, "STALL")
    for n in range(3):
        shutil.copy(folder / "stall.txt", folder / f"stall{n}.txt")
    script = tmp_path / "wrapped_cleaner.py"
    script.write_text(WRAPPER)
    run = subprocess.Popen([sys.executable, str(script), "clean", str(folder), "-o",
                            str(tmp_path / "out"), "-q", "--jobs", "2", "--timeout", "600"])
    try:
        deadline = time.monotonic() + 30
        while len(_children(run.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = _children(run.pid)
        assert workers, "no workers started"
        time.sleep(1.0)  # the workers are on the stuck pages now
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in workers if _running(pid)]
    for pid in left:  # do not leave them burning CPU for the rest of the suite
        os.kill(pid, signal.SIGKILL)
    assert left == [], "workers outlived their run"
