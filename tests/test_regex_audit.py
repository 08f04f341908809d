"""Every regular expression of the package runs in linear time on hostile lines.

A page can hold a line of any length (minified script, a table flattened to one
line, a spam run of one word), and each line goes through dozens of patterns. A
pattern with ambiguous repetition (`(\\s*(,|y)\\s*\\w+)*$`) is exponential on
such a line; an unanchored one that scans far from every start (`\\w+\\s*$`
under `search`) is quadratic. So the test collects every compiled pattern of the
package at test time (module attributes, and the lists, tuples, dicts and sets
holding them), builds lines of `LINE_CHARS` characters from each pattern's own
words, characters and beginnings and from generic runs, and times `search`,
`match` and a full `finditer` on each. An AST check makes sure no pattern hides
from the collector (a pattern string handed to `re.sub` inside a function).
"""

from __future__ import annotations

import ast
import collections
import gc
import importlib
import pkgutil
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

try:
    import re._constants as sre_c
    import re._parser as sre_parse
except ImportError:  # Python < 3.11
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

import cleaner

#: Length of each hostile line: a long line of a real dump, and long enough that
#: quadratic work (5e7 steps) shows.
LINE_CHARS = 10_000
#: Budget of one search, match or full finditer on one line, in CPU time. The
#: slowest linear pattern takes 5.6 ms on its worst line (best of 5 on the
#: 2-core dev box: the date forms' month names on a line of 5,000 one-letter
#: words); 0.05 s leaves a factor of 9 for a slow shared CI machine, and stays
#: far below quadratic `\w+\s*$` (~400 ms) or an exponential pattern (never ends).
MAX_SECONDS = 0.05
#: A cheap quadratic scan (`<b\b[^>]*>` on "<b <b <b ...") costs only ~25 ms at
#: 10,000 characters, under the budget; so a check that takes more than
#: GROWTH_FLOOR is timed again at a quarter of the length (best of 3 each).
#: Linear work grows 4x (3.8-4.4x measured), quadratic 16x: over MAX_GROWTH fails.
GROWTH_FLOOR = 0.004
MAX_GROWTH = 8.0
#: A check still running after this long is interrupted (SIGALRM, which `re`
#: honours between steps) and fails, so an exponential pattern cannot hang CI.
INTERRUPT_SECONDS = 0.5
#: Literal words, characters and beginnings taken from one pattern: enough to
#: build its worst lines (what it repeats), few enough to keep the run short.
MAX_WORDS = 8
MAX_CHARS = 8
MAX_HEADS = 5
#: Line openings, each followed by generic runs and the pattern's characters.
GENERIC_PREFIXES = ("Posted by ", "by ", "Photo: ", "<meta ")
#: Generic runs: letters, digits, spaces, punctuation, words, lists and markup.
GENERIC_UNITS = (
    "a", "A", "1", " ", "\t", ".", "-", ":", "a ", "a a, a ", "Aa ", "a1 ", "1 of 2 ",
    "é", "日本", "<a>", "<a ", "{{", "[[", "(", "12:30 ", "2019-", "a.", ". ", "...", "a\n",
)  # fmt: skip
#: Characters tried, in order, as the sample of a character set.
SAMPLE_CHARS = "aA1 .-_:,'é日\u0600\t"
#: Functions that call `re.compile` in their body, and how the test sees what
#: they build: None when the results are kept in a module-level container at
#: import time (the collector finds them there), else a builder of samples.
BUILDERS: dict[str, Callable[[], list[re.Pattern]] | None] = {
    "cleaner.strip.rules._search_entry": None,  # every patterns.SEARCH entry, in _SEARCH
    "cleaner.dedup.shingles._token_re": lambda: [  # words and the combining marks of a text
        importlib.import_module("cleaner.dedup.shingles")._token_re(frozenset("\u0301\u093f"))
    ],
}
#: The `re` functions that take a pattern.
PATTERN_FUNCS = frozenset(
    {"compile", "search", "match", "fullmatch", "sub", "subn", "split", "findall", "finditer"}
)
PACKAGE_DIR = Path(cleaner.__file__).parent
REPEATS = (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None))
ATOMIC = getattr(sre_c, "ATOMIC_GROUP", None)


