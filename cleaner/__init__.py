"""cleaner: extract the article from scraped page dumps, strip chrome, deduplicate.

Example:
    >>> from cleaner import clean, Deduper
    >>> doc = clean(open("seeds/000_1dc8f56cb09fc03a.txt", encoding="utf-8").read())
    >>> doc.title
    'US now seeks global support against China’s rare earth curbs'
"""

from cleaner.dedup import Deduper, DedupResult, Match
from cleaner.document import REASONS, Block, Document
from cleaner.pipeline import RunConfig, RunSummary, clean, run

__all__ = [
    "REASONS",
    "Block",
    "Deduper",
    "DedupResult",
    "Document",
    "Match",
    "RunConfig",
    "RunSummary",
    "clean",
    "run",
]
