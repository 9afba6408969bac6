"""The arrows between the packages point one way (README, Layout): read from the source with
`ast`, nothing imported.

    api.cli ──────────────┐
    api.pages ─→ api.routes (its shared modules only)
         │            │   │
         └──→ api.workflow ←┘ ─→ api.registry ─→ api.settings
                  │
                  └──→ signing, docgen        (which import nothing of api; docgen no signing)

`api.app` assembles the routes and the pages; only the CLI (`hoso serve`) imports it. A route
module is no library for another: the pages and the JSON routes share only the modules named
in `SHARED`. No import circle, neither between modules nor between sub-packages.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "signing", "docgen")

# What each room of `api` must never import (the arrows that would run back).
FORBIDDEN: dict[str, set[str]] = {
    "api.settings": {"api.registry", "api.workflow", "api.routes", "api.pages", "api.cli"},
    "api.registry": {"api.workflow", "api.routes", "api.pages", "api.cli", "api.app"},
    "api.workflow": {"api.routes", "api.pages", "api.cli", "api.app"},
    "api.routes": {"api.pages", "api.cli", "api.app"},
    "api.pages": {"api.cli", "api.app"},
    "signing": {"api"},
    "docgen": {"api", "signing"},
}
# The modules of api.routes and api.pages that other route and page modules may import: the
# HTTP plumbing and the pages' rendering. Everything else there is a route module (a router).
SHARED = {
    "api.routes": {
        *("deps", "errors", "gate", "keys", "models", "nul", "request_id", "session", "upload"),
    },
    "api.pages": {"ui", "web", "scoring_form"},
}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue  # Alembic's scripts, loaded by path
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[str]:
    """The modules of the three packages that `name` imports, anywhere in its text."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from api.routes import deps` imports the module api.routes.deps
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]  # `import api.x.y` names module api.x.y
            if target and target != name:
                yield target


GRAPH = {name: sorted(set(_imports(name, path))) for name, path in MODULES.items()}


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _room(module: str) -> str:
    """The sub-package of api a module lives in (api.app and api.settings are their own)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "api" and len(parts) > 1 else parts[0]


def back_arrows(graph: dict[str, list[str]]) -> list[str]:
    return [
        f"{module} imports {target} (no arrow from {room} to {banned})"
        for module, targets in graph.items()
        for room, bans in FORBIDDEN.items()
        if _within(module, room)
        for target in targets
        for banned in bans
        if _within(target, banned)
    ]


def route_libraries(graph: dict[str, list[str]]) -> list[str]:
    wrong = []
    for module, targets in graph.items():
        if _room(module) not in SHARED:
            continue
        for target in targets:
            room = _room(target)
            if room in SHARED and target != room and target.rpartition(".")[2] not in SHARED[room]:
                wrong.append(f"{module} uses the route module {target} as a library")
    return wrong


def cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, []):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def rooms(graph: dict[str, list[str]]) -> dict[str, list[str]]:
    joined: dict[str, set[str]] = {}
    for module, targets in graph.items():
        if module.startswith("api."):
            joined.setdefault(_room(module), set()).update(
                _room(t) for t in targets if t.startswith("api.") and _room(t) != _room(module)
            )
    return {room: sorted(targets) for room, targets in joined.items()}


def test_the_layout_is_found() -> None:
    for room in ("api.registry", "api.workflow", "api.routes", "api.pages", "api.cli"):
        assert any(_within(m, room) and m != room for m in MODULES), room
    assert "api.registry.db" in GRAPH["api.workflow.documents"]  # the reader sees imports


def test_no_arrow_runs_back() -> None:
    assert back_arrows(GRAPH) == []


def test_a_route_module_is_no_library_for_another() -> None:
    assert route_libraries(GRAPH) == []


def test_no_import_circle_between_modules() -> None:
    assert cycles(GRAPH) == []


def test_no_import_circle_between_the_rooms_of_api() -> None:
    assert cycles(rooms(GRAPH)) == []


@pytest.mark.parametrize(
    ("module", "target"),
    [
        ("api.workflow.documents", "api.routes.documents"),
        ("api.registry.db", "api.workflow.users"),
        ("api.routes.health", "api.routes.verify"),
        ("signing.sign", "api.registry.db"),
    ],
)
def test_the_checks_catch_a_back_arrow(module: str, target: str) -> None:
    graph = {name: list(targets) for name, targets in GRAPH.items()}
    graph[module].append(target)
    assert back_arrows(graph) or route_libraries(graph)


def test_the_checks_catch_a_circle() -> None:
    graph = {name: list(targets) for name, targets in GRAPH.items()}
    graph["api.registry.lookup"].append("api.registry.numbering")
    assert cycles(graph)
