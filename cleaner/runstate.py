"""What a batch run keeps on disk so that a killed run can resume where it stopped.

A run's state lives in `OUTDIR/.cleaner-run/`:

- `run.json`: which run this is (a key made of the arguments, the settings
  that change the output, and the listing of the input files: names, sizes,
  modification times), and, once the run has finished, its summary;
- `spool` and `bodies`: every cleaned page, appended in input order (pickles);
- `checkpoint.json`: how many inputs are in the spools and the spools' sizes
  at that moment, written (atomically, after an fsync of the spools) every
  few hundred pages and at the end of cleaning;
- `verdicts.pickle`: the dedup decisions, saved before the index is touched
  and before any output is written.

Started again with the same command, a run truncates the spools to the last
checkpoint and cleans only the inputs after it; a run killed after dedup
reuses the saved verdicts (the index may already hold this run's pages, so
deciding again would not give the same answer). Outputs are written whole or
not at all (`sinks`), so writing them again gives the same files. A finished
run's folder keeps `run.json` only; the same command again does nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from cleaner.sinks import TEXT_DIR, atomic_write

STATE_DIR = ".cleaner-run"
#: Cleaned pages between checkpoints, and the longest time between two.
CHECKPOINT_PAGES = 256
CHECKPOINT_SECONDS = 5.0
#: Version of the state layout: a state of another version is not resumed.
STATE_VERSION = 1


def run_key(paths: Sequence[str], files: Sequence[tuple[str, str]], settings: Any) -> str:
    """A digest of what decides a run's output: arguments, settings, input files."""
    listing = []
    for path, relpath in files:
        try:
            stat = os.stat(path)
            listing.append((path, relpath, stat.st_size, stat.st_mtime_ns))
        except OSError:
            listing.append((path, relpath, None, None))
    fields = dataclasses.asdict(settings) if dataclasses.is_dataclass(settings) else settings
    blob = json.dumps({"version": STATE_VERSION, "paths": [os.path.abspath(p) for p in paths],
                       "settings": fields, "files": listing}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


class RunState:
    """The state folder of one run (see the module docstring).

    Args:
        outdir: the run's output folder.
        key: `run_key` of this run; a state with another key is discarded.
        restart: discard any state and start from scratch.
        resumable: False for a run that cannot be repeated (stdin): nothing
            is resumed, and the spools still go to the state folder.
    """

    def __init__(self, outdir: Path, key: str, *, restart: bool = False,
                 resumable: bool = True) -> None:
        self.dir = Path(outdir) / STATE_DIR
        self.key = key
        self._last = time.monotonic()
        self.inputs_done = 0
        self.sizes = {"spool": 0, "bodies": 0}
        self.cleaned = False
        self.complete: dict | None = None
        self.resumed = False
        info = _read_json(self.dir / "run.json")
        if restart or not resumable or info is None or info.get("key") != key:
            if info is not None and info.get("summary") is None:  # a run that was killed
                _remove_stale_temp_files(Path(outdir))
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir.mkdir(parents=True, exist_ok=True)
            atomic_write(self.dir / "run.json", json.dumps({"key": key}))
            return
        if info.get("summary") is not None:
            self.complete = info["summary"]
            return
        point = _read_json(self.dir / "checkpoint.json") or {}
        self.inputs_done = int(point.get("inputs", 0))
        self.sizes = {"spool": int(point.get("spool", 0)), "bodies": int(point.get("bodies", 0))}
        self.cleaned = bool(point.get("cleaned", False))
        self.resumed = True
        _remove_stale_temp_files(Path(outdir))

    def path(self, name: str) -> Path:
        return self.dir / name

    def due(self, pages_since: int) -> bool:
        """Whether a checkpoint is due after `pages_since` pages since the last one."""
        if pages_since >= CHECKPOINT_PAGES:
            return True
        return pages_since > 0 and time.monotonic() - self._last >= CHECKPOINT_SECONDS

    def checkpoint(self, inputs: int, spool: int, bodies: int, cleaned: bool = False) -> None:
        """Record that the first `inputs` inputs are in the spools (already synced)."""
        atomic_write(self.dir / "checkpoint.json",
                     json.dumps({"inputs": inputs, "spool": spool, "bodies": bodies,
                                 "cleaned": cleaned}))
        self.inputs_done, self.cleaned = inputs, cleaned
        self._last = time.monotonic()

    def saved_verdicts(self) -> Any:
        """What `save_verdicts` saved, or None."""
        try:
            with open(self.dir / "verdicts.pickle", "rb") as handle:
                return pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError):
            return None

    def save_verdicts(self, value: Any) -> None:
        atomic_write(self.dir / "verdicts.pickle",
                     pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def finish(self, summary: dict) -> None:
        """Mark the run complete (with its summary) and drop everything else."""
        atomic_write(self.dir / "run.json", json.dumps({"key": self.key, "summary": summary}))
        for entry in self.dir.iterdir():
            if entry.name != "run.json":
                entry.unlink(missing_ok=True)


class Spool:
    """The batch's outcomes on disk, in input order, read back as often as needed.

    The site profile and dedup need the whole batch before anything is written,
    and holding every cleaned page in memory would not scale, so each outcome
    is pickled to a file as it arrives: the run's state folder (`runstate`),
    kept to its last checkpoint's `size` when a run resumes.
    """

    def __init__(self, path: Path, size: int = 0) -> None:
        self._file = open(path, "a+b")  # noqa: SIM115 - closed by close()
        self._file.truncate(size)
        self._file.seek(size)

    def append(self, item: tuple) -> None:
        pickle.dump(item, self._file, protocol=pickle.HIGHEST_PROTOCOL)

    def sync(self) -> int:
        """Force what was appended to disk; returns the spool's size."""
        self._file.flush()
        os.fsync(self._file.fileno())
        return self._file.tell()

    def __iter__(self) -> Iterator[tuple]:
        self._file.flush()
        end = self._file.tell()
        reader = open(self._file.name, "rb")  # noqa: SIM115 - a second handle, own position
        try:
            while reader.tell() < end:
                yield pickle.load(reader)
        finally:
            reader.close()

    def close(self) -> None:
        self._file.close()


def _read_json(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _remove_stale_temp_files(outdir: Path) -> None:
    """Temporary files a killed run left (`.NAME.XXXX.tmp`, never renamed into place):
    the lists' in the output folder, the texts' anywhere under text/."""
    stale = [*outdir.glob(".*.tmp"), *(outdir / TEXT_DIR).rglob(".*.tmp")]
    for path in stale:
        path.unlink(missing_ok=True)


__all__ = ["CHECKPOINT_PAGES", "STATE_DIR", "RunState", "Spool", "run_key"]
