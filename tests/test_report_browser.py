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
from conftest import FIXTURES, SEEDS, read_jsonl

from cleaner.cli import main

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: A check that the report works, not a benchmark: a generous limit.
LIMIT_MS = 60_000


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
    doc.locator("summary").click()
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
