"""The systems `cleaner eval` scores, and the runner that puts every page through them.

A task is one page through every chosen system, one after the other in one
process, so whatever the machine is doing weighs on all systems alike; each
worker times only its own extraction calls (`time.perf_counter` around the
call, never reading, unzipping or scoring). With `jobs` > 1 the tasks go to a
pool of processes forked after the imports and a warm-up call per system, so
no system pays a lazy set-up the others do not: the speed ratio compares the
same work, timed the same way, in the same processes.

Metadata rides along: the cleaner systems hand back their Document's metadata
from the very `clean()` call that is timed, and where a set's truth has
metadata, trafilatura-html's page also gets `extract_metadata` (its default
`extract()` computes none), timed on its own clock so the speed ratio is unchanged.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import lxml.html
import trafilatura

from cleaner.clean import clean
from cleaner.eval.metadata import Meta, document_meta, trafilatura_meta
from cleaner.eval.score import (
    PageScore,
    Scores,
    SnippetCounts,
    corpus_scores,
    score_page,
    snippet_counts,
)
from cleaner.eval.sets import BenchPage, BenchSet, read_html, read_text
from cleaner.timelimit import DEFAULT_TIMEOUT, PageTimeout, time_limit

#: Seconds one system may spend on one page (soft limit) before the page counts as
#: an empty prediction with a PageTimeout error: the timelimit module's default,
#: chosen there from the slowest benchmark page (under 2 s).
PAGE_TIMEOUT = DEFAULT_TIMEOUT

#: Elements a browser never renders, left out of the whole-page baseline. <noscript> stays:
#: the text dumps were made with scripts off, when its content is what shows.
_UNRENDERED = ("script", "style", "template")
#: Elements that start a new line in a browser: their text is kept apart from the
#: neighbours', so that `<p>a</p><p>b</p>` gives the tokens "a" and "b", not "ab".
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hr", "legend", "li", "main", "nav", "ol", "option", "p",
    "pre", "section", "summary", "table", "td", "th", "tr", "ul",
})


@dataclass(frozen=True, slots=True)
class PageInputs:
    """What the systems read, prepared before any timing starts.

    `html` is the page's bytes, as a crawl hands them to cleaner (which decodes
    them itself, timed). `html_text` is the same page decoded as UTF-8, as the
    benchmark's harness hands it to trafilatura (every set's pages decode as
    UTF-8; a stray bad byte becomes U+FFFD rather than failing the page).
    `text` is the text dump, None when the set has none for the page.
    """

    html: bytes
    html_text: str
    text: str | None


def visible_text(html: str) -> str:
    """The whole-page baseline: every word of the body a reader could see.

    lxml's text_content of <body> without the elements never rendered, block
    boundaries kept as line breaks. Not trafilatura's `html2txt`: by default it
    deletes asides, footers and cookie banners, the very boilerplate removal
    being measured, and with `clean=False` it keeps scripts and styles, which no
    reader sees. Hidden elements (`hidden`, `display: none`) are kept: telling
    them needs CSS, and a baseline should not need a browser.
    """
    if not html.strip():
        return ""
    root = lxml.html.document_fromstring(html.encode("utf-8"),
                                         parser=lxml.html.HTMLParser(encoding="utf-8"))
    body = root.find("body")
    if body is None:
        body = root
        for head in root.findall("head"):
            head.drop_tree()
    for element in list(body.iter(*_UNRENDERED)):
        element.drop_tree()  # keeps the element's tail, which is rendered text
    for element in body.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCK_TAGS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
    lines = (line.strip() for line in body.text_content().splitlines())
    return "\n".join(line for line in lines if line)


#: What a system's call returns: its text, or its text and its metadata by field.
Extraction = str | tuple[str, Meta]


def _cleaner_html(page: BenchPage, inputs: PageInputs) -> Extraction:
    # doc.text: the kept blocks without the title, as the truth leaves the headline out
    doc = clean(inputs.html, kind="html", url=page.url or None)
    return doc.text, document_meta(doc)


def _cleaner_text(page: BenchPage, inputs: PageInputs) -> Extraction:
    doc = clean(inputs.text or "", kind="text")
    return doc.text, document_meta(doc)


def _trafilatura_html(page: BenchPage, inputs: PageInputs) -> str:
    return trafilatura.extract(inputs.html_text) or ""


def _whole_html(page: BenchPage, inputs: PageInputs) -> str:
    return visible_text(inputs.html_text)


def _whole_text(page: BenchPage, inputs: PageInputs) -> str:
    return inputs.text or ""


def _trafilatura_metadata(page: BenchPage, inputs: PageInputs) -> Extraction:
    # the url as cleaner gets it: htmldate reads dates from it, the site name falls back on it
    return "", trafilatura_meta(trafilatura.extract_metadata(inputs.html_text,
                                                             default_url=page.url or None))


@dataclass(frozen=True, slots=True)
class System:
    """A system under test: which input it reads, and the extraction call that is timed."""

    name: str
    input: str  # "html" or "text": a text system skips pages without a text dump
    extract: Callable[[BenchPage, PageInputs], Extraction]


SYSTEMS: dict[str, System] = {
    s.name: s
    for s in (
        System("cleaner-html", "html", _cleaner_html),
        System("cleaner-text", "text", _cleaner_text),
        System("trafilatura-html", "html", _trafilatura_html),
        System("whole-html", "html", _whole_html),
        System("whole-text", "text", _whole_text),
    )
}
BASELINE = "trafilatura-html"  # cleaner-html's speed ratio and catastrophic pages are against it
#: The metadata call made for the baseline's page, where the set's truth has metadata.
BASELINE_METADATA = System("trafilatura-metadata", "html", _trafilatura_metadata)


def runs_on(system: System, page: BenchPage) -> bool:
    """A text system has nothing to read on a page without a text dump."""
    return system.input == "html" or page.text_path is not None


@dataclass(frozen=True, slots=True)
class PageTask:
    """One page through the chosen systems; `turn` rotates which system goes first;
    `metadata` adds BASELINE_METADATA to the baseline's run."""

    page: BenchPage
    systems: tuple[str, ...]
    timeout: float
    turn: int = 0
    metadata: bool = False


