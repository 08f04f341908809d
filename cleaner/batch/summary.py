"""The figures of a batch run (`RunSummary`) and its closing line.

Kept apart from `batch.run` so that whatever reports a run (the CLI, a stream
run, the writing step that fills the figures in) can import it without the
whole pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cleaner.inputs.files import SKIP_REASONS


@dataclass(slots=True)
class RunSummary:
    """The figures the closing summary line reports.

    Example (`run` returns one):
        >>> line = RunSummary(read=3, kept=2, errors=1, chars_in=9000, chars_out=4000,
        ...                   seconds=2.0).line()
        >>> for part in line.split("; "):
        ...     print(part)
        read 3, kept 2, duplicates 0, errors 1
        characters in 9,000, out 4,000
        2.0 s (1.5 pages/s)
    """

    read: int = 0
    kept: int = 0
    duplicates: int = 0
    errors: int = 0
    chars_in: int = 0
    chars_out: int = 0
    seconds: float = 0.0
    resumed_at: int | None = None  # inputs already done when this run resumed
    already_complete: bool = False  # the same run had finished: nothing was done
    notice: str | None = None  # why an earlier run's state was not used, if it was not
    #: what the folder walk passed over, by reason (`inputs.files.SKIP_REASONS`):
    #: without it, a folder of 200 files giving "read 180" would not say why
    skipped: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        """One line for stderr: the counts, characters in and out, speed, and what the
        walk skipped (only when it skipped anything, so a plain run's line is as it was)."""
        rate = self.read / self.seconds if self.seconds > 0 else 0.0
        line = (f"read {self.read}, kept {self.kept}, duplicates {self.duplicates}, "
                f"errors {self.errors}; characters in {self.chars_in:,}, out "
                f"{self.chars_out:,}; {self.seconds:.1f} s ({rate:.1f} pages/s)")
        skipped = self.skipped_line()
        return f"{line}; {skipped}" if skipped else line

    def skipped_line(self) -> str:
        """"skipped 3 files: 2 unknown type, 1 hidden", or "" when nothing was skipped."""
        counts = {reason: n for reason, n in self.skipped.items() if n}
        if not counts:
            return ""
        order = [r for r in SKIP_REASONS if r in counts] + sorted(set(counts) - set(SKIP_REASONS))
        total = sum(counts.values())
        parts = ", ".join(f"{counts[reason]:,} {reason}" for reason in order)
        return f"skipped {total:,} file{'s' if total != 1 else ''}: {parts}"


__all__ = ["RunSummary"]
