"""End-to-end dedup: whole processes, JSONL in and JSONL out, as ratios measured in one run.

Run it as `python -m cleaner.benchmarks.dedup_e2e [--docs N] [--rounds R]
[--jobs 1,2] [--baseline PATH] [--out PATH] [--skip-datasketch]`. On one
generated corpus (`cleaner.benchmarks.corpus`, the one `cleaner.benchmarks.dedup`
scores) it times, as separate processes whose start-up counts:

1. `cleaner dedup CORPUS -o OUT --jobs J` for each J (once without --jobs
   when this cleaner has no such option);
2. with --baseline, another checkout's `cleaner dedup` (e.g. one made by
   `git worktree add /tmp/cleaner-old 915ebe0`), on the same interpreter with
   PYTHONPATH pointing at it, so today's command is timed in the same run;
3. datasketch the way its README shows: a `MinHash(num_perm=128, seed=1)` per
   document over cleaner's own shingles (`shingles.shingles`, so both do the
   same normalisation), fed one `update` per shingle or one `update_batch`,
   then `MinHashLSH(threshold=0.8)`: a document some indexed one collides
   with is a duplicate of the earliest such one, any other is inserted.

The machines are shared and noisy, so the systems run in alternating order
round after round and only each one's best wall time and the ratios between
them count. Every output is scored against exact-Jaccard ground truth
(`cleaner.benchmarks.quality.score`), and the --jobs outputs are compared byte
for byte. A table is printed and the figures are written as JSON to --out.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from datasketch import MinHash, MinHashLSH
from datasketch import __version__ as DATASKETCH_VERSION

from cleaner.batch.outputs import atomic_write
from cleaner.benchmarks.corpus import Doc, generate
from cleaner.benchmarks.quality import score
from cleaner.benchmarks.report import corpus_figures
from cleaner.dedup.shingles import shingles
from cleaner.dedup.signatures import shingle_set

#: Defaults of the command line. 20,000 documents keep one round of datasketch's
#: per-shingle loop near 2.5 minutes while the corpus still holds every kind of
#: family and hard negative; two rounds are the fewest that give a "best of".
DEFAULT_DOCS = 20_000
DEFAULT_SEED = 0
DEFAULT_ROUNDS = 2
DEFAULT_JOBS = (1, 2)
DEFAULT_OUT = Path("out") / "bench-dedup-e2e.json"
#: Jaccard threshold of every system: cleaner's default, passed explicitly so a
#: baseline with another default is still compared on equal terms.
THRESHOLD = 0.8
#: datasketch's settings: its defaults, and the signature size cleaner uses.
NUM_PERM = 128
DATASKETCH_SEED = 1
#: The two ways datasketch's README feeds a MinHash.
MODES = ("per-shingle", "update_batch")
#: Runs cleaner's command line from whatever `cleaner` package PYTHONPATH finds
#: first (the script in the venv would do the same, but only for this checkout).
CLEANER_CODE = "from cleaner.cli import main; main()"
#: Where this checkout's `cleaner` package lives (this file is cleaner/benchmarks/).
HERE = Path(__file__).resolve().parents[2]
#: Last lines of a failed child's standard error put in the exception.
STDERR_TAIL = 20


@dataclass
class System:
    """One timed command: its label, the process it runs and the file it writes."""

    name: str
    kind: str  # "cleaner", "baseline" or "datasketch"
    command: list[str]
    env: dict[str, str]
    output: Path
    walls: list[float] = field(default_factory=list)


def _env(root: Path) -> dict[str, str]:
    """The environment of a child importing `cleaner` from root (before any install)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH")) if p)
    return env