def _collect(value: object, name: str, out: dict[str, re.Pattern], depth: int = 0) -> None:
    if isinstance(value, re.Pattern):
        out.setdefault(name, value)
    elif depth < 3 and isinstance(value, dict):
        for key, item in value.items():
            _collect(key, f"{name}[{key!r}]", out, depth + 1)
            _collect(item, f"{name}[{key!r}]", out, depth + 1)
    elif depth < 3 and isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        for i, item in enumerate(items):
            _collect(item, f"{name}[{i}]", out, depth + 1)


def collect_patterns() -> dict[str, re.Pattern]:
    """Every compiled pattern the package holds (benchmarks too), each once, by where it lives."""
    names = sorted(m.name for m in pkgutil.walk_packages(cleaner.__path__, "cleaner."))
    found: dict[str, re.Pattern] = {}
    for module in map(importlib.import_module, ["cleaner", *names]):
        for attr, value in sorted(vars(module).items()):
            if not attr.startswith("__"):
                _collect(value, f"{module.__name__}.{attr}", found)
    for builder_name, builder in BUILDERS.items():
        for i, pattern in enumerate(builder() if builder else []):
            found[f"{builder_name}()[{i}]"] = pattern
    first: dict[tuple, str] = {}
    for name, pattern in found.items():
        first.setdefault((pattern.pattern, pattern.flags), name)
    return {name: found[name] for name in first.values()}


PATTERNS = collect_patterns()


def _in_set(char: str, items: list) -> bool:
    """Whether `char` is in a parsed character set (categories approximated)."""
    negate, found = False, False
    for op, arg in items:
        if op is sre_c.NEGATE:
            negate = True
        elif op is sre_c.LITERAL:
            found |= char == chr(arg)
        elif op is sre_c.RANGE:
            found |= arg[0] <= ord(char) <= arg[1]
        elif op is sre_c.CATEGORY:
            name = str(arg).removeprefix("CATEGORY_").removeprefix("UNI_")
            test = {"DIGIT": str.isdigit, "SPACE": str.isspace,
                    "WORD": lambda c: c.isalnum() or c == "_"}.get(name.removeprefix("NOT_"))
            found |= test is not None and test(char) != name.startswith("NOT_")
    return found != negate


def _example(items: object) -> str:
    """A string of the pattern's shape (each repeat once, the first alternative)."""
    out = []
    for op, arg in items:  # type: ignore[attr-defined]
        if op is sre_c.LITERAL:
            out.append(chr(arg))
        elif op is sre_c.NOT_LITERAL or op is sre_c.ANY:
            out.append("b" if arg == ord("a") else "a")
        elif op in (sre_c.IN, sre_c.CATEGORY):
            members = arg if op is sre_c.IN else [(op, arg)]
            out.append(next((c for c in SAMPLE_CHARS if _in_set(c, members)), ""))
        elif op is sre_c.BRANCH:
            out.append(_example(arg[1][0]))
        elif op is sre_c.SUBPATTERN or op is ATOMIC:
            out.append(_example(arg if op is ATOMIC else arg[-1]))
        elif op in REPEATS:
            out.append(_example(arg[2]) * min(max(arg[0], 1), arg[1]))
    return "".join(out)


def _walk(items: object, words: list[str], chars: list[str]) -> None:
    """Gather the literal runs (words) and the characters a parsed pattern names."""
    run: list[str] = []
    for op, arg in [*items, (None, None)]:  # type: ignore[misc]
        if op is sre_c.LITERAL:
            run.append(chr(arg))
            chars.append(chr(arg))
            continue
        if len(run) > 1:
            words.append("".join(run))
        run = []
        if op is sre_c.IN:
            for set_op, set_arg in arg:
                if set_op is sre_c.LITERAL:
                    chars.append(chr(set_arg))
                elif set_op is sre_c.RANGE:
                    chars.extend((chr(set_arg[0]), chr(set_arg[1])))
        elif op is sre_c.BRANCH:
            for alternative in arg[1]:
                _walk(alternative, words, chars)
        elif op in (sre_c.SUBPATTERN, sre_c.ASSERT, sre_c.ASSERT_NOT, ATOMIC, *REPEATS):
            _walk(arg if op is ATOMIC else arg[-1], words, chars)


