"""`cleaner eval`: every system on the development sets, per set and per page type."""

from __future__ import annotations

import time
from pathlib import Path

import click

from cleaner.eval.run import SYSTEMS, default_jobs, evaluate
from cleaner.eval.sets import SetError, parse_set_names, select_sets


@click.command("eval")
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
    # the tables' module is imported here: it costs a tenth of a second every other command
    from cleaner.eval.report import format_set, format_worst, results_json, write_json

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
