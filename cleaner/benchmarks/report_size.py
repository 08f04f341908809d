"""What `cleaner report` writes for a large run: sizes of report.html and its data files,
and the time to write them.

Run it as `python -m cleaner.benchmarks.report_size [--docs 5000] [--out DIR]`.

Why: the report used to be one file holding every document's blocks (63 MB at
5,000 documents, slow to open). Now report.html holds the document list and the
first chunk of blocks, and the rest goes to `report-data/` beside it, loaded when
shown. This script writes a report from synthetic records shaped like news pages
(long menus before the story, a footer after it, a duplicate every tenth page)
and prints what each part weighs, so a change in the split or the page shows in
figures. The records are deterministic (seeded), so two runs write the same bytes.
The browser test of the report's opening time reads the same records
(`synthetic_records`), so the figures here describe the report it opens.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from cleaner.batch.outdir import DOCUMENTS_FILE, REPORT_FILE
from cleaner.report import DATA_DIR, write_report

#: Documents in the default run: the size the issue measured (63 MB, slow to open).
DEFAULT_DOCS = 5_000
#: Every n-th document is a near-duplicate of the one before it (a 10% duplicate
#: share, about what a news crawl gives).
DUPLICATE_EVERY = 10
#: Menu lines before the story: from a short header to the 240 struck-through
#: lines the issue saw, so some documents have a very long collapsed run.
MENU_LINES = (10, 240)
#: Kept paragraphs per story, and words per paragraph.
PARAGRAPHS = (6, 18)
WORDS = (40, 90)
#: Footer lines after the story (links, copyright, related stories).
FOOTER_LINES = (15, 60)
#: The seed: the same records every run.
SEED = 16

_VOCABULARY = ("the city council said on tuesday that its budget would rise while "
               "residents asked for more buses schools parks and clinics before winter "
               "officials expect a vote next month after a long public debate over taxes "
               "housing water roads and the old harbour").split()
_MENU = ("Home", "World", "Politics", "Business", "Tech", "Science", "Health", "Sport",
         "Culture", "Opinion", "Video", "Podcasts", "Newsletters", "Weather", "Sign in")
_FOOTER = (("site-chrome", "© 2026 The Daily Example. All rights reserved."),
           ("related-list", "More stories like this"), ("teaser", "Read next: {words}"),
           ("site-chrome", "Contact us · Careers · Advertise · Privacy"))


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(_VOCABULARY, k=rng.randint(low, high)))


def synthetic_record(n: int) -> dict:
    """One documents.jsonl record: a news page with its menus, story and footer."""
    rng = random.Random(SEED * 1_000_003 + n - n % DUPLICATE_EVERY)  # a copy: the same page
    removed: list[dict] = []
    layout = ["t"]
    for i in range(rng.randint(*MENU_LINES)):
        reason = "navigation" if i % 5 == 0 else "outside-main-content"
        removed.append({"text": f"{_MENU[i % len(_MENU)]} {i}", "reason": reason})
        layout.append("r")
    paragraphs = []
    for i in range(rng.randint(*PARAGRAPHS)):
        paragraphs.append(_words(rng, *WORDS).capitalize() + ".")
        layout.append("k")
        if i == 2:
            removed.append({"text": "Share this story", "reason": "share-widget", "score": 0.1})
            layout.append("r")
    for i in range(rng.randint(*FOOTER_LINES)):
        reason, text = _FOOTER[i % len(_FOOTER)]
        removed.append({"text": text.format(words=_words(rng, 5, 12)), "reason": reason})
        layout.append("r")
    copy_of = f"doc{n - 1:05d}" if n % DUPLICATE_EVERY == DUPLICATE_EVERY - 1 else None
    return {"id": f"doc{n:05d}", "source": f"pages/{n:05d}.html",
            "url": f"https://news.example/{n:05d}/story", "canonical_url": None,
            "kind": "html", "title": f"Story {n}: {_words(rng, 3, 8)}", "date": None,
            "text": "\n\n".join(paragraphs), "duplicate_of": copy_of,
            "similarity": 0.93 if copy_of else None, "cluster": copy_of or f"doc{n:05d}",
            "removed": removed, "language": "en", "encoding": "utf-8",
            "layout": "".join(layout)}


def synthetic_records(count: int) -> Iterator[dict]:
    """`count` records, in order (see `synthetic_record`)."""
    return (synthetic_record(n) for n in range(count))


def write_records(outdir: Path, count: int) -> Path:
    """Write OUTDIR/documents.jsonl with `count` synthetic records; returns its path."""
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / DOCUMENTS_FILE
    with path.open("w", encoding="utf-8") as handle:
        for record in synthetic_records(count):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def measure(outdir: Path, count: int) -> dict:
    """Write the records and the report in `outdir`; the sizes (bytes) and the time (s)."""
    documents = write_records(outdir, count)
    start = time.perf_counter()
    write_report(outdir)
    seconds = time.perf_counter() - start
    data = sorted((outdir / DATA_DIR).glob("*.js")) if (outdir / DATA_DIR).is_dir() else []
    sizes = [p.stat().st_size for p in data]
    return {"documents": count, "documents_jsonl": documents.stat().st_size,
            "report_html": (outdir / REPORT_FILE).stat().st_size, "data_files": len(sizes),
            "data_total": sum(sizes), "data_largest": max(sizes, default=0),
            "data_smallest": min(sizes, default=0), "seconds": seconds}


def _mb(size: int) -> str:
    return f"{size / 1e6:,.2f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=DEFAULT_DOCS, help="documents in the run")
    parser.add_argument("--out", type=Path, default=None,
                        help="write the run here (default: a temporary folder, removed)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="report-size-") as tmp:
        figures = measure(args.out or Path(tmp), args.docs)
    print(f"documents          {figures['documents']:,}")
    print(f"documents.jsonl    {_mb(figures['documents_jsonl'])}")
    print(f"report.html        {_mb(figures['report_html'])}")
    if figures["data_files"]:
        print(f"{DATA_DIR}/       {figures['data_files']} files, {_mb(figures['data_total'])} "
              f"(each {_mb(figures['data_smallest'])} to {_mb(figures['data_largest'])})")
    else:
        print(f"{DATA_DIR}/       none (everything is in {REPORT_FILE})")
    print(f"time to write      {figures['seconds']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
