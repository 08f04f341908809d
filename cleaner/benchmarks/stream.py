"""Stream latency: how soon `cleaner clean big.jsonl -o - | head -1` prints a record.

Run it as `python -m cleaner.benchmarks.stream [--records N] [--rounds R]` (or
`make bench-stream`). It writes a JSONL file of N records (default 5,000) whose
`html` fields are the scrapinghub benchmark pages (read in place, each copy with
its own id), then, in one run, alternating:

1. `cleaner clean big.jsonl -o - | head -1`: seconds from start until the first
   record is read (the pipe then closes: `head` has what it wanted);
2. `cleaner clean big.jsonl -o -` to the end: seconds for all records;
3. `trafilatura` on one of the pages (its CLI, a page on stdin), the peer's
   time-to-first-output for a single page, for scale.

Figures are the best of `--rounds` (the machine is shared); the first-record time
is also given as a ratio of trafilatura's one-page time, measured in the same run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cleaner.eval.sets import default_bench

CLEANER = [sys.executable, "-c", "from cleaner.cli import main\nif __name__ == '__main__': main()"]


def build(path: Path, records: int) -> None:
    """`records` JSONL lines of the scrapinghub pages, cycled, each with its own id."""
    pages = [gzip.decompress(p.read_bytes()).decode("utf-8", "replace")
             for p in sorted((default_bench() / "html").glob("*.html.gz"))]
    if not pages:
        raise SystemExit("no scrapinghub pages found in ../shared/bench")
    with path.open("w", encoding="utf-8") as out:
        for n in range(records):
            out.write(json.dumps({"id": f"r{n}", "html": pages[n % len(pages)]}) + "\n")


def first_record(source: Path) -> float:
    """Seconds until the first record of `cleaner clean SOURCE -o -` is read."""
    start = time.perf_counter()
    proc = subprocess.Popen([*CLEANER, "clean", str(source), "-o", "-", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    seconds = time.perf_counter() - start
    proc.stdout.close()  # as `head -1` does: the writer sees a closed pipe
    proc.kill()
    proc.wait()
    if not line:
        raise SystemExit("cleaner wrote no record")
    return seconds


def whole_run(source: Path) -> float:
    """Seconds for `cleaner clean SOURCE -o -` to write every record."""
    start = time.perf_counter()
    subprocess.run([*CLEANER, "clean", str(source), "-o", "-", "-q"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def trafilatura_one(page: bytes) -> float:
    """Seconds for trafilatura's command line to print one page read from stdin."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from trafilatura.cli import main; main()"],
                   input=page, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Build the input, time the three commands alternately, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-whole", action="store_true", help="skip the full run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cleaner-stream-") as tmp:
        source = Path(tmp) / "big.jsonl"
        build(source, args.records)
        page = json.loads(source.open(encoding="utf-8").readline())["html"].encode()
        firsts, wholes, peers = [], [], []
        for _ in range(args.rounds):
            firsts.append(first_record(source))
            peers.append(trafilatura_one(page))
            if not args.no_whole:
                wholes.append(whole_run(source))
    first, peer = min(firsts), min(peers)
    print(f"input: {args.records:,} JSONL records (scrapinghub pages), best of {args.rounds}")
    print(f"first record of `cleaner clean big.jsonl -o -`: {first:.2f} s (goal < 2 s)")
    print(f"trafilatura's CLI on one page:                {peer:.2f} s "
          f"(cleaner's first record takes {first / peer:.2f}x that)")
    if wholes:
        whole = min(wholes)
        print(f"all {args.records:,} records:                       {whole:.1f} s "
              f"({args.records / whole:.1f} records/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
