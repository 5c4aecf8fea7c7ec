"""The import graph of ``app/`` against the layer table of docs/CONVENTIONS.md.

Every module of ``app/`` belongs to one row of the table (the longest entry that
names it: ``app/ops/health.py`` before ``app/ops``). An import is *upward* when it
goes from a lower row to a higher one; two packages are in a *cycle* when each
reaches the other. Imports are read with ``ast``, at module level and inside
functions alike (a function-level import is still a dependency), nothing is
imported. Same-package imports are not edges.

The allow-lists below are empty: a new violation fails. Should one ever have to
be accepted for a while, list it with the item that removes it; a listed one
that is gone fails too, until it is struck.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
CONVENTIONS = ROOT / "docs" / "CONVENTIONS.md"

# (importer, imported): imports from a lower layer to a higher one, each with the
# item that removes it. Empty since issue 14 items 1, 2 and 5 landed; keep it so.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}

# (importer, imported): package edges that lie on a cycle (the imported package
# reaches the importer back). Empty since issue 14 items 2 and 5 landed; keep it so.
KNOWN_CYCLES: dict[tuple[str, str], str] = {}


def layer_table() -> list[tuple[str, list[str]]]:
    """(layer, entries) from the table of CONVENTIONS.md, highest layer first."""
    text = CONVENTIONS.read_text(encoding="utf-8")
    section = text.split("## Layers and where things go", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("layer", "") or set(cells[0]) <= {"-", ":"}:
            continue
        entries = [e for e in re.findall(r"`([^`]+)`", cells[1]) if e.startswith("app/")]
        rows.append((cells[0], entries))
    return rows


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(APP.rglob("*.py"))}


class Layers:
    def __init__(self, table: list[tuple[str, list[str]]]) -> None:
        self.rank: dict[str, int] = {}  # unit -> rank (higher layer, higher rank)
        self.layer: dict[str, str] = {}
        self.files: set[str] = set()  # units that are single modules: exact match only
        for index, (layer, entries) in enumerate(table):
            for entry in entries:
                unit = entry.removesuffix("/").removesuffix(".py").replace("/", ".")
                unit = unit.removesuffix(".__init__")
                if entry.endswith(".py"):
                    self.files.add(unit)
                self.rank[unit] = len(table) - index
                self.layer[unit] = layer

    def unit_of(self, module: str) -> str | None:
        if module in self.rank:
            return module
        packages = [u for u in self.rank if u not in self.files and module.startswith(u + ".")]
        return max(packages, key=len) if packages else None


def resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module of ``app`` that ``name`` (a module or a name in one) refers to."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, int]]:
    """(imported module of app, line) for every import in the file, wherever it is."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names = [f"{base}.{alias.name}" for alias in node.names]
            names = [n if n in modules else base for n in names]
        else:
            continue
        for name in names:
            if name == "app" or name.startswith("app."):
                target = resolve(name, modules)
                if target is not None:
                    found.append((target, node.lineno))
    return found


def package_graph() -> tuple[Layers, dict[tuple[str, str], list[str]], list[str]]:
    """The layers, every edge between units with where it is imported, unplaced modules."""
    layers = Layers(layer_table())
    modules = all_modules()
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    unplaced = []
    for module, path in modules.items():
        source = layers.unit_of(module)
        if source is None:
            unplaced.append(module)
            continue
        for target, line in imports_of(module, path, modules):
            unit = layers.unit_of(target)
            if unit is not None and unit != source:
                site = f"{path.relative_to(ROOT)}:{line}"
                if site not in edges[(source, unit)]:
                    edges[(source, unit)].append(site)
    return layers, edges, unplaced


def upward_imports(layers, edges) -> set[tuple[str, str]]:
    return {(a, b) for a, b in edges if layers.rank[a] < layers.rank[b]}


def cycle_edges(edges) -> set[tuple[str, str]]:
    successors: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        successors[a].add(b)

    def reaches(start: str, goal: str) -> bool:
        seen, todo = {start}, [start]
        while todo:
            for nxt in successors[todo.pop()]:
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    return {(a, b) for a, b in edges if reaches(b, a)}


def describe(found: set[tuple[str, str]], edges, layers) -> str:
    return "\n".join(
        f"  {a} ({layers.layer[a]}) -> {b} ({layers.layer[b]}): {', '.join(edges[(a, b)][:4])}"
        for a, b in sorted(found)
    )


def test_the_layer_table_names_every_module_of_app():
    _layers, _edges, unplaced = package_graph()
    assert not unplaced, f"add these to the layer table of docs/CONVENTIONS.md: {unplaced}"


def test_no_import_goes_up_a_layer():
    layers, edges, _ = package_graph()
    found = upward_imports(layers, edges)
    new = found - KNOWN_UPWARD.keys()
    gone = KNOWN_UPWARD.keys() - found
    assert not new, "imports from a lower layer to a higher one:\n" + describe(new, edges, layers)
    assert not gone, f"fixed, strike them from KNOWN_UPWARD: {sorted(gone)}"


def test_no_packages_import_each_other_in_a_cycle():
    layers, edges, _ = package_graph()
    found = cycle_edges(edges)
    new = found - KNOWN_CYCLES.keys()
    gone = KNOWN_CYCLES.keys() - found
    assert not new, "package imports on a cycle:\n" + describe(new, edges, layers)
    assert not gone, f"no longer on a cycle, strike them from KNOWN_CYCLES: {sorted(gone)}"


def test_the_walk_sees_function_level_and_relative_imports(tmp_path):
    # The walk itself, on a file of its own: an import inside a function counts.
    source = tmp_path / "app" / "pkg" / "mod.py"
    source.parent.mkdir(parents=True)
    source.write_text("def f():\n    from app.ledger import chart\n    from . import other\n")
    modules = {"app.ledger": Path("x"), "app.ledger.chart": Path("y"), "app.pkg.other": Path("z")}
    assert imports_of("app.pkg.mod", source, modules) == [
        ("app.ledger.chart", 2),
        ("app.pkg.other", 3),
    ]


def test_no_modules_of_one_package_import_each_other_in_a_cycle():
    # reports/daily.py and reports/sources.py did, over OperationTotals (now reports/totals.py).
    # Modules at the root of app/ are units of the layer table, checked above.
    modules = all_modules()
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for target, line in imports_of(module, path, modules):
            if package != "app" and target != module and target.rpartition(".")[0] == package:
                edges[(module, target)].append(f"{path.relative_to(ROOT)}:{line}")
    found = cycle_edges(edges)
    assert not found, "modules importing each other: " + ", ".join(
        f"{a} -> {b} ({edges[(a, b)][0]})" for a, b in sorted(found)
    )
