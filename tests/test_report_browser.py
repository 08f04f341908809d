"""The HTML report in a real browser: Debian's Chromium, driven by Playwright.

Chromium comes from the system (`/usr/bin/chromium`; `make test` and `.ci/run`
install Debian's package when it is missing), never a downloaded browser.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, SEEDS, read_jsonl, write_documents
from conftest import report_record as record

from cleaner.benchmarks.report_size import write_records
from cleaner.cli import main
from cleaner.report import CHUNK_SIZE, DATA_DIR

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: A check that the report works, not a benchmark: a generous limit.
LIMIT_MS = 60_000
#: The issue's goal: a report of 5,000 documents is ready to read within 2 s of
#: being opened (it was 63 MB and took over 3 s). The one timing the suite asserts
#: in a browser, measured by the page (its load event, which comes after the
#: inline script's first render), so a slow start of the browser does not count.
FIRST_RENDER_MS = 2_000
#: Documents in that report: the size the issue measured.
BIG_RUN = 5_000


@pytest.fixture
def browser_page(tmp_path: Path):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: make test installs it"
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, args=FLAGS,
            headless=True, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(LIMIT_MS)
        try:
            yield context.new_page()
        finally:
            context.close()


def open_report(page, path: Path) -> None:
    page.goto(path.as_uri(), timeout=LIMIT_MS)
    page.wait_for_selector("body[data-ready='1']", timeout=LIMIT_MS)


def figure(page, name: str) -> int:
    text = page.locator(f"#summary [data-figure='{name}'] .value").inner_text()
    return int(text.replace(",", ""))


def test_the_report_of_a_run_shows_its_figures_removals_clusters_and_errors(
        browser_page, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    shutil.copytree(SEEDS, inputs / "seeds")
    shutil.copytree(FIXTURES / "syndication" / "html", inputs / "syndication")
    (inputs / "broken.html").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["clean", str(inputs), "-o", str(out), "--report", "-q",
                                       "--jobs", "1"])
    assert result.exit_code == 0, result.output
    records = read_jsonl(out / "documents.jsonl")
    errors = read_jsonl(out / "errors.jsonl")
    page = browser_page
    open_report(page, out / "report.html")

    # the run's figures
    assert figure(page, "read") == len(records) + len(errors) == 6
    assert figure(page, "kept") == sum(r["duplicate_of"] is None for r in records) == 3
    assert figure(page, "duplicates") == 2 and figure(page, "errors") == 1
    assert figure(page, "chars_out") == sum(len(r["text"]) for r in records
                                            if r["duplicate_of"] is None)
    # the charts are inline SVG: a bar per reason, a kept/removed bar per document shown
    assert page.locator("#reasons-chart .bar[data-reason='source-link']").count() == 1
    assert page.locator("#doc-chart .doc-bar").count() == len(records)

    # a seed document: open it, find a removed block with its reason, struck through
    seed = next(r for r in records if "000_1dc8f56cb09fc03a" in r["source"])
    doc = page.locator(f"details.doc[data-id='{seed['id']}']")
    doc.locator(":scope > summary").click()
    # the blocks are drawn when the document opens: wait for them before looking
    doc.locator(".block, details.run").first.wait_for(state="attached")
    run = doc.locator("details.run", has_text="source-link")  # in a collapsed run
    if run.count():
        run.locator(":scope > summary").click()
    removed = doc.locator(".block.removed", has_text="Source link")
    assert removed.locator(".reason").inner_text() == "source-link"
    assert "line-through" in removed.locator(".text").evaluate(
        "e => getComputedStyle(e).textDecorationLine")
    kept = doc.locator(".block.kept").first.inner_text()
    assert kept == seed["text"].split("\n\n")[0]

    # the filter shows only one reason
    page.select_option("#reason-filter", "source-link")
    shown = page.locator("#doc-list .block")
    assert shown.count() >= 1
    assert set(shown.locator(".reason").all_inner_texts()) == {"source-link"}

    # the duplicate cluster: the kept copy and the two dropped ones, with similarities
    cluster = page.locator("#cluster-list .cluster")
    assert cluster.count() == 1
    assert cluster.locator(".copy.kept").count() == 1
    dropped = cluster.locator(".copy.dropped h4").all_inner_texts()
    assert len(dropped) == 2 and all("similarity" in h for h in dropped)

    # the error with its message
    row = page.locator("#error-list .error-row")
    assert row.count() == 1 and errors[0]["error"] in row.inner_text()
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_a_report_of_ten_thousand_documents_opens_and_pages(browser_page, tmp_path: Path) -> None:
    out = tmp_path / "big"
    out.mkdir()
    with (out / "documents.jsonl").open("w", encoding="utf-8") as handle:
        for n in range(10_000):
            copy_of = f"doc{n - 1:05d}" if n % 10 == 9 else None
            text = f"Story {n} opens here.\n\nIts second paragraph says more about {n}."
            handle.write(json.dumps({
                "id": f"doc{n:05d}", "source": f"pages/{n:05d}.html", "url": None,
                "kind": "html", "title": f"Story {n}", "date": None, "text": text,
                "duplicate_of": copy_of, "similarity": 0.93 if copy_of else None,
                "cluster": copy_of or f"doc{n:05d}",
                "removed": [{"text": "Share this", "reason": "share-widget"},
                            {"text": f"Read also story {n + 1}", "reason": "teaser"}],
                "language": "English", "encoding": "utf-8", "layout": "rtkkr"}) + "\n")
    (out / "errors.jsonl").write_text(
        "".join(json.dumps({"source": f"bad/{n}.html", "error": "file has no text"}) + "\n"
                for n in range(40)), encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(out)])
    assert result.exit_code == 0, result.output
    page = browser_page
    open_report(page, out / "report.html")
    assert figure(page, "read") == 10_040
    assert figure(page, "duplicates") == 1_000 and figure(page, "errors") == 40
    assert page.locator("#doc-list details.doc").count() == 25  # one page of documents
    assert "page 1 of 400" in page.locator("#doc-pager").inner_text()
    page.locator("#doc-pager button", has_text="next").click()
    assert page.locator("#doc-list details.doc").first.get_attribute("data-id") == "doc00025"
    assert "page 1 of 40" in page.locator("#cluster-pager").inner_text()
    page.screenshot(path=str(tmp_path / "big-report.png"))


def write_report_of(out: Path, records: list[dict]) -> Path:
    write_documents(out, records)
    result = CliRunner().invoke(main, ["report", str(out)])
    assert result.exit_code == 0, result.output
    return out / "report.html"


def in_view(page, selector: str) -> bool:
    """Whether the element's top is inside the window (it was scrolled to)."""
    return page.locator(selector).evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= -1 && "
        "r.top < window.innerHeight; }")


