"""The GSM-7 alphabet (3GPP TS 23.038) that every SMS we send is written in.

A message using one character outside GSM-7 is sent as UCS-2 by the network,
which cuts a part from 160 to 70 characters and can triple the price of a
receipt. So texts are transliterated before sending: French accents that GSM-7
lacks lose them (``ê`` → ``e``; ``é``, ``è``, ``à`` are in GSM-7 and stay),
typographic punctuation becomes ASCII, anything else becomes ``?``. Extension
characters (``€``, ``[``, ``{`` …) are sent as escape + character and count as
two septets.
"""

from __future__ import annotations

import unicodedata

BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_PART = 160
CONCAT_PART = 153

# Characters whose accent-stripped form is not what a reader expects, and
# punctuation that has no decomposition into ASCII.
_REPLACEMENTS = {
    "\u00e7": "c",  # c cedilla (GSM-7 has only the capital)
    "\u0153": "oe",
    "\u0152": "OE",
    "\u2019": "'",  # right single quotation mark, the French apostrophe
    "\u2018": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",  # prime
    "`": "'",
    "\u00b4": "'",  # acute accent
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',  # double prime
    "\u00ab": '"',  # guillemets
    "\u00bb": '"',
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2212": "-",  # minus sign
    "\u2026": "...",  # ellipsis
    "\u2022": "-",  # bullet
    "\u00b7": ".",  # middle dot
    "\u00b0": "o",  # degree sign
    "\u00d7": "x",  # multiplication sign
    "\u00a9": "(c)",
    "\u00ae": "(R)",
    "\u2122": "TM",
    "\t": " ",
    "\u00a0": " ",  # no-break space: Babel's French grouping in older locales
    "\u202f": " ",  # narrow no-break space: Babel's French digit grouping
    "\u2009": " ",  # thin space
    "\u200b": "",  # zero-width space
    "\ufeff": "",  # byte order mark
}


_GSM = BASIC | EXTENSION


def is_gsm7(text: str) -> bool:
    return all(ch in BASIC or ch in EXTENSION for ch in text)


def _transliterate_char(ch: str) -> str:
    if ch in BASIC or ch in EXTENSION:
        return ch
    if ch in _REPLACEMENTS:
        return _REPLACEMENTS[ch]
    if ch.isspace():
        return " "
    stripped = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if stripped and all(c in BASIC or c in EXTENSION for c in stripped):
        return stripped
    return "?"


def to_gsm7(text: str) -> str:
    """``text`` written only with GSM-7 characters, as close to the original as it gets."""
    composed = unicodedata.normalize("NFC", text)
    if _GSM.issuperset(composed):  # most texts: nothing to replace
        return composed
    return "".join(_transliterate_char(ch) for ch in composed)


def septets(gsm_text: str) -> int:
    """Length in septets of a text already in GSM-7: extension characters count two."""
    return len(gsm_text) + sum(1 for ch in gsm_text if ch in EXTENSION)


def _septets(ch: str) -> int:
    return 2 if ch in EXTENSION else 1


def sms_length(text: str) -> int:
    """Length in septets once transliterated: extension characters count two."""
    return septets(to_gsm7(text))


def parts(text: str) -> list[str]:
    """The parts a network sends: one of up to 160 septets, else parts of up to 153.

    An extension character is never split from its escape across two parts.
    """
    gsm = to_gsm7(text)
    if sum(_septets(ch) for ch in gsm) <= SINGLE_PART:
        return [gsm]
    result: list[str] = []
    current: list[str] = []
    used = 0
    for ch in gsm:
        size = _septets(ch)
        if used + size > CONCAT_PART:
            result.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += size
    if current:
        result.append("".join(current))
    return result


def gsm_cut(text: str, limit: int) -> str:
    """``text`` written in GSM-7 and cut to at most ``limit`` septets (an extension
    character counts two and is never split from its escape)."""
    kept: list[str] = []
    used = 0
    for ch in to_gsm7(text):
        used += 2 if ch in EXTENSION else 1
        if used > limit:
            break
        kept.append(ch)
    return "".join(kept).rstrip()
