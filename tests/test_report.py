"""`cleaner explain` and the report's data (the browser tests are in test_report_browser.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from conftest import FIXTURES, SEEDS, load_expected, read_jsonl

from cleaner.batch.outdir import REPORT_FILE
from cleaner.cli import main
from cleaner.report import report_data, write_report

SEED = SEEDS / "000_1dc8f56cb09fc03a.txt"
ANSI = re.compile(r"\x1b\[")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_explain_lists_every_block_in_order_with_its_decision_and_reason() -> None:
    result = invoke("explain", str(SEED))
    assert result.exit_code == 0, result.output
    assert not ANSI.search(result.output)  # piped: plain text
    expected = load_expected(FIXTURES / "seeds")[SEED.name]
    lines = result.output.splitlines()
    title = [line for line in lines if " TITLE " in line]
    assert len(title) == 1 and title[0].endswith(expected["title"])
    kept = [line.split("KEPT    ", 1)[1] for line in lines if " KEPT " in line]
    assert "\n\n".join(kept) == expected["text"]
    # "[reason score]": the content model's score beside the rule's reason
    why = {line.split("] ", 1)[1]: line.split("[", 1)[1].split("]", 1)[0].split()
           for line in lines if " REMOVED " in line}
    removed = {text: parts[0] for text, parts in why.items()}
    assert set(expected["removed"]) <= set(removed)
    assert removed["Source link"] == "source-link"
    assert all(len(parts) == 2 and 0.0 <= float(parts[1]) <= 1.0 for parts in why.values())
    assert f"title: {expected['title']}" in lines
    assert f"clean text: {len(expected['text']):,} characters" in result.output
    numbers = [int(line.split()[0]) for line in lines if re.match(r"\s*\d+ (TITLE|KEPT|REMOV)",
                                                                   line)]
    assert numbers == list(range(1, len(numbers) + 1))


def test_explain_colours_on_a_terminal() -> None:
    result = CliRunner().invoke(main, ["explain", str(SEED)], color=True)
    assert ANSI.search(result.output)


def test_explain_of_a_bad_file_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "image.html"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    result = invoke("explain", str(bad))
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {bad}: binary content (PNG image), not a text or " \
                                    "HTML page"


def test_report_blocks_follow_the_page_order(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("clean", str(SEEDS), "-o", str(out), "-q", "--jobs", "1").exit_code == 0
    data = report_data(out)
    records = {r["id"]: r for r in read_jsonl(out / "documents.jsonl")}
    for doc in data["docs"]:
        record = records[doc["id"]]
        codes = "".join(block[0] for block in doc["blocks"])
        assert codes == record["layout"]
        assert [b[1] for b in doc["blocks"] if b[0] == "k"] == record["text"].split("\n\n")
        assert [(b[1], b[2]) for b in doc["blocks"] if b[0] == "r"] == [
            (r["text"], r["reason"]) for r in record["removed"]]
    assert data["summary"]["read"] == 2 and data["summary"]["kept"] == 2


def test_the_report_is_one_file_that_loads_nothing_from_elsewhere(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("clean", str(FIXTURES / "syndication" / "html"), "-o", str(out), "-q",
                    "--report")
    assert result.exit_code == 0, result.output
    page = (out / REPORT_FILE).read_text(encoding="utf-8")
    assert not re.search(r"<(script|img|iframe)[^>]+src=|<link[^>]+href=|@import|url\(", page)
    assert page.count("<script") == 2  # the data block and the inline script


def test_report_of_a_folder_without_a_run_says_so(tmp_path: Path) -> None:
    result = invoke("report", str(tmp_path))
    assert result.exit_code == 1
    assert "not the output folder of a `cleaner clean` run" in result.output


def test_page_text_cannot_break_out_of_the_report_data(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    nasty = 'A <!-- comment and a </script><script>alert("x")</script> in "quotes" & more'
    record = {"id": "a", "source": "a.html", "url": None, "kind": "html", "title": nasty,
              "date": None, "text": nasty, "duplicate_of": None, "similarity": None,
              "cluster": "a", "removed": [{"text": nasty, "reason": "teaser"}],
              "language": None, "encoding": "utf-8", "layout": "tkXr"}
    (out / "documents.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    page = write_report(out).read_text(encoding="utf-8")
    start = page.index('<script type="application/json" id="report-data">')
    body = page[start:].split(">", 1)[1].split("</script>", 1)[0]
    data = json.loads(body)  # the whole data block is there, and valid JSON
    assert data["docs"][0]["title"] == nasty
    # a layout with a letter it does not know falls back to text, then removed blocks
    assert [b[0] for b in data["docs"][0]["blocks"]] == ["t", "k", "r"]
    assert page.count("<script") == 2 and "<!--" not in body
