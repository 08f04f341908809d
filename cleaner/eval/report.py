"""What `cleaner eval` prints and writes: per set, never a pooled mean over sets.

One block per set (bench README: "report every figure per set, and, for wceb,
per page_type"): a row per system, the wceb-style tables where the truth has
page types and snippets, the metadata fields where the truth has them, the
catastrophic pages and the goals. The JSON file holds every per-page score, so
another script can compute anything else.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from cleaner.eval.metadata import (
    LENIENT_F1,
    LENIENT_FIELDS,
    FieldScore,
    page_meta_json,
    system_meta_scores,
)
from cleaner.eval.run import BASELINE, PageRun, SetResult, SystemResult
from cleaner.eval.score import (
    CATASTROPHIC_SHARE,
    Scores,
    SnippetShares,
    corpus_scores,
    is_catastrophic,
    snippet_shares,
    tokens,
    unmatched_passages,
)

#: The issue's goals, printed per set so progress shows on each. cleaner-html's F1 must
#: beat trafilatura's default `extract()` by at least this much on every set:
HTML_F1_GAIN_GOAL = 0.02
#: cleaner-text's F1 per set (the sets differ in how hard their dumps are: news only,
#: many languages, every kind of page); a set not named here has no text goal.
TEXT_F1_GOALS = {"scrapinghub": 0.90, "readability": 0.88, "wceb": 0.80}
#: At most this many catastrophic pages (eval.CATASTROPHIC_SHARE) where a goal is set.
CATASTROPHIC_GOALS = {"wceb": 5}
HTML_SYSTEM, TEXT_SYSTEM, WHOLE_TEXT = "cleaner-html", "cleaner-text", "whole-text"
UNTYPED = "(none)"  # the page_type row of pages whose truth gives none
NAME_WIDTH = 16  # the longest system name, "trafilatura-html"
#: The fields of the metadata-per-page-type table: the ones wceb's truth has.
TYPE_META_FIELDS = ("title", "author", "date")
#: Column names of the per-type metadata table, which has a column per field and system.
SHORT_NAMES = {"cleaner-html": "c-html", "cleaner-text": "c-text", "trafilatura-html": "trafil"}


def speed_ratio(result: SetResult, name: str = HTML_SYSTEM) -> float | None:
    """Pages/s of `name` over the baseline's, same pages and processes (> 1: faster)."""
    systems = result.systems
    if name not in systems or BASELINE not in systems:
        return None
    base = systems[BASELINE].pages_per_second
    return systems[name].pages_per_second / base if base else None


def catastrophic_pages(result: SetResult, name: str = HTML_SYSTEM) -> list[str] | None:
    """Ids of the pages where `name`'s page F1 is under half the baseline's (None when
    either did not run)."""
    systems = result.systems
    if name not in systems or BASELINE not in systems:
        return None
    reference = {r.page_id: r.score for r in systems[BASELINE].runs}
    return [r.page_id for r in systems[name].runs
            if r.page_id in reference and is_catastrophic(r.score, reference[r.page_id])]


def page_types(result: SetResult) -> list[str]:
    """The set's page types, most pages first (ties by name), for stable table rows."""
    counts = Counter(p.page_type or UNTYPED for p in result.bench.pages)
    return sorted(counts, key=lambda t: (-counts[t], t))


def _of_type(system: SystemResult, page_type: str | None) -> list[PageRun]:
    return [r for r in system.runs if page_type is None or (r.page_type or UNTYPED) == page_type]


def type_scores(result: SetResult) -> dict[str, dict[str, Scores]]:
    """{page type: {system: scores}}, each type's pages scored on their own."""
    return {t: {n: corpus_scores(r.score for r in _of_type(s, t))
                for n, s in result.systems.items()} for t in page_types(result)}


