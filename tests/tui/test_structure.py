"""The TUI's own import rules: features never reach for the app, and no module of tui/
imports itself round a circle (TYPE_CHECKING imports and imports inside functions
count: they hide a circle, they do not remove it)."""

from __future__ import annotations

import ast
from pathlib import Path

import tui

TUI = Path(tui.__file__).parent
ENTRY_POINTS = {"tui.main", "tui.app"}


def tui_imports() -> dict[str, set[str]]:
    """Every module of tui/ and the tui modules it imports anywhere in its code."""
    graph: dict[str, set[str]] = {}
    for path in TUI.rglob("*.py"):
        name = ".".join(path.relative_to(TUI.parent).with_suffix("").parts)
        name = name.removesuffix(".__init__")
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
                imported |= {f"{node.module}.{alias.name}" for alias in node.names}
        graph[name] = {module for module in imported if module.split(".")[0] == "tui"}
    known = set(graph)
    return {name: {m for m in imports if m in known} for name, imports in graph.items()}


def test_only_the_entry_point_imports_the_app():
    graph = tui_imports()
    assert {name for name, imports in graph.items() if "tui.app" in imports} <= ENTRY_POINTS


def test_there_is_no_import_circle_inside_tui():
    graph = tui_imports()
    circles = []

    def visit(name: str, path: list[str]) -> None:
        for imported in sorted(graph[name]):
            if imported in path:
                circles.append(path[path.index(imported):] + [imported])
            elif imported not in done:
                visit(imported, path + [imported])
        done.add(name)

    done: set[str] = set()
    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    assert circles == []


def test_the_rules_see_imports_at_all():
    """A guard for the two tests above: they would pass on a graph with no edges."""
    graph = tui_imports()
    assert "tui.actions" in graph["tui.screens.main"]
    assert "tui.services" in graph["tui.playback"]
