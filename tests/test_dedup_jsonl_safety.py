"""`cleaner dedup` on lines that are not what they should be: each comes out, with a
`dedup_error` saying why, and every other line comes out as it would have anyway.

The inputs are bytes built here, since most of these lines cannot be written
as Python text at all (invalid UTF-8) or only by accident (lone surrogates).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.cli import main

FLOOD = ("The river authority opened the new flood gates on Tuesday after three years of "
         "work, and engineers said the barrier would protect eleven villages downstream "
         "from the spring floods that have ruined harvests twice in the last decade.")
BAKERY = ("A small bakery in the old town won the regional bread prize for its rye loaf, "
          "baked each morning in a wood oven that is more than a century old and was "
          "rebuilt brick by brick after the war by the owner's grandfather.")


def line(record: dict) -> bytes:
    return json.dumps(record).encode() + b"\n"


def dedup(tmp_path: Path, data: bytes, *options: str) -> tuple[list[dict], str]:
    """Run `cleaner dedup FILE -o OUT` as a user would; (output records, summary)."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(data)
    result = CliRunner().invoke(main, ["dedup", str(src), "-o", str(out), *options])
    assert result.exit_code == 0, result.output
    return [strict(x) for x in out.read_bytes().decode("utf-8").split("\n") if x], result.output


def strict(text: str) -> dict:
    """JSON as the standard has it: no NaN or Infinity."""
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


BROKEN = {
    "invalid UTF-8": b'{"id":"b","text":"\xff\xfe bad"}\n',
    "lone surrogate in text": b'{"id":"b","text":"\\ud800 x"}\n',
    "lone surrogate in id": b'{"id":"\\udc80b","text":"' + BAKERY.encode() + b'"}\n',
    "100,000 nested brackets": b"[" * 100_000 + b"\n",
    "nested objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"\n",
    "an integer of 5,000 digits": b'{"id":"b","text":"x","n":' + b"7" * 5000 + b"}\n",
}


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_line_is_passed_through_with_the_reason_and_the_rest_is_deduplicated(
        tmp_path: Path, name: str) -> None:
    data = (line({"id": "a", "text": FLOOD}) + BROKEN[name]
            + line({"id": "c", "text": FLOOD}) + line({"id": "d", "text": BAKERY}))
    records, summary = dedup(tmp_path, data, "--keep", "first")
    assert len(records) == 4
    good = [records[0], records[2], records[3]]
    assert [(r["id"], r["duplicate_of"], r["cluster"]) for r in good] == [
        ("a", None, "a"), ("c", "a", "a"), ("d", None, "d")]
    assert all("dedup_error" not in r for r in good)
    assert records[1]["dedup_error"]
    assert "errors 1" in summary


def test_invalid_utf8_is_kept_byte_for_byte_and_readable(tmp_path: Path) -> None:
    raw = b'{"id":"b","text":"\xff\xfe bad"}'
    records, _ = dedup(tmp_path, raw + b"\n")
    [record] = records
    assert "UTF-8" in record["dedup_error"]
    assert base64.b64decode(record["line_base64"]) == raw
    assert record["line"] == raw.decode("utf-8", "replace")


def test_a_lone_surrogate_is_written_back_escaped_and_reads_back_the_same(
        tmp_path: Path) -> None:
    records, _ = dedup(tmp_path, b'{"id":"b","text":"\\ud800 x","note":"\\udfff"}\n')
    [record] = records
    assert "Unicode" in record["dedup_error"]
    assert record["text"] == "\ud800 x" and record["note"] == "\udfff"


def test_nan_and_infinity_become_null_and_the_record_is_deduplicated(tmp_path: Path) -> None:
    data = (b'{"id": "a", "text": "' + FLOOD.encode() + b'", "score": NaN, '
            b'"range": [Infinity, -Infinity], "big": 1e400}\n')
    [record], _ = dedup(tmp_path, data)
    assert "dedup_error" not in record and record["cluster"] == "a"
    assert record["score"] is None and record["range"] == [None, None] and record["big"] is None


def test_bom_crlf_and_no_final_newline_are_read_as_plain_lines(tmp_path: Path) -> None:
    data = (b"\xef\xbb\xbf" + json.dumps({"id": "a", "text": FLOOD}).encode() + b"\r\n"
            + json.dumps({"id": "b", "text": FLOOD}).encode() + b"\r\n"
            + json.dumps({"id": "c", "text": BAKERY}).encode())
    records, summary = dedup(tmp_path, data, "--keep", "first")
    assert [(r["id"], r["duplicate_of"]) for r in records] == [
        ("a", None), ("b", "a"), ("c", None)]
    assert "errors 0" in summary


def test_an_empty_file_gives_an_empty_output(tmp_path: Path) -> None:
    records, summary = dedup(tmp_path, b"")
    assert records == [] and "records 0" in summary


def test_a_line_over_the_limit_is_passed_through_whole_and_not_read(tmp_path: Path) -> None:
    big = json.dumps({"id": "big", "text": "word " * 3000}).encode()
    data = big + b"\n" + line({"id": "a", "text": FLOOD}) + line({"id": "b", "text": FLOOD})
    records, summary = dedup(tmp_path, data, "--max-bytes", "10000", "--keep", "first")
    assert "larger than the limit" in records[0]["dedup_error"]
    assert base64.b64decode(records[0]["line_base64"]) == big
    assert [(r["id"], r["duplicate_of"]) for r in records[1:]] == [("a", None), ("b", "a")]
    assert "errors 1" in summary


def test_standard_input_through_a_pipe(tmp_path: Path) -> None:
    """A real pipe: not seekable, so the step spools it to read it twice."""
    data = (line({"id": "a", "text": FLOOD}) + BROKEN["invalid UTF-8"]
            + BROKEN["lone surrogate in text"] + line({"id": "c", "text": FLOOD}))
    proc = subprocess.run(
        [sys.executable, "-c", "from cleaner.cli import main; main()", "dedup", "--keep",
         "first"], input=data, capture_output=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    records = [strict(x) for x in proc.stdout.decode("utf-8").splitlines()]
    assert [r.get("id") for r in records] == ["a", None, "b", "c"]  # None: not UTF-8
    assert records[3]["duplicate_of"] == "a"
    assert "dedup_error" in records[1] and "dedup_error" in records[2]
    assert b"Traceback" not in proc.stderr and b"errors 2" in proc.stderr


def test_valid_records_come_out_exactly_as_json_dumps_writes_them(tmp_path: Path) -> None:
    """Unicode kept as is (not escaped), key order kept, fields added at the end."""
    records = [{"id": "a", "text": FLOOD, "title": "Écluses \u2028 ouvertes", "n": [1, 2.5]},
               {"id": "日本", "text": BAKERY + " 東京", "date": "2024-05-01", "source": "x"}]
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n"
                             for r in records))
    result = CliRunner().invoke(main, ["dedup", str(src), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    expected = "".join(json.dumps({**r, "duplicate_of": None, "similarity": None,
                                   "cluster": r["id"]}, ensure_ascii=False) + "\n"
                       for r in records)
    assert out.read_bytes() == expected.encode("utf-8")
