"""Records a pipeline can join back: the caller's URL and id, whatever the page says,
in every kind of input; JSONL in the layout datatrove and crawlers write; error
records that say which input they are about."""

from __future__ import annotations

import io
import json
from pathlib import Path

from click.testing import CliRunner
from conftest import read_jsonl
from test_inputs_containers import STORY, page, warc_bytes

from cleaner.clean import clean
from cleaner.cli import main

GIVEN = "https://crawl.example/a?ref=feed"
CANONICAL = "https://news.example/2026/rivers"


def canonical_page(title: str = "Rivers rise") -> str:
    """A page whose <head> names another URL as its own."""
    return page(title, STORY).replace(
        "<head>", f'<head><link rel="canonical" href="{CANONICAL}">', 1)


def run_cli(*args: str, stdin: bytes | None = None):
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def test_clean_keeps_the_callers_url_and_gives_the_canonical_one_beside_it() -> None:
    doc = clean(canonical_page().encode(), url=GIVEN, kind="html")
    assert doc.url == GIVEN
    assert doc.canonical_url == CANONICAL
    bare = clean(canonical_page().encode(), kind="html")
    assert bare.url is None and bare.canonical_url == CANONICAL


def test_a_jsonl_records_url_is_its_url_in_documents_jsonl(tmp_path: Path) -> None:
    line = json.dumps({"id": "a1", "html": canonical_page(), "url": GIVEN})
    out = tmp_path / "out"
    assert run_cli("clean", "-", "-o", str(out), "-q", stdin=(line + "\n").encode()).exit_code == 0
    [record] = read_jsonl(out / "documents.jsonl")
    assert (record["id"], record["url"], record["canonical_url"]) == ("a1", GIVEN, CANONICAL)


def test_a_warc_records_target_uri_is_its_url(tmp_path: Path) -> None:
    body = canonical_page().encode()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "c.warc").write_bytes(warc_bytes(
        [("response", GIVEN, 200, "text/html; charset=utf-8", body)], gzipped=False))
    out = tmp_path / "out"
    assert run_cli("clean", str(tmp_path / "in"), "-o", str(out), "-q").exit_code == 0
    [record] = read_jsonl(out / "documents.jsonl")
    assert record["url"] == GIVEN and record["canonical_url"] == CANONICAL
    # the text file's name comes from the same URL the record gives
    assert record["text_path"].startswith("text/c/crawl.example/")


def datatrove_line(doc_id: int, html: str, url: str) -> str:
    """A record as datatrove's JSONL writer lays one out: id, text, metadata."""
    return json.dumps({"id": doc_id, "text": html, "metadata": {"url": url, "dump": "CC-2026"}})


def test_datatrove_shaped_html_in_text_is_read_as_html_with_its_metadata_url(
        tmp_path: Path) -> None:
    lines = [datatrove_line(7, canonical_page("Rivers rise"), GIVEN),
             datatrove_line(8, page("Bridge reopens", STORY.replace("river", "bridge")),
                            "https://crawl.example/b")]
    source = tmp_path / "pages.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("clean", str(source), "-o", str(out), "-q").exit_code == 0
    records = read_jsonl(out / "documents.jsonl")
    assert [r["id"] for r in records] == ["7", "8"]
    assert [r["kind"] for r in records] == ["html", "html"]
    assert [r["url"] for r in records] == [GIVEN, "https://crawl.example/b"]
    assert records[0]["title"] == "Rivers rise"
    assert "<p>" not in records[0]["text"] and "Paragraph 0" in records[0]["text"]
    assert records[0]["metadata"] == {"url": GIVEN, "dump": "CC-2026"}  # passed through


def test_a_format_field_says_what_the_text_field_holds(tmp_path: Path) -> None:
    html = canonical_page()
    lines = [json.dumps({"id": "as-text", "text": html, "format": "text"}),
             json.dumps({"id": "sniffed", "text": html})]
    out = tmp_path / "out"
    stdin = ("\n".join(lines) + "\n").encode()
    assert run_cli("clean", "-", "-o", str(out), "-q", stdin=stdin).exit_code == 0
    kinds = {r["id"]: r["kind"] for r in read_jsonl(out / "documents.jsonl")}
    assert kinds == {"as-text": "text", "sniffed": "html"}


def datatrove_read(path: Path) -> list[dict]:
    """What a datatrove-style JSONL reader makes of a file: `text` and `id` taken,
    every other field gathered into `metadata`."""
    docs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        text, doc_id = record.pop("text"), record.pop("id")
        docs.append({"id": doc_id, "text": text, "metadata": record})
    return docs


