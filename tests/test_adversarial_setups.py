"""Acceptance test, continued: the classes of the security review that need a set-up of
their own (files of very many members, links in OUTDIR, forged run state, a busy or
killed run, the dedup step, a full disk, OUTDIR inside the input). See
`test_adversarial.py` for the shared hostile tree."""

from __future__ import annotations

import base64
import bz2
import gzip
import json
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import msgpack
import pytest
from conftest import SEEDS
from hostile import (
    STALLER,
    cli,
    make_victim,
    prose,
    run_all,
    seed_folder,
    snapshot,
    strict_lines,
    text_dump,
)

# --- 6. compressed files of very many members ----------------------------------------

#: These two read in ~3 s here (6.5 us a gzip member) after ~2 s of start-up; copying
#: the rest of the file per member (quadratic) takes hours. 30 s leaves 6x for CI.
MANY_MEMBERS_SECONDS = 30


def test_files_of_many_members_are_read_within_seconds(tmp_path: Path) -> None:
    (tmp_path / "members.txt.gz").write_bytes(gzip.compress(text_dump(9).encode(), mtime=0)
                                              + gzip.compress(b"\n", mtime=0) * 299_999)
    (tmp_path / "streams.txt.bz2").write_bytes(bz2.compress(text_dump(10).encode())
                                               + bz2.compress(b"\n") * 99_999)
    start = time.monotonic()
    result = cli("clean", tmp_path / "members.txt.gz", tmp_path / "streams.txt.bz2", "-o",
                 tmp_path / "out", "-q", "--jobs", "2", "--timeout", MANY_MEMBERS_SECONDS)
    assert time.monotonic() - start < MANY_MEMBERS_SECONDS
    assert result.returncode == 0, result.stderr
    assert strict_lines(tmp_path / "out" / "errors.jsonl") == []
    docs = strict_lines(tmp_path / "out" / "documents.jsonl")
    assert [[p in d["text"] for p in prose(seed)] for d, seed in zip(docs, (9, 10), strict=True)
            ] == [[True] * 4] * 2


# --- 1 + 10. links in OUTDIR ---------------------------------------------------------


def test_links_in_outdir_are_refused_or_replaced_never_followed(tmp_path: Path) -> None:
    victim = make_victim(tmp_path)
    pages = seed_folder(tmp_path / "in", "news")
    (pages / "sport").mkdir()
    for n in (1, 2):
        (pages / "sport" / f"s{n}.txt").write_text(text_dump(70 + n))
    planted = {".cleaner-run": victim, "text": victim, "documents.jsonl": victim / "keep.db"}
    for entry, target in planted.items():
        (tmp_path / f"out-{entry}").mkdir()
        (tmp_path / f"out-{entry}" / entry).symlink_to(target)
    inside = tmp_path / "out"
    (inside / "text" / "sport").mkdir(parents=True)
    (inside / "text" / "news").symlink_to(victim)  # a folder the run writes in
    (inside / "text" / "sport" / "s1.txt").symlink_to(tmp_path / "nowhere" / "gone.txt")
    before = snapshot(victim)
    results = run_all([["clean", pages, "-o", tmp_path / f"out-{e}", "-q"] for e in planted]
                      + [["clean", pages, "-o", inside, "-q"]])
    for entry, result in zip(planted, results[:-1], strict=True):
        assert result.returncode == 2, (entry, result.stderr)
        [line] = result.stderr.strip().splitlines()  # one clear line, no traceback
        assert "symbolic link" in line and (tmp_path / f"out-{entry}" / entry).is_symlink()
    assert results[-1].returncode == 0, results[-1].stderr
    assert snapshot(victim) == before and not (tmp_path / "nowhere").exists()
    for sub, names in [("news", [p.with_suffix(".txt").name for p in SEEDS.iterdir()]),
                       ("sport", ["s1.txt", "s2.txt"])]:
        folder = inside / "text" / sub
        assert not folder.is_symlink() and not any(p.is_symlink() for p in folder.iterdir())
        assert sorted(p.name for p in folder.iterdir()) == sorted(names)
    assert len(strict_lines(inside / "documents.jsonl")) == 4


# --- 2. forged run state -----------------------------------------------------------------


def frame(body: bytes) -> bytes:
    """A run-state frame: its length (8 bytes, little-endian), then its bytes."""
    return struct.pack("<Q", len(body)) + body


