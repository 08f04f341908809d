"""What one page costs a worker, in time and memory, for each shape of input.

Run it as `python -m cleaner.benchmarks.pagecost [--sizes 1,4,16,20,50]
[--cap S] [--only SHAPE,...] [--max-tags N] [--no-bench] [--out out/pagecost.json]`.

Why: the per-page limits (`--max-bytes`, `--timeout`, the pre-parse caps in
`cleaner.extract.parse`) are only as good as what they bound. Memory does not
grow with the page's bytes alone but with what the bytes build: a tag costs
libxml2 a node of ~120 bytes, and trafilatura copies the tree four times, so
1M `<br>` in 4 MB cost 800 MB, as much as a 30 MB article. This script
measures each kind of input at a few sizes, and the real benchmark pages as
the reference for what a page looks like, so a limit can be set from figures.

Each run does what a worker does per page (`batch.task.Task.one`):
`clean.clean` on the page's bytes, `batch.records.prepare`, then
`dedup.signatures.sign(page.text, 128)`, in a process forked from this one
after everything is imported and warmed up (as pool workers are forked). The
child reports its sizes just before it reads the page; the parent reads the
child's peak RSS (`ru_maxrss`, via `wait4`, so a child killed at the time cap
still reports it). Peak MB is the difference: what the page added; ratio is
that over the page's size; vm MB is the growth of the address space (VmPeak),
what a data rlimit such as the workers' memory cap counts. A shape whose run
is killed at the cap is not tried at larger sizes. Pages are built on the fly
into a temporary file (deleted); the benchmark pages are read in place from
../shared/bench. Times are wall times: on a shared machine, compare them
within one run only.
"""

from __future__ import annotations

import argparse
import ctypes
import gzip
import json
import os
import select
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from cleaner.batch.records import prepare
from cleaner.clean import NoContentError, clean, error_message
from cleaner.dedup.signatures import sign
from cleaner.extract import parse

MB = 1024 * 1024
#: Page sizes tried, MB (20 and 50: the proposed and the old `--max-bytes`;
#: a page of the limit's size is built a hair under it).
DEFAULT_SIZES = (1, 4, 16, 20, 50)
#: Seconds a run may take before it is killed: enough for a 50 MB article
#: (about 40 s on the 2-core reference machine), short enough that the
#: quadratic shapes do not hold up the whole benchmark.
DEFAULT_CAP = 120.0
#: The default cap on '<' per page (older code has none: the shape "at-limits"
#: is then built the same, for comparison).
MAX_TAGS: int = getattr(parse, "MAX_TAGS", 250_000)
#: Pages smaller than this have peaks of allocator noise (a few MB), so their
#: ratio to the page's size says nothing; the benchmark pages' largest ratio
#: is taken over the larger ones.
RATIO_MIN_BYTES = 256 * 1024
BENCH_SETS = ("scrapinghub", "readability", "wceb")

_SENTENCES = (
    "The city council voted on Tuesday to fund two new passenger ferries for the harbour.",
    "Apple growers in the valley expect their best harvest in a decade after a mild spring.",
    "The town library reopened on Saturday after two years of repairs to its leaking roof.",
    "Volunteers carried more than ten thousand books back onto the shelves over the weekend.",
)
_HEAD = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>A page | Example</title>"
         "{head}</head><body><nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav>"
         "<article><h1>A page</h1><p>" + " ".join(_SENTENCES) + "</p>")
_TAIL = "<p>" + " ".join(reversed(_SENTENCES)) + "</p></article></body></html>"


