"""Parsing one USSD input: shapes only, no database, so ``walk`` can replay them freely.

Each parser returns the value or raises ``Invalid`` with the note shown above the
screen again. Whether the recipient exists, the PIN is right or the amount is
within the limits is the domain's answer on the screen that uses the value.
"""

from __future__ import annotations

from app.config import Config
from app.customers.msisdn import try_normalize_msisdn
from app.customers.pins import PIN_LENGTH, validate_pin
from app.customers.service import clean_person_name  # the register's own rule
from app.errors import ValidationFailed
from app.money import parse_amount
from app.payments.billers import REFERENCE_MAX
from app.remittances import codes
from app.remittances.models import NAME_MAX
from app.ussd.machine import Invalid

# No tier allows more than 20 000 000 FCFA a month: eight digits are the longest
# amount a screen has to show, and a longer input is a typing slip.
MAX_AMOUNT_DIGITS = 8


def msisdn(token: str, config: Config) -> str:
    """A mobile number of an allowed region, in E.164."""
    e164 = try_normalize_msisdn(token, config.ALLOWED_REGIONS)
    if e164 is None:
        raise Invalid("ussd.note.msisdn")
    return e164


def amount(token: str, config: Config) -> int:
    """Whole francs, as typed on a keypad ("5000"); spaces and dots tolerated. A keypad
    types ASCII digits only: "²" or an Arabic-Indic five are digits to ``str.isdigit``,
    not amounts."""
    value = parse_amount(token) if token.isascii() else None
    if value is None or len(str(value)) > MAX_AMOUNT_DIGITS:
        raise Invalid("ussd.note.amount")
    return value


def pin(token: str, config: Config) -> str:
    """Four digits. A malformed PIN is refused here, so a slip does not cost an attempt."""
    if len(token) != PIN_LENGTH or not token.isascii() or not token.isdigit():
        raise Invalid("ussd.note.pin_format")
    return token


def new_pin(token: str, config: Config) -> str:
    """A PIN the customer may choose: four digits, not trivially guessable."""
    pin(token, config)
    try:
        return validate_pin(token)
    except ValidationFailed as exc:
        raise Invalid("ussd.note.pin_trivial") from exc


def name(token: str, config: Config) -> str:
    """A remittance recipient's name as typed: printable, with a letter, of a length a
    screen can show (``NAME_MAX``, 60)."""
    cleaned = " ".join(token.split())
    if not 2 <= len(cleaned) <= NAME_MAX or not cleaned.isprintable():
        raise Invalid("ussd.note.name")
    if not any(ch.isalpha() for ch in cleaned):
        raise Invalid("ussd.note.name")
    return cleaned


def customer_name(token: str, config: Config) -> str:
    """A first or last name as registration takes it: the domain's own rule (letters of
    any script, with spaces, hyphens, apostrophes or dots between them, at most 30),
    checked here so a slip is asked again at once, not refused after both PINs."""
    try:
        return clean_person_name(token, "name")
    except ValidationFailed as exc:
        raise Invalid("ussd.note.customer_name") from exc


def bill_reference(token: str, config: Config) -> str:
    """A bill reference as printed on the bill; whether it has the biller's shape is the
    biller's rule, checked on the summary."""
    cleaned = "".join(token.split())
    if not 1 <= len(cleaned) <= REFERENCE_MAX or not cleaned.isprintable():
        raise Invalid("ussd.note.reference")
    return cleaned


def remittance_code(token: str, config: Config) -> str:
    """The 10-digit code a remittance's recipient received by SMS."""
    cleaned = codes.normalize(token)
    if not codes.is_well_formed(cleaned):
        raise Invalid("ussd.note.code")
    return cleaned
