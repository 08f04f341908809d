"""One page: `clean` decodes, sniffs and extracts it into a `Document` whose every
block is kept or removed with a reason; `clean_input` does the same for one
`Input` of a batch, and `error_message` is the one line an error record says.

Per page: decode -> sniff -> extract (HTML: trafilatura checked against the
DOM and the content model; text dumps: our classifier) -> line rules. What a
batch adds (site profile, dedup, outputs) lives in `cleaner.batch`.
"""

from __future__ import annotations

import hashlib
import math

from cleaner.document import Document
from cleaner.errors import CleanerError
from cleaner.extract import html as html_extractor
from cleaner.extract import text as text_classifier
from cleaner.extract.parse import ExtractError
from cleaner.inputs.base import KINDS, ArgumentError, Input, InputError, format_size
from cleaner.inputs.decode import DecodeError, decode
from cleaner.inputs.files import read_input
from cleaner.inputs.sniff import sniff_kind
from cleaner.lang.identify import identify
from cleaner.profile import SiteProfile
from cleaner.timelimit import time_limit

#: Most bytes one UTF-8 character takes: a str of n characters is at most this
#: many times n bytes, so most pages pass `max_bytes` without being encoded.
_UTF8_MAX_BYTES_PER_CHAR = 4


#: Length of document ids in hex characters: 64 bits, so collisions in a batch
#: of even a billion documents stay unlikely.
ID_HEX_CHARS = 16


class NoContentError(CleanerError, ValueError):
    """The page decoded fine but holds no article text.

    Raised where a page without text is a failure: in a batch, which records it
    in errors.jsonl. `clean` itself returns the `Document`, whose `text` is then
    empty and whose blocks say why each was removed.

    Example:
        >>> from cleaner import NoContentError
        >>> from cleaner.clean import clean_input
        >>> from cleaner.inputs.base import Input
        >>> try:
        ...     clean_input(Input("menu.txt", "menu.txt", "text", data=b"Home"), 1_000)
        ... except NoContentError as exc:
        ...     print(exc)
        no article text found in the page
    """


def make_id(source: str | None, text: str) -> str:
    """Stable id: from the source path when there is one, else from the content."""
    key = ("source:" + source) if source else ("text:" + text)
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:ID_HEX_CHARS]


def clean(
    raw: str | bytes,
    *,
    url: str | None = None,
    kind: str | None = None,
    timeout: float | None = None,
    max_bytes: int | None = None,
    profile: SiteProfile | None = None,
    source: str | None = None,
    doc_id: str | None = None,
    charset: str | None = None,
) -> Document:
    """Clean one page: extract its article and mark every other block with a reason.

    Args:
        raw: the page, as text or bytes (bytes are decoded: BOM, `charset`,
            meta charset, then detection; a bytearray or memoryview is read as
            bytes).
        url: the page's URL, if known: kept as given (the caller's join key); the
            URL the page gives itself is `canonical_url`.
        kind: "html", "text" or None to sniff.
        timeout: seconds the page may take (None: no limit). In any thread (see
            `timelimit.time_limit`: SIGALRM in the main thread when the caller
            does not use it, a watchdog thread otherwise); it stops Python code
            between operations, not one long C call, which only ending the
            process can stop (the batch runs pages in worker processes for that).
        max_bytes: the largest page accepted, in bytes (a str: its UTF-8 length);
            None: no limit. The batch's limit is `inputs.base.DEFAULT_MAX_BYTES`.
        profile: a `SiteProfile` whose site repeats are removed from the page
            (reason "site-repeat"), as a batch run removes them.
        source: where the page came from (a path), recorded and used for the id.
        doc_id: the id to give the document; default: derived from source or text.
        charset: a charset declared outside the page (an HTTP header).

    Raises:
        TypeError: `raw` is not str or bytes (None, a file object...), or
            `profile` is not a SiteProfile.
        ArgumentError: a bad `kind`, `timeout` or `max_bytes` (a ValueError).
        InputError: a page larger than `max_bytes`.
        DecodeError: binary or empty input.
        ExtractError: HTML that cannot be parsed at all (or `PageLimitError`,
            past a parsing limit).
        PageTimeout: the page took longer than `timeout` (a TimeoutError).
        All but TypeError are `CleanerError`s.

    Example:
        >>> doc = clean("Home\\nNews\\nA headline about rivers\\n" + "The river rose. " * 20)
        >>> doc.title
        'A headline about rivers'
        >>> clean(None)
        Traceback (most recent call last):
        ...
        TypeError: clean() takes the page as str or bytes, not NoneType
    """
    raw = _checked_page(raw)
    if kind not in (None, *KINDS):
        raise ArgumentError(f"kind must be 'html', 'text' or None, not {kind!r}")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not 0 < timeout < math.inf):
        raise ArgumentError(f"timeout must be a number of seconds above 0, or None for no "
                            f"limit, not {timeout!r}")
    if max_bytes is not None:
        _check_size(raw, max_bytes)
    if profile is not None and not isinstance(profile, SiteProfile):
        raise TypeError(f"profile must be a cleaner.SiteProfile, not {type(profile).__name__}")
    if timeout is None:  # no limit (a batch's worker sets its own around this call)
        return _clean(raw, url, kind, source, doc_id, charset, profile)
    with time_limit(timeout):
        return _clean(raw, url, kind, source, doc_id, charset, profile)


def _checked_page(raw: object) -> str | bytes:
    """The page as str or bytes, or a TypeError that says what was passed instead
    (`clean(None)` used to fail deep inside with an AttributeError)."""
    if isinstance(raw, (str, bytes)):
        return raw
    if isinstance(raw, (bytearray, memoryview)):
        return bytes(raw)
    hint = "; pass its contents (.read())" if callable(getattr(raw, "read", None)) else ""
    raise TypeError(f"clean() takes the page as str or bytes, not {type(raw).__name__}{hint}")


def _check_size(raw: str | bytes, max_bytes: int) -> None:
    """Refuse a page past `max_bytes`, as a batch refuses a file past its limit."""
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ArgumentError(f"max_bytes must be a whole number of bytes above 0, or None "
                            f"for no limit, not {max_bytes!r}")
    if isinstance(raw, str):
        if len(raw) * _UTF8_MAX_BYTES_PER_CHAR <= max_bytes:
            return  # short enough whatever its characters: no need to encode it
        size = len(raw) if len(raw) > max_bytes else len(raw.encode("utf-8", "surrogatepass"))
    else:
        size = len(raw)
    if size > max_bytes:
        raise InputError(f"the page is {format_size(size)}, larger than the limit of "
                         f"{format_size(max_bytes)}")


def _clean(raw: str | bytes, url: str | None, kind: str | None, source: str | None,
           doc_id: str | None, charset: str | None, profile: SiteProfile | None) -> Document:
    """`clean` once its arguments are checked: decode, sniff, extract, the profile."""
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
    doc = Document(
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
    )
    language = identify(doc.text or doc.title or "", declared)  # the body, joined once
    doc.language, doc.language_confidence = language.code, language.confidence
    if profile is not None:
        profile.apply(doc)
    return doc


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