def type_shares(result: SetResult) -> dict[str, dict[str, SnippetShares]]:
    """{page type: {system: snippet shares}}."""
    return {t: {n: snippet_shares(r.snippets for r in _of_type(s, t))
                for n, s in result.systems.items()} for t in page_types(result)}


@dataclass(frozen=True, slots=True)
class Goal:
    """One goal line: what is measured, its value, the target, and whether it is met
    (None when the set has no target for it)."""

    label: str
    value: float
    shown: str  # the value as printed (a gain with its sign, a count as an integer)
    target: str | None
    met: bool | None


def goals(result: SetResult) -> list[Goal]:
    """The issue's goals for one set, from the systems that ran."""
    name, systems, found = result.bench.name, result.systems, []
    if HTML_SYSTEM in systems and BASELINE in systems:
        gain = systems[HTML_SYSTEM].scores.f1 - systems[BASELINE].scores.f1
        found.append(Goal(f"{HTML_SYSTEM} F1 - {BASELINE} F1", gain, f"{gain:+.3f}",
                          f">= +{HTML_F1_GAIN_GOAL:.2f}", gain >= HTML_F1_GAIN_GOAL))
    if TEXT_SYSTEM in systems:
        f1, target = systems[TEXT_SYSTEM].scores.f1, TEXT_F1_GOALS.get(name)
        found.append(Goal(f"{TEXT_SYSTEM} F1", f1, f"{f1:.3f}",
                          None if target is None else f">= {target:.2f}",
                          None if target is None else f1 >= target))
    bad = catastrophic_pages(result)
    if bad is not None:
        most = CATASTROPHIC_GOALS.get(name)
        found.append(Goal(f"catastrophic pages ({HTML_SYSTEM} page F1 < {CATASTROPHIC_SHARE:g} x "
                          f"{BASELINE}'s)", len(bad), str(len(bad)),
                          None if most is None else f"<= {most}",
                          None if most is None else len(bad) <= most))
    if result.bench.has_types and TEXT_SYSTEM in systems and WHOLE_TEXT in systems:
        scores = type_scores(result)
        lost = [t for t in scores if scores[t][TEXT_SYSTEM].f1 < scores[t][WHOLE_TEXT].f1]
        found.append(Goal(f"page types where {TEXT_SYSTEM} F1 >= {WHOLE_TEXT} F1",
                          len(scores) - len(lost), f"{len(scores) - len(lost)} of {len(scores)}"
                          + (f" (not: {', '.join(lost)})" if lost else ""),
                          "every type", not lost))
    return found


def _rate(pages_per_second: float) -> str:
    """Pages/s in 8 columns: the unchanged dump (whole-text) runs at millions."""
    return f"{pages_per_second:>8.1f}" if pages_per_second < 1e5 else f"{pages_per_second:>8.1e}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_systems(result: SetResult) -> str:
    """A row per system; empty counts pages with no predicted words (errors included)."""
    snippets = result.bench.has_snippets
    head = (f"{'system':<{NAME_WIDTH}} {'pages':>5} {'P':>6} {'R':>6} {'F1':>6} {'exact':>6} "
            f"{'empty':>5} {'errors':>6} " + (f"{'with':>6} {'w/o':>6} " if snippets else "")
            + f"{'pages/s':>8}  vs {BASELINE}")
    lines, ratio = [head, "-" * len(head)], speed_ratio(result)
    for name, system in result.systems.items():
        s = system.scores
        empty = sum(not tokens(r.prediction) for r in system.runs)
        errors = sum(r.error is not None for r in system.runs)
        shares = snippet_shares(r.snippets for r in system.runs)
        vs = f"{ratio:.2f}x" if name == HTML_SYSTEM and ratio is not None else ""
        lines.append(f"{name:<{NAME_WIDTH}} {s.pages:>5} {s.precision:>6.3f} {s.recall:>6.3f} "
                     f"{s.f1:>6.3f} {s.accuracy:>6.3f} {empty:>5} {errors:>6} "
                     + (f"{_share(shares.with_share):>6} {_share(shares.without_share):>6} "
                        if snippets else "")
                     + f"{_rate(system.pages_per_second)}  {vs}".rstrip())
    skipped = {n: len(result.bench.pages) - len(s.runs) for n, s in result.systems.items()}
    if any(skipped.values()):
        names = ", ".join(n for n, k in skipped.items() if k)
        lines.append(f"({names}: {max(skipped.values())} page(s) without a text dump skipped)")
    if snippets:
        lines.append("(with: share of `with` snippets found; w/o: share of `without` snippets "
                     "absent; spacing normalised, case kept)")
    return "\n".join(lines)


