"""`cleaner report`: one self-contained HTML file showing what a run kept, removed and why.

The report is built from a run's output folder (documents.jsonl, errors.jsonl,
and the run's summary in .cleaner-run/run.json when there is one). Everything
is inline (styles, script, SVG charts), so the file opens offline. The page's
data is one JSON block; the summary and the removals-by-reason chart are
drawn here, in the HTML itself; documents, clusters and errors are drawn by
a small script a page at a time, so a report of 10,000 documents opens in a
few seconds.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from pathlib import Path

from cleaner.document import REASONS
from cleaner.outdir import DOCUMENTS_FILE, ERRORS_FILE, REPORT_FILE, STATE_DIR, OutDir
from cleaner.sinks import json_line

#: Characters of one block shown in the report (the rest is cut, with a mark).
MAX_BLOCK_CHARS = 2000
#: Characters of each copy shown side by side in a duplicate cluster.
CLUSTER_PREVIEW_CHARS = 700


class ReportError(ValueError):
    """The folder holds no run output to report on."""


def _read_jsonl(path: Path) -> list[dict]:
    out = []
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
    text = "\n\n".join(b[1] for b in doc["blocks"] if b[0] == "k")
    return {"id": doc["id"], "title": doc["title"], "source": doc["source"],
            "text": _cut(text, CLUSTER_PREVIEW_CHARS), "n": doc["n"]}


def _summary(outdir: Path, docs: list[dict], errors: list[dict]) -> dict:
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
    return (_PAGE.replace("@@CARDS@@", cards)
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


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cleaner report</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;
background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:14px 28px}
header h1{margin:0;font-size:20px;font-weight:600}
main{max-width:1200px;margin:0 auto;padding:18px 28px 60px}
section{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:16px 20px;
margin:18px 0}
h2{font-size:17px;margin:0 0 12px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #dde1e7;border-radius:6px;padding:10px 16px;min-width:120px}
.card .value{font-size:22px;font-weight:600}.card .label{color:#5b6475;font-size:13px}
.card .note{color:#2e8b57;font-size:12px}.chart .quiet{fill:#8a909c}
.chart text{font-size:12px;fill:#1d2330}.chart rect{fill:#c0392b}
.chart rect.kept{fill:#2e8b57}.chart rect.removed{fill:#d98c84}
.controls{display:flex;gap:12px;align-items:center;flex-wrap:wrap;margin-bottom:10px}
.pager button{margin:0 2px}.pager span{margin:0 6px;color:#5b6475}
details.doc{border-top:1px solid #eceef2;padding:6px 0}
details.doc summary{cursor:pointer}
.doc .meta{color:#5b6475;font-size:13px}
.badge{font-size:12px;border-radius:10px;padding:1px 8px;margin-left:6px;background:#eceef2}
.badge.dup{background:#fdebd0}
.block{padding:3px 8px;margin:3px 0;border-left:3px solid #2e8b57;white-space:pre-wrap}
.block.title{border-color:#2471a3;font-weight:600}
.block.removed{border-color:#d98c84;color:#8a909c}
.block.removed .text{text-decoration:line-through}
.reason{display:inline-block;font-size:12px;color:#a04000;background:#fdf2e9;
border-radius:4px;padding:0 6px;margin-right:8px;text-decoration:none}
.cluster{border-top:1px solid #eceef2;padding:10px 0}
.copies{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:10px}
.copy{border:1px solid #dde1e7;border-radius:6px;padding:8px;font-size:13px;
white-space:pre-wrap;max-height:260px;overflow:auto}
.copy.kept{border-color:#2e8b57}.copy h4{margin:0 0 4px;font-size:13px}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:4px 8px;
border-top:1px solid #eceef2;font-size:13px;vertical-align:top}
.none{color:#5b6475}
</style></head>
<body>
<header><h1>cleaner report</h1></header>
<main>
<section id="summary"><h2>Summary</h2><div class="cards">@@CARDS@@</div></section>
<section id="reasons"><h2>Removals by reason (blocks)</h2>@@REASONS_SVG@@</section>
<section id="documents"><h2>Documents</h2>
<div class="controls">
<label>Show <select id="reason-filter"><option value="">every block</option>@@OPTIONS@@</select>
</label>
<label><input type="checkbox" id="dups-only"> duplicates only</label>
<span class="pager" id="doc-pager"></span></div>
<svg class="chart" id="doc-chart" role="img" aria-label="Characters kept and removed"></svg>
<div id="doc-list"></div></section>
<section id="clusters"><h2>Duplicate clusters</h2>
<div class="controls"><span class="pager" id="cluster-pager"></span></div>
<div id="cluster-list"></div></section>
<section id="errors"><h2>Errors</h2>
<div class="controls"><span class="pager" id="error-pager"></span></div>
<div id="error-list"></div></section>
</main>
<script type="application/json" id="report-data">@@DATA@@</script>
<script>
"use strict";
const DATA = JSON.parse(document.getElementById("report-data").textContent);
const PAGE = 25;
const state = {docPage: 0, clusterPage: 0, errorPage: 0, reason: "", dupsOnly: false};
function el(tag, attrs, ...kids) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const kid of kids) node.append(kid instanceof Node ? kid : String(kid));
  return node;
}
function pager(host, count, page, go) {
  host.textContent = "";
  const pages = Math.max(1, Math.ceil(count / PAGE));
  if (pages === 1) { host.append(el("span", {}, `${count.toLocaleString()} in all`)); return; }
  const prev = el("button", {type: "button"}, "\\u2039 previous");
  const next = el("button", {type: "button"}, "next \\u203a");
  prev.disabled = page <= 0; next.disabled = page >= pages - 1;
  prev.onclick = () => go(page - 1); next.onclick = () => go(page + 1);
  host.append(prev, el("span", {}, `page ${page + 1} of ${pages} (${count.toLocaleString()})`),
              next);
}
function docChart(docs) {
  const svg = document.getElementById("doc-chart");
  const NS = "http://www.w3.org/2000/svg";
  svg.textContent = "";
  const row = 16, label = 300, width = 560;
  const top = Math.max(1, ...docs.map(d => d.kept + d.removed));
  svg.setAttribute("width", label + width + 40);
  svg.setAttribute("height", docs.length * row + 24);
  const mk = (tag, attrs, text) => {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  docs.forEach((d, i) => {
    const y = i * row;
    const full = d.title || d.source || d.id || "";
    const name = full.length > 44 ? full.slice(0, 43) + "\u2026" : full;
    const g = mk("g", {"class": "doc-bar"});
    g.append(mk("title", {}, `${full}: ${d.kept.toLocaleString()} characters kept, ` +
                              `${d.removed.toLocaleString()} removed`));
    g.append(mk("text", {x: label - 6, y: y + 12, "text-anchor": "end"}, name));
    const wk = Math.round(width * d.kept / top), wr = Math.round(width * d.removed / top);
    g.append(mk("rect", {x: label, y: y + 3, width: wk, height: row - 5, "class": "kept"}));
    g.append(mk("rect", {x: label + wk, y: y + 3, width: wr, height: row - 5,
                         "class": "removed"}));
    svg.append(g);
  });
  const ly = docs.length * row + 16;
  svg.append(mk("rect", {x: label, y: ly - 9, width: 10, height: 10, "class": "kept"}));
  svg.append(mk("text", {x: label + 14, y: ly}, "characters kept"));
  svg.append(mk("rect", {x: label + 130, y: ly - 9, width: 10, height: 10, "class": "removed"}));
  svg.append(mk("text", {x: label + 144, y: ly}, "characters removed"));
}
function renderDocs() {
  const list = document.getElementById("doc-list");
  list.textContent = "";
  const docs = DATA.docs.filter(d => (!state.reason || d.reasons.includes(state.reason)) &&
                                     (!state.dupsOnly || d.dup));
  const page = Math.min(state.docPage, Math.max(0, Math.ceil(docs.length / PAGE) - 1));
  state.docPage = page;
  pager(document.getElementById("doc-pager"), docs.length, page,
        p => { state.docPage = p; renderDocs(); });
  const shown = docs.slice(page * PAGE, page * PAGE + PAGE);
  docChart(shown);
  if (!shown.length) list.append(el("p", {"class": "none"}, "No document matches."));
  for (const d of shown) {
    const head = el("summary", {}, d.title || "(no title)");
    if (d.dup) head.append(el("span", {"class": "badge dup"},
                              `duplicate of ${d.dup}, similarity ${d.sim}`));
    head.append(el("span", {"class": "badge"},
                   `${d.kept.toLocaleString()} kept / ${d.removed.toLocaleString()} removed`));
    const box = el("details", {"class": "doc", "data-id": d.id || ""}, head,
                   el("div", {"class": "meta"}, `${d.source || ""}  ${d.url || ""}  ` +
                                              `[${d.kind || ""}] id ${d.id}`));
    for (const [code, text, reason] of d.blocks) {
      if (state.reason && (code !== "r" || reason !== state.reason)) continue;
      const kind = code === "r" ? "removed" : code === "t" ? "title" : "kept";
      const block = el("div", {"class": `block ${kind}`});
      if (code === "r") {
        block.append(el("span", {"class": "reason", title: DATA.meanings[reason] || ""}, reason));
      }
      block.append(el("span", {"class": "text"}, text));
      box.append(block);
    }
    // a filtered list, or a run of a few pages: shown open
    if (state.reason || DATA.docs.length <= 3) box.open = true;
    list.append(box);
  }
}
function renderClusters() {
  const list = document.getElementById("cluster-list");
  list.textContent = "";
  const all = DATA.clusters;
  pager(document.getElementById("cluster-pager"), all.length, state.clusterPage,
        p => { state.clusterPage = p; renderClusters(); });
  if (!all.length) list.append(el("p", {"class": "none"}, "No duplicates."));
  for (const c of all.slice(state.clusterPage * PAGE, state.clusterPage * PAGE + PAGE)) {
    const copy = (d, kept) => el("div", {"class": kept ? "copy kept" : "copy dropped"},
      el("h4", {}, (kept ? "kept: " : `dropped, similarity ${d.sim}: `) + (d.title || d.id)),
      el("div", {"class": "meta"}, d.source || ""), d.text);
    list.append(el("div", {"class": "cluster", "data-kept": c.kept.id},
      el("div", {"class": "meta"}, `${c.copies.length + 1} copies`),
      el("div", {"class": "copies"}, copy(c.kept, true), ...c.copies.map(d => copy(d, false)))));
  }
}
function renderErrors() {
  const list = document.getElementById("error-list");
  list.textContent = "";
  const all = DATA.errors;
  pager(document.getElementById("error-pager"), all.length, state.errorPage,
        p => { state.errorPage = p; renderErrors(); });
  if (!all.length) { list.append(el("p", {"class": "none"}, "No errors.")); return; }
  const table = el("table", {}, el("tr", {}, el("th", {}, "source"), el("th", {}, "error")));
  for (const [source, error] of all.slice(state.errorPage * PAGE,
                                          state.errorPage * PAGE + PAGE)) {
    table.append(el("tr", {"class": "error-row"}, el("td", {}, source), el("td", {}, error)));
  }
  list.append(table);
}
document.getElementById("reason-filter").onchange = e => {
  state.reason = e.target.value; state.docPage = 0; renderDocs();
};
document.getElementById("dups-only").onchange = e => {
  state.dupsOnly = e.target.checked; state.docPage = 0; renderDocs();
};
renderDocs(); renderClusters(); renderErrors();
document.body.setAttribute("data-ready", "1");
</script>
</body></html>
"""

__all__ = ["REPORT_FILE", "ReportError", "render", "report_data", "write_report"]
