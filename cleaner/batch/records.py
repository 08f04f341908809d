"""A cleaned page as the batch run keeps and writes it: its documents.jsonl record.

The record is serialised once, where the page is cleaned (`prepare`, in a
worker), in two parts around the dedup verdict, which is only known at the
end of the run (`record_parts`, `record_line`); the page itself travels as
plain values (`pack`, `unpack`), which pickle fast.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from cleaner import profile as site_profile
from cleaner.dedup.signatures import Signed
from cleaner.document import Block, Document


def layout(doc: Document) -> str:
    """The page's blocks in page order, a letter each (`Document.layout`)."""
    return doc.layout


def document_record(doc: Document, duplicate_of: str | None, similarity: float | None,
                    cluster: str | None = None) -> dict:
    """The documents.jsonl record of a document."""
    record = doc.to_dict()
    record["duplicate_of"] = duplicate_of
    record["similarity"] = None if similarity is None else round(similarity, 4)
    record["cluster"] = cluster or doc.id
    # a JSONL record's other fields, passed through (never over our own keys)
    record.update((k, v) for k, v in (doc.meta.get("fields") or {}).items()
                  if k not in _OWN_KEYS)
    return record


#: documents.jsonl keys before and after the dedup verdict (`document_record`'s order).
_HEAD_KEYS = ("id", "source", "url", "canonical_url", "kind", "title", "date", "author",
              "sitename", "description", "text")
_TAIL_KEYS = ("removed", "language", "language_confidence", "encoding", "layout")
_OWN_KEYS = frozenset((*_HEAD_KEYS, "duplicate_of", "similarity", "cluster", "seen_before",
                       *_TAIL_KEYS, "text_path"))


def record_parts(doc: Document) -> tuple[str, str]:
    """A page's documents.jsonl line, serialised once, minus the dedup verdict.

    `record_line` joins the parts with the verdict into exactly the line
    `json.dumps(document_record(...))` gives, without keeping the page's
    objects around for the writing pass.
    """
    record = document_record(doc, None, None, None)
    # allow_nan=False: documents.jsonl is strict JSON, or the page is an error record
    head = json.dumps({k: record[k] for k in _HEAD_KEYS}, ensure_ascii=False, allow_nan=False)
    tail = json.dumps({k: v for k, v in record.items() if k not in _HEAD_KEYS
                       and k not in ("duplicate_of", "similarity", "cluster")},
                      ensure_ascii=False, allow_nan=False)
    return head[:-1], tail[1:-1]


def with_markdown(tail: str, markdown: str) -> str:
    """`record_parts`' tail with a `markdown` field after it (`--format markdown`)."""
    field = json.dumps({"markdown": markdown}, ensure_ascii=False)[1:-1]
    return f"{tail}, {field}" if tail else field


def record_line(head: str, tail: str, duplicate_of: str | None, similarity: float | None,
                 cluster: str, text_path: str | None, seen_before: bool | None = None) -> str:
    """The documents.jsonl line of a page: `record_parts`' head and tail around
    the dedup verdict and the text file's path (omitted when there is none);
    `seen_before` (with an index: whether it knew the id) after `cluster`, when given."""
    verdict: dict[str, Any] = {
        "duplicate_of": duplicate_of,
        "similarity": None if similarity is None else round(similarity, 4),
        "cluster": cluster,
    }
    if seen_before is not None:
        verdict["seen_before"] = seen_before
    middle = json.dumps(verdict, ensure_ascii=False)[1:-1]
    end = json.dumps({"text_path": text_path}, ensure_ascii=False)[1:-1] if text_path else ""
    return f"{head}, {middle}, {tail}" + (f", {end}" if end else "") + "}"


class PackedDocument(NamedTuple):
    """A Document as plain values (pickles and packs fast; `pack`, `unpack`)."""

    id: str
    kind: str
    source: str | None
    url: str | None
    title: str | None
    date: str | None
    chars_in: int
    meta: dict
    texts: list[str]
    kinds: list[str]
    kept: list[bool]
    reasons: list[str | None]
    scores: list[float | None]
    canonical_url: str | None
    author: str | None
    sitename: str | None
    description: str | None
    language: str | None
    language_confidence: float | None


#: How a heading's level travels in the packed kinds ("heading:2"): in the kind's
#: string, so the spool and its schema (a list of strings) stay as they were.
_LEVEL_MARK = ":"


def _kind(block: Block) -> str:
    return block.kind if block.level is None else f"{block.kind}{_LEVEL_MARK}{block.level}"


def _unkind(packed: str) -> tuple[str, int | None]:
    kind, mark, level = packed.partition(_LEVEL_MARK)
    return (kind, int(level)) if mark and level.isdigit() else (packed, None)


def pack(doc: Document) -> PackedDocument:
    """A page as plain values (pickles fast); `unpack` makes it a Document again."""
    blocks = doc.blocks
    return PackedDocument(
        doc.id, doc.kind, doc.source, doc.url, doc.title, doc.date, doc.chars_in, doc.meta,
        [b.text for b in blocks], [_kind(b) for b in blocks], [b.kept for b in blocks],
        [b.reason for b in blocks], [b.score for b in blocks], doc.canonical_url, doc.author,
        doc.sitename, doc.description, doc.language, doc.language_confidence)


