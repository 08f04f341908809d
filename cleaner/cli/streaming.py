"""`cleaner clean ... -o -`: records to stdout as pages finish (`batch.stream`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO

import click

from cleaner.batch.config import RunConfig
from cleaner.batch.stream import STREAM_KEEP, stream
from cleaner.batch.task import Engine
from cleaner.inputs.base import ArgumentError

#: The output path that means "stdout, as a stream".
STDOUT = "-"


def keep_for_stream(keep: str, given: bool, dedup: bool) -> str:
    """The keep policy of a stream: "first", which the user need not say; another one
    given explicitly is a usage error, since its verdicts need the whole input."""
    if given and keep != STREAM_KEEP and dedup:
        raise click.BadParameter(
            f"with -o - records are written as pages finish, so the first copy of a "
            f"duplicate is the one kept: --keep {keep} needs the whole input first "
            "(write to a folder, or pass --no-dedup)", param_hint="--keep")
    return STREAM_KEEP


def run_stream(inputs: Sequence[str], config: RunConfig, errors: IO[str] | None, *,
               dedup: bool, drop_duplicates: bool, markdown: bool, engine: Engine | None,
               quiet: bool, strict: bool) -> None:
    """Clean `inputs` to stdout; error records to `errors` (default: stderr, as JSON
    lines), then the closing summary on stderr unless `quiet`."""
    sink = sys.stdout
    try:
        summary = stream(list(inputs), sink, errors or sys.stderr, config, dedup=dedup,
                         drop_duplicates=drop_duplicates, markdown=markdown, engine=engine)
    except ArgumentError as exc:
        raise click.BadParameter(str(exc), param_hint="INPUTS") from exc
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        sys.stderr.close()  # nothing more can be said, and no traceback at exit
        raise SystemExit(0) from None
    if not quiet:
        click.echo(summary.line(), err=True)
    if strict and summary.errors:
        raise SystemExit(1)
