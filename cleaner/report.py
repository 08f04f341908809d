"""`cleaner report`: an HTML page showing what a run kept, removed and why.

Built from a run's output folder (documents.jsonl, errors.jsonl, the run's
summary in .cleaner-run/run.json when there is one), it loads nothing from the
network (styles, script and SVG are inline), so it opens offline. The summary and
the removals-by-reason chart are drawn here; documents, clusters and errors by a
small script a page at a time. The page (HTML, styles, script) is package data,
`report_page.html`; this module only fills it in.

Scale: report.html lists every document (title, URL, figures: what searching,
filtering and paging need) but holds the blocks of only the first `CHUNK_SIZE`
documents and clusters; the rest are chunks beside it (`DATA_DIR`), loaded
when a document is opened or a cluster page shown. A chunk is a script calling
the page back (JSONP-like), not JSON: a page opened from file:// may not fetch()
a file in Chromium, but it may load a script. 5,000 news pages made one 63 MB
file that took seconds to open (`cleaner.benchmarks.report_size` measures it).
"""

from __future__ import annotations

import errno
import functools
import hashlib
import html
import json
import os
import re
import stat
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from cleaner.batch.outdir import (
    DOCUMENTS_FILE,
    ERRORS_FILE,
    REPORT_DATA_DIR,
    REPORT_FILE,
    STATE_DIR,
    OutDir,
    UnsafeOutputError,
    remove_in,
)
from cleaner.batch.outputs import json_line
from cleaner.document import REASONS
from cleaner.errors import CleanerError

#: Characters of one block shown in the report (the rest is cut, with a mark).
MAX_BLOCK_CHARS = 2000
#: Characters of each copy shown side by side in a duplicate cluster.
CLUSTER_PREVIEW_CHARS = 700
#: Consecutive removed blocks are shown as one collapsed line ("238 lines removed:
#: 226 outside-main-content, 12 navigation") from this many on: one or two
#: lines take no more room shown whole than the line that would sum them up.
COLLAPSE_MIN_RUN = 3
#: Documents (and clusters) the page lists at a time.
PAGE_SIZE = 25
#: Documents (and clusters) per data chunk, the first inline in report.html (a
#: run of up to this many is one file). Eight whole pages, so an unfiltered page
#: needs one chunk; at the ~12 KB a news page's blocks take, a chunk is ~2.5 MB,
#: which Chromium reads in well under 0.1 s, and 5,000 documents take 25 files.
CHUNK_SIZE = 8 * PAGE_SIZE
#: The folder beside report.html holding the chunks beyond the first.
DATA_DIR = REPORT_DATA_DIR
#: The page's function each chunk calls with its items (the page defines it).
CHUNK_CALLBACK = "cleanerReportChunk"
#: Hex digits of the content hash in the chunk names: a page never mixes its
#: chunks with a later report's (48 bits: two reports of a folder never clash).
TOKEN_CHARS = 12
#: The names of the chunk files (and of their temporary files while written):
#: only these are removed from DATA_DIR when a new report replaces them.
_CHUNK = rf"[0-9a-f]{{{TOKEN_CHARS}}}-(?:docs|clusters)-\d{{4,}}\.js"
_CHUNK_NAME = re.compile(rf"{_CHUNK}|\.{_CHUNK}\.[0-9a-f]{{8}}\.tmp")
#: The page's template (its HTML, styles and script), package data beside this
#: module: kept as a file so it reads, and is edited, as HTML. `render` fills its
#: `@@CARDS@@`, `@@REASONS_SVG@@`, `@@OPTIONS@@` and `@@DATA@@` slots.
TEMPLATE_FILE = "report_page.html"


class ReportError(CleanerError, ValueError):
    """The folder holds no run output to report on.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> try:
        ...     report_data(Path(tempfile.mkdtemp()))
        ... except ReportError as exc:
        ...     print(type(exc).__name__)
        ReportError
    """


class Rendered(NamedTuple):
    """A report as written: the page, and its data chunks by file name in DATA_DIR."""

    page: str
    chunks: dict[str, str]


def _read_jsonl(path: Path) -> list[dict]:
    """The objects of a JSON-lines file; a missing file, a torn or foreign line
    (a run stopped mid-write, a hand edit) is skipped: a report shows what it can."""
    out: list[dict] = []
    if not path.is_file():
        return out
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line:
                try:
                    value = json.loads(line)
                except ValueError:
                    continue
                if isinstance(value, dict):
                    out.append(value)
    return out


def _cut(text: str, limit: int) -> str:
    """The text up to `limit` characters, marked when cut: a report of a long page
    stays small enough to open."""
    return text if len(text) <= limit else text[:limit] + " …"


