"""Language guess and stop-word density, without the user naming a language.

The stop-word lists are jusText's (about 100 languages; trafilatura already
depends on jusText). The guess is the list that covers most of the page's
words; Japanese and Chinese pages (`scripts.mostly_cjk`), written without word
spaces, use a small particle list instead.
"""

from __future__ import annotations

import os
import pickle
import re
from dataclasses import dataclass
from functools import lru_cache

from cleaner.lang import identify
from cleaner.lang.scripts import CJK, KANA, mostly_cjk
from cleaner.strip.patterns import CJK_PARTICLES

_WORD = re.compile(r"\w+")

#: How many words of the page the guess looks at; enough for a stable guess,
#: small enough to cost nothing on long pages.
SAMPLE_WORDS = 1500


@lru_cache(maxsize=1)
def _stoplists() -> tuple[tuple[str, ...], tuple[frozenset[str], ...], dict[str, tuple[int, ...]]]:
    """jusText's lists and a word -> languages index, loaded once per process.

    Building the index from jusText's hundred files takes about half a second,
    so the result is kept in a cache file (keyed by jusText's version) and
    read back in a tenth of that. Static data, so the cache cannot make results
    depend on what ran before; a missing or unreadable cache is rebuilt.
    """
    import justext  # deferred: importing it costs ~0.2 s, paid only on first use

    version = getattr(justext, "__version__", "0")
    cache = identify.cache_dir() / f"stoplists-justext-{version}-v1.pickle"
    try:
        with open(cache, "rb") as handle:
            data = pickle.load(handle)
        if isinstance(data, tuple) and len(data) == 3:
            return data
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        pass
    names = tuple(sorted(justext.get_stoplists()))
    lists = tuple(frozenset(w.casefold() for w in justext.get_stoplist(n)) for n in names)
    index: dict[str, list[int]] = {}
    for i, words in enumerate(lists):
        for word in words:
            index.setdefault(word, []).append(i)
    data = (names, lists, {w: tuple(ix) for w, ix in index.items()})
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only home: rebuild next time, nothing lost
    return data


def preload() -> None:
    """Load the stop-word lists and the language model now (before forking workers,
    so they share them)."""
    _stoplists()
    identify.preload()


@dataclass(frozen=True, slots=True)
class Language:
    """The guessed language and how to measure stop-word density in it."""

    name: str
    stopwords: frozenset[str]
    unspaced: bool = False

    def density(self, text: str) -> float:
        """Share of stop words among words (of particle characters, if unspaced)."""
        if self.unspaced:
            chars = CJK.findall(text)
            if not chars:
                return 0.0
            return sum(c in self.stopwords for c in chars) / len(chars)
        words = _WORD.findall(text.casefold())
        if not words:
            return 0.0
        return sum(w in self.stopwords for w in words) / len(words)


def guess(text: str) -> Language:
    """Guess the page's language from the stop-word list that covers most words."""
    if mostly_cjk(text):
        name = "Japanese" if KANA.search(text) else "Chinese"
        return Language(name, CJK_PARTICLES[name], unspaced=True)
    words = _WORD.findall(text.casefold())[:SAMPLE_WORDS]
    names, lists, index = _stoplists()
    hits = [0] * len(names)
    for word in words:
        for i in index.get(word, ()):
            hits[i] += 1
    english = names.index("English")
    # ties (and pages with no stop words at all) go to English, then to name order
    best = max(range(len(names)), key=lambda i: (hits[i], i == english, -i))
    return Language(names[best], lists[best])


def count_words(text: str) -> int:
    """Words in a line; in unspaced scripts two characters count as one word."""
    cjk = len(CJK.findall(text))
    if not cjk:
        return len(_WORD.findall(text))
    latin = len(_WORD.findall(CJK.sub(" ", text)))
    return latin + (cjk + 1) // 2


#: Minimum stop-word share for prose. jusText's English threshold is 0.30 on its
#: own (larger) lists; 0.2 keeps prose in languages with short lists too.
MIN_DENSITY = 0.2


#: Minimum particle share for unspaced (CJK) prose. Formal Chinese news uses few
#: of the particles the list holds: paragraphs measured 0.07 to 0.15 (0.1 lost
#: the first paragraph of a plain two-paragraph story), Japanese prose 0.25 and
#: up. Menus and headlines stay out on length and sentence endings, not on this.
MIN_DENSITY_UNSPACED = 0.05


def min_density(lang: Language) -> float:
    """The stop-word (or, unspaced, particle) density prose needs in this language."""
    return MIN_DENSITY_UNSPACED if lang.unspaced else MIN_DENSITY
