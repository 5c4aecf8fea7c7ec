"""Likelemba groups: creating one, answering the invitation, leaving, reading.

Rules (docs/API.md, "Postal savings (livret d'épargne) and likelemba groups"):

* A group has 3 to 30 members, the creator first; every number must be an active
  PostCash customer (an unknown or frozen number is ``recipient_not_found``,
  naming the number's place in the list): the pot is paid into wallets and the
  contributions pulled from them, so a member without a wallet could do
  neither. The creator has accepted by creating; the others are invited by SMS
  and answer in the app or on USSD.
* When everyone has accepted the group is ``active`` and cycle 1 opens, due one
  period later. A single decline cancels the group (``cancelled``): the
  rotation everyone agreed to no longer exists, and nothing was collected yet.
* A member may leave an active group only before receiving the pot; they get
  back their contribution to the open cycle (earlier contributions went to
  earlier beneficiaries). The rotation closes up: later members move one turn
  earlier, and every later cycle collects one contribution fewer. A member who
  received the pot owes the cycles still to come and cannot leave
  (``likelemba_debt_outstanding``). The last member awaiting the pot cannot
  leave either (the group ends with their turn), nor can a member whose leaving
  would leave fewer than two.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ledger
from app.clock import clock
from app.customers import limits
from app.customers.models import Customer
from app.customers.msisdn import mask_msisdn, try_normalize_msisdn
from app.customers.service import ensure_can_transact
from app.db import settings
from app.errors import InvalidState, RecipientNotFound, ValidationFailed
from app.ledger import chart
from app.likelemba import cycles, notifications
from app.likelemba.errors import (
    DebtOutstanding,
    GroupNotActive,
    GroupNotFound,
    NotAMember,
    NotInvited,
)
from app.likelemba.locks import lock_group_and_members
from app.likelemba.models import (
    MAX_CONTRIBUTION,
    MAX_MEMBERS,
    MIN_MEMBERS,
    PERIODS,
    LikelembaContribution,
    LikelembaCycle,
    LikelembaGroup,
    LikelembaMember,
)


def _member_numbers(session: Session, creator: Customer, members: list[Any]) -> list[str]:
    if not isinstance(members, list) or not MIN_MEMBERS <= len(members) <= MAX_MEMBERS:
        raise ValidationFailed(
            {"members": [f"Between {MIN_MEMBERS} and {MAX_MEMBERS} members, the creator first."]}
        )
    regions = settings(session).ALLOWED_REGIONS
    numbers: list[str] = []
    for index, raw in enumerate(members):
        e164 = try_normalize_msisdn(raw, regions)
        if e164 is None:
            raise ValidationFailed({"members": {str(index): ["Not a valid mobile number."]}})
        if e164 in numbers:
            raise ValidationFailed({"members": {str(index): ["This number is already listed."]}})
        numbers.append(e164)
    if numbers[0] != creator.msisdn:
        raise ValidationFailed({"members": {"0": ["The creator's own number comes first."]}})
    return numbers


def create_group(
    session: Session,
    creator: Customer,
    *,
    name: str,
    contribution: int,
    period: str,
    members: list[Any],
) -> LikelembaGroup:
    """A ``forming`` group; the creator has accepted, the others are invited by SMS."""
    ensure_can_transact(creator)
    if isinstance(contribution, bool) or not isinstance(contribution, int):
        raise ValidationFailed({"contribution": ["Must be a positive integer amount."]})
    if not 0 < contribution <= MAX_CONTRIBUTION:
        raise ValidationFailed({"contribution": [f"Between 1 and {MAX_CONTRIBUTION}."]})
    if period not in PERIODS:
        raise ValidationFailed({"period": [f"One of {', '.join(PERIODS)}."]})
    clean_name = " ".join(str(name).split())
    if not clean_name:
        raise ValidationFailed({"name": ["A name is required."]})
    numbers = _member_numbers(session, creator, members)
    customers = {
        c.msisdn: c for c in session.scalars(select(Customer).where(Customer.msisdn.in_(numbers)))
    }
    for index, number in enumerate(numbers):
        found = customers.get(number)
        if found is None or found.status == "frozen":
            raise RecipientNotFound(
                "No active PostCash customer at this number.",
                msisdn=mask_msisdn(number),
                errors={"members": {str(index): ["No active PostCash customer at this number."]}},
            )
    now = clock.now()
    group = LikelembaGroup(
        name=clean_name,
        contribution=contribution,
        currency=settings(session).CURRENCY,
        period=period,
        status="forming",
        creator_id=creator.id,
        created_at=now,
    )
    session.add(group)
    session.flush()
    ledger.open_account(
        session,
        chart.likelemba_pot(group.id),
        "liability",
        group.currency,
        name=f"Likelemba {clean_name}"[:120],
    )
    rows = []
    for position, number in enumerate(numbers, start=1):
        is_creator = position == 1
        row = LikelembaMember(
            group_id=group.id,
            customer_id=customers[number].id,
            msisdn=number,
            position=position,
            status="accepted" if is_creator else "invited",
            accepted_at=now if is_creator else None,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    for row in rows[1:]:
        notifications.invite(session, group, row.id, customers[row.msisdn], creator, len(rows))
    return group


def _membership(
    session: Session, group_id: str, customer: Customer
) -> tuple[LikelembaGroup, LikelembaMember]:
    """The group (customer rows and group row locked) and the caller's own member row;
    GroupNotFound for anyone who is not on its list, so ids leak nothing."""
    if not isinstance(group_id, str) or len(group_id) > 36:
        raise GroupNotFound()
    if session.get(LikelembaGroup, group_id) is None:
        raise GroupNotFound()
    group = lock_group_and_members(session, group_id)
    member = session.scalar(
        select(LikelembaMember).where(
            LikelembaMember.group_id == group.id, LikelembaMember.customer_id == customer.id
        )
    )
    if member is None:
        raise GroupNotFound()
    return group, member


def _customer_of(session: Session, member: LikelembaMember) -> Customer:
    customer = session.get(Customer, member.customer_id)
    assert customer is not None  # members are customers (foreign key)
    return customer


def accept(session: Session, customer: Customer, group_id: str) -> LikelembaGroup:
    """Join; the last acceptance starts the group. Accepting again changes nothing."""
    group, member = _membership(session, group_id, customer)
    if member.status == "accepted" and group.status in ("forming", "active"):
        return group
    if group.status != "forming" or member.status != "invited":
        raise NotInvited()
    ensure_can_transact(customer)
    now = clock.now()
    member.status = "accepted"
    member.accepted_at = now
    session.flush()
    members = cycles.members_of(session, group)
    if all(m.status == "accepted" for m in members):
        group.status = "active"
        group.started_at = now
        cycle = cycles.open_cycle(session, group, members, 1, cycles.add_period(now, group.period))
        first = _customer_of(session, members[0])
        for m in members:
            notifications.started(session, group, _customer_of(session, m), cycle, first)
    session.flush()
    return group


def decline(session: Session, customer: Customer, group_id: str) -> LikelembaGroup:
    """Refuse: the group is cancelled. Declining again changes nothing."""
    group, member = _membership(session, group_id, customer)
    if member.status == "declined" and group.status == "cancelled":
        return group
    if group.status != "forming" or member.status not in ("invited", "accepted"):
        raise NotInvited()
    now = clock.now()
    member.status = "declined"
    member.declined_at = now
    group.status = "cancelled"
    group.cancelled_at = now
    session.flush()
    for m in cycles.members_of(session, group):
        if m.id != member.id:
            notifications.cancelled(session, group, _customer_of(session, m), customer)
    return group


def leave(session: Session, customer: Customer, group_id: str) -> LikelembaGroup:
    """Leave an active group before receiving the pot (see the module's docstring)."""
    group, member = _membership(session, group_id, customer)
    if group.status != "active":
        raise GroupNotActive()
    if member.status != "accepted":
        raise NotAMember()
    if member.received_at is not None:
        raise DebtOutstanding(
            "You received the pot: you owe the contributions of the cycles still to come."
        )
    members = cycles.members_of(session, group)
    staying = [m for m in cycles.in_group(members) if m.id != member.id]
    if len(staying) < 2:
        raise InvalidState("A group cannot go on with fewer than two members.")
    if all(m.received_at is not None for m in staying):
        raise InvalidState("Yours is the last turn: the group ends when you receive the pot.")
    cycle = cycles.open_cycle_of(session, group)
    if cycle is not None:
        own = session.scalar(
            select(LikelembaContribution).where(
                LikelembaContribution.cycle_id == cycle.id,
                LikelembaContribution.member_id == member.id,
            )
        )
        if own is not None:
            _give_back(session, group, own, customer)
    now = clock.now()
    member.status = "left"
    member.left_at = now
    session.flush()
    if cycle is not None and cycle.beneficiary_id == member.id:
        following = cycles.next_beneficiary(cycles.members_of(session, group))
        assert following is not None  # checked above: someone staying awaits the pot
        cycle.beneficiary_id = following.id
        cycle.payout_blocked = None
        session.flush()
    for m in staying:
        notifications.left(session, group, _customer_of(session, m), customer)
    if cycle is not None:
        cycles.settle_if_complete(session, group, cycle)
    return group


def _give_back(
    session: Session, group: LikelembaGroup, own: LikelembaContribution, customer: Customer
) -> None:
    """The leaver's contribution to the open cycle: refunded if collected, else dropped.

    The refund is the customer's own money coming back at their own request: it
    is held to the wallet's balance cap like any credit (``limit_exceeded``,
    ``limit: balance``), and the member may leave once there is room.
    """
    if own.status == "collected":
        limits.check_incoming(session, customer, own.amount)
        entry = ledger.post_entry(
            session,
            key=f"likelemba:refund:{own.id}",
            kind="likelemba_refund",
            legs=[
                ledger.debit(chart.likelemba_pot(group.id), own.amount),
                ledger.credit(chart.wallet(customer.id), own.amount),
            ],
            reference=cycles.reference(group),
            meta={
                "type": "likelemba_refund",
                "group_id": group.id,
                "from": {"name": group.name, "msisdn": None},
            },
        )
        own.status = "refunded"
        own.refund_entry_id = entry.id
        session.flush()
        notifications.refunded(session, group, own.id, customer, own.amount)
    elif own.status in cycles.OWED:
        own.status = "cancelled"
        session.flush()


# --- Reading -------------------------------------------------------------------------


def get_group(session: Session, group_id: str, *, role: str, viewer_id: str) -> LikelembaGroup:
    """The group for one of its members (any status) or an admin; GroupNotFound otherwise."""
    group = session.get(LikelembaGroup, group_id) if isinstance(group_id, str) else None
    if group is None:
        raise GroupNotFound()
    if role == "admin":
        return group
    if role == "customer" and session.scalar(
        select(LikelembaMember.id).where(
            LikelembaMember.group_id == group.id, LikelembaMember.customer_id == viewer_id
        )
    ):
        return group
    raise GroupNotFound()


def list_groups(
    session: Session, *, role: str, viewer_id: str, limit: int, after: str | None
) -> tuple[list[LikelembaGroup], str | None]:
    """Groups newest first (a member's own, or all for an admin); the next cursor value."""
    query = select(LikelembaGroup)
    if role != "admin":
        query = query.join(LikelembaMember, LikelembaMember.group_id == LikelembaGroup.id).where(
            LikelembaMember.customer_id == viewer_id
        )
    if after is not None:
        created, _, group_id = after.partition("|")
        query = query.where(
            (LikelembaGroup.created_at < _parse(created))
            | ((LikelembaGroup.created_at == _parse(created)) & (LikelembaGroup.id < group_id))
        )
    rows = list(
        session.scalars(
            query.order_by(LikelembaGroup.created_at.desc(), LikelembaGroup.id.desc()).limit(
                limit + 1
            )
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = f"{rows[-1].created_at.isoformat()}|{rows[-1].id}" if more and rows else None
    return rows, cursor


def _parse(value: str) -> Any:
    from datetime import datetime

    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed({"cursor": ["Not a cursor returned by this endpoint."]}) from exc


def group_view(session: Session, group: LikelembaGroup) -> dict[str, Any]:
    """The group as its members see it: who is in, whose turn, who is late, every cycle."""
    members = cycles.members_of(session, group)
    by_id = {m.id: m for m in members}
    names = {
        c.id: c.display_name
        for c in session.scalars(
            select(Customer).where(Customer.id.in_([m.customer_id for m in members]))
        )
    }
    cycle_rows = list(
        session.scalars(
            select(LikelembaCycle)
            .where(LikelembaCycle.group_id == group.id)
            .order_by(LikelembaCycle.number)
        )
    )
    open_cycle = next((c for c in cycle_rows if c.status == "open"), None)
    late_ids: set[str] = set()
    cycle_views = []
    for cycle in cycle_rows:
        contributions = cycles.contributions_of(session, cycle)
        if cycle.status == "open":
            late_ids = {c.member_id for c in contributions if c.status == "late"}
        collected = sum(c.amount for c in contributions if c.status == "collected")
        cycle_views.append(
            {
                "number": cycle.number,
                "status": cycle.status,
                "beneficiary": by_id[cycle.beneficiary_id].msisdn,
                "due_at": cycle.due_at,
                "collected": collected,
                "paid_out_at": cycle.paid_out_at,
                "payout_blocked": cycle.payout_blocked,
                "contributions": [
                    {
                        "msisdn": by_id[c.member_id].msisdn,
                        "amount": c.amount,
                        "status": c.status,
                        "collected_at": c.collected_at,
                        "late_at": c.late_at,
                        "shortfall": c.shortfall,
                    }
                    for c in contributions
                ],
            }
        )
    following = by_id[open_cycle.beneficiary_id] if open_cycle else cycles.next_beneficiary(members)
    return {
        "id": group.id,
        "name": group.name,
        "status": group.status,
        "contribution": group.contribution,
        "currency": group.currency,
        "period": group.period,
        "pot": ledger.balance(session, chart.likelemba_pot(group.id)).posted,
        "next_beneficiary": following.msisdn if following and group.status != "completed" else None,
        "late": sorted(by_id[i].msisdn for i in late_ids),
        "members": [
            {
                "msisdn": m.msisdn,
                "name": names.get(m.customer_id),
                "position": m.position,
                "accepted": m.status in ("accepted", "left"),
                "status": m.status,
                "received_at": m.received_at,
                "late": m.id in late_ids,
            }
            for m in members
        ],
        "cycles": cycle_views,
        "created_at": group.created_at,
        "started_at": group.started_at,
        "completed_at": group.completed_at,
        "cancelled_at": group.cancelled_at,
    }


def groups_for(session: Session, customer: Customer) -> list[LikelembaGroup]:
    """The groups the customer is in (accepted) that are forming or running, newest first."""
    return list(
        session.scalars(
            select(LikelembaGroup)
            .join(LikelembaMember, LikelembaMember.group_id == LikelembaGroup.id)
            .where(
                LikelembaMember.customer_id == customer.id,
                LikelembaMember.status == "accepted",
                LikelembaGroup.status.in_(("forming", "active")),
            )
            .order_by(LikelembaGroup.created_at.desc(), LikelembaGroup.id)
        )
    )


def invitations_for(session: Session, customer: Customer) -> list[LikelembaGroup]:
    """Forming groups waiting for the customer's answer, newest first."""
    return list(
        session.scalars(
            select(LikelembaGroup)
            .join(LikelembaMember, LikelembaMember.group_id == LikelembaGroup.id)
            .where(
                LikelembaMember.customer_id == customer.id,
                LikelembaMember.status == "invited",
                LikelembaGroup.status == "forming",
            )
            .order_by(LikelembaGroup.created_at.desc(), LikelembaGroup.id)
        )
    )
