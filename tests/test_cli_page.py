"""One page, trafilatura-style: `cleaner extract` and `cleaner explain` on a file or
stdin, as text, Markdown (structure kept) or the page's documents.jsonl record."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import FIXTURES

from cleaner import clean
from cleaner.cli import main

GUIDE = FIXTURES / "markdown" / "guide.html"
CLI = [sys.executable, "-c", "from cleaner.cli import main\nif __name__ == '__main__': main()"]


def invoke(*args: str, stdin: bytes | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


def test_gzipped_page_on_stdin_to_markdown_matches_the_golden_file() -> None:
    # the acceptance: `zcat page.html.gz | cleaner extract --format markdown`,
    # here with the gzip still on (the page is sniffed and decompressed)
    page = gzip.compress(GUIDE.read_bytes())
    done = subprocess.run([*CLI, "extract", "--format", "markdown"], input=page,
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode() == (FIXTURES / "markdown" / "guide.md").read_text()


def test_extract_text_is_the_title_then_the_body(tmp_path: Path) -> None:
    result = invoke("extract", str(GUIDE))
    assert result.exit_code == 0, result.output
    title, _, body = result.output.partition("\n\n")
    assert title == "Keeping bees in a small garden"
    assert "A single hive fits" in body and "Home" not in body and "©" not in body


def test_extract_json_is_the_documents_record() -> None:
    result = invoke("extract", "-", "--format", "json", "--url", "https://g.example/bees",
                    stdin=GUIDE.read_bytes())
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    doc = clean(GUIDE.read_bytes(), url="https://g.example/bees")
    assert record == json.loads(json.dumps(doc.to_dict()))
    assert record["url"] == "https://g.example/bees" and record["source"] is None


def test_a_page_without_text_is_a_one_line_error_not_a_traceback() -> None:
    result = invoke("extract", "-", stdin=b"<html><body><nav>Home</nav></body></html>")
    assert result.exit_code == 1
    assert "no article text" in result.output and "Traceback" not in result.output
    binary = invoke("extract", "-", stdin=bytes(range(256)) * 40)
    assert binary.exit_code == 1 and "<stdin>" in binary.output


def test_explain_reads_stdin() -> None:
    result = invoke("explain", "-", stdin=GUIDE.read_bytes())
    assert result.exit_code == 0, result.output
    assert "TITLE" in result.output and "REMOVED" in result.output
    assert "Keeping bees in a small garden" in result.output


def test_pre_keeps_its_line_breaks_and_headings_their_level() -> None:
    doc = clean(GUIDE.read_bytes())
    code = [b for b in doc.blocks if b.kind == "code"]
    assert [b.text for b in code] == ["week 1: eggs seen, queen not seen\n"
                                      "week 2: two frames of brood"]
    assert {(b.text, b.level) for b in doc.blocks if b.kind == "heading"} == {
        ("What you need", 2), ("Costs in the first year", 2), ("Checking the hive", 3)}
    assert "queen not seen\nweek 2" in doc.text


def test_heading_levels_survive_the_batch_spool() -> None:
    from cleaner.batch.records import pack, unpack

    doc = clean(GUIDE.read_bytes())
    assert unpack(pack(doc)).to_markdown() == doc.to_markdown()
