"""Hostile and broken inputs through the real batch run (`batch.run.run`, one process).

Each input gives a clean result or exactly one clear, one-line record in
errors.jsonl; never a crash, a hang or a change to the other pages of the run:
every batch also holds two good pages, which must come out whole. Every input
is made here, in tmp_path, at test time (the big ones streamed to disk).
"""

from __future__ import annotations

import base64
import builtins
import json
import os
import random
import re
import socket
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cleaner.batch.config import RunConfig
from cleaner.batch.run import RunSummary, run
from cleaner.inputs import base
from cleaner.inputs import files as sources

MB = 1024 * 1024

Story = tuple[str, tuple[str, ...]]

FERRY: Story = ("Council funds two new ferries for the harbour", (
    "The city council voted on Tuesday to fund two new passenger ferries for the harbour, "
    "ending a year of debate over how to cut the queues at the old terminal.",
    "The vessels will carry two hundred and fifty people each and will run every twenty "
    "minutes at rush hour, the transport office said in a statement.",
    "Fares will not change before the next election, the office added, and the old boats "
    "will be sold to a museum that has asked to keep one of them afloat.",
))
LIBRARY: Story = ("Town library reopens after two years of roof repairs", (
    "The town library reopened on Saturday after two years of repairs to its roof, which "
    "had leaked so badly that part of the reading room was closed to the public.",
    "Volunteers carried more than ten thousand books back onto the shelves over the "
    "weekend, and the children's corner now has a small stage for story time.",
    "The head librarian said the building would stay open until eight in the evening on "
    "weekdays, two hours later than it did before the work began.",
))
ORCHARD: Story = ("Valley growers expect their best apple harvest in a decade", (
    "Apple growers in the valley expect their best harvest in a decade after a mild spring "
    "and a wet summer that filled the fruit without splitting the skins.",
    "Pickers began work in the oldest orchards on Monday, and the cooperative said it had "
    "hired forty extra hands to bring the crop in before the first frost.",
    "Prices at the farm gate are likely to fall a little, the growers said, but the size of "
    "the crop should more than make up for it over the year.",
))
CAFE: Story = ("Le café de la place rouvre après des mois de travaux", (
    "Le café de la place a rouvert lundi après des mois de travaux. Les habitués ont "
    "retrouvé leur comptoir préféré, et la terrasse était pleine dès le début de "
    "l’après-midi.",
    "Le patron a promis que le café crème resterait à deux euros jusqu’à l’été prochain, "
    "malgré la hausse du prix du lait et de l’électricité depuis un an.",
    "Les travaux ont coûté plus que prévu, a-t-il reconnu, mais la salle est désormais "
    "accessible aux fauteuils roulants et la cuisine a été entièrement refaite.",
))


def html_page(story: Story, head: str = "", extra: str = "", doctype: str = "<!DOCTYPE html>",
              charset: str = '<meta charset="utf-8">') -> str:
    """A news page: menu, the article (headline and paragraphs), a footer."""
    title, paragraphs = story
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"{doctype}<html><head>{charset}<title>{title} | Example News</title>{head}</head>"
        "<body><nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a>"
        f"</nav><article><h1>{title}</h1>{body}{extra}</article>"
        "<footer><p>© 2025 Example News. All rights reserved.</p></footer></body></html>"
    )


def text_dump(story: Story) -> str:
    """The text a browser shows for a news page: menu, headline, byline, body, chrome."""
    title, paragraphs = story
    return "\n".join([
        "Home", "News", "Sport", title, "By Ana Ruiz", paragraphs[0], "Share post:",
        *paragraphs[1:], "Related", "Storm season starts early this year",
        "Forecasters expect a wet autumn across the country and warn that...",
    ]) + "\n"


GOOD = {"ferry.html": FERRY, "library.txt": LIBRARY}


@dataclass
class Batch:
    """What a run gave: records by input file name, and where it wrote them."""

    docs: dict[str, dict]
    errors: dict[str, str]
    summary: RunSummary
    out: Path
    seconds: float


