"""iter_inputs() and read_input(): which files a run sees, and how their bytes are read."""

from __future__ import annotations

import builtins
import gzip
import os
import random
import re
from pathlib import Path

import pytest
from conftest import iter_inputs

from cleaner.inputs.base import DEFAULT_MAX_BYTES, Input, InputError, text_relpath
from cleaner.inputs.files import read_input


def make_tree(root: Path, files: dict[str, bytes | str]) -> None:
    for relpath, content in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        path.write_bytes(gzip.compress(data, mtime=0) if relpath.endswith(".gz") else data)


def relpaths(paths: list[str]) -> list[str]:
    return [inp.relpath for inp in iter_inputs(paths)]


# --- iter_inputs -----------------------------------------------------------------


def test_folder_is_walked_sorted_by_relpath_with_accepted_extensions(tmp_path: Path) -> None:
    make_tree(
        tmp_path / "in",
        {
            "b.txt": "b", "a.HTML": "a", "a/z.htm": "z", "a-b.xhtml": "ab", "c.txt.gz": "c",
            "d.html.GZ": "d", "notes.md": "no", "image.png": "no", "data.json": "no",
        },
    )  # fmt: skip
    found = list(iter_inputs([str(tmp_path / "in")]))
    # Sorted by relpath as strings: "-" < "." < "/".
    assert [inp.relpath for inp in found] == [
        "a-b.xhtml", "a.HTML", "a/z.htm", "b.txt", "c.txt.gz", "d.html.GZ",
    ]  # fmt: skip
    assert [inp.kind_hint for inp in found] == ["html", "html", "html", "text", "text", "html"]
    assert found[2].source == str(tmp_path / "in" / "a" / "z.htm")


def test_source_keeps_the_argument_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(tmp_path / "seeds", {"a.txt": "a"})
    monkeypatch.chdir(tmp_path)
    assert list(iter_inputs(["seeds/"])) == [Input("seeds/a.txt", "a.txt", "text")]


def test_hidden_files_and_folders_are_skipped(tmp_path: Path) -> None:
    make_tree(tmp_path, {".secret.txt": "x", ".git/page.html": "x", "ok.txt": "x"})
    assert relpaths([str(tmp_path)]) == ["ok.txt"]


def test_symlink_loop_is_not_followed_forever(tmp_path: Path) -> None:
    make_tree(tmp_path, {"sub/page.txt": "x"})
    (tmp_path / "sub" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "sub" / "self").symlink_to(tmp_path / "sub", target_is_directory=True)
    assert relpaths([str(tmp_path)]) == ["sub/page.txt"]


def test_same_file_reached_twice_is_yielded_once(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a/page.txt": "x"})
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "link.txt").symlink_to(tmp_path / "a" / "page.txt")
    found = list(iter_inputs([str(tmp_path), str(tmp_path / "a" / "page.txt")]))
    assert [inp.relpath for inp in found] == ["a/page.txt"]


def test_file_argument_is_taken_whatever_its_extension(tmp_path: Path) -> None:
    make_tree(tmp_path, {"dump.data": "x", "dir/page.htm.gz": "y"})
    found = list(iter_inputs([str(tmp_path / "dump.data"), str(tmp_path / "dir" / "page.htm.gz")]))
    assert found == [
        Input(str(tmp_path / "dump.data"), "dump.data", None),
        Input(str(tmp_path / "dir" / "page.htm.gz"), "page.htm.gz", "html"),
    ]


def test_arguments_keep_their_order(tmp_path: Path) -> None:
    make_tree(tmp_path, {"z/1.txt": "1", "a/2.txt": "2"})
    assert relpaths([str(tmp_path / "z"), str(tmp_path / "a")]) == ["1.txt", "2.txt"]


def test_missing_path_is_reported_before_anything_is_yielded(tmp_path: Path) -> None:
    make_tree(tmp_path, {"ok.txt": "x"})
    with pytest.raises(FileNotFoundError, match="input path not found: .*nope"):
        next(iter_inputs([str(tmp_path), str(tmp_path / "nope")]))


# --- read_input ------------------------------------------------------------------


def one(tmp_path: Path, name: str) -> Input:
    return Input(str(tmp_path / name), name, None)


