"""The `cleaner` command: parses options and calls the library, nothing more."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import IO

import click
from click.core import ParameterSource

from cleaner.batch.workers import DEFAULT_MAX_MEMORY
from cleaner.cli.common import MIB, Refused, dedup_options, open_index, progress_for
from cleaner.dedup import Deduper
from cleaner.dedup.jsonl import MAX_LINE_BYTES
from cleaner.dedup.step import dedup_jsonl, default_jobs
from cleaner.inputs.base import DEFAULT_MAX_BYTES, KINDS
from cleaner.timelimit import DEFAULT_TIMEOUT

#: Commands defined in other modules, imported when they run or show their help:
#: `cleaner dedup` must not wait for the extraction stack (trafilatura, lxml, the
#: language model) that `extract`, `explain` and `eval` import, most of a second.
LAZY_COMMANDS = {
    "eval": "cleaner.cli.evaluate:eval_command",
    "explain": "cleaner.cli.page:explain_command",
    "extract": "cleaner.cli.page:extract_command",
}
#: What `-o` takes to mean standard output (as `cli.streaming.STDOUT`).
STDOUT = "-"


class LazyGroup(click.Group):
    """A command group whose `LAZY_COMMANDS` are imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS and name not in self.commands:
            module, attr = LAZY_COMMANDS[name].split(":")
            self.add_command(getattr(importlib.import_module(module), attr), name)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cleaner")
def main() -> None:
    """Clean scraped page dumps: extract the article, strip site chrome, deduplicate.

    \b
    Examples:
      cleaner clean seeds/ -o out/
      cleaner clean dumps/ more/page.html.gz -o out/ --threshold 0.9 --quiet
      cleaner clean today/ -o out/ --index crawl-index.sqlite
      cleaner extract page.html.gz --format markdown
      cleaner clean pages.jsonl -o - | next-step      # records as pages finish
      cleaner explain seeds/000_1dc8f56cb09fc03a.txt
      cleaner report out/
      cleaner dedup records.jsonl -o deduped.jsonl
      cleaner eval --worst 5
    """


@main.command("clean")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("-o", "--output", "outdir", required=True, type=click.Path(path_type=Path),
              help="Output folder (created if missing), or - to write the documents.jsonl "
                   "records to stdout as pages finish (no text files; see README).")
@click.option("--errors", "errors_file", type=click.File("w", encoding="utf-8"), default=None,
              help="With -o -: write the error records here. [default: stderr, as JSON lines]")
@click.option("--no-dedup", is_flag=True, help="With -o -: no dedup verdicts (every "
              "duplicate_of null); the fastest stream.")
@click.option("--drop-duplicates", is_flag=True, help="With -o -: leave duplicates out of "
              "the output (they are counted in the summary).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="markdown: each record also gets a \"markdown\" field "
              "(headings, lists, tables, code kept), and the text files are Markdown (.md).")
@click.option("--strict", is_flag=True, help="Exit 1 when any input could not be cleaned "
              "(the run still goes to the end).")
