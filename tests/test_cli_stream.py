"""`cleaner clean ... -o -`: documents.jsonl records on stdout as pages finish, in
input order, errors as JSON lines on stderr (or --errors FILE), the first copy of a
duplicate kept."""

from __future__ import annotations

import json
import select
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import FIXTURES
from test_inputs_containers import STORY, page

from cleaner.cli import main

CLI = [sys.executable, "-c", "from cleaner.cli import main\nif __name__ == '__main__': main()"]


def records(*stories: tuple[str, str]) -> bytes:
    lines = [json.dumps({"id": i, "html": page(title, body)}) for i, (title, body) in
             enumerate(stories)]
    return ("\n".join(lines) + "\nnot json\n").encode()


OTHER = STORY.replace("river", "harbour").replace("Rivers", "Ferries")


def test_records_on_stdout_in_input_order_with_errors_on_stderr(tmp_path: Path) -> None:
    data = records(("Rivers rise", STORY), ("Ferries", OTHER), ("Rivers rise", STORY))
    done = subprocess.run([*CLI, "clean", "-", "-o", "-", "-q", "--jobs", "2"], input=data,
                          capture_output=True, timeout=120, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [r["id"] for r in out] == ["0", "1", "2"]
    assert [r["duplicate_of"] for r in out] == [None, None, "0"]  # the first copy is kept
    assert all("text_path" not in r for r in out)
    [error] = [json.loads(line) for line in done.stderr.decode().splitlines()]
    assert error["source"] == "<stdin>:4" and "not valid JSON" in error["error"]
    assert list(tmp_path.iterdir()) == []  # no folder named "-", nothing written


def test_errors_file_no_dedup_and_drop_duplicates(tmp_path: Path) -> None:
    data = records(("Rivers rise", STORY), ("Rivers rise", STORY))
    errors = tmp_path / "errors.jsonl"
    result = CliRunner().invoke(main, ["clean", "-", "-o", "-", "-q", "--errors", str(errors),
                                       "--no-dedup"], input=data)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["duplicate_of"] for r in out] == [None, None]
    assert "not valid JSON" in errors.read_text()
    dropped = CliRunner().invoke(main, ["clean", "-", "-o", "-", "-q", "--drop-duplicates",
                                        "--errors", str(errors)], input=data)
    assert [json.loads(line)["id"] for line in dropped.stdout.splitlines()] == ["0"]


def test_a_keep_policy_that_needs_the_whole_input_is_refused_with_a_stream() -> None:
    result = CliRunner().invoke(main, ["clean", "-", "-o", "-", "--keep", "longest"],
                                input=records(("Rivers rise", STORY)))
    assert result.exit_code == 2 and "--keep longest needs the whole input" in result.output
    report = CliRunner().invoke(main, ["clean", "-", "-o", "-", "--report"], input=b"")
    assert report.exit_code == 2 and "needs an output folder" in report.output


def test_stream_options_are_refused_with_a_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["clean", "-", "-o", str(tmp_path / "out"),
                                       "--no-dedup"], input=records(("Rivers rise", STORY)))
    assert result.exit_code == 2 and "is for -o -" in result.output


def test_strict_exits_1_when_an_input_failed() -> None:
    data = records(("Rivers rise", STORY))
    assert CliRunner().invoke(main, ["clean", "-", "-o", "-", "-q"], input=data).exit_code == 0
    strict = CliRunner().invoke(main, ["clean", "-", "-o", "-", "-q", "--strict"], input=data)
    assert strict.exit_code == 1


def test_the_first_record_leaves_long_before_the_run_ends(tmp_path: Path) -> None:
    # 400 pages take seconds to clean; the first record must be out while the run goes on
    source = tmp_path / "pages.jsonl"
    source.write_text("".join(json.dumps({"id": f"p{i}", "html": page(f"Story {i}", STORY)})
                              + "\n" for i in range(400)))
    proc = subprocess.Popen([*CLI, "clean", str(source), "-o", "-", "-q", "--jobs", "1",
                             "--no-dedup"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, cwd=tmp_path)
    assert proc.stdout is not None
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 120)
        assert ready, "no record within two minutes"
        first = json.loads(proc.stdout.readline())
        still_running = proc.poll() is None
        rest = proc.stdout.read().decode().splitlines()
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert first["id"] == "p0" and still_running
    assert len(rest) == 399


def test_format_markdown_adds_the_markdown_field() -> None:
    html = page("Rivers rise", "<h2>Why</h2>" + STORY + "<ul><li>rain for a week</li>"
                "<li>a broken dam upstream</li></ul>")
    line = json.dumps({"id": "a", "html": html}) + "\n"
    result = CliRunner().invoke(main, ["clean", "-", "-o", "-", "-q", "--format", "markdown"],
                                input=line.encode())
    assert result.exit_code == 0, result.output
    [record] = [json.loads(x) for x in result.stdout.splitlines()]
    assert record["markdown"].startswith("# Rivers rise\n\n## Why\n\n")
    assert "- rain for a week\n- a broken dam upstream" in record["markdown"]
    plain = CliRunner().invoke(main, ["clean", "-", "-o", "-", "-q"], input=line.encode())
    assert "markdown" not in json.loads(plain.stdout)


def test_format_markdown_in_a_folder_writes_md_files_and_the_field(tmp_path: Path) -> None:
    html = (FIXTURES / "markdown" / "guide.html").read_text(encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "guide.html").write_text(html, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["clean", str(tmp_path / "in"), "-o", str(out), "-q",
                                       "--format", "markdown"])
    assert result.exit_code == 0, result.output
    [record] = [json.loads(x) for x in (out / "documents.jsonl").read_text().splitlines()]
    assert record["text_path"] == "text/guide.md"
    written = (out / record["text_path"]).read_text(encoding="utf-8")
    assert written == record["markdown"] + "\n"
    assert written == (FIXTURES / "markdown" / "guide.md").read_text(encoding="utf-8")