def test_plain_file_is_read_as_is(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.txt": b"hello\r\n"})
    assert read_input(one(tmp_path, "a.txt")) == b"hello\r\n"


def test_gzip_is_decompressed_by_name_or_by_magic(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.html.gz": "<p>gz</p>"})
    (tmp_path / "b.html").write_bytes(gzip.compress(b"<p>sniffed</p>"))
    assert read_input(one(tmp_path, "a.html.gz")) == b"<p>gz</p>"
    assert read_input(one(tmp_path, "b.html")) == b"<p>sniffed</p>"


def test_truncated_gzip_says_how_far_it_got(tmp_path: Path) -> None:
    payload = random.Random(0).randbytes(100_000)  # incompressible: half the file ~ half the data
    whole = gzip.compress(payload, mtime=0)
    (tmp_path / "t.txt.gz").write_bytes(whole[: len(whole) // 2])
    message = r"^truncated gzip file \(decompressed (\d+) bytes before the end\)$"
    with pytest.raises(InputError, match=message) as info:
        read_input(one(tmp_path, "t.txt.gz"))
    got = int(re.match(message, str(info.value)).group(1))  # type: ignore[union-attr]
    assert 40_000 < got < 60_000


def test_gz_name_without_gzip_data_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "x.txt.gz").write_bytes(b"plain text, not gzip")
    with pytest.raises(InputError, match="^not a valid gzip file"):
        read_input(one(tmp_path, "x.txt.gz"))


def test_gzip_bomb_stops_at_the_limit(tmp_path: Path) -> None:
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(bytes(10_000_000)))
    assert (tmp_path / "bomb.txt.gz").stat().st_size < 50_000
    message = "^decompressed file is larger than the limit of 1,000 bytes$"
    with pytest.raises(InputError, match=message):
        read_input(one(tmp_path, "bomb.txt.gz"), max_bytes=1000)


def test_plain_file_over_the_limit(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(b"x" * 2049)
    with pytest.raises(InputError, match="^file is larger than the limit of 2,048 bytes$"):
        read_input(one(tmp_path, "big.txt"), max_bytes=2048)
    assert read_input(one(tmp_path, "big.txt"), max_bytes=2049) == b"x" * 2049


def test_default_limit_is_16_mb() -> None:
    # the figure the README and the CLI's help give (the worst page at this size
    # costs ~510 MB, under a worker's 1 GiB: see benchmarks.pagecost)
    assert DEFAULT_MAX_BYTES == 16 * 1024 * 1024


def test_directory_passed_as_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="^is a directory, not a file$"):
        read_input(Input(str(tmp_path), "x", None))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="^file not found"):
        read_input(one(tmp_path, "gone.txt"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "locked.txt").write_bytes(b"x")
    (tmp_path / "locked.txt").chmod(0)
    with pytest.raises(InputError, match="^permission denied$"):
        read_input(one(tmp_path, "locked.txt"))


def test_permission_error_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked.txt").write_bytes(b"x")
    real_open = builtins.open

    def deny(file: object, *args: object, **kwargs: object) -> object:
        if str(file).endswith("locked.txt"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", deny)
    with pytest.raises(InputError, match="^permission denied$"):
        read_input(one(tmp_path, "locked.txt"))


def test_input_error_is_a_value_error() -> None:
    assert issubclass(InputError, ValueError)


# --- text_relpath ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("relpath", "expected"),
    [
        ("news/a.html.gz", "news/a.txt"),
        ("a", "a.txt"),
        ("b.txt", "b.txt"),
        ("c.TXT.GZ", "c.txt"),
        ("v1.2/page.htm", "v1.2/page.txt"),
        (".profile", ".profile.txt"),
    ],
)
def test_text_relpath(relpath: str, expected: str) -> None:
    assert text_relpath(relpath) == expected


def test_a_gzip_file_of_several_members_is_read_whole(tmp_path: Path) -> None:
    (tmp_path / "two.txt.gz").write_bytes(gzip.compress(b"first part\n") + gzip.compress(b"second"))
    assert read_input(one(tmp_path, "two.txt.gz")) == b"first part\nsecond"


def test_a_truncated_gzip_file_says_how_much_it_gave(tmp_path: Path) -> None:
    whole = gzip.compress(b"a line of text\n" * 2000)
    (tmp_path / "cut.txt.gz").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match=r"^truncated gzip file \(decompressed \d+ bytes"):
        read_input(one(tmp_path, "cut.txt.gz"))