def _repeat(unit: str, size: int, fixed: int) -> str:
    return unit * max(1, (size - fixed) // len(unit))


def _filled(unit: str, head: str = "") -> Callable[[int], str]:
    """An article page with `unit` repeated inside <article> up to `size` bytes."""
    def build(size: int) -> str:
        top = _HEAD.format(head=head)
        return top + _repeat(unit, size, len(top) + len(_TAIL)) + _TAIL
    return build


def _prose(size: int) -> str:
    top = _HEAD.format(head="")
    units = [f"<p>Part {n}. " + " ".join(_SENTENCES[n % 4:] + _SENTENCES[: n % 4]) + "</p>\n"
             for n in range(64)]
    body, total, n = [], len(top) + len(_TAIL), 0
    while total < size:
        body.append(units[n % 64])
        total += len(body[-1])
        n += 1
    return top + "".join(body) + _TAIL


def _inline(size: int) -> str:
    """One paragraph of many inline elements."""
    top = _HEAD.format(head="") + "<p>"
    unit = '<span class="note">a</span>'
    return top + _repeat(unit, size, len(top) + len(_TAIL) + 4) + "</p>" + _TAIL


def _prose_emoji(size: int) -> str:
    """Prose with one emoji: Python then holds the page's text at 4 bytes a character."""
    return _prose(size).replace("<h1>A page", "<h1>A page \U0001F600", 1)


def _at_limits(size: int) -> str:
    """Just under the cap on '<' (table rows, the costliest markup), the rest prose."""
    row = "<tr>" + "".join(f"<td>cell {n}</td>" for n in range(10)) + "</tr>\n"
    rows = min(size // 2 // len(row), MAX_TAGS // row.count("<"))
    while True:
        table = "<table>" + row * rows + "</table>"
        page = _prose(size - len(table)).replace("</article>", table + "</article>", 1)
        over = page.count("<") - (MAX_TAGS - 100)
        if over <= 0 or rows == 0:  # (prose alone may be over the cap: then so is the page)
            return page
        rows = max(0, rows - over // row.count("<") - 1)


def _attributes(size: int) -> str:
    fixed = len(_HEAD.format(head="")) + len(_TAIL) + 8
    count = max(1, (size - fixed) // 12)
    attrs = " ".join(f"a{n:07d}=1" for n in range(count))  # 12 bytes each
    return _HEAD.format(head="") + f"<div {attrs}>x</div>" + _TAIL


def _deep(size: int) -> str:
    top = _HEAD.format(head="")
    return top + _repeat("<div>", size, len(top) + len(_TAIL)) + "deep text" + _TAIL


def _script(size: int) -> str:
    fixed = len(_HEAD.format(head="<script>var x='';</script>")) + len(_TAIL)
    return _HEAD.format(head=f"<script>var x='{'A' * max(1, size - fixed)}';</script>") + _TAIL


def _data_uri(size: int) -> str:
    top = _HEAD.format(head="") + '<img alt="" src="data:image/png;base64,'
    return top + "Q" * max(1, size - len(top) - len(_TAIL) - 2) + '">' + _TAIL


def _table(size: int) -> str:
    top = _HEAD.format(head="") + "<table>"
    row = "<tr>" + "".join(f"<td>cell {n}</td>" for n in range(10)) + "</tr>\n"
    return top + _repeat(row, size, len(top) + len(_TAIL) + 8) + "</table>" + _TAIL


def _text_lines(size: int) -> str:
    lines, total, n = ["A page"], 7, 0
    while total < size:  # numbered, so that no line repeats (repeats are chrome)
        lines.append(f"Part {n}. " + " ".join(_SENTENCES[n % 4:] + _SENTENCES[: n % 4]))
        total += len(lines[-1]) + 1
        n += 1
    return "\n".join(lines) + "\n"


def _text_one_line(size: int) -> str:
    return "A page\n" + _repeat(_SENTENCES[0] + " ", size, 7).rstrip()


@dataclass(frozen=True, slots=True)
class Shape:
    name: str
    kind: str  # "html" or "text": the page's kind hint, as from its extension
    build: Callable[[int], str]
    what: str


SHAPES: tuple[Shape, ...] = (
    Shape("prose", "html", _prose, "<p> paragraphs in an <article>"),
    Shape("prose-emoji", "html", _prose_emoji, "the same with one emoji (4-byte str)"),
    Shape("br", "html", _filled("<br>"), "<br> repeated"),
    Shape("span", "html", _filled("<span>a</span>"), "<span>a</span> repeated"),
    Shape("paragraphs", "html", _filled("<p>An item of the list.</p>"), "tiny <p> blocks"),
    Shape("inline", "html", _inline, "<span>s in one <p> (trafilatura is quadratic there)"),
    Shape("attributes", "html", _attributes, "one <div> with very many attributes"),
    Shape("deep", "html", _deep, "<div> nested, never closed"),
    Shape("script", "html", _script, "one inline <script> in <head>"),
    Shape("data-uri", "html", _data_uri, "one <img> with a data: URI"),
    Shape("table", "html", _table, "a <table> of 10-cell rows"),
    Shape("at-limits", "html", _at_limits, "a table just under MAX_TAGS '<', then prose"),
    Shape("text-lines", "text", _text_lines, "text dump: prose lines"),
    Shape("text-one-line", "text", _text_one_line, "text dump: one line, no newline"),
)


@dataclass(slots=True)
class Cost:
    """One run: the page's size and what it cost."""

    shape: str
    bytes: int
    seconds: float
    peak_mb: float  # child's peak RSS minus its RSS before the page
    ratio: float  # peak over page size
    vm_mb: float | None  # peak address space minus the size before (None: killed)
    outcome: str  # "ok", "killed after N s", or the error record's message
    lt_count: int = 0  # "<" characters in the page

    @classmethod
    def of(cls, name: str, nbytes: int, got: Measured, lt_count: int) -> Cost:
        vm = None if got.vm_mb is None else round(got.vm_mb, 1)
        return cls(name, nbytes, round(got.seconds, 3), round(got.peak_mb, 1),
                   round(got.peak_mb * MB / nbytes, 1), vm, got.outcome, lt_count)


def _release_free_memory() -> None:
    """Give the allocator's free pages back to the system (glibc `malloc_trim`).

    Without it a child inherits the resident free memory left by building or
    reading the previous page, and its first allocations reuse it unseen: a
    page's cost would be undercounted by up to a few times its size.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def _status_mb(*keys: str) -> list[float]:
    """Fields of /proc/self/status, MB (VmRSS, VmSize, VmPeak, VmData...)."""
    found: dict[str, float] = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            if key in keys:
                found[key] = int(value.split()[0]) / 1024
    return [found.get(key, 0.0) for key in keys]


def _one_page(path: str, kind: str) -> str:
    """A worker's per-page work; the outcome as the run would record it."""
    raw = Path(path).read_bytes()
    try:
        doc = clean(raw, kind=kind, source=path)
        del raw
        if not doc.text.strip():
            raise NoContentError("no article text found in the page")
        page = prepare(doc)
        sign(page.text, 128)
    except Exception as exc:  # noqa: BLE001 - the document boundary, as in a worker
        return error_message(exc)
    return "ok"


@dataclass(frozen=True, slots=True)
class Measured:
    seconds: float
    peak_mb: float  # peak RSS (ru_maxrss) minus the RSS before the page
    vm_mb: float | None  # peak address space (VmPeak) minus VmSize before; None if killed
    outcome: str


def measure(path: str, kind: str, cap: float) -> Measured:
    """What one page costs a child forked from this process (killed after `cap` s).

    Peak RSS is what the machine must hold; peak address space is what an
    address-space or data rlimit (a per-worker memory cap) sees: it also
    counts memory freed to the allocator but not given back.
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its sizes before the page, then the outcome
        os.close(read)
        code = 0
        try:
            _release_free_memory()
            rss, size = _status_mb("VmRSS", "VmSize")
            os.write(write, f"{rss} {size}\n".encode())
            outcome = _one_page(path, kind).replace("\n", " ")
            os.write(write, f"{_status_mb('VmPeak')[0]}\t{outcome}\n".encode())
        except BaseException:  # noqa: BLE001 - a child must never return into the parent
            code = 1
        os._exit(code)
    os.close(write)
    start = time.perf_counter()
    received = b""
    while received.count(b"\n") < 2:
        left = cap - (time.perf_counter() - start)
        ready, _, _ = select.select([read], [], [], max(0.0, left))
        if not ready:
            os.kill(pid, signal.SIGKILL)
            break
        chunk = os.read(read, 4096)
        if not chunk:
            break
        received += chunk
    seconds = time.perf_counter() - start
    _, status, usage = os.wait4(pid, 0)
    os.close(read)
    lines = received.decode("utf-8", "replace").split("\n")
    rss, size = (float(x) for x in lines[0].split()) if lines[0] else (0.0, 0.0)
    vm = None
    if len(lines) >= 3:
        peak_vm, _, outcome = lines[1].partition("\t")
        vm = float(peak_vm) - size
    elif os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL and seconds >= cap:
        outcome = f"killed after {cap:g} s"
    else:
        outcome = f"died (status {status})"
    return Measured(seconds, usage.ru_maxrss / 1024 - rss, vm, outcome)


def _warm_up() -> None:
    """Import and load everything a page touches (stop-word lists, trafilatura's
    lazy parts), so the first measured page does not pay for it."""
    for text, kind in ((_prose(20_000), "html"), (_text_lines(20_000), "text")):
        page = prepare(clean(text.encode(), kind=kind))
        sign(page.text, 128)
    import gc

    gc.collect()
    gc.freeze()  # the children then touch fewer inherited pages


def run_shape(shape: Shape, sizes: list[int], cap: float, folder: Path) -> list[Cost]:
    costs: list[Cost] = []
    for size_mb in sizes:
        if costs and costs[-1].outcome.startswith("killed"):
            break  # a larger page of the same shape only takes longer
        size = size_mb * MB - (64 * 1024 if size_mb >= 16 else 0)  # under a limit of that size
        data = shape.build(size).encode("utf-8")
        path = folder / f"{shape.name}.{'html' if shape.kind == 'html' else 'txt'}"
        path.write_bytes(data)
        count, nbytes = data.count(b"<"), len(data)
        del data
        got = measure(str(path), shape.kind, cap)
        path.unlink()
        costs.append(Cost.of(shape.name, nbytes, got, count))
        print(_row(costs[-1]), flush=True)
    return costs


def bench_pages(root: Path, cap: float, folder: Path) -> dict:
    """The benchmark pages, read in place: sizes, `<` counts, and each page's cost."""
    costs: list[Cost] = []
    for name in BENCH_SETS:
        for source in sorted((root / name / "html").glob("*.html.gz")):
            data = gzip.decompress(source.read_bytes())
            path = folder / "bench.html"
            path.write_bytes(data)  # a temporary file, deleted below: read as a worker reads
            got = measure(str(path), "html", cap)
            costs.append(Cost.of(f"{name}/{source.name[:16]}", len(data), got,
                                 data.count(b"<")))
    if not costs:
        return {}
    (folder / "bench.html").unlink()
    counts = sorted(c.lt_count for c in costs)
    sizes = sorted(c.bytes for c in costs)

    def pct(values: list, q: float) -> int:
        return values[min(len(values) - 1, int(q * len(values)))]

    worst_mem = max(costs, key=lambda c: c.peak_mb)
    worst_time = max(costs, key=lambda c: c.seconds)
    return {
        "pages": len(costs),
        "largest_bytes": sizes[-1], "p99_bytes": pct(sizes, 0.99), "median_bytes": pct(sizes, 0.5),
        "lt_max": counts[-1], "lt_p99": pct(counts, 0.99), "lt_median": pct(counts, 0.5),
        "worst_peak": asdict(worst_mem), "worst_time": asdict(worst_time),
        "worst_vm": asdict(max(costs, key=lambda c: c.vm_mb or 0.0)),
        "max_ratio": max((c.ratio for c in costs if c.bytes >= RATIO_MIN_BYTES), default=0.0),
        "p99_peak_mb": pct(sorted(c.peak_mb for c in costs), 0.99),
        "not_ok": {c.shape: c.outcome for c in costs if c.outcome != "ok"},
    }


def _row(cost: Cost) -> str:
    vm = "-" if cost.vm_mb is None else f"{cost.vm_mb:.1f}"
    return (f"{cost.shape:<14} {cost.bytes / MB:7.1f} {cost.lt_count:>10,} {cost.seconds:8.2f} "
            f"{cost.peak_mb:9.1f} {cost.ratio:7.1f} {vm:>9}  {cost.outcome[:60]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="page sizes in MB, comma-separated (default: %(default)s)")
    parser.add_argument("--cap", type=float, default=DEFAULT_CAP,
                        help="seconds before a run is killed (default: %(default)s)")
    parser.add_argument("--only", default="", help="shapes to run, comma-separated (default: all)")
    parser.add_argument("--max-tags", type=int, default=None,
                        help="try another cap on '<' per page (default: parse.MAX_TAGS)")
    parser.add_argument("--no-bench", action="store_true", help="skip the benchmark pages")
    parser.add_argument("--bench-root", type=Path,
                        default=Path(__file__).resolve().parents[3] / "shared" / "bench")
    parser.add_argument("--out", type=Path, default=Path("out/pagecost.json"))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    only = {s for s in args.only.split(",") if s}
    if args.max_tags is not None:  # for this run only: the children inherit it
        global MAX_TAGS
        MAX_TAGS = parse.MAX_TAGS = args.max_tags
    _warm_up()
    fields = ("VmRSS", "RssAnon", "RssFile", "VmData", "VmSize")
    worker = dict(zip(fields, _status_mb(*fields), strict=True))
    print("a worker before its first page (MB):", worker)
    report: dict = {"sizes_mb": sizes, "cap_seconds": args.cap, "worker_mb": worker,
                    "max_tags": MAX_TAGS, "shapes": [], "bench": {}}
    print(f"{'shape':<14} {'MB':>7} {'<':>10} {'seconds':>8} {'peak MB':>9} {'ratio':>7} "
          f"{'vm MB':>9}  outcome")
    with tempfile.TemporaryDirectory(prefix="pagecost-") as tmp:
        for shape in SHAPES:
            if not only or shape.name in only:
                report["shapes"] += [asdict(c) for c in run_shape(shape, sizes, args.cap,
                                                                   Path(tmp))]
        if not args.no_bench:
            report["bench"] = bench_pages(args.bench_root, args.cap, Path(tmp))
            bench = report["bench"]
            print(json.dumps({k: v for k, v in bench.items() if k != "not_ok"}, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"figures: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
