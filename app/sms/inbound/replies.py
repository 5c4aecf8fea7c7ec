"""What the customer reads back: a catalog key and its parameters, never a sentence.

A command handler returns a ``Reply``; the inbound service sends it with
``send_sms`` in the customer's language (GSM-7, one SMS: every ``smscmd.*``
text is tested with the longest names and amounts). A domain refusal becomes
the reply of its error code, with the SMS channel's own words where it has
them (its caps, how to write a command, how long to wait for a resend).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.clock import LOCAL_TZ
from app.config import Config
from app.customers.pin_locks import until_text
from app.errors import AccountLocked, DomainError, LimitExceeded, RateLimited, ValidationFailed
from app.i18n import DEFAULT_LANGUAGE, has_key, translate
from app.i18n.catalog import catalogs
from app.money import format_amount, group_thousands
from app.notify.gsm import gsm_cut
from app.sms.inbound.parser import CONFIRM, SEND, Command
from app.transfers.errors import SelfTransfer

# Names are cut so that the longest text still fits one SMS.
NAME_WIDTH = 24
LABEL_WIDTH = 12
STATEMENT_LINES = 3


@dataclass(frozen=True, slots=True)
class Reply:
    """A text to send, or (``template`` None) the note that the domain already sent one.

    ``secret`` is a code for ``{code}``: it travels encrypted and is masked in
    the stored body. ``challenge_id`` ties a reply carrying an OTP to its
    challenge, so that the code can be sent again (``RENVOI``).
    """

    template: str | None
    params: dict[str, Any] = field(default_factory=dict)
    secret: str | None = field(default=None, repr=False)
    purpose: str = "reply"
    expires_at: datetime | None = None
    challenge_id: str | None = None
    sent_message_id: str | None = None

    @classmethod
    def already_sent(cls, message_id: str | None = None) -> Reply:
        """The answer went out through the domain (a receipt, a resent code)."""
        return cls(None, sent_message_id=message_id)


def caps(config: Config) -> dict[str, str]:
    return {
        "max_tx": format_amount(config.SMS_MAX_TX_AMOUNT, config.CURRENCY),
        "max_day": format_amount(config.SMS_MAX_DAILY_AMOUNT, config.CURRENCY),
    }


def locked(exc: AccountLocked, config: Config) -> Reply:
    """Locked after wrong PINs: until when (and how to open it sooner), or how to unlock."""
    if exc.until is None:
        return Reply("smscmd.locked")
    return Reply("smscmd.locked_until", {"until": until_text(exc.until, config.TIMEZONE)})


def refusal(exc: DomainError, command: Command, config: Config) -> Reply:
    """The reply to a domain error raised while running ``command``."""
    if isinstance(exc, LimitExceeded) and exc.extra.get("limit") == "sms_single":
        return Reply("smscmd.limit.sms_single", caps(config))
    if isinstance(exc, LimitExceeded) and exc.extra.get("limit") == "sms_daily":
        return Reply("smscmd.limit.sms_daily", caps(config))
    if isinstance(exc, SelfTransfer):
        return Reply("smscmd.send.self")
    if isinstance(exc, ValidationFailed) and command.name in (SEND, CONFIRM):
        return usage(command)
    if isinstance(exc, RateLimited) and isinstance(exc.extra.get("retry_after"), int):
        return Reply("smscmd.resend.wait", {"seconds": exc.extra["retry_after"]})
    return error_reply(exc.code, exc.extra)


def usage(command: Command) -> Reply:
    """How to write a command whose keyword was right and arguments were not."""
    return Reply("smscmd.confirm.usage" if command.name == CONFIRM else "smscmd.send.usage")


def error_reply(code: str, extra: dict[str, Any]) -> Reply:
    """The catalog text of an error code, with the parameters it needs from ``extra``."""
    key = f"error.{code}" if has_key(f"error.{code}") else "error.error"
    wanted = _placeholders(key)
    if not wanted <= set(extra):
        return Reply("error.error")
    return Reply(key, {name: extra[name] for name in wanted})


def _placeholders(key: str) -> set[str]:
    text = catalogs()[DEFAULT_LANGUAGE][key]
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def signed(amount: int) -> str:
    """'+10 000' / '-5 050': a statement line's effect on the wallet, without the currency."""
    return ("+" if amount > 0 else "-") + group_thousands(abs(amount))


def statement_lines(items: list[dict[str, Any]], language: str) -> str:
    """'28/11 -5 050 Bruno N.; 27/11 +10 000 Depot' for the newest statement items."""
    lines = []
    for item in items[:STATEMENT_LINES]:
        total = item["amount"] + item["fee"]
        effect = total if item["direction"] == "credit" else -total
        day = item["created_at"].astimezone(LOCAL_TZ).strftime("%d/%m")
        lines.append(f"{day} {signed(effect)} {_label(item, language)}")
    return "; ".join(lines)


def _label(item: dict[str, Any], language: str) -> str:
    counterparty = item.get("counterparty") or {}
    name = counterparty.get("name")
    if name:
        return gsm_cut(str(name), LABEL_WIDTH)
    key = f"smscmd.kind.{item['type']}"
    return translate(key if has_key(key) else "smscmd.kind.other", language)[:LABEL_WIDTH]
