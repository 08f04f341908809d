"""`cleaner dedup --keep first` writes records while its input is still open.

A pipeline step is fed through a pipe: here the first chunk of records goes
in, the step's first output line is read back while standard input stays
open, and only then is the rest written and the pipe closed. The two-pass
step (`--keep longest`) cannot do that: it needs the end of the input.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading

from cleaner.benchmarks.corpus import generate
from cleaner.dedup import workers

CLI = [sys.executable, "-c", "from cleaner.cli import main; main()", "dedup", "-q"]
#: Seconds to wait for the first output line: far more than signing one chunk takes.
WAIT = 60
#: Seconds the two-pass step is given to (wrongly) write before its input ends.
EARLY_WAIT = 3


def lines(count: int) -> list[bytes]:
    return [json.dumps({"id": d.id, "text": d.text}).encode() + b"\n"
            for d in generate(count, seed=3)]


def run_reading(keep: str, data: list[bytes], before_close: int) -> tuple[bool, list[bytes]]:
    """Feed `before_close` lines, wait for the first output line with stdin still open,
    then the rest; (whether a line came before the input ended, every output line).
    Output is read by a thread all along, so neither side blocks on a full pipe."""
    proc = subprocess.Popen([*CLI, "--keep", keep, "--jobs", "1"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    out: list[bytes] = []
    first = threading.Event()

    def read() -> None:
        for line in proc.stdout:
            out.append(line)
            first.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    proc.stdin.writelines(data[:before_close])
    proc.stdin.flush()
    early = first.wait(WAIT if keep == "first" else EARLY_WAIT)
    proc.stdin.writelines(data[before_close:])
    proc.stdin.close()
    assert proc.wait(timeout=WAIT) == 0
    reader.join(WAIT)
    return early, out


def test_keep_first_writes_before_the_input_ends() -> None:
    data = lines(workers.CHUNK_LINES + 50)
    early, out = run_reading("first", data, workers.CHUNK_LINES)  # one whole chunk first
    assert early
    assert len(out) == len(data) and json.loads(out[0])["duplicate_of"] is None


def test_keep_longest_waits_for_the_end_of_the_input() -> None:
    data = lines(workers.CHUNK_LINES + 50)
    early, out = run_reading("longest", data, workers.CHUNK_LINES)
    assert not early  # a later record may change any verdict: nothing before the end
    assert len(out) == len(data)