@dataclass(frozen=True, slots=True)
class PageRun:
    """One system on one page: its prediction, extraction time and scores.

    A page that raised (or ran out of time) has an empty prediction and its error.
    `meta` is the system's metadata (None: the system gives none, or it failed);
    `meta_seconds` and `meta_error` are those of a separate metadata call (the
    baseline's `extract_metadata`; 0 and None where it came with the extraction).
    """

    system: str
    page_id: str
    page_type: str | None
    prediction: str
    seconds: float
    score: PageScore
    snippets: SnippetCounts
    error: str | None = None
    meta: Meta | None = None
    meta_seconds: float = 0.0
    meta_error: str | None = None


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _inputs(page: BenchPage, systems: Sequence[System]) -> tuple[PageInputs, dict[str, str]]:
    """The page's inputs, and {input: error} for a file that cannot be read: it fails
    the systems that read it, and only those."""
    html, text, errors = b"", None, {}
    if any(s.input == "html" for s in systems):
        try:
            html = read_html(page)
        except Exception as exc:  # a page boundary, as in the timed call
            errors["html"] = _error(exc)
    if page.text_path is not None and any(s.input == "text" for s in systems):
        try:
            text = read_text(page)
        except Exception as exc:
            errors["text"] = _error(exc)
    return PageInputs(html, html.decode("utf-8", errors="replace"), text), errors


def _extract(system: System, page: BenchPage, inputs: PageInputs,
             timeout: float) -> tuple[str, Meta | None, float, str | None]:
    """(prediction, metadata, seconds, error): the timed call, under the per-page limit.

    Arming and disarming the limit falls inside the timing, for every system alike.
    """
    start = time.perf_counter()
    try:
        with time_limit(timeout):
            found = system.extract(page, inputs)
        prediction, meta = found if isinstance(found, tuple) else (found, None)
        return prediction, meta, time.perf_counter() - start, None
    except PageTimeout:
        return "", None, time.perf_counter() - start, f"PageTimeout: over {timeout:g} s"
    except Exception as exc:  # a page boundary: record the error and go on
        return "", None, time.perf_counter() - start, _error(exc)


def run_page(task: PageTask) -> tuple[PageRun, ...]:
    """Every chosen system on one page (the unit of work of a pool worker), in an order
    rotated by the task's turn, so that no system always goes first on a page."""
    page = task.page
    systems = [SYSTEMS[n] for n in task.systems if runs_on(SYSTEMS[n], page)]
    if not systems:
        return ()
    shift = task.turn % len(systems)
    inputs, read_errors = _inputs(page, systems)
    runs = {}
    for system in systems[shift:] + systems[:shift]:
        if system.input in read_errors:
            prediction, meta, seconds, error = "", None, 0.0, read_errors[system.input]
        else:
            prediction, meta, seconds, error = _extract(system, page, inputs, task.timeout)
        runs[system.name] = PageRun(
            system.name, page.id, page.page_type, prediction, seconds,
            score_page(prediction, page.truth),
            snippet_counts(prediction, page.with_snippets, page.without_snippets), error, meta)
    if task.metadata and BASELINE in runs:
        if "html" in read_errors:
            meta, seconds, error = None, 0.0, read_errors["html"]
        else:
            _, meta, seconds, error = _extract(BASELINE_METADATA, page, inputs, task.timeout)
        runs[BASELINE] = replace(runs[BASELINE], meta=meta, meta_seconds=seconds,
                                 meta_error=error)
    return tuple(runs[s.name] for s in systems)


