"""WARC and JSONL containers that lie about themselves: every record that could be a
page is a document or an error record, never dropped, never polluted by its
neighbours, and the documents.jsonl they give is strict JSON.

The WARC files are written by hand here (not with warcio's writer) so that a
record can declare a Content-Length its content does not have.
"""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import read_jsonl

from cleaner.cli import main
from cleaner.inputs.base import Input
from cleaner.inputs.containers import jsonl_inputs
from cleaner.inputs.warc import warc_inputs

STORY = ("The river authority opened the new flood gates on Tuesday after three years of "
         "work, and engineers said the barrier would protect eleven villages downstream.")


def html(title: str) -> bytes:
    """A small page over several lines, as a crawler stores it."""
    paragraphs = "\n".join(f"<p>{title}: {STORY} Paragraph {i}.</p>" for i in range(4))
    return (f"<html>\n<head><title>{title}</title></head>\n<body>\n<article>\n"
            f"{paragraphs}\n</article>\n</body>\n</html>\n").encode()


def http(body: bytes, status: bytes = b"200 OK",
         content_type: bytes = b"text/html; charset=utf-8") -> bytes:
    return b"HTTP/1.1 " + status + b"\r\nContent-Type: " + content_type + b"\r\n\r\n" + body


def record(uri: str, block: bytes, *, rec_type: str = "response",
           content_type: str = "application/http; msgtype=response",
           length: int | str | None = 0) -> bytes:
    """One WARC record. `length`: an int is added to the true Content-Length (0: right),
    a str is written as the Content-Length, None leaves the header out."""
    head = (f"WARC/1.0\r\nWARC-Type: {rec_type}\r\nWARC-Target-URI: {uri}\r\n"
            "WARC-Date: 2024-05-01T10:00:00Z\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
            f"Content-Type: {content_type}\r\n")
    if isinstance(length, int):
        head += f"Content-Length: {len(block) + length}\r\n"
    elif isinstance(length, str):
        head += f"Content-Length: {length}\r\n"
    return head.encode() + b"\r\n" + block + b"\r\n\r\n"


def write_warc(path: Path, records: list[bytes], gzipped: bool) -> Path:
    """Plain, or one gzip member per record (as WARC writers do)."""
    path.write_bytes(b"".join(gzip.compress(r) for r in records) if gzipped
                     else b"".join(records))
    return path


def read_warc(path: Path, max_bytes: int = 1_000_000) -> tuple[list[Input], list[Input]]:
    inputs = list(warc_inputs(str(path), path.name, max_bytes, timeout=30))
    return [i for i in inputs if i.error is None], [i for i in inputs if i.error is not None]


PAGES = {f"https://example.org/{name}": html(name.title()) for name in ("a", "b", "c")}

#: Content-Length faults, as `record(length=...)` takes them.
FAULTS = {
    "too large by 300 bytes": 300,
    "too large by 3 bytes": 3,
    "too large by 12 bytes": 12,
    "too small by 40 bytes": -40,
    "too large, past the end of the file": 10_000_000,
    "not a number": "61x9",
    "missing": None,
}


@pytest.mark.parametrize("gzipped", [False, True], ids=["warc", "warc.gz"])
@pytest.mark.parametrize("bad", [0, 1], ids=["first bad", "second bad"])
@pytest.mark.parametrize("fault", FAULTS)
def test_a_record_with_a_wrong_content_length_is_an_error_and_its_neighbours_are_whole(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], fault: str, bad: int,
        gzipped: bool) -> None:
    records = [record(uri, http(body), length=FAULTS[fault] if n == bad else 0)
               for n, (uri, body) in enumerate(PAGES.items())]
    path = write_warc(tmp_path / ("crawl.warc.gz" if gzipped else "crawl.warc"), records, gzipped)
    documents, errors = read_warc(path)
    bad_url = list(PAGES)[bad]
    # the two good records are documents, byte for byte their own bodies
    assert {d.url: d.data for d in documents} == {u: b for u, b in PAGES.items() if u != bad_url}
    # the bad one is an error that says which record and what is wrong with it
    assert len(errors) == 1, [e.error for e in errors]
    assert f"record #{bad + 1}" in errors[0].error and "Content-Length" in errors[0].error
    # warcio's own warning does not reach the terminal: the error record replaces it
    assert "WARNING" not in capfd.readouterr().err


