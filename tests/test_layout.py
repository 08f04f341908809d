"""The house's layout: imports run one way, from the CLI down to document.py.

An `ast` walk over the package reads every import, at module level or inside a
function (a function-level import dodges a circle at import time but leaves
the circle in the design), and fails on any circle; a second check keeps the
floors in order (what reads bytes in never imports the batch machinery, the
library never imports its benchmarks). The detector itself is tested on a
small package with a circle hidden in a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cleaner"

#: Floors of the package, bottom first: a module may import its own floor and the
#: floors below, never one above (the data flow: inputs -> extract -> dedup -> batch).
FLOORS: tuple[tuple[str, ...], ...] = (
    ("cleaner.errors", "cleaner.document", "cleaner.timelimit", "cleaner.lang", "cleaner.strip"),
    ("cleaner.inputs", "cleaner.extract", "cleaner.model", "cleaner.profile", "cleaner.dedup"),
    ("cleaner.clean",),
    ("cleaner.batch", "cleaner.report"),
    ("cleaner.eval",),
    # the commands and the tools (`make train` scores with the eval's metric)
    ("cleaner.cli", "cleaner.benchmarks", "cleaner.model.train", "cleaner"),
)


def module_files(package: Path) -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its own name)."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that `name` imports anywhere in its file."""
    root = name.split(".")[0]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:  # `from a import b`: b may be a module of a
                found.add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules
                          else module)
    found = {m for m in found if m in modules and m.split(".")[0] == root}
    # importing a.b.c runs the package a.b first (unless the importer is inside
    # it, when it is already running): a circle can pass through an __init__.py
    parents = {package for module in found for package in _packages_of(module)
               if package in modules and not _is_within(name, package)}
    return (found | parents) - {name}


def _packages_of(module: str) -> list[str]:
    """The packages above a module, the root package left out (the public facade,
    which imports from everywhere and is only ever imported from outside)."""
    parts = module.split(".")
    return [".".join(parts[:n]) for n in range(2, len(parts))]


def _is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def import_graph(package: Path) -> dict[str, set[str]]:
    modules = module_files(package)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph[node]:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def floor_of(module: str) -> int:
    """The floor of a module: its longest matching prefix in FLOORS."""
    best, level = -1, None
    for number, names in enumerate(FLOORS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, level = len(name), number
    if level is None:
        raise AssertionError(f"{module} is on no floor: add it to FLOORS")
    return level


def test_the_package_has_no_import_circle() -> None:
    assert circles(import_graph(PACKAGE)) == []


def test_imports_run_down_the_floors() -> None:
    graph = import_graph(PACKAGE)
    upward = sorted(f"{module} -> {other}" for module, others in graph.items()
                    for other in others if floor_of(other) > floor_of(module))
    assert upward == []


def test_the_library_never_imports_its_benchmarks() -> None:
    graph = import_graph(PACKAGE)
    users = sorted(m for m, others in graph.items() if not m.startswith("cleaner.benchmarks")
                   and any(o.startswith("cleaner.benchmarks") for o in others))
    assert users == []


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    """A package whose circle is hidden in a function-level import."""
    root = tmp_path / "toy"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("")
    (root / "a.py").write_text("from toy.sub import b\n")
    (root / "sub" / "b.py").write_text("def f():\n    from .. import a\n    return a\n")
    (root / "c.py").write_text("import toy.a\n")
    return root


def test_the_detector_finds_a_circle_dodged_by_a_function_level_import(toy: Path) -> None:
    graph = import_graph(toy)
    assert graph["toy.sub.b"] == {"toy.a"}
    assert circles(graph) == [["toy.a", "toy.sub.b"]]


def test_the_detector_finds_a_circle_through_a_package_init(tmp_path: Path) -> None:
    """`t.m` runs its __init__ (which imports `t.x.lines`) before `t.m.trees`: a module
    importing `t.m.trees` from `t.x.lines` closes a circle Python cannot import."""
    root = tmp_path / "t"
    for folder in (root, root / "m", root / "x"):
        folder.mkdir()
        (folder / "__init__.py").write_text("")
    (root / "m" / "__init__.py").write_text("from t.x import lines\n")
    (root / "m" / "trees.py").write_text("X = 1\n")
    (root / "x" / "lines.py").write_text("from t.m.trees import X\n")
    assert circles(import_graph(root)) == [["t.m", "t.x.lines"]]


def test_the_detector_finds_nothing_once_the_circle_is_gone(toy: Path) -> None:
    (toy / "sub" / "b.py").write_text("def f():\n    return 1\n")
    assert circles(import_graph(toy)) == []
