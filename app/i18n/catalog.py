"""Reading the ``.po`` catalogs once and merging them per language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

CATALOG_DIR = Path(__file__).resolve().parent / "catalogs"
DEFAULT_LANGUAGE = "fr"


def read_catalog_dir(directory: Path) -> dict[str, dict[str, str]]:
    """``{language: {key: text}}`` from every ``<domain>.<lang>.po`` in ``directory``.

    The same key in two domain files of one language is refused: one of the two
    texts would silently win.
    """
    merged: dict[str, dict[str, str]] = {}
    origin: dict[tuple[str, str], str] = {}
    for path in sorted(directory.glob("*.po")):
        domain, _, language = path.stem.rpartition(".")
        if not domain or not language:
            raise ValueError(f"catalog {path.name} is not named <domain>.<lang>.po")
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=None, domain=domain, abort_invalid=True)
        texts = merged.setdefault(language, {})
        for message in catalog:
            if not message.id or not isinstance(message.id, str):
                continue
            if not isinstance(message.string, str) or not message.string:
                raise ValueError(f"{path.name}: {message.id!r} has no text")
            if message.id in texts:
                first = origin[(language, message.id)]
                raise ValueError(f"{message.id!r} is defined in {first} and {path.name}")
            texts[message.id] = message.string
            origin[(language, message.id)] = path.name
    if DEFAULT_LANGUAGE not in merged:
        raise ValueError(f"no {DEFAULT_LANGUAGE} catalog in {directory}")
    return merged


@lru_cache(maxsize=1)
def catalogs() -> dict[str, dict[str, str]]:
    """Every catalog of the application, read on first use and kept."""
    return read_catalog_dir(CATALOG_DIR)


def available_languages() -> tuple[str, ...]:
    """Supported language codes, the default first."""
    others = sorted(lang for lang in catalogs() if lang != DEFAULT_LANGUAGE)
    return (DEFAULT_LANGUAGE, *others)


def has_key(key: str) -> bool:
    return key in catalogs()[DEFAULT_LANGUAGE]
