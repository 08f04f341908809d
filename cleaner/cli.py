"""The `cleaner` command: parses options and calls the library, nothing more."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import IO

import click

from cleaner.batch.config import RunConfig
from cleaner.batch.outdir import OutputInUseError, UnsafeOutputError
from cleaner.batch.run import OutputError, run
from cleaner.batch.workers import DEFAULT_MAX_MEMORY
from cleaner.clean import KINDS, clean, error_message
from cleaner.dedup import DEFAULT_KEEP, DEFAULT_THRESHOLD, KEEP_POLICIES, Deduper, DedupIndexError
from cleaner.dedup.jsonl import MAX_LINE_BYTES, dedup_jsonl
from cleaner.document import Document
from cleaner.eval.report import format_set, format_worst, results_json, write_json
from cleaner.eval.run import SYSTEMS, default_jobs, evaluate
from cleaner.eval.sets import SetError, parse_set_names, select_sets
from cleaner.inputs.base import DEFAULT_MAX_BYTES, ArgumentError, Input, kind_from_name
from cleaner.inputs.containers import JsonlFields
from cleaner.inputs.files import read_input
from cleaner.report import ReportError, write_report
from cleaner.timelimit import DEFAULT_TIMEOUT, PageTimeout, time_limit

_THRESHOLD_HELP = ("Jaccard similarity of the texts' word 5-gram sets at or above which "
                   f"two pages are duplicates ({DEFAULT_THRESHOLD:g}: a few words edited or a "
                   "paragraph added still counts).")
_KEEP_HELP = ("Which copy of a duplicate cluster is kept: the longest text, the first "
              "in input order, or the earliest by the page's date.")
_INDEX_HELP = ("SQLite dedup index kept across runs (created if missing): pages are "
               "also checked against everything kept by earlier runs, and what this "
               "run keeps is added.")


def _dedup_options(command):
    """--threshold, --keep and --index, as `clean` and `dedup` both take them."""
    command = click.option("--index", type=click.Path(path_type=Path, dir_okay=False),
                           default=None, help=_INDEX_HELP)(command)
    command = click.option("--keep", type=click.Choice(KEEP_POLICIES), default=DEFAULT_KEEP,
                           show_default=True, help=_KEEP_HELP)(command)
    return click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True),
                        default=DEFAULT_THRESHOLD, show_default=True, help=_THRESHOLD_HELP)(command)


def _open_index(index: Path | None, threshold: float) -> None:
    """Fail before any work when the index cannot be used."""
    if index is None:
        return
    try:
        Deduper(threshold=threshold, path=str(index)).close()
    except DedupIndexError as exc:
        raise click.BadParameter(str(exc), param_hint="--index") from exc
    except OSError as exc:
        raise click.BadParameter(f"cannot open {str(index)!r}: {exc.strerror or exc}",
                                 param_hint="--index") from exc


_MIB = 1024 * 1024


class _Refused(click.ClickException):
    """A run refused before any work (OUTDIR in use, or unsafe): exit 2, like a usage error."""

    exit_code = 2


#: Seconds between progress lines when stderr is not a terminal.
PROGRESS_EVERY = 10.0


class _PlainProgress:
    """Progress as a line every PROGRESS_EVERY seconds, for logs and pipes."""

    def __init__(self, total: int | None) -> None:
        self.total, self.done = total, 0
        self.start = self.last = time.monotonic()

    def update(self, pages: int = 1) -> None:
        self.done += pages
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            rate = self.done / (now - self.start)
            if self.total is None:  # containers: the number of pages is not known
                click.echo(f"cleaned {self.done:,} pages, {rate:.1f} pages/s", err=True)
                return
            eta = (self.total - self.done) / rate if rate else 0.0
            click.echo(f"cleaned {self.done:,}/{self.total:,} pages, {rate:.1f} pages/s, "
                       f"about {eta:.0f} s left", err=True)

    def close(self) -> None:
        pass


def _progress(quiet: bool):
    """A progress bar on a terminal, plain periodic lines otherwise, nothing when quiet."""
    if quiet:
        return None
    if not sys.stderr.isatty():
        return _PlainProgress

    def bar(total: int | None):
        from tqdm import tqdm  # only on a terminal: most runs are scripted

        return tqdm(total=total, unit="page", desc="cleaning", file=sys.stderr,
                    dynamic_ncols=True)

    return bar


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cleaner")
def main() -> None:
    """Clean scraped page dumps: extract the article, strip site chrome, deduplicate.

    \b
    Examples:
      cleaner clean seeds/ -o out/
      cleaner clean dumps/ more/page.html.gz -o out/ --threshold 0.9 --quiet
      cleaner clean today/ -o out/ --index crawl-index.sqlite
      cleaner explain seeds/000_1dc8f56cb09fc03a.txt
      cleaner report out/
      cleaner dedup records.jsonl -o deduped.jsonl
      cleaner eval --worst 5
    """


@main.command("clean")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("-o", "--output", "outdir", required=True, type=click.Path(path_type=Path),
              help="Output folder (created if missing).")
@_dedup_options
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for cleaning pages. [default: every core]")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_TIMEOUT,
              show_default=True, help="Seconds a page may take before it is recorded as an "
              "error (timed out) and the run goes on.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="Where pages are cleaned: local processes, or a Dask "
              "cluster (see --scheduler).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler address (tcp://host:8786) for --engine dask. "
                   "[default: a local cluster with --jobs workers]")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
              show_default=True, help="Largest page read, in bytes after decompression "
              "(checked while decompressing); a larger one is an error record.")
@click.option("--max-memory", type=click.IntRange(min=0), default=DEFAULT_MAX_MEMORY // _MIB,
              show_default=True, metavar="MIB", help="Memory each worker may use, in MiB "
              "(0: no cap); a page that needs more is an error record.")
@click.option("--kind", type=click.Choice(KINDS), default=None,
              help="Read every page as this kind, whatever its name or content suggests "
                   "(a JSONL record's own \"format\" field still wins). [default: the file "
                   "extension or an \"html\" field, else sniffed]")
@click.option("--text-field", metavar="FIELD", default=None,
              help="JSONL field holding the page (dots for nested fields: doc.body). "
                   "[default: html, else text]")
@click.option("--id-field", metavar="FIELD", default=None,
              help="JSONL field holding the record's id. [default: id, else metadata.id]")
@click.option("--url-field", metavar="FIELD", default=None,
              help="JSONL field holding the page's URL. [default: url, else metadata.url]")
@click.option("--restart", is_flag=True, help="Start from scratch instead of resuming an "
              "interrupted run in OUTDIR.")
@click.option("--report", "make_report", is_flag=True,
              help="Also write OUTDIR/report.html (see `cleaner report`).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no closing summary.")
def clean_command(inputs: tuple[str, ...], outdir: Path, threshold: float, keep: str,
                  index: Path | None, jobs: int | None, timeout: float, engine: str,
                  scheduler: str | None, max_bytes: int, max_memory: int, kind: str | None,
                  text_field: str | None, id_field: str | None, url_field: str | None,
                  restart: bool, make_report: bool, quiet: bool) -> None:
    """Clean page dumps into OUTDIR: files, folders, WARC and JSONL files, or - (stdin).

    Pages are HTML or text dumps, plain or compressed (.gz, .bz2, .xz).
    Folders are walked recursively for .html .htm .xhtml .txt pages and
    .warc and .jsonl files (each also compressed). A WARC gives its HTML
    responses (the target URI is the page URL); a JSONL file (or - for
    stdin) gives one page per line: {"html" or "text", optional "url" and
    "id" (or "metadata": {"url", "id"}, as datatrove writes), other fields
    passed through}; a "text" that holds HTML is read as HTML unless the
    record's "format" says "text". --text-field, --id-field and --url-field
    read records of other shapes.

    Writes OUTDIR/text/<input path>.txt for every kept page,
    OUTDIR/documents.jsonl (one record per page, with what was removed and
    why, and which pages are duplicates) and OUTDIR/errors.jsonl (pages that
    could not be cleaned, with the reason). An interrupted run resumes where
    it stopped when started again with the same command (--restart: from
    scratch); a finished one is not run again.

    \b
    Examples:
      cleaner clean seeds/ -o out/
      cleaner clean crawl/ news/a.html.gz -o out/ --threshold 0.9
      cleaner clean crawl-2026-11.warc.gz -o out/crawl
      cat pages.jsonl | cleaner clean - -o out/pages
      cleaner clean crawl.jsonl.gz -o out/ --text-field body --url-field meta.link
      cleaner clean dumps/ -o out/ --kind text      # .html files that hold page text
      cleaner clean today/ -o out/today --index crawl-index.sqlite --keep earliest
      cleaner clean huge/ -o out/ --jobs 8 --timeout 60
      cleaner clean huge/ -o out/ --engine dask --scheduler tcp://10.0.0.5:8786
      cleaner clean seeds/ -o out/ --report     # and open out/report.html
    """
    for path in inputs:
        if path != "-" and not Path(path).exists():
            raise click.BadParameter(f"{path!r} does not exist", param_hint="INPUTS")
    if outdir.exists() and not outdir.is_dir():
        raise click.BadParameter(f"{str(outdir)!r} is not a folder", param_hint="--output")
    if scheduler is not None and engine != "dask":
        raise click.BadParameter("--scheduler needs --engine dask", param_hint="--scheduler")
    _open_index(index, threshold)
    config = RunConfig(threshold=threshold, keep=keep, jobs=jobs, timeout=timeout,
                       index=str(index) if index is not None else None, max_bytes=max_bytes,
                       max_memory=max_memory * _MIB or None, kind=kind,
                       jsonl=JsonlFields(text=text_field, id=id_field, url=url_field))
    runner = None
    if engine == "dask":
        # imported only for a Dask run: importing dask.distributed takes most of a second
        from cleaner.batch.dask_engine import DaskEngine

        try:
            runner = DaskEngine(scheduler=scheduler, workers=jobs, timeout=timeout,
                                max_memory=config.max_memory)
        except OSError as exc:
            raise click.ClickException(f"cannot reach the Dask scheduler {scheduler!r}: "
                                       f"{exc}") from exc
    try:
        summary = run(list(inputs), outdir, config, progress=_progress(quiet), engine=runner,
                      restart=restart)
    except ArgumentError as exc:
        raise click.BadParameter(str(exc), param_hint="INPUTS") from exc
    except (UnsafeOutputError, OutputInUseError) as exc:  # refused before any work
        raise _Refused(exc.strerror or str(exc)) from exc
    except OutputError as exc:  # stopped part-way (a full disk): say what is there
        raise click.ClickException(exc.strerror or str(exc)) from exc
    except OSError as exc:  # the output folder, not an input: nothing can be written
        raise click.ClickException(
            f"cannot write the output to {str(outdir)!r}: {exc.strerror or exc}") from exc
    finally:
        if runner is not None:
            runner.close()
    if summary.notice:  # even when quiet: an earlier run's state was discarded
        click.echo(f"note: {summary.notice}.", err=True)
    if not quiet:
        if summary.already_complete:
            click.echo(f"{outdir} already holds this run's finished output; nothing to do "
                       "(--restart to run it again).", err=True)
        elif summary.resumed_at is not None:
            click.echo(f"resumed an interrupted run after {summary.resumed_at:,} inputs.",
                       err=True)
        click.echo(summary.line(), err=True)
    if make_report:
        path = write_report(outdir)
        if not quiet:
            click.echo(f"report: {path}", err=True)


@main.command("report")
@click.argument("outdir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def report_command(outdir: Path) -> None:
    """Write OUTDIR/report.html: what a `cleaner clean` run kept, removed and why.

    One self-contained file (no external scripts, fonts or styles; it opens
    offline): the run's figures; charts of characters kept and removed per
    document and of removals by reason; every document's blocks in page
    order, removed ones struck through with their reason, with a filter for
    one reason; duplicate clusters side by side with their similarity; the
    errors. Documents are shown 25 at a time, so a large run opens quickly.

    \b
    Examples:
      cleaner report out/
      cleaner clean seeds/ -o out/ --report
    """
    try:
        path = write_report(outdir)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write the report in {str(outdir)!r}: "
                                   f"{exc.strerror or exc}") from exc
    click.echo(str(path))


#: How `explain` marks each block (and its colour on a terminal).
_MARKS = {"title": ("TITLE  ", "cyan"), "kept": ("KEPT   ", "green"),
          "removed": ("REMOVED", "red")}


@main.command("explain")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option("--kind", type=click.Choice(["html", "text"]), default=None,
              help="What the file is. [default: from its extension, else sniffed]")
@click.option("--url", default=None, help="The page's URL, if known.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
              show_default=True, help="Largest page read, after decompression.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_TIMEOUT,
              show_default=True, help="Seconds the page may take before explain gives up.")
def explain_command(file: str, kind: str | None, url: str | None, max_bytes: int,
                    timeout: float) -> None:
    """Show what cleaning FILE keeps and removes, block by block, and why.

    Each block of the page, in page order, is marked TITLE, KEPT or REMOVED
    (with its reason, from the vocabulary the README lists); then the title,
    the date and the size of the clean text. Colour on a terminal, plain
    text when piped.

    \b
    Examples:
      cleaner explain seeds/000_1dc8f56cb09fc03a.txt
      cleaner explain crawl/page.html.gz --url https://example.org/a
      cleaner explain dump.data --kind text | less
    """
    inp = Input(file, Path(file).name, kind or kind_from_name(file))
    try:
        with time_limit(timeout):
            doc = clean(read_input(inp, max_bytes=max_bytes), kind=inp.kind_hint, source=file,
                        url=url)
    except PageTimeout as exc:
        raise click.ClickException(f"{file}: timed out after {timeout:g} s") from exc
    except Exception as exc:  # the one page: say why it cannot be cleaned, no traceback
        raise click.ClickException(f"{file}: {error_message(exc)}") from exc
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


@main.command("dedup")
@click.argument("source", default="-", type=click.File("rb"))
@click.option("-o", "--output", "sink", default="-", type=click.File("w", encoding="utf-8",
              atomic=True), help="Output JSONL file. [default: standard output]")
@_dedup_options
@click.option("--max-bytes", type=click.IntRange(min=1), default=MAX_LINE_BYTES,
              show_default=True, help="Longest line read; a longer one is written back "
                                      "unread, with a dedup_error.")
@click.option("-q", "--quiet", is_flag=True, help="No closing summary.")
def dedup_command(source: IO[bytes], sink: IO[str], threshold: float, keep: str,
                  index: Path | None, max_bytes: int, quiet: bool) -> None:
    """Deduplicate JSONL records (SOURCE, or standard input) by their text.

    Each line is a JSON object with "id" (a string or an integer) and "text"
    (as in documents.jsonl; an optional "date" serves --keep earliest). Every
    record is written back with "duplicate_of" (the kept copy's id, as that
    record gave it, or null), "similarity" and "cluster" (the kept copy's id)
    set. A line that cannot be deduplicated (no string or integer id, no text,
    a repeated id, not JSON, not UTF-8, a lone surrogate, too long) is written
    back with a "dedup_error" field instead; nothing is dropped.

    \b
    Examples:
      cleaner dedup out/documents.jsonl -o deduped.jsonl
      cat records.jsonl | cleaner dedup --threshold 0.9 > deduped.jsonl
      cleaner dedup today.jsonl -o today.dedup.jsonl --index crawl-index.sqlite
    """
    _open_index(index, threshold)
    with Deduper(threshold=threshold, keep=keep,
                 path=str(index) if index is not None else None) as deduper:
        summary = dedup_jsonl(source, sink, deduper, max_line_bytes=max_bytes)
    sink.write("")  # the output file exists even when there was nothing to write
    if not quiet:
        click.echo(summary.line(), err=True)


@main.command("eval")
@click.option("--bench", type=click.Path(path_type=Path), default=None,
              help="A set folder (ground-truth.json, html/, text/), or a folder of sets. "
                   "[default: ../shared/bench next to the repo]")
@click.option("--set", "set_names", multiple=True, metavar="NAME",
              help="Score only these sets of the folder of sets (repeatable or "
                   "comma-separated). [default: every set found]")
@click.option("--systems", default=",".join(SYSTEMS), show_default=True,
              help="Comma-separated systems to run.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Only the first N pages of each set by sorted id, for quick runs.")
@click.option("--out", "out_path", type=click.Path(path_type=Path),
              default=Path("out") / "eval.json", show_default=True,
              help="JSON file for the per-page scores of every system and set.")
@click.option("--worst", type=click.IntRange(min=0), default=0, show_default=True,
              help="Print the N worst pages of each cleaner system per set, with passages "
                   "wrongly kept and wrongly removed.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes, each page through every system in one of them "
                   "(1: this process). [default: one per core]")
@click.option("--trafilatura-metadata/--no-trafilatura-metadata", default=True,
              show_default=True,
              help="Also run trafilatura's extract_metadata on the sets whose truth has "
                   "metadata (one extra call per page, about a fifth of the run's time), "
                   "to compare with cleaner's metadata.")
def eval_command(bench: Path | None, set_names: tuple[str, ...], systems: str,
                 limit: int | None, out_path: Path, worst: int, jobs: int | None,
                 trafilatura_metadata: bool) -> None:
    """Score extraction systems on the benchmark sets (scrapinghub, readability, wceb).

    Per set, a row per system: precision, recall, F1 (token 4-gram shingles,
    the benchmark's own metric), exact matches, empty and failed pages and
    pages/s, with cleaner-html's speed relative to trafilatura-html in the
    same run. Where the truth has them (wceb): F1 per page type and the
    shares of `with` snippets found and `without` snippets absent. Where the
    truth has metadata (wceb, readability): the share of pages each system
    got each field right, beside trafilatura's extract_metadata. Then the
    catastrophic pages and the goals. Per-page scores go to --out.

    \b
    Examples:
      cleaner eval --worst 5
      cleaner eval --set wceb --systems cleaner-text,whole-text --limit 20
      cleaner eval --bench ../shared/bench/scrapinghub --out /tmp/eval.json
    """
    started = time.perf_counter()
    names = [n.strip() for n in systems.split(",") if n.strip()]
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown or not names:
        raise click.BadParameter(f"unknown system(s) {', '.join(unknown) or '(none given)'}; "
                                 f"choose from {', '.join(SYSTEMS)}", param_hint="--systems")
    try:
        sets = select_sets(bench, parse_set_names(set_names), limit)
    except SetError as exc:
        raise click.BadParameter(str(exc), param_hint="--set" if set_names else "--bench") \
            from exc
    workers = jobs or default_jobs()
    results = evaluate(sets, names, jobs=workers, metadata=trafilatura_metadata)
    wall = time.perf_counter() - started
    write_json(results_json(results, wall, workers), out_path)
    click.echo("\n\n".join(format_set(r) for r in results))
    for result in results:
        for name in result.systems:
            if worst and name.startswith("cleaner-"):
                click.echo("\n" + format_worst(result, name, worst))
    pages = sum(len(r.bench.pages) for r in results)
    click.echo(f"\nwall time {wall:.0f} s for {pages} pages x {len(names)} systems "
               f"({workers} worker process{'es' if workers > 1 else ''})")
    click.echo(f"per-page scores: {out_path}", err=True)
