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
from cleaner.document import Block, Document


def layout(doc: Document) -> str:
    """The page's blocks in page order, a letter each: `t` the title, `k` kept (the
    n-th `k` is the n-th paragraph of the record's text), `r` removed (the n-th `r`
    is the n-th entry of `removed`). With it, a report can show the page whole.

    Example:
        >>> layout(Document("x", "text", [Block("Menu", "line", False, "navigation"),
        ...                               Block("A title", "title"), Block("Body.", "paragraph")]))
        'rtk'
    """
    return "".join("r" if not b.kept else "t" if b.kind == "title" else "k" for b in doc.blocks)


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
        "layout": layout(doc),
        # a JSONL record's other fields, passed through (never over our own keys)
        **{k: v for k, v in (doc.meta.get("fields") or {}).items() if k not in _OWN_KEYS},
    }


#: documents.jsonl keys before and after the dedup verdict (`document_record`'s order).
_HEAD_KEYS = ("id", "source", "url", "kind", "title", "date", "text")
_TAIL_KEYS = ("removed", "language", "encoding", "layout")
_OWN_KEYS = frozenset((*_HEAD_KEYS, "duplicate_of", "similarity", "cluster", *_TAIL_KEYS,
                       "text_path"))


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


def record_line(head: str, tail: str, duplicate_of: str | None, similarity: float | None,
                 cluster: str, text_path: str | None) -> str:
    verdict: dict[str, Any] = {
        "duplicate_of": duplicate_of,
        "similarity": None if similarity is None else round(similarity, 4),
        "cluster": cluster,
    }
    middle = json.dumps(verdict, ensure_ascii=False)[1:-1]
    end = json.dumps({"text_path": text_path}, ensure_ascii=False)[1:-1] if text_path else ""
    return f"{head}, {middle}, {tail}" + (f", {end}" if end else "") + "}"


def pack(doc: Document) -> tuple:
    """A page as plain values (pickles fast); `unpack` makes it a Document again."""
    blocks = doc.blocks
    return (doc.id, doc.kind, doc.source, doc.url, doc.title, doc.date, doc.chars_in, doc.meta,
            [b.text for b in blocks], [b.kind for b in blocks], [b.kept for b in blocks],
            [b.reason for b in blocks], [b.score for b in blocks])


def unpack(packed: tuple) -> Document:
    (doc_id, kind, source, url, title, date, chars_in, meta, texts, kinds, kept, reasons,
     scores) = packed
    blocks = [Block(*fields) for fields in zip(texts, kinds, kept, reasons, scores, strict=True)]
    return Document(doc_id, kind, blocks, source, url, title, date, chars_in, meta)


class Page(NamedTuple):
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
    packed: tuple  # the Document as plain values (`pack`)
    site: str  # `profile.site_key`
    date: str | None
    source: str | None
    texts: list[str]  # kept body blocks (the title left out): what dedup and the profile see
    keys: list[str]  # their `profile.line_key`s
    signed: tuple | None  # (shingle set, signature) of the body, or None to sign later


def prepare(doc: Document, signed: tuple | None = None) -> Page:
    """A cleaned page as the batch run keeps it (see `Page`)."""
    texts = [b.text for b in doc.blocks if b.kept and b.kind != "title"]
    head, tail = record_parts(doc)
    return Page(doc.id, doc.chars_in, doc.title, doc.text, head, tail, pack(doc),
                site_profile.site_key(doc), doc.date, doc.source, texts,
                [site_profile.line_key(t) for t in texts], signed)


__all__ = ["Page", "document_record", "layout", "pack", "prepare", "record_line",
           "record_parts", "unpack"]
