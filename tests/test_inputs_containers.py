"""Inputs that hold many pages (WARC, JSONL, stdin) and compressed single files (.bz2, .xz)."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import iter_inputs, read_jsonl

from cleaner.cli import main
from cleaner.inputs.base import InputError
from cleaner.inputs.files import read_input
from cleaner.inputs.warc import url_relpath

STORY = ("The river authority opened the new flood gates on Tuesday after three years of "
         "work, and engineers said the barrier would protect eleven villages downstream. ")
OTHER = ("A small bakery in the old town won the regional bread prize for its rye loaf, "
         "baked each morning in a wood oven that is more than a century old. ")


def page(title: str, body: str, extra: str = "") -> str:
    paragraphs = "".join(f"<p>{body} Paragraph {i} adds detail.</p>" for i in range(4))
    return (f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>{title}</h1>{extra}{paragraphs}</article></body></html>")


def warc_bytes(records: list[tuple[str, str, int, str, bytes]], gzipped: bool) -> bytes:
    """A WARC of (type, uri, status, content type, body) records, made with warcio."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzipped)
    for rec_type, uri, status, content_type, body in records:
        if rec_type == "response":
            http = StatusAndHeaders(f"{status} OK", [("Content-Type", content_type)],
                                    protocol="HTTP/1.1")
            record = writer.create_warc_record(uri, "response", payload=io.BytesIO(body),
                                               http_headers=http)
        elif rec_type == "resource":
            record = writer.create_warc_record(uri, "resource", payload=io.BytesIO(body),
                                               warc_content_type=content_type)
        else:
            http = StatusAndHeaders(f"GET {uri} HTTP/1.1", [("Host", "example.org")],
                                    is_http_request=True)
            record = writer.create_warc_record(uri, "request", payload=io.BytesIO(b""),
                                               http_headers=http)
        writer.write_record(record)
    return out.getvalue()


def crawl_records() -> list[tuple[str, str, int, str, bytes]]:
    euro = page("Prices rise", "The price is 5 € now, said the “shop” owner. " + STORY)
    return [
        ("request", "https://example.org/news/flood", 0, "", b""),
        ("response", "https://example.org/news/flood", 200, "text/html; charset=utf-8",
         page("Flood gates open", STORY).encode("utf-8")),
        ("response", "https://example.org/shop/prices", 200, "text/html; charset=windows-1252",
         euro.encode("cp1252")),
        ("response", "https://example.org/missing", 404, "text/html", b"<p>Not found</p>"),
        ("response", "https://example.org/logo.png", 200, "image/png", b"\x89PNG\r\n\x1a\n"),
        ("resource", "https://bakery.example/../../../../etc/passwd", 0, "text/html",
         page("Bread prize", OTHER).encode("utf-8")),
    ]


def run_cli(*args: str, stdin: bytes | None = None):
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_warc_gives_its_html_responses_with_their_urls_and_charsets(
        tmp_path: Path, gzipped: bool) -> None:
    name = "crawl.warc.gz" if gzipped else "crawl.warc"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_bytes(warc_bytes(crawl_records(), gzipped))
    out = tmp_path / "out"
    result = run_cli("clean", str(tmp_path / "in"), "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    records = read_jsonl(out / "documents.jsonl")
    assert [r["url"] for r in records] == ["https://example.org/news/flood",
                                           "https://example.org/shop/prices",
                                           "https://bakery.example/../../../../etc/passwd"]
    assert read_jsonl(out / "errors.jsonl") == []
    prices = records[1]
    assert prices["encoding"] == "cp1252"
    assert "5 € now" in prices["text"] and "“shop”" in prices["text"]
    # every text file is inside out/text, whatever the URL said
    base = (out / "text").resolve()
    paths = [out / r["text_path"] for r in records]
    assert all(p.resolve().is_relative_to(base) and p.is_file() for p in paths)
    assert records[2]["text_path"] == "text/crawl/bakery.example/etc/passwd.txt"
    assert "bread prize" in paths[2].read_text(encoding="utf-8")


def test_a_damaged_warc_keeps_the_records_before_the_damage_and_says_so(tmp_path: Path) -> None:
    whole = warc_bytes(crawl_records(), gzipped=True)
    (tmp_path / "cut.warc.gz").write_bytes(whole[: int(len(whole) * 0.6)])
    out = tmp_path / "out"
    result = run_cli("clean", str(tmp_path / "cut.warc.gz"), "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    assert [r["url"] for r in read_jsonl(out / "documents.jsonl")][:1] == [
        "https://example.org/news/flood"]
    errors = read_jsonl(out / "errors.jsonl")
    assert len(errors) == 1 and errors[0]["error"].startswith("damaged WARC file")


def jsonl_lines() -> list[str]:
    return [
        json.dumps({"id": "a1", "url": "https://example.org/flood", "html": page("Flood", STORY),
                    "crawl": {"batch": 7}, "lang_hint": "en"}),
        "",
        json.dumps({"text": "Bread prize for the bakery\n\n" + OTHER * 4, "id": 2}),
        "{not json",
        json.dumps({"url": "https://example.org/empty"}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "a1", "text": "Another record that reuses an id.\n\n" + OTHER * 3}),
    ]


