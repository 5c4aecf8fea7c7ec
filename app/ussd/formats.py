"""How values look on a 182-character screen: amounts, numbers, names, times, statement lines.

Every variable part has a longest form, so a screen's length is bounded by its
template: names are cut (``NAME_CUT``), amounts have at most eight digits
(``parsers.MAX_AMOUNT_DIGITS``), numbers are national (``06 123 4567``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from app.money import format_amount, group_thousands

NAME_CUT = 24  # as in SMS receipts: "Jean-Baptiste Mabiala-Ng"
STATEMENT_NAME_CUT = 12


def money(amount: int) -> str:
    return format_amount(amount)


def national(e164: str) -> str:
    """'+242061234567' → '06 123 4567': what the customer typed, in the usual grouping."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def short(name: str | None, cut: int = NAME_CUT) -> str:
    return (name or "PostCash").strip()[:cut].strip()


def local_time(at: datetime, timezone: str) -> str:
    return at.astimezone(ZoneInfo(timezone)).strftime("%H:%M")


def local_day(at: datetime, timezone: str) -> str:
    return at.astimezone(ZoneInfo(timezone)).strftime("%d/%m")


def statement_line(item: dict[str, Any], label: str, timezone: str) -> str:
    """'28/11 -5 050 Envoi Bruno N.': day, effect on the wallet (fee included), what, who."""
    effect = item["amount"] + item["fee"]
    sign = "-" if item["direction"] == "debit" else "+"
    party = item.get("counterparty") or {}
    who = short(party.get("name"), STATEMENT_NAME_CUT) if party.get("name") else ""
    parts = [local_day(item["created_at"], timezone), f"{sign}{group_thousands(effect)}", label]
    if who:
        parts.append(who)
    return " ".join(parts)
