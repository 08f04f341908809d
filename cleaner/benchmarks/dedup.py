"""Dedup benchmark: signature speed, peak memory and pair quality on a generated corpus.

Run it as `python -m cleaner.benchmarks.dedup [--docs N] [--threshold T]
[--seed S] [--out PATH]` (or `make bench-dedup`). It

1. generates a seeded corpus (`cleaner.benchmarks.corpus`: singletons,
   near-duplicate families, hard negatives);
2. times our signature stage (text -> `signatures.sign_texts`, the kernel) on
   every document, and datasketch's per-shingle `MinHash.update` loop on a
   random sample (it is slow), both from raw text and from already
   normalised tokens (normalisation is pre-processing both share);
3. runs the whole batch dedup (`BatchDedup`, `results()`) in a fresh
   subprocess that streams the corpus from a file, and takes its peak memory
   as its high-water resident size (VmHWM) after the run minus the same after
   the imports, so neither the interpreter, the libraries nor the generated
   corpus count (see `MEMORY_METHOD` for why not `ru_maxrss`); a second run
   with every shingle set in memory separates the set store, which is capped
   and spills to disk, from what grows with every document;
4. scores the decisions against exact-Jaccard ground truth and the generated
   families (`cleaner.benchmarks.quality`).

Everything is printed as one table and written as JSON to --out.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
from datasketch import MinHash

from cleaner.batch.outputs import atomic_write
from cleaner.benchmarks.corpus import Doc, generate
from cleaner.benchmarks.quality import Quality, random_pair_max, score
from cleaner.benchmarks.report import corpus_figures, table
from cleaner.dedup import DEFAULT_THRESHOLD, DedupConfig, DedupItem
from cleaner.dedup.batch import DEFAULT_CHUNK, BatchDedup
from cleaner.dedup.kernel import COMPILED, WORDS, sign_compiled
from cleaner.dedup.shingles import DEFAULT_WORD_SHINGLE, comparable_tokens, shingles
from cleaner.dedup.signatures import (
    DEFAULT_NUM_PERM,
    exact_jaccard,
    permutations,
    reference_sign,
    sign_texts,
)
from cleaner.dedup.store import DEFAULT_MEMORY_BYTES

#: Defaults of the command-line options. 100,000 documents is the issue's size.
DEFAULT_DOCS = 100_000
DEFAULT_SEED = 0
DEFAULT_OUT = Path("out") / "bench-dedup.json"
#: Documents datasketch signs: at ~3 ms a document (one `update` per shingle)
#: a round takes about 6 s and still spans the corpus's lengths.
DEFAULT_SAMPLE = 2000
#: Timing rounds on the sample; the best round counts (as `timeit` advises:
#: slower rounds measure other load on the machine, not the code).
ROUNDS = 3
#: Random unrelated pairs whose exact Jaccard is checked as a sanity figure.
RANDOM_PAIRS = 20_000
#: Corpus size the peak memory is extrapolated to.
EXTRAPOLATE_DOCS = 10_000_000
#: memory_bytes of the decomposition run: no spill, every shingle set in memory.
ALL_IN_MEMORY = 1 << 62
GIB = 1024**3


# --- speed -----------------------------------------------------------------------------------


def _rate(count: int, work: Callable[[], object]) -> float:
    """Documents per second of work() over count documents."""
    start = time.perf_counter()
    work()
    return count / (time.perf_counter() - start)


def _ours_text(texts: Sequence[str], keep: list[np.ndarray] | None = None) -> None:
    """Our signature stage, as `BatchDedup` runs it: a chunk of texts at a time."""
    for start in range(0, len(texts), DEFAULT_CHUNK):
        sets, _ = sign_texts(texts[start : start + DEFAULT_CHUNK], DEFAULT_NUM_PERM)
        if keep is not None:
            keep.extend(sets)


def _ours_tokens(token_lists: Sequence[list[str]]) -> None:
    """Our stage from normalised tokens (handed to the kernel joined by spaces): token
    hashing, 5-gram hashes, permutations."""
    a, b = permutations(DEFAULT_NUM_PERM)
    for start in range(0, len(token_lists), DEFAULT_CHUNK):
        prepared = [(" ".join(tokens).encode("utf-8", "surrogatepass"), WORDS, b"")
                    for tokens in token_lists[start : start + DEFAULT_CHUNK]]
        if COMPILED:
            sign_compiled(prepared, a, b, DEFAULT_WORD_SHINGLE)
        else:
            for data, mode, seps in prepared:
                reference_sign(data, mode, DEFAULT_WORD_SHINGLE, a, b, seps)


def _datasketch(shingle_sets: Sequence[Callable[[], set[str]]]) -> None:
    for make in shingle_sets:
        m = MinHash(num_perm=DEFAULT_NUM_PERM, seed=1)
        for s in make():
            m.update(s.encode("utf-8"))


def _token_shingles(tokens: list[str], n: int = DEFAULT_WORD_SHINGLE) -> set[str]:
    """The shingle strings `shingles()` makes, from tokens already normalised."""
    if len(tokens) <= n:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def measure_speed(texts: Sequence[str], sample_size: int, seed: int
                  ) -> tuple[dict[str, float], list[np.ndarray]]:
    """docs/s of ours and datasketch, and every text's shingle set (for scoring).

    On the sample, ours and datasketch are timed in alternating rounds and the
    best round of each counts, so a busy machine slows both alike, not one.
    """
    sets: list[np.ndarray] = []
    ours_all = _rate(len(texts), lambda: _ours_text(texts, sets))
    picked = sorted(random.Random(seed).sample(range(len(texts)), min(sample_size, len(texts))))
    sample = [texts[i] for i in picked]
    tokens = [comparable_tokens(text) for text in sample]
    work = {
        "ours_text": lambda: _ours_text(sample),
        "datasketch_text": lambda: _datasketch([lambda t=t: shingles(t) for t in sample]),
        "ours_tokens": lambda: _ours_tokens(tokens),
        "datasketch_tokens": lambda: _datasketch([lambda t=t: _token_shingles(t)
                                                  for t in tokens]),
    }
    best = dict.fromkeys(work, 0.0)
    for _ in range(ROUNDS):
        for name, run in work.items():
            best[name] = max(best[name], _rate(len(sample), run))
    return {
        "sample_docs": len(sample),
        "rounds": ROUNDS,
        "ours_text_all_docs_per_s": ours_all,
        "ours_text_sample_docs_per_s": best["ours_text"],
        "datasketch_text_sample_docs_per_s": best["datasketch_text"],
        "ratio_text": best["ours_text"] / best["datasketch_text"],
        "ours_tokens_sample_docs_per_s": best["ours_tokens"],
        "datasketch_tokens_sample_docs_per_s": best["datasketch_tokens"],
        "ratio_tokens": best["ours_tokens"] / best["datasketch_tokens"],
    }, sets


# --- memory (a fresh subprocess) -------------------------------------------------------------


#: How the peak is read. Not `ru_maxrss`: Linux carries the parent's high-water
#: mark into a child across fork and exec (the parent here holds the corpus), so
#: the child's ru_maxrss starts at the parent's size and hides a smaller dedup.
#: VmHWM is the high-water resident size of this process image alone.
MEMORY_METHOD = "VmHWM (/proc/self/status) after BatchDedup.results() minus VmHWM after imports"
_FALLBACK_METHOD = "ru_maxrss after BatchDedup.results() minus ru_maxrss after imports"


def _peak_bytes() -> tuple[int, str]:
    """The process's peak resident size so far, and how it was read."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024, MEMORY_METHOD  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, _FALLBACK_METHOD