def check_jsonl_output(out: Path, source: str) -> None:
    records = read_jsonl(out / "documents.jsonl")
    assert [r["id"] for r in records] == ["a1", "2"]
    first = records[0]
    assert first["url"] == "https://example.org/flood" and first["kind"] == "html"
    assert first["crawl"] == {"batch": 7} and first["lang_hint"] == "en"  # passed through
    assert "flood gates" in first["text"] and records[1]["kind"] == "text"
    errors = {e["source"]: e["error"] for e in read_jsonl(out / "errors.jsonl")}
    assert errors == {
        f"{source}:4": errors[f"{source}:4"],
        f"{source}:5": 'record has neither an "html" nor a "text" string',
        f"{source}:6": "line is not a JSON object",
        f"{source}:7": "id 'a1' was given to an earlier record",
    }
    assert errors[f"{source}:4"].startswith("line is not valid JSON")


@pytest.mark.parametrize("suffix,opener", [("", open), (".gz", gzip.open), (".bz2", bz2.open),
                                           (".xz", lzma.open)])
def test_jsonl_files_plain_or_compressed(tmp_path: Path, suffix: str, opener) -> None:
    path = tmp_path / f"pages.jsonl{suffix}"
    with opener(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(jsonl_lines()) + "\n")
    out = tmp_path / "out"
    assert run_cli("clean", str(path), "-o", str(out), "-q").exit_code == 0
    check_jsonl_output(out, str(path))


def test_jsonl_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "out"
    stdin = ("\n".join(jsonl_lines()) + "\n").encode("utf-8")
    assert run_cli("clean", "-", "-o", str(out), "-q", stdin=stdin).exit_code == 0
    check_jsonl_output(out, "<stdin>")
    # stdin is never resumed: the same command with other input gives the new output
    again = json.dumps({"id": "z", "text": "Only this one\n\n" + STORY * 3}).encode("utf-8")
    assert run_cli("clean", "-", "-o", str(out), "-q", stdin=again).exit_code == 0
    assert [r["id"] for r in read_jsonl(out / "documents.jsonl")] == ["z"]


