"""One page: `clean` decodes, sniffs and extracts it into a `Document` whose every
block is kept or removed with a reason; `clean_input` does the same for one
`Input` of a batch, and `error_message` is the one line an error record says.

Per page: decode -> sniff -> extract (HTML: trafilatura checked against the
DOM and the content model; text dumps: our classifier) -> line rules. What a
batch adds (site profile, dedup, outputs) lives in `cleaner.batch`.
"""

from __future__ import annotations

import hashlib

from cleaner.document import Document
from cleaner.extract import html as html_extractor
from cleaner.extract import text as text_classifier
from cleaner.extract.parse import ExtractError
from cleaner.inputs.base import Input, InputError
from cleaner.inputs.decode import DecodeError, decode
from cleaner.inputs.files import read_input
from cleaner.inputs.sniff import sniff_kind
from cleaner.lang.identify import identify

KINDS = ("html", "text")


#: Length of document ids in hex characters: 64 bits, so collisions in a batch
#: of even a billion documents stay unlikely.
ID_HEX_CHARS = 16


class NoContentError(ValueError):
    """The page decoded fine but holds no article text."""


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
        url: the page's URL, if known: kept as given (the caller's join key); the
            URL the page gives itself is `canonical_url`.
        kind: "html", "text" or None to sniff.
        source: where the page came from (a path), recorded and used for the id.
        doc_id: the id to give the document; default: derived from source or text.
        charset: a charset declared outside the page (an HTTP header).

    Raises:
        ValueError: for a bad `kind`; DecodeError for binary or empty input;
            parse.ExtractError for HTML that cannot be parsed at all.

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
    canonical_url = declared = None
    if kind == "html":
        result = html_extractor.extract(text, url)
        canonical_url, declared = result.canonical_url, result.declared_language
    else:
        result = text_classifier.classify(text)
    body = "\n\n".join(b.text for b in result.blocks if b.in_body)
    language = identify(body or result.title or "", declared)
    return Document(
        id=doc_id or make_id(source, text),
        kind=kind,
        blocks=result.blocks,
        source=source,
        url=url,
        title=result.title,
        date=result.date,
        chars_in=len(text),
        meta={"encoding": encoding},
        canonical_url=canonical_url,
        author=result.author,
        sitename=result.sitename,
        description=result.description,
        language=language.code,
        language_confidence=language.confidence,
    )


def clean_input(inp: Input, max_bytes: int) -> Document:
    """Read (at most `max_bytes`), decode and clean one input; errors carry a
    one-line message (`error_message`)."""
    raw = read_input(inp, max_bytes=max_bytes)
    doc = clean(raw, kind=inp.kind_hint, source=inp.source, url=inp.url, charset=inp.charset,
                doc_id=inp.doc_id)
    if not doc.text.strip():
        raise NoContentError("no article text found in the page")
    if inp.fields:
        doc.meta["fields"] = inp.fields
    return doc


def error_message(exc: BaseException) -> str:
    """A clear one-line message: ours as they are, unexpected ones with their type."""
    if isinstance(exc, (InputError, DecodeError, NoContentError, ExtractError)):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "out of memory while cleaning this page"
    return f"could not clean the page ({type(exc).__name__}: {exc})"