def memory_child(corpus: Path, threshold: float, verdicts: Path | None,
                 memory_bytes: int = DEFAULT_MEMORY_BYTES) -> dict[str, float]:
    """Dedup a JSONL corpus ([id, text] per line) streamed from disk; report peak memory.

    Runs in its own process (see `measure_memory`); the verdicts go to a file,
    written after the peak is read.
    """
    baseline, method = _peak_bytes()
    start = time.perf_counter()
    batch = BatchDedup(DedupConfig(threshold=threshold), memory_bytes=memory_bytes)
    count = 0
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            doc_id, text = json.loads(line)
            batch.add(DedupItem(doc_id, text))
            count += 1
    results = batch.results()
    seconds = time.perf_counter() - start
    peak, _ = _peak_bytes()
    if verdicts is not None:
        with verdicts.open("w", encoding="utf-8") as out:
            for doc_id, v in results.items():
                out.write(json.dumps([doc_id, v.duplicate_of, v.similarity, v.cluster]) + "\n")
    return {"docs": count, "baseline_bytes": baseline, "peak_bytes": peak, "seconds": seconds,
            "method": method}


def _child(corpus: Path, threshold: float, verdicts: Path | None,
           memory_bytes: int) -> dict[str, float]:
    command = [sys.executable, "-m", "cleaner.benchmarks.dedup", "--memory-child", str(corpus),
               "--threshold", str(threshold), "--memory-bytes", str(memory_bytes)]
    if verdicts is not None:
        command += ["--verdicts", str(verdicts)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"dedup subprocess failed:\n{done.stderr}")
    return json.loads(done.stdout)