def forgeries(marker: Path) -> dict[str, tuple[bytes, dict]]:
    """name -> (the bytes of every state file, checkpoint.json)."""
    pickle = b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."  # os.system(touch)
    entry = msgpack.packb(["doc", "id", 10, "T", "text", "{", "}", ["x"] * 12])
    wrong = msgpack.packb(["doc", 7, "ten", None, 1.5, b"", [], {}])
    return {name: (data, {"inputs": 1, "spool": len(data), "bodies": len(data),
                          "cleaned": True, **checkpoint})
            for name, data, checkpoint in [
                ("pickle", pickle, {}), ("framed pickle", frame(pickle), {}),
                ("garbage", b"\x00garbage\xff" * 3, {}),
                ("truncated msgpack", frame(entry)[:-5], {}),
                ("truncated frame", frame(entry) + frame(entry)[:6], {"inputs": 2}),
                ("wrong types", frame(wrong), {}),
                ("checkpoint types", frame(entry), {"inputs": "many", "cleaned": "yes"}),
                ("more inputs than held", b"", {"inputs": 5}),
                ("sizes past the end", b"", {"spool": 10**9}),
                ("negative sizes", frame(entry), {"spool": -4, "bodies": -4})]}


def test_a_forged_run_state_runs_no_code_and_the_run_starts_afresh(tmp_path: Path) -> None:
    pages = seed_folder(tmp_path / "in")
    reference = cli("clean", pages, "-o", tmp_path / "ref", "-q", "--jobs", "1")
    assert reference.returncode == 0, reference.stderr
    key = json.loads((tmp_path / "ref" / ".cleaner-run" / "run.json").read_text())["key"]
    marker = tmp_path / "pwned"
    cases = {**forgeries(marker), "run.json not JSON": (b"", {})}
    for n, (name, (data, checkpoint)) in enumerate(cases.items()):
        state = tmp_path / f"out{n}" / ".cleaner-run"
        state.mkdir(parents=True)
        (state / "run.json").write_bytes(json.dumps({"key": key}).encode()  # so it resumes
                                         if name != "run.json not JSON" else b"\x80\x04K\x01.")
        (state / "checkpoint.json").write_text(json.dumps(checkpoint))
        for file in ("spool", "bodies", "verdicts", "verdicts.pickle", "spool.pickle"):
            (state / file).write_bytes(data)
    results = run_all([["clean", pages, "-o", tmp_path / f"out{n}", "-q", "--jobs", "1"]
                       for n in range(len(cases))])
    assert not marker.exists(), "the state ran code"
    for n, (name, result) in enumerate(zip(cases, results, strict=True)):
        assert result.returncode == 0 and "Traceback" not in result.stderr, (name, result.stderr)
        assert "started afresh" in result.stderr, (name, result.stderr)
        for listing in ("documents.jsonl", "errors.jsonl"):  # the full output
            assert (tmp_path / f"out{n}" / listing).read_bytes() == (
                tmp_path / "ref" / listing).read_bytes(), name


# --- 8 + 11. a busy OUTDIR; the run killed while its workers are busy; its stale lock ---


