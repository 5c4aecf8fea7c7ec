"""Amounts in French words, as a receipt writes them under the figures.

"15 000" → "quinze mille francs CFA". Written here rather than taken from a
library because a receipt is a legal proof of payment and the rules are few
and exact (traditional spelling, as banks and the post office write cheques):

* tens and units joined by hyphens, "et" for one after twenty to seventy
  ("vingt et un", "soixante et onze"), but "quatre-vingt-un";
* "quatre-vingts" and "deux cents" take an "s" when they end the number or
  come before "millions"/"milliards" (nouns), never before "mille", which is
  invariable ("quatre-vingt mille", "deux cent mille");
* "mille" alone for one thousand, but "un million", "un milliard";
* a round number of millions or milliards takes "de": "un million de francs CFA".
"""

from __future__ import annotations

UNITS = (
    "zéro",
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
    "dix-sept",
    "dix-huit",
    "dix-neuf",
)
TENS = ("", "", "vingt", "trente", "quarante", "cinquante", "soixante")

# (value, singular, plural) of the nouns above a thousand, largest first.
SCALES = ((1_000_000_000, "milliard", "milliards"), (1_000_000, "million", "millions"))

CURRENCY_WORDS = {"XAF": ("franc CFA", "francs CFA"), "XOF": ("franc CFA", "francs CFA")}


def _below_hundred(n: int, plural: bool) -> str:
    if n < 20:
        return UNITS[n]
    tens, unit = divmod(n, 10)
    if tens in (7, 9):  # soixante-dix…, quatre-vingt-dix…: the base plus ten to nineteen
        base = "soixante" if tens == 7 else "quatre-vingt"
        rest = 10 + unit
        joiner = " et " if tens == 7 and unit == 1 else "-"
        return f"{base}{joiner}{UNITS[rest]}"
    if tens == 8:
        return "quatre-vingts" if unit == 0 and plural else f"quatre-vingt{_hyphen(unit)}"
    if unit == 0:
        return TENS[tens]
    joiner = " et " if unit == 1 else "-"
    return f"{TENS[tens]}{joiner}{UNITS[unit]}"


def _hyphen(unit: int) -> str:
    return f"-{UNITS[unit]}" if unit else ""


def _below_thousand(n: int, plural: bool) -> str:
    """``plural``: the group may take its final "s" (it ends the number or precedes a noun)."""
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds:
        if hundreds == 1:
            parts.append("cent")
        else:
            s = "s" if rest == 0 and plural else ""
            parts.append(f"{UNITS[hundreds]} cent{s}")
    if rest:
        parts.append(_below_hundred(rest, plural))
    return " ".join(parts)


def number_in_words(n: int) -> str:
    """A whole number from 0 to 999 999 999 999 in French words."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("number_in_words takes an int")
    if n < 0 or n >= 1_000_000_000_000:
        raise ValueError("number_in_words takes 0 to 999 999 999 999")
    if n == 0:
        return UNITS[0]
    parts = []
    rest = n
    for value, singular, plural in SCALES:
        count, rest = divmod(rest, value)
        if count:
            noun = singular if count == 1 else plural
            parts.append(f"{_below_thousand(count, plural=True)} {noun}")
    thousands, rest = divmod(rest, 1000)
    if thousands:
        # "mille" is invariable and makes the group before it keep no "s".
        parts.append("mille" if thousands == 1 else f"{_below_thousand(thousands, False)} mille")
    if rest:
        parts.append(_below_thousand(rest, plural=True))
    return " ".join(parts)


def amount_in_words(amount: int, currency: str = "XAF") -> str:
    """'quinze mille francs CFA', 'un franc CFA', 'deux millions de francs CFA'."""
    singular, plural = CURRENCY_WORDS.get(currency, (currency, currency))
    words = number_in_words(amount)
    if amount <= 1:
        return f"{words} {singular}"
    round_noun = amount % 1_000_000 == 0
    return f"{words} {'de ' if round_noun else ''}{plural}"
