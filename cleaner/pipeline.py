"""The stages wired together: per-page `clean`, and a batch `run` over inputs.

Per page: decode -> sniff -> extract (HTML: trafilatura; text: our classifier)
-> line rules. Per batch, after every page: site profile -> dedup -> sinks.
Errors are caught at the document boundary and become error records.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cleaner import profile as site_profile
from cleaner.decode import DecodeError, decode, sniff_kind
from cleaner.dedup import Deduper
from cleaner.dedup.signatures import DEFAULT_NUM_PERM
from cleaner.document import Document
from cleaner.extract import html as html_extractor
from cleaner.extract import text as text_classifier
from cleaner.sinks import RunWriter, assign_text_paths
from cleaner.sources import DEFAULT_MAX_BYTES, Input, InputError, iter_inputs, read_input

KINDS = ("html", "text")
#: Length of document ids in hex characters: 64 bits, so collisions in a batch
#: of even a billion documents stay unlikely.
ID_HEX_CHARS = 16


class NoContentError(ValueError):
    """The page decoded fine but holds no article text."""


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Everything a batch run can be told; defaults are the CLI's defaults."""

    threshold: float = 0.8
    num_perm: int = DEFAULT_NUM_PERM
    max_bytes: int = DEFAULT_MAX_BYTES
    profile: site_profile.ProfileConfig = field(default_factory=site_profile.ProfileConfig)
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
    doc = clean(raw, kind=inp.kind_hint, source=inp.source)
    if not doc.text.strip():
        raise NoContentError("no article text found in the page")
    return doc


def error_message(exc: BaseException) -> str:
    """A clear one-line message: ours as they are, unexpected ones with their type."""
    if isinstance(exc, (InputError, DecodeError, NoContentError, html_extractor.ExtractError)):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "out of memory while cleaning this page"
    return f"could not clean the page ({type(exc).__name__}: {exc})"


def document_record(doc: Document, duplicate_of: str | None, similarity: float | None,
                    cluster: str | None = None) -> dict:
    """The documents.jsonl record of a document."""
    return {
        "id": doc.id,
        "source": doc.source,
        "url": doc.url,
        "kind": doc.kind,
        "title": doc.title,
        "date": doc.date,
        "text": doc.text,
        "duplicate_of": duplicate_of,
        "similarity": None if similarity is None else round(similarity, 4),
        "cluster": cluster or doc.id,
        "removed": doc.removed,
        "language": doc.meta.get("language"),
        "encoding": doc.meta.get("encoding"),
    }


def run(
    paths: Sequence[str],
    outdir: Path,
    config: RunConfig = RunConfig(),
    progress: Callable[[Iterable[Input]], Iterable[Input]] | None = None,
) -> RunSummary:
    """Clean every input under `paths` into `outdir`; returns the run's figures.

    `progress` wraps the input iterator (a progress bar); identity by default.
    Raises FileNotFoundError for a path that does not exist (a usage error).
    """
    start = time.perf_counter()
    inputs = list(iter_inputs(paths))
    summary = RunSummary()
    docs: list[tuple[Input, Document]] = []
    errors: list[dict] = []
    for inp in progress(inputs) if progress else inputs:
        summary.read += 1
        try:
            docs.append((inp, clean_input(inp, config)))
        except Exception as exc:  # the document boundary: record, go on
            errors.append({"source": inp.source, "error": error_message(exc)})

    site_profile.strip_site_repeats([d for _, d in docs], config.profile)
    with Deduper(threshold=config.threshold, num_perm=config.num_perm, path=config.index,
                 keep=config.keep) as deduper:
        verdicts = deduper.verdicts(
            (d.id, d.text, {"length": len(d.text), "date": d.date, "source": d.source})
            for _, d in docs
        )
    kept = [(inp, d) for inp, d in docs if verdicts[d.id].duplicate_of is None]
    paths = assign_text_paths([inp.relpath for inp, _ in kept])
    names = {doc.id: path for (_, doc), path in zip(kept, paths, strict=True)}

    with RunWriter(outdir) as writer:
        for _, doc in docs:
            summary.chars_in += doc.chars_in
            verdict = verdicts[doc.id]
            dup = verdict.duplicate_of
            record = document_record(doc, dup, verdict.similarity, verdict.cluster)
            if dup is None:
                summary.kept += 1
                summary.chars_out += len(doc.text)
                record["text_path"] = "text/" + names[doc.id]
                writer.write_text(names[doc.id], doc.title, doc.text)
            else:
                summary.duplicates += 1
            writer.add_document(record)
        for err in errors:
            writer.add_error(err)
    summary.errors = len(errors)
    summary.seconds = time.perf_counter() - start
    return summary
