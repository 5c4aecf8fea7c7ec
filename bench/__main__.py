"""Run every benchmark module's ``main()`` in turn (``make bench``)."""

from __future__ import annotations

import importlib
import pkgutil

import bench


def main() -> None:
    for module_info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{module_info.name}")
        entry_point = getattr(module, "main", None)
        if callable(entry_point):
            entry_point()


if __name__ == "__main__":
    main()