def _run(command: Sequence[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """Run a child to the end in cwd; raise with its last stderr lines if it failed.

    cwd is the work folder, never a checkout: `-c` and `-m` put the current
    folder on sys.path ahead of PYTHONPATH, so a checkout there would be imported.
    """
    done = subprocess.run(list(command), env=env, cwd=cwd, capture_output=True, text=True,
                          check=False)
    if done.returncode:
        tail = "\n".join(done.stderr.splitlines()[-STDERR_TAIL:])
        raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}:\n{tail}")
    return done


def _check_import(root: Path, env: dict[str, str], cwd: Path) -> None:
    """Fail unless a child with env imports `cleaner` from root.

    The editable install's finder would serve this checkout to a baseline whose
    path were wrong, and the baseline would silently time today's code.
    """
    done = _run([sys.executable, "-c", "import cleaner; print(cleaner.__file__)"], env, cwd)
    found = Path(done.stdout.strip()).resolve()
    if not found.is_relative_to(root.resolve()):
        raise RuntimeError(f"a child with PYTHONPATH={root} imports cleaner from {found}")


def _has_jobs(env: dict[str, str], cwd: Path) -> bool:
    """Whether this cleaner's `dedup` command takes --jobs (it is being added)."""
    return "--jobs" in _run([sys.executable, "-c", CLEANER_CODE, "dedup", "--help"], env,
                            cwd).stdout


#: A file in an exported baseline tree naming its revision (it has no .git of its own).
BASELINE_LABEL_FILE = "BASELINE_REV"


def _short_rev(path: Path) -> str:
    """The checkout's short git revision, for the baseline's label; "-dirty" when its
    tracked files differ from it, since the label would then name code not timed.

    --no-optional-locks: the check must not write the index of a checkout that
    someone may be working in.
    """
    named = path / BASELINE_LABEL_FILE  # an exported tree (git archive) says what it is
    if named.is_file():
        return named.read_text(encoding="utf-8").strip()
    git = ["git", "--no-optional-locks", "-C", str(path)]
    done = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, check=False)
    if done.returncode:
        return "unknown rev"
    dirty = subprocess.run([*git, "diff", "--quiet", "HEAD", "--"], capture_output=True,
                           check=False).returncode != 0
    return done.stdout.strip() + ("-dirty" if dirty else "")


def systems(corpus: Path, workdir: Path, jobs: Sequence[int], baseline: Path | None,
            with_datasketch: bool) -> list[System]:
    """The commands to time, in the order each round runs them."""
    env = _env(HERE)
    _check_import(HERE, env, workdir)
    dedup = [sys.executable, "-c", CLEANER_CODE, "dedup", str(corpus), "--threshold",
             str(THRESHOLD), "-o"]
    found: list[System] = []
    if _has_jobs(env, workdir):
        for j in jobs:
            out = workdir / f"cleaner-jobs{j}.jsonl"
            found.append(System(f"cleaner --jobs {j}", "cleaner",
                                [*dedup, str(out), "--jobs", str(j)], env, out))
    else:
        out = workdir / "cleaner-jobs1.jsonl"
        found.append(System("cleaner jobs 1 (no --jobs option)", "cleaner", [*dedup, str(out)],
                            env, out))
    if baseline is not None:
        root = baseline.resolve()
        if not (root / "cleaner" / "__init__.py").is_file():
            raise SystemExit(f"--baseline {baseline}: no cleaner/__init__.py there")
        base_env = _env(root)
        _check_import(root, base_env, workdir)
        out = workdir / "baseline.jsonl"
        found.append(System(f"cleaner (baseline {_short_rev(root)})", "baseline",
                            [*dedup, str(out)], base_env, out))
    if with_datasketch:
        for mode in MODES:
            out = workdir / f"datasketch-{mode}.jsonl"
            found.append(System(f"datasketch {mode}", "datasketch",
                                [sys.executable, "-m", "cleaner.benchmarks.dedup_e2e",
                                 "--datasketch-child", mode, str(corpus), str(out)], env, out))
    return found


# --- the datasketch child ----------------------------------------------------------------


