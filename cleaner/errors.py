"""The one base class of every error the library raises on purpose.

A caller that wants to skip what the library refuses (a binary file, a page
past a limit, a page that took too long) and still see its own bugs catches
`CleanerError`. Each concrete error also keeps the built-in base it always had
(`ValueError`, `TimeoutError`), so `except ValueError` code written before
this class existed goes on working.

The bottom floor of the package: it imports nothing from `cleaner`, so any
module may import it.
"""

from __future__ import annotations


class CleanerError(Exception):
    """Something the library refused, with a one-sentence message.

    The errors: `DecodeError` (not text), `InputError` (a file or page that
    cannot be read, or past `max_bytes`), `ArgumentError` (an argument that
    makes no sense), `ExtractError` and its `PageLimitError` (HTML that cannot
    be parsed, or would cost far more than its size), `NoContentError` (no
    article text, in a batch), `PageTimeout` (past the time limit),
    `DedupIndexError` (an index file built otherwise) and `ReportError` (no
    run output to report on). A wrong *type* of argument stays a `TypeError`:
    it is a bug in the calling code, which catching `CleanerError` should not
    hide.

    Example:
        >>> from cleaner import CleanerError, clean
        >>> try:
        ...     clean(b"%PDF-1.7 not a web page")
        ... except CleanerError as exc:
        ...     print(type(exc).__name__, "-", exc)
        DecodeError - binary content (PDF document), not a text or HTML page
    """


__all__ = ["CleanerError"]