def test_cleaners_output_reads_back_as_datatrove_documents(tmp_path: Path) -> None:
    source = tmp_path / "pages.jsonl"
    source.write_text(datatrove_line(7, canonical_page(), GIVEN) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("clean", str(source), "-o", str(out), "-q").exit_code == 0
    [doc] = datatrove_read(out / "documents.jsonl")
    assert doc["id"] == "7" and "Paragraph 3" in doc["text"]
    assert doc["metadata"]["url"] == GIVEN and doc["metadata"]["kind"] == "html"


def test_dedup_takes_integer_ids_and_answers_with_them(tmp_path: Path) -> None:
    text = "The river rose two metres overnight and the town council met at dawn. " * 5
    lines = [json.dumps({"id": 1, "text": text}), json.dumps({"id": 2, "text": text + "!"}),
             json.dumps({"id": "3", "text": "Something else entirely, about bridges. " * 5})]
    result = run_cli("dedup", "-", stdin=("\n".join(lines) + "\n").encode())
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in io.StringIO(result.stdout) if line.strip()]
    assert [r.get("dedup_error") for r in records] == [None, None, None]
    assert [r["duplicate_of"] for r in records] == [2, None, None]  # the longest is kept
    assert [r["cluster"] for r in records] == [2, 2, "3"]  # each id keeps its own type


def test_an_error_record_carries_the_inputs_id_and_url(tmp_path: Path) -> None:
    lines = [json.dumps({"id": "empty-1", "html": "<html><body></body></html>",
                         "url": GIVEN}),
             json.dumps({"text": "   ", "metadata": {"id": 9, "url": "https://crawl.example/9"}})]
    out = tmp_path / "out"
    stdin = ("\n".join(lines) + "\n").encode()
    assert run_cli("clean", "-", "-o", str(out), "-q", stdin=stdin).exit_code == 0
    errors = read_jsonl(out / "errors.jsonl")
    assert [(e["id"], e["url"]) for e in errors] == [
        ("empty-1", GIVEN), ("9", "https://crawl.example/9")]
    assert all(e["error"] for e in errors)


def _clean_lines(tmp_path: Path, lines: list[dict], *options: str) -> list[dict]:
    """documents.jsonl and errors.jsonl of `cleaner clean -` on these records."""
    out = tmp_path / "out"
    stdin = "".join(json.dumps(r) + "\n" for r in lines).encode()
    result = run_cli("clean", "-", "-o", str(out), "-q", *options, stdin=stdin)
    assert result.exit_code == 0, result.output
    errors = out / "errors.jsonl"
    return read_jsonl(out / "documents.jsonl") + (read_jsonl(errors) if errors.exists() else [])


def test_field_options_read_records_of_another_shape(tmp_path: Path) -> None:
    record = {"doc_id": 41, "body": canonical_page(), "meta": {"page": {"link": GIVEN}},
              "crawl": "2026-11"}
    [doc] = _clean_lines(tmp_path, [record], "--text-field", "body", "--id-field", "doc_id",
                         "--url-field", "meta.page.link")
    assert (doc["id"], doc["url"], doc["kind"]) == ("41", GIVEN, "html")
    assert doc["title"] == "Rivers rise" and "river" in doc["text"].lower()
    # the fields read as the page, id and URL are not passed through again; the rest are
    assert "body" not in doc and "doc_id" not in doc
    assert doc["crawl"] == "2026-11" and doc["meta"] == {"page": {"link": GIVEN}}


def test_a_record_without_the_named_text_field_is_an_error_record(tmp_path: Path) -> None:
    [error] = _clean_lines(tmp_path, [{"id": "x", "html": canonical_page()}],
                           "--text-field", "body")
    assert error["id"] == "x" and "'body'" in error["error"]


def test_kind_option_overrides_the_name_and_sniffing_but_not_a_records_format(
        tmp_path: Path) -> None:
    html = canonical_page()
    records = [{"id": "a", "html": html}, {"id": "b", "text": html, "format": "html"}]
    docs = {d["id"]: d for d in _clean_lines(tmp_path, records, "--kind", "text")}
    assert docs["a"]["kind"] == "text"  # --kind over the "html" field's name
    assert docs["b"]["kind"] == "html"  # the record's own format over --kind
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "page.txt").write_text(html, encoding="utf-8")
    out = tmp_path / "files"
    assert run_cli("clean", str(tmp_path / "in"), "-o", str(out), "-q",
                   "--kind", "html").exit_code == 0
    [doc] = read_jsonl(out / "documents.jsonl")
    assert doc["kind"] == "html" and doc["title"] == "Rivers rise"