def format_types(result: SetResult) -> str:
    """F1 per page type and system, then the snippet shares per type (with/w/o)."""
    names, scores = list(result.systems), type_scores(result)
    counts = Counter(p.page_type or UNTYPED for p in result.bench.pages)
    compare = TEXT_SYSTEM in names and WHOLE_TEXT in names
    width = max(len(t) for t in [*scores, "page type"])
    head = (f"{'page type':<{width}} {'pages':>5} " + " ".join(f"{n:>{NAME_WIDTH}}" for n in names)
            + ("  text>=whole" if compare else ""))
    lines = ["F1 per page type", head, "-" * len(head)]
    for t, row in scores.items():
        mark = ("  yes" if row[TEXT_SYSTEM].f1 >= row[WHOLE_TEXT].f1 else "  NO") if compare else ""
        lines.append(f"{t:<{width}} {counts[t]:>5} "
                     + " ".join(f"{row[n].f1:>{NAME_WIDTH}.3f}" for n in names) + mark)
    if result.bench.has_snippets:
        lines += ["", "snippet shares per page type (with / w/o)", head.split("  text")[0]]
        lines.append("-" * len(lines[-1]))
        for t, row in type_shares(result).items():
            cells = [f"{_share(row[n].with_share)} / {_share(row[n].without_share)}"
                     for n in names]
            lines.append(f"{t:<{width}} {counts[t]:>5} "
                         + " ".join(f"{c:>{NAME_WIDTH}}" for c in cells))
    return "\n".join(lines)


def meta_systems(result: SetResult) -> list[str]:
    """The systems that gave metadata on some page, in report order."""
    return [n for n, s in result.systems.items() if any(r.meta is not None for r in s.runs)]


def meta_scores(result: SetResult, page_type: str | None = None,
                fields: Sequence[str] | None = None) -> dict[str, dict[str, FieldScore | None]]:
    """{system: {field: score}} over the set's pages (or one page type's pages)."""
    truths = {p.id: p.truth_meta for p in result.bench.pages}
    fields = result.bench.meta_fields if fields is None else fields
    return {n: system_meta_scores(result.systems[n].runs, _of_type(result.systems[n], page_type),
                                  truths, fields) for n in meta_systems(result)}


def _truth_counts(result: SetResult, page_type: str | None = None) -> Counter[str]:
    return Counter(k for p in result.bench.pages for k, _ in p.meta
                   if page_type is None or (p.page_type or UNTYPED) == page_type)


