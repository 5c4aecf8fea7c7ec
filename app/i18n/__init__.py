"""Texts customers read, in French (default) and Lingala.

Messages live in gettext ``.po`` files under ``catalogs/``, one per domain and
language (``otp.fr.po``, ``otp.ln.po``, ``errors.fr.po`` …). A message id is a
key such as ``sms.otp.p2p``, not the French sentence, so the French text can be
reworded without touching code. Catalogs are read once and merged across
domains; a language without a key falls back to French, and a key that French
does not have either is a bug (``KeyError``), caught by the catalog tests.
"""

from __future__ import annotations

import logging
import string
from typing import Any

from app.i18n.catalog import DEFAULT_LANGUAGE, available_languages, catalogs, has_key

__all__ = [
    "DEFAULT_LANGUAGE",
    "available_languages",
    "error_message",
    "has_key",
    "normalize_language",
    "translate",
]

log = logging.getLogger(__name__)


def normalize_language(language: str | None) -> str:
    """A supported language code for whatever a customer record or request holds."""
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in available_languages() else DEFAULT_LANGUAGE


def translate(key: str, language: str | None, **params: Any) -> str:
    """The text of ``key`` in ``language`` (French if missing), formatted with ``params``.

    ``str.format`` placeholders: a missing parameter raises ``KeyError`` like a
    missing key, because a text with a hole in it must never reach a customer.
    """
    loaded = catalogs()
    lang = normalize_language(language)
    template = loaded[lang].get(key)
    if template is None:
        template = loaded[DEFAULT_LANGUAGE][key]
    return _format(template, params)


_FORMATTER = string.Formatter()


def _format(template: str, params: dict[str, Any]) -> str:
    """``template.format(**params)``, without the doubled period of a value that ends a
    sentence: "à {recipient}. Valable" with "Bruno N." reads "à Bruno N. Valable"."""
    out: list[str] = []
    for literal, field, spec, conversion in _FORMATTER.parse(template):
        ends_sentence = bool(out) and out[-1].endswith(".") and not out[-1].endswith("..")
        if ends_sentence and literal.startswith(".") and not literal.startswith(".."):
            literal = literal[1:]
        out.append(literal)
        if field is None:
            continue
        value, _ = _FORMATTER.get_field(field, (), params)
        value = _FORMATTER.convert_field(value, conversion) if conversion else value
        spec = _FORMATTER.vformat(spec or "", (), params)
        out.append(_FORMATTER.format_field(value, spec))
    return "".join(out)


def error_message(code: str, language: str | None, **params: Any) -> str:
    """The customer text of a domain error code (``error.<code>``) for USSD and SMS.

    A code without a text of its own gets the generic one rather than no answer:
    a customer on a feature phone must always get a screen. The catalog tests
    make sure every code of ``app.errors`` has its text.
    """
    key = f"error.{code}"
    if not has_key(key):
        log.warning("no customer text for error code %s", code)
        key = "error.error"
    try:
        return translate(key, language, **params)
    except KeyError:
        log.warning("customer text of %s needs parameters the error did not carry", code)
        return translate("error.error", language)
