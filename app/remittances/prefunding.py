"""Prefunding: an admin records money a partner or a payer wired to the trust bank.

``trust:bank`` → ``partner:<id>`` (or ``payer:<id>``), one entry per request
(keyed by the admin and the request's Idempotency-Key, so a retried request
never prefunds twice), and an audit event with the new balance. The account is
normally opened with the organisation (``app.auth.onboarding``); one missing
for an older organisation is opened here rather than refusing the deposit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app import ledger
from app.audit import record
from app.auth.api_keys import get_api_client
from app.db import settings
from app.errors import ValidationFailed
from app.ledger import chart

HOLDERS = {"partner": chart.partner, "payer": chart.payer, "sender": chart.sender}


@dataclass(frozen=True, slots=True)
class Prefunded:
    account_holder: str
    holder_id: str
    amount: int
    entry_id: int
    balance: int
    currency: str


def prefund(
    session: Session,
    *,
    account_holder: str,
    holder_id: str,
    amount: int,
    key: str,
    admin_id: str,
    ip: str | None = None,
    actor_role: str = "admin",
    ledger_key: str | None = None,
    note: dict[str, str] | None = None,
) -> Prefunded:
    """Credit the holder's prefunding from the trust bank, once per ``key``.

    The back office's maker-checker (``prefunding_requests.py``) passes the
    approver as ``admin_id``/``actor_role``, a ``ledger_key`` of the request
    itself (one entry per request, whoever approves it) and a ``note`` (request
    and bank reference) kept in the entry's meta and the audit event.
    """
    if account_holder not in HOLDERS:
        raise ValidationFailed({"account_holder": ["One of: partner, payer, sender."]})
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed({"amount": ["Must be a positive integer amount."]})
    client = get_api_client(session, holder_id, role=account_holder)
    code = HOLDERS[account_holder](client.id)
    if ledger.find_account(session, code) is None:
        ledger.open_account(
            session,
            code,
            "liability",
            settings(session).CURRENCY,
            allow_overdraft=False,
            name=f"{account_holder.title()} {client.name}",
        )
    entry = ledger.post_entry(
        session,
        key=ledger_key or ledger.entry_key("prefunding", admin_id, key),
        kind="prefunding",
        legs=[ledger.debit(chart.TRUST_BANK, amount), ledger.credit(code, amount)],
        meta={
            "account_holder": account_holder,
            "holder_id": client.id,
            "by": admin_id,
            **(note or {}),
        },
    )
    balance = ledger.balance(session, code)
    if entry.replayed:  # the same request again: already recorded
        return Prefunded(
            account_holder, client.id, amount, entry.id, balance.available, balance.currency
        )
    record(
        session,
        actor_role=actor_role,
        actor_id=admin_id,
        action="prefunding.credit",
        target_type=account_holder,
        target_id=client.id,
        after={
            "amount": amount,
            "entry_id": entry.id,
            "balance": balance.available,
            **(note or {}),
        },
        ip=ip,
    )
    return Prefunded(
        account_holder, client.id, amount, entry.id, balance.available, balance.currency
    )
