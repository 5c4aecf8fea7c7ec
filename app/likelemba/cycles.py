"""The cycles of an active group: opening one, pulling contributions, paying the pot.

One cycle is open at a time. Its beneficiary is the first member, in the order
of the member list, who is still in the group and has not received the pot.
Every member still in the group contributes to it, the beneficiary included:
the pot is ``contribution * members``.

``run_group`` is what the collection job does for one group, inside one unit of
work that holds every member's customer row and the group's row
(``locks.lock_group_and_members``):

* the day before the due date, a reminder to each member;
* from the due date, each contribution not yet in is pulled from the wallet
  (wallet → pot). One that cannot be (funds, KYC limits, a frozen wallet) keeps
  its reason (``shortfall``) and its member gets one reminder a day; 48 h after
  the due date the contribution is ``late`` (the group sees it) and is still
  pulled at every later run until it is in: the pot waits for it;
* once every contribution of the cycle is in, the pot goes to the beneficiary
  (pot → wallet) and the next cycle opens, due one period after this one's due
  date; after the last beneficiary the group is ``completed``.

The entries' keys come from the rows (``likelemba:contribution:<id>``,
``likelemba:payout:<cycle id>``) and every state is re-read under the group's
lock, so a job run twice, or by two workers at once, pulls and pays once.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ledger
from app.clock import clock
from app.customers import limits
from app.customers.models import Customer
from app.errors import AccountFrozen, InsufficientFunds, LimitExceeded
from app.ledger import chart
from app.likelemba import notifications
from app.likelemba.locks import lock_group_and_members
from app.likelemba.models import (
    LikelembaContribution,
    LikelembaCycle,
    LikelembaGroup,
    LikelembaMember,
)

GRACE = timedelta(hours=48)
REMIND_BEFORE = timedelta(days=1)
OWED = ("pending", "late")


def add_period(at: datetime, period: str) -> datetime:
    """One week, or one calendar month (the 31st becomes the month's last day), later."""
    if period == "weekly":
        return at + timedelta(days=7)
    month = at.month % 12 + 1
    year = at.year + (1 if at.month == 12 else 0)
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))


def reference(group: LikelembaGroup) -> str:
    """The short code statement lines and receipts quote for a group's movements."""
    return f"LK{group.id.replace('-', '')[:8].upper()}"


def members_of(session: Session, group: LikelembaGroup) -> list[LikelembaMember]:
    return list(
        session.scalars(
            select(LikelembaMember)
            .where(LikelembaMember.group_id == group.id)
            .order_by(LikelembaMember.position)
        )
    )


def in_group(members: list[LikelembaMember]) -> list[LikelembaMember]:
    return [m for m in members if m.status == "accepted"]


def next_beneficiary(members: list[LikelembaMember]) -> LikelembaMember | None:
    """The first member in list order still in the group who has not had the pot."""
    return next((m for m in in_group(members) if m.received_at is None), None)


def open_cycle_of(session: Session, group: LikelembaGroup) -> LikelembaCycle | None:
    return session.scalar(
        select(LikelembaCycle).where(
            LikelembaCycle.group_id == group.id, LikelembaCycle.status == "open"
        )
    )


def contributions_of(session: Session, cycle: LikelembaCycle) -> list[LikelembaContribution]:
    return list(
        session.scalars(
            select(LikelembaContribution)
            .join(LikelembaMember, LikelembaMember.id == LikelembaContribution.member_id)
            .where(LikelembaContribution.cycle_id == cycle.id)
            .order_by(LikelembaMember.position)
        )
    )


def open_cycle(
    session: Session,
    group: LikelembaGroup,
    members: list[LikelembaMember],
    number: int,
    due_at: datetime,
) -> LikelembaCycle:
    """Cycle ``number``: its beneficiary and one contribution per member in the group."""
    beneficiary = next_beneficiary(members)
    assert beneficiary is not None  # callers open a cycle only while someone awaits the pot
    cycle = LikelembaCycle(
        group_id=group.id,
        number=number,
        beneficiary_id=beneficiary.id,
        status="open",
        due_at=due_at,
    )
    session.add(cycle)
    session.flush()
    for member in in_group(members):
        session.add(
            LikelembaContribution(
                cycle_id=cycle.id, member_id=member.id, amount=group.contribution, status="pending"
            )
        )
    session.flush()
    return cycle


def run_group(session: Session, group_id: str) -> None:
    """One pass of the collection job over one group (see the module's docstring)."""
    group = lock_group_and_members(session, group_id)
    if group.status != "active":
        return
    cycle = open_cycle_of(session, group)
    if cycle is None:
        return
    now = clock.now()
    contributions = contributions_of(session, cycle)
    if now < cycle.due_at:
        if now >= cycle.due_at - REMIND_BEFORE:
            for contribution in contributions:
                if contribution.status in OWED:
                    notifications.reminder(
                        session,
                        group,
                        contribution.id,
                        _customer(session, contribution),
                        cycle.due_at,
                    )
        return
    for contribution in contributions:
        if contribution.status in OWED:
            collect(session, group, cycle, contribution, now)
    settle_if_complete(session, group, cycle)


def _customer(session: Session, contribution: LikelembaContribution) -> Customer:
    member = session.get(LikelembaMember, contribution.member_id)
    assert member is not None  # a contribution's member row is never deleted
    customer = session.get(Customer, member.customer_id)
    assert customer is not None  # nor its customer
    return customer


