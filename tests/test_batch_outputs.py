"""Output naming and writing: safe distinct names, whole files, complete JSON lines."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cleaner.batch.outputs import RunWriter, assign_text_paths, atomic_write, safe_relpath

# --- atomic_write ----------------------------------------------------------------


def test_atomic_write_creates_parents_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.txt"
    atomic_write(target, "première\n")
    assert target.read_bytes() == "première\n".encode()
    atomic_write(target, b"\x00bytes")
    assert target.read_bytes() == b"\x00bytes"
    assert sorted(os.listdir(target.parent)) == ["out.txt"]  # no temp file left


def test_atomic_write_failure_leaves_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space"):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]


# --- assign_text_paths -----------------------------------------------------------


def test_names_are_derived_from_relpaths() -> None:
    assert assign_text_paths(["news/a.html.gz", "b.txt", "c"]) == ["news/a.txt", "b.txt", "c.txt"]


def test_collisions_are_numbered_in_input_order() -> None:
    assert assign_text_paths(["x.html", "x.txt", "x.htm.gz"]) == ["x.txt", "x-2.txt", "x-3.txt"]


def test_numbering_skips_names_later_inputs_take_naturally() -> None:
    # "x-2.txt" belongs to the third input, so the second "x" becomes x-3.
    assert assign_text_paths(["x.html", "x.txt", "x-2.html"]) == ["x.txt", "x-3.txt", "x-2.txt"]


def test_case_insensitive_collisions() -> None:
    assert assign_text_paths(["A.html", "a.txt", "Dir/p.txt", "dir/p.html"]) == [
        "A.txt", "a-2.txt", "Dir/p.txt", "dir/p-2.txt",
    ]  # fmt: skip


def test_file_name_never_shadows_a_folder() -> None:
    # Input "a.txt" would be a file where "a.txt/b.txt" needs a folder.
    assert assign_text_paths(["a.txt", "a.txt/b.html"]) == ["a-2.txt", "a.txt/b.txt"]


def test_names_are_deterministic() -> None:
    relpaths = [f"d{i % 3}/p{i % 5}.html" for i in range(30)]
    first = assign_text_paths(relpaths)
    assert first == assign_text_paths(list(relpaths))
    assert len({name.casefold() for name in first}) == len(first)


@pytest.mark.parametrize(
    ("relpath", "expected"),
    [
        ("../../etc/passwd", "etc/passwd.txt"),
        ("/abs/page.html", "abs/page.txt"),
        ("a//./b.html", "a/b.txt"),
        ("..", "document.txt"),
        ("evil\x00\x1b[31m.html", "evil[31m.txt"),
        ("win\\..\\..\\x.htm", "win/x.txt"),
    ],
)
def test_paths_cannot_escape_the_output_folder(relpath: str, expected: str) -> None:
    (name,) = assign_text_paths([relpath])
    assert name == expected
    assert ".." not in name.split("/") and not name.startswith("/")


def test_safe_relpath_is_idempotent() -> None:
    assert safe_relpath(safe_relpath("../a/./b")) == safe_relpath("../a/./b") == "a/b"


# --- RunWriter -------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def test_run_writer_writes_text_and_lists(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with RunWriter(out) as writer:
        writer.write_text("news/a.txt", "Title", "Body line 1\nBody line 2")
        writer.write_text("b.txt", None, "Only body")
        writer.add_document_line(json.dumps(
            {"source": "news/a.html", "title": "Titre “é”", "chars": 24}, ensure_ascii=False))
        writer.add_document_line(json.dumps(
            {"source": "b.txt", "note": "line\u2028separator"}, ensure_ascii=False))
        # Nothing is published before close.
        assert not (out / "documents.jsonl").exists()
    assert (out / "text" / "news" / "a.txt").read_text() == "Title\n\nBody line 1\nBody line 2\n"
    assert (out / "text" / "b.txt").read_text() == "Only body\n"
    raw = (out / "documents.jsonl").read_text(encoding="utf-8")
    assert "“é”" in raw  # ensure_ascii=False
    assert raw.count("\n") == 2 and len(raw.splitlines()) == 2
    second = read_jsonl(out / "documents.jsonl")[1]
    assert second == {"source": "b.txt", "note": "line\u2028separator"}
    assert (out / "errors.jsonl").read_text() == ""  # always created
    assert sorted(p.name for p in out.iterdir()) == ["documents.jsonl", "errors.jsonl", "text"]


def test_errors_are_recorded(tmp_path: Path) -> None:
    with RunWriter(tmp_path) as writer:
        writer.add_error({"source": "x.png", "error": "binary content (PNG image)"})
    assert read_jsonl(tmp_path / "errors.jsonl") == [
        {"source": "x.png", "error": "binary content (PNG image)"}
    ]
    assert writer.errors_written == 1 and writer.documents_written == 0


def test_lists_are_published_even_when_the_run_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), RunWriter(tmp_path) as writer:
        writer.add_document_line(json.dumps({"source": "a"}, ensure_ascii=False))
        raise RuntimeError("boom")
    assert read_jsonl(tmp_path / "documents.jsonl") == [{"source": "a"}]


def test_previous_text_files_are_left_alone(tmp_path: Path) -> None:
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "old.txt").write_text("from last run")
    with RunWriter(tmp_path) as writer:
        writer.write_text("new.txt", None, "new")
    assert (tmp_path / "text" / "old.txt").read_text() == "from last run"


def test_a_writer_without_text_files_makes_no_text_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with RunWriter(out, text_files=False) as writer:
        writer.add_document_line(json.dumps({"source": "a"}))
        with pytest.raises(ValueError, match="no text files"):
            writer.write_text("a.txt", None, "x")
    assert sorted(p.name for p in out.iterdir()) == ["documents.jsonl", "errors.jsonl"]


@pytest.mark.parametrize("relpath", ["../escape.txt", "/tmp/abs.txt", "a/../../b.txt"])
def test_write_text_refuses_unsafe_paths(tmp_path: Path, relpath: str) -> None:
    with RunWriter(tmp_path / "out") as writer, pytest.raises(ValueError, match="unsafe"):
        writer.write_text(relpath, None, "x")


def test_closed_writer_refuses_records(tmp_path: Path) -> None:
    writer = RunWriter(tmp_path)
    writer.close()
    writer.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        writer.add_document_line(json.dumps({"a": 1}, ensure_ascii=False))
