"""The content model: the tree classifier, `decide`'s rules, deterministic training, the
shipped model on three invented pages (fixtures/pages: a forum thread, a documentation
page, a product page, each as HTML and as a text dump), and that nothing under cleaner/
names a benchmark site or page."""

from __future__ import annotations

import collections
import functools
import gzip
import json
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from conftest import FIXTURES, ROOT

from cleaner import model
from cleaner.clean import clean
from cleaner.document import REASONS, Block
from cleaner.eval.score import score_page
from cleaner.model import fitting, train, trees
from cleaner.model.features import HTML_NAMES, TEXT_NAMES

PAGES = FIXTURES / "pages"
PAGE_NAMES = ("forum", "docs", "product")
KINDS = ("html", "text")
#: Page F1 (the benchmark's shingle metric) the shipped model must reach on each fixture.
MIN_F1 = 0.8
BENCH_ROOT = ROOT.parent / "shared" / "bench"


# --- trees ----------------------------------------------------------------------------


def _separable(seed: int, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Two classes a gap apart on feature 0 plus a weaker signal on feature 1; two noise
    features."""
    rng = np.random.RandomState(seed)
    y = (rng.rand(n) < 0.4).astype(float)
    X = rng.normal(size=(n, 4))
    X[:, 0] = np.where(y == 1, rng.uniform(1.0, 3.0, n), rng.uniform(-3.0, -1.0, n))
    X[:, 1] += 0.5 * (2 * y - 1)
    return X, y


NAMES4 = ("gap", "weak", "noise_a", "noise_b")


def _fit(X: np.ndarray, y: np.ndarray) -> trees.Trees:
    return fitting.fit(X, y, np.ones(len(y)), NAMES4, trees=25, depth=3, rate=0.3)


def test_trees_separate_separable_classes() -> None:
    X, y = _separable(0)
    fitted = _fit(X, y)
    p = fitted.predict(X)
    assert p[y == 1].min() > 0.5 > p[y == 0].max()
    # and on fresh rows from the same distribution (not only the rows it saw)
    X2, y2 = _separable(1)
    p2 = fitted.predict(X2)
    assert p2[y2 == 1].min() > 0.5 > p2[y2 == 0].max()
    # the split that matters is on the separating feature
    assert fitted.feature[0, 0] == NAMES4.index("gap")


def test_trees_json_round_trip() -> None:
    X, y = _separable(2)
    fitted = _fit(X, y)
    text = fitted.to_json()
    loaded = trees.Trees.from_json(text)
    assert loaded.names == NAMES4 and loaded.depth == fitted.depth
    # the loaded model decides exactly as the fitted one (floats are written as their
    # shortest exact repr), and writing it again changes nothing
    assert np.array_equal(loaded.decision(X), fitted.decision(X))
    X2, _ = _separable(5)
    assert np.array_equal(loaded.decision(X2), fitted.decision(X2))
    assert loaded.to_json() == text


def test_trees_fit_is_deterministic() -> None:
    X, y = _separable(3)
    first, second = _fit(X, y).to_json(), _fit(X.copy(), y.copy()).to_json()
    assert first == second
    doc = json.loads(first)
    # boosting may stop early once the classes are split, never go past the trees asked for
    assert 1 <= len(doc["trees"]) <= 25
    assert any(f >= 0 for t in doc["trees"] for f in t["feature"])


def test_trees_empty_input_scores_nothing() -> None:
    X, y = _separable(4)
    assert _fit(X, y).decision(np.zeros((0, 4))).shape == (0,)


# --- decide ---------------------------------------------------------------------------


def test_decide_never_changes_the_title() -> None:
    title = Block("Glaze crawling on the rim", "title")
    model.decide([title], [False], np.array([0.01]))
    assert (title.kept, title.reason, title.score) == (True, None, None)


def test_decide_keeps_a_named_removal() -> None:
    block = Block("Share this post:", "line", kept=False, reason="share-widget")
    model.decide([block], [True], np.array([0.99]))
    assert not block.kept and block.reason == "share-widget"


def test_decide_removes_a_low_scored_kept_block() -> None:
    block = Block("Thread starter tidepool_clay", "paragraph")
    model.decide([block], [False], np.array([model.DROP_BELOW - 0.1]))
    assert not block.kept and block.reason == "low-content-score"
    assert block.score == pytest.approx(model.DROP_BELOW - 0.1)


def test_decide_takes_back_a_high_scored_outside_block() -> None:
    block = Block("The flysheet comes down close to the ground.", "paragraph", kept=False,
                  reason="outside-main-content")
    model.decide([block], [False], np.array([0.9]))
    assert block.kept and block.reason is None and block.score == pytest.approx(0.9)


def test_decide_page_of_mixed_blocks() -> None:
    assert 0.0 < model.DROP_BELOW <= model.TAKE_FROM < 1.0
    between = (model.DROP_BELOW + model.TAKE_FROM) / 2
    blocks = [
        Block("A title", "title"),
        Block("Kept and scored high", "paragraph"),
        Block("Kept and scored at the drop line", "paragraph"),
        Block("Kept and scored under it", "paragraph"),
        Block("We use cookies", "line", kept=False, reason="cookie-notice"),
        Block("Outside, scored between the lines", "paragraph", kept=False,
              reason="outside-main-content"),
        Block("Outside, scored at the take line", "paragraph", kept=False,
              reason="outside-main-content"),
        Block("Related, named by its rule", "line", kept=False, reason="related-list"),
    ]
    named = [False, False, False, False, False, False, False, True]
    probs = np.array([0.0, 0.9, model.DROP_BELOW, model.DROP_BELOW / 2, 0.95, between,
                      model.TAKE_FROM, 0.95])
    model.decide(blocks, named, probs)
    assert [b.kept for b in blocks] == [True, True, True, False, False, False, True, False]
    assert [b.reason for b in blocks] == [None, None, None, "low-content-score",
                                          "cookie-notice", "outside-main-content", None,
                                          "related-list"]
    assert blocks[0].score is None
    assert [b.score for b in blocks[1:]] == pytest.approx(list(probs[1:]))
    # a reason the model may not overrule stays even unnamed; a named one stays even
    # when its reason is one the model may overrule
    assert "cookie-notice" not in model.OVERRULABLE
    assert {"outside-main-content", "related-list"} <= model.OVERRULABLE


def test_decide_without_a_model_changes_nothing() -> None:
    block = Block("Kept", "paragraph")
    model.decide([block], [False], None)
    assert (block.kept, block.reason, block.score) == (True, None, None)


# --- training -------------------------------------------------------------------------


def _fixture(name: str) -> dict:
    return json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))


def _bench(folder: Path) -> Path:
    """A one-set benchmark folder built from the three fixture pages."""
    (folder / "html").mkdir(parents=True)
    (folder / "text").mkdir()
    truth = {}
    for name in PAGE_NAMES:
        meta = _fixture(name)
        truth[name] = {"articleBody": meta["articleBody"], "url": meta["url"],
                       "page_type": meta["page_type"]}
        (folder / "html" / f"{name}.html.gz").write_bytes(
            gzip.compress((PAGES / f"{name}.html").read_bytes(), mtime=0))
        shutil.copy(PAGES / f"{name}.txt", folder / "text" / f"{name}.txt")
    (folder / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return folder


def test_training_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bench = _bench(tmp_path / "pages")
    outs = [tmp_path / "out1", tmp_path / "out2"]
    for out in outs:
        out.mkdir()
        assert train.main(["--bench", str(bench), "--out", str(out), "--jobs", "1",
                           "--no-check", "--kind", "both"]) == 0
    printed = capsys.readouterr().out
    assert "html: 3 pages" in printed and "text: 3 pages" in printed
    for kind, names in (("html", HTML_NAMES), ("text", TEXT_NAMES)):
        file = model.MODEL_FILES[kind]
        first, second = (outs[0] / file).read_bytes(), (outs[1] / file).read_bytes()
        assert first == second, f"{file} differs between two trainings on the same pages"
        doc = json.loads(first)
        assert tuple(doc["names"]) == names
        assert 1 <= len(doc["trees"]) <= train.TREES
        assert any(f >= 0 for t in doc["trees"] for f in t["feature"]), "no tree has a split"
        loaded = trees.Trees.from_json(first.decode("utf-8"))
        assert loaded.feature.shape[0] == len(doc["trees"])


# --- the shipped model on the fixture pages --------------------------------------------


def _squash(text: str) -> str:
    return " ".join(text.split())


@functools.cache
def _cleaned(name: str, kind: str):
    meta = _fixture(name)
    if kind == "html":
        return clean((PAGES / f"{name}.html").read_bytes(), kind="html", url=meta["url"])
    return clean((PAGES / f"{name}.txt").read_text(encoding="utf-8"), kind="text")


@pytest.mark.parametrize("kind", KINDS)
def test_the_model_is_shipped(kind: str) -> None:
    assert model.load(kind) is not None, f"cleaner/model/{model.MODEL_FILES[kind]} is missing"
    names = HTML_NAMES if kind == "html" else TEXT_NAMES
    assert model.load(kind).names == names, "the shipped model's columns are not the features'"


#: A known weakness, kept visible: a product page's text dump shows its feature list
#: and specs table as short lines, which the text model scores under TAKE_FROM (F1
#: 0.64, the HTML model keeps them). strict: the day it passes, the mark must go.
_KNOWN_WEAK = pytest.mark.xfail(strict=True, reason="text model loses a dump's short spec "
                                "rows and feature bullets (README: known limits)")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_fixture_pages_are_cleaned(name: str, kind: str, request: pytest.FixtureRequest) -> None:
    if (name, kind) == ("product", "text"):
        request.applymarker(_KNOWN_WEAK)
    assert model.load(kind) is not None, f"cleaner/model/{model.MODEL_FILES[kind]} is missing"
    meta = _fixture(name)
    doc = _cleaned(name, kind)
    text = _squash(doc.text)
    s = score_page(doc.text, meta["articleBody"])
    figures = f"{name}/{kind}: F1 {s.f1:.3f} (P {s.precision:.3f}, R {s.recall:.3f})"
    missing = [p for p in meta["keep"] if _squash(p) not in text]
    kept_chrome = [p for p in meta["drop"] if _squash(p) in text]
    assert not missing, f"{figures}; lost content: {missing}"
    assert not kept_chrome, f"{figures}; kept chrome: {kept_chrome}"
    assert s.f1 >= MIN_F1, figures


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_fixture_removals_have_reasons(name: str, kind: str) -> None:
    assert model.load(kind) is not None, f"cleaner/model/{model.MODEL_FILES[kind]} is missing"
    doc = _cleaned(name, kind)
    removed = [b for b in doc.blocks if not b.kept]
    assert removed, "the page's chrome was not removed at all"
    for b in removed:
        assert b.reason in REASONS, (b.reason, b.text)
        if b.reason == "low-content-score":
            assert b.score is not None and b.score < model.DROP_BELOW, (b.score, b.text)
    scored = [b.score for b in doc.blocks if b.score is not None]
    assert scored, "the model judged no block of the page"
    assert all(0.0 <= p <= 1.0 for p in scored)
    assert all(b.score is None for b in doc.blocks if b.kind == "title")


# --- generality: no benchmark site or page is named in the package ----------------------

#: Names of the networks a share bar offers ("Share on Tumblr"): a label any site's share
#: widget shows, in the share-widget vocabulary, not a rule fitted to that site's pages.
SHARE_NETWORKS = frozenset({"facebook", "twitter", "linkedin", "pinterest", "reddit", "tumblr",
                            "whatsapp", "telegram"})
#: A site name shorter than this is too generic to look for ("bbc", "cnn", "vox").
MIN_NAME = 5
#: A name that occurs in the text of pages of this many other sites is a word of the
#: language ("target", "timeout", "python", "together"), not a site's name.
WORD_SITES = 3
_WORD = re.compile(r"[a-z0-9]+")


def _registrable(url: str) -> tuple[str, str] | None:
    """(label, domain) of a URL's registrable part: ("nytimes", "nytimes.com") for
    www.nytimes.com, ("bbc", "bbc.co.uk") for www.bbc.co.uk."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    labels = host.split(".")
    if len(labels) < 2:
        return None
    if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3:
        return labels[-3], ".".join(labels[-3:])  # a country's second level: co.uk, com.au
    return labels[-2], ".".join(labels[-2:])


def _package_files() -> list[Path]:
    files = sorted(p for p in (ROOT / "cleaner").rglob("*")
                   if p.is_file() and p.suffix in (".py", ".json"))
    assert files
    return files


def _found(name: str, text: str) -> bool:
    """`name` in `text` as a whole name: a letter or digit beside it makes it part of
    another word; an underscore, a dot or a quote ends it ("word_name", "name.com")."""
    return name in text and re.search(rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])",
                                      text) is not None