def test_a_run_of_removed_lines_is_one_line_that_expands(browser_page, tmp_path: Path) -> None:
    menu = [{"text": f"Menu item {i}", "reason": "navigation" if i % 20 == 0 else
             "outside-main-content"} for i in range(240)]
    records = [record(0, removed=menu + [{"text": "Share this", "reason": "share-widget"}],
                      layout="t" + "r" * 240 + "krk"), record(1), record(2), record(3)]
    page = browser_page
    open_report(page, write_report_of(tmp_path / "out", records))
    doc = page.locator("details.doc[data-id='doc0000']")
    doc.locator(":scope > summary").click()
    run = doc.locator("details.run")
    assert run.count() == 1
    assert run.locator(":scope > summary").inner_text() == (
        "240 lines removed: 228 outside-main-content, 12 navigation")
    # before it, the title; after it, the story: the run takes one line, not 240
    assert doc.locator(".block.title").inner_text() == "Story 0"
    assert doc.locator(".block.removed").count() == 1  # the lone "Share this"
    assert run.evaluate("e => e.getBoundingClientRect().height") < 40
    run.locator(":scope > summary").click()
    page.wait_for_selector("details.doc[data-id='doc0000'] details.run .block.removed")
    lines = run.locator(".block.removed")
    assert lines.count() == 240
    assert lines.first.locator(".text").inner_text() == "Menu item 0"
    assert lines.first.locator(".reason").inner_text() == "navigation"
    assert "line-through" in lines.nth(1).locator(".text").evaluate(
        "e => getComputedStyle(e).textDecorationLine")


