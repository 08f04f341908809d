"""One page at a time: `cleaner explain` (every block and why) and `cleaner extract`
(the clean page to stdout, as text, Markdown or its documents.jsonl record), from a
file or from stdin, as trafilatura's command line does."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import click

from cleaner.clean import clean, error_message
from cleaner.document import Document
from cleaner.inputs.base import DEFAULT_MAX_BYTES, Input, format_size, kind_from_name
from cleaner.inputs.files import GZIP_SLACK, read_input
from cleaner.timelimit import DEFAULT_TIMEOUT, PageTimeout, time_limit

#: How `explain` marks each block (and its colour on a terminal).
_MARKS = {"title": ("TITLE  ", "cyan"), "kept": ("KEPT   ", "green"),
          "removed": ("REMOVED", "red")}
#: The name a page read from stdin goes by in messages and in its record's `source`.
STDIN_NAME = "<stdin>"
#: Bytes copied from stdin at a time into the spool file.
_COPY_CHUNK = 1 << 20


def _page_options(command):
    """--kind, --url, --max-bytes and --timeout, as `explain` and `extract` take them."""
    for option in reversed((
        click.option("--kind", type=click.Choice(["html", "text"]), default=None,
                     help="What the page is. [default: from its extension, else sniffed]"),
        click.option("--url", default=None, help="The page's URL, if known."),
        click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
                     show_default=True, help="Largest page read, after decompression."),
        click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
                     default=DEFAULT_TIMEOUT, show_default=True,
                     help="Seconds the page may take before cleaner gives up."),
    )):
        command = option(command)
    return command


def _read_stdin(max_bytes: int) -> Path:
    """Standard input copied to a temporary file (the caller deletes it), so it is read
    as a file is: gzip, bzip2 or xz by magic bytes, the limit checked while
    decompressing. Compressed input may be up to GZIP_SLACK over the limit."""
    limit = max_bytes + GZIP_SLACK
    handle = tempfile.NamedTemporaryFile(prefix="cleaner-stdin-", delete=False)
    with handle:
        source = sys.stdin.buffer
        copied = 0
        while chunk := source.read(_COPY_CHUNK):
            copied += len(chunk)
            if copied > limit:
                os.unlink(handle.name)
                raise click.ClickException(f"{STDIN_NAME}: the page is larger than the limit "
                                           f"of {format_size(max_bytes)}")
            handle.write(chunk)
    return Path(handle.name)


def load_page(file: str, kind: str | None, url: str | None, max_bytes: int,
              timeout: float) -> Document:
    """Clean one page from `file` ("-": stdin), or stop with a one-line error (exit 1)."""
    name = STDIN_NAME if file == "-" else file
    if file != "-" and not Path(file).is_file():
        raise click.BadParameter(f"{file!r} is not a file", param_hint="FILE")
    spooled = _read_stdin(max_bytes) if file == "-" else None
    path = str(spooled) if spooled is not None else file
    inp = Input(path, Path(path).name, kind or (None if spooled else kind_from_name(file)))
    try:
        with time_limit(timeout):
            return clean(read_input(inp, max_bytes=max_bytes), kind=inp.kind_hint,
                         source=None if spooled else file, url=url)
    except PageTimeout as exc:
        raise click.ClickException(f"{name}: timed out after {timeout:g} s") from exc
    except Exception as exc:  # the one page: say why it cannot be cleaned, no traceback
        raise click.ClickException(f"{name}: {error_message(exc)}") from exc
    finally:
        if spooled is not None:
            spooled.unlink(missing_ok=True)


@click.command("extract")
@click.argument("file", default="-", metavar="[FILE]")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "markdown", "json"]),
              default="text", show_default=True,
              help="text: the title, a blank line, the body; markdown: the same with its "
                   "headings, lists, tables, quotes and code; json: the page's "
                   "documents.jsonl record.")
@_page_options
def extract_command(file: str, fmt: str, kind: str | None, url: str | None, max_bytes: int,
                    timeout: float) -> None:
    """Clean one page (FILE, or - / nothing for stdin) and print it to stdout.

    The page is HTML or a text dump (sniffed), plain or compressed (gzip,
    bzip2, xz). A page with no article text exits 1 with the reason.

    \b
    Examples:
      cleaner extract page.html
      curl -s https://example.org/a | cleaner extract --url https://example.org/a
      zcat page.html.gz | cleaner extract --format markdown > page.md
      cleaner extract dump.txt --format json | jq .title
    """
    doc = load_page(file, kind, url, max_bytes, timeout)
    if not doc.text.strip():
        name = STDIN_NAME if file == "-" else file
        raise click.ClickException(f"{name}: no article text found in the page")
    if fmt == "json":
        click.echo(json.dumps(doc.to_dict(), ensure_ascii=False))
    elif fmt == "markdown":
        click.echo(doc.to_markdown())
    else:
        click.echo(f"{doc.title}\n\n{doc.text}" if doc.title else doc.text)


@click.command("explain")
@click.argument("file", default="-", metavar="[FILE]")
@_page_options
def explain_command(file: str, kind: str | None, url: str | None, max_bytes: int,
                    timeout: float) -> None:
    """Show what cleaning FILE (or - / nothing for stdin) keeps and removes, block by
    block, and why.

    Each block of the page, in page order, is marked TITLE, KEPT or REMOVED
    (with its reason, from the vocabulary the README lists); then the title,
    the date and the size of the clean text. Colour on a terminal, plain
    text when piped.

    \b
    Examples:
      cleaner explain seeds/000_1dc8f56cb09fc03a.txt
      cleaner explain crawl/page.html.gz --url https://example.org/a
      curl -s https://example.org/a | cleaner explain --kind html | less
    """
    doc = load_page(file, kind, url, max_bytes, timeout)
    width = len(str(len(doc.blocks)))
    for number, block in enumerate(doc.blocks, 1):
        state = "removed" if not block.kept else "title" if block.kind == "title" else "kept"
        mark, colour = _MARKS[state]
        line = f"{number:>{width}} " + click.style(mark, fg=colour, bold=state != "removed")
        if block.kept:
            line += " " + block.text
        else:
            why = block.reason if block.score is None else f"{block.reason} {block.score:.2f}"
            line += " " + click.style(f"[{why}]", fg="yellow") + " " + click.style(
                block.text, dim=True)
        click.echo(line)
    body = doc.text
    kept = len(doc.body_blocks())
    removed = sum(1 for b in doc.blocks if not b.kept)
    click.echo()
    click.echo(f"title: {doc.title or '(none)'}")
    click.echo(f"date: {doc.date or '(none)'}")
    click.echo(f"kind: {doc.kind}; encoding: {doc.meta.get('encoding') or 'text'}; "
               f"language: {_language(doc)}")
    click.echo(f"clean text: {len(body):,} characters in {kept} blocks, from "
               f"{doc.chars_in:,} characters in; {removed} blocks removed")


def _language(doc: Document) -> str:
    """The language line of `explain`: the code and how sure, or why there is none."""
    if doc.language is None:
        return "unsure"
    return f"{doc.language} (confidence {doc.language_confidence:.2f})"
