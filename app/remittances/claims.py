"""Claiming a remittance into one's own wallet with the code (app or USSD).

Only the recipient named by the sender may claim: the customer's number must
be the remittance's recipient number. A code that is unknown, or belongs to
someone else's remittance, counts as a miss against the customer exactly like
a wrong code at a counter, so the wallet is no side door for guessing codes.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.customers import limits
from app.customers.models import Customer
from app.customers.service import ensure_can_transact
from app.remittances import lifecycle, misses
from app.remittances.counter import clean_code, ensure_payable, find_by_code
from app.remittances.locks import lock_actor, lock_remittance
from app.remittances.models import Remittance


def claim_to_wallet(
    session: Session, customer: Customer, code: str, *, channel: str = "api"
) -> Remittance:
    """Credit ``customer``'s wallet with the remittance this code pays → ``paid_out``.

    ``channel`` (``api`` or ``ussd``) is recorded as the payout's, for the reports.

    Errors: ``validation_error`` (not 10 digits), ``invalid_otp`` with
    ``attempts_left`` (wrong code), ``limit_exceeded`` (locked after too many
    wrong codes, or the wallet's balance cap), ``invalid_state`` (already paid
    out, cancelled or expired).
    """
    ensure_can_transact(customer)
    cleaned = clean_code(code)
    actor = f"customer:{customer.id}"
    lock_actor(session, customer)
    misses.ensure_not_locked(session, actor)
    found = find_by_code(session, cleaned)
    if found is None or found.recipient_msisdn != customer.msisdn:
        raise misses.count_miss(session, actor=actor, role="customer", actor_id=customer.id)
    remittance = lock_remittance(session, found.id)
    ensure_payable(session, remittance)
    limits.check_incoming(session, customer, remittance.amount)
    lifecycle.pay_to_wallet(session, remittance, customer, channel=channel)
    return remittance