def test_a_jsonl_line_over_the_limit_is_an_error_and_the_next_lines_are_read(
        tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    big = json.dumps({"id": "big", "text": "word " * 5000})
    small = json.dumps({"id": "small", "text": "Small story\n\n" + STORY * 3})
    path.write_text(big + "\n" + small + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("clean", str(path), "-o", str(out), "-q", "--max-bytes", "5000").exit_code == 0
    assert [r["id"] for r in read_jsonl(out / "documents.jsonl")] == ["small"]
    errors = read_jsonl(out / "errors.jsonl")
    assert errors == [{"source": f"{path}:1",
                       "id": None, "url": None,
                       "error": "line is larger than the limit of 5,000 bytes"}]


@pytest.mark.parametrize("suffix,compress", [(".bz2", bz2.compress), (".xz", lzma.compress)])
def test_bz2_and_xz_pages_are_read_and_limited(tmp_path: Path, suffix: str, compress) -> None:
    (tmp_path / f"story.html{suffix}").write_bytes(compress(page("Flood", STORY).encode()))
    [inp] = list(iter_inputs([str(tmp_path)]))
    assert inp.kind_hint == "html" and b"flood gates" in read_input(inp)
    (tmp_path / f"bomb.txt{suffix}").write_bytes(compress(bytes(3_000_000)))
    bomb = next(i for i in iter_inputs([str(tmp_path)]) if "bomb" in i.source)
    with pytest.raises(InputError, match="^decompressed file is larger than the limit"):
        read_input(bomb, max_bytes=100_000)
    whole = compress(STORY.encode() * 200)
    (tmp_path / f"cut.txt{suffix}").write_bytes(whole[: len(whole) // 2])
    cut = next(i for i in iter_inputs([str(tmp_path)]) if "cut" in i.source)
    with pytest.raises(InputError, match="^truncated (bzip2|xz) file"):
        read_input(cut)


def test_url_paths_never_leave_the_output_folder() -> None:
    assert url_relpath("https://example.org/") == "example.org/index"
    assert url_relpath("https://example.org/a/b.html?x=1#y") == "example.org/a/b.html"
    assert url_relpath("not a url") == "record/not a url"
    assert url_relpath(None) == "record"


def test_a_record_whose_id_an_earlier_page_has_is_an_error_not_a_crash(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "story.html").write_text(page("Flood", STORY), encoding="utf-8")
    first = tmp_path / "first"
    assert run_cli("clean", str(pages), "-o", str(first), "-q").exit_code == 0
    # the first run's records, cleaned again next to the pages they came from
    out = tmp_path / "again"
    result = run_cli("clean", str(pages), str(first / "documents.jsonl"), "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    [record] = read_jsonl(out / "documents.jsonl")
    assert record["source"] == str(pages / "story.html")
    [error] = read_jsonl(out / "errors.jsonl")
    assert error["source"] == f"{first / 'documents.jsonl'}:1"
    assert error["error"] == f"id {record['id']!r} was given to an earlier record"


def test_long_ids_and_urls_give_short_enough_file_names(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"id": "x" * 300, "text": "Long id\n\n" + STORY * 3}) + "\n"
                    + json.dumps({"id": "日本" * 60, "text": "Wide id\n\n" + OTHER * 3}) + "\n",
                    encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("clean", str(path), "-o", str(out), "-q").exit_code == 0
    records = read_jsonl(out / "documents.jsonl")
    assert len(records) == 2 and read_jsonl(out / "errors.jsonl") == []
    for record in records:
        name = Path(record["text_path"]).name
        assert len(name.encode("utf-8")) <= 255 and (out / record["text_path"]).is_file()


def test_a_jsonl_line_nested_too_deeply_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text("[" * 100_000 + "\n" + json.dumps({"text": "Fine\n\n" + STORY * 3}) + "\n",
                    encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("clean", str(path), "-o", str(out), "-q").exit_code == 0
    assert len(read_jsonl(out / "documents.jsonl")) == 1
    assert read_jsonl(out / "errors.jsonl") == [
        {"source": f"{path}:1", "id": None, "url": None,
         "error": "line is JSON nested too deeply to read"}]


def test_a_text_page_that_starts_like_bzip2_is_read_as_text(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_bytes(b"BZh, said the bee.\n" + STORY.encode() * 3)
    [inp] = list(iter_inputs([str(tmp_path)]))
    assert read_input(inp).startswith(b"BZh, said the bee.")


def test_dask_and_one_process_agree_when_a_record_is_turned_away(tmp_path: Path) -> None:
    """Six pages of one site, a line on three of them; the third repeats the second's id.
    Counted with the page turned away, the line would be on half the site's pages, a
    site repeat; without it, on two of five, not one."""
    pytest.importorskip("distributed")
    promo = "<p>The harbour weekly is printed every Friday morning in the old town.</p>"
    lines = [json.dumps({"id": "same" if n in (1, 2) else f"p{n}",
                         "url": f"https://coast.example/story/{n}",
                         "html": page(f"Story {n}", f"Story {n} begins. " + STORY,
                                      promo if n < 3 else "")})
             for n in range(6)]
    path = tmp_path / "site.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outs = []
    for name, options in (("one", ["--jobs", "1"]), ("dask", ["--engine", "dask", "--jobs", "2"])):
        out = tmp_path / name
        assert run_cli("clean", str(path), "-o", str(out), "-q", *options).exit_code == 0
        outs.append(((out / "documents.jsonl").read_bytes(), (out / "errors.jsonl").read_bytes()))
    assert outs[0] == outs[1]
    assert b"was given to an earlier record" in outs[0][1]
    assert b"harbour weekly" in outs[0][0] and b"site-repeat" not in outs[0][0]


def test_a_warc_header_that_never_ends_is_cut_off_by_the_time_limit(tmp_path: Path) -> None:
    good = warc_bytes(crawl_records()[:2], gzipped=False)
    with open(tmp_path / "bad.warc", "wb") as handle:
        handle.write(good + b"WARC/1.0\r\nWARC-Type: response\r\nX-Junk: ")
        for _ in range(24):
            handle.write(b"x" * (1 << 20))  # 24 MB of one header line, no end
    out = tmp_path / "out"
    start = time.monotonic()
    result = run_cli("clean", str(tmp_path / "bad.warc"), "-o", str(out), "-q", "--timeout", "1")
    assert result.exit_code == 0, result.output
    assert time.monotonic() - start < 30
    assert [r["url"] for r in read_jsonl(out / "documents.jsonl")] == [
        "https://example.org/news/flood"]
    [error] = read_jsonl(out / "errors.jsonl")
    assert error["error"] == "damaged WARC file: record #3 could not be read within 1 s"
