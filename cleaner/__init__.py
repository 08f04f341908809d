"""cleaner: extract the article from scraped page dumps, strip chrome, deduplicate.

Example:
    >>> from cleaner import clean, Deduper
    >>> doc = clean(open("seeds/000_1dc8f56cb09fc03a.txt", encoding="utf-8").read())
    >>> doc.title
    'US now seeks global support against China’s rare earth curbs'
"""

from cleaner.batch.config import RunConfig
from cleaner.batch.run import RunSummary, run
from cleaner.clean import clean
from cleaner.dedup import Deduper, DedupItem, Match, Verdict
from cleaner.document import REASONS, Block, Document

__all__ = [
    "REASONS",
    "Block",
    "Deduper",
    "DedupItem",
    "Document",
    "Match",
    "Verdict",
    "RunConfig",
    "RunSummary",
    "clean",
    "run",
]
