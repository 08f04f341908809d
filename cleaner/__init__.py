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

from importlib import metadata

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