@dataclass(slots=True)
class SystemResult:
    """One system over one set: its page runs (in set order) and extraction time."""

    name: str
    runs: list[PageRun] = field(default_factory=list)

    @property
    def scores(self) -> Scores:
        return corpus_scores(r.score for r in self.runs)

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.runs)

    @property
    def meta_seconds(self) -> float:
        """Time of the separate metadata calls (the baseline's extract_metadata)."""
        return sum(r.meta_seconds for r in self.runs)

    @property
    def pages_per_second(self) -> float:
        seconds = self.seconds
        return len(self.runs) / seconds if seconds > 0 else 0.0


@dataclass(slots=True)
class SetResult:
    """Every chosen system over one set."""

    bench: BenchSet
    systems: dict[str, SystemResult]


def check_systems(names: Sequence[str]) -> None:
    """Raise ValueError naming the unknown systems (and the known ones)."""
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown or not names:
        raise ValueError(f"unknown system(s) {', '.join(unknown) or '(none given)'}; "
                         f"choose from {', '.join(SYSTEMS)}")


def wants_metadata(bench: BenchSet, names: Sequence[str]) -> bool:
    """Whether the baseline's pages of a set get BASELINE_METADATA: the truth has
    metadata to score it against, and the baseline runs."""
    return bool(bench.meta_fields) and BASELINE in names


def _warm_date_parser() -> None:
    """Build dateparser's per-locale patterns, which htmldate (under extract_metadata)
    falls back on for some pages only: the first such page in a process paid 4-10 s,
    more than the whole rest of the page's metadata. A date no locale reads makes
    dateparser try (and cache) every locale. A newer htmldate without this helper is
    only a slower first page."""
    try:
        from htmldate.extractors import get_external_parser

        get_external_parser().get_date_data("zzqx 12 wvpk 2020")
    except Exception:  # an optional speed-up: never fail the run over it
        pass


def warm_up(sets: Sequence[BenchSet], names: Sequence[str], timeout: float,
            metadata: bool = False) -> None:
    """One untimed call per system (and BASELINE_METADATA, if it will run) before any
    timing and before forking, so the workers inherit it: lazy set-up then lands
    on no system's clock."""
    extra = [BASELINE_METADATA] if metadata else []
    if metadata:
        _warm_date_parser()
    for system in [SYSTEMS[n] for n in names] + extra:
        page = next((p for s in sets for p in s.pages if runs_on(system, p)), None)
        if page is None:
            continue
        inputs, errors = _inputs(page, [system])
        if not errors:  # _extract catches the rest; the timed run records it
            _extract(system, page, inputs, timeout)


def default_jobs() -> int:
    """One worker per core: a page's systems run one after the other in one worker."""
    return os.cpu_count() or 1


def _run_tasks(tasks: list[PageTask], jobs: int) -> Iterator[tuple[PageRun, ...]]:
    if jobs <= 1 or len(tasks) <= 1:
        yield from map(run_page, tasks)
        return
    # fork: the workers start with every import done and every system warmed up
    with multiprocessing.get_context("fork").Pool(min(jobs, len(tasks))) as pool:
        yield from pool.imap(run_page, tasks, chunksize=1)  # in task order: deterministic


def evaluate(sets: Sequence[BenchSet], names: Sequence[str], jobs: int | None = None,
             timeout: float = PAGE_TIMEOUT, metadata: bool = True) -> list[SetResult]:
    """Run the named systems over every page of every set.

    Args:
        sets: the sets, scored in this order.
        names: systems in report order (keys of SYSTEMS).
        jobs: worker processes (None: one per core; 1: this process, no pool).
        timeout: seconds one system may spend on one page.
        metadata: run BASELINE_METADATA where `wants_metadata` (False: cleaner's
            metadata only, which costs nothing extra).

    Raises:
        ValueError: for an unknown system name.
    """
    check_systems(names)
    flags = [metadata and wants_metadata(s, names) for s in sets]
    warm_up(sets, names, timeout, any(flags))
    owners = [i for i, s in enumerate(sets) for _ in s.pages]  # the set of each task
    tasks = [PageTask(page, tuple(names), timeout, turn, flag)
             for s, flag in zip(sets, flags, strict=True) for turn, page in enumerate(s.pages)]
    results = [SetResult(s, {n: SystemResult(n) for n in names}) for s in sets]
    for owner, runs in zip(owners, _run_tasks(tasks, jobs or default_jobs()), strict=True):
        for run in runs:
            results[owner].systems[run.system].runs.append(run)
    return results