def page_blocks(record: dict) -> list[list]:
    """The page's blocks in order, [state, text, reason], from the record's layout."""
    removed = record.get("removed") or []
    text = record.get("text") or ""
    layout = record.get("layout")
    paragraphs = text.split("\n\n") if text else []
    if not isinstance(layout, str) or set(layout) - set("tkr") or (
            layout.count("k") != len(paragraphs) or layout.count("r") != len(removed)):
        # no usable layout (an older run): the kept text, then what was removed
        layout = "t" * bool(record.get("title")) + "k" * len(paragraphs) + "r" * len(removed)
    kept, gone = iter(paragraphs), iter(removed)
    out: list[list] = []
    for code in layout:
        if code == "t":
            out.append(["t", _cut(record.get("title") or "", MAX_BLOCK_CHARS), ""])
        elif code == "k":
            out.append(["k", _cut(next(kept), MAX_BLOCK_CHARS), ""])
        else:
            entry = next(gone)
            out.append(["r", _cut(str(entry.get("text", "")), MAX_BLOCK_CHARS),
                        str(entry.get("reason", ""))])
    return out


def collapse(blocks: list[list]) -> list[list]:
    """The blocks as the report draws them: each run of `COLLAPSE_MIN_RUN` or more
    removed blocks in a row becomes one entry, ["run", [[reason, count], ...] (most
    common first, ties in page order), [its blocks]], so the 240 menu lines before
    a story take one line until the reader opens them."""
    out: list[list] = []
    run: list[list] = []

    def flush() -> None:
        if len(run) >= COLLAPSE_MIN_RUN:
            counts = Counter(block[2] or "unknown" for block in run)
            out.append(["run", [[r, c] for r, c in counts.most_common()], list(run)])
        else:
            out.extend(run)
        run.clear()

    for block in blocks:
        if block[0] == "r":
            run.append(block)
        else:
            flush()
            out.append(block)
    flush()
    return out


def report_data(outdir: Path) -> dict:
    """Everything the report shows, as plain values (each document's blocks collapsed)."""
    outdir = Path(outdir)
    if not (outdir / DOCUMENTS_FILE).is_file() and not (outdir / ERRORS_FILE).is_file():
        raise ReportError(f"{outdir} holds no {DOCUMENTS_FILE} or {ERRORS_FILE}: "
                          "not the output folder of a `cleaner clean` run")
    records = _read_jsonl(outdir / DOCUMENTS_FILE)
    errors = _read_jsonl(outdir / ERRORS_FILE)
    reasons: Counter[str] = Counter()
    reason_chars: Counter[str] = Counter()
    docs = []
    by_id: dict[str, dict] = {}
    for n, record in enumerate(records):
        removed = record.get("removed") or []
        for entry in removed:
            reason = str(entry.get("reason", "")) or "unknown"
            reasons[reason] += 1
            reason_chars[reason] += len(str(entry.get("text", "")))
        doc = {
            "n": n, "id": record.get("id"), "source": record.get("source"),
            "url": record.get("url"), "title": record.get("title"),
            "kind": record.get("kind"), "dup": record.get("duplicate_of"),
            "sim": record.get("similarity"), "cluster": record.get("cluster"),
            "kept": len(record.get("text") or ""),
            "removed": sum(len(str(e.get("text", ""))) for e in removed),
            "reasons": sorted({str(e.get("reason", "")) for e in removed}),
            "blocks": collapse(page_blocks(record)),
        }
        docs.append(doc)
        if doc["id"] is not None:
            by_id.setdefault(str(doc["id"]), doc)
    clusters: dict[str, list] = {}
    for doc in docs:
        if doc["dup"]:
            clusters.setdefault(str(doc["dup"]), []).append(doc)
    cluster_list = []
    for kept_id, copies in clusters.items():
        keeper = by_id.get(kept_id)
        cluster_list.append({
            "kept": _preview(keeper) if keeper else {"id": kept_id, "title": None,
                                                      "source": "an earlier run (the index)",
                                                      "text": "", "n": None},
            "copies": [dict(_preview(c), sim=c["sim"]) for c in copies],
        })
    summary = _summary(outdir, docs, errors)
    return {"summary": summary,
            "reasons": [[r, reasons[r], reason_chars[r]] for r, _ in reasons.most_common()],
            "meanings": {r: REASONS.get(r, "") for r in reasons},
            "docs": docs, "clusters": cluster_list,
            "errors": [[str(e.get("source", "")), str(e.get("error", ""))] for e in errors]}