def batch(tmp_path: Path, files: dict[str, bytes | str | None],
          config: RunConfig | None = None) -> Batch:
    """Run a folder holding `files` (None: already written) and the good pages.

    Checks what every case must give: each input accounted for exactly once
    (one record in documents.jsonl or in errors.jsonl), errors as one plain
    line, and the good pages whole.
    """
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    pages = {"ferry.html": html_page(FERRY), "library.txt": text_dump(LIBRARY), **files}
    for name, content in pages.items():
        if content is not None:
            data = content.encode("utf-8") if isinstance(content, str) else content
            (folder / name).write_bytes(data)
    out = tmp_path / "out"
    start = time.perf_counter()
    summary = run([str(folder)], out, config or RunConfig(jobs=1))
    seconds = time.perf_counter() - start

    docs = [json.loads(line) for line in _lines(out / "documents.jsonl")]
    errors = [json.loads(line) for line in _lines(out / "errors.jsonl")]
    names = [Path(r["source"]).name for r in docs + errors]
    assert sorted(names) == sorted(pages), "each input gives exactly one record"
    for record in docs + errors:
        assert Path(record["source"]).parent == folder
    for error in errors:
        assert set(error) == {"source", "id", "url", "error"}
        message = error["error"]
        assert message and "\n" not in message and "Traceback" not in message
    got = Batch({Path(r["source"]).name: r for r in docs},
                {Path(r["source"]).name: r["error"] for r in errors}, summary, out, seconds)
    for name, story in GOOD.items():
        assert_whole(got, name, story)
    assert summary.read == len(pages) and summary.errors == len(errors)
    return got


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line]


def assert_whole(got: Batch, name: str, story: Story) -> None:
    """The page's article came out whole: headline, every paragraph, nothing else."""
    title, paragraphs = story
    record = got.docs[name]
    assert record["title"] == title
    assert record["text"] == "\n\n".join(paragraphs)
    assert record["duplicate_of"] is None
    text_file = got.out / record["text_path"]
    assert text_file.read_text(encoding="utf-8") == f"{title}\n\n{record['text']}\n"


@pytest.fixture
def big_input(tmp_path: Path) -> Iterator[Path]:
    """The input folder, emptied after the test: pytest keeps recent tmp_paths."""
    folder = tmp_path / "in"
    folder.mkdir()
    yield folder
    for path in folder.iterdir():
        path.unlink()


# --- 1-3: empty, binary, truncated -----------------------------------------------


def test_empty_files_are_one_error_each(tmp_path: Path) -> None:
    got = batch(tmp_path, {"empty.html": b"", "empty.txt": b"", "blank.txt": b" \r\n\t\n "})
    assert got.errors == {
        "empty.html": "empty file",
        "empty.txt": "empty file",
        "blank.txt": "file has no text",
    }


def test_binary_files_named_html_are_refused(tmp_path: Path) -> None:
    noise = random.Random(6).randbytes(4096)
    got = batch(tmp_path, {
        "photo.html": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise,
        "report.html": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n" + noise,
        "archive.html": b"PK\x03\x04\x14\x00\x08\x00\x08\x00" + noise,
        "noise.html": noise,  # no magic number: caught by its control characters
    })
    assert got.errors == {
        "photo.html": "binary content (PNG image), not a text or HTML page",
        "report.html": "binary content (PDF document), not a text or HTML page",
        "archive.html": "binary content (ZIP archive), not a text or HTML page",
        "noise.html": "binary content, not a text or HTML page",
    }


