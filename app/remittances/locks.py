"""Every row lock of remittances, in one place.

A state change of a remittance (confirm, cancel, payout, claim, expiry) happens
while holding its row lock (``SELECT … FOR UPDATE``; SQLite serialises writers
with ``BEGIN IMMEDIATE``), so of two counters paying the same code, or a
payout racing the expiry sweep, the second sees the state the first left.
Wrong-code counting locks the counter's (or customer's) own row first, so
two misses at once cannot both slip under the lockout threshold. A floating
FX rate is locked while an operator changes it, a partner's webhook while it is
replaced, and a callback delivery while it is prepared and its outcome recorded.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agents.models import StaffUser
from app.customers.models import Customer
from app.remittances.errors import RemittanceNotFound
from app.remittances.models import (
    PENDING,
    FxRate,
    PartnerWebhook,
    Remittance,
    WebhookDelivery,
)
from app.remittances.prefunding_models import PrefundingRequest


def lock_remittance(session: Session, remittance_id: str) -> Remittance:
    remittance = session.scalar(
        select(Remittance)
        .where(Remittance.id == remittance_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if remittance is None:
        raise RemittanceNotFound()
    return remittance


def lock_for_refund(session: Session, remittance: Remittance) -> Remittance:
    """Lock a wallet sender's customer row, then the remittance (read first without a lock).

    A refund checks the sender's balance cap under their row lock
    (``limits.fits_balance``); taking it before the remittance's keeps the
    domain's order (customer rows, then payment rows) so a cancel, the expiry
    sweep and a read that expires on the way queue instead of deadlocking.
    """
    if remittance.sender_customer_id is not None:
        session.execute(
            select(Customer.id)
            .where(Customer.id == remittance.sender_customer_id)
            .with_for_update(key_share=True)
        )
    return lock_remittance(session, remittance.id)


def lock_actor(session: Session, actor: StaffUser | Customer) -> None:
    """Serialise code attempts of one counter or one customer.

    ``FOR NO KEY UPDATE``: it excludes another attempt just the same, but not
    the key-share lock a foreign key takes, so a bulk payout inserting a
    transfer to this customer while holding their wallet never waits on an
    attempt that waits on that wallet (a deadlock).
    """
    model = type(actor)
    session.execute(select(model.id).where(model.id == actor.id).with_for_update(key_share=True))


def lock_pending_sent_by(session: Session, customer_id: str) -> list[Remittance]:
    """The customer's wallet remittances still awaiting their OTP, locked in id order."""
    return list(
        session.scalars(
            select(Remittance)
            .where(Remittance.sender_customer_id == customer_id, Remittance.status == PENDING)
            .order_by(Remittance.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def lock_fx_rate(session: Session, currency: str) -> FxRate | None:
    return session.get(FxRate, currency, with_for_update=True)


def lock_partner_webhook(session: Session, partner_id: str) -> PartnerWebhook | None:
    return session.get(PartnerWebhook, partner_id, with_for_update=True)


def lock_webhook_delivery(session: Session, delivery_id: int) -> WebhookDelivery | None:
    return session.get(WebhookDelivery, delivery_id, with_for_update=True)


def lock_prefunding_request(session: Session, request_id: str) -> PrefundingRequest | None:
    """The prefunding request's row, locked (``prefunding_requests``): one decision
    wins when two operators approve at once."""
    return session.get(PrefundingRequest, request_id, with_for_update=True, populate_existing=True)