def datasketch_child(mode: str, corpus: Path, out: Path) -> int:
    """Dedup a JSONL corpus the way datasketch's README does; return the documents read.

    One `{"id", "duplicate_of"}` line per input line, in input order. Only kept
    documents are inserted, so a duplicate always points at a kept one: the
    earliest (lowest input position) the LSH query returned. No candidate is
    checked against its estimated Jaccard, as in the README's dedup example.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    position: dict[object, int] = {}
    with corpus.open(encoding="utf-8") as lines, out.open("w", encoding="utf-8") as sink:
        for line in lines:
            record = json.loads(line)
            doc_id = record["id"]
            m = MinHash(num_perm=NUM_PERM, seed=DATASKETCH_SEED)
            if mode == "per-shingle":
                for s in shingles(record["text"]):
                    m.update(s.encode("utf-8"))
            else:
                m.update_batch([s.encode("utf-8") for s in shingles(record["text"])])
            found = lsh.query(m)
            kept = min(found, key=position.__getitem__) if found else None
            if kept is None:
                lsh.insert(doc_id, m)
            position[doc_id] = len(position)
            sink.write(json.dumps({"id": doc_id, "duplicate_of": kept}, ensure_ascii=False)
                       + "\n")
    return len(position)


# --- quality -------------------------------------------------------------------------------


def verdicts(path: Path, position: dict[str, int]) -> list[int | None]:
    """duplicate_of of every document as corpus positions, read from a system's output.

    Raises ValueError when the output does not hold each document once, refers to
    an unknown id or carries a dedup_error: such a run is broken, not just worse.
    """
    duplicate_of: list[int | None] = [None] * len(position)
    seen = [False] * len(position)
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            record = json.loads(line)
            if "dedup_error" in record or record.get("id") not in position:
                raise ValueError(f"{path.name} line {number}: not a verdict on a corpus document")
            i = position[record["id"]]
            if seen[i]:
                raise ValueError(f"{path.name} line {number}: {record['id']} again")
            seen[i] = True
            kept = record.get("duplicate_of")
            if kept is not None and kept not in position:
                raise ValueError(f"{path.name} line {number}: duplicate_of unknown id {kept!r}")
            duplicate_of[i] = None if kept is None else position[kept]
    if not all(seen):
        raise ValueError(f"{path.name}: {seen.count(False)} documents have no verdict")
    return duplicate_of


def quality(docs: Sequence[Doc], sets: Sequence[np.ndarray], path: Path) -> dict[str, float | int]:
    """Pair and decision scores of one output (as `dedup.measure_quality` scores them)."""
    position = {doc.id: i for i, doc in enumerate(docs)}
    q = score(sets, [doc.family for doc in docs], [doc.group for doc in docs],
              verdicts(path, position), THRESHOLD)
    return {"pair_precision": q.pair_precision, "pair_recall": q.pair_recall,
            "decision_precision": q.decision_precision, "decision_recall": q.decision_recall,
            "duplicates": q.decisions, "truth_pairs": q.truth_pairs,
            "predicted_pairs": q.predicted_pairs, "missed_pairs": q.missed_pairs,
            "wrong_decisions": q.wrong_decisions}


# --- run -----------------------------------------------------------------------------------


def _ratio(other: float | None, mine: float) -> float | None:
    """How many times faster than other this system is (other's wall / this wall)."""
    return None if other is None else other / mine


def _same(runs: Sequence[System]) -> bool | None:
    """Whether every run wrote the same bytes as the first; None with fewer than two."""
    if len(runs) < 2:
        return None
    return all(filecmp.cmp(runs[0].output, r.output, shallow=False) for r in runs[1:])


def table(results: dict) -> str:
    """The printed report: one row per system, then the checks."""
    head = ("system", "wall s", "docs/s", "x ds/shingle", "x ds/batch", "x baseline",
            "precision", "recall")
    rows = [head]
    for s in results["systems"]:
        ratios = [f"{r:.2f}x" if r is not None else "-"
                  for r in (s["ratio_vs_datasketch_per_shingle"],
                            s["ratio_vs_datasketch_update_batch"], s["ratio_vs_baseline"])]
        rows.append((s["name"], f"{s['best_wall_s']:.2f}", f"{s['docs_per_s']:,.0f}", *ratios,
                     f"{s['pair_precision']:.4f}", f"{s['pair_recall']:.4f}"))
    widths = [max(len(row[c]) for row in rows) for c in range(len(head))]
    lines = [f"corpus: {results['docs']:,} docs, seed {results['seed']}, threshold "
             f"{results['threshold']}; best wall of {results['rounds']} alternating rounds, "
             f"process start-up included; {results['cpu_count']} CPUs"]
    for row in rows:
        lines.append("  ".join([row[0].ljust(widths[0])]
                               + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:],
                                                                   strict=True)]))
    lines.append("x <other>: the other's wall time / this one's (above 1: this one is faster); "
                 "precision, recall: same-cluster pairs against exact Jaccard")
    yes = {True: "yes", False: "NO", None: "n/a (fewer than two runs)"}
    lines.append(f"--jobs outputs byte-identical: {yes[results['jobs_outputs_identical']]}")
    if results["datasketch"] is not None:
        d = results["datasketch"]
        lines.append(f"datasketch {d['version']}: LSH {d['bands']} bands x {d['rows']} rows; "
                     f"per-shingle and update_batch outputs identical: "
                     f"{yes[results['datasketch_outputs_identical']]}")
    lines.append(f"runtime {results['runtime_seconds']:.0f} s")
    return "\n".join(lines)


