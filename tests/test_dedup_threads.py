"""One `Deduper` shared by a thread pool: with an index, in memory, streaming and batch.

A crawler's fetchers run in threads and hand each page to one deduper; the
SQLite index's connection would refuse a second thread (`ProgrammingError`)
and the in-memory buckets could be torn by two adds at once. The decisions
depend on the order of the calls, so the checks are either order-free
(every family ends up with one kept copy) or made in a fixed order that
threads take in turn, against the same calls from one thread.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cleaner.dedup import Deduper, Match
from cleaner.dedup.store import SetStore

#: Threads in the pool: more than the cores of most test machines, so calls overlap.
THREADS = 8
#: Families of near-duplicates, copies per family (the original included), and
#: documents alike to nothing: 300 documents in all.
FAMILIES, COPIES, SINGLES = 40, 6, 60
#: Words per article: with one word edited per copy, two copies share about 95% of
#: their 5-grams, so even the estimate against an index (standard error 0.02 at 128
#: permutations) never falls near the 0.8 threshold, whatever order they come in.
WORDS_PER_ARTICLE = 400
VOCABULARY = [f"{a}{b}{c}" for a in "bdfgklmnprst" for b in "aeiou" for c in "lnrs"]


def article(seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCABULARY) for _ in range(WORDS_PER_ARTICLE))


def corpus() -> list[tuple[str, str]]:
    """(id, text): FAMILIES families of COPIES near-copies each (one word edited,
    at a different place in each copy), and SINGLES unrelated articles; shuffled."""
    docs = []
    for family in range(FAMILIES):
        words = article(family).split()
        for copy in range(COPIES):
            edited = list(words)
            edited[copy * 50 + 7] = f"edited{copy}"
            docs.append((f"f{family}-{copy}", " ".join(edited)))
    docs += [(f"s{n}", article(10_000 + n)) for n in range(SINGLES)]
    random.Random(5).shuffle(docs)
    return docs


def family(doc_id: str) -> str:
    """"f3" for "f3-1", "s7" for "s7": what a document is a copy of."""
    return doc_id.split("-")[0]


def batch_of(doc_id: str) -> int:
    """Which thread's batch a document goes to: a family's copies all in one."""
    return int(family(doc_id)[1:]) % THREADS


def in_turn(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls on THREADS threads, but one at a time in list order: each waits
    for the previous one to finish, so the order is fixed while the threads vary."""
    turn = 0
    ready = threading.Condition()

    def run(n: int) -> tuple[object, str]:
        nonlocal turn
        with ready:
            ready.wait_for(lambda: turn == n)
        try:
            return calls[n](), threading.current_thread().name
        finally:
            with ready:
                turn += 1
                ready.notify_all()

    with ThreadPoolExecutor(THREADS) as pool:  # tasks start in submission order
        results = list(pool.map(run, range(len(calls))))
    assert len({name for _, name in results}) > 1  # the calls did come from several threads
    return [answer for answer, _ in results]


def check_one_kept_per_family(answers: dict[str, Match | None], indexed: bool) -> set[str]:
    """Every family: one copy answered None (the first to arrive), the others copies
    of one of the family (with an index: of that first one, the only one indexed);
    every single article None. Returns the ids answered None."""
    kept = {doc_id for doc_id, answer in answers.items() if answer is None}
    assert {d for d in kept if d.startswith("s")} == {f"s{n}" for n in range(SINGLES)}
    assert sorted(family(d) for d in kept if d.startswith("f")) == sorted(
        f"f{n}" for n in range(FAMILIES))
    first = {family(d): d for d in kept}
    for doc_id, answer in answers.items():
        if answer is not None:
            assert family(answer.doc_id) == family(doc_id), doc_id
            assert not indexed or answer.doc_id == first[family(doc_id)], doc_id
            assert answer.similarity >= 0.8 and not answer.seen_before
    return kept


#: Seconds an in-memory add pauses between storing a text's shingles and its id: it
#: widens the window in which two unguarded adds would pair one's id with the other's
#: shingles, which the GIL alone makes too rare to see.
RACE_WINDOW = 0.001


@pytest.mark.parametrize("indexed", [True, False], ids=["index", "memory"])
def test_a_thread_pool_adding_at_once_gets_an_answer_for_every_document(
        tmp_path: Path, indexed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = corpus()
    path = str(tmp_path / "ix.sqlite") if indexed else None
    store = SetStore.append

    def slow_append(self: SetStore, values: object) -> int:
        number = store(self, values)
        time.sleep(RACE_WINDOW)
        return number

    monkeypatch.setattr(SetStore, "append", slow_append)
    with Deduper(path=path) as deduper:
        with ThreadPoolExecutor(THREADS) as pool:
            found = pool.map(lambda doc: deduper.add(*doc), docs)
            answers = dict(zip((d for d, _ in docs), found, strict=True))
        assert len(answers) == len(docs) == len(deduper)
        kept = check_one_kept_per_family(answers, indexed)
        if indexed:  # the index holds the kept copies, every id is known to it
            assert len(deduper.index) == len(kept) and all(d in deduper.index for d in kept)
            assert all(deduper.seen_before(d) for d, _ in docs)


def test_adds_from_many_threads_in_a_fixed_order_decide_as_one_thread_does(
        tmp_path: Path) -> None:
    docs = corpus()
    with Deduper(path=str(tmp_path / "alone.sqlite")) as alone:
        expected = [alone.add(*doc) for doc in docs]
        expected_index = sorted(alone.index.find(d for d, _ in docs).items())
    with Deduper(path=str(tmp_path / "shared.sqlite")) as shared:
        answers = in_turn([lambda doc=doc: shared.add(*doc) for doc in docs])
        assert answers == expected
        assert sorted(shared.index.find(d for d, _ in docs).items()) == expected_index
    check_one_kept_per_family(dict(zip((d for d, _ in docs), answers, strict=True)), True)


def test_batches_clustered_from_many_threads_keep_one_copy_per_family(tmp_path: Path) -> None:
    """Each family in one batch; the batches clustered at once on an index; then
    the same documents added one by one from the threads, all copies of the kept."""
    docs = corpus()
    batches = [[doc for doc in docs if batch_of(doc[0]) == n] for n in range(THREADS)]
    with Deduper(path=str(tmp_path / "ix.sqlite")) as deduper:
        with ThreadPoolExecutor(THREADS) as pool:
            parts = list(pool.map(deduper.cluster, batches))
        verdicts = {d: v for part in parts for d, v in part.items()}
        assert set(verdicts) == {d for d, _ in docs}
        clusters: dict[str, set[str]] = {}
        for doc_id, verdict in verdicts.items():
            clusters.setdefault(verdict.cluster, set()).add(doc_id)
        assert sorted(map(sorted, clusters.values())) == sorted(
            sorted(d for d, _ in docs if family(d) == f) for f in {family(d) for d, _ in docs})
        kept = {d for d, v in verdicts.items() if v.kept}
        assert len(deduper.index) == len(kept) == FAMILIES + SINGLES
        copies = [(f"copy-{d}", text) for d, text in docs]
        with ThreadPoolExecutor(THREADS) as pool:
            matches = list(pool.map(lambda doc: deduper.add(*doc), copies))
        assert all(m is not None and m.doc_id == verdicts[d[len("copy-"):]].cluster
                   for m, d in zip(matches, (d for d, _ in copies), strict=True))
