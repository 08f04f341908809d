"""A run into an OUTDIR that already holds a run's output: which run, and replacing it.

Written over by another run (other inputs or settings), OUTDIR used to end
with that run's text files beside this run's records: a text/ tree that
`documents.jsonl` does not describe. Now OUTDIR holds one run's output or
none, never a mix:

- the same run (the state's key is this run's `run_key`) resumes, or finds
  itself finished, as before;
- another run's output is refused before any work (`DifferentRunError`),
  unless the caller restarts, which removes it whole first
  (`remove_earlier_output`).

"Another run's output" is recognised from what cleaner itself leaves:

- `.cleaner-run/run.json` with another run's key, beside any of that run's
  output: `documents.jsonl`, `errors.jsonl`, `report.html` or a text/ folder
  (a run killed while writing has text files and no lists yet). A run killed
  before it wrote anything left its state alone: that is discarded, as it
  always was, since there is nothing to mix with;
- `documents.jsonl` or `errors.jsonl` with no readable run key beside them
  (the state was deleted or damaged: nothing says which run they belong to).

A folder with neither (new, empty, or holding a stray text/ tree and no
state) holds no run's output: nothing in it is deleted, and the run goes ahead.

Removal goes through `OutDir` (`check` has refused links among OUTDIR's own
entries): the lists and report.html are removed only when they are plain
files, text/ only when it is a real folder, its tree without following any
link in it. Nothing else in OUTDIR is touched (an `--index` file kept there,
the user's own files).
"""

from __future__ import annotations

import errno
import json
import os
import stat

from cleaner.batch.outdir import (
    DOCUMENTS_FILE,
    ERRORS_FILE,
    REPORT_DATA_DIR,
    REPORT_FILE,
    TEXT_DIR,
    OutDir,
)
from cleaner.errors import CleanerError

#: The lists every run publishes (even empty): either one in OUTDIR means a run wrote there.
LISTS = (DOCUMENTS_FILE, ERRORS_FILE)
#: The key run.json holds while an earlier output is being removed: no run's key
#: (those are SHA-256 digests), so a run stopped in the middle of the removal
#: leaves a state that every later run sees as another run's, and is refused
#: until it restarts, instead of starting beside what is left.
REPLACING_KEY = "replacing an earlier run's output"


class DifferentRunError(CleanerError, OSError):
    """OUTDIR holds the output of a different run: refused before any work (a usage
    error: the user meant another folder, or `--restart`). An OSError, as the
    other refusals of an OUTDIR are (`outdir.OutputInUseError`), so code that
    reports those reports this one; a `CleanerError`, as all the library refuses.

    Example (out/ holding the output of `run(["seeds/"], "out/")`)::

        try:
            run(["other-pages/"], "out/")
        except DifferentRunError as exc:
            print(exc.strerror)  # out holds the output of a different run (...); use
                                 # --restart to replace it, or another folder
            run(["other-pages/"], "out/", restart=True)  # replaces it whole
    """


def earlier_output(out: OutDir, earlier_key: str | None) -> list[str]:
    """OUTDIR's entries that hold an earlier run's output (see the module docstring):
    the lists, report.html and text/ when a run's key or a list says a run wrote
    here; none otherwise.

    `earlier_key` is the key in the state folder's run.json (None when there is
    no run.json or it cannot be read).
    """
    lists = [name for name in LISTS if _kind(out, name) == stat.S_IFREG]
    if earlier_key is None and not lists:
        return []
    found = list(lists)
    if _kind(out, REPORT_FILE) == stat.S_IFREG:
        found.append(REPORT_FILE)
    if _kind(out, TEXT_DIR) == stat.S_IFDIR:
        found.append(f"{TEXT_DIR}/")
    return found


def other_run(out: OutDir, earlier_key: str | None, key: str) -> str | None:
    """Why OUTDIR holds the output of a run other than the run `key`, or None."""
    if earlier_key == key:
        return None
    found = earlier_output(out, earlier_key)
    if not found:
        return None
    names = ", ".join(found)
    if earlier_key == REPLACING_KEY:
        return f"{names}, left by a run stopped while it replaced them"
    if earlier_key is not None:
        return f"{names} of a run with other inputs or settings, or of another cleaner version"
    return f"{names}, with no run state saying which run wrote them"


def refuse(out: OutDir, why: str) -> DifferentRunError:
    """The error for an OUTDIR that holds another run's output."""
    return DifferentRunError(
        errno.EEXIST, f"{out.path} holds the output of a different run ({why}); use "
        "--restart to replace it, or another folder")


def remove_earlier_output(out: OutDir, state_file: str) -> None:
    """Remove an earlier run's output: report.html and report-data/, the text/ tree,
    the lists.

    `state_file` (the state's run.json) first gets `REPLACING_KEY`, so a run
    killed in the middle of this leaves no state claiming the output is whole
    or a run's own (a finished run found finished with half its files gone),
    and none that lets the next run start beside what is left. The caller
    replaces the state folder afterwards.
    """
    out.write(state_file, json.dumps({"key": REPLACING_KEY}).encode())
    if _kind(out, REPORT_FILE) == stat.S_IFREG:
        out.remove(REPORT_FILE)
    if _kind(out, REPORT_DATA_DIR) == stat.S_IFDIR:
        out.remove(REPORT_DATA_DIR)  # the report's data files, with the report
    if _kind(out, TEXT_DIR) == stat.S_IFDIR:
        out.remove(TEXT_DIR)  # a real folder: its tree, never through a link
    for name in (ERRORS_FILE, DOCUMENTS_FILE):
        if _kind(out, name) == stat.S_IFREG:
            out.remove(name)


def _kind(out: OutDir, name: str) -> int | None:
    """The file type (`stat.S_IFMT`) of OUTDIR's entry `name`, not following a link;
    None when it is missing."""
    try:
        return stat.S_IFMT(os.lstat(name, dir_fd=out.fd).st_mode)
    except FileNotFoundError:
        return None


__all__ = ["LISTS", "REPLACING_KEY", "DifferentRunError", "earlier_output", "other_run", "refuse",
           "remove_earlier_output"]
