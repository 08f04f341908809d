"""What a batch run can be told (`RunConfig`), with each default read from its one
home: the CLI's option defaults are these."""

from __future__ import annotations

from dataclasses import dataclass, field

from cleaner import profile as site_profile
from cleaner.batch.workers import DEFAULT_MAX_MEMORY
from cleaner.dedup import DEFAULT_KEEP, DEFAULT_THRESHOLD
from cleaner.dedup.signatures import DEFAULT_NUM_PERM
from cleaner.inputs.base import DEFAULT_MAX_BYTES
from cleaner.inputs.containers import JsonlFields
from cleaner.timelimit import DEFAULT_TIMEOUT


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Everything a batch run can be told; defaults are the CLI's defaults.

    Example:
        >>> config = RunConfig(threshold=0.9, jobs=2, timeout=10)
        >>> config.max_bytes == 16 * 1024 * 1024
        True
    """

    threshold: float = DEFAULT_THRESHOLD
    num_perm: int = DEFAULT_NUM_PERM
    max_bytes: int = DEFAULT_MAX_BYTES
    profile: site_profile.ProfileConfig = field(default_factory=site_profile.ProfileConfig)
    jobs: int | None = None  # worker processes (None: every core)
    timeout: float = DEFAULT_TIMEOUT  # seconds per page before it is an error
    max_memory: int | None = DEFAULT_MAX_MEMORY  # bytes a worker may use (None: no cap)
    keep: str = DEFAULT_KEEP  # which copy of a duplicate cluster is kept (KEEP_POLICIES)
    index: str | None = None  # a persistent dedup index (SQLite file) across runs
    kind: str | None = None  # every page's kind, "html" or "text" (None: name, then sniff)
    jsonl: JsonlFields = field(default_factory=JsonlFields)  # where JSONL records keep things
    #: write OUTDIR/text/ (one file per kept page; False: the records alone, no
    #: `text_path`). A field like the others, so it is part of the run's key: a
    #: run with text files is not resumed, or found finished, by one without.
    text_files: bool = True
    #: Markdown too (`--format markdown`): each record gets a `markdown` field and the
    #: text files are Markdown (`.md`), the page's structure kept (`Document.to_markdown`).
    markdown: bool = False