def _heads(items: list) -> list[str]:
    """Examples of the pattern's beginnings: what a line of near-matches repeats."""
    if len(items) == 1 and items[0][0] is sre_c.BRANCH:
        return [h for alt in items[0][1][1][:MAX_HEADS] for h in _heads(list(alt))]
    cuts = _sample([str(k) for k in range(1, len(items) + 1)], MAX_HEADS)
    return [head for head in (_example(items[: int(k)]) for k in cuts) if head.strip()]


def _sample(items: list[str], count: int) -> list[str]:
    """`count` of the distinct items, spread over the list (deterministic)."""
    unique = list(dict.fromkeys(items))
    step = max(1.0, len(unique) / count)
    return [unique[int(i * step)] for i in range(min(count, len(unique)))]


def line_specs(pattern: re.Pattern) -> list[tuple[str, str, str]]:
    """Hostile lines as (opening, unit repeated, stopper): the pattern's words, characters
    and beginnings, and generic runs, each repeated to the length and then a character
    that the pattern does not name (so a near-match fails at the very end)."""
    source = pattern.pattern
    source = source.decode("latin-1") if isinstance(source, bytes) else source
    items = list(sre_parse.parse(source, pattern.flags & ~re.UNICODE & ~re.ASCII))
    words: list[str] = []
    chars: list[str] = []
    _walk(items, words, chars)
    words = _sample([w for w in words if w.strip()], MAX_WORDS)
    chars = _sample(chars, MAX_CHARS)
    units = [*words, *chars, *_sample(_heads(items), MAX_HEADS), *GENERIC_UNITS]
    stopper = next(c for c in "\x00!#~\u2603" if c not in chars)
    spaced = [u + " " for u in units[: len(units) - len(GENERIC_UNITS)] if len(u) > 1]
    specs = [("", unit, stopper) for unit in [*units, *spaced]]
    starts = [w + " " for w in _sample([w for w in words if not w[0].isspace()], 3)]
    for opening in [*GENERIC_PREFIXES, *starts]:
        specs += [(opening, unit, stopper) for unit in [*chars[:4], *GENERIC_UNITS[:3]]]
    return list(dict.fromkeys(specs))