def collect(
    session: Session,
    group: LikelembaGroup,
    cycle: LikelembaCycle,
    contribution: LikelembaContribution,
    now: datetime,
) -> bool:
    """Pull one contribution from its member's wallet into the pot; False if it cannot be."""
    customer = _customer(session, contribution)
    try:
        if customer.status == "frozen":
            raise AccountFrozen("This account is frozen.")
        limits.check_outgoing(session, customer, contribution.amount)
        entry = ledger.post_entry(
            session,
            key=f"likelemba:contribution:{contribution.id}",
            kind="likelemba_contribution",
            legs=[
                ledger.debit(chart.wallet(customer.id), contribution.amount),
                ledger.credit(chart.likelemba_pot(group.id), contribution.amount),
            ],
            reference=reference(group),
            meta={
                "type": "likelemba_contribution",
                "group_id": group.id,
                "cycle": cycle.number,
                "to": {"name": group.name, "msisdn": None},
            },
        )
    except (InsufficientFunds, LimitExceeded, AccountFrozen) as exc:
        contribution.shortfall = exc.code
        late_from = cycle.due_at + GRACE
        if now >= late_from:
            if contribution.status == "pending":
                contribution.status = "late"
                contribution.late_at = now
            notifications.late(session, group, contribution.id, customer)
        else:
            days = (now - cycle.due_at) // timedelta(days=1)
            notifications.short(session, group, contribution.id, customer, late_from, days)
        session.flush()
        return False
    contribution.status = "collected"
    contribution.collected_at = now
    contribution.entry_id = entry.id
    contribution.shortfall = None
    session.flush()
    notifications.collected(session, group, contribution.id, customer, cycle.number)
    return True


def settle_if_complete(session: Session, group: LikelembaGroup, cycle: LikelembaCycle) -> bool:
    """Pay the pot when every contribution of the cycle is in; True once paid."""
    if cycle.status != "open" or clock.now() < cycle.due_at:
        return False
    contributions = contributions_of(session, cycle)
    if any(c.status in OWED for c in contributions):
        return False
    return pay_out(session, group, cycle, contributions)


def pay_out(
    session: Session,
    group: LikelembaGroup,
    cycle: LikelembaCycle,
    contributions: list[LikelembaContribution],
) -> bool:
    """Pot → the beneficiary's wallet, within its KYC balance cap; then the next cycle.

    A wallet the pot would take above its cap (or a frozen one) does not get it:
    the pot stays, the cycle says why (``payout_blocked``), the beneficiary is
    texted once, and every later run tries again (docs/API.md).
    """
    amount = sum(c.amount for c in contributions if c.status == "collected")
    winner_member = session.get(LikelembaMember, cycle.beneficiary_id)
    assert winner_member is not None  # the beneficiary's row is never deleted
    winner = session.get(Customer, winner_member.customer_id)
    assert winner is not None
    try:
        if winner.status == "frozen":
            raise AccountFrozen("This account is frozen.")
        limits.check_incoming(session, winner, amount)
    except (LimitExceeded, AccountFrozen) as exc:
        first_time = cycle.payout_blocked is None
        cycle.payout_blocked = "balance_limit" if isinstance(exc, LimitExceeded) else exc.code
        if first_time and isinstance(exc, LimitExceeded):
            notifications.payout_blocked(session, group, cycle, winner, amount)
        session.flush()
        return False
    now = clock.now()
    entry = ledger.post_entry(
        session,
        key=f"likelemba:payout:{cycle.id}",
        kind="likelemba_payout",
        legs=[
            ledger.debit(chart.likelemba_pot(group.id), amount),
            ledger.credit(chart.wallet(winner.id), amount),
        ],
        reference=reference(group),
        meta={
            "type": "likelemba_payout",
            "group_id": group.id,
            "cycle": cycle.number,
            "from": {"name": group.name, "msisdn": None},
        },
    )
    cycle.status = "paid"
    cycle.paid_out_at = now
    cycle.payout_amount = amount
    cycle.payout_entry_id = entry.id
    cycle.payout_blocked = None
    winner_member.received_at = now
    session.flush()
    members = members_of(session, group)
    for member in in_group(members):
        customer = session.get(Customer, member.customer_id)
        assert customer is not None
        notifications.paid_out(session, group, cycle, customer, winner)
    if next_beneficiary(members) is None:
        group.status = "completed"
        group.completed_at = now
    else:
        open_cycle(
            session, group, members, cycle.number + 1, add_period(cycle.due_at, group.period)
        )
    session.flush()
    return True


def due_group_ids(session: Session, limit: int = 1000) -> list[str]:
    """Active groups whose open cycle is due tomorrow or earlier, oldest due first."""
    horizon = clock.now() + REMIND_BEFORE
    return list(
        session.scalars(
            select(LikelembaCycle.group_id)
            .join(LikelembaGroup, LikelembaGroup.id == LikelembaCycle.group_id)
            .where(
                LikelembaCycle.status == "open",
                LikelembaCycle.due_at <= horizon,
                LikelembaGroup.status == "active",
            )
            .order_by(LikelembaCycle.due_at)
            .limit(limit)
        )
    )