def measure_memory(docs: Sequence[Doc], threshold: float, set_bytes: int
                   ) -> tuple[dict[str, object], list[tuple[str, str | None, float | None, str]]]:
    """Peak memory and time of the whole dedup in a fresh process, and its verdicts.

    The headline run uses the default settings. The shingle-set store holds at
    most `DEFAULT_MEMORY_BYTES` in memory and spills the rest to a file it
    maps back, so it does not grow linearly with the corpus; a second run with
    every set held in memory separates it from the rest: the rest per document
    is that run's peak minus set_bytes (the sets as the parent holds them,
    array objects included, since a spilled set leaves none behind).
    """
    with tempfile.TemporaryDirectory(prefix="bench-dedup-") as tmp:
        corpus, verdicts = Path(tmp) / "corpus.jsonl", Path(tmp) / "verdicts.jsonl"
        with corpus.open("w", encoding="utf-8") as out:
            for doc in docs:
                out.write(json.dumps([doc.id, doc.text]) + "\n")
        figures = _child(corpus, threshold, verdicts, DEFAULT_MEMORY_BYTES)
        with verdicts.open(encoding="utf-8") as lines:
            rows = [tuple(json.loads(line)) for line in lines]
        held = _child(corpus, threshold, None, ALL_IN_MEMORY)
    n = figures["docs"]
    used = figures["peak_bytes"] - figures["baseline_bytes"]
    rest = held["peak_bytes"] - held["baseline_bytes"] - set_bytes
    figures.update({
        "dedup_bytes": used,
        "bytes_per_doc": used / n,
        "extrapolated_docs": EXTRAPOLATE_DOCS,
        "extrapolated_gib": used / n * EXTRAPOLATE_DOCS / GIB,
        "dedup_docs_per_s": n / figures["seconds"],
        "set_bytes": set_bytes,
        "set_bytes_per_doc": set_bytes / n,
        "set_store_memory_cap_bytes": DEFAULT_MEMORY_BYTES,
        "all_sets_in_memory_dedup_bytes": held["peak_bytes"] - held["baseline_bytes"],
        "rest_bytes_per_doc": rest / n,
        "extrapolated_capped_store_gib": (rest / n * EXTRAPOLATE_DOCS + DEFAULT_MEMORY_BYTES)
        / GIB,
    })
    return figures, rows


# --- quality ---------------------------------------------------------------------------------


