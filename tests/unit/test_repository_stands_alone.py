"""The repository stands on its own: its documents never point outside it.

The design notes and the API contract live in ``docs/``; a clone given to a new
developer, an auditor or a partner must not send them to a folder they do not have.
"""

from __future__ import annotations

import subprocess

from app.config import BASE_DIR

OUTSIDE = "../" + "shared"  # spelt in two halves so this file does not match itself


def tracked_text_files() -> list[str]:
    listing = subprocess.run(
        ["git", "ls-files"], cwd=BASE_DIR, capture_output=True, text=True, check=True
    )
    return listing.stdout.splitlines()


def test_no_tracked_file_links_outside_the_repository():
    offenders = []
    for name in tracked_text_files():
        path = BASE_DIR / name
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        if OUTSIDE in text:
            offenders.append(name)
    assert offenders == []


def test_the_contract_and_the_map_are_in_docs():
    assert (BASE_DIR / "docs" / "API.md").is_file()
    assert (BASE_DIR / "docs" / "DESIGN.md").is_file()
