"""Shared paths and small builders for the tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cleaner.inputs.base import Input
from cleaner.inputs.containers import expand
from cleaner.inputs.files import list_files

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEEDS = ROOT / "seeds"
BENCH = ROOT.parent / "shared" / "bench" / "scrapinghub"


def load_expected(folder: Path) -> dict[str, dict]:
    """The `expected.json` of a fixture folder: {file name: {title, text, removed, ...}}."""
    return json.loads((folder / "expected.json").read_text(encoding="utf-8"))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture
def article_text() -> str:
    """A small text dump: a menu, a headline, three paragraphs, chrome and a teaser."""
    return "\n".join(
        [
            "Home",
            "World",
            "Business",
            "Sport",
            "River levels rise across the northern valley",
            "By Ana Ruiz",
            "The river rose two metres overnight and flooded the lower streets of the town, "
            "forcing dozens of families to leave their homes before dawn.",
            "Share post:",
            "Emergency crews said the water was still rising at noon, and they asked people "
            "who live near the bridge to move their cars to higher ground.",
            "The mayor said the town would open the school gym as a shelter for anyone who "
            "needs a dry place to sleep tonight, and that food would be served there.",
            "Related",
            "Storm season starts early this year",
            "Forecasters expect a wet autumn across the country and warn that...",
        ]
    )


@pytest.fixture
def proposal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hand-written stages alone, without the content model's decisions: for the
    tests of each stage (the model is tested on its own, in test_model.py)."""
    from cleaner import model

    monkeypatch.setattr(model, "scores", lambda kind, rows: None)


def iter_inputs(paths: list[str]) -> Iterator[Input]:
    """Every input under the arguments, in the order a run reads them: what
    `batch.run` does with `list_files` and `expand` (a test helper, not API)."""
    return expand(list_files(paths))


def report_record(n: int, **fields: object) -> dict:
    """A documents.jsonl record for the report tests: a title, two kept paragraphs and
    a removed line; its URL is in one of seven sections (for the search by URL)."""
    doc = {"id": f"doc{n:04d}", "source": f"pages/{n:04d}.html",
           "url": f"https://example.org/section-{n % 7}/{n:04d}", "kind": "html",
           "title": f"Story {n}", "date": None, "text": f"Story {n} opens here.\n\nIt goes on.",
           "duplicate_of": None, "similarity": None, "cluster": f"doc{n:04d}",
           "removed": [{"text": "Share this", "reason": "share-widget"}],
           "language": "en", "encoding": "utf-8", "layout": "tkrk"}
    doc.update(fields)
    return doc


def write_documents(out: Path, records: list[dict]) -> None:
    """OUTDIR/documents.jsonl holding these records, as a run would leave it."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "documents.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records),
                                         encoding="utf-8")