def format_metadata(result: SetResult) -> str:
    """A row per system giving metadata, a column per field of the truth (and a lenient
    column for title and author), then the same per page type where the set has them."""
    scores, fields = meta_scores(result), result.bench.meta_fields
    columns = [(f, False) for f in fields] + [(f, True) for f in LENIENT_FIELDS if f in fields]
    columns.sort(key=lambda c: fields.index(c[0]))
    heads = [f + ("~" if lenient else "") for f, lenient in columns]
    widths = [max(len(h), 6) for h in heads]
    counts = _truth_counts(result)
    head = f"{'system':<{NAME_WIDTH}} " + " ".join(
        f"{h:>{w}}" for h, w in zip(heads, widths, strict=True))
    lines = ["metadata: share of the pages whose truth has the field that the system got "
             "exactly right (folded; dates as YYYY-MM-DD; lang as its ISO 639-1 code)",
             head, "-" * len(head),
             f"{'pages with truth':<{NAME_WIDTH}} "
             + " ".join(f"{counts[f]:>{w}}" for (f, _), w in zip(columns, widths, strict=True))]
    notes = []
    for name, row in scores.items():
        cells = []
        for (f, lenient), w in zip(columns, widths, strict=True):
            cell = row[f]
            value = None if cell is None else (cell.lenient if lenient else cell.exact)
            cells.append(f"{_share(value):>{w}}")
        lines.append(f"{name:<{NAME_WIDTH}} " + " ".join(cells))
        differ = {f: c.pages for f, c in row.items() if c is not None and c.pages != counts[f]}
        if differ:
            notes.append(f"({name}: on its own pages, n = "
                         + ", ".join(f"{f} {n}" for f, n in differ.items()) + ")")
    lines += notes
    lines.append(f"(~: lenient, token F1 >= {LENIENT_F1:g} or one side's words a run of the "
                 "other's; -: the system gives no such field)")
    if BASELINE in scores:
        base = result.systems[BASELINE]
        errors = sum(r.meta_error is not None for r in base.runs)
        lines.append(f"({BASELINE}: trafilatura.extract_metadata, one extra call per page, "
                     f"{base.meta_seconds:.1f} s over {len(base.runs)} pages, not in its "
                     f"pages/s" + (f"; {errors} failed" if errors else "") + ")")
    if result.bench.has_types and set(TYPE_META_FIELDS) & set(fields):
        lines += ["", format_meta_types(result)]
    return "\n".join(lines)


def format_meta_types(result: SetResult) -> str:
    """Exact shares per page type for title, author and date: a column group per field,
    n (pages of the type whose truth has the field) then a column per system."""
    fields = [f for f in TYPE_META_FIELDS if f in result.bench.meta_fields]
    names = meta_systems(result)
    short = [SHORT_NAMES.get(n, n[:6]) for n in names]
    width = max(len(t) for t in [*page_types(result), "page type"])
    group = 5 + 7 * len(names)
    top = " " * (width + 6) + "".join(f"{f:^{group}}" for f in fields)
    head = (f"{'page type':<{width}} {'pages':>5}"
            + "".join(f" {'n':>4}" + "".join(f" {s:>6}" for s in short) for _ in fields))
    counts = Counter(p.page_type or UNTYPED for p in result.bench.pages)
    lines = ["metadata per page type (exact)", top.rstrip(), head, "-" * len(head)]
    for t in page_types(result):
        row, truth = meta_scores(result, t, fields), _truth_counts(result, t)
        cells = "".join(f" {truth[f]:>4}" + "".join(
            f" {_share(None if row[n][f] is None or not truth[f] else row[n][f].exact):>6}"
            for n in names) for f in fields)
        lines.append(f"{t:<{width}} {counts[t]:>5}{cells}")
    return "\n".join(lines)


def format_goals(result: SetResult) -> str:
    """The goal lines of one set."""
    lines = ["goals"]
    for g in goals(result):
        status = "no goal for this set" if g.met is None else ("met" if g.met else "NOT MET")
        target = f"goal {g.target}: " if g.target else ""
        lines.append(f"  {g.label}: {g.shown}  ({target}{status})")
    return "\n".join(lines)


def format_set(result: SetResult) -> str:
    """One set's whole block."""
    bench = result.bench
    parts = [f"=== {bench.name}: {len(bench.pages)} pages ({bench.path})", format_systems(result)]
    if bench.has_types:
        parts.append(format_types(result))
    if bench.meta_fields and meta_systems(result):
        parts.append(format_metadata(result))
    parts.append(format_goals(result))
    return "\n\n".join(parts)


