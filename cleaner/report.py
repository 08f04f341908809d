"""`cleaner report`: one self-contained HTML file showing what a run kept, removed and why.

The report is built from a run's output folder (documents.jsonl, errors.jsonl,
and the run's summary in .cleaner-run/run.json when there is one). Everything
is inline (styles, script, SVG charts), so the file opens offline. The page's
data is one JSON block; the summary and the removals-by-reason chart are
drawn here, in the HTML itself; documents, clusters and errors are drawn by
a small script a page at a time, so a report of 10,000 documents opens in a
few seconds. The page itself (HTML, styles, script) is package data,
`report_page.html`; this module only fills it in.
"""

from __future__ import annotations

import functools
import html
import json
from collections import Counter
from importlib import resources
from pathlib import Path

from cleaner.batch.outdir import DOCUMENTS_FILE, ERRORS_FILE, REPORT_FILE, STATE_DIR, OutDir
from cleaner.batch.outputs import json_line
from cleaner.document import REASONS

#: Characters of one block shown in the report (the rest is cut, with a mark).
MAX_BLOCK_CHARS = 2000
#: Characters of each copy shown side by side in a duplicate cluster.
CLUSTER_PREVIEW_CHARS = 700
#: The page's template (its HTML, styles and script), package data beside this
#: module: kept as a file so it reads, and is edited, as HTML. `render` fills its
#: `@@CARDS@@`, `@@REASONS_SVG@@`, `@@OPTIONS@@` and `@@DATA@@` slots.
TEMPLATE_FILE = "report_page.html"


class ReportError(ValueError):
    """The folder holds no run output to report on."""


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


def _blocks(record: dict) -> list[list]:
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


def report_data(outdir: Path) -> dict:
    """Everything the report shows, as plain values."""
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
        kept_chars = len(record.get("text") or "")
        doc = {
            "n": n, "id": record.get("id"), "source": record.get("source"),
            "url": record.get("url"), "title": record.get("title"),
            "kind": record.get("kind"), "dup": record.get("duplicate_of"),
            "sim": record.get("similarity"), "cluster": record.get("cluster"),
            "kept": kept_chars, "removed": sum(len(str(e.get("text", ""))) for e in removed),
            "reasons": sorted({str(e.get("reason", "")) for e in removed}),
            "blocks": _blocks(record),
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
                                                      "text": ""},
            "copies": [dict(_preview(c), sim=c["sim"]) for c in copies],
        })
    summary = _summary(outdir, docs, errors)
    return {"summary": summary,
            "reasons": [[r, reasons[r], reason_chars[r]] for r, _ in reasons.most_common()],
            "meanings": {r: REASONS.get(r, "") for r in reasons},
            "docs": docs, "clusters": cluster_list,
            "errors": [[str(e.get("source", "")), str(e.get("error", ""))] for e in errors]}


def _preview(doc: dict) -> dict:
    """A document as a duplicate cluster shows it: its kept text, cut short."""
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


def render(data: dict) -> str:
    """The report page for `report_data`'s values."""
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
    payload = json_line(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    # no "<" in the data: nothing in it can end the script element or open a comment
    payload = payload.replace("<", "\\u003c")
    return (_template().replace("@@CARDS@@", cards)
            .replace("@@REASONS_SVG@@", _reasons_svg(data["reasons"]))
            .replace("@@OPTIONS@@", options)
            .replace("@@DATA@@", payload))


def write_report(outdir: Path) -> Path:
    """Write OUTDIR/report.html for the run whose output is in `outdir`; returns its path."""
    outdir = Path(outdir)
    page = render(report_data(outdir))
    with OutDir(outdir) as out:
        out.check()  # never written through a link planted in OUTDIR
        out.write(REPORT_FILE, page.encode("utf-8", "surrogatepass"))
    return outdir / REPORT_FILE


__all__ = ["ReportError", "render", "report_data", "write_report"]