def _preview(doc: dict) -> dict:
    """A document as a duplicate cluster shows it: its kept text, cut short (kept
    blocks are never inside a collapsed run)."""
    text = "\n\n".join(b[1] for b in doc["blocks"] if b[0] == "k")
    return {"id": doc["id"], "title": doc["title"], "source": doc["source"],
            "text": _cut(text, CLUSTER_PREVIEW_CHARS), "n": doc["n"]}


def _summary(outdir: Path, docs: list[dict], errors: list[dict]) -> dict:
    """The run's figures: counted from the records, or the run's own where it saved
    them for the same pages (its characters in are what decoding gave)."""
    kept = [d for d in docs if not d["dup"]]
    figures = {"read": len(docs) + len(errors), "kept": len(kept),
               "duplicates": len(docs) - len(kept), "errors": len(errors),
               "chars_in": None, "chars_out": sum(d["kept"] for d in kept)}
    try:  # the run's own figures (characters in counts what decoding gave)
        info = json.loads((outdir / STATE_DIR / "run.json").read_text(encoding="utf-8"))
        saved = info.get("summary") or {}
        if saved.get("read") == figures["read"]:
            figures.update({k: saved[k] for k in figures if k in saved})
    except (OSError, ValueError, AttributeError):
        pass
    if figures["chars_in"] is None:  # every block the pages had
        figures["chars_in"] = sum(d["kept"] + d["removed"] for d in docs)
    return figures


def _reasons_svg(reasons: list[list]) -> str:
    """Removals by reason: a horizontal bar per reason (blocks removed)."""
    if not reasons:
        return '<p class="none">Nothing was removed.</p>'
    top = max(count for _, count, _ in reasons)
    row, label, width = 22, 170, 420
    parts = [f'<svg class="chart" id="reasons-chart" role="img" width="{label + width + 200}" '
             f'height="{row * len(reasons) + 10}" aria-label="Blocks removed by reason">']
    for i, (reason, count, chars) in enumerate(reasons):
        y = 5 + i * row
        w = max(2, round(width * count / top))
        name = html.escape(reason)
        meaning = html.escape(REASONS.get(reason, ""))
        parts.append(
            f'<g class="bar" data-reason="{name}"><title>{name}: {meaning}</title>'
            f'<text x="{label - 6}" y="{y + 14}" text-anchor="end">{name}</text>'
            f'<rect x="{label}" y="{y + 2}" width="{w}" height="{row - 6}" rx="2"></rect>'
            f'<text x="{label + w + 6}" y="{y + 14}">{count:,} '
            f'<tspan class="quiet">({chars:,} characters)</tspan></text></g>')
    parts.append("</svg>")
    return "".join(parts)


@functools.cache
def _template() -> str:
    """The report page's template (`TEMPLATE_FILE`), read once per process."""
    return resources.files("cleaner").joinpath(TEMPLATE_FILE).read_text(encoding="utf-8")