def test_a_duplicate_links_to_its_kept_copy_and_search_finds_both(
        browser_page, tmp_path: Path) -> None:
    count = 2 * CHUNK_SIZE + 40
    records = [record(n) for n in range(count)]
    late = CHUNK_SIZE + 120  # a kept copy on another page, in a data file not yet loaded
    records[3].update(duplicate_of=f"doc{late:04d}", similarity=0.91, cluster=f"doc{late:04d}")
    records[late].update(title="The kept copy", text="Kept copy text.\n\nMore of it.")
    page = browser_page
    open_report(page, write_report_of(tmp_path / "out", records))
    assert (tmp_path / "out" / DATA_DIR).is_dir()
    link = page.locator("details.doc[data-id='doc0003'] .badge.dup a")
    assert link.inner_text() == f"doc{late:04d}"
    assert link.get_attribute("href") == f"#doc-doc{late:04d}"
    link.click()
    target = page.locator(f"details.doc[data-id='doc{late:04d}']")
    target.locator(".block.kept", has_text="Kept copy text.").wait_for()
    assert target.evaluate("e => e.open") and "target" in target.get_attribute("class")
    assert in_view(page, f"details.doc[data-id='doc{late:04d}']")
    per_page = page.locator("#doc-list details.doc").count()
    assert f"page {late // per_page + 1} of" in page.locator("#doc-pager").inner_text()
    assert page.evaluate("location.hash") == f"#doc-doc{late:04d}"
    # from the kept copy back to its duplicate
    target.locator(".meta a", has_text="doc0003").click()
    page.wait_for_function("document.querySelector(\"details.doc[data-id='doc0003']\")?.open")
    assert in_view(page, "details.doc[data-id='doc0003']")

    # search by title, by URL, by id: the list filters as one types
    search = page.locator("#doc-search")
    search.fill("kept copy")
    assert page.locator("#doc-list details.doc").all_inner_texts()[0].startswith(
        "The kept copy")
    assert page.locator("#doc-list details.doc").count() == 1
    search.fill("section-3/")
    shown = [n for n in range(count) if n % 7 == 3]
    assert f"({len(shown)})" in page.locator("#doc-pager").inner_text()
    assert page.locator("#doc-list details.doc").first.get_attribute("data-id") == "doc0003"
    search.fill("DOC0004")  # any case
    assert page.locator("#doc-list details.doc").count() == 1
    search.fill("no such story")
    assert page.locator("#doc-list").inner_text() == "No document matches."
    search.fill("")
    assert f"({count:,})" in page.locator("#doc-pager").inner_text()


def test_page_text_shows_as_text_and_runs_nothing(browser_page, tmp_path: Path) -> None:
    nasty = ('</script><script>document.body.dataset.pwned="1"</script>'
             '<img src=x onerror="document.body.dataset.pwned=1"> <b>bold</b>')
    records = [record(n) for n in range(CHUNK_SIZE + 5)]
    for n in (1, CHUNK_SIZE + 2):  # one inline, one in a data file
        records[n].update(title=nasty, text=f"{nasty}\n\nKept.",
                          removed=[{"text": nasty, "reason": "teaser"}], layout="trkk")
    page = browser_page
    open_report(page, write_report_of(tmp_path / "out", records))
    for n in (1, CHUNK_SIZE + 2):
        page.locator("#doc-search").fill(f"doc{n:04d}")
        doc = page.locator(f"details.doc[data-id='doc{n:04d}']")
        doc.locator(":scope > summary").click()
        assert doc.locator(".block.kept").first.inner_text() == nasty
        assert doc.locator(".block.removed .text").inner_text() == nasty
    page.wait_for_timeout(200)  # an image error would have fired by now
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.locator("#doc-list img, #doc-list b, #doc-list script").count() == 0


def test_a_report_of_five_thousand_news_pages_is_ready_within_two_seconds(
        browser_page, tmp_path: Path) -> None:
    out = tmp_path / "big"
    write_records(out, BIG_RUN)  # menus, story, footer: 63 MB in one file before the split
    result = CliRunner().invoke(main, ["report", str(out)])
    assert result.exit_code == 0, result.output
    page = browser_page
    open_report(page, out / "report.html")
    loaded = "performance.getEntriesByType('navigation')[0].loadEventEnd"
    page.wait_for_function(f"{loaded} > 0")
    ready = page.evaluate(loaded)  # ms since the page was opened
    assert ready < FIRST_RENDER_MS, f"first render after {ready:.0f} ms"
    assert figure(page, "read") == BIG_RUN
    assert page.locator("#doc-list details.doc").count() == 25
    # the last document: its blocks come from the last data file, its menu collapsed
    page.locator("#doc-search").fill(f"pages/{BIG_RUN - 1:05d}.html")
    doc = page.locator(f"details.doc[data-id='doc{BIG_RUN - 1:05d}']")
    doc.locator(":scope > summary").click()
    assert "lines removed: " in doc.locator("details.run > summary").first.inner_text()
    assert doc.locator(".block.kept").count() >= 6
