"""What one page may cost: pages past the parsing limits are refused fast and cheaply.

A page's memory grows with the nodes its markup builds, not with its bytes (1M
`<br>` in 4 MB took 26 s and 1.1 GB), and libxml2 is quadratic in the
attributes of one tag, inside one C call no time limit interrupts. So the
limits of `cleaner.extract.parse` are checked before parsing. The costly cases
run in a fresh interpreter, cut off after `CHILD_SECONDS` (the old code took
many times that), which reports its own peak memory; the figures behind the
limits come from `python -m cleaner.benchmarks.pagecost`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import cleaner

MB = 1024 * 1024
#: A child that has not finished by then is stopped: the case is not cheap.
#: Starting one (imports) takes ~1.5 s; a refused page adds milliseconds.
CHILD_SECONDS = 12.0
ARTICLE = ("<!DOCTYPE html><html><head><title>Ferries | News</title></head><body><article>"
           "<h1>Ferries</h1><p>The city council voted on Tuesday to fund two new passenger "
           "ferries for the harbour, ending a year of debate over the queues.</p>{filler}"
           "<p>The vessels will carry two hundred and fifty people each and will run every "
           "twenty minutes at rush hour, the transport office said.</p></article></body></html>")

#: Runs in the child: a batch run of one folder, one process, then its own
#: memory figures (MB): RSS before the run (once the language data is loaded)
#: and the peak (VmHWM) after it.
_RUN = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from cleaner.batch.run import RunConfig, run

    def status(key):
        for line in open("/proc/self/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024

    folder, out = Path(sys.argv[1]), Path(sys.argv[2])
    from cleaner.lang.language import preload
    preload()  # the stop words and language model: a process's fixed cost, not a page's
    before, start = status("VmRSS"), time.perf_counter()
    run([str(folder)], out, RunConfig(jobs=1))
    seconds = time.perf_counter() - start
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    docs = [json.loads(line) for line in (out / "documents.jsonl").read_text().splitlines()]
    print(json.dumps({"seconds": seconds, "peak_mb": status("VmHWM") - before,
                      "errors": {Path(e["source"]).name: e["error"] for e in errors},
                      "docs": [Path(d["source"]).name for d in docs]}))
""")


def run_in_child(tmp_path: Path, pages: dict[str, str]) -> dict:
    """Clean a folder of `pages` in a fresh interpreter; its figures and records."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name, page in pages.items():
        (folder / name).write_text(page, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(Path(cleaner.__file__).resolve().parents[1]))
    try:
        done = subprocess.run([sys.executable, "-c", _RUN, str(folder), str(tmp_path / "out")],
                              capture_output=True, text=True, timeout=CHILD_SECONDS, env=env,
                              check=True)
    except subprocess.TimeoutExpired:
        pytest.fail(f"cleaning took longer than {CHILD_SECONDS:g} s: the page was parsed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_page_of_a_million_br_tags_is_refused_fast_in_bounded_memory(tmp_path: Path) -> None:
    page = ARTICLE.format(filler="<br>" * 1_048_576)  # 4 MB
    got = run_in_child(tmp_path, {"br.html": page, "ferry.html": ARTICLE.format(filler="")})
    assert got["errors"] == {"br.html": f"the page has {page.count('<'):,} tags ('<'), more "
                                        "than the limit of 250,000"}
    assert got["docs"] == ["ferry.html"]
    assert got["seconds"] < 3  # was 16-26 s
    assert got["peak_mb"] < 20 * len(page) / MB  # was 800 MB to 1.1 GB: 200x the page


def test_a_tag_with_very_many_attributes_is_refused_before_parsing(tmp_path: Path) -> None:
    # libxml2 compares each attribute name with all the earlier ones: 100,000 take
    # ~20 s in one C call, which no time limit can interrupt
    tag = "<div " + " ".join(f"a{n}=1" for n in range(100_000)) + ">x</div>"
    got = run_in_child(tmp_path, {"attributes.html": ARTICLE.format(filler=tag)})
    assert got["errors"] == {"attributes.html": "a tag has more than 1,000 attributes (the limit)"}
    assert got["seconds"] < 3


def test_a_big_pages_trees_are_given_back_before_the_rest_of_its_work() -> None:
    # trafilatura copies the tree four times; freed, that memory used to stay in
    # the process (93% of the peak, here), and the dedup signature's peak came on top
    code = textwrap.dedent("""
        from cleaner.extract.html import extract
        def status(key):
            for line in open("/proc/self/status"):
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
        paragraph = "<p>Part {}. The town library reopened on Saturday after two years of "
        paragraph += "repairs to its roof, which had leaked badly. Volunteers carried books.</p>"
        page = ("<html><body><article>" + "".join(paragraph.format(n) for n in range(15_000))
                + "</article></body></html>")
        extract(page[:20_000] + "</article></body></html>")  # loads what any page needs
        before = status("VmRSS")
        result = extract(page)
        print(len(page) / 2**20, status("VmRSS") - before, status("VmHWM") - before)
    """)
    env = dict(os.environ, PYTHONPATH=str(Path(cleaner.__file__).resolve().parents[1]))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env=env, check=True)
    size_mb, kept_mb, peak_mb = map(float, done.stdout.split())
    assert size_mb > 2 and peak_mb > 10 * size_mb
    # what is left is the blocks and the page lines, not the trees (18% measured)
    assert kept_mb < 0.5 * peak_mb, f"{kept_mb:.0f} of {peak_mb:.0f} MB kept after the page"


# --- what the limits let through ------------------------------------------------------


def test_pages_under_the_limits_are_parsed_as_before() -> None:
    from cleaner.extract.parse import MAX_ATTRIBUTES, MAX_TAGS, check_limits

    # as many '<' as allowed; a tag with as many attributes as allowed
    check_limits("<p>a" * MAX_TAGS)
    check_limits("<div " + " ".join(f"a{n}" for n in range(MAX_ATTRIBUTES)) + ">")
    # long tags that are not attribute bombs: a data: URI, a quoted value with spaces
    check_limits('<img src="data:image/png;base64,' + "QUJD" * 500_000 + '">')
    check_limits('<div title="' + "a " * 50_000 + '">x</div>')


@pytest.mark.parametrize("where", ["<script>{}</script>", "<style>{}</style>",
                                   "<!-- {} -->", "<textarea>{}</textarea>"])
def test_what_looks_like_a_tag_in_raw_text_is_not_counted(where: str) -> None:
    from cleaner.extract.parse import MAX_ATTRIBUTES, check_limits

    fake = "<div " + " ".join(f"a{n}" for n in range(3 * MAX_ATTRIBUTES)) + ">"
    check_limits("<html><body>" + where.format(fake) + "<p>text</p></body></html>")


@pytest.mark.parametrize("tag", ["<script {}>x</script>", "<div {}/>",
                                 "<div title='a b c' {}>x</div>"])
def test_an_attribute_bomb_is_found_wherever_the_parser_reads_it(tag: str) -> None:
    from cleaner.extract.parse import MAX_ATTRIBUTES, PageLimitError, check_limits

    attributes = " ".join(f"a{n}" for n in range(MAX_ATTRIBUTES + 1))
    with pytest.raises(PageLimitError, match="attributes"):
        check_limits("<html><body>" + tag.format(attributes) + "</body></html>")
