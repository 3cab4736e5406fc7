"""Keeps the house honest: the rooms of the package depend on each other the way ARCHITECTURE.md says.

Read from the source with :mod:`ast` (nothing is imported), so a new module is checked the day it is
added: only the Whoosh engine imports ``whoosh``; only the web package and the CLI import Flask, click
or the WSGI servers; no package below the engine imports the engine, the web or the CLI; the modules
imported at load time form no cycle; no module is over 600 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("search", "search_tools")
MAX_LINES = 600
WEB_LIBRARIES = {"flask", "flask_babel", "flask_limiter", "werkzeug", "click", "gunicorn", "waitress"}
#: A room may import from the rooms listed for it (and from itself); everything imports ``search.core``.
ALLOWED_ROOMS = {
    "search.core": {"search.core"},
    "search.text": {"search.core", "search.text"},
    "search.enrich": {"search.core", "search.text", "search.enrich"},
    "search.engine": {"search.core", "search.text", "search.enrich", "search.engine"},
    "search.web": {"search.core", "search.text", "search.engine", "search.web"},
    # the CLI edits the articles folder's corrections file (search.enrich.entities.corrections)
    "search.cli": {
        "search.core",
        "search.enrich",
        "search.engine",
        "search.web",
        "search.cli",
        "search_tools",
    },
}


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(path: Path, module: str, top_level_only: bool) -> set[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # type-checking imports do not run
            inner = top and not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import) and (top or not top_level_only):
                names.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and (top or not top_level_only):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in child.names)  # `from pkg import module`
            visit(child, inner)

    visit(tree, True)
    return names


def _room(module: str) -> str | None:
    for room in ALLOWED_ROOMS:
        if module == room or module.startswith(room + "."):
            return room
    return None


def test_only_the_whoosh_engine_imports_whoosh() -> None:
    offenders = [
        m
        for m, path in MODULES.items()
        if not m.startswith("search.engine.whoosh")
        and any(n == "whoosh" or n.startswith("whoosh.") for n in _imports(path, m, False))
    ]
    assert offenders == []


def test_only_web_and_cli_import_web_libraries() -> None:
    offenders = {
        m: sorted(n for n in _imports(path, m, False) if n.split(".")[0] in WEB_LIBRARIES)
        for m, path in MODULES.items()
        if not m.startswith(("search.web", "search.cli"))
    }
    assert {m: n for m, n in offenders.items() if n} == {}


def test_rooms_depend_only_downwards() -> None:
    wrong = {}
    for m, path in MODULES.items():
        room = _room(m)
        if room is None:
            continue
        bad = sorted(
            n
            for n in _imports(path, m, False)
            if n.startswith(("search.", "search_tools"))
            and n in MODULES
            and (_room(n) or n.split(".")[0]) not in ALLOWED_ROOMS[room]
        )
        if bad:
            wrong[m] = bad
    assert wrong == {}


def test_no_import_cycles() -> None:
    graph = {m: {n for n in _imports(p, m, True) if n in MODULES and n != m} for m, p in MODULES.items()}
    # importing a.b.c runs a/__init__ and a/b/__init__ first
    for m in list(graph):
        parts = m.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent in graph and parent != m:
                graph[m].add(parent)
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for m in sorted(graph):
        if m not in state:
            walk(m)
    # a package's __init__ importing its own submodule is not a cycle of the submodule's doing
    real = [
        c
        for c in cycles
        if not all(
            c[i + 1].startswith(c[i] + ".") or c[i].startswith(c[i + 1] + ".") for i in range(len(c) - 1)
        )
    ]
    assert real == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_is_at_most_600_lines(module: str) -> None:
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{MODULES[module].relative_to(ROOT)} has {lines} lines"


def test_the_checks_see_the_rooms() -> None:
    """The scan finds the modules it is about (a broken scan would pass everything)."""
    assert {"search.engine.whoosh.searcher", "search.web.views", "search.cli", "search.core.facets"} <= set(
        MODULES
    )
    assert "whoosh" in {n.split(".")[0] for n in _imports(MODULES["search.engine.whoosh.store"], "x", True)}
    assert "flask" in {
        n.split(".")[0] for n in _imports(MODULES["search.web.views"], "search.web.views", True)
    }


def test_architecture_md_names_every_module() -> None:
    """The map in ARCHITECTURE.md lists every module (by its path inside its package or room)."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = []
    for path in MODULES.values():
        if path.name == "__init__.py":
            continue
        inner = path.relative_to(ROOT).parts[1:]  # without search/ or search_tools/
        names = {"/".join(inner[i:]) for i in range(len(inner))} | {path.relative_to(ROOT).as_posix()}
        if not any(f"`{n}`" in text for n in names):
            missing.append(str(path.relative_to(ROOT)))
    assert missing == []