def build_line(spec: tuple[str, str, str], length: int = LINE_CHARS) -> str:
    opening, unit, stopper = spec
    body = length - len(opening)
    return opening + (unit * (body // len(unit) + 1))[:body] + stopper


class _Interrupted(Exception):
    pass


@contextmanager
def _alarms() -> Iterator[bool]:
    """Let `_timed` interrupt a check (main thread with SIGALRM only; else it just times).

    The garbage collector is off meanwhile: a full finditer makes 10,000 match
    objects, and a collection that they set off would be timed with them.
    """
    armed = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()

    def ring(signum: int, frame: object) -> None:
        raise _Interrupted

    previous = signal.signal(signal.SIGALRM, ring) if armed else None
    gc.disable()
    try:
        yield armed
    finally:
        gc.enable()
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _timed(run: Callable[[object], object], subject: object, armed: bool) -> float:
    """CPU seconds one check takes (about INTERRUPT_SECONDS when it was interrupted).

    CPU time, not wall time: on a busy shared machine a longer check is more often
    preempted, which would pass for superlinear growth.
    """
    start = time.thread_time()
    try:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, INTERRUPT_SECONDS)
        run(subject)
    except _Interrupted:
        return INTERRUPT_SECONDS
    finally:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return time.thread_time() - start


def _operations(pattern: re.Pattern) -> dict[str, Callable[[object], object]]:
    return {"search": pattern.search, "match": pattern.match,
            "finditer": lambda line: collections.deque(pattern.finditer(line), maxlen=0)}


def slow_check(pattern: re.Pattern) -> str | None:
    """The first check over budget (or growing faster than linear), described; or None."""
    def subject(spec: tuple[str, str, str], length: int = LINE_CHARS) -> object:
        line = build_line(spec, length)
        return line.encode("utf-8") if isinstance(pattern.pattern, bytes) else line

    with _alarms() as armed:
        for spec in line_specs(pattern):
            full = subject(spec)
            for op, run in _operations(pattern).items():
                took = _timed(run, full, armed)
                shown = f"{op} on {build_line(spec, 40)!r}... ({LINE_CHARS} chars)"
                if took > MAX_SECONDS:
                    return f"{took * 1000:.0f} ms: {shown}"
                if took > GROWTH_FLOOR:
                    quarter = subject(spec, LINE_CHARS // 4)
                    took = min(took, *(_timed(run, full, armed) for _ in range(2)))
                    small = min(_timed(run, quarter, armed) for _ in range(3))
                    if took > MAX_GROWTH * small:
                        return f"{took / small:.0f}x slower at 4x the length: {shown}"
    return None


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_pattern_is_linear(name: str) -> None:
    assert slow_check(PATTERNS[name]) is None, PATTERNS[name].pattern


def test_collector_sees_the_patterns() -> None:
    """Module attributes, patterns in lists and patterns built from data are all collected."""
    names = set(PATTERNS)
    assert {"cleaner.lang.dates._BYLINE", "cleaner.inputs.decode._META_CHARSET"} <= names
    assert any(n.startswith("cleaner.lang.dates._FORMS[") for n in names)
    assert sum(n.startswith("cleaner.strip.rules._SEARCH[") for n in names) >= 50
    assert any(n.startswith("cleaner.benchmarks.") for n in names)


@pytest.mark.parametrize(
    "source",
    [r"\w+\s*$",  # quadratic, and slow at once
     r"<b\b[^>]*>",  # quadratic but cheap: caught by the growth check
     r"^(by)\s+\w+(\s*(,|and|y)\s*\w+)*$"],  # exponential, interrupted
)
def test_the_check_catches_slow_patterns(source: str) -> None:
    assert slow_check(re.compile(source, re.I)) is not None


class _HiddenPatterns(ast.NodeVisitor):
    """Finds `re` calls whose pattern the collector cannot see, in one module."""

    def __init__(self, module: str, constants: set[str]) -> None:
        self.module, self.constants = module, constants
        self.where: list[str] = []  # the enclosing functions
        self.problems: list[str] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.Lambda) -> None:
        self.where.append(f"{self.module}.{getattr(node, 'name', '<lambda>')}")
        self.generic_visit(node)
        self.where.pop()

    visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef  # type: ignore[assignment]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "re" and any(a.name in PATTERN_FUNCS for a in node.names):
            self.problems.append(f"{self.module}:{node.lineno}: `from re import` a matcher")

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        func = node.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                and func.value.id == "re" and func.attr in PATTERN_FUNCS):
            return
        first = node.args[0] if node.args else None
        if not self.where:  # at import: a compiled constant is collected, a match is not
            if func.attr != "compile":
                self.problems.append(f"{self.module}:{node.lineno}: re.{func.attr} at import")
        elif not ((func.attr == "compile" and self.where[-1] in BUILDERS)
                  or (isinstance(first, ast.Name) and first.id in self.constants)):
            self.problems.append(
                f"{self.where[-1]}:{node.lineno}: re.{func.attr} of a pattern made here")


def _hidden_patterns(path: Path, module: str | None = None) -> list[str]:
    """`re` calls in one source file whose pattern the collector cannot see."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if module is None:
        module = ".".join(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    constants = {t.id for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign)
                 for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                 if isinstance(t, ast.Name)}
    visitor = _HiddenPatterns(module.removesuffix(".__init__"), constants)
    visitor.visit(tree)
    return visitor.problems


def test_no_pattern_hides_from_the_audit() -> None:
    """Patterns are module-level compiled constants (or built by a known builder), so
    the collector audits them: a pattern string given to re.sub in a function is not."""
    problems = [p for path in sorted(PACKAGE_DIR.rglob("*.py")) for p in _hidden_patterns(path)]
    assert problems == []


def test_the_ast_check_finds_hidden_patterns(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import re\nX = re.compile('a')\n\ndef f(s):\n"
                     "    return re.sub(r'\\w+\\s*$', '', s), re.match(X, s)\n", encoding="utf-8")
    assert _hidden_patterns(probe, "probe") == ["probe.f:5: re.sub of a pattern made here"]
