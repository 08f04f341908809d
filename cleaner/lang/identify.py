"""Which language a page is written in, as an ISO 639-1 code with a confidence.

A pipeline filters records by language, so the record needs a standard code and
a way to tell a sure answer from a guess. The stop-word guess in
`lang.language` picks a list to measure prose density with; on a short line it
is often wrong ("The cat sat on the mat" reads as Danish) and it says nothing
about how sure it is. This module asks py3langid (langid.py's maintained fork:
a naive Bayes model over byte n-grams, 97 languages, BSD licence, no network)
for a probability per language, and combines it with what the page declares
(`<html lang>`, og:locale, Content-Language) as a prior: a declaration decides
when the text is too short to say, and loses to a long text that plainly reads
as another language (a site template that says `lang="en"` on every page,
German articles included).
"""

from __future__ import annotations

import importlib.metadata
import lzma
import os
import shutil
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

#: So many characters of the text are read; langid's answer is settled long before
#: (the readability pages that declare a language score the same from 2,000
#: characters as from all of them) and reading costs about 1 ms per 1,000.
SAMPLE_CHARS = 2000

#: The prior weight on the declared language. High, because a declaration is the
#: author's own statement and right on 478 of 480 wceb pages where langid could
#: check it; not 1, so a long text in another language still wins (langid gives
#: the declared language 1e-9 or less on such pages, far below 1 - this).
DECLARED_PRIOR = 0.9

#: Below this probability the answer is "unsure": code and confidence are None.
#: An even bet is not a language label a filter should act on; English prose of
#: one sentence already scores 0.99, JSON or a lone word under 0.2.
MIN_CONFIDENCE = 0.5

#: langid labels (ISO 639-3, for languages without a two-letter code of their own)
#: that belong to an ISO 639-1 macrolanguage; their probability is added to it.
MACROLANGUAGES = {"arz": "ar", "ary": "ar", "uzs": "uz", "wuu": "zh", "yue": "zh",
                  "gug": "gn", "sdh": "ku"}

#: Deprecated or alternative tags a page may still declare, as the codes langid uses.
DECLARED_ALIASES = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "nb": "no", "mo": "ro"}


@dataclass(frozen=True, slots=True)
class LanguageId:
    """An ISO 639-1 code and the probability behind it; both None when unsure."""

    code: str | None
    confidence: float | None


UNSURE = LanguageId(None, None)


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """langid's model, loaded once per process.

    The wheel ships it LZMA-packed, which takes about a second to unpack: more
    than a one-page `cleaner extract` spends on everything else. So the unpacked
    arrays (68 MB of plain npz, no pickles) are kept in the user's cache folder,
    keyed by py3langid's version, and read back in a fifth of that. A missing,
    stale or unreadable cache is rebuilt; a read-only home just pays the second.
    """
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    version = _version("py3langid")
    cache = cache_dir() / f"langid-model-{version}-v1.npz"
    try:
        return _from_npz(LanguageIdentifier, cache)
    except (OSError, ValueError, KeyError, EOFError):
        pass
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        with lzma.open(MODEL_DIR / MODEL_FILE) as packed, open(tmp, "wb") as out:
            shutil.copyfileobj(packed, out, length=1 << 20)
        os.replace(tmp, cache)
        return _from_npz(LanguageIdentifier, cache)
    except (OSError, ValueError, KeyError, EOFError, lzma.LZMAError):
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


#: py3langid's model arrays (its `modelio.load_model` layout).
_MODEL_KEYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")
#: stdlib array type codes by item size, as py3langid's DFA walk reads them.
_TYPECODES = {2: "H", 4: "I", 8: "L"}


def _as_array(values: np.ndarray) -> array:
    out = array(_TYPECODES[values.dtype.itemsize])
    out.frombytes(np.ascontiguousarray(values).tobytes())
    return out


def _from_npz(identifier: Any, path: Path) -> Any:
    """A LanguageIdentifier from the unpacked model (what `modelio.load_model` does,
    without the LZMA step); raises for a file that is not that model."""
    with np.load(path, allow_pickle=False) as data:
        if set(_MODEL_KEYS) - set(data.files):
            raise ValueError(f"{path} is not a langid model")
        return identifier(np.asarray(data["ptc"]), np.asarray(data["pc"]),
                          data["classes"].tolist(), _as_array(data["nextmove"]),
                          data["out_feat"].tolist(), norm_probs=True,
                          tk_row=_as_array(data["nextmove_row"]))


def cache_dir() -> Path:
    """Where cleaner keeps data it derives from its dependencies (XDG's cache folder)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cleaner"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "0"


def preload() -> None:
    """Load the model now (before forking workers, so they share it)."""
    _identifier()


def _declared_code(declared: str | None) -> str | None:
    """The primary subtag of a declared tag, as langid names it (`en-GB` -> `en`)."""
    if not declared:
        return None
    code = declared.strip().replace("_", "-").split("-")[0].lower()
    return DECLARED_ALIASES.get(code, code) or None


def identify(text: str, declared: str | None = None) -> LanguageId:
    """The language of `text`, weighed against the page's `declared` tag if any.

    Example:
        >>> identify("The cat sat on the mat and looked at the dog.").code
        'en'
        >>> identify('{"a": 1, "b": [2, 3]}')
        LanguageId(code=None, confidence=None)
        >>> identify("", declared="fr-CA").code
        'fr'
    """
    probs: dict[str, float] = {}
    for label, prob in _identifier().rank(text[:SAMPLE_CHARS]):
        label = MACROLANGUAGES.get(label, label)
        probs[label] = probs.get(label, 0.0) + prob
    prior = _declared_code(declared)
    if prior in probs:  # a tag the model does not know ("xx", "en-x-pig") is no evidence
        others = (1.0 - DECLARED_PRIOR) / max(len(probs) - 1, 1)
        weighted = {k: p * (DECLARED_PRIOR if k == prior else others) for k, p in probs.items()}
        total = sum(weighted.values()) or 1.0
        probs = {k: p / total for k, p in weighted.items()}
    code, prob = max(probs.items(), key=lambda kv: (kv[1], kv[0]))
    if prob < MIN_CONFIDENCE or len(code) != 2:
        return UNSURE  # a coin toss, or no two-letter code (zxx: no language at all)
    return LanguageId(code, round(prob, 3))
