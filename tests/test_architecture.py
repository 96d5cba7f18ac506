"""The package's shape, read from its source with `ast`: no import cycle, the command line,
the API and the pages each a face of the core that imports none of the others, and nothing
at the root that shadows the standard library (docs/architecture.md says why)."""

from __future__ import annotations

import ast
import functools
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "watchlist"

#: The faces over the core: none imports another, and the core imports none of them.
FACES = ("watchlist.cli", "watchlist.api", "watchlist.web")
#: The one module that assembles the service (API and pages); the `serve` command starts it.
COMPOSITION = "watchlist.service"


@dataclass(frozen=True)
class Import:
    """One import statement's target module, where it is written, and the line."""

    importer: str
    target: str
    line: int


def module_names(src: Path = SRC) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in sorted((src / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The module of the package a dotted name lives in (itself, or its nearest parent)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    """The package's modules that `name` imports anywhere in its source (inside functions
    too: a late import is still a dependency). `from pkg import sub` imports the module
    `pkg.sub` when there is one, and `pkg` itself otherwise."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                sub = f"{origin}.{alias.name}"
                targets.append(sub if sub in modules else origin)
        for target in targets:
            owner = _owner(target, modules)
            if owner is not None and owner != name:
                yield Import(name, owner, node.lineno)


def import_graph(src: Path = SRC) -> dict[str, list[Import]]:
    modules = module_names(src)
    return {name: list(imports_of(name, path, modules)) for name, path in modules.items()}


@functools.cache
def _package_imports() -> dict[str, list[Import]]:
    """The import graph of src/, read once for all the tests of this file."""
    return import_graph()


def cycles(graph: dict[str, list[Import]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm,
    iterative), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted({i.target for i in graph[root]})))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted({i.target for i in graph.get(nxt, [])}))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _face(name: str) -> str | None:
    return next((face for face in FACES if _within(name, face)), None)


def forbidden(graph: dict[str, list[Import]]) -> list[str]:
    """Imports the layering forbids: a face importing another face, anything but the
    composition module importing a face from the core, or the command line from outside."""
    problems = []
    for edges in graph.values():
        for imp in edges:
            source, target = _face(imp.importer), _face(imp.target)
            if target is None or source == target:
                continue
            where = f"{imp.importer} (line {imp.line}) imports {imp.target}"
            if source is not None:
                problems.append(f"{where}: one face of the core imports another")
            elif target == "watchlist.cli":
                problems.append(f"{where}: nothing outside cli/ imports the command line")
            elif imp.importer != COMPOSITION:
                problems.append(f"{where}: the core imports an interface; only "
                                f"{COMPOSITION} assembles the API and the pages")
    return sorted(set(problems))


def test_the_package_has_no_import_cycle() -> None:
    graph = _package_imports()
    found = cycles(graph)
    shown = [" -> ".join(c) + "\n    " + "\n    ".join(
        f"{i.importer}:{i.line} imports {i.target}" for m in c for i in graph[m] if i.target in c)
        for c in found]
    assert not found, "import cycles:\n" + "\n".join(shown)


def test_no_face_imports_another_and_the_core_imports_none() -> None:
    problems = forbidden(_package_imports())
    assert not problems, "\n".join(problems)


def test_the_command_line_lives_in_its_package() -> None:
    strays = sorted(p.name for p in (SRC / PACKAGE).glob("cli*.py"))
    assert not strays, f"command-line modules outside cli/: {strays}"


def test_no_module_shadows_the_standard_library() -> None:
    """A file run by path (spark-submit runs one) puts its folder first on the path, where a
    module named like a standard-library one would be imported instead of it."""
    names = {p.relative_to(SRC).as_posix(): p.stem for p in (SRC / PACKAGE).rglob("*.py")}
    names.update({p.relative_to(SRC).as_posix(): p.name
                  for p in (SRC / PACKAGE).rglob("*") if (p / "__init__.py").exists()})
    shadows = sorted(path for path, name in names.items() if name in sys.stdlib_module_names)
    assert not shadows, f"modules named like standard-library ones: {shadows}"


def test_the_composition_module_assembles_both_the_api_and_the_pages() -> None:
    targets = {_face(i.target) for i in _package_imports()[COMPOSITION]}
    assert {"watchlist.api", "watchlist.web"} <= targets


# -- the checks themselves, on small packages written here ---------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / PACKAGE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in [tmp_path / PACKAGE, *(tmp_path / PACKAGE).rglob("*")]:
        if folder.is_dir() and not (folder / "__init__.py").exists():
            (folder / "__init__.py").write_text("", encoding="utf-8")
    return tmp_path


def test_a_cycle_through_a_late_import_is_found(tmp_path: Path) -> None:
    src = _package(tmp_path, {
        "a.py": "from watchlist.b import f\n",
        "b.py": "def f():\n    from watchlist import a\n    return a\n",
        "c.py": "from watchlist.a import f\n",
    })
    assert cycles(import_graph(src)) == [["watchlist.a", "watchlist.b"]]


def test_a_cycle_through_a_package_init_is_found(tmp_path: Path) -> None:
    src = _package(tmp_path, {
        "web/__init__.py": "from watchlist.web.pages import router\nNAME = 1\n",
        "web/pages.py": "from watchlist.web import NAME\nrouter = NAME\n",
    })
    assert cycles(import_graph(src)) == [["watchlist.web", "watchlist.web.pages"]]


def test_importing_a_sibling_submodule_from_a_package_is_no_cycle(tmp_path: Path) -> None:
    src = _package(tmp_path, {
        "web/__init__.py": "from watchlist.web import pages\n",
        "web/pages.py": "from watchlist.web import render\n",
        "web/render.py": "from . import helpers\n",
        "web/helpers.py": "X = 1\n",
    })
    assert cycles(import_graph(src)) == []


@pytest.mark.parametrize(("importer", "text", "expected"), [
    ("api/routers.py", "from watchlist.web.pages import x\n", "one face of the core"),
    ("web/pages.py", "from watchlist.cli.common import out\n", "one face of the core"),
    ("monitor.py", "import watchlist.cli.app\n", "nothing outside cli/"),
    ("store.py", "from watchlist.api import app\n", "the core imports an interface"),
])
def test_forbidden_imports_are_named(tmp_path: Path, importer: str, text: str,
                                     expected: str) -> None:
    faces = {"cli/common.py": "out = 1\n", "cli/app.py": "", "api/app.py": "",
             "web/pages.py": "x = 1\n"}
    src = _package(tmp_path, {**faces, importer: text})
    [problem] = forbidden(import_graph(src))
    assert expected in problem and "imports watchlist." in problem


def test_the_composition_module_may_import_the_faces(tmp_path: Path) -> None:
    src = _package(tmp_path, {
        "service.py": "from watchlist.api import app\nfrom watchlist.web import pages\n",
        "api/app.py": "", "web/pages.py": "",
    })
    assert forbidden(import_graph(src)) == []


def package_graph(graph: dict[str, list[Import]]) -> dict[str, list[Import]]:
    """The import graph one level up: each package of watchlist (and each module at its
    root) as one node."""
    def node(name: str) -> str:
        parts = name.split(".")
        return ".".join(parts[:2])

    folded: dict[str, list[Import]] = {node(name): [] for name in graph}
    for edges in graph.values():
        for imp in edges:
            if node(imp.importer) != node(imp.target):
                folded[node(imp.importer)].append(
                    Import(node(imp.importer), node(imp.target), imp.line))
    return folded


def test_no_package_imports_a_package_that_imports_it() -> None:
    """The flow sources -> store -> index -> match -> faces reads one way at the package
    level too (the package's `__init__`, which offers the screener, aside)."""
    graph = package_graph(_package_imports())
    graph.pop(PACKAGE, None)
    for edges in graph.values():
        edges[:] = [i for i in edges if i.target != PACKAGE]
    found = cycles(graph)
    assert not found, f"packages importing each other: {found}"