@dedup_options
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
@click.option("--max-memory", type=click.IntRange(min=0), default=DEFAULT_MAX_MEMORY // MIB,
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
@click.option("--restart", is_flag=True, help="Start from scratch: replace the output a run "
              "(this one or another) left in OUTDIR instead of resuming it or refusing.")
@click.option("--no-text-files", is_flag=True, help="Write no OUTDIR/text/ tree: the "
              "records in documents.jsonl (with their text) are the whole output.")
@click.option("--report", "make_report", is_flag=True,
              help="Also write OUTDIR/report.html (see `cleaner report`).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no closing summary.")
def clean_command(inputs: tuple[str, ...], outdir: Path, errors_file: IO[str] | None,
                  no_dedup: bool, drop_duplicates: bool, fmt: str, strict: bool,
                  threshold: float,
                  keep: str,
                  index: Path | None, jobs: int | None, timeout: float, engine: str,
                  scheduler: str | None, max_bytes: int, max_memory: int, kind: str | None,
                  text_field: str | None, id_field: str | None, url_field: str | None,
                  restart: bool, no_text_files: bool, make_report: bool,
                  quiet: bool) -> None:
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
    could not be cleaned, with the reason). An interrupted run (killed, or
    Ctrl-C) resumes where it stopped when started again with the same
    command; a finished one is not run again. An OUTDIR holding another
    run's output is refused (exit 2); --restart replaces it whole.

    \b
    Examples:
      cleaner clean seeds/ -o out/
      cleaner clean crawl/ news/a.html.gz -o out/ --threshold 0.9
      cleaner clean crawl-2026-11.warc.gz -o out/crawl
      cat pages.jsonl | cleaner clean - -o out/pages
      cleaner clean pages.jsonl -o - | head -1      # records as pages finish
      cleaner clean crawl.jsonl.gz -o out/ --text-field body --url-field meta.link
      cleaner clean dumps/ -o out/ --kind text      # .html files that hold page text
      cleaner clean today/ -o out/today --index crawl-index.sqlite --keep earliest
      cleaner clean huge/ -o out/ --jobs 8 --timeout 60
      cleaner clean huge/ -o out/ --engine dask --scheduler tcp://10.0.0.5:8786
      cleaner clean seeds/ -o out/ --report     # and open out/report.html
    """
    from cleaner.batch.config import RunConfig
    from cleaner.batch.outdir import OutputInUseError, UnsafeOutputError
    from cleaner.batch.run import DifferentRunError, OutputError, run
    from cleaner.cli.streaming import keep_for_stream, run_stream
    from cleaner.inputs.base import ArgumentError
    from cleaner.inputs.containers import JsonlFields
    from cleaner.report import ReportError, write_report

    for path in inputs:
        if path != "-" and not Path(path).exists():
            raise click.BadParameter(f"{path!r} does not exist", param_hint="INPUTS")
    to_stdout = str(outdir) == STDOUT
    if not to_stdout:
        for flag, given in (("--errors", errors_file is not None), ("--no-dedup", no_dedup),
                            ("--drop-duplicates", drop_duplicates)):
            if given:
                raise click.BadParameter(f"{flag} is for -o - (a stream to stdout)",
                                         param_hint=flag)
    else:
        for flag, given in (("--report", make_report), ("--restart", restart)):
            if given:
                raise click.BadParameter(f"{flag} needs an output folder, not -o -",
                                         param_hint=flag)
        source = click.get_current_context().get_parameter_source("keep")
        keep = keep_for_stream(keep, source is ParameterSource.COMMANDLINE, not no_dedup)
    if not to_stdout and outdir.exists() and not outdir.is_dir():
        raise click.BadParameter(f"{str(outdir)!r} is not a folder", param_hint="--output")
    if scheduler is not None and engine != "dask":
        raise click.BadParameter("--scheduler needs --engine dask", param_hint="--scheduler")
    open_index(index, threshold)
    config = RunConfig(threshold=threshold, keep=keep, jobs=jobs, timeout=timeout,
                       index=str(index) if index is not None else None, max_bytes=max_bytes,
                       max_memory=max_memory * MIB or None, kind=kind,
                       jsonl=JsonlFields(text=text_field, id=id_field, url=url_field),
                       text_files=not no_text_files, markdown=fmt == "markdown")
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
    if to_stdout:
        try:
            return run_stream(inputs, config, errors_file, dedup=not no_dedup,
                              drop_duplicates=drop_duplicates, markdown=fmt == "markdown",
                              engine=runner, quiet=quiet, strict=strict)
        finally:
            if runner is not None:
                runner.close()
    try:
        summary = run(list(inputs), outdir, config, progress=progress_for(quiet), engine=runner,
                      restart=restart)
    except ArgumentError as exc:
        raise click.BadParameter(str(exc), param_hint="INPUTS") from exc
    except (UnsafeOutputError, OutputInUseError, DifferentRunError) as exc:  # before any work
        raise Refused(exc.strerror or str(exc)) from exc
    except KeyboardInterrupt:  # Ctrl-C: the run saved every page done (batch.run)
        click.echo(f"\ninterrupted: the pages cleaned so far are saved in {outdir}; run the "
                   "same command again to resume.", err=True)
        raise SystemExit(130) from None  # 128 + SIGINT, what shells expect
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
        try:
            path = write_report(outdir)
        except (ReportError, OSError) as exc:  # the run's output stands; say why no report
            raise click.ClickException(f"the run finished, but the report could not be "
                                       f"written: {getattr(exc, 'strerror', None) or exc}"
                                       ) from exc
        if not quiet:
            click.echo(f"report: {path}", err=True)
    if strict and summary.errors:
        raise SystemExit(1)


@main.command("report")
@click.argument("outdir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def report_command(outdir: Path) -> None:
    """Write OUTDIR/report.html: what a `cleaner clean` run kept, removed and why.

    It loads nothing from the network, so it opens offline: the run's
    figures; charts of characters kept and removed per document and of
    removals by reason; every document's blocks in page order, runs of
    removed blocks collapsed into one line with their reasons, a search by
    title or URL, a filter for one reason; duplicates linked to their kept
    copy; clusters side by side with their similarity; the errors. Past 200
    documents the blocks are in OUTDIR/report-data/ (keep it beside
    report.html), loaded as they are shown, so a large run opens quickly.

    \b
    Examples:
      cleaner report out/
      cleaner clean seeds/ -o out/ --report
    """
    from cleaner.report import ReportError, write_report

    try:
        path = write_report(outdir)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write the report in {str(outdir)!r}: "
                                   f"{exc.strerror or exc}") from exc
    click.echo(str(path))


@main.command("dedup")
@click.argument("source", default="-", type=click.File("rb"))
@click.option("-o", "--output", "sink", default="-", type=click.File("w", encoding="utf-8",
              atomic=True), help="Output JSONL file. [default: standard output]")
@dedup_options
@click.option("--max-bytes", type=click.IntRange(min=1), default=MAX_LINE_BYTES,
              show_default=True, help="Longest line read; a longer one is written back "
                                      "unread, with a dedup_error.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes that parse and sign the records (the output does "
                   "not depend on it).  [default: every core]")
@click.option("--drop-duplicates", is_flag=True, help="Leave the duplicates out of the "
              "output (they are counted in the summary; lines with a dedup_error stay).")
@click.option("-q", "--quiet", is_flag=True, help="No closing summary.")
def dedup_command(source: IO[bytes], sink: IO[str], threshold: float, keep: str,
                  index: Path | None, max_bytes: int, jobs: int | None, drop_duplicates: bool,
                  quiet: bool) -> None:
    """Deduplicate JSONL records (SOURCE, or standard input) by their text.

    Each line is a JSON object with "id" (a string or an integer) and "text"
    (as in documents.jsonl; an optional "date" serves --keep earliest). Every
    record is written back with "duplicate_of" (the kept copy's id, as that
    record gave it, or null), "similarity" and "cluster" (the kept copy's id)
    set; with --index also "seen_before" (whether the index knew the id; such
    a record is never a duplicate of its own earlier copy). A line that cannot
    be deduplicated (no string or integer id, no text,
    a repeated id, not JSON, not UTF-8, a lone surrogate, too long) is written
    back with a "dedup_error" field instead; nothing is dropped.

    Worker processes (--jobs) parse and sign the records; the output is the
    same for any number of them. With --keep first each record is decided
    against the ones before it and written as soon as its chunk (512 lines)
    is decided; with longest or earliest every verdict waits for the whole
    input, which is then read a second time to write it.

    \b
    Examples:
      cleaner dedup out/documents.jsonl -o deduped.jsonl
      cleaner dedup big.jsonl --keep first | head -3    # records as they are decided
      cat records.jsonl | cleaner dedup --threshold 0.9 > deduped.jsonl
      cleaner dedup today.jsonl -o today.dedup.jsonl --index crawl-index.sqlite
    """
    open_index(index, threshold)
    with Deduper(threshold=threshold, keep=keep,
                 path=str(index) if index is not None else None) as deduper:
        summary = dedup_jsonl(source, sink, deduper, max_line_bytes=max_bytes,
                              jobs=jobs or default_jobs(), drop_duplicates=drop_duplicates)
    sink.write("")  # the output file exists even when there was nothing to write
    if not quiet:
        click.echo(summary.line(), err=True)