def measure_quality(docs: Sequence[Doc], sets: Sequence[np.ndarray], rows: Sequence[tuple],
                    threshold: float, seed: int) -> tuple[Quality, dict[str, object]]:
    """Score the subprocess's verdicts, plus sanity figures on the generated corpus."""
    position = {doc.id: i for i, doc in enumerate(docs)}
    duplicate_of: list[int | None] = [None] * len(docs)
    inconsistent = 0
    for doc_id, kept, _, cluster in rows:
        i = position[doc_id]
        duplicate_of[i] = None if kept is None else position[kept]
        inconsistent += cluster != (doc_id if kept is None else kept)
    families = [doc.family for doc in docs]
    groups = [doc.group for doc in docs]
    quality = score(sets, families, groups, duplicate_of, threshold)
    light = [i for i, doc in enumerate(docs) if doc.kind == "light-copy"]
    extra = {
        "verdicts": len(rows),
        "inconsistent_clusters": inconsistent,
        "light_copies": len(light),
        "light_copies_below_threshold": sum(
            exact_jaccard(sets[i], sets[docs[i].parent]) < threshold for i in light),
        "random_unrelated_pairs": RANDOM_PAIRS,
        "random_unrelated_max_jaccard": random_pair_max(sets, families, groups, RANDOM_PAIRS,
                                                        seed),
    }
    return quality, extra


# --- run -----------------------------------------------------------------------------------


def run(n_docs: int, threshold: float, seed: int, out: Path, sample: int) -> dict:
    """Generate the corpus, measure speed, memory and quality; print and write them."""
    start = time.perf_counter()
    docs = generate(n_docs, seed)
    texts = [doc.text for doc in docs]
    speed, sets = measure_speed(texts, sample, seed)
    # what the store holds per set: the data and the array object around it
    memory, rows = measure_memory(docs, threshold, sum(sys.getsizeof(s) for s in sets))
    quality, checks = measure_quality(docs, sets, rows, threshold, seed)
    ids = [doc.id for doc in docs]
    q = asdict(quality)
    q["missed"] = [(ids[a], ids[b], sim) for a, b, sim in quality.missed]
    q["wrong"] = [(ids[a], ids[b], sim) for a, b, sim in quality.wrong]
    results = {"seed": seed, "threshold": threshold, "corpus": corpus_figures(docs),
               "speed": speed, "memory": memory, "quality": q, "checks": checks,
               "runtime_seconds": time.perf_counter() - start}
    print(table(results))
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, json.dumps(results, indent=2) + "\n")
    return results


def _threshold(value: str) -> float:
    number = float(value)
    if not 0.0 < number <= 1.0:
        raise argparse.ArgumentTypeError(f"threshold must be in (0, 1], got {value}")
    return number


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return number


def main(argv: Sequence[str] | None = None) -> None:
    """The command line (see the module docstring); also the memory child's entry."""
    parser = argparse.ArgumentParser(
        prog="python -m cleaner.benchmarks.dedup", description=__doc__.split("\n\n")[0],
        epilog="example: python -m cleaner.benchmarks.dedup --docs 20000 --out out/small.json")
    parser.add_argument("--docs", type=_positive, default=DEFAULT_DOCS,
                        help=f"documents to generate (default {DEFAULT_DOCS:,})")
    parser.add_argument("--threshold", type=_threshold, default=DEFAULT_THRESHOLD,
                        help=f"Jaccard threshold (default {DEFAULT_THRESHOLD})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"corpus seed (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"JSON figures (default {DEFAULT_OUT})")
    parser.add_argument("--sample", type=_positive, default=DEFAULT_SAMPLE,
                        help=f"documents datasketch signs (default {DEFAULT_SAMPLE:,})")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--verdicts", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--memory-bytes", type=int, default=DEFAULT_MEMORY_BYTES,
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child is not None:
        print(json.dumps(memory_child(args.memory_child, args.threshold, args.verdicts,
                                      args.memory_bytes)))
        return
    run(args.docs, args.threshold, args.seed, args.out, args.sample)


if __name__ == "__main__":
    main()