def run_e2e(n_docs: int, seed: int, rounds: int, jobs: Sequence[int], baseline: Path | None,
            out: Path, datasketch: bool = True, workdir: Path | None = None) -> dict:
    """Generate the corpus, time every system in alternating rounds, score, print, write.

    workdir keeps the corpus and every output (the test reads them); by default
    they go to a temporary folder removed afterwards.
    """
    if rounds < 1 or not jobs:
        raise ValueError("rounds must be at least 1 and jobs must not be empty")
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="bench-dedup-e2e-") as tmp:
            return run_e2e(n_docs, seed, rounds, jobs, baseline, out, datasketch, Path(tmp))
    start = time.perf_counter()
    docs = generate(n_docs, seed)
    corpus = workdir / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as sink:
        for doc in docs:
            sink.write(json.dumps({"id": doc.id, "text": doc.text}, ensure_ascii=False) + "\n")
    runs = systems(corpus, workdir, jobs, baseline, datasketch)
    for _ in range(rounds):
        for system in runs:
            began = time.perf_counter()
            _run(system.command, system.env, workdir)
            system.walls.append(time.perf_counter() - began)
    sets = [shingle_set(doc.text) for doc in docs]
    best = {s.name: min(s.walls) for s in runs}
    per_shingle = best.get("datasketch per-shingle")
    batch = best.get("datasketch update_batch")
    base = next((best[s.name] for s in runs if s.kind == "baseline"), None)
    rows = []
    for s in runs:
        wall = best[s.name]
        rows.append({"name": s.name, "kind": s.kind, "command": s.command,
                     "walls_s": s.walls, "best_wall_s": wall, "docs_per_s": n_docs / wall,
                     "ratio_vs_datasketch_per_shingle": _ratio(per_shingle, wall),
                     "ratio_vs_datasketch_update_batch": _ratio(batch, wall),
                     "ratio_vs_baseline": _ratio(base, wall), **quality(docs, sets, s.output)})
    probe = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    results = {
        "docs": n_docs, "seed": seed, "rounds": rounds, "threshold": THRESHOLD,
        "cpu_count": os.cpu_count(), "python": sys.version.split()[0],
        "corpus": corpus_figures(docs), "systems": rows,
        "jobs_option": any("--jobs" in s.command for s in runs),
        "jobs_outputs_identical": _same([s for s in runs if s.kind == "cleaner"]),
        "datasketch": {"version": DATASKETCH_VERSION, "num_perm": NUM_PERM,
                       "seed": DATASKETCH_SEED, "bands": probe.b, "rows": probe.r}
        if datasketch else None,
        "datasketch_outputs_identical": _same([s for s in runs if s.kind == "datasketch"]),
        "runtime_seconds": time.perf_counter() - start,
    }
    print(table(results))
    atomic_write(out, json.dumps(results, indent=2) + "\n")
    return results


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return number


def parse_jobs(value: str) -> list[int]:
    """--jobs: a comma-separated list of worker counts, each at least 1."""
    try:
        return [_positive(part) for part in value.split(",")]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--jobs wants numbers like 1,2, got {value!r}") from exc


def main(argv: Sequence[str] | None = None) -> None:
    """The command line (see the module docstring); also the datasketch child's entry."""
    parser = argparse.ArgumentParser(
        prog="python -m cleaner.benchmarks.dedup_e2e", description=__doc__.split("\n\n")[0],
        epilog="example: git worktree add /tmp/cleaner-old 915ebe0 && python -m "
               "cleaner.benchmarks.dedup_e2e --docs 20000 --rounds 2 --jobs 1,2 "
               "--baseline /tmp/cleaner-old")
    parser.add_argument("--docs", type=_positive, default=DEFAULT_DOCS,
                        help=f"documents to generate (default {DEFAULT_DOCS:,})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"corpus seed (default {DEFAULT_SEED})")
    parser.add_argument("--rounds", type=_positive, default=DEFAULT_ROUNDS,
                        help=f"alternating rounds; the best wall time counts "
                             f"(default {DEFAULT_ROUNDS})")
    parser.add_argument("--jobs", type=parse_jobs, default=list(DEFAULT_JOBS),
                        help="cleaner dedup --jobs values, comma-separated (default 1,2)")
    parser.add_argument("--baseline", type=Path,
                        help="another cleaner checkout to time too, e.g. a git worktree")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"JSON figures (default {DEFAULT_OUT})")
    parser.add_argument("--skip-datasketch", action="store_true",
                        help="time cleaner only (datasketch per-shingle takes minutes)")
    parser.add_argument("--datasketch-child", nargs=3, metavar=("MODE", "CORPUS", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.datasketch_child is not None:
        mode, corpus, out = args.datasketch_child
        datasketch_child(mode, Path(corpus), Path(out))
        return
    run_e2e(args.docs, args.seed, args.rounds, args.jobs, args.baseline, args.out,
            datasketch=not args.skip_datasketch)


if __name__ == "__main__":
    main()
