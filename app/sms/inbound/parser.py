"""Reading a text message as a command (no I/O).

Customers type on feature phones, in French, Lingala or English, with or
without accents, in any case, with spaces, dots or dashes inside numbers and
amounts ("Envoi 06 123 45 67 5.000F"). The first word is looked up among the
keywords of every language after folding case and accents; the rest is read
as the command's arguments. Whatever the text, ``parse`` returns a ``Command``:
an unknown text is ``unknown`` (answered with the help text), a known keyword
with unreadable arguments carries ``problem="usage"`` (answered with how to
write it). Money never moves on a guess: ``ENVOI`` arguments that can be split
into a number and an amount in two ways are refused, not picked.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.customers.msisdn import try_normalize_msisdn
from app.money import parse_amount

BALANCE = "balance"
SEND = "send"
CONFIRM = "confirm"
CANCEL = "cancel"
STATEMENT = "statement"
HELP = "help"
RESEND = "resend"
SAVINGS = "savings"
UNKNOWN = "unknown"

# keyword (folded) → (command, language it is written in). French first: the
# catalogs' keywords; Lingala and English are synonyms.
KEYWORDS: dict[str, tuple[str, str]] = {
    "SOLDE": (BALANCE, "fr"),
    "MBONGO": (BALANCE, "ln"),
    "BALANCE": (BALANCE, "en"),
    "ENVOI": (SEND, "fr"),
    "ENVOIE": (SEND, "fr"),
    "ENVOYER": (SEND, "fr"),
    "TINDA": (SEND, "ln"),
    "SEND": (SEND, "en"),
    "OUI": (CONFIRM, "fr"),
    "IYO": (CONFIRM, "ln"),
    "EE": (CONFIRM, "ln"),
    "YES": (CONFIRM, "en"),
    "NON": (CANCEL, "fr"),
    "ANNULER": (CANCEL, "fr"),
    "TE": (CANCEL, "ln"),
    "NO": (CANCEL, "en"),
    "CANCEL": (CANCEL, "en"),
    "RELEVE": (STATEMENT, "fr"),
    "HISTORIQUE": (STATEMENT, "fr"),
    "MISALA": (STATEMENT, "ln"),
    "STATEMENT": (STATEMENT, "en"),
    "HISTORY": (STATEMENT, "en"),
    "AIDE": (HELP, "fr"),
    "LISUNGI": (HELP, "ln"),
    "SALISA": (HELP, "ln"),
    "HELP": (HELP, "en"),
    "RENVOI": (RESEND, "fr"),
    "RENVOYER": (RESEND, "fr"),
    "LISUSU": (RESEND, "ln"),
    "RESEND": (RESEND, "en"),
    "EPARGNE": (SAVINGS, "fr"),
    "LIVRET": (SAVINGS, "fr"),
    "KOBOMBA": (SAVINGS, "ln"),
    "SAVINGS": (SAVINGS, "en"),
}
# Two-word keywords, checked before single words ("TINDA LISUSU": send again).
PHRASES: dict[tuple[str, str], tuple[str, str]] = {
    ("TINDA", "LISUSU"): (RESEND, "ln"),
    ("SEND", "AGAIN"): (RESEND, "en"),
}
# Words customers add after an amount: "5000F", "5 000 FCFA", "5000 frs".
CURRENCY_WORDS = frozenset({"F", "FR", "FRS", "FRANCS", "FCFA", "CFA", "XAF"})
OTP_DIGITS = 6
# A text longer than this is not a command; only its start is read.
MAX_READ = 200

_SEPARATORS = re.compile(r"[^A-Z0-9+]+")
_LETTER_DIGIT = re.compile(r"(?<=[A-Z])(?=[0-9+])|(?<=[0-9])(?=[A-Z])")
_PHONE_TOKEN = re.compile(r"\+?[0-9]+")


@dataclass(frozen=True, slots=True)
class Command:
    """What a text asks for. ``language`` is that of its keyword (None if there was none)."""

    name: str
    language: str | None = None
    to: str | None = None  # E.164, for SEND
    amount: int | None = None  # for SEND
    code: str | None = None  # digits as typed, for CONFIRM
    problem: str | None = None  # "usage": right keyword, unreadable arguments

    def __repr__(self) -> str:  # the code must never reach a log line
        return f"Command({self.name!r}, {self.language!r}, problem={self.problem!r})"


def fold(text: str) -> str:
    """Upper case, accents removed, compatibility forms (full-width digits) made plain."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def tokens(text: str) -> list[str]:
    """Words and numbers of ``text``: any run of other characters separates them, and a
    keyword glued to a number ("OUI123456", "5000F") is split from it."""
    folded = _LETTER_DIGIT.sub(" ", fold(text[:MAX_READ]))
    return [t for t in _SEPARATORS.split(folded) if t]


def parse(text: str, regions: list[str] | None = None) -> Command:
    """The command in ``text``; ``regions`` are the countries whose numbers ENVOI accepts."""
    words = tokens(text or "")
    if not words:
        return Command(UNKNOWN)
    if len(words) >= 2 and (words[0], words[1]) in PHRASES:
        name, language = PHRASES[(words[0], words[1])]
        return Command(name, language)
    if words[0] not in KEYWORDS:
        return _bare_code(words)
    name, language = KEYWORDS[words[0]]
    args = words[1:]
    if name == SEND:
        return _send(args, language, regions)
    if name == CONFIRM:
        code = "".join(args)
        if not code.isdigit():
            return Command(CONFIRM, language, problem="usage")
        return Command(CONFIRM, language, code=code)
    # Words after SOLDE, NON, AIDE … ("NON MERCI", "SOLDE SVP") change nothing.
    return Command(name, language)


def _bare_code(words: list[str]) -> Command:
    """A reply of just the six digits of the code ("482 913") confirms, like OUI."""
    code = "".join(words)
    if all(w.isdigit() for w in words) and len(code) == OTP_DIGITS:
        return Command(CONFIRM, None, code=code)
    return Command(UNKNOWN)


def _send(args: list[str], language: str, regions: list[str] | None) -> Command:
    """``<number> <amount>``, each possibly typed in pieces; exactly one reading or none."""
    while args and args[-1] in CURRENCY_WORDS:
        args = args[:-1]
    if len(args) < 2 or not all(_PHONE_TOKEN.fullmatch(a) for a in args):
        return Command(SEND, language, problem="usage")
    readings = set()
    for cut in range(1, len(args)):
        amount_text = "".join(args[cut:])
        if "+" in amount_text:
            continue
        msisdn = try_normalize_msisdn("".join(args[:cut]), regions)
        amount = parse_amount(amount_text)
        if msisdn is not None and amount is not None:
            readings.add((msisdn, amount))
    if len(readings) != 1:
        return Command(SEND, language, problem="usage")
    ((msisdn, amount),) = readings
    return Command(SEND, language, to=msisdn, amount=amount)


def redact(text: str, command: Command) -> str:
    """``text`` as it may be stored: the code of a confirmation, and any run of 4 to 8
    digits (a PIN typed by mistake), replaced by stars."""
    if command.name == CONFIRM:
        return re.sub(r"[0-9]", "*", text)
    return re.sub(r"(?<![0-9])[0-9]{4,8}(?![0-9])", lambda m: "*" * len(m.group()), text)