def test_truncated_gzip_is_one_error(tmp_path: Path) -> None:
    whole = gzip_bytes(html_page(ORCHARD).encode() * 20)
    got = batch(tmp_path, {"cut.html.gz": whole[: len(whole) // 2]})
    message = got.errors["cut.html.gz"]
    match = re.fullmatch(r"truncated gzip file \(decompressed (\d+) bytes before the end\)",
                         message)
    assert match is not None, message
    assert 0 <= int(match.group(1)) < len(html_page(ORCHARD).encode()) * 20


def gzip_bytes(data: bytes) -> bytes:
    stream = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return stream.compress(data) + stream.flush()


# --- 4-5: size limits --------------------------------------------------------------


def write_gzip_of_zeros(path: Path, megabytes: int) -> None:
    """A gzip bomb, streamed: the test itself never holds the expanded data."""
    stream = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MB)
    with open(path, "wb") as handle:
        for _ in range(megabytes):
            handle.write(stream.compress(zeros))
        handle.write(stream.flush())


@pytest.mark.parametrize(("max_bytes", "limit", "peak_mb"), [
    (None, "16 MB", 48),  # the default; reading up to the limit costs ~2x the limit
    (1 * MB, "1 MB", 8),
])
def test_gzip_bomb_stops_at_the_limit_in_bounded_memory(
    tmp_path: Path, max_bytes: int | None, limit: str, peak_mb: int
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_gzip_of_zeros(folder / "bomb.html.gz", 200)  # 200 MB of zeros
    assert (folder / "bomb.html.gz").stat().st_size < MB
    config = RunConfig(jobs=1) if max_bytes is None else RunConfig(jobs=1, max_bytes=max_bytes)
    got = batch(tmp_path, {"bomb.html.gz": None}, config)
    assert got.errors == {"bomb.html.gz": f"decompressed file is larger than the limit of {limit}"}
    # the reading itself, here (a run reads in its worker process): bounded by the
    # limit, not by the 200 MB the bomb holds
    bomb = base.Input(str(folder / "bomb.html.gz"), "bomb.html.gz", "html")
    tracemalloc.start()
    try:
        with pytest.raises(base.InputError):
            sources.read_input(bomb, max_bytes=config.max_bytes)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < peak_mb * MB


def test_a_100_mb_page_is_refused_by_the_default_limit(tmp_path: Path, big_input: Path) -> None:
    folder = big_input
    paragraph = ("<p>" + " ".join(ORCHARD[1]) + "</p>\n").encode() * 200
    with open(folder / "huge.html", "wb") as handle:
        handle.write(b"<!DOCTYPE html><html><head><title>Huge</title></head><body>")
        while handle.tell() < 100 * MB:
            handle.write(paragraph)
        handle.write(b"</body></html>")
    got = batch(tmp_path, {"huge.html": None})
    assert got.errors == {"huge.html": "file is larger than the limit of 16 MB"}


@pytest.mark.parametrize("payload", ["script", "data-uri"])
def test_a_15_mb_page_of_inline_payload_keeps_its_article(
    tmp_path: Path, big_input: Path, payload: str
) -> None:
    # one text node or attribute over 10 MB used to stop the parser: article lost
    # (11 MB of base64: over libxml2's 10 MB, under the 16 MB default limit)
    blob = base64.b64encode(random.Random(20).randbytes(8 * MB + MB // 4)).decode("ascii")
    head = f"<script>var bundle = '{blob}';</script>" if payload == "script" else ""
    extra = f'<img alt="" src="data:image/png;base64,{blob}">' if payload == "data-uri" else ""
    page = html_page(ORCHARD, head=head).replace("<article>", f"<article>{extra}")
    assert 10 * MB < len(page) < 16 * MB
    got = batch(tmp_path, {"bundle.html": page})
    assert got.errors == {}
    assert_whole(got, "bundle.html", ORCHARD)


def test_a_15_mb_page_of_prose_ends_within_the_time_limit(tmp_path: Path, big_input: Path) -> None:
    # ~20 s of cleaning on one core; with a 1 s limit it must end as a timeout
    folder = big_input
    paragraphs = [p for story in (ORCHARD, LIBRARY, FERRY) for p in story[1]]
    with open(folder / "long.html", "w", encoding="utf-8") as handle:
        handle.write("<!DOCTYPE html><html><head><title>Long</title></head><body><article>")
        n = 0
        while handle.tell() < 15 * MB:
            handle.write(f"<p>Part {n}. {paragraphs[n % len(paragraphs)]}</p>\n")
            n += 1
        handle.write("</article></body></html>")
    got = batch(tmp_path, {"long.html": None}, RunConfig(jobs=1, timeout=1))
    assert got.errors == {"long.html": "timed out after 1 s"}
    assert got.seconds < 10


# --- 6-9: malformed content ------------------------------------------------------


@pytest.mark.parametrize("closed", [True, False])
def test_100000_nested_tags_keep_the_text(tmp_path: Path, closed: bool) -> None:
    title, paragraphs = ORCHARD
    inner = f"<h1>{title}</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs)
    page = ("<!DOCTYPE html><html><head><title>" + title + "</title></head><body>"
            + "<div>" * 100_000 + inner + ("</div>" * 100_000 if closed else "")
            + "</body></html>")
    got = batch(tmp_path, {"nested.html": page})
    assert got.errors == {}
    assert got.docs["nested.html"]["text"] == "\n\n".join(paragraphs)


def test_nested_tags_before_the_article_do_not_hide_it(tmp_path: Path) -> None:
    # libxml2 stops at 2048 levels and used to drop the rest of the page with it
    page = html_page(ORCHARD).replace("<body>", "<body>" + "<span>" * 5000 + "x"
                                      + "</span>" * 5000)
    got = batch(tmp_path, {"deep-menu.html": page})
    assert got.errors == {}
    assert_whole(got, "deep-menu.html", ORCHARD)


@pytest.mark.parametrize("kind", ["html", "txt"])
def test_nul_bytes_are_dropped_and_the_page_cleaned(tmp_path: Path, kind: str) -> None:
    clean_page = html_page(ORCHARD) if kind == "html" else text_dump(ORCHARD)
    raw = (clean_page.encode()
           .replace(b"harvest", b"har\x00vest")
           .replace(b"<p>", b"<p>\x00")
           .replace(b"Pickers", b"\x00Pickers\x00"))
    assert raw.count(b"\x00") >= 4
    got = batch(tmp_path, {f"nul.{kind}": raw})
    assert got.errors == {}
    assert_whole(got, f"nul.{kind}", ORCHARD)


@pytest.mark.parametrize("charset", ['<meta charset="utf-8">', ""])
def test_invalid_utf8_keeps_the_real_text(tmp_path: Path, charset: str) -> None:
    title, paragraphs = CAFE
    raw = (html_page(CAFE, charset=charset).encode()
           .replace(b"Le patron a promis", b"Le patron \xff\xfe a promis")
           .replace(b"refaite.", b"refaite \xe2\x82."))  # a cut-off "€"
    got = batch(tmp_path, {"cafe.html": raw})
    assert got.errors == {}
    record = got.docs["cafe.html"]
    assert record["encoding"] == "utf-8" and record["title"] == title
    assert record["text"] == "\n\n".join([
        paragraphs[0],
        paragraphs[1].replace("Le patron a promis", "Le patron \ufffd\ufffd a promis"),
        paragraphs[2].replace("refaite.", "refaite \ufffd."),
    ])


@pytest.mark.parametrize("line", [
    "Notes" + " -" * 200_000 + " end",  # a run of the decoration rules strip off line ends
    "the JavaScript code and the TypeScript code run here. " * 8_000,  # camelCase "glue"
], ids=["dashes", "camel-case"])
def test_a_long_pathological_line_is_cleaned_in_linear_time(tmp_path: Path, line: str) -> None:
    # both were quadratic: a 400 KB line took minutes, past any time limit
    dump = text_dump(ORCHARD).replace("Share post:", line)
    got = batch(tmp_path, {"long-line.txt": dump}, RunConfig(jobs=1, timeout=5))
    assert got.errors == {}
    record = got.docs["long-line.txt"]
    assert record["title"] == ORCHARD[0]
    kept = record["text"].split("\n\n")
    assert all(p in kept for p in ORCHARD[1])


def test_a_page_of_only_scripts_and_styles_is_one_error(tmp_path: Path) -> None:
    page = ("<!DOCTYPE html><html><head><title></title><style>body { color: red }</style>"
            "<script>var article = 'The river rose two metres overnight and flooded the "
            "streets.';</script></head><body><script>document.write('<p>hello</p>')</script>"
            "<style>p { margin: 0 }</style><template><p>A template the page never shows."
            "</p></template><noscript><style>.x{}</style></noscript></body></html>")
    got = batch(tmp_path, {"scripts.html": page})
    assert got.errors == {"scripts.html": "no article text found in the page"}


# --- 10: file names ----------------------------------------------------------------


@pytest.mark.parametrize(("name", "text_path"), [
    ("my page.html", "text/my page.txt"),
    ("line\nbreak.html", "text/linebreak.txt"),
    ("tab\there.txt", "text/tabhere.txt"),
    ("café.html", "text/café.txt"),
    ("日本のニュース.txt", "text/日本のニュース.txt"),
    ("-rf --all.html", "text/-rf --all.txt"),
])
def test_awkward_file_names(tmp_path: Path, name: str, text_path: str) -> None:
    page = html_page(ORCHARD) if name.endswith(".html") else text_dump(ORCHARD)
    got = batch(tmp_path, {name: page})
    assert got.errors == {}
    record = got.docs[name]
    assert record["source"] == str(tmp_path / "in" / name)
    assert record["text_path"] == text_path
    assert_whole(got, name, ORCHARD)
    written = {str(p.relative_to(got.out)) for p in (got.out / "text").rglob("*.txt")}
    assert written == {text_path, "text/ferry.txt", "text/library.txt"}


def test_file_names_that_are_not_utf8_are_kept_byte_for_byte(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    raw = os.path.join(os.fsencode(folder), b"caf\xe9 \xff.txt")
    with open(raw, "wb") as handle:
        handle.write(text_dump(ORCHARD).encode("utf-8"))
    name = os.fsdecode(b"caf\xe9 \xff.txt")  # lone surrogates stand for the bad bytes
    got = batch(tmp_path, {name: None})
    assert got.errors == {}
    assert_whole(got, name, ORCHARD)
    record = got.docs[name]
    assert os.fsencode(record["source"]) == raw  # the JSON escape gives the bytes back
    assert os.path.isfile(os.fsencode(got.out / record["text_path"]))


# --- 11: no network, no local files ----------------------------------------------


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local TCP port that records whether anything connected to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.setblocking(False)
    yield server
    server.close()


def test_cleaning_opens_no_socket_and_reads_no_entity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, listener: socket.socket
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER-7731\nroot:x:0:0:root:/root:/bin/sh\n")
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    entities = (f'<!ENTITY xxe SYSTEM "file://{secret}">'
                '<!ENTITY pw SYSTEM "file:///etc/passwd">'
                f'<!ENTITY net SYSTEM "{url}/entity">')
    fetches = (f'<link rel="stylesheet" href="{url}/style.css">'
               f'<script src="{url}/app.js"></script><base href="{url}/">'
               f'<meta http-equiv="refresh" content="0;url={url}/refresh">')
    embeds = (f'<img src="{url}/a.png"><iframe src="{url}/frame"></iframe>'
              f'<object data="{url}/object"></object><svg><image href="{url}/b.svg"/></svg>'
              f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{secret}"'
              ' parse="text"/><p>Entities: &xxe; &pw; &net;</p>')
    xml_head = '<?xml version="1.0" encoding="utf-8"?>\n'
    files = {
        "dtd.html": html_page(ORCHARD, head=fetches, extra=embeds,
                              doctype=f'<!DOCTYPE html SYSTEM "{url}/x.dtd">'),
        "xxe.html": xml_head + html_page(ORCHARD, head=fetches, extra=embeds,
                                         doctype=f"<!DOCTYPE html [{entities}]>"),
        "xxe.xhtml": xml_head + html_page(
            ORCHARD, extra=embeds,
            doctype=f'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
                    f'"{url}/xhtml1-strict.dtd" [{entities}]>'),
        "xxe.txt": f"{xml_head}<!DOCTYPE note [{entities}]>\n<note>&xxe; &pw;</note>\n"
                   + text_dump(ORCHARD),
    }
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access while cleaning")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    got = batch(tmp_path, files)

    assert attempts == []
    with pytest.raises(BlockingIOError):  # nothing, not even C code, connected
        listener.accept()
    assert got.errors == {}
    for name in files:
        text = got.docs[name]["text"]
        assert all(p in text for p in ORCHARD[1]), name
    written = b"".join(p.read_bytes() for p in got.out.rglob("*") if p.is_file())
    assert b"SECRET-MARKER" not in written and b"root:x:0:0" not in written
    assert b"/bin/sh" not in written and b"/bin/bash" not in written


# --- unreadable and special files ------------------------------------------------


def test_a_permission_error_is_one_error_even_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "in" / "locked.html"
    real_open = builtins.open

    def deny(file: object, *args: object, **kwargs: object) -> object:
        if str(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(sources, "open", deny, raising=False)  # shadows the builtin there
    got = batch(tmp_path, {"locked.html": html_page(ORCHARD)})
    assert got.errors == {"locked.html": "permission denied"}


def test_links_to_endless_devices_are_stopped(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "zero.html").symlink_to("/dev/zero")
    (folder / "random.txt").symlink_to("/dev/urandom")
    os.mkfifo(tmp_path / "pipe")  # nobody writes to it: opening it blocks
    (folder / "pipe.html").symlink_to(tmp_path / "pipe")
    got = batch(tmp_path, {"zero.html": None, "random.txt": None, "pipe.html": None},
                RunConfig(jobs=1, timeout=1))
    assert got.errors == {
        "zero.html": "file is larger than the limit of 16 MB",
        "random.txt": "file is larger than the limit of 16 MB",
        "pipe.html": "timed out after 1 s",
    }
