"""What the CLI's commands share: the dedup options, the index check, the refusal
exit code and the progress reporters."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from cleaner.dedup import DEFAULT_KEEP, DEFAULT_THRESHOLD, KEEP_POLICIES, Deduper, DedupIndexError

_THRESHOLD_HELP = ("Jaccard similarity of the texts' word 5-gram sets at or above which "
                   f"two pages are duplicates ({DEFAULT_THRESHOLD:g}: a few words edited or a "
                   "paragraph added still counts).")
_KEEP_HELP = ("Which copy of a duplicate cluster is kept: the longest text, the first "
              "in input order, or the earliest by the page's date.")
_INDEX_HELP = ("SQLite dedup index kept across runs (created if missing): pages are "
               "also checked against everything kept by earlier runs, and what this "
               "run keeps is added. A page whose id the index knows is marked "
               "seen_before, never a copy of itself.")


def dedup_options(command):
    """--threshold, --keep and --index, as `clean` and `dedup` both take them."""
    command = click.option("--index", type=click.Path(path_type=Path, dir_okay=False),
                           default=None, help=_INDEX_HELP)(command)
    command = click.option("--keep", type=click.Choice(KEEP_POLICIES), default=DEFAULT_KEEP,
                           show_default=True, help=_KEEP_HELP)(command)
    return click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True),
                        default=DEFAULT_THRESHOLD, show_default=True, help=_THRESHOLD_HELP)(command)


def open_index(index: Path | None, threshold: float) -> None:
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


MIB = 1024 * 1024


class Refused(click.ClickException):
    """A run refused before any work (OUTDIR in use, or unsafe): exit 2, like a usage error."""

    exit_code = 2


#: Seconds between progress lines when stderr is not a terminal.
PROGRESS_EVERY = 10.0


class PlainProgress:
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


def progress_for(quiet: bool):
    """A progress bar on a terminal, plain periodic lines otherwise, nothing when quiet."""
    if quiet:
        return None
    if not sys.stderr.isatty():
        return PlainProgress

    def bar(total: int | None):
        from tqdm import tqdm  # only on a terminal: most runs are scripted

        return tqdm(total=total, unit="page", desc="cleaning", file=sys.stderr,
                    dynamic_ncols=True)

    return bar
