"""`cleaner explain` and the report's data (the browser tests are in test_report_browser.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from conftest import FIXTURES, SEEDS, load_expected, read_jsonl, write_documents
from conftest import report_record as record

from cleaner.batch.outdir import REPORT_FILE, UnsafeOutputError
from cleaner.cli import main
from cleaner.report import (
    CHUNK_CALLBACK,
    CHUNK_SIZE,
    COLLAPSE_MIN_RUN,
    DATA_DIR,
    collapse,
    render,
    report_data,
    write_report,
)

SEED = SEEDS / "000_1dc8f56cb09fc03a.txt"
ANSI = re.compile(r"\x1b\[")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def flat(blocks: list[list]) -> list[list]:
    """The report's blocks with each collapsed run opened: the page order again."""
    return [member for block in blocks
            for member in (block[2] if block[0] == "run" else [block])]


def page_data(page: str) -> dict:
    """The JSON data block of a report page (it must parse whole)."""
    start = page.index('<script type="application/json" id="report-data">')
    return json.loads(page[start:].split(">", 1)[1].split("</script>", 1)[0])


def chunk_items(text: str) -> tuple[str, str, int, list]:
    """A chunk file's call: (token, kind, number, items); the file is that one call."""
    match = re.fullmatch(rf'{CHUNK_CALLBACK}\("([0-9a-f]+)","(docs|clusters)",(\d+),(.*)\);\n',
                         text, re.S)
    assert match, text[:200]
    return match[1], match[2], int(match[3]), json.loads(match[4])


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
        blocks = flat(doc["blocks"])
        codes = "".join(block[0] for block in blocks)
        assert codes == record["layout"]
        assert [b[1] for b in blocks if b[0] == "k"] == record["text"].split("\n\n")
        assert [(b[1], b[2]) for b in blocks if b[0] == "r"] == [
            (r["text"], r["reason"]) for r in record["removed"]]
    assert any(block[0] == "run" for doc in data["docs"] for block in doc["blocks"])
    assert data["summary"]["read"] == 2 and data["summary"]["kept"] == 2


