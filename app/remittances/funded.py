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

Sent in bulk: a chunk of a batch prepares its remittances (``prepare``: one
query finds those a rerun already sent, one draws the references), posts their
entries with the chunk's other lines (``ledger.post_entries``, in line order)
and then ``complete`` writes the accepted ones straight into
``awaiting_payout`` with their codes and queues the code SMS: a few statements
per chunk instead of a dozen round trips per remittance.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ledger
from app.clock import clock
from app.customers.models import Customer
from app.db import settings
from app.db.bulk import any_of, draw_unique, insert_rows, key_chunks
from app.errors import DomainError
from app.ledger import chart
from app.money import format_amount
from app.notify.service import OutgoingDraft, send_many
from app.remittances import codes
from app.remittances.models import AWAITING, NAME_MAX, Remittance
from app.remittances.notifications import short
from app.remittances.references import new_candidate


@dataclass(frozen=True, slots=True)
class FundedOrder:
    """A cash pickup to send from an organisation's account.

    ``reference`` is the organisation's own key (unique per organisation);
    ``recipient_name`` and ``recipient_msisdn`` are expected clean (E.164).
    """

    funding_account: str
    organisation_id: str
    organisation_name: str
    reference: str
    recipient_name: str
    recipient_msisdn: str
    amount: int
    entry_key: str
    currency: str = "XAF"
    channel: str = "payer"


@dataclass(frozen=True, slots=True)
class FundedSend:
    """An order with its remittance id and reference, or the remittance a rerun finds."""

    order: FundedOrder
    remittance_id: str
    reference: str
    already_sent: bool

    def draft(self) -> ledger.Draft:
        """The entry ``<funding account>`` → ``remit:payable`` of this remittance."""
        return ledger.Draft(
            key=self.order.entry_key,
            kind="remittance_send",
            legs=(
                ledger.debit(self.order.funding_account, self.order.amount),
                ledger.credit(chart.REMIT_PAYABLE, self.order.amount),
            ),
            reference=self.reference,
            meta={"remittance_id": self.remittance_id, "type": "remittance_send"},
        )


def prepare(session: Session, orders: Sequence[FundedOrder]) -> list[FundedSend]:
    """Name each order's remittance: the one already sent under its key, or a new one."""
    pairs = [(o.organisation_id, o.reference) for o in orders]
    sent: dict[tuple[str, str | None], tuple[str, str]] = {}
    for organisation_id in sorted({o.organisation_id for o in orders}):
        theirs = sorted(o.reference for o in orders if o.organisation_id == organisation_id)
        for chunk in key_chunks(session, theirs):
            rows = session.execute(
                select(Remittance.partner_reference, Remittance.id, Remittance.reference).where(
                    Remittance.partner_id == organisation_id,
                    any_of(session, Remittance.partner_reference, chunk),
                )
            )
            for partner_reference, remittance_id, reference in rows:
                sent[(organisation_id, partner_reference)] = (remittance_id, reference)
    references = iter(draw_references(session, len(orders) - len(sent)))
    sends = []
    for order, pair in zip(orders, pairs, strict=True):
        if pair in sent:
            sends.append(FundedSend(order, *sent[pair], already_sent=True))
        else:
            sends.append(FundedSend(order, str(uuid.uuid4()), next(references), False))
    return sends


def complete(
    session: Session,
    sends: Sequence[FundedSend],
    results: Sequence[ledger.PostedEntry | DomainError],
) -> None:
    """Write the remittances whose entry went through, awaiting payout, and text their codes.

    ``results`` are the ledger's answers to ``send.draft()`` of each send not
    already sent, in the same order. A refused entry writes no remittance.
    """
    now = clock.now()
    config = settings(session)
    expires_at = now + timedelta(days=config.REMITTANCE_TTL_DAYS)
    posted = [
        (send, result)
        for send, result in zip([s for s in sends if not s.already_sent], results, strict=True)
        if isinstance(result, ledger.PostedEntry)
    ]
    if not posted:
        return
    drawn = draw_codes(session, len(posted))
    languages = _languages(session, [send.order.recipient_msisdn for send, _ in posted])
    rows, messages = [], []
    for (send, entry), (code, digest) in zip(posted, drawn, strict=True):
        order = send.order
        rows.append(
            {
                "id": send.remittance_id,
                "reference": send.reference,
                "source": "partner",
                "status": AWAITING,
                "channel": order.channel,
                "payout_method": "cash",
                "amount": order.amount,
                "fee": 0,
                "fx_fee": 0,
                "send_commission": 0,
                "payout_commission": 0,
                "currency": order.currency,
                "initiator_id": order.organisation_id,
                "sender_name": order.organisation_name[:NAME_MAX],
                "recipient_name": order.recipient_name[:NAME_MAX],
                "recipient_msisdn": order.recipient_msisdn,
                "partner_id": order.organisation_id,
                "partner_reference": order.reference,
                "code_hash": digest,
                "entry_id": entry.id,
                "created_at": now,
                "confirmed_at": now,
                "expires_at": expires_at,
                "meta": {"funding_account": order.funding_account},
            }
        )
        messages.append(
            OutgoingDraft(
                to=order.recipient_msisdn,
                template="sms.remittance.code",
                language=languages.get(order.recipient_msisdn, config.DEFAULT_LANGUAGE),
                params={
                    "amount": format_amount(order.amount),
                    "sender": short(order.organisation_name),
                    "reference": send.reference,
                },
                secret=code,
                purpose="remittance",
                dedupe_key=f"remittance:{send.remittance_id}:code",
            )
        )
    insert_rows(session, Remittance.__table__, rows)
    send_many(session, messages)


def draw_references(session: Session, count: int) -> list[str]:
    """``count`` free remittance references."""
    return draw_unique(session, Remittance.reference, count, new_candidate)


def draw_codes(session: Session, count: int) -> list[tuple[str, str]]:
    """``count`` codes with their hashes, no hash already taken (10^10 codes: rarely redrawn)."""
    secret_key = settings(session).SECRET_KEY
    by_hash: dict[str, str] = {}

    def candidate() -> str:
        code = codes.new_code()
        digest = codes.code_hash(secret_key, code)
        by_hash[digest] = code
        return digest

    return [
        (by_hash[digest], digest)
        for digest in draw_unique(session, Remittance.code_hash, count, candidate)
    ]


def _languages(session: Session, msisdns: list[str]) -> dict[str, str]:
    """The language of each number that belongs to a customer (others get the default)."""
    found: dict[str, str] = {}
    for chunk in key_chunks(session, sorted(set(msisdns))):
        rows = session.execute(
            select(Customer.msisdn, Customer.language).where(
                any_of(session, Customer.msisdn, chunk)
            )
        )
        found.update({msisdn: language for msisdn, language in rows})
    return found
