"""Site profile: lines a site repeats on most of its pages are chrome.

Across a batch, pages are grouped by site (the URL's host, or the folder when
there is no URL). A kept block whose text recurs on at least `min_share` of a
group's pages (and on `min_pages` of them) is its template, not its story:
promo boxes, disclaimers, footers that slipped through the page-level rules.

Guard: when the repeats would take most of a page's text, the pages are copies
of one story (syndication), not a template; such a page is left alone and
deduplication deals with it.

A batch learns the profile with a `ProfileLearner` and applies it with
`repeats_to_remove` and `remove_repeats`; a caller cleaning one page at a time
(a crawler) does both with a `SiteProfile`.
"""

from __future__ import annotations

import copy
import math
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from cleaner.document import Document


@dataclass(frozen=True, slots=True)
class ProfileConfig:
    """Thresholds for calling a line part of a site's template.

    Example:
        >>> from cleaner import ProfileConfig, SiteProfile
        >>> strict = SiteProfile(ProfileConfig(min_pages=5, min_share=0.8))
        >>> ProfileConfig(min_pages=1)
        Traceback (most recent call last):
        ...
        ValueError: min_pages must be at least 2
    """

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

    def pages(self, site: str) -> int:
        """How many pages of `site` have been counted (at most `MAX_LEARN_PAGES`)."""
        return self._pages.get(site, 0)

    def repeated(self, site: str) -> set[str]:
        """The repeated line keys of one site (empty until it has enough pages)."""
        pages = self.pages(site)
        if pages < self.config.min_pages:
            return set()
        need = max(self.config.min_pages, math.ceil(self.config.min_share * pages))
        return {line for line, n in self._counts[site].items() if n >= need and line}

    def profile(self) -> dict[str, set[str]]:
        """For each site with enough pages, the set of its repeated line keys."""
        out: dict[str, set[str]] = {}
        for site in self._pages:
            repeated = self.repeated(site)
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


def repeats_to_remove(site: str, texts: Sequence[str], profile: Mapping[str, AbstractSet[str]],
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


class SiteProfile:
    """The site profile for a caller that cleans one page at a time (a crawler):
    `learn` each cleaned page of a site, then `apply` the profile to a page (or
    pass it to `clean(raw, profile=...)`) to remove the lines the site repeats
    on most of its pages, with reason "site-repeat".

    Learnt from all of a batch's pages first and then applied to each, it
    removes what `cleaner.run` removes from them (the same `ProfileLearner`,
    `repeats_to_remove` and `remove_repeats`); learnt as pages come, a page
    gets what its site's pages so far say. Pages are grouped by `site_key`
    (the URL's host, else `source`'s folder): one profile serves many sites,
    and pages with neither URL nor source are one site together. Learning
    counts a page's body as cleaned, whether or not a profile was applied to
    it already, so `learn(clean(raw, profile=p))` never drifts; a page with no
    text, or whose id was learnt before (a page fetched again), is not counted.
    Safe to share between threads; picklable, to keep between runs.

    Example:
        >>> from cleaner import SiteProfile, clean
        >>> footer = "The Harbour Gazette is printed on recycled paper at the Dockside works."
        >>> def page(river: str) -> str:
        ...     return (f"The {river} flood of this spring\\n"
        ...             f"Water in the {river} rose by two metres overnight, and the "
        ...             "farms along its banks were cut off by noon.\\n"
        ...             f"Families near the {river} were moved to the school hall while "
        ...             "the council counted the damage to the roads.\\n" + footer)
        >>> profile = SiteProfile()
        >>> for n, river in enumerate(["Tamar", "Exe", "Dart", "Fal", "Fowey"]):
        ...     _ = profile.learn(clean(page(river), url=f"https://gazette.example/{n}"))
        >>> doc = clean(page("Camel"), url="https://gazette.example/5", profile=profile)
        >>> footer in doc.text, doc.removed[-1]["reason"]
        (False, 'site-repeat')
    """

    def __init__(self, config: ProfileConfig = ProfileConfig()) -> None:
        self.config = config
        self._learner = ProfileLearner(config)
        #: per site still learning, the ids of its pages counted (a page learnt
        #: twice would count its lines twice); dropped once the site is full
        self._learnt: dict[str, set[str]] = {}
        #: per site, its repeated keys as last worked out (until it learns again)
        self._repeats: dict[str, frozenset[str]] = {}
        self._lock = threading.Lock()

    def learn(self, doc: Document) -> bool:
        """Count one cleaned page of its site; False when it is not counted (no text,
        already counted, or its site already has `MAX_LEARN_PAGES` pages)."""
        texts = [b.text for b in doc.blocks if b.in_body or b.reason == "site-repeat"]
        if not any(text.strip() for text in texts):  # a batch records such a page as an error
            return False
        site = site_key(doc)
        with self._lock:
            if self._learner.pages(site) >= MAX_LEARN_PAGES:
                return False
            learnt = self._learnt.setdefault(site, set())
            if doc.id in learnt:
                return False
            self._learner.add_keys(site, [line_key(text) for text in texts])
            learnt.add(doc.id)
            if self._learner.pages(site) >= MAX_LEARN_PAGES:
                del self._learnt[site]
            self._repeats.pop(site, None)
        return True

    def repeats(self, site: str) -> frozenset[str]:
        """The `line_key`s the profile removes from `site`'s pages (`site_key`)."""
        with self._lock:
            found = self._repeats.get(site)
            if found is None:  # worked out once per site per change: O(its lines)
                found = self._repeats[site] = frozenset(self._learner.repeated(site))
            return found

    def apply(self, doc: Document) -> int:
        """Remove the page's site repeats (reason "site-repeat"), unless they would
        take most of its text (`ProfileConfig.max_removed_share`: copies of one
        story, which dedup deals with); returns how many blocks it removed."""
        site = site_key(doc)
        repeated = self.repeats(site)
        if not repeated:
            return 0
        texts = [b.text for b in doc.body_blocks()]
        hits = repeats_to_remove(site, texts, {site: repeated}, self.config)
        remove_repeats(doc, hits)
        return len(hits)

    def __getstate__(self) -> dict[str, Any]:
        """What pickles: everything but the lock (a new one is made on loading)."""
        with self._lock:  # a copy: the pickling itself happens after the lock is let go
            return {"config": self.config, "learner": copy.deepcopy(self._learner),
                    "learnt": copy.deepcopy(self._learnt)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.config = state["config"]
        self._learner = state["learner"]
        self._learnt = state["learnt"]
        self._repeats = {}
        self._lock = threading.Lock()
