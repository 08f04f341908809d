"""The benchmark sets `cleaner eval` scores, read in place from ../shared/bench.

Every set has the same layout (bench README): `ground-truth.json`, `html/<id>.html.gz`
and `text/<id>.txt`. What differs is the ground truth's fields: every set has
`articleBody`; wceb also has `page_type`, `with` (snippets a good extraction
must contain) and `without` (snippets it must not); wceb and readability have
page metadata (META_FIELDS), scrapinghub none. Reports follow the fields a
set has, never its name (only the goals are per set), so a new set of the same shape needs
no code. This
module only finds and loads sets; it imports nothing else of the package.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TRUTH_FILE = "ground-truth.json"
#: The development sets `cleaner eval` scores when no `--set` is given, in report order
#: (the bench README's order: oldest and narrowest first).
DEFAULT_SETS = ("scrapinghub", "readability", "wceb")
#: The ground truth's metadata fields `cleaner eval` scores, in report order (wceb has
#: title, author and date; readability all six). A set has the ones it gives a value.
META_FIELDS = ("title", "author", "sitename", "date", "description", "lang")


class SetError(ValueError):
    """A set folder or set name that cannot be used; the message says what was expected."""


def bench_root() -> Path:
    """The bench folder next to the repo (../shared/bench), read in place, never copied.

    This file is <repo>/cleaner/eval/sets.py, so the repo is three folders up.
    """
    return Path(__file__).resolve().parents[3] / "shared" / "bench"


def default_bench() -> Path:
    """The ScrapingHub set (kept for the scale benchmark, which builds its pages from it)."""
    return bench_root() / "scrapinghub"


def is_set(folder: Path) -> bool:
    """A set folder is one with a ground-truth file; html/ and text/ are looked up per page."""
    return (folder / TRUTH_FILE).is_file()


@dataclass(frozen=True, slots=True)
class BenchPage:
    """One page: where its inputs are and what its body should be.

    `text_path` is None when the set has no text dump for the page (a few wceb
    pages render to no text): the text systems skip such a page rather than
    scoring a missing input as an extraction failure. `meta` is the truth's
    non-empty metadata as (field, value) pairs in META_FIELDS order (pairs, not
    a dict, so the page stays hashable); `truth_meta` reads it as a dict.
    """

    set: str
    id: str
    url: str
    truth: str
    html_path: Path
    text_path: Path | None
    page_type: str | None = None
    with_snippets: tuple[str, ...] = ()
    without_snippets: tuple[str, ...] = ()
    meta: tuple[tuple[str, str], ...] = ()

    @property
    def truth_meta(self) -> dict[str, str]:
        """{field: value} of the truth's non-empty metadata."""
        return dict(self.meta)


@dataclass(frozen=True, slots=True)
class BenchSet:
    """A set's pages in sorted id order, and whether its truth has wceb's extra fields."""

    name: str
    path: Path
    pages: tuple[BenchPage, ...]
    has_types: bool
    has_snippets: bool
    #: The META_FIELDS some page's truth gives a value (none: no metadata to score).
    meta_fields: tuple[str, ...] = ()

    @property
    def missing_text(self) -> int:
        """Pages with no text dump (skipped by the text systems)."""
        return sum(p.text_path is None for p in self.pages)


def _snippets(entry: dict, key: str, page_id: str) -> tuple[str, ...]:
    value = entry.get(key) or []
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise SetError(f"page {page_id!r}: {key!r} must be a list of strings")
    return tuple(value)


def _meta(entry: dict, page_id: str) -> tuple[tuple[str, str], ...]:
    """The truth's non-empty metadata fields; a list of strings (several authors) is
    joined by commas, anything else but a string or null is an error."""
    found = []
    for key in META_FIELDS:
        value = entry.get(key)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = ", ".join(v for v in value if v.strip())
        if value is not None and not isinstance(value, str):
            raise SetError(f"page {page_id!r}: {key!r} must be a string, a list of strings "
                           "or null")
        if value and value.strip():
            found.append((key, value))
    return tuple(found)


def load_set(folder: Path, limit: int | None = None) -> BenchSet:
    """Load one set folder, named after it; `limit` keeps the first pages by sorted id,
    so it always picks the same ones."""
    if not is_set(folder):
        raise SetError(f"{str(folder)!r} is not a benchmark folder (no {TRUTH_FILE})")
    truth = json.loads((folder / TRUTH_FILE).read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if limit is not None else sorted(truth)
    pages = []
    for page_id in ids:
        entry = truth[page_id]
        text_path = folder / "text" / f"{page_id}.txt"
        pages.append(BenchPage(
            set=folder.name,
            id=page_id,
            url=entry.get("url") or "",
            truth=entry.get("articleBody") or "",
            html_path=folder / "html" / f"{page_id}.html.gz",
            text_path=text_path if text_path.is_file() else None,
            page_type=entry.get("page_type"),
            with_snippets=_snippets(entry, "with", page_id),
            without_snippets=_snippets(entry, "without", page_id),
            meta=_meta(entry, page_id),
        ))
    entries = [truth[i] for i in ids]
    return BenchSet(
        name=folder.name,
        path=folder,
        pages=tuple(pages),
        has_types=any("page_type" in e for e in entries),
        has_snippets=any("with" in e or "without" in e for e in entries),
        meta_fields=tuple(f for f in META_FIELDS if any(f == k for p in pages for k, _ in p.meta)),
    )


def available_sets(root: Path) -> list[str]:
    """Set folders under `root`: the default sets first in their order, then any other."""
    found = sorted(p.name for p in root.iterdir() if p.is_dir() and is_set(p)) \
        if root.is_dir() else []
    return [n for n in DEFAULT_SETS if n in found] + [n for n in found if n not in DEFAULT_SETS]


def parse_set_names(values: Sequence[str]) -> list[str]:
    """`--set a --set b,c` -> [a, b, c], duplicates dropped, order kept."""
    names: list[str] = []
    for value in values:
        for name in value.split(","):
            name = name.strip()
            if name and name not in names:
                names.append(name)
    return names


def select_sets(bench: Path | None, names: Sequence[str], limit: int | None = None
                ) -> list[BenchSet]:
    """The sets to score.

    `bench` is a set folder (the old `--bench`, backwards compatible: that one
    set) or a folder of sets (default: ../shared/bench); `names` picks among the
    sets of a folder of sets, none meaning every set found there.

    Raises:
        SetError: no set at `bench`, an unknown name, or names with a single set folder.
    """
    root = bench if bench is not None else bench_root()
    if is_set(root):
        if names and list(names) != [root.name]:
            raise SetError(f"{str(root)!r} is a single set ({root.name}); "
                           "--set picks among the sets of a folder of sets")
        return [load_set(root, limit)]
    known = available_sets(root)
    if not known:
        raise SetError(f"{str(root)!r} is not a benchmark folder (no {TRUTH_FILE}, "
                       "and no set folder inside)")
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SetError(f"unknown set(s) {', '.join(unknown)}; found in {root}: "
                       f"{', '.join(known)}")
    return [load_set(root / n, limit) for n in (names or known)]


def read_html(page: BenchPage) -> bytes:
    """The page's bytes as fetched (gunzipped; not timed by the runners)."""
    with gzip.open(page.html_path, "rb") as handle:
        return handle.read()


def read_text(page: BenchPage) -> str:
    """The page's text dump; the runners never call this for a page without one."""
    if page.text_path is None:
        raise FileNotFoundError(f"{page.id}: no text dump")
    return page.text_path.read_text(encoding="utf-8")
