"""The last step of a batch run: the spool and the dedup verdicts written out as the
text/ tree, documents.jsonl and errors.jsonl (`RunWriter` does the files).

Apart from `batch.run` because the run itself (listing, cleaning, checkpoints,
dedup) is a module's worth on its own.
"""

from __future__ import annotations

from collections.abc import Iterator

from cleaner import profile as site_profile
from cleaner.batch.outdir import DOCUMENTS_FILE, ERRORS_FILE, TEXT_DIR, OutDir, is_device_error
from cleaner.batch.outputs import RunWriter, assign_text_paths
from cleaner.batch.records import (
    PageError,
    SpooledBody,
    SpooledPage,
    record_line,
    record_parts,
    unpack,
    with_markdown,
)
from cleaner.batch.state import Spool
from cleaner.batch.statefile import StateError
from cleaner.batch.summary import RunSummary
from cleaner.dedup import Verdict


class OutputError(OSError):
    """The output could not be written (a full disk): the run stopped; the message
    says what was published and how to finish."""


def write_outputs(out: OutDir, spool: Spool[SpooledPage | PageError],
                  bodies: Spool[SpooledBody], verdicts: dict[str, Verdict],
                  dropped: dict[str, list[int]], summary: RunSummary,
                  text_files: bool = True, markdown: bool = False,
                  indexed: bool = False) -> None:
    """Write text/, documents.jsonl and errors.jsonl from the spool and the verdicts,
    counting into `summary`.

    A text file the file system refuses (a name it cannot hold, a folder in
    the way) is an error record, and the document's record says no text
    file; a full disk stops the run with an `OutputError` saying what was
    published (whole lines only) and that the same command finishes it.
    Without `text_files` no text/ tree is written and no record has a
    `text_path` (the text is in the record: a pipeline reading the list
    needs no second copy of every page). With `markdown` every record gets a
    `markdown` field and the text files are `.md` files of the same (the page
    rebuilt from the spool, its site repeats removed as from its text). With
    `indexed` (a run with --index) every record says `seen_before`.
    """
    names: Iterator[str] = iter(())
    if text_files:
        kept = [body.relpath for body in bodies if _verdict(verdicts, body.id).kept]
        names = iter(assign_text_paths(kept))
        del kept
    writer = RunWriter(out, text_files=text_files)
    try:
        for entry in spool:
            summary.read += 1
            if isinstance(entry, PageError):
                writer.add_error(entry.record())
                summary.errors += 1
                continue
            summary.chars_in += entry.chars_in
            verdict = _verdict(verdicts, entry.id)
            dup = verdict.duplicate_of
            text, head, tail = entry.text, entry.head, entry.tail
            md = None
            if entry.id in dropped or markdown:
                doc = unpack(entry.packed)
            if entry.id in dropped:  # site repeats removed: the record changes, rebuild it
                # the same blocks as dedup's text lost (`without_repeats`)
                text = "\n\n".join(site_profile.remove_repeats(doc, dropped[entry.id]))
                head, tail = record_parts(doc)
            if markdown:
                md = doc.to_markdown()
                tail = with_markdown(tail, md)
            name = None
            if dup is not None:
                summary.duplicates += 1
            else:
                summary.kept += 1
                summary.chars_out += len(text)
                if text_files:
                    name = next(names)
                    if md is not None:  # the same name, as Markdown ("a.txt" -> "a.md")
                        name = name.removesuffix(".txt") + ".md"
                    name = _text_file(writer, name, entry, text, summary, md)
            writer.add_document_line(record_line(
                head, tail, dup, verdict.similarity, verdict.cluster,
                f"{TEXT_DIR}/{name}" if name is not None else None,
                verdict.seen_before if indexed else None))
        writer.close()
    except OSError as exc:
        if not is_device_error(exc):
            raise
        try:
            writer.close()  # publishes the lists' whole lines (if not done already)
        except OSError:
            pass  # the same failure again: the lists are published whole all the same
        raise OutputError(exc.errno, _full_message(out, writer, exc)) from exc
    finally:
        writer.close()


def _text_file(writer: RunWriter, name: str, entry: SpooledPage, text: str,
               summary: RunSummary, markdown: str | None = None) -> str | None:
    """Write a kept page's text file (its Markdown, which holds the title, when given);
    its name, or None when the file system refused it (then an error record says so:
    the document's record still has the text)."""
    try:
        if markdown is not None:
            writer.write_text(name, None, markdown)
        else:
            writer.write_text(name, entry.title, text)
    except OSError as exc:
        if is_device_error(exc):
            raise
        writer.add_error({"source": entry.packed.source, "id": entry.id,
                          "url": entry.packed.url,
                          "error": f"cannot write its text file {TEXT_DIR}/{name} "
                          f"({exc.strerror or exc}); its record in {DOCUMENTS_FILE} has "
                          "the text"})
        summary.errors += 1
        return None
    return name


def _verdict(verdicts: dict[str, Verdict], doc_id: str) -> Verdict:
    try:
        return verdicts[doc_id]
    except KeyError:
        raise StateError(f"no dedup verdict for page {doc_id!r}") from None


def _full_message(out: OutDir, writer: RunWriter, exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return (f"{exc.strerror or exc}{where} while writing the output to {out.path}: "
            f"{DOCUMENTS_FILE} and {ERRORS_FILE} were published with the "
            f"{writer.lines_published(DOCUMENTS_FILE):,} and "
            f"{writer.lines_published(ERRORS_FILE):,} whole lines written before it; free "
            "some space and run the same command again to finish (it resumes)")


__all__ = ["OutputError", "write_outputs"]
