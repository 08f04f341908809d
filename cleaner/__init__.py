"""cleaner: extract the article from scraped page dumps, strip chrome, deduplicate.

The library's public names are the ones in `__all__`: `clean` one page into a
`Document` of `Block`s (each kept, or removed with a reason from `REASONS`),
`SiteProfile` for a site's repeated lines, `Deduper` for copies, `run` for a
batch, and the errors, all `CleanerError`s. `__version__` is the installed
version.

Example:
    >>> from cleaner import REASONS, clean
    >>> doc = clean(open("seeds/000_1dc8f56cb09fc03a.txt", encoding="utf-8").read())
    >>> doc.title
    'US now seeks global support against China’s rare earth curbs'
    >>> all(b.reason in REASONS for b in doc.blocks if not b.kept)
    True
"""

from __future__ import annotations

import importlib
import sys
import types
from importlib import metadata
from typing import TYPE_CHECKING, Any

#: Where each public name lives. They are imported on first use (PEP 562), not
#: here: `cleaner dedup` needs none of the extraction stack (trafilatura, lxml,
#: the language model), whose import is most of a second of start-up.
_HOMES = {
    "RunConfig": "cleaner.batch.config",
    "RunSummary": "cleaner.batch.run",
    "run": "cleaner.batch.run",
    "NoContentError": "cleaner.clean",
    "Deduper": "cleaner.dedup",
    "DedupItem": "cleaner.dedup",
    "Match": "cleaner.dedup",
    "Verdict": "cleaner.dedup",
    "DedupIndexError": "cleaner.dedup.store",
    "REASONS": "cleaner.document",
    "Block": "cleaner.document",
    "Document": "cleaner.document",
    "CleanerError": "cleaner.errors",
    "ExtractError": "cleaner.extract.parse",
    "PageLimitError": "cleaner.extract.parse",
    "ArgumentError": "cleaner.inputs.base",
    "InputError": "cleaner.inputs.base",
    "DecodeError": "cleaner.inputs.decode",
    "ProfileConfig": "cleaner.profile",
    "SiteProfile": "cleaner.profile",
    "ReportError": "cleaner.report",
    "PageTimeout": "cleaner.timelimit",
}

if TYPE_CHECKING:
    from cleaner.batch.config import RunConfig
    from cleaner.batch.run import RunSummary, run
    from cleaner.clean import NoContentError, clean
    from cleaner.dedup import Deduper, DedupItem, Match, Verdict
    from cleaner.dedup.store import DedupIndexError
    from cleaner.document import REASONS, Block, Document
    from cleaner.errors import CleanerError
    from cleaner.extract.parse import ExtractError, PageLimitError
    from cleaner.inputs.base import ArgumentError, InputError
    from cleaner.inputs.decode import DecodeError
    from cleaner.profile import ProfileConfig, SiteProfile
    from cleaner.report import ReportError
    from cleaner.timelimit import PageTimeout


def __getattr__(name: str) -> Any:
    """A public name, imported from its home the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'cleaner' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES) | {"clean"})


class _Package(types.ModuleType):
    """The package's module type: `cleaner.clean` is the function, as when the
    package imported it up front.

    The submodule of the same name would otherwise replace it: importing
    `cleaner.clean` (which any part of the package may do, now that nothing
    is imported up front) sets the package's attribute `clean` to the module.
    That one assignment is ignored; any other (a test's monkeypatch) holds.
    """

    @property
    def clean(self) -> Any:
        if "_clean" in self.__dict__:
            return self.__dict__["_clean"]
        from cleaner.clean import clean as function

        return function

    @clean.setter
    def clean(self, value: Any) -> None:
        if isinstance(value, types.ModuleType):  # the import system: it is in sys.modules
            return
        self.__dict__["_clean"] = value

    @clean.deleter
    def clean(self) -> None:
        self.__dict__.pop("_clean", None)


sys.modules[__name__].__class__ = _Package


#: The version when the package's metadata cannot be read (the source tree on
#: `sys.path` without `pip install`): a valid version that sorts below any release.
UNKNOWN_VERSION = "0+unknown"


def _version() -> str:
    """The installed distribution's version: one source of truth, pyproject.toml."""
    try:
        return metadata.version("cleaner")
    except metadata.PackageNotFoundError:
        return UNKNOWN_VERSION


__version__ = _version()

__all__ = [
    "REASONS",
    "ArgumentError",
    "Block",
    "CleanerError",
    "DecodeError",
    "DedupIndexError",
    "DedupItem",
    "Deduper",
    "Document",
    "ExtractError",
    "InputError",
    "Match",
    "NoContentError",
    "PageLimitError",
    "PageTimeout",
    "ProfileConfig",
    "ReportError",
    "RunConfig",
    "RunSummary",
    "SiteProfile",
    "Verdict",
    "__version__",
    "clean",
    "run",
]
