"""The `cleaner` command: parses options and calls the library, nothing more."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import click

from cleaner.pipeline import RunConfig, run
from cleaner.sources import Input


def _progress(quiet: bool):
    """A progress bar on a terminal; nothing when quiet or piped."""
    if quiet or not sys.stderr.isatty():
        return None

    def wrap(inputs: list[Input]) -> Iterable[Input]:
        with click.progressbar(inputs, label="cleaning", file=sys.stderr,
                               show_pos=True, show_eta=True) as bar:
            yield from bar

    return wrap


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cleaner")
def main() -> None:
    """Clean scraped page dumps: extract the article, strip site chrome, deduplicate.

    \b
    Examples:
      cleaner clean seeds/ -o out/
      cleaner clean dumps/ more/page.html.gz -o out/ --threshold 0.9 --quiet
    """


@main.command("clean")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("-o", "--output", "outdir", required=True, type=click.Path(path_type=Path),
              help="Output folder (created if missing).")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True), default=0.8,
              show_default=True, help="Similarity at or above which pages are duplicates.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no closing summary.")
def clean_command(inputs: tuple[str, ...], outdir: Path, threshold: float, quiet: bool) -> None:
    """Clean files and folders of page dumps (HTML or text, optionally .gz) into OUTDIR.

    Folders are walked recursively for .html .htm .xhtml .txt (and the same
    with .gz). Writes OUTDIR/text/<input path>.txt for every kept page,
    OUTDIR/documents.jsonl (one record per page, with what was removed and
    why, and which pages are duplicates) and OUTDIR/errors.jsonl (pages that
    could not be cleaned, with the reason).

    \b
    Examples:
      cleaner clean seeds/ -o out/
      cleaner clean crawl/ news/a.html.gz -o out/ --threshold 0.9
    """
    for path in inputs:
        if not Path(path).exists():
            raise click.BadParameter(f"{path!r} does not exist", param_hint="INPUTS")
    if outdir.exists() and not outdir.is_dir():
        raise click.BadParameter(f"{str(outdir)!r} is not a folder", param_hint="--output")
    summary = run(list(inputs), outdir, RunConfig(threshold=threshold), progress=_progress(quiet))
    if not quiet:
        click.echo(summary.line(), err=True)