def unpack(packed: PackedDocument) -> Document:
    """The Document again (`pack`'s inverse), for a record that must be rebuilt."""
    blocks = [Block(text, kind, kept, reason, score, level)
              for text, (kind, level), kept, reason, score in zip(
                  packed.texts, map(_unkind, packed.kinds), packed.kept, packed.reasons,
                  packed.scores, strict=True)]
    return Document(packed.id, packed.kind, blocks, packed.source, packed.url, packed.title,
                    packed.date, packed.chars_in, packed.meta, packed.canonical_url,
                    packed.author, packed.sitename, packed.description, packed.language,
                    packed.language_confidence)


class CleanedPage(NamedTuple):
    """What a batch run keeps of a cleaned page, made where the page was cleaned.

    A worker sends this instead of the `Document`: the record's JSON, the
    plain-values copy for the spool, and the body lines with their profile
    keys are made next to the cleaning, so the process that writes has little
    left to do per page.
    """

    id: str
    chars_in: int
    title: str | None
    text: str
    head: str  # the documents.jsonl line before the dedup verdict (`record_parts`)
    tail: str  # ... and after it
    packed: PackedDocument
    site: str  # `profile.site_key`
    date: str | None
    source: str | None
    texts: list[str]  # kept body blocks (the title left out): what dedup and the profile see
    keys: list[str]  # their `profile.line_key`s
    signed: Signed | None  # of the body, or None to sign later


class PageError(NamedTuple):
    """A page that could not be cleaned: its errors.jsonl record."""

    source: str | None
    error: str
    id: str | None = None  # the input's own id (a JSONL "id"), for joining back
    url: str | None = None  # the URL the input came with (JSONL, WARC target URI)

    def record(self) -> dict[str, str | None]:
        """Its errors.jsonl line as a dict (key order: source, id, url, error)."""
        return {"source": self.source, "id": self.id, "url": self.url, "error": self.error}


#: What an engine gives back for each input, in input order.
Outcome = CleanedPage | PageError


def prepare(doc: Document) -> CleanedPage:
    """A cleaned page as the batch run keeps it (see `CleanedPage`), not signed yet:
    the worker that cleaned it may sign it (`task.Task`)."""
    head, tail = record_parts(doc)
    return CleanedPage(doc.id, doc.chars_in, doc.title, doc.text, head, tail, pack(doc),
                       site_profile.site_key(doc), doc.date, doc.source,
                       [b.text for b in doc.body_blocks()], site_profile.body_keys(doc), None)


class SpooledPage(NamedTuple):
    """A cleaned page as the run's spool keeps it for the writing pass."""

    id: str
    chars_in: int
    title: str | None
    text: str
    head: str
    tail: str
    packed: PackedDocument

    @classmethod
    def of(cls, page: CleanedPage) -> SpooledPage:
        """What the writing pass needs of a cleaned page."""
        return cls(page.id, page.chars_in, page.title, page.text, page.head, page.tail,
                   page.packed)


class SpooledBody(NamedTuple):
    """What dedup and the site profile need of a cleaned page (the run's `bodies` spool)."""

    id: str
    relpath: str  # the input's relpath: its text file's name derives from it
    site: str
    date: str | None
    source: str | None
    texts: list[str]
    keys: list[str]
    signed: Signed | None

    @classmethod
    def of(cls, page: CleanedPage, relpath: str) -> SpooledBody:
        """What dedup and the profile need of a cleaned page, and its input's relpath."""
        return cls(page.id, relpath, page.site, page.date, page.source, page.texts, page.keys,
                   page.signed)


#: Tags of the two kinds of spool entries on disk.
_PAGE_TAG, _ERROR_TAG = "doc", "error"


def spool_entry(item: SpooledPage | PageError) -> tuple:
    """The plain values a spool entry is stored as (`statefile`: data only)."""
    if isinstance(item, PageError):
        return _ERROR_TAG, item.record()
    return (_PAGE_TAG, *item)


def from_spool(entry: list) -> SpooledPage | PageError:
    """The spool entry read back (its shape checked by `state.SPOOL_ENTRY`)."""
    if entry[0] == _ERROR_TAG:
        record = entry[1]
        return PageError(record.get("source"), record["error"], record.get("id"),
                         record.get("url"))
    page = SpooledPage(*entry[1:])
    return page._replace(packed=PackedDocument(*page.packed))


def body_from_spool(entry: list) -> SpooledBody:
    """A `bodies` spool entry read back (its shape checked by `state.BODY_ENTRY`)."""
    body = SpooledBody(*entry)
    return body if body.signed is None else body._replace(signed=tuple(body.signed))


__all__ = ["CleanedPage", "Outcome", "PackedDocument", "PageError", "SpooledBody",
           "SpooledPage", "body_from_spool", "document_record", "from_spool", "layout", "pack",
           "prepare", "record_line", "with_markdown", "record_parts", "spool_entry", "unpack"]