def test_no_benchmark_site_or_page_is_named_in_the_package() -> None:
    if not BENCH_ROOT.is_dir():
        pytest.skip(f"{BENCH_ROOT} is absent (the benchmark sets; CI has them)")
    sites: dict[str, set[str]] = collections.defaultdict(set)  # label -> domains
    page_site: list[tuple[Path, str]] = []
    page_ids: set[str] = set()
    for folder in sorted(p for p in BENCH_ROOT.iterdir() if (p / "ground-truth.json").is_file()):
        truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
        for page_id, entry in truth.items():
            reg = _registrable(entry.get("url") or "")
            if reg:
                sites[reg[0]].add(reg[1])
                page_site.append((folder / "text" / f"{page_id}.txt", reg[1]))
            if folder.name in ("wceb", "readability") and len(page_id) > 4:
                page_ids.add(page_id.lower())
    assert len(sites) > 100 and len(page_ids) > 50, "the bench did not load as expected"
    names = {label for label in sites if len(label) >= MIN_NAME} - SHARE_NETWORKS
    # which sites' pages use each name as a word
    used_by: dict[str, set[str]] = collections.defaultdict(set)
    for path, domain in page_site:
        if path.is_file():
            for word in set(_WORD.findall(path.read_text(encoding="utf-8",
                                                         errors="replace").lower())) & names:
                used_by[word].add(domain)
    words = {n for n in names if len(used_by[n] - sites[n]) >= WORD_SITES}
    site_names = names - words
    domains = {d for ds in sites.values() for d in ds}
    ids = page_ids - SHARE_NETWORKS
    hits = []
    for path in _package_files():
        text = path.read_text(encoding="utf-8", errors="replace").lower()
        rel = path.relative_to(ROOT)
        hits += [f"{rel}: domain {d}" for d in sorted(domains) if _found(d, text)]
        hits += [f"{rel}: site {n}" for n in sorted(site_names) if _found(n, text)]
        hits += [f"{rel}: page id {i}" for i in sorted(ids) if _found(i, text)]
    assert not hits, "benchmark sites or pages named in the package:\n" + "\n".join(hits)