def children(pid: int) -> list[int]:
    try:
        return [int(n) for n in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def stat_fields(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def running(pid: int) -> bool:
    """Alive and not a zombie."""
    return stat_fields(pid)[:1] not in ([], ["Z"])


def cpu_seconds(pid: int) -> float:
    fields = stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") if fields else 0.0


#: Waiting for workers to start and get stuck (~2 s here), or for killed ones to go.
SETTLE_SECONDS = 30


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_busy_outdir_is_refused_and_a_killed_run_leaves_no_worker_and_a_stale_lock(
        tmp_path: Path) -> None:
    pages = seed_folder(tmp_path / "in")
    for n in range(8):  # every batch a worker takes holds pages that stall
        (pages / f"stall{n}.txt").write_text(text_dump(80 + n, ["STALL-MARK"]))
    (tmp_path / "staller.py").write_text(STALLER)
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, str(tmp_path / "staller.py"), "clean",
                              str(pages), "-o", str(out), "-q", "--jobs", "2", "--timeout",
                              "600"], stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline and not (
                len(workers := children(first.pid)) >= 2
                and all(cpu_seconds(w) > 0.5 for w in workers)):  # busy in the stall
            time.sleep(0.1)
        assert len(workers) >= 2 and first.poll() is None, "the workers did not start"
        second = cli("clean", pages, "-o", out, "-q")
        assert second.returncode == 2 and "Traceback" not in second.stderr, second.stderr
        assert f"in use by pid {first.pid}" in second.stderr
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    deadline = time.monotonic() + SETTLE_SECONDS
    while any(running(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [w for w in workers if running(w)]
    for pid in left:  # do not leave them burning CPU for the rest of the suite
        os.kill(pid, signal.SIGKILL)
    assert left == [], "workers outlived their run"
    third = cli("clean", pages, "-o", out, "-q")  # the killed run's lock is stale now
    assert third.returncode == 0, third.stderr
    assert len(strict_lines(out / "documents.jsonl")) == 10
    assert strict_lines(out / "errors.jsonl") == []


# --- 12. the dedup step on lines that are not what they should be --------------------


def test_dedup_passes_every_line_through_in_order(tmp_path: Path) -> None:
    story, other = " ".join(prose(90)), " ".join(prose(91))
    huge = json.dumps({"id": "huge", "text": "word " * 300_000}).encode()  # over --max-bytes
    lines = [json.dumps({"id": "a", "text": story}).encode(),
             b'{"id": "bad-utf8", "text": "\xff\xfe bad"}',
             b'{"id": "\\ud800", "text": "' + story.encode() + b'"}',
             b"[" * 100_000,
             b'{"id": "nan", "text": "' + story.encode() + b'", "score": NaN, "r": Infinity}',
             huge,
             json.dumps({"id": "b", "text": other}).encode()]
    (tmp_path / "in.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    result = cli("dedup", tmp_path / "in.jsonl", "-o", tmp_path / "out.jsonl", "--keep",
                 "first", "--max-bytes", 1_000_000)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    records = strict_lines(tmp_path / "out.jsonl")
    assert [r.get("id") for r in records] == ["a", None, "\ud800", None, "nan", None, "b"]
    assert [n for n, r in enumerate(records) if "dedup_error" in r] == [1, 2, 3, 5]
    assert base64.b64decode(records[1]["line_base64"]) == lines[1]
    assert records[3]["line"] == lines[3].decode()
    assert base64.b64decode(records[5]["line_base64"]) == huge
    assert (records[4]["duplicate_of"], records[4]["score"], records[4]["r"]) == ("a", None, None)
    assert [records[n]["duplicate_of"] for n in (0, 6)] == [None, None]
    assert "errors 4" in result.stderr


# --- 15. a disk that fills while the lists are written ----------------------------------

#: Bytes a file may grow to once the writing pass starts (RLIMIT_FSIZE): a third or so
#: of documents.jsonl, so the disk fills part-way through it.
FULL_AT = 100_000
FILL_WRAPPER = f"""
import resource, signal
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


def test_a_full_disk_leaves_whole_lines_and_a_rerun_completes(tmp_path: Path) -> None:
    pages = tmp_path / "in"
    pages.mkdir()
    for n in range(60):
        (pages / f"p{n:02}.txt").write_text(text_dump(100 + n))
    out = tmp_path / "out"
    full = cli("clean", pages, "-o", out, "-q", script=[sys.executable, "-c", FILL_WRAPPER])
    assert full.returncode == 1 and "Traceback" not in full.stderr, full.stderr
    assert "run the same command again" in full.stderr, full.stderr
    published = strict_lines(out / "documents.jsonl")  # whole lines only
    assert 0 < len(published) < 60
    again = cli("clean", pages, "-o", out, "-q")
    assert again.returncode == 0, again.stderr
    done = strict_lines(out / "documents.jsonl")
    assert len(done) == 60 and done[: len(published)] == published


# --- 17. OUTDIR inside an input folder --------------------------------------------------


def test_outdir_inside_the_input_is_never_read_back(tmp_path: Path) -> None:
    pages = seed_folder(tmp_path / "in")
    for _ in range(3):
        result = cli("clean", pages, "-o", pages / "cleaned", "-q", "--restart", "--jobs", "1")
        assert result.returncode == 0, result.stderr
        assert len(strict_lines(pages / "cleaned" / "documents.jsonl")) == 2
        assert strict_lines(pages / "cleaned" / "errors.jsonl") == []
    itself = cli("clean", pages, "-o", pages, "-q")
    assert itself.returncode == 2 and "output folder" in itself.stderr, itself.stderr
    assert "Traceback" not in itself.stderr
