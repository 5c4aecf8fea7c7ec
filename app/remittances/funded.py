"""Cash-pickup remittances funded from an organisation's account (bulk disbursements).

A payer paying pensions or salaries to a number without a wallet sends that
line as a remittance the recipient collects in cash at any post office with
the code texted to them. The money comes from the organisation's prefunded
account (``payer:<id>``) instead of a wallet or a counter's float: one entry
``<funding account>`` → ``remit:payable``, no fee, under the caller's
idempotency key, and the remittance awaits payout at once.

Like a partner's, the remittance has ``source="partner"`` (an organisation
funds it), ``partner_id`` the organisation and ``partner_reference`` the
caller's own key (unique per organisation, so a rerun finds it instead of
sending twice). ``meta.funding_account`` names the account an uncollected one
is refunded to on expiry (``lifecycle.refund``).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ledger
from app.clock import clock
from app.ledger import chart
from app.remittances import lifecycle
from app.remittances.models import NAME_MAX, PENDING, Remittance
from app.remittances.references import new_reference


def send_funded(
    session: Session,
    *,
    funding_account: str,
    organisation_id: str,
    organisation_name: str,
    reference: str,
    recipient_name: str,
    recipient_msisdn: str,
    amount: int,
    entry_key: str,
    currency: str = "XAF",
    channel: str = "payer",
) -> Remittance:
    """A remittance of ``amount`` awaiting cash payout, paid from ``funding_account``.

    The entry is posted before the row is written, so a refusal (the account
    cannot afford it) leaves nothing behind and the caller may carry on.
    ``recipient_name`` and ``recipient_msisdn`` are expected clean (E.164).
    """
    existing = session.scalar(
        select(Remittance).where(
            Remittance.partner_id == organisation_id, Remittance.partner_reference == reference
        )
    )
    if existing is not None:
        return existing
    remittance = Remittance(
        id=str(uuid.uuid4()),
        reference=new_reference(session),
        source="partner",
        status=PENDING,
        channel=channel,
        payout_method="cash",
        amount=amount,
        fee=0,
        fx_fee=0,
        send_commission=0,
        payout_commission=0,
        currency=currency,
        initiator_id=organisation_id,
        sender_name=organisation_name[:NAME_MAX],
        recipient_name=recipient_name[:NAME_MAX],
        recipient_msisdn=recipient_msisdn,
        partner_id=organisation_id,
        partner_reference=reference,
        created_at=clock.now(),
        meta={"funding_account": funding_account},
    )
    entry = ledger.post_entry(
        session,
        key=entry_key,
        kind="remittance_send",
        legs=[ledger.debit(funding_account, amount), ledger.credit(chart.REMIT_PAYABLE, amount)],
        reference=remittance.reference,
        meta={"remittance_id": remittance.id, "type": "remittance_send"},
    )
    remittance.entry_id = entry.id
    session.add(remittance)
    session.flush()
    lifecycle.activate(session, remittance, sender=None, from_status=PENDING)
    return remittance
