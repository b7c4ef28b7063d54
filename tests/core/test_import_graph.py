"""The plugin's modules import each other without a circle, and only downwards through the layers.

Layers, lowest first (docs/ARCHITECTURE.md): the core (``plugin/core``: no Qt, no QGIS), the QGIS services
(``plugin/*.py``: settings, log, network, accounts, layers, tasks, footprints, the downloads controller...),
the views and algorithms (``plugin/ui``, ``plugin/processing``), and the wiring (``plugin/main.py``). A module
may import its own layer or lower ones. Every import counts, at module level or inside a function (a circle
closed inside a function is still a circle). Read from the source with `ast`: nothing is imported.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Optional, Set

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "plugin"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path, known: Set[str]) -> Set[str]:
    """The plugin modules `path` imports (relative or absolute), each import resolved to a known module."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: List[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            targets = [f"{stem}.{alias.name}" for alias in node.names] + [stem]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        for target in targets:
            while target and target not in known:  # plugin.core.download.job.State -> plugin.core.download.job
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
                # importing a.b.c runs a.b's __init__ first: an arrow to each enclosing package too
                parent = target.rpartition(".")[0]
                while parent and parent in known and not name.startswith(parent + ".") and parent != name:
                    found.add(parent)
                    parent = parent.rpartition(".")[0]
                break
    return found


def graph(root: Path) -> Dict[str, Set[str]]:
    """{module: plugin modules it imports} for every module under root/plugin."""
    paths = [p for p in sorted((root / "plugin").rglob("*.py")) if "__pycache__" not in p.parts]
    known = {module_name(p, root) for p in paths}
    return {module_name(p, root): imports_of(p, root, known) for p in paths}


def find_cycle(edges: Dict[str, Set[str]]) -> Optional[List[str]]:
    """One import circle ([a, b, ..., a]) or None. A package's __init__ importing its own modules is no circle."""
    state: Dict[str, int] = {}
    stack: List[str] = []

    def visit(node: str) -> Optional[List[str]]:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target.startswith(node + "."):
                continue  # plugin.core.portals -> plugin.core.portals.stac: the package's own parts
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if state.get(target) is None:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if state.get(node) is None:
            found = visit(node)
            if found:
                return found
    return None


def layer(module: str) -> int:
    """0 core, 1 QGIS services, 2 views and algorithms, 3 the wiring; the package roots count as the wiring."""
    if module.startswith("plugin.core"):
        return 0
    if module.startswith(("plugin.ui", "plugin.processing")):
        return 2
    if module in ("plugin.main", "plugin"):
        return 3
    return 1


def upward(edges: Dict[str, Set[str]]) -> List[str]:
    """Imports from a lower layer to a higher one."""
    return sorted(f"{a} -> {b}" for a, targets in edges.items() for b in targets
                  if layer(b) > layer(a) and not (a.rpartition(".")[0] == "plugin" and b.startswith(a + ".")))


def test_the_graph_is_read():
    edges = graph(ROOT)
    assert "plugin.core.download.manager" in edges["plugin.downloads"] or \
        "plugin.core.download.manager" in {t for ts in edges.values() for t in ts}
    assert "plugin.core.download.job" in edges["plugin.core.download.manager"]
    assert len(edges) > 40


def test_no_import_circle_among_the_plugins_modules():
    cycle = find_cycle(graph(ROOT))
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_every_import_runs_down_the_layers():
    assert upward(graph(ROOT)) == []


def test_no_core_module_imports_outside_the_core():
    edges = graph(ROOT)
    outside = sorted(f"{a} -> {b}" for a, targets in edges.items() if a.startswith("plugin.core")
                     for b in targets if not b.startswith("plugin.core"))
    assert outside == []


def test_the_checks_see_a_circle_and_an_upward_import(tmp_path):
    """The same checks on a small planted tree fail as they should."""
    (tmp_path / "plugin" / "core").mkdir(parents=True)
    (tmp_path / "plugin" / "ui").mkdir()
    for name in ("plugin/__init__.py", "plugin/core/__init__.py", "plugin/ui/__init__.py"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "plugin" / "controller.py").write_text("def build():\n    from .ui.panel import Panel\n",
                                                       encoding="utf-8")
    (tmp_path / "plugin" / "ui" / "panel.py").write_text("from ..controller import build\n", encoding="utf-8")
    (tmp_path / "plugin" / "core" / "engine.py").write_text("from .. import controller\n", encoding="utf-8")
    edges = graph(tmp_path)
    assert find_cycle(edges) in (["plugin.controller", "plugin.ui.panel", "plugin.controller"],
                                 ["plugin.ui.panel", "plugin.controller", "plugin.ui.panel"])
    assert {"plugin.controller -> plugin.ui.panel", "plugin.core.engine -> plugin.controller"} <= set(upward(edges))


def test_a_circle_through_a_packages_init_is_seen(tmp_path):
    """http imports portals.base, which runs portals/__init__ first: if that imports http, it is a circle."""
    (tmp_path / "plugin" / "core" / "portals").mkdir(parents=True)
    for name in ("plugin/__init__.py", "plugin/core/__init__.py", "plugin/core/portals/base.py"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "plugin" / "core" / "http.py").write_text("from .portals.base import Request\n", encoding="utf-8")
    (tmp_path / "plugin" / "core" / "portals" / "__init__.py").write_text("from ..http import portal_message\n",
                                                                         encoding="utf-8")
    assert find_cycle(graph(tmp_path)) is not None
