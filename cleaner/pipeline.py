"""The stages wired together: per-page `clean`, and a batch `run` over inputs.

Per page: decode -> sniff -> extract (HTML: trafilatura; text: our classifier)
-> line rules. Per batch, after every page: site profile -> dedup -> sinks.
Errors are caught at the document boundary and become error records.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cleaner import profile as site_profile
from cleaner.decode import DecodeError, decode
from cleaner.dedup import Deduper
from cleaner.dedup.signatures import DEFAULT_NUM_PERM
from cleaner.document import Document
from cleaner.engines import DEFAULT_MAX_MEMORY, DEFAULT_TIMEOUT, LocalEngine
from cleaner.extract import html as html_extractor
from cleaner.extract import text as text_classifier
from cleaner.outdir import DOCUMENTS_FILE, ERRORS_FILE, TEXT_DIR, OutDir, is_device_error
from cleaner.records import (  # noqa: F401 - document_record, prepare: part of the API
    Page,
    document_record,
    prepare,
    record_line,
    record_parts,
    unpack,
)
from cleaner.runstate import RunState, Spool, StateError, run_key
from cleaner.sinks import RunWriter, assign_text_paths
from cleaner.sniff import sniff_kind
from cleaner.sources import (
    DEFAULT_MAX_BYTES,
    STDIN,
    Input,
    InputError,
    expand,
    has_containers,
    list_files,
    read_input,
)

KINDS = ("html", "text")
#: Length of document ids in hex characters: 64 bits, so collisions in a batch
#: of even a billion documents stay unlikely.
ID_HEX_CHARS = 16


class NoContentError(ValueError):
    """The page decoded fine but holds no article text."""


class OutputError(OSError):
    """The output could not be written (a full disk): the run stopped; the message
    says what was published and how to finish."""


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Everything a batch run can be told; defaults are the CLI's defaults."""

    threshold: float = 0.8
    num_perm: int = DEFAULT_NUM_PERM
    max_bytes: int = DEFAULT_MAX_BYTES
    profile: site_profile.ProfileConfig = field(default_factory=site_profile.ProfileConfig)
    jobs: int | None = None  # worker processes (None: every core)
    timeout: float = DEFAULT_TIMEOUT  # seconds per page before it is an error
    max_memory: int | None = DEFAULT_MAX_MEMORY  # bytes a worker may use (None: no cap)
    keep: str = "longest"  # which copy of a duplicate cluster is kept (KEEP_POLICIES)
    index: str | None = None  # a persistent dedup index (SQLite file) across runs


@dataclass(slots=True)
class RunSummary:
    """The figures the closing summary line reports."""

    read: int = 0
    kept: int = 0
    duplicates: int = 0
    errors: int = 0
    chars_in: int = 0
    chars_out: int = 0
    seconds: float = 0.0
    resumed_at: int | None = None  # inputs already done when this run resumed
    already_complete: bool = False  # the same run had finished: nothing was done
    notice: str | None = None  # why an earlier run's state was not used, if it was not

    def line(self) -> str:
        rate = self.read / self.seconds if self.seconds > 0 else 0.0
        return (
            f"read {self.read}, kept {self.kept}, duplicates {self.duplicates}, "
            f"errors {self.errors}; characters in {self.chars_in:,}, out {self.chars_out:,}; "
            f"{self.seconds:.1f} s ({rate:.1f} pages/s)"
        )


def make_id(source: str | None, text: str) -> str:
    """Stable id: from the source path when there is one, else from the content."""
    key = ("source:" + source) if source else ("text:" + text)
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:ID_HEX_CHARS]


