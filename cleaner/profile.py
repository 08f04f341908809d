"""Site profile: lines a site repeats on most of its pages are chrome.

Across a batch, pages are grouped by site (the URL's host, or the folder when
there is no URL). A kept block whose text recurs on at least `min_share` of a
group's pages (and on `min_pages` of them) is its template, not its story:
promo boxes, disclaimers, footers that slipped through the page-level rules.

Guard: when the repeats would take most of a page's text, the pages are copies
of one story (syndication), not a template; such a page is left alone and
deduplication deals with it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import urlsplit

from cleaner.document import Document


@dataclass(frozen=True, slots=True)
class ProfileConfig:
    """Thresholds for calling a line part of a site's template."""

    #: A site needs this many pages before anything is learnt from it: with two
    #: pages, a shared line is as likely a quoted sentence as a template.
    min_pages: int = 3
    #: Share of the site's pages a line must appear on.
    min_share: float = 0.5
    #: Never remove more than this share of a page's kept characters as repeats.
    max_removed_share: float = 0.5

    def __post_init__(self) -> None:
        """Refuse thresholds that make no sense: a template learnt from one page, or a
        share outside (0, 1]."""
        if self.min_pages < 2:
            raise ValueError("min_pages must be at least 2")
        if not 0 < self.min_share <= 1 or not 0 < self.max_removed_share <= 1:
            raise ValueError("min_share and max_removed_share must be in (0, 1]")


def line_key(text: str) -> str:
    """How a line is compared across a site's pages: spacing and case folded, so a
    template line re-flowed or re-cased by the page's markup is still one line."""
    return " ".join(text.split()).casefold()


def site_key(doc: Document) -> str:
    """The site a document belongs to: the host of its URL (the caller's, else the
    one the page gives itself), else its folder."""
    url = doc.url or doc.canonical_url
    if url:
        host = urlsplit(url).hostname or ""
        if host:
            return host.removeprefix("www.")
    if doc.source:
        return "folder:" + str(PurePath(doc.source).parent)
    return ""


#: A site's template is learnt from its first this many pages (input order): a
#: line on most of a site's pages is on most of any thousand of them, and the
#: counts of a huge batch stay bounded.
MAX_LEARN_PAGES = 1000


class ProfileLearner:
    """Learns site profiles one document at a time, in input order: a batch run
    streams its pages through it and asks for the `profile` once they are all in."""

    def __init__(self, config: ProfileConfig = ProfileConfig()) -> None:
        self.config = config
        self._pages: Counter[str] = Counter()
        self._counts: dict[str, Counter[str]] = {}

    def add_keys(self, site: str, keys: Iterable[str]) -> None:
        """Count one page of `site` by its body lines' keys (a page's repeated line
        counts once); past `MAX_LEARN_PAGES` pages a site's counts stay as they are."""
        if self._pages[site] >= MAX_LEARN_PAGES:
            return
        self._pages[site] += 1
        self._counts.setdefault(site, Counter()).update(set(keys))

    def profile(self) -> dict[str, set[str]]:
        """For each site with enough pages, the set of its repeated line keys."""
        out: dict[str, set[str]] = {}
        for site, pages in self._pages.items():
            if pages < self.config.min_pages:
                continue
            need = max(self.config.min_pages, math.ceil(self.config.min_share * pages))
            repeated = {line for line, n in self._counts[site].items() if n >= need and line}
            if repeated:
                out[site] = repeated
        return out


def body_keys(doc: Document) -> list[str]:
    """The `line_key` of each body block of a page (`Document.body_blocks`)."""
    return [line_key(b.text) for b in doc.body_blocks()]


#: What a reduction carries: per site, (input position, line keys) of its
#: first `MAX_LEARN_PAGES` pages. Merging keeps the smallest positions, so the
#: result is the sequential learner's, whatever order the parts are merged in.
Sample = dict[str, list[tuple[int, frozenset[str]]]]


def sample_pages(pages: Iterable[tuple[int, str, Iterable[str]]]) -> Sample:
    """The sample of some pages, given as (input position, `site_key`, body line keys)."""
    out: Sample = {}
    for position, site, keys in pages:
        out.setdefault(site, []).append((position, frozenset(keys)))
    return merge_samples(out)


def merge_samples(*samples: Sample) -> Sample:
    """Several samples as one (an associative, commutative reduction)."""
    out: dict[str, list[tuple[int, frozenset[str]]]] = {}
    for sample in samples:
        for site, pages in sample.items():
            out.setdefault(site, []).extend(pages)
    return {site: sorted(pages, key=lambda page: page[0])[:MAX_LEARN_PAGES]
            for site, pages in out.items()}


def profile_of_sample(sample: Sample,
                      config: ProfileConfig = ProfileConfig()) -> dict[str, set[str]]:
    """The profile a sample gives: the same as a `ProfileLearner` fed the pages in order."""
    learner = ProfileLearner(config)
    for site, pages in sample.items():
        for _, keys in pages:
            learner.add_keys(site, keys)
    return learner.profile()


def repeats_to_remove(site: str, texts: Sequence[str], profile: dict[str, set[str]],
                      config: ProfileConfig = ProfileConfig(),
                      keys: Sequence[str] | None = None) -> list[int]:
    """Which of a page's body texts (positions in `texts`) are its site's repeats,
    to be removed; `keys`, their `line_key`s, when the caller has them already.

    Empty when removing them would take more than `max_removed_share` of the
    page's characters: then the pages are copies of one story, not a template.
    """
    repeated = profile.get(site)
    if not repeated:
        return []
    if keys is None:
        keys = [line_key(text) for text in texts]
    hits = [i for i, key in enumerate(keys) if key in repeated]
    total = sum(len(t) for t in texts)
    if not hits or sum(len(texts[i]) for i in hits) > config.max_removed_share * total:
        return []
    return hits


def remove_repeats(doc: Document, hits: Sequence[int]) -> list[str]:
    """Mark the body blocks at these positions (`repeats_to_remove`) as site repeats;
    returns the body texts left (`without_repeats` of the body's texts).

    The batch run decides `hits` once, from the spooled body texts, and applies
    them twice: to the texts dedup compares (`without_repeats`) and, for the
    written record, to the page itself (here): both keep the same blocks.
    """
    body = doc.body_blocks()
    for i in hits:
        body[i].remove("site-repeat")
    return without_repeats([b.text for b in body], hits)


def without_repeats(texts: Sequence[str], hits: Sequence[int]) -> list[str]:
    """The body texts without those at `hits` (`repeats_to_remove`), in order."""
    gone = set(hits)
    return [text for i, text in enumerate(texts) if i not in gone]
