"""Customer service: finding a customer, and everything their file shows.

A customer is found by number (any format a customer types), by name (every
word the start of a first or last name, at most ``MAX_FOUND`` answers), or by a
reference they are party to: a transfer's or a remittance's reference, or a
bill's reference at its biller (the customers who paid it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.agents.models import StaffUser
from app.audit.queries import list_events
from app.auth.tokens import live_tokens
from app.customers import limits
from app.customers.models import Customer
from app.customers.msisdn import try_normalize_msisdn
from app.customers.service import get_customer, wallet_balance
from app.db import settings
from app.likelemba.service import groups_for
from app.mail.mailbox import count_letters, count_unread
from app.payments.models import BillPayment
from app.remittances.models import Remittance
from app.savings.accounts import account_view, accounts_of
from app.transfers.models import Transfer
from app.transfers.statements import customer_statement

MAX_FOUND = 20
MAX_QUERY = 60
HISTORY_ACTIONS = (
    "customer.lock",
    "customer.unlock",
    "customer.freeze",
    "customer.unfreeze",
    "customer.kyc_upgrade",
    "customer.kyc_refusal",
    "customer.sessions_end",
)
_REFERENCE = re.compile(r"[A-Za-z0-9\-/]{4,30}")
_WORD = re.compile(r"[^\W\d_]+(?:['\-.][^\W\d_]+)*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Found:
    """The customers a search found and how it read the text typed: ``number``,
    ``reference``, ``name``, or ``nothing`` (empty or unreadable)."""

    customers: list[Customer]
    how: str


def find_customers(session: Session, text: object) -> Found:
    query = " ".join(text.split())[:MAX_QUERY] if isinstance(text, str) else ""
    if not query:
        return Found([], "nothing")
    e164 = try_normalize_msisdn(query, settings(session).ALLOWED_REGIONS)
    if e164 is not None:
        one = session.scalar(select(Customer).where(Customer.msisdn == e164))
        return Found([one] if one else [], "number")
    if _REFERENCE.fullmatch(query):
        by_reference = _by_reference(session, query)
        # A reference may hold no digit ("PCKZRAUEWM"), a name may look like one: a
        # reference found wins, otherwise a word without digits is read as a name.
        if by_reference or any(ch.isdigit() for ch in query):
            return Found(by_reference, "reference")
    words = _WORD.findall(query)
    if words:
        return Found(_by_name(session, words), "name")
    return Found([], "nothing")


def _by_reference(session: Session, reference: str) -> list[Customer]:
    upper = reference.upper()
    ids: list[str | None] = []
    transfer = session.scalar(select(Transfer).where(Transfer.reference == upper))
    if transfer is not None:
        ids += [transfer.from_customer_id, transfer.to_customer_id]
    remittance = session.scalar(select(Remittance).where(Remittance.reference == upper))
    if remittance is not None:
        ids += [remittance.sender_customer_id, remittance.recipient_customer_id]
    payers = session.scalars(
        select(Transfer.from_customer_id)
        .join(BillPayment, BillPayment.transfer_id == Transfer.id)
        .where(or_(BillPayment.bill_reference == reference, BillPayment.bill_reference == upper))
        .limit(MAX_FOUND)
    )
    ids += list(payers)
    wanted = list(dict.fromkeys(i for i in ids if i))[:MAX_FOUND]
    if not wanted:
        return []
    found = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(wanted)))}
    return [found[i] for i in wanted if i in found]


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _by_name(session: Session, words: list[str]) -> list[Customer]:
    conditions = []
    for word in words[:4]:
        prefix = _escaped(word.lower()) + "%"
        conditions.append(
            or_(
                func.lower(Customer.first_name).like(prefix, escape="\\"),
                func.lower(Customer.last_name).like(prefix, escape="\\"),
            )
        )
    return list(
        session.scalars(
            select(Customer)
            .where(and_(*conditions))
            .order_by(Customer.last_name, Customer.first_name, Customer.id)
            .limit(MAX_FOUND)
        )
    )


def customer_file(session: Session, customer_id: str, *, lines: int = 10) -> dict[str, Any]:
    """What the back office shows of one customer: identity and KYC, balance, limits
    and what is used, live sessions, lock and decision history, recent operations,
    savings and likelemba, mailbox counts. NotFound for an unknown id."""
    customer = get_customer(session, customer_id)
    reviewer_id = customer.kyc_verified_by
    reviewer = session.get(StaffUser, reviewer_id) if reviewer_id else None
    statement, _cursor = customer_statement(session, customer, limit=lines)
    events = list_events(session, target_type="customer", target_id=customer.id, limit=50)
    history = [e for e in events.items if e.action in HISTORY_ACTIONS][:20]
    staff_ids = {e.actor_id for e in history if e.actor_id}
    actors = {
        member.id: member.username
        for member in session.scalars(select(StaffUser).where(StaffUser.id.in_(staff_ids)))
    }
    return {
        "customer": customer,
        "kyc_reviewer": reviewer.username if reviewer is not None else None,
        "balance": wallet_balance(session, customer),
        "limits": limits.limits_for(session, customer),
        "sessions": live_tokens(session, "customer", customer.id),
        "history": history,
        "actors": actors,
        "statement": statement,
        "savings": [account_view(session, a) for a in accounts_of(session, customer.id)],
        "likelemba": groups_for(session, customer),
        "letters_unread": count_unread(session, customer.id),
        "letters_total": count_letters(session, customer.id),
    }