def test_the_report_is_one_file_that_loads_nothing_from_elsewhere(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("clean", str(FIXTURES / "syndication" / "html"), "-o", str(out), "-q",
                    "--report")
    assert result.exit_code == 0, result.output
    page = (out / REPORT_FILE).read_text(encoding="utf-8")
    assert not re.search(r"<(script|img|iframe)[^>]+src=|<link[^>]+href=|@import|url\(", page)
    assert page.count("<script") == 2  # the data block and the inline script
    assert not (out / DATA_DIR).exists()  # a small run: everything is in the page


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
    assert [b[0] for b in data["first"]["docs"][0]] == ["t", "k", "r"]
    assert page.count("<script") == 2 and "<!--" not in body


def test_runs_of_removed_blocks_collapse_with_counts_by_reason_most_common_first() -> None:
    menu = [["r", f"Menu {i}", "navigation" if i % 4 == 0 else "outside-main-content"]
            for i in range(238)]
    blocks = [["t", "Title", ""], *menu, ["k", "Story.", ""], ["r", "Share", "share-widget"],
              ["k", "More.", ""], *[["r", "x", reason] for reason in
                                    ("teaser", "site-chrome", "site-chrome", "teaser", "")]]
    shown = collapse(blocks)
    assert [b[0] for b in shown] == ["t", "run", "k", "r", "k", "run"]
    assert shown[1][1] == [["outside-main-content", 178], ["navigation", 60]]
    assert shown[1][2] == menu  # every block kept, in page order, for expanding
    assert shown[3] == ["r", "Share", "share-widget"]  # a lone line is shown as it is
    # a tie keeps page order; a block without a reason counts as "unknown"
    assert shown[5][1] == [["teaser", 2], ["site-chrome", 2], ["unknown", 1]]
    assert flat(shown) == blocks
    short = [["k", "a", ""], *[["r", "b", "teaser"]] * (COLLAPSE_MIN_RUN - 1), ["k", "c", ""]]
    assert collapse(short) == short


def test_report_data_collapses_the_menu_before_the_story(tmp_path: Path) -> None:
    out = tmp_path / "out"
    removed = [{"text": f"Menu {i}", "reason": "navigation" if i < 12 else
                "outside-main-content"} for i in range(238)]
    write_documents(out, [record(0, removed=removed, layout="t" + "r" * 238 + "kk")])
    blocks = report_data(out)["docs"][0]["blocks"]
    assert [b[0] for b in blocks] == ["t", "run", "k", "k"]
    assert blocks[1][1] == [["outside-main-content", 226], ["navigation", 12]]


def test_duplicates_name_their_kept_copy_and_clusters_point_at_both(tmp_path: Path) -> None:
    out = tmp_path / "out"
    records = [record(n) for n in range(CHUNK_SIZE + 30)]
    # a copy before its kept copy (which is in a later chunk), a copy after it, and a
    # copy of a page from an earlier run (the index): not in this report
    for n, kept in ((3, CHUNK_SIZE + 20), (CHUNK_SIZE + 25, 5), (7, "old-page")):
        kept_id = kept if isinstance(kept, str) else f"doc{kept:04d}"
        records[n].update(duplicate_of=kept_id, similarity=0.91, cluster=kept_id)
    write_documents(out, records)
    page, _ = render(report_data(out))
    data = page_data(page)
    by_id = {d["id"]: d for d in data["docs"]}
    assert [d["n"] for d in data["docs"]] == list(range(len(records)))
    assert by_id["doc0003"]["dup"] == f"doc{CHUNK_SIZE + 20:04d}" in by_id
    assert by_id[f"doc{CHUNK_SIZE + 25:04d}"]["dup"] == "doc0005"
    clusters = {c["kept"]["id"]: c for c in data["clusters"]}
    assert clusters["doc0005"]["kept"]["n"] == 5
    assert [(c["id"], c["n"], c["sim"]) for c in clusters["doc0005"]["copies"]] == [
        (f"doc{CHUNK_SIZE + 25:04d}", CHUNK_SIZE + 25, 0.91)]
    assert clusters[f"doc{CHUNK_SIZE + 20:04d}"]["kept"]["n"] == CHUNK_SIZE + 20
    assert clusters["old-page"]["kept"]["n"] is None
    # the page makes the links: #doc-<id> to an entry whose id attribute is the same
    template = (Path(__file__).parent.parent / "cleaner" / "report_page.html").read_text()
    assert 'const anchor = id => "doc-" + encodeURIComponent(String(id));' in template
    assert "attrs.id = anchor(d.id)" in template and 'const href = "#" + anchor(id);' in template


def test_documents_beyond_the_first_chunk_are_written_beside_the_page(tmp_path: Path) -> None:
    out = tmp_path / "out"
    count = 2 * CHUNK_SIZE + 50
    records = [record(n) for n in range(count)]
    records[CHUNK_SIZE + 1].update(duplicate_of="doc0000", similarity=0.9, cluster="doc0000")
    write_documents(out, records)
    page = write_report(out).read_text(encoding="utf-8")
    data = page_data(page)
    chunks = data["chunks"]
    token = chunks["token"]
    assert chunks["size"] == CHUNK_SIZE and chunks["dir"] == DATA_DIR
    assert chunks["files"]["docs"] == [None, f"{token}-docs-0001.js", f"{token}-docs-0002.js"]
    assert chunks["files"]["clusters"] == [None]  # one cluster: inline
    assert len(data["docs"]) == count and "blocks" not in data["docs"][0]  # the whole list
    assert len(data["first"]["docs"]) == CHUNK_SIZE  # the first chunk's blocks
    assert data["first"]["docs"][1] == [["t", "Story 1", ""], ["k", "Story 1 opens here.", ""],
                                        ["r", "Share this", "share-widget"],
                                        ["k", "It goes on.", ""]]
    assert sorted(p.name for p in (out / DATA_DIR).iterdir()) == chunks["files"]["docs"][1:]
    seen = []
    for number, name in enumerate(chunks["files"]["docs"][1:], 1):
        got_token, kind, got_number, items = chunk_items(
            (out / DATA_DIR / name).read_text(encoding="utf-8"))
        assert (got_token, kind, got_number) == (token, "docs", number)
        seen += [blocks[0][1] for blocks in items]
    assert seen == [f"Story {n}" for n in range(CHUNK_SIZE, count)]
    # the same run, the same bytes; a smaller run removes the chunks it no longer needs
    assert write_report(out).read_text(encoding="utf-8") == page
    write_documents(out, records[: CHUNK_SIZE + 10])
    data = page_data(write_report(out).read_text(encoding="utf-8"))
    assert sorted(p.name for p in (out / DATA_DIR).iterdir()) == [
        data["chunks"]["files"]["docs"][1]]
    assert data["chunks"]["token"] != token
    (out / DATA_DIR / "notes.txt").write_text("mine", encoding="utf-8")
    write_documents(out, records[:10])
    write_report(out)
    assert [p.name for p in (out / DATA_DIR).iterdir()] == ["notes.txt"]  # only chunks go
    (out / DATA_DIR / "notes.txt").unlink()
    write_report(out)
    assert not (out / DATA_DIR).exists()


def test_page_text_is_escaped_in_the_page_and_in_the_data_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    nasty = ('</script><script>document.title="pwned"</script>'
             '<img src=x onerror="document.title=\'pwned\'"> <!-- \u2028 & "q"')
    records = [record(n) for n in range(CHUNK_SIZE + 5)]
    for n in (1, CHUNK_SIZE + 2):  # one in the page, one in a data file
        records[n].update(title=nasty, url=nasty, text=f"{nasty}\n\nKept.",
                          removed=[{"text": nasty, "reason": "teaser"}] * 3, layout="trrrkk")
    write_documents(out, records)
    page = write_report(out).read_text(encoding="utf-8")
    data = page_data(page)
    body = page.split('id="report-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in body and "\u2028" not in body
    assert "<img" not in page and page.count("<script") == 2
    assert data["docs"][CHUNK_SIZE + 2]["title"] == data["first"]["docs"][1][0][1] == nasty
    (name,) = data["chunks"]["files"]["docs"][1:]
    text = (out / DATA_DIR / name).read_text(encoding="utf-8")
    assert "<" not in text and "\u2028" not in text
    items = chunk_items(text)[3]
    assert items[2][1] == ["run", [["teaser", 3]], [["r", nasty, "teaser"]] * 3]
    assert items[2][2][1] == nasty


def test_the_data_folder_is_never_written_through_a_link(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_documents(out, [record(n) for n in range(CHUNK_SIZE + 1)])
    (out / DATA_DIR).symlink_to(elsewhere)
    try:
        write_report(out)
    except UnsafeOutputError as exc:
        assert "symbolic link" in str(exc)
    else:
        raise AssertionError("wrote through a link")
    assert list(elsewhere.iterdir()) == [] and not (out / REPORT_FILE).exists()
    result = invoke("report", str(out))
    assert result.exit_code == 1 and "is a symbolic link" in result.output
    # a link planted at a chunk's own name is replaced by the file, never followed
    (out / DATA_DIR).unlink()
    page = write_report(out).read_text(encoding="utf-8")
    (name,) = page_data(page)["chunks"]["files"]["docs"][1:]
    target = elsewhere / "victim.js"
    target.write_text("untouched", encoding="utf-8")
    (out / DATA_DIR / name).unlink()
    (out / DATA_DIR / name).symlink_to(target)
    write_report(out)
    assert target.read_text(encoding="utf-8") == "untouched"
    assert not (out / DATA_DIR / name).is_symlink()
    assert chunk_items((out / DATA_DIR / name).read_text(encoding="utf-8"))[1] == "docs"
    # report-data is one of OUTDIR's own entries: a link there is refused even when
    # the report is small enough to need no data files (as a link at text/ is)
    for child in (out / DATA_DIR).iterdir():
        child.unlink()
    (out / DATA_DIR).rmdir()
    (out / DATA_DIR).symlink_to(elsewhere)
    write_documents(out, [record(0)])
    try:
        write_report(out)
    except UnsafeOutputError:
        pass
    else:
        raise AssertionError("a link at report-data was taken")
    assert [p.name for p in elsewhere.iterdir()] == ["victim.js"]
