"""What runs where: the contract between a batch run and the engine that cleans its
pages (`Engine`), and the per-page work every engine does the same way (`Task`).

An engine turns a stream of inputs into a stream of outcomes, in input order:
a `records.CleanedPage` for a cleaned page (its record's JSON, body lines and
profile keys, and the shingle set and MinHash signature of its text when the
engine signs pages where they are cleaned), a `records.PageError` for one
that could not be cleaned. The order of outcomes never depends on the number
of workers, so neither does the output. Steps never ask which engine runs
them: the optional steps of the contract return None where an engine leaves
them to the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from cleaner import profile as site_profile
from cleaner.batch.config import RunConfig
from cleaner.batch.records import Outcome, PageError, prepare
from cleaner.clean import clean_input, error_message
from cleaner.dedup.batch import PairFinder
from cleaner.dedup.signatures import Signed, sign
from cleaner.inputs.base import Input
from cleaner.timelimit import HARD_LIMIT_GRACE, PageTimeout, hard_limit, time_limit


class SignFuture(Protocol):
    """A signing task in flight (`Engine.sign_many`)."""

    def result(self) -> list[Signed]:
        """The signatures, in the order of the texts (waits for them)."""
        ...


class Engine(Protocol):
    """Where a batch run's per-page work runs (`batch.local`, `batch.dask_engine`).

    `map` is the one required step. The others let an engine do more of the
    run on its workers; each returns None when the engine leaves that step to
    the run, which then does it itself with the same result.
    """

    name: str

    def map(self, inputs: Iterable[Input], config: RunConfig) -> Iterator[Outcome]:
        """Clean the inputs (consumed lazily, a bounded number in flight); one
        outcome per input, in input order."""
        ...

    def site_profile(self, config: site_profile.ProfileConfig) -> dict[str, set[str]] | None:
        """The site profile learnt from the pages `map` cleaned, or None."""
        ...

    def sign_many(self, texts: list[str], num_perm: int) -> SignFuture | None:
        """Start signing texts on the workers, or None (the run signs them)."""
        ...

    def buckets(self) -> PairFinder | None:
        """What groups dedup's band keys by bucket on the workers, or None."""
        ...


#: The steps of the contract, every one of which an engine has.
ENGINE_STEPS = ("map", "site_profile", "sign_many", "buckets")


class EngineBase:
    """A base for engines that only clean pages (`map`): the optional steps of the
    contract answer None, so the run does them itself."""

    def site_profile(self, config: site_profile.ProfileConfig) -> dict[str, set[str]] | None:
        """None: the run learns the site profile as the outcomes come in."""
        return None

    def sign_many(self, texts: list[str], num_perm: int) -> SignFuture | None:
        """None: the run signs in batches in its own process."""
        return None

    def buckets(self) -> PairFinder | None:
        """None: the run groups the band keys itself."""
        return None


def check_engine(engine: object) -> None:
    """Refuse, before any work, an object that lacks a step of the contract.

    Raises:
        TypeError: naming the missing steps.
    """
    missing = [step for step in ENGINE_STEPS if not callable(getattr(engine, step, None))]
    if missing:
        raise TypeError(f"{type(engine).__name__} is not an engine: it has no "
                        f"{', '.join(missing)} (an engine that only cleans pages can "
                        "subclass cleaner.batch.task.EngineBase for the other steps)")


@dataclass(frozen=True, slots=True)
class Task:
    """What a worker needs to clean pages: the run's settings."""

    config: RunConfig
    timeout: float
    sign_pages: bool = True  # make each page's dedup signature where it is cleaned
    # end the process if a page overruns inside C code (`timelimit.hard_limit`):
    # for a process that cleans one page at a time, where nobody else can
    hard: bool = False

    def one(self, inp: Input) -> Outcome:
        """Clean one input into its outcome; never raises for a bad page (the
        document boundary), and ends the process past the hard limit if `hard`."""
        with hard_limit(self.timeout + HARD_LIMIT_GRACE if self.hard and self.timeout else 0):
            return self._one(inp)

    def _one(self, inp: Input) -> Outcome:
        try:
            with time_limit(self.timeout):
                doc = clean_input(inp, self.config.max_bytes)
                # signed here, in the worker, so the dedup stage only compares;
                # in a single process, dedup signs in batches, which is cheaper
                page = prepare(doc)
                if self.sign_pages:
                    page = page._replace(signed=sign(page.text, self.config.num_perm))
                return page
        except PageTimeout:
            return timed_out(self.timeout, inp)
        except Exception as exc:  # the document boundary: record, go on
            return page_error(inp, error_message(exc))

    def many(self, inputs: list[Input]) -> list[Outcome]:
        """`one` on each input of a batch (a Dask task cleans a batch at a time)."""
        return [self.one(inp) for inp in inputs]


def page_error(inp: Input, message: str) -> PageError:
    """The error record of an input: where it came from, its own id and URL when it
    had them (so a pipeline can join it back), and why."""
    return PageError(inp.source, message, inp.doc_id, inp.url)


def timed_out(timeout: float, inp: Input) -> Outcome:
    """The record of a page past the time limit: the same words whichever limit
    stopped it (a page near the limit may be stopped by either) and on any engine."""
    return page_error(inp, f"timed out after {timeout:g} s")


def died(inp: Input, exitcode: int | None = None) -> Outcome:
    """The record of a page whose worker died. The exit code is not in it: the Dask
    engine cannot know it, and the output is the same on every engine."""
    return page_error(inp, "the worker cleaning this page died (a crash, or out of memory)")


def batches(items: Iterable[Input], size: int) -> Iterator[list[Input]]:
    """The inputs in lists of `size` (the last may be shorter), read lazily."""
    batch: list[Input] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


__all__ = ["ENGINE_STEPS", "Engine", "EngineBase", "SignFuture", "Task", "batches", "check_engine",
           "died", "page_error", "timed_out"]
