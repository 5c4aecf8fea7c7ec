"""Row locks and hooks each live in one place (docs/CONVENTIONS.md).

Read with ``ast``, nothing imported: a ``with_for_update`` outside a package's
``locks.py``, or a module of ``app/`` that calls something when imported (a hook
registering itself), fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def sources():
    for path in sorted(APP.rglob("*.py")):
        yield path.relative_to(APP.parent).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_every_row_lock_is_taken_in_a_locks_module():
    outside = [
        f"{name}:{node.lineno}"
        for name, tree in sources()
        if not name.endswith("/locks.py")
        for node in ast.walk(tree)
        if (isinstance(node, ast.Attribute) and node.attr == "with_for_update")
        or (isinstance(node, ast.keyword) and node.arg == "with_for_update")
    ]
    assert outside == [], "move these into the package's locks.py"


def test_importing_a_module_registers_nothing():
    calls = [
        f"{name}:{node.lineno}"
        for name, tree in sources()
        for node in tree.body
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
    ]
    assert calls == [], "register it in register_domain_hooks (app/__init__.py) instead"