def format_worst(result: SetResult, name: str, count: int) -> str:
    """The `count` lowest-F1 pages of a system with what was wrongly kept and removed."""
    truths = {p.id: p.truth for p in result.bench.pages}
    runs = result.systems[name].runs
    worst = sorted(runs, key=lambda r: (r.score.f1, r.page_id))[:count]
    lines = [f"== {result.bench.name} / {name}: {len(worst)} worst pages by F1"]
    for run in worst:
        s = run.score
        kind = f" [{run.page_type}]" if run.page_type else ""
        lines.append(f"-- {run.page_id}{kind}  F1 {s.f1:.3f}  P {s.precision:.3f}  "
                     f"R {s.recall:.3f}" + (f"  error: {run.error}" if run.error else ""))
        for label, text, other in (("kept", run.prediction, truths[run.page_id]),
                                   ("removed", truths[run.page_id], run.prediction)):
            for passage in unmatched_passages(text, other):
                lines.append(f"   wrongly {label}: {passage}")
    return "\n".join(lines)


def _shares_json(shares: SnippetShares) -> dict:
    return asdict(shares)


def metadata_json(result: SetResult) -> dict | None:
    """The metadata tables (None for a set whose truth has none): per system and field,
    and per page type where the set has them; the extract_metadata time."""
    if not result.bench.meta_fields or not meta_systems(result):
        return None

    def table(page_type: str | None) -> dict:
        return {n: {f: None if c is None else asdict(c) for f, c in row.items()}
                for n, row in meta_scores(result, page_type).items()}

    base = result.systems.get(BASELINE)
    return {
        "fields": list(result.bench.meta_fields),
        "truth_pages": dict(_truth_counts(result)),
        "systems": table(None),
        "page_types": {t: table(t) for t in page_types(result)} if result.bench.has_types
        else None,
        "extract_metadata_seconds": round(base.meta_seconds, 3)
        if base and any(r.meta is not None for r in base.runs) else None,
    }


def _system_json(result: SetResult, system: SystemResult) -> dict:
    types = result.bench.has_types
    truths = {p.id: p.truth_meta for p in result.bench.pages}
    return {
        **asdict(system.scores),
        "skipped": len(result.bench.pages) - len(system.runs),
        "seconds": round(system.seconds, 3),
        "pages_per_second": round(system.pages_per_second, 2),
        "snippets": (_shares_json(snippet_shares(r.snippets for r in system.runs))
                     if result.bench.has_snippets else None),
        "page_types": {
            t: {**asdict(corpus_scores(r.score for r in _of_type(system, t))),
                "snippets": _shares_json(snippet_shares(r.snippets for r in _of_type(system, t)))}
            for t in page_types(result)
        } if types else None,
        "pages": {
            r.page_id: {**asdict(r.score), "f1": r.score.f1, "error": r.error,
                        "seconds": round(r.seconds, 5), "page_type": r.page_type,
                        **asdict(r.snippets),
                        **page_meta_json(r, truths[r.page_id], result.bench.meta_fields)}
            for r in system.runs
        },
    }


def results_json(results: Sequence[SetResult], wall_seconds: float, jobs: int) -> dict:
    """Every per-page score of every system and set, and the summary figures
    (predictions are not stored: the file is for diffing runs)."""
    return {
        "wall_seconds": round(wall_seconds, 1),
        "jobs": jobs,
        "sets": {
            r.bench.name: {
                "path": str(r.bench.path),
                "pages": len(r.bench.pages),
                "missing_text": r.bench.missing_text,
                "speed_ratio_cleaner_html": speed_ratio(r),
                "catastrophic_pages": catastrophic_pages(r),
                "goals": [asdict(g) for g in goals(r)],
                "metadata": metadata_json(r),
                "systems": {n: _system_json(r, s) for n, s in r.systems.items()},
            }
            for r in results
        },
    }


def write_json(data: dict, path: Path) -> None:
    """Write atomically (temp file + rename), so a crashed run leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
