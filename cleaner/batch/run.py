"""A batch run: every input cleaned (by an engine), then the site profile, dedup
and the outputs, streaming and resumable.

Per batch, after every page is cleaned (`cleaner.clean`, on the engine's
workers): site profile -> dedup -> outputs. Errors are caught at the
document boundary (`task.Task`) and become error records.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

from cleaner import profile as site_profile
from cleaner.batch.config import RunConfig
from cleaner.batch.local import LocalEngine
from cleaner.batch.outdir import OutDir, is_device_error
from cleaner.batch.records import CleanedPage, PageError, SpooledBody, SpooledPage
from cleaner.batch.rerun import DifferentRunError
from cleaner.batch.state import RunState, SavedVerdicts, Spool, run_key
from cleaner.batch.statefile import StateError
from cleaner.batch.summary import RunSummary
from cleaner.batch.task import Engine, SignFuture, check_engine, page_error
from cleaner.batch.write import OutputError, write_outputs
from cleaner.dedup import Deduper, DedupItem, Verdict
from cleaner.inputs.base import STDIN, Input
from cleaner.inputs.containers import expand
from cleaner.inputs.files import has_containers, list_files

#: Pages per signing task when an engine signs the pages the profile changed,
RESIGN_CHUNK = 256
#: and tasks in flight.
RESIGN_IN_FLIGHT = 4


def _signed_by(engine: Engine, items: Iterator[DedupItem],
               num_perm: int) -> Iterator[DedupItem]:
    """The items, in order, with every missing signature made by `engine.sign_many`
    (a task on its workers), a few chunks in flight; an engine that leaves the
    signing to the run leaves them missing (dedup signs them)."""
    window: deque[tuple[list[DedupItem], list[int], SignFuture | None]] = deque()

    def done(chunk: list[DedupItem], need: list[int],
             future: SignFuture | None) -> list[DedupItem]:
        if future is not None:
            for k, signed in zip(need, future.result(), strict=True):
                chunk[k] = chunk[k]._replace(signed=signed)
        return chunk

    chunk: list[DedupItem] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == RESIGN_CHUNK:
            window.append(_submit_signing(engine, chunk, num_perm))
            chunk = []
            if len(window) > RESIGN_IN_FLIGHT:
                yield from done(*window.popleft())
    if chunk:
        window.append(_submit_signing(engine, chunk, num_perm))
    while window:
        yield from done(*window.popleft())


def _submit_signing(engine: Engine, chunk: list[DedupItem],
                    num_perm: int) -> tuple[list[DedupItem], list[int], SignFuture | None]:
    need = [k for k, item in enumerate(chunk) if item.signed is None]
    future = engine.sign_many([chunk[k].text for k in need], num_perm) if need else None
    return chunk, need, future


class Progress(Protocol):
    """What `run` reports progress to: one `update` per page, `close` at the end."""

    def update(self, pages: int = 1) -> None: ...

    def close(self) -> None: ...


def run(
    paths: Sequence[str],
    outdir: Path,
    config: RunConfig | None = None,
    progress: Callable[[int | None], Progress] | None = None,
    engine: Engine | None = None,
    restart: bool = False,
) -> RunSummary:
    """Clean every input under `paths` into `outdir`; returns the run's figures.

    Streaming: inputs are listed (page files) and read (containers' records)
    as the engine (default: a `LocalEngine` with `config.jobs` processes and
    `config.timeout`) asks for them; cleaned pages are spooled to disk in
    input order and the site profile is learnt on the way; then the spool is
    read twice, to deduplicate and to write. The output is the same whatever
    the engine or the number of workers.

    Resumable (`batch.state`): run again with the same arguments after being
    killed, it goes on from its last checkpoint and ends with the output an
    uninterrupted run gives; a finished run is not run again. Interrupted by
    KeyboardInterrupt (Ctrl-C) while cleaning, it checkpoints every page done
    before the exception goes on up, so the same call resumes after them.
    `restart` starts from scratch, replacing whatever run's output OUTDIR
    holds. (Input from stdin is never resumed.)

    `progress(total)` makes a progress reporter (a bar; total None when the
    inputs include containers, whose page count is unknown until read).

    Raises:
        FileNotFoundError: a path that does not exist (a usage error).
        DifferentRunError: OUTDIR holds the output of a different run and not
            `restart` (`batch.rerun`); nothing was done.
        UnsafeOutputError, OutputInUseError: OUTDIR has a link among its own
            entries, or another run holds it; nothing was done.
        OutputError: the output could not be written (a full disk).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from cleaner import RunConfig, run
        >>> out = Path(tempfile.mkdtemp()) / "out"
        >>> summary = run(["seeds/000_1dc8f56cb09fc03a.txt"], out, RunConfig(jobs=1))
        >>> summary.read, summary.kept, summary.errors
        (1, 1, 0)
    """
    start = time.perf_counter()
    config = config or RunConfig()
    if engine is not None:
        check_engine(engine)
    outdir = Path(outdir)
    skipped: dict[str, int] = {}
    files = list_files(paths, exclude=outdir, skipped=skipped)
    total = None if has_containers(files) else len(files)
    with OutDir(outdir) as out:
        out.check()  # no link among OUTDIR's own entries
        out.lock()  # one run at a time in OUTDIR
        settings = {k: v for k, v in dataclasses.asdict(config).items() if k != "jobs"}
        key = run_key(paths, files, settings)
        state = RunState(out, key, restart=restart, resumable=STDIN not in paths)
        notice = state.notice
        try:
            try:
                summary = _run(files, out, config, state, total, progress, engine)
            except StateError as exc:  # the state changed under this run: once more, afresh
                notice = f"the run state could not be read back ({exc}); started afresh"
                state = RunState(out, key, restart=True)
                summary = _run(files, out, config, state, total, progress, engine)
        except OSError as exc:
            if isinstance(exc, OutputError) or not is_device_error(exc):
                raise
            raise OutputError(exc.errno, f"{exc.strerror or exc} while writing the run's "
                              f"state in {outdir}: nothing new was published; free some space "
                              "and run the same command again to finish (it resumes from its "
                              "last checkpoint)") from exc
    summary.notice = notice
    summary.skipped = skipped
    summary.seconds = time.perf_counter() - start
    return summary


def _run(files: list[tuple[str, str]], out: OutDir, config: RunConfig, state: RunState,
         total: int | None, progress: Callable[[int | None], Progress] | None,
         engine: Engine | None) -> RunSummary:
    """`run` once its output folder is locked and its state read."""
    start = time.perf_counter()
    if state.complete is not None:
        summary = RunSummary(**{k: v for k, v in state.complete.items()
                                if k in RunSummary.__dataclass_fields__
                                and k not in ("seconds", "resumed_at", "already_complete",
                                              "notice")})
        summary.already_complete = True
        return summary
    summary = RunSummary(resumed_at=state.inputs_done if state.resumed else None)
    spool = state.pages()  # every outcome, whole
    bodies = state.bodies()  # what dedup and the site profile need
    try:
        learner = site_profile.ProfileLearner(config.profile)
        seen_ids: set[str] = set()  # a document id is used once (JSONL records bring theirs)
        for body in bodies if state.inputs_done else ():
            learner.add_keys(body.site, body.keys)
            seen_ids.add(body.id)
        if engine is None:
            engine = LocalEngine(config.jobs, config.timeout, config.max_memory)
        # the site profile an engine learnt itself (a reduction on a cluster) is
        # used unless this run resumes (part of its pages were cleaned before)
        # or turned a cleaned page away (the reduction counted it)
        profile_elsewhere = not state.resumed
        if not state.cleaned:
            turned_away = _clean_into(files, config, engine, state, spool, bodies, learner,
                                      seen_ids, progress(total) if progress else None)
            profile_elsewhere = profile_elsewhere and not turned_away
        del seen_ids

        saved = state.saved_verdicts({body.id for body in bodies})
        with Deduper(threshold=config.threshold, num_perm=config.num_perm, path=config.index,
                     keep=config.keep) as deduper:
            if saved is None:
                profile = engine.site_profile(config.profile) if profile_elsewhere else None
                if profile is None:  # learnt here (also when the engine lost part of it)
                    profile = learner.profile()
                verdicts, dropped = _deduplicate(bodies, profile, config, engine, deduper)
                saved = SavedVerdicts(verdicts, dropped, deduper.pending_index)
                state.save_verdicts(saved)  # before the index changes: see batch.state
            verdicts, dropped, pending = saved
            deduper.commit_index(pending, seen=verdicts)
        _write(out, spool, bodies, verdicts, dropped, summary, config.text_files,
               config.markdown, config.index is not None)
        summary.seconds = time.perf_counter() - start
        state.finish({k: getattr(summary, k) for k in
                      ("read", "kept", "duplicates", "errors", "chars_in", "chars_out")})
    finally:
        spool.close()
        bodies.close()
    return summary


def _clean_into(files: list[tuple[str, str]], config: RunConfig, engine: Engine,
                state: RunState, spool: Spool[SpooledPage | PageError],
                bodies: Spool[SpooledBody], learner: site_profile.ProfileLearner,
                seen_ids: set[str], reporter: Progress | None) -> int:
    """Clean the inputs after the last checkpoint into the spools, checkpointing.

    Returns how many cleaned pages were turned away: an id already used.
    """
    turned_away = 0
    done = state.inputs_done
    inputs = itertools.islice(expand(files, config.max_bytes, config.timeout, config.jsonl,
                                       config.kind), done, None)
    in_flight: deque[Input] = deque()  # handed to the engine, outcome not back yet

    def feed() -> Iterator[Input]:
        for inp in inputs:
            in_flight.append(inp)
            yield inp

    if reporter is not None and done:
        reporter.update(done)
    since = 0
    # the inputs wholly in the spools and the spools' sizes then: an interrupt can
    # land between the two appends of one page, so only this point is checkpointed
    whole = (done, spool.tell(), bodies.tell())
    try:
        for outcome in engine.map(feed(), config):
            inp = in_flight.popleft()
            if isinstance(outcome, CleanedPage) and outcome.id in seen_ids:
                taken = outcome.id
                outcome = page_error(inp, f"id {taken!r} was given to an earlier record"
                                     if inp.doc_id is not None else
                                     f"this page's id {taken!r} is an earlier record's")
                turned_away += 1
            if isinstance(outcome, CleanedPage):
                seen_ids.add(outcome.id)
                spool.append(SpooledPage.of(outcome))
                learner.add_keys(outcome.site, outcome.keys)
                bodies.append(SpooledBody.of(outcome, inp.relpath))
            else:
                spool.append(outcome)
            done += 1
            whole = (done, spool.tell(), bodies.tell())
            since += 1
            if state.due(since):
                state.checkpoint(done, spool.sync(), bodies.sync())
                since = 0
            if reporter is not None:
                reporter.update(1)
    except KeyboardInterrupt:  # Ctrl-C: keep every page done, then stop as asked
        _checkpoint_at(state, spool, bodies, *whole)
        raise
    finally:
        if reporter is not None:
            reporter.close()
    state.checkpoint(done, spool.sync(), bodies.sync(), cleaned=True)
    return turned_away


def _write(out: OutDir, spool: Spool[SpooledPage | PageError], bodies: Spool[SpooledBody],
           verdicts: dict[str, Verdict], dropped: dict[str, list[int]], summary: RunSummary,
           text_files: bool, markdown: bool = False, indexed: bool = False) -> None:
    """The writing step (`write.write_outputs`), looked up here at each run: the
    seam where tests make the disk fill up once the output is being written."""
    write_outputs(out, spool, bodies, verdicts, dropped, summary, text_files, markdown,
                  indexed)


def _checkpoint_at(state: RunState, spool: Spool[SpooledPage | PageError],
                   bodies: Spool[SpooledBody], inputs: int, spool_size: int,
                   bodies_size: int) -> None:
    """Checkpoint the first `inputs` inputs, whose entries end at these spool sizes
    (what was appended after them is cut off when the run resumes).

    On the way out of an interrupted run: the data is forced to disk first, as
    for any checkpoint; a failure here leaves the last checkpoint in place, the
    interrupt still goes up.
    """
    try:
        if spool.sync() >= spool_size and bodies.sync() >= bodies_size:
            state.checkpoint(inputs, spool_size, bodies_size)
    except OSError:
        pass  # the earlier checkpoint stands: the run resumes from there


def _deduplicate(bodies: Spool[SpooledBody], profile: dict[str, set[str]], config: RunConfig,
                 engine: Engine, deduper: Deduper) -> tuple[dict[str, Verdict],
                                                            dict[str, list[int]]]:
    """The dedup verdicts of the spooled pages, site repeats removed first; and
    which blocks each page that lost site repeats loses."""
    dropped: dict[str, list[int]] = {}

    def documents() -> Iterator[DedupItem]:
        """Each page as dedup sees it: its body text with the profile applied."""
        for body in bodies:
            signed = body.signed
            drop = site_profile.repeats_to_remove(body.site, body.texts, profile, config.profile,
                                                  body.keys)
            texts = body.texts
            if drop:  # the text changed since it was signed: sign it again
                dropped[body.id] = drop
                texts = site_profile.without_repeats(texts, drop)
                signed = None
            text = "\n\n".join(texts)
            yield DedupItem(body.id, text, len(text), body.date, body.source, signed)

    # pages changed by the profile, signed by the engine if it signs
    items = _signed_by(engine, documents(), config.num_perm)
    # an engine may group the band keys by bucket itself (a shuffle on a cluster)
    verdicts = deduper.cluster(items, buckets=engine.buckets(), defer_index=True)
    return verdicts, dropped


__all__ = ["DifferentRunError", "OutputError", "Progress", "RunSummary", "run"]
