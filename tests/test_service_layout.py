"""The layout of service/ kept true: the paths docs/architecture.md names exist, the sub-packages
import only what the written rules allow, and no import cycle exists among service modules.

The imports are read with ``ast`` from the source files (every import, also those inside
functions; ``if TYPE_CHECKING:`` blocks are left out because they never run).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SERVICE = PROJECT / "service"
ARCHITECTURE = PROJECT / "docs" / "architecture.md"

# What each sub-package must not import (a prefix matches the module and everything below it).
FORBIDDEN = {
    "service.store": ("flask", "service.web", "service.reports", "service.pipeline", "service.ops", "service.cli",
                      "service.demo"),
    "service.pipeline": ("flask", "service.web", "service.reports", "service.ops", "service.cli", "service.demo"),
    "service.reports": ("flask", "service.web", "service.ops", "service.cli", "service.demo"),
    "service.web": ("sqlalchemy", "service.ops", "service.cli", "service.demo"),
    "service.ops": ("flask", "service.web", "service.cli", "service.demo"),
    "service.cli": ("service.web",),
    "service.demo": ("service.web",),
    # The one e-mail sender: web and ops both use it, so it may use neither (nor the database).
    "service.mail": ("flask", "sqlalchemy", "service.web", "service.store", "service.pipeline", "service.reports",
                     "service.ops", "service.cli", "service.demo"),
}
# The pipeline modules other layers may use: reports the period and ward helpers; web these entry points.
PIPELINE_FOR = {
    "service.reports": ("service.pipeline.periods", "service.pipeline.wards"),
    "service.web": ("service.pipeline.periods", "service.pipeline.wards", "service.pipeline.submissions",
                    "service.pipeline.ingest_runs", "service.pipeline.deliveries", "service.pipeline.quarantine", "service.pipeline.source_checks"),
}
# The scheduler is the one ops module that runs pipeline and report jobs.
OPS_JOB_RUNNERS = ("service.ops.scheduler",)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in SERVICE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path, known: set[str]) -> set[str]:
    """Every module ``path`` imports (``from a import b`` counts as ``a.b`` when that is a module)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{a.name}" for a in node.names} & known
            found.update(submodules)
            if len(submodules) < len(node.names):  # names defined in the module itself
                found.add(node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, known) for name, path in modules.items()}


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _layer_breaches(graph: dict[str, set[str]]) -> list[str]:
    breaches = []
    for module, imported in sorted(graph.items()):
        for layer, forbidden in FORBIDDEN.items():
            if not _within(module, layer):
                continue
            if module in OPS_JOB_RUNNERS:
                forbidden = tuple(f for f in forbidden if f not in ("service.pipeline", "service.reports"))
            breaches += [f"{module} imports {name} ({layer} must not import {prefix})"
                         for name in sorted(imported) for prefix in forbidden if _within(name, prefix)]
        for layer, allowed in PIPELINE_FOR.items():
            if _within(module, layer):
                breaches += [f"{module} imports {name}; {layer} may use only {', '.join(allowed)} of the pipeline"
                             for name in sorted(imported)
                             if _within(name, "service.pipeline") and name != "service.pipeline"
                             and not any(_within(name, a) for a in allowed)]
    return breaches


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node] & graph.keys()):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def _table_paths() -> list[str]:
    """The paths in the responsibility table of docs/architecture.md (second column, in backticks)."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## Where each responsibility lives", 1)[1].split("\n## ", 1)[0]
    paths = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and not set(cells[1]) <= {"-", " "} and cells[1] != "path":
            paths += re.findall(r"`([^`]+)`", cells[1])
    return paths


def test_every_path_in_the_responsibility_table_exists():
    paths = _table_paths()
    assert len(paths) >= 10, "docs/architecture.md should have a responsibility -> path table"
    missing = [p for p in paths if not (PROJECT / p).exists()]
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_sub_packages_import_only_what_the_rules_allow():
    breaches = _layer_breaches(_graph())
    assert not breaches, "imports against the rules in docs/architecture.md:\n" + "\n".join(breaches)


def test_no_view_imports_another_view():
    graph = _graph()
    views = {m for m in graph if _within(m, "service.web.views") and m != "service.web.views"}
    crossed = [f"{m} imports {n}" for m in sorted(views) for n in sorted(graph[m] & views) if n != m]
    assert not crossed, "views share code through service.web.pages, not each other: " + "; ".join(crossed)


def test_no_import_cycle_among_service_modules():
    cycles = _cycles(_graph())
    assert not cycles, f"import cycles among service modules: {cycles}"


def test_the_checks_catch_a_breach_and_a_cycle():
    # The rules above must be able to fail: a web module that uses SQLAlchemy, a store module that
    # uses Flask, and two modules that import each other are reported.
    graph = {"service.web.views.x": {"sqlalchemy", "service.web.views.y"}, "service.web.views.y": {"service.web.views.x"},
             "service.store.z": {"flask"}, "service.reports.r": {"service.pipeline.weighting"}}
    breaches = _layer_breaches(graph)
    assert any("service.web.views.x imports sqlalchemy" in b for b in breaches)
    assert any("service.store.z imports flask" in b for b in breaches)
    assert any("service.reports.r imports service.pipeline.weighting" in b for b in breaches)
    assert _cycles(graph) == [["service.web.views.x", "service.web.views.y"]]