def script_json(value: object) -> str:
    """`value` as JSON that is safe inside a <script> element and as script text: no
    "<" at all (nothing in it can end the element or open a comment), no line
    breaks JavaScript reads as such, no lone surrogate."""
    text = json_line(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return text.replace("<", "\\u003c")


def split(data: dict) -> tuple[dict, dict[str, str]]:
    """The page's own data and its chunk files: documents' blocks and clusters' texts
    beyond the first `CHUNK_SIZE` of each move to the chunks, named by a hash of
    their content (`TOKEN_CHARS`)."""
    docs = [{k: v for k, v in d.items() if k not in ("blocks", "cluster")}  # unused there
            for d in data["docs"]]
    clusters = [{"kept": {k: v for k, v in c["kept"].items() if k != "text"},
                 "copies": [{k: v for k, v in d.items() if k != "text"} for d in c["copies"]]}
                for c in data["clusters"]]
    items = {"docs": [d["blocks"] for d in data["docs"]],
             "clusters": [[c["kept"]["text"], [d["text"] for d in c["copies"]]]
                          for c in data["clusters"]]}
    first, bodies, digest = {}, {}, hashlib.sha256()
    for kind, values in items.items():
        first[kind] = values[:CHUNK_SIZE]
        bodies[kind] = [script_json(values[start:start + CHUNK_SIZE])
                        for start in range(CHUNK_SIZE, len(values), CHUNK_SIZE)]
        for i, body in enumerate(bodies[kind], 1):
            digest.update(f"{kind} {i} {body}\n".encode("utf-8", "surrogatepass"))
    token = digest.hexdigest()[:TOKEN_CHARS] if any(bodies.values()) else ""
    files: dict[str, str] = {}
    names: dict[str, list] = {}
    for kind, chunk_bodies in bodies.items():
        names[kind] = [None]  # the first chunk: inline
        for i, body in enumerate(chunk_bodies, 1):
            name = f"{token}-{kind}-{i:04d}.js"
            files[name] = f'{CHUNK_CALLBACK}("{token}","{kind}",{i},{body});\n'
            names[kind].append(name)
    page = {key: data[key] for key in ("summary", "reasons", "meanings", "errors")}
    page.update(docs=docs, clusters=clusters, first=first, page=PAGE_SIZE,
                chunks={"size": CHUNK_SIZE, "token": token, "dir": DATA_DIR,
                        "callback": CHUNK_CALLBACK, "files": names})
    return page, files


def render(data: dict) -> Rendered:
    """The report page for `report_data`'s values, and its data chunks."""
    s = data["summary"]
    figures = [("read", "documents read"), ("kept", "kept"), ("duplicates", "duplicates"),
               ("errors", "errors"), ("chars_in", "characters in"),
               ("chars_out", "characters out")]
    share = f"{s['chars_out'] / s['chars_in']:.0%} of characters in" if s["chars_in"] else ""
    notes = {"chars_out": share}
    cards = "".join(
        f'<div class="card" data-figure="{key}"><div class="value">{s[key]:,}</div>'
        f'<div class="label">{label}</div>'
        + (f'<div class="note">{notes[key]}</div>' if notes.get(key) else "") + "</div>"
        for key, label in figures)
    options = "".join(f'<option value="{html.escape(r)}">{html.escape(r)} ({c:,})</option>'
                      for r, c, _ in data["reasons"])
    page_data, chunks = split(data)
    page = (_template().replace("@@CARDS@@", cards)
            .replace("@@REASONS_SVG@@", _reasons_svg(data["reasons"]))
            .replace("@@OPTIONS@@", options)
            .replace("@@DATA@@", script_json(page_data)))
    return Rendered(page, chunks)


def _refuse_link(out: OutDir, name: str) -> None:
    """Refuse to write below OUTDIR/`name` when it is a link, as `OutDir.check` does
    for report.html: a link there is a trap or a mistake, never ours to follow."""
    try:
        info = os.lstat(name, dir_fd=out.fd)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeOutputError(
            f"{out.path / name} is a symbolic link (to {os.readlink(name, dir_fd=out.fd)}); "
            "cleaner never writes through a link in its output folder: remove the link, "
            "or choose another output folder")


def _remove_stale(out: OutDir, keep: set[str]) -> None:
    """Remove the chunks of an earlier report (and temporary files a killed write
    left), only those: DATA_DIR is reached without following a link (a link there
    is left alone), and is removed itself when nothing else is in it."""
    try:
        if not stat.S_ISDIR(os.lstat(DATA_DIR, dir_fd=out.fd).st_mode):
            return
        with out.folder(DATA_DIR) as dir_fd:
            for name in os.listdir(dir_fd):
                if name not in keep and _CHUNK_NAME.fullmatch(name):
                    remove_in(dir_fd, name)
            empty = not os.listdir(dir_fd)
    except OSError as exc:  # gone, or a link swapped in meanwhile: nothing to remove
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
            return
        raise
    if empty:
        try:
            os.rmdir(DATA_DIR, dir_fd=out.fd)
        except OSError:
            pass  # something was put there meanwhile: left as it is


def write_report(outdir: Path) -> Path:
    """Write OUTDIR/report.html (and its chunks in OUTDIR/report-data/) for the run
    whose output is in `outdir`; returns the page's path.

    The chunks are written before the page, so the page never names a chunk not
    yet there; an earlier report's are removed after it. Their names hold a hash
    of their content, so a page never shows another report's blocks as its own.
    """
    outdir = Path(outdir)
    page, chunks = render(report_data(outdir))
    with OutDir(outdir) as out:
        out.check()  # never written through a link planted in OUTDIR
        if chunks:
            _refuse_link(out, DATA_DIR)
        for name, text in chunks.items():
            out.write(f"{DATA_DIR}/{name}", text.encode("utf-8", "surrogatepass"))
        out.write(REPORT_FILE, page.encode("utf-8", "surrogatepass"))
        _remove_stale(out, set(chunks))
    return outdir / REPORT_FILE


__all__ = ["CHUNK_SIZE", "COLLAPSE_MIN_RUN", "DATA_DIR", "ReportError", "Rendered",
           "collapse", "page_blocks", "render", "report_data", "script_json", "split",
           "write_report"]