def clean(
    raw: str | bytes,
    *,
    url: str | None = None,
    kind: str | None = None,
    source: str | None = None,
    doc_id: str | None = None,
    charset: str | None = None,
) -> Document:
    """Clean one page: extract its article and mark every other block with a reason.

    Args:
        raw: the page, as text or bytes (bytes are decoded: BOM, `charset`,
            meta charset, then detection).
        url: the page's URL, if known (HTML metadata may supply one).
        kind: "html", "text" or None to sniff.
        source: where the page came from (a path), recorded and used for the id.
        doc_id: the id to give the document; default: derived from source or text.
        charset: a charset declared outside the page (an HTTP header).

    Raises:
        ValueError: for a bad `kind`; DecodeError for binary or empty input;
            html.ExtractError for HTML that cannot be parsed at all.

    Example:
        >>> doc = clean("Home\\nNews\\nA headline about rivers\\n" + "The river rose. " * 20)
        >>> doc.title
        'A headline about rivers'
    """
    if kind not in (None, *KINDS):
        raise ValueError(f"kind must be 'html', 'text' or None, not {kind!r}")
    encoding = None
    if isinstance(raw, bytes):
        text, encoding = decode(raw, declared=charset)
    else:
        text = raw.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            raise DecodeError("file has no text")
    kind = kind or sniff_kind(text)
    if kind == "html":
        result = html_extractor.extract(text, url)
        url = result.url or url
    else:
        result = text_classifier.classify(text)
    return Document(
        id=doc_id or make_id(source, text),
        kind=kind,
        blocks=result.blocks,
        source=source,
        url=url,
        title=result.title,
        date=result.date,
        chars_in=len(text),
        meta={"encoding": encoding, "language": result.language},
    )


def clean_input(inp: Input, config: RunConfig) -> Document:
    """Read, decode and clean one input file; errors carry a one-line message."""
    raw = read_input(inp, max_bytes=config.max_bytes)
    doc = clean(raw, kind=inp.kind_hint, source=inp.source, url=inp.url, charset=inp.charset,
                doc_id=inp.doc_id)
    if not doc.text.strip():
        raise NoContentError("no article text found in the page")
    if inp.fields:
        doc.meta["fields"] = inp.fields
    return doc


def error_message(exc: BaseException) -> str:
    """A clear one-line message: ours as they are, unexpected ones with their type."""
    if isinstance(exc, (InputError, DecodeError, NoContentError, html_extractor.ExtractError)):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "out of memory while cleaning this page"
    return f"could not clean the page ({type(exc).__name__}: {exc})"


#: Pages per signing task when an engine signs the pages the profile changed,
RESIGN_CHUNK = 256
#: and tasks in flight.
RESIGN_IN_FLIGHT = 4


def _signed_by(engine: Any, items: Iterator[tuple[str, str, str, dict]],
               num_perm: int) -> Iterator[tuple[str, str, str, dict]]:
    """The items, in order, with every missing signature made by `engine.sign_many`
    (a task on its workers), a few chunks in flight."""
    window: deque = deque()

    def done(chunk: list, need: list[int], future: Any) -> list:
        if future is not None:
            for k, signed in zip(need, future.result(), strict=True):
                chunk[k][3]["signed"] = signed
        return chunk

    chunk: list = []
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


def _submit_signing(engine: Any, chunk: list, num_perm: int) -> tuple[list, list[int], Any]:
    need = [k for k, item in enumerate(chunk) if item[3]["signed"] is None]
    future = engine.sign_many([chunk[k][2] for k in need], num_perm) if need else None
    return chunk, need, future


class Progress(Protocol):
    """What `run` reports progress to: one `update` per page, `close` at the end."""

    def update(self, pages: int = 1) -> None: ...

    def close(self) -> None: ...


def run(
    paths: Sequence[str],
    outdir: Path,
    config: RunConfig = RunConfig(),
    progress: Callable[[int | None], Progress] | None = None,
    engine: Any = None,
    restart: bool = False,
) -> RunSummary:
    """Clean every input under `paths` into `outdir`; returns the run's figures.

    Streaming: inputs are listed (page files) and read (containers' records)
    as the engine (default: a `LocalEngine` with `config.jobs` processes and
    `config.timeout`) asks for them; cleaned pages are spooled to disk in
    input order and the site profile is learnt on the way; then the spool is
    read twice, to deduplicate and to write. The output is the same whatever
    the engine or the number of workers.

    Resumable (`runstate`): run again with the same arguments after being
    killed, it goes on from its last checkpoint and ends with the output an
    uninterrupted run gives; a finished run is not run again. `restart`
    starts from scratch. (Input from stdin is never resumed.)

    `progress(total)` makes a progress reporter (a bar; total None when the
    inputs include containers, whose page count is unknown until read).
    Raises FileNotFoundError for a path that does not exist (a usage error).
    """
    start = time.perf_counter()
    outdir = Path(outdir)
    files = list_files(paths, exclude=outdir)
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
    summary.seconds = time.perf_counter() - start
    return summary


