"""The dedup benchmark's plain-text table (`cleaner.benchmarks.dedup` makes the figures)."""

from __future__ import annotations

from collections.abc import Sequence

from cleaner.benchmarks.corpus import Doc

#: The goals, shown next to the figures: signing at least 20x datasketch's per-shingle
#: loop, 10M documents in under 16 GiB (issue 17; the first dedup issue asked 24),
#: pair precision 1 and recall at least 0.99.
GOAL_RATIO, GOAL_MEMORY_GIB, GOAL_PRECISION, GOAL_RECALL = 20.0, 16.0, 1.0, 0.99


def corpus_figures(docs: Sequence[Doc]) -> dict[str, object]:
    """What the corpus holds, so a reader can see the mix the scores come from."""
    kinds: dict[str, int] = {}
    for doc in docs:
        kinds[doc.kind] = kinds.get(doc.kind, 0) + 1
    words = [len(doc.text.split()) for doc in docs]
    copied = {doc.family for doc in docs if doc.kind == "original"}
    return {"docs": len(docs), "kinds": kinds, "families": len(copied),
            "hard_negative_groups": len({doc.group for doc in docs if doc.group >= 0}),
            "mean_words": sum(words) / len(words), "min_words": min(words),
            "max_words": max(words)}


def table(results: dict) -> str:
    """The plain-text report: one aligned row per figure, with the goal where there is one."""
    c, s, m, q, x = (results[k] for k in ("corpus", "speed", "memory", "quality", "checks"))
    kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(c["kinds"].items()))
    n = s["sample_docs"]
    rows: list[tuple[str, str, str]] = [
        ("corpus", f"{c['docs']:,} docs, seed {results['seed']}, {c['families']:,} families, "
                   f"{c['hard_negative_groups']:,} hard-negative groups", ""),
        ("  kinds", kinds, ""),
        ("  words per doc (min / mean / max)",
         f"{c['min_words']} / {c['mean_words']:.0f} / {c['max_words']}", ""),
        (f"speed, docs/s (one process; sample: best of {s['rounds']} rounds)", "", "goal"),
        ("  ours, text -> signature, all docs", f"{s['ours_text_all_docs_per_s']:,.0f}", ""),
        (f"  ours, text -> signature, sample of {n:,}", f"{s['ours_text_sample_docs_per_s']:,.0f}",
         ""),
        (f"  datasketch update loop, text, same {n:,}",
         f"{s['datasketch_text_sample_docs_per_s']:,.0f}", ""),
        ("  ratio from text", f"{s['ratio_text']:.1f}x", f">= {GOAL_RATIO:.0f}x"),
        (f"  ours, normalised tokens -> signature, {n:,}",
         f"{s['ours_tokens_sample_docs_per_s']:,.0f}", ""),
        (f"  datasketch, normalised tokens, same {n:,}",
         f"{s['datasketch_tokens_sample_docs_per_s']:,.0f}", ""),
        ("  ratio from normalised tokens", f"{s['ratio_tokens']:.1f}x", f">= {GOAL_RATIO:.0f}x"),
        ("memory (fresh process: peak resident minus after imports)", "", ""),
        ("  whole dedup, peak", f"{m['dedup_bytes'] / 2**20:,.0f} MiB", ""),
        ("  per document", f"{m['bytes_per_doc']:,.0f} bytes", ""),
        (f"  linear extrapolation to {m['extrapolated_docs']:,} docs (every set in memory)",
         f"{m['extrapolated_gib']:.1f} GiB", ""),
        ("  of which shingle sets per document", f"{m['set_bytes_per_doc']:,.0f} bytes",
         ""),
        ("  all but the sets, per document", f"{m['rest_bytes_per_doc']:,.0f} bytes", ""),
        (f"  {m['extrapolated_docs'] // 10**6}M docs: the rest + set store capped at "
         f"{m['set_store_memory_cap_bytes'] / 2**20:.0f} MiB",
         f"{m['extrapolated_capped_store_gib']:.1f} GiB", f"under {GOAL_MEMORY_GIB:.0f} GiB"),
        ("  whole dedup throughput", f"{m['dedup_docs_per_s']:,.0f} docs/s "
                                     f"({m['seconds']:.0f} s)", ""),
        (f"quality at threshold {q['threshold']}", "", ""),
        ("  pairs checked exactly / true pairs", f"{q['checked_pairs']:,} / {q['truth_pairs']:,}",
         ""),
        ("  decisions (doc -> kept copy)", f"{q['decisions']:,}", ""),
        ("  decision precision (truth-linked)", f"{q['decision_precision']:.4f}",
         f"{GOAL_PRECISION:.2f}"),
        ("  decision precision (own J >= threshold)", f"{q['decision_precision_strict']:.4f}", ""),
        ("  decision recall (of removable docs)", f"{q['decision_recall']:.4f}", ""),
        ("  same-cluster pairs", f"{q['predicted_pairs']:,}", ""),
        ("  pair precision (truth-linked)", f"{q['pair_precision']:.4f}", f"{GOAL_PRECISION:.2f}"),
        ("  pair precision (own J >= threshold)", f"{q['pair_precision_strict']:.4f}", ""),
        ("  pair recall (true pairs in one cluster)", f"{q['pair_recall']:.4f}",
         f">= {GOAL_RECALL:.2f}"),
        ("  true pairs split / wrong decisions", f"{q['missed_pairs']:,} / "
                                                 f"{q['wrong_decisions']:,}", ""),
        ("  family pairwise P / R / F1", f"{q['family_pair_precision']:.4f} / "
         f"{q['family_pair_recall']:.4f} / {q['family_pair_f1']:.4f}", ""),
        ("  family B-cubed P / R / F1", f"{q['family_bcubed_precision']:.4f} / "
         f"{q['family_bcubed_recall']:.4f} / {q['family_bcubed_f1']:.4f}", ""),
        ("checks", "", ""),
        ("  light copies below threshold", f"{x['light_copies_below_threshold']:,} of "
                                           f"{x['light_copies']:,}", "0"),
        ("  max exact J, hard-negative groups", f"{q['hard_negative_max']:.3f}", ""),
        (f"  max exact J, {x['random_unrelated_pairs']:,} random unrelated pairs",
         f"{x['random_unrelated_max_jaccard']:.3f}", ""),
        ("  verdict cluster != kept copy", f"{x['inconsistent_clusters']:,}", "0"),
        ("  oversized clusters not expanded", f"{q['unchecked_clusters']:,}", "0"),
        ("runtime", f"{results['runtime_seconds']:.0f} s", ""),
    ]
    width = max(len(label) for label, _, _ in rows) + 2
    value_width = max(len(value) for label, value, _ in rows if not label.startswith("corpus")
                      and label != "  kinds")
    lines = []
    for label, value, goal in rows:
        if value:
            line = f"{label:<{width}}{value:>{value_width}}"
        else:  # a section heading; pad it when it carries the goal column's heading
            line = f"{label:<{width + value_width}}" if goal else label
        lines.append(f"{line}   {goal}".rstrip() if goal else line)
    for a, b, sim in q["missed"]:
        lines.append(f"  missed true pair: {a} {b} J={sim:.3f}")
    for a, b, sim in q["wrong"]:
        lines.append(f"  wrong decision: {a} -> {b} J={sim:.3f}")
    return "\n".join(lines)


__all__ = ["corpus_figures", "table"]
