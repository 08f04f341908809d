"""The `cleaner` CLI through click's CliRunner: outputs, errors, duplicates, usage."""

from __future__ import annotations

import gzip
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, SEEDS, load_expected, read_jsonl

from cleaner.cli import main
from cleaner.extract import text as text_classifier

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def _run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_seeds_give_expected_titles_and_texts(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _run("clean", str(SEEDS), "-o", str(out))
    assert result.exit_code == 0, result.output
    expected = load_expected(FIXTURES / "seeds")
    records = {Path(r["source"]).name: r for r in read_jsonl(out / "documents.jsonl")}
    assert set(records) == set(expected)
    for name, exp in expected.items():
        rec = records[name]
        assert rec["title"] == exp["title"]
        assert rec["text"] == exp["text"]
        assert rec["duplicate_of"] is None  # two write-ups of one story: both kept
        removed = {r["text"] for r in rec["removed"]}
        assert set(exp["removed"]) <= removed
        assert all(r["reason"] for r in rec["removed"])
        body = (out / "text" / name).read_text(encoding="utf-8")
        assert body == exp["title"] + "\n\n" + exp["text"] + "\n"
    assert (out / "errors.jsonl").read_text() == ""
    assert "read 2, kept 2, duplicates 0, errors 0" in result.stderr


def test_ids_are_stable_across_runs(tmp_path: Path) -> None:
    _run("clean", str(SEEDS), "-o", str(tmp_path / "a"), "--quiet")
    _run("clean", str(SEEDS), "-o", str(tmp_path / "b"), "--quiet")
    a = (tmp_path / "a" / "documents.jsonl").read_bytes()
    assert a == (tmp_path / "b" / "documents.jsonl").read_bytes()


@pytest.mark.parametrize("kind", ["html", "text"])
def test_one_story_under_three_chromes_is_kept_once(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "out"
    _run("clean", str(FIXTURES / "syndication" / kind), "-o", str(out), "--quiet")
    records = read_jsonl(out / "documents.jsonl")
    kept = [r for r in records if r["duplicate_of"] is None]
    dups = [r for r in records if r["duplicate_of"] is not None]
    assert len(records) == 3 and len(kept) == 1 and len(dups) == 2
    assert all(d["duplicate_of"] == kept[0]["id"] for d in dups)
    assert all(d["similarity"] >= 0.8 for d in dups)
    assert len(list((out / "text").rglob("*.txt"))) == 1


@pytest.mark.parametrize("suffix", [".html", ".txt"])
def test_different_stories_on_one_template_are_not_duplicates(tmp_path: Path, suffix: str) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for path in (FIXTURES / "syndication" / "different").glob("*" + suffix):
        shutil.copy(path, src / path.name)
    out = tmp_path / "out"
    _run("clean", str(src), "-o", str(out), "--quiet")
    records = read_jsonl(out / "documents.jsonl")
    assert len(records) == 3
    assert all(r["duplicate_of"] is None for r in records)


def test_bad_files_become_error_records_and_the_rest_is_cleaned(tmp_path: Path) -> None:
    src = tmp_path / "in"
    (src / "news").mkdir(parents=True)
    shutil.copy(SEEDS / "000_1dc8f56cb09fc03a.txt", src / "news" / "good.txt")
    (src / "news" / "picture.html").write_bytes(PNG)
    (src / "empty.txt").write_bytes(b"")
    (src / "broken.html.gz").write_bytes(gzip.compress(b"<html><body>hello</body>")[:20])
    page = (FIXTURES / "syndication" / "html" / "site_a.html").read_bytes()
    (src / "news" / "a.html.gz").write_bytes(gzip.compress(page))
    out = tmp_path / "out"
    result = _run("clean", str(src), "-o", str(out))
    assert result.exit_code == 0
    errors = {Path(e["source"]).name: e["error"] for e in read_jsonl(out / "errors.jsonl")}
    assert set(errors) == {"picture.html", "empty.txt", "broken.html.gz"}
    assert "PNG" in errors["picture.html"]
    assert "empty" in errors["empty.txt"]
    assert "gzip" in errors["broken.html.gz"]
    assert not any("Traceback" in e for e in errors.values())
    assert (out / "text" / "news" / "good.txt").exists()
    assert (out / "text" / "news" / "a.txt").exists()  # news/a.html.gz -> text/news/a.txt
    assert "errors 3" in result.stderr


def test_name_collisions_are_resolved_deterministically(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    text = (SEEDS / "000_1dc8f56cb09fc03a.txt").read_text(encoding="utf-8")
    other = (SEEDS / "004_9748c3a63d6e470b.txt").read_text(encoding="utf-8")
    (src / "a.txt").write_text(text, encoding="utf-8")
    (src / "a.txt.gz").write_bytes(gzip.compress(other.encode()))
    out = tmp_path / "out"
    _run("clean", str(src), "-o", str(out), "--quiet")
    names = sorted(p.name for p in (out / "text").iterdir())
    assert len(names) == 2 and "a.txt" in names


def test_quiet_prints_nothing(tmp_path: Path) -> None:
    result = _run("clean", str(SEEDS), "-o", str(tmp_path / "o"), "--quiet")
    assert result.exit_code == 0 and result.output == ""


def test_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["clean", str(tmp_path / "nope"), "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_missing_output_option_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["clean", str(SEEDS)])
    assert result.exit_code == 2


def test_every_command_has_help_with_an_example() -> None:
    for name, command in main.commands.items():
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0
        assert command.help and "Example" in result.output, name


def test_unwritable_output_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(main, ["clean", str(SEEDS), "-o", str(blocker / "sub")])
    assert result.exit_code == 1
    assert "cannot write the output" in result.output
    assert "Traceback" not in result.output


def test_explain_gives_up_on_a_page_past_its_time_limit(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def endless(page: str) -> None:
        while True:
            time.sleep(0.01)

    monkeypatch.setattr(text_classifier, "classify", endless)
    page = tmp_path / "page.txt"
    page.write_text("A headline\n" + "A sentence of prose. " * 20)
    result = CliRunner().invoke(main, ["explain", str(page), "--timeout", "0.5"])
    assert result.exit_code == 1 and "timed out after 0.5 s" in result.output