def _run(files: list[tuple[str, str]], out: OutDir, config: RunConfig, state: RunState,
         total: int | None, progress: Callable[[int | None], Progress] | None,
         engine: Any) -> RunSummary:
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
    spool = state.spool("spool")  # every outcome, whole
    bodies = state.spool("bodies")  # what dedup needs
    try:
        learner = site_profile.ProfileLearner(config.profile)
        seen_ids: set[str] = set()  # a document id is used once (JSONL records bring theirs)
        for body in bodies if state.inputs_done else ():
            learner.add_keys(body[2], body[6])
            seen_ids.add(body[0])
        # an engine that learns the site profile itself (a reduction on a
        # cluster), unless this run resumes (part of its pages were cleaned
        # before) or turned a cleaned page away (the reduction counted it)
        profile_elsewhere = hasattr(engine, "site_profile") and not state.resumed
        if not state.cleaned:
            if engine is None:
                engine = LocalEngine(config.jobs, config.timeout, config.max_memory)
            turned_away = _clean_into(files, config, engine, state, spool, bodies, learner,
                                      seen_ids, progress(total) if progress else None)
            profile_elsewhere = profile_elsewhere and not turned_away
        del seen_ids

        saved = state.saved_verdicts({body[0] for body in bodies})
        with Deduper(threshold=config.threshold, num_perm=config.num_perm, path=config.index,
                     keep=config.keep) as deduper:
            if saved is None:
                profile = engine.site_profile(config.profile) if profile_elsewhere else None
                if profile is None:  # learnt here (also when the engine lost part of it)
                    profile = learner.profile()
                verdicts, dropped = _deduplicate(bodies, profile, config, engine, deduper)
                saved = (verdicts, dropped, deduper.pending_index)
                state.save_verdicts(saved)  # before the index changes: see runstate
            verdicts, dropped, pending = saved
            deduper.commit_index(pending)
        _write(out, spool, bodies, verdicts, dropped, summary)
        summary.seconds = time.perf_counter() - start
        state.finish({k: getattr(summary, k) for k in
                      ("read", "kept", "duplicates", "errors", "chars_in", "chars_out")})
    finally:
        spool.close()
        bodies.close()
    return summary


def _clean_into(files: list[tuple[str, str]], config: RunConfig, engine: Any, state: RunState,
                spool: Spool, bodies: Spool, learner: site_profile.ProfileLearner,
                seen_ids: set[str], reporter: Progress | None) -> int:
    """Clean the inputs after the last checkpoint into the spools, checkpointing.

    Returns how many cleaned pages were turned away: an id already used.
    """
    turned_away = 0
    done = state.inputs_done
    inputs = itertools.islice(expand(files, config.max_bytes, config.timeout), done, None)
    in_flight: deque[Input] = deque()  # handed to the engine, outcome not back yet

    def feed() -> Iterator[Input]:
        for inp in inputs:
            in_flight.append(inp)
            yield inp

    if reporter is not None and done:
        reporter.update(done)
    since = 0
    try:
        for outcome in engine.map(feed(), config):
            inp = in_flight.popleft()
            if outcome[0] == "doc" and outcome[1].id in seen_ids:
                taken = outcome[1].id
                outcome = ("error", {"source": inp.source, "error":
                                     f"id {taken!r} was given to an earlier record"
                                     if inp.doc_id is not None else
                                     f"this page's id {taken!r} is an earlier record's"})
                turned_away += 1
            if outcome[0] == "doc":
                page: Page = outcome[1]
                seen_ids.add(page.id)
                spool.append(("doc", page.id, page.chars_in, page.title, page.text, page.head,
                              page.tail, page.packed))
                learner.add_keys(page.site, page.keys)
                bodies.append((page.id, inp.relpath, page.site, page.date, page.source,
                               page.texts, page.keys, page.signed, inp.doc_id is not None))
            else:
                spool.append(outcome)
            done += 1
            since += 1
            if state.due(since):
                state.checkpoint(done, spool.sync(), bodies.sync())
                since = 0
            if reporter is not None:
                reporter.update(1)
    finally:
        if reporter is not None:
            reporter.close()
    state.checkpoint(done, spool.sync(), bodies.sync(), cleaned=True)
    return turned_away


