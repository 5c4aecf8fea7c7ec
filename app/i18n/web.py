"""Texts of the web pages: the staff's (counter, back office) in French, the
customers' portal in French and Lingala.

Kept apart from the customer catalogs (``catalogs/``): those are sized for SMS
and USSD and exist in French and Lingala, a rule the catalog tests enforce;
the counter's pages are read by post-office agents and written in French only.
Same ``.po`` format and same reader, so a Lingala file could be added the day
agents ask for it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from app.i18n.catalog import DEFAULT_LANGUAGE, read_catalog_dir

WEB_CATALOG_DIR = Path(__file__).resolve().parent / "web"


@lru_cache(maxsize=1)
def web_texts() -> dict[str, str]:
    """Every French text of the web pages, read on first use and kept."""
    return read_catalog_dir(WEB_CATALOG_DIR)[DEFAULT_LANGUAGE]


@lru_cache(maxsize=1)
def _all_languages() -> dict[str, dict[str, str]]:
    return read_catalog_dir(WEB_CATALOG_DIR)


def web_languages() -> tuple[str, ...]:
    """Languages some web catalog is written in, French first."""
    others = sorted(lang for lang in _all_languages() if lang != DEFAULT_LANGUAGE)
    return (DEFAULT_LANGUAGE, *others)


def portal_texts(language: str) -> dict[str, str]:
    return _all_languages()[language]


def portal_text(language: str, key: str, **params: Any) -> str:
    """A portal text in ``language`` (``fr`` or ``ln``). Every portal key exists in both
    (a catalog test says so), so a missing one is a bug (``KeyError``), never a blank."""
    return _all_languages()[language][key].format(**params)


def page_text(key: str, **params: Any) -> str:
    """The text of ``key`` formatted with ``params``; a missing key or parameter is a
    bug (``KeyError``), caught by the page tests, never a blank on a page."""
    return web_texts()[key].format(**params)
