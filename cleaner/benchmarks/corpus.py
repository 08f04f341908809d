"""A seeded synthetic corpus with known near-duplicate families and hard negatives.

No real benchmark data: articles are built from a generated vocabulary of
pseudo-words drawn with a Zipf-like frequency (short words common, long words
rare), in sentences and paragraphs, so texts shingle like language. The corpus
mixes

- singletons: independent articles;
- families: an original and copies of it (a few per cent of words edited, a
  paragraph dropped or added, an "Updated: <date>" line, syndication chrome
  at the top or bottom); some copies are made from an earlier copy, as
  syndication chains are;
- hard negatives: different articles that share whole paragraphs (a press
  release quoted by several outlets), or one site's boilerplate block.

Every document records its family (one id per original and its copies; every
other document is a family of its own), its hard-negative group and how it
was made, so the benchmark can check the dedup against what was generated.
The same (size, seed) always gives the same corpus.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np

#: Shares of documents that are singletons and family members; the rest (15%)
#: are hard negatives. Chosen to look like a news crawl: most pages unique, a
#: quarter copied somewhere, and enough look-alikes to test precision.
SINGLE_SHARE = 0.60
FAMILY_SHARE = 0.25

#: Pseudo-words in the vocabulary and the exponent of their Zipf frequency.
#: A few thousand words with exponent ~1 resembles running text: the top word
#: takes about 10% of tokens, and two independent texts share a word 5-gram
#: with negligible chance (see `cleaner.benchmarks.quality`).
VOCAB_SIZE = 6000
ZIPF_EXPONENT = 1.05

#: Body words of an article, drawn uniformly.
MIN_WORDS, MAX_WORDS = 150, 800
#: Words per sentence and sentences per paragraph, drawn uniformly.
SENTENCE_WORDS = (6, 24)
PARAGRAPH_SENTENCES = (2, 6)
TITLE_WORDS = (4, 10)

#: Members per family (original included), drawn with weight 1/size, so small
#: families are common and large ones rare.
FAMILY_SIZES = (2, 20)
#: Articles per shared-paragraph group and per site-boilerplate group.
PARAGRAPH_GROUP_SIZES = (2, 8)
SITE_GROUP_SIZES = (3, 30)

#: Share of copies made with light edits only; those stay above a 0.8 Jaccard
#: similarity to the document they were copied from. Heavy copies straddle it.
LIGHT_COPY_SHARE = 0.7
#: Share of copies made from an earlier copy instead of the original.
COPY_OF_COPY_SHARE = 0.2
#: Share of words replaced by a light edit; share of words replaced, deleted or
#: inserted by a heavy one. Each changed word changes up to five 5-grams, so 1%
#: costs about 0.1 of Jaccard similarity and 2-5% brings a copy near or under 0.8.
LIGHT_EDIT_RATE = (0.003, 0.01)
HEAVY_EDIT_RATE = (0.02, 0.05)
#: Words in an added paragraph, and in a paragraph shared by a hard-negative group.
PARAGRAPH_WORDS = (40, 150)
SHARED_PARAGRAPH_WORDS = (40, 120)
#: Own words of a shared-paragraph article, at least this multiple of its shared
#: words: two members then score at most 1 / (1 + 2 * 0.6) = 0.45.
OWN_TO_SHARED = 0.6

_ONSETS = ("", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t",
           "v", "w", "z", "br", "cl", "dr", "st", "tr", "sh", "ch", "th", "gr", "pl")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "ou", "y")
_CODAS = ("", "", "", "n", "r", "s", "l", "t", "m", "nd", "st", "rk")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_PAPER_NAMES = ("Times", "Post", "Herald", "Courier", "Gazette", "Observer", "Daily")
_TOP_CHROME = ("{site} | Home | News | World | Business | Sport", "Syndicated from {site}")
_BOTTOM_CHROME = (
    "This article first appeared on {site} and is republished with permission.",
    "Share this article: Facebook Twitter LinkedIn Email",
    "\N{COPYRIGHT SIGN} {year} {site}. All rights reserved.",
)


@dataclass(frozen=True, slots=True)
class Doc:
    """One generated document and what the generator knows about it.

    family: id shared by an original and its copies (unique otherwise);
    group: hard-negative group id, or -1; kind: "single", "original",
    "light-copy", "heavy-copy", "shared-paragraph" or "site-boilerplate";
    ops: the edits that made a copy ("" otherwise); parent: corpus position
    of the document a copy was made from, or -1.
    """

    id: str
    text: str
    family: int
    group: int
    kind: str
    ops: str = ""
    parent: int = -1


@dataclass(slots=True)
class _Article:
    title: list[str]
    paragraphs: list[list[list[str]]]  # paragraphs of sentences of words
    top: list[str] = field(default_factory=list)  # rendered lines before the title
    after_title: list[str] = field(default_factory=list)
    bottom: list[str] = field(default_factory=list)

    def copy(self) -> _Article:
        return _Article(list(self.title), [[list(s) for s in p] for p in self.paragraphs],
                        list(self.top), list(self.after_title), list(self.bottom))

    def render(self) -> str:
        blocks = [*self.top, _sentence(self.title, stop=""), *self.after_title]
        blocks += [" ".join(_sentence(s) for s in p) for p in self.paragraphs]
        return "\n\n".join(blocks + self.bottom)


def _sentence(words: list[str], stop: str = ".") -> str:
    return (words[0].capitalize() + " " + " ".join(words[1:])).rstrip() + stop


def _sizes(rng: random.Random, total: int, lo: int, hi: int) -> tuple[list[int], int]:
    """Group sizes in [lo, hi] (weight 1/size) summing to total, and the leftover
    (< lo) that cannot form a group. Needs hi >= 2 * lo."""
    choices = range(lo, hi + 1)
    weights = [1 / s for s in choices]
    sizes, rest = [], total
    while rest >= lo:
        size = min(rng.choices(choices, weights)[0], rest)
        if 0 < rest - size < lo:  # the remainder could not make a group
            size = rest if rest <= hi else rest - lo
        sizes.append(size)
        rest -= size
    return sizes, rest


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.vocab = self._vocabulary()
        ranks = np.arange(1, len(self.vocab) + 1, dtype=np.float64)
        weights = ranks**-ZIPF_EXPONENT
        self.cdf = np.cumsum(weights / weights.sum())
        self.sites = [f"The {self.vocab[self.rng.randrange(200, 2000)].capitalize()} "
                      f"{self.rng.choice(_PAPER_NAMES)}" for _ in range(50)]

    def _vocabulary(self) -> list[str]:
        """Unique pseudo-words; shorter ones get the higher (more frequent) ranks."""
        words: set[str] = set()
        while len(words) < VOCAB_SIZE:
            syllables = self.rng.choices((1, 2, 3, 4), (3, 5, 3, 1))[0]
            words.add("".join(self.rng.choice(_ONSETS) + self.rng.choice(_VOWELS)
                              + self.rng.choice(_CODAS) for _ in range(syllables)))
        ordered = sorted(words)
        self.rng.shuffle(ordered)
        return sorted(ordered, key=len)  # stable: shuffled within a length

    def words(self, count: int) -> list[str]:
        idx = np.searchsorted(self.cdf, self.np.random(count), side="right")
        vocab = self.vocab
        return [vocab[i] for i in np.minimum(idx, len(vocab) - 1).tolist()]

    def paragraphs(self, count: int) -> list[list[list[str]]]:
        words, pos, out = self.words(count), 0, []
        while pos < count:
            paragraph = []
            for _ in range(self.rng.randint(*PARAGRAPH_SENTENCES)):
                if pos >= count:
                    break
                step = self.rng.randint(*SENTENCE_WORDS)
                paragraph.append(words[pos : pos + step])
                pos += step
            out.append(paragraph)
        return out

    def article(self, count: int | None = None) -> _Article:
        count = self.rng.randint(MIN_WORDS, MAX_WORDS) if count is None else count
        return _Article(self.words(self.rng.randint(*TITLE_WORDS)), self.paragraphs(count))

    # --- copy edits ---------------------------------------------------------------------

    def updated_line(self) -> str:
        rng = self.rng
        return (f"Updated: {rng.randint(1, 28)} {rng.choice(_MONTHS)} {rng.randint(2015, 2025)}"
                f", {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}")

    def chrome(self, top: bool) -> str:
        template = self.rng.choice(_TOP_CHROME if top else _BOTTOM_CHROME)
        return template.format(site=self.rng.choice(self.sites), year=self.rng.randint(2015, 2025))

    def edit(self, art: _Article, rate: float, indels: bool) -> None:
        """Change about rate of the body words: replace, or (indels) delete or insert."""
        sentences = [s for p in art.paragraphs for s in p]
        total = sum(map(len, sentences))
        places, start = [], 0
        for s in sentences:
            places.append(start)
            start += len(s)
        count = max(1, round(rate * total))
        for pos in sorted(self.rng.sample(range(total), min(count, total)), reverse=True):
            k = int(np.searchsorted(places, pos, side="right")) - 1
            sentence, at = sentences[k], pos - places[k]
            action = self.rng.choices(("replace", "delete", "insert"), (4, 1, 1))[0]
            if not indels or (action == "delete" and len(sentence) < 2):
                action = "replace"
            if action == "delete":
                del sentence[at]
            elif action == "insert":
                sentence.insert(at, self.words(1)[0])
            else:
                new = sentence[at]
                while new == sentence[at]:
                    new = self.words(1)[0]
                sentence[at] = new

    def light_copy(self, art: _Article) -> str:
        """A copy that stays close: one small change (see `LIGHT_COPY_SHARE`)."""
        op = self.rng.choice(("edit", "updated", "chrome", "updated+chrome"))
        if op == "edit":
            self.edit(art, self.rng.uniform(*LIGHT_EDIT_RATE), indels=False)
        if "updated" in op:
            art.after_title = [self.updated_line()]
        if op == "chrome":
            where = self.rng.choice(("top", "bottom", "both"))
            if where != "bottom":
                art.top = [self.chrome(top=True)]
            if where != "top":
                art.bottom = [self.chrome(top=False)]
        elif op == "updated+chrome":
            if self.rng.random() < 0.5:
                art.top = [self.chrome(top=True)]
            else:
                art.bottom = [self.chrome(top=False)]
        return op

    def heavy_copy(self, art: _Article) -> str:
        """A copy that may fall below 0.8: many edits, or a paragraph dropped or added."""
        op = self.rng.choice(("edit", "drop-paragraph", "add-paragraph"))
        words = sum(len(s) for p in art.paragraphs for s in p)
        drop = self.rng.randrange(len(art.paragraphs))
        added = self.paragraphs(self.rng.randint(*PARAGRAPH_WORDS))[0]
        # keep the body within MIN_WORDS..MAX_WORDS; edit instead when it would not be
        if op == "drop-paragraph" and words - sum(map(len, art.paragraphs[drop])) < MIN_WORDS:
            op = "edit"
        if op == "add-paragraph" and words + sum(map(len, added)) > MAX_WORDS:
            op = "edit"
        if op == "edit":
            self.edit(art, self.rng.uniform(*HEAVY_EDIT_RATE), indels=True)
        elif op == "drop-paragraph":
            del art.paragraphs[drop]
        else:
            art.paragraphs.insert(self.rng.randint(0, len(art.paragraphs)), added)
        if self.rng.random() < 0.5:
            op += "+" + self.light_copy_additions(art)
        return op

    def light_copy_additions(self, art: _Article) -> str:
        if self.rng.random() < 0.5:
            art.after_title = [self.updated_line()]
            return "updated"
        art.bottom = [self.chrome(top=False)]
        return "chrome"

    # --- groups -------------------------------------------------------------------------

    def family(self, size: int) -> list[tuple[str, str, str, int]]:
        """(text, kind, ops, parent index within the family) of an original and copies."""
        arts = [self.article()]
        out = [(arts[0].render(), "original", "", -1)]
        for _ in range(size - 1):
            parent = 0
            if len(arts) > 1 and self.rng.random() < COPY_OF_COPY_SHARE:
                parent = self.rng.randrange(1, len(arts))
            art = arts[parent].copy()
            if self.rng.random() < LIGHT_COPY_SHARE:
                kind, ops = "light-copy", self.light_copy(art)
            else:
                kind, ops = "heavy-copy", self.heavy_copy(art)
            arts.append(art)
            out.append((art.render(), kind, ops, parent))
        return out

    def shared_paragraph_group(self, size: int) -> list[str]:
        shared = [self.paragraphs(self.rng.randint(*SHARED_PARAGRAPH_WORDS))[0]
                  for _ in range(self.rng.randint(1, 3))]
        texts = []
        for _ in range(size):
            chosen = self.rng.sample(shared, self.rng.randint(1, len(shared)))
            shared_words = sum(len(s) for p in chosen for s in p)
            low = max(MIN_WORDS - shared_words, math.ceil(OWN_TO_SHARED * shared_words))
            art = self.article(self.rng.randint(low, max(low, MAX_WORDS - shared_words)))
            for paragraph in chosen:
                at = self.rng.randint(0, len(art.paragraphs))
                art.paragraphs.insert(at, [list(s) for s in paragraph])
            texts.append(art.render())
        return texts

    def site_group(self, size: int) -> list[str]:
        header = [" | ".join(w.capitalize() for w in self.words(self.rng.randint(3, 8)))
                  for _ in range(self.rng.randint(1, 2))]
        footer = [_sentence(self.words(self.rng.randint(5, 15)))
                  for _ in range(self.rng.randint(2, 4))]
        texts = []
        for _ in range(size):
            art = self.article()
            art.top, art.bottom = list(header), list(footer)
            texts.append(art.render())
        return texts


def generate(n_docs: int, seed: int = 0) -> list[Doc]:
    """A corpus of n_docs documents in shuffled order (see the module docstring).

    Raises:
        ValueError: If n_docs is less than 1.
    """
    if n_docs < 1:
        raise ValueError(f"n_docs must be at least 1, got {n_docs}")
    gen = _Generator(seed)
    n_family = round(n_docs * FAMILY_SHARE)
    n_hard = n_docs - round(n_docs * SINGLE_SHARE) - n_family
    family_sizes, spare = _sizes(gen.rng, n_family, *FAMILY_SIZES)
    paragraph_sizes, spare_p = _sizes(gen.rng, n_hard // 2, *PARAGRAPH_GROUP_SIZES)
    site_sizes, spare_s = _sizes(gen.rng, n_hard - n_hard // 2, *SITE_GROUP_SIZES)
    n_single = n_docs - n_family - n_hard + spare + spare_p + spare_s

    # rows: (text, family, group, kind, ops, parent as a row number)
    rows: list[tuple[str, int, int, str, str, int]] = []
    family = group = 0
    for _ in range(n_single):
        rows.append((gen.article().render(), family, -1, "single", "", -1))
        family += 1
    for size in family_sizes:
        first = len(rows)
        for text, kind, ops, parent in gen.family(size):
            rows.append((text, family, -1, kind, ops, first + parent if parent >= 0 else -1))
        family += 1
    for kind, sizes, make in (("shared-paragraph", paragraph_sizes, gen.shared_paragraph_group),
                              ("site-boilerplate", site_sizes, gen.site_group)):
        for size in sizes:
            for text in make(size):
                rows.append((text, family, group, kind, "", -1))
                family += 1
            group += 1

    order = list(range(len(rows)))
    gen.rng.shuffle(order)  # order[new position] = row
    position = {row: pos for pos, row in enumerate(order)}
    docs = []
    for pos, row in enumerate(order):
        text, fam, grp, kind, ops, parent = rows[row]
        docs.append(Doc(f"doc-{pos:07d}", text, fam, grp, kind, ops,
                        position[parent] if parent >= 0 else -1))
    return docs


__all__ = ["Doc", "generate"]