def _deduplicate(bodies: Spool, profile: dict, config: RunConfig, engine: Any,
                 deduper: Deduper) -> tuple[dict, dict[str, list[int]]]:
    """The dedup verdicts of the spooled pages, site repeats removed first; and
    which blocks each page that lost site repeats loses."""
    dropped: dict[str, list[int]] = {}

    def documents() -> Iterator[tuple[str, str, str, dict]]:
        """(relpath, id, clean text, extra) of each page, the profile applied."""
        for doc_id, relpath, site, date, source, texts, keys, signed, _ in bodies:
            drop = site_profile.repeats_to_remove(site, texts, profile, config.profile, keys)
            if drop:  # the text changed since it was signed: sign it again
                dropped[doc_id] = drop
                gone = set(drop)
                texts = [t for i, t in enumerate(texts) if i not in gone]
                signed = None
            text = "\n\n".join(texts)
            yield relpath, doc_id, text, {"length": len(text), "date": date,
                                          "source": source, "signed": signed}

    items: Iterator[tuple[str, str, str, dict]] = documents()
    if hasattr(engine, "sign_many"):  # pages changed by the profile, signed by the engine
        items = _signed_by(engine, items, config.num_perm)
    # an engine may group the band keys by bucket itself (a shuffle on a cluster)
    buckets = engine.buckets() if hasattr(engine, "buckets") else None
    verdicts = deduper.verdicts((item[1:] for item in items), buckets=buckets,
                                defer_index=True)
    return verdicts, dropped


def _write(out: OutDir, spool: Spool, bodies: Spool, verdicts: dict,
           dropped: dict[str, list[int]], summary: RunSummary) -> None:
    """Write text/, documents.jsonl and errors.jsonl from the spool and the verdicts.

    A text file the file system refuses (a name it cannot hold, a folder in
    the way) is an error record, and the document's record says no text
    file; a full disk stops the run with an `OutputError` saying what was
    published (whole lines only) and that the same command finishes it.
    """
    kept = [item[1] for item in bodies if _verdict(verdicts, item[0]).duplicate_of is None]
    names = iter(assign_text_paths(kept))
    del kept
    writer = RunWriter(out)
    try:
        for entry in spool:
            summary.read += 1
            if entry[0] == "error":
                writer.add_error(entry[1])
                summary.errors += 1
                continue
            _, doc_id, chars_in, title, text, head, tail, packed = entry
            summary.chars_in += chars_in
            verdict = _verdict(verdicts, doc_id)
            dup = verdict.duplicate_of
            if doc_id in dropped:  # site repeats removed: the record changes, rebuild it
                doc = unpack(packed)
                site_profile.remove_repeats(doc, dropped[doc_id])  # as decided for dedup
                text = doc.text
                head, tail = record_parts(doc)
            name = None
            if dup is None:
                name = next(names)
                summary.kept += 1
                summary.chars_out += len(text)
                try:
                    writer.write_text(name, title, text)
                except OSError as exc:
                    if is_device_error(exc):
                        raise
                    writer.add_error({"source": packed[2], "error": "cannot write its text "
                                      f"file {TEXT_DIR}/{name} ({exc.strerror or exc}); its "
                                      f"record in {DOCUMENTS_FILE} has the text"})
                    summary.errors += 1
                    name = None
            else:
                summary.duplicates += 1
            writer.add_document_line(record_line(
                head, tail, dup, verdict.similarity, verdict.cluster,
                f"{TEXT_DIR}/{name}" if name is not None else None))
        writer.close()
    except OSError as exc:
        if not is_device_error(exc):
            raise
        try:
            writer.close()  # publishes the lists' whole lines (if not done already)
        except OSError:
            pass  # the same failure again: the lists are published whole all the same
        raise OutputError(exc.errno, _full_message(out, writer, exc)) from exc
    finally:
        writer.close()


def _verdict(verdicts: dict, doc_id: str) -> Any:
    try:
        return verdicts[doc_id]
    except KeyError:
        raise StateError(f"no dedup verdict for page {doc_id!r}") from None


def _full_message(out: OutDir, writer: RunWriter, exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return (f"{exc.strerror or exc}{where} while writing the output to {out.path}: "
            f"{DOCUMENTS_FILE} and {ERRORS_FILE} were published with the "
            f"{writer.lines_published(DOCUMENTS_FILE):,} and "
            f"{writer.lines_published(ERRORS_FILE):,} whole lines written before it; free "
            "some space and run the same command again to finish (it resumes)")
