"""``python -m workers`` for the chaos runs: the same worker, on the chaos application."""

from __future__ import annotations

import sys

import workers.__main__ as worker_main


def main() -> int:
    from tests.chaos.chaos_app import build

    worker_main.create_app = build  # type: ignore[assignment]
    return worker_main.main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
