"""What the plugin takes from Qt and QGIS, read from its syntax trees (no import): the names it imports through
`qgis.PyQt` and every attribute path starting at one of them (``Qt.ItemDataRole.UserRole``), or at a QGIS class
(``QgsFeatureSink.Flag.FastInsert``), with where each is written and whether it is a branch of a version fallback
(``new if hasattr(Owner, "Name") else old``, the same as statements, or ``try: new except AttributeError: old``)."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Use:
    file: str  # relative to the checkout
    line: int
    function: str  # the enclosing function ("" at module level)
    module: str  # "QtCore", "QtWidgets"... for Qt; "core", "gui"... for qgis.core / qgis.gui
    name: str  # the imported name
    path: Tuple[str, ...]  # the attributes after it
    # A version fallback ("hasattr:Owner.Name" for `if hasattr(Owner, "Name")`, "try:file:line" for `try: ...
    # except AttributeError:`): guarded_by when written in its new branch, fallback_for in its old one.
    fallback_for: str = ""
    guarded_by: str = ""

    @property
    def dotted(self) -> str:
        return ".".join((self.name, *self.path))


def plugin_files() -> List[Path]:
    return sorted([ROOT / "__init__.py", *(ROOT / "plugin").rglob("*.py")])


def _imports(tree: ast.AST) -> Dict[str, Tuple[str, str, str]]:
    """local name -> (package, module, name): ("qgis.PyQt", "QtCore", "Qt"), ("qgis", "core", "QgsTask")."""
    names: Dict[str, Tuple[str, str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[:2] == ["qgis", "PyQt"] and len(parts) == 3:
                for alias in node.names:
                    names[alias.asname or alias.name] = ("qgis.PyQt", parts[2], alias.name)
            elif parts[0] == "qgis" and len(parts) == 2 and parts[1] in ("core", "gui", "analysis"):
                for alias in node.names:
                    names[alias.asname or alias.name] = ("qgis", parts[1], alias.name)
    return names


def imported_qt_names() -> Iterator[Tuple[str, int, str, str]]:
    """(file, line, module, name) of every `from qgis.PyQt.<module> import <name>`."""
    for path in plugin_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("qgis.PyQt."):
                for alias in node.names:
                    yield str(path.relative_to(ROOT)), node.lineno, node.module.split(".")[2], alias.name


def _hasattr_test(test: ast.AST) -> Optional[str]:
    """'hasattr:Owner.Name' for a test `hasattr(Owner, "Name")` (Owner may be dotted: QgsTask.Flag)."""
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "hasattr" \
            and len(test.args) == 2 and isinstance(test.args[1], ast.Constant):
        return f"hasattr:{ast.unparse(test.args[0])}.{test.args[1].value}"
    return None


def _catches_attribute_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(kind, ast.Name) and kind.id == "AttributeError" for kind in kinds)


def _guard(parent: ast.AST, child: ast.AST, file: str) -> Tuple[str, str]:
    """(guard, branch) when `child` is a branch of a version fallback: `if hasattr(...)` (statement or
    expression) or `try: ... except AttributeError:`; branch is "new" or "old"."""
    if isinstance(parent, (ast.If, ast.IfExp)):
        guard = _hasattr_test(parent.test)
        if guard:
            body = parent.body if isinstance(parent.body, list) else [parent.body]
            orelse = parent.orelse if isinstance(parent.orelse, list) else [parent.orelse]
            if child in body:
                return guard, "new"
            if child in orelse:
                return guard, "old"
    if isinstance(parent, ast.Try) and any(_catches_attribute_error(h) for h in parent.handlers):
        guard = f"try:{file}:{parent.lineno}"
        if child in parent.body:
            return guard, "new"
        if any(child is h and _catches_attribute_error(h) for h in parent.handlers):
            return guard, "old"
    return "", ""


def uses(package: str) -> Iterator[Use]:
    """Every attribute path rooted at a name imported from `package` ("qgis.PyQt" or "qgis")."""
    for path in plugin_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {local: value for local, value in _imports(tree).items() if value[0] == package}
        parents: Dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                parents[child] = node
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Name) and node.id in imported):
                continue
            chain: List[str] = []
            top: ast.AST = node
            while isinstance(parents.get(top), ast.Attribute) and parents[top].value is top:
                top = parents[top]
                chain.append(top.attr)  # type: ignore[attr-defined]
            function, fallback, guarded = "", "", ""
            relative = str(path.relative_to(ROOT))
            walker: Optional[ast.AST] = top
            while walker is not None:
                parent = parents.get(walker)
                guard, branch = _guard(parent, walker, relative) if parent is not None else ("", "")
                if branch == "old" and not (fallback or guarded):
                    fallback = guard
                if branch == "new" and not (fallback or guarded):
                    guarded = guard
                if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)) and not function:
                    function = parent.name
                walker = parent
            _, module, name = imported[node.id]
            yield Use(str(path.relative_to(ROOT)), node.lineno, function, module, name, tuple(chain), fallback,
                      guarded)