def test_the_briefs_example_through_the_command_line(tmp_path: Path) -> None:
    """Three responses, the first declaring 300 bytes too many: before, two documents and
    no error (the second record vanished inside the first)."""
    records = [record(uri, http(body), length=300 if n == 0 else 0)
               for n, (uri, body) in enumerate(PAGES.items())]
    path = write_warc(tmp_path / "crawl.warc", records, gzipped=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["clean", str(path), "-o", str(out), "-q", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert [r["url"] for r in read_jsonl(out / "documents.jsonl")] == list(PAGES)[1:]
    [error] = read_jsonl(out / "errors.jsonl")
    assert error["source"] == f"{path}#1" and "Content-Length" in error["error"]


@pytest.mark.parametrize("gzipped", [False, True], ids=["warc", "warc.gz"])
def test_html_responses_are_pages_whatever_the_scheme_of_their_uri(
        tmp_path: Path, gzipped: bool) -> None:
    uris = ["ftp://files.example.org/news/a.html", "file:///srv/www/b.html",
            "urn:example:story-c", "story-d"]
    records = [record(uri, http(html(f"Story {n}"))) for n, uri in enumerate(uris)]
    records.append(record("dns:example.org", b"20240501100000\nexample.org. 300 IN A 10.0.0.1\n",
                          content_type="text/dns"))
    documents, errors = read_warc(write_warc(tmp_path / "odd.warc", records, gzipped))
    assert [d.url for d in documents] == uris
    assert all(d.data == html(f"Story {n}") for n, d in enumerate(documents))
    assert errors == []  # the dns: record is not a page, and not an error either


@pytest.mark.parametrize("block", [
    b"\x00\xff\xfe\x01\x02 binary junk\r\n\x9c\x80\r\n\r\n" + html("Junk"),
    http(html("Bad status"), status=b"two-hundred OK"),
    b"HTTP/1.1 200 OK\r\nthis line is not a header\r\nContent-Type: text/html\r\n\r\n"
    + html("Garbled"),
], ids=["binary head", "status not a number", "line without a colon"])
def test_a_response_whose_http_head_cannot_be_read_is_an_error_not_a_skip(
        tmp_path: Path, block: bytes) -> None:
    records = [record("https://example.org/good", http(html("Good"))),
               record("https://example.org/broken", block),
               record("https://example.org/gone", http(b"<p>gone</p>", status=b"404 Not Found"))]
    documents, errors = read_warc(write_warc(tmp_path / "heads.warc", records, False))
    assert [d.url for d in documents] == ["https://example.org/good"]
    assert [(e.source.rsplit("#", 1)[1], e.url) for e in errors] == [
        ("2", "https://example.org/broken")]  # the 404 is still not a page, nor an error



def test_a_latin_1_header_value_is_read(tmp_path: Path) -> None:
    # HTTP's older rule: header values are ISO-8859-1; servers still send them
    block = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Owner: caf\xe9\r\n\r\n"
             + html("Latin"))
    documents, errors = read_warc(write_warc(tmp_path / "latin.warc",
                                             [record("https://example.org/latin", block)],
                                             False))
    assert [d.url for d in documents] == ["https://example.org/latin"] and errors == []


def test_a_record_body_over_the_limit_is_still_an_error(tmp_path: Path) -> None:
    records = [record("https://example.org/big", http(b"<p>" + b"x" * 50_000 + b"</p>")),
               record("https://example.org/a", http(html("A")))]
    documents, errors = read_warc(write_warc(tmp_path / "big.warc", records, True), 10_000)
    assert [d.url for d in documents] == ["https://example.org/a"]
    assert len(errors) == 1 and "larger than the limit" in errors[0].error


def test_a_warc_gzipped_as_one_whole_file_is_read(tmp_path: Path) -> None:
    """`gzip crawl.warc` makes one gzip member for all records, not one per record."""
    records = [record(uri, http(body)) for uri, body in PAGES.items()]
    path = tmp_path / "whole.warc.gz"
    path.write_bytes(gzip.compress(b"".join(records)))
    documents, errors = read_warc(path)
    assert {d.url: d.data for d in documents} == PAGES
    assert errors == []


@pytest.mark.parametrize("bad", [0, 1, 2], ids=["first bad", "second bad", "last bad"])
@pytest.mark.parametrize("fault", FAULTS)
def test_a_wrong_content_length_in_a_warc_gzipped_as_one_whole_file(
        tmp_path: Path, fault: str, bad: int) -> None:
    records = [record(uri, http(body), length=FAULTS[fault] if n == bad else 0)
               for n, (uri, body) in enumerate(PAGES.items())]
    path = tmp_path / "whole.warc.gz"
    path.write_bytes(gzip.compress(b"".join(records)))
    documents, errors = read_warc(path)
    bad_url = list(PAGES)[bad]
    assert {d.url: d.data for d in documents} == {u: b for u, b in PAGES.items() if u != bad_url}
    assert len(errors) == 1 and f"record #{bad + 1}" in errors[0].error


def tiny_warc(path: Path, count: int) -> Path:
    with open(path, "wb") as handle:
        for n in range(count):
            handle.write(record(f"https://example.org/{n}", http(f"<p>{n}</p>".encode())))
    return path


def test_a_warc_of_many_tiny_records_reads_in_linear_time(tmp_path: Path) -> None:
    def seconds(count: int) -> float:
        path = tiny_warc(tmp_path / f"tiny{count}.warc", count)
        start = time.process_time()  # CPU time: other processes on the machine do not count
        documents, errors = read_warc(path)
        assert len(documents) == count and errors == []
        return time.process_time() - start

    small, big = seconds(2_000), seconds(16_000)
    assert big < 20 * small  # eight times the records: about eight times the time, not 64


# --- JSONL ---------------------------------------------------------------------------------


def strict_json(line: str) -> dict:
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")
    return json.loads(line, parse_constant=refuse)


def test_nan_and_infinity_in_a_jsonl_record_become_null_in_documents_jsonl(
        tmp_path: Path) -> None:
    path = tmp_path / "scores.jsonl"
    path.write_text(
        '{"id": "a", "text": "Flood gates open\\n\\n' + STORY + '", "score": NaN, '
        '"range": [Infinity, -Infinity], "meta": {"weight": NaN, "ok": 1.5}, "big": 1e400}\n',
        encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["clean", str(path), "-o", str(out), "-q", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    [line] = (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    doc = strict_json(line)
    assert doc["score"] is None and doc["range"] == [None, None]
    assert doc["meta"] == {"weight": None, "ok": 1.5} and doc["big"] is None


def test_lone_surrogates_in_a_jsonl_record_do_not_break_reading(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    lines = [
        '{"id": "bad-\\ud800-id", "text": "One\\n\\n' + STORY + '"}',
        '{"id": "b", "url": "https://example.org/\\udc80x", "text": "Two\\n\\n' + STORY + '"}',
        '{"id": "c", "text": "Three\\n\\n' + STORY + '", "note": "\\udfff", '
        '"\\ud83d key": ["\\ude00"]}',
        '{"id": "d", "html": "<p>\\ud800</p>", "url": "\\udc80"}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    inputs = list(jsonl_inputs(str(path), path.name, 1_000_000))
    assert [i.source for i in inputs] == [f"{path}:{n}" for n in range(1, 5)]
    for inp in inputs:  # each is a page to clean or an error record, nothing raised
        assert (inp.data is None) != (inp.error is None)


def test_a_warc_gzipped_whole_that_decompresses_to_gigabytes_stops(tmp_path: Path) -> None:
    # one gzip member of two records, the second a body of 200 MB of zeros (200 KB
    # gzipped): spooling it to disk whole would be a disk bomb
    records = [record("https://example.org/first", http(html("First"))),
               record("https://example.org/bomb", http(bytes(200 * 1024 * 1024)))]
    path = tmp_path / "bomb.warc.gz"
    path.write_bytes(gzip.compress(b"".join(records), compresslevel=1))
    documents, errors = read_warc(path)
    assert [d.url for d in documents] == ["https://example.org/first"]
    assert any("gzip bomb" in (e.error or "") for e in errors)
