"""The SMS of a likelemba group: invitations, reminders, receipts, each sent once.

Every text has a dedupe key made of what it is about (the member, the
contribution, the cycle, and for the daily shortfall reminder the day since the
due date), so a collection job that runs twice, or two workers running it at
once, never text anyone twice. Names are cut so the longest text fits one SMS
(tests/unit/test_likelemba_texts.py).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app import ledger
from app.customers.models import Customer
from app.db import settings
from app.ledger import chart
from app.likelemba.models import LikelembaCycle, LikelembaGroup
from app.money import format_amount
from app.notify.gsm import gsm_cut

GROUP_CUT = 20
NAME_CUT = 24


def group_name(group: LikelembaGroup) -> str:
    return gsm_cut(group.name, GROUP_CUT)


def person(customer: Customer) -> str:
    return gsm_cut(customer.display_name, NAME_CUT)


def day(session: Session, at: datetime) -> str:
    return at.astimezone(ZoneInfo(settings(session).TIMEZONE)).strftime("%d/%m")


def _balance(session: Session, customer: Customer) -> str:
    return format_amount(ledger.balance(session, chart.wallet(customer.id)).available)


def _send(
    session: Session, customer: Customer, template: str, dedupe_key: str, **params: object
) -> None:
    from app.notify.service import send_sms

    send_sms(
        session,
        to=customer.msisdn,
        template=template,
        language=customer.language,
        params=dict(params),
        purpose="likelemba",
        dedupe_key=dedupe_key,
    )


def invite(
    session: Session, group: LikelembaGroup, member_id: str, to: Customer, creator: Customer, n: int
) -> None:
    _send(
        session,
        to,
        f"sms.likelemba.invite.{group.period}",
        f"likelemba:invite:{member_id}",
        name=person(creator),
        group=group_name(group),
        amount=format_amount(group.contribution, group.currency),
        members=n,
    )


def started(
    session: Session, group: LikelembaGroup, to: Customer, cycle: LikelembaCycle, first: Customer
) -> None:
    _send(
        session,
        to,
        "sms.likelemba.started",
        f"likelemba:started:{group.id}:{to.id}",
        group=group_name(group),
        amount=format_amount(group.contribution, group.currency),
        date=day(session, cycle.due_at),
        name=person(first),
    )


def cancelled(session: Session, group: LikelembaGroup, to: Customer, by: Customer) -> None:
    _send(
        session,
        to,
        "sms.likelemba.cancelled",
        f"likelemba:cancelled:{group.id}:{to.id}",
        group=group_name(group),
        name=person(by),
    )


def left(session: Session, group: LikelembaGroup, to: Customer, who: Customer) -> None:
    _send(
        session,
        to,
        "sms.likelemba.left",
        f"likelemba:left:{group.id}:{who.id}:{to.id}",
        group=group_name(group),
        name=person(who),
    )


def reminder(
    session: Session, group: LikelembaGroup, contribution_id: str, to: Customer, due: datetime
) -> None:
    """The day before the due date: keep the contribution on the wallet."""
    _send(
        session,
        to,
        "sms.likelemba.reminder",
        f"likelemba:reminder:{contribution_id}",
        group=group_name(group),
        amount=format_amount(group.contribution, group.currency),
        date=day(session, due),
    )


def short(
    session: Session,
    group: LikelembaGroup,
    contribution_id: str,
    to: Customer,
    late_from: datetime,
    days_due: int,
) -> None:
    """A pull failed (funds, limits): one text a day until the member is late."""
    _send(
        session,
        to,
        "sms.likelemba.short",
        f"likelemba:short:{contribution_id}:{days_due}",
        group=group_name(group),
        amount=format_amount(group.contribution, group.currency),
        date=day(session, late_from),
    )


def late(session: Session, group: LikelembaGroup, contribution_id: str, to: Customer) -> None:
    _send(
        session,
        to,
        "sms.likelemba.late",
        f"likelemba:late:{contribution_id}",
        group=group_name(group),
        amount=format_amount(group.contribution, group.currency),
    )


def collected(
    session: Session, group: LikelembaGroup, contribution_id: str, to: Customer, number: int
) -> None:
    _send(
        session,
        to,
        "sms.likelemba.collected",
        f"likelemba:collected:{contribution_id}",
        group=group_name(group),
        amount=format_amount(group.contribution, group.currency),
        number=number,
        balance=_balance(session, to),
    )


def refunded(
    session: Session, group: LikelembaGroup, contribution_id: str, to: Customer, amount: int
) -> None:
    _send(
        session,
        to,
        "sms.likelemba.refunded",
        f"likelemba:refunded:{contribution_id}",
        group=group_name(group),
        amount=format_amount(amount, group.currency),
        balance=_balance(session, to),
    )


def paid_out(
    session: Session, group: LikelembaGroup, cycle: LikelembaCycle, to: Customer, winner: Customer
) -> None:
    """The receipt of a payout: the beneficiary's own, and everyone else's."""
    amount = format_amount(cycle.payout_amount or 0, group.currency)
    if to.id == winner.id:
        _send(
            session,
            to,
            "sms.likelemba.payout",
            f"likelemba:payout:{cycle.id}:{to.id}",
            group=group_name(group),
            amount=amount,
            number=cycle.number,
            balance=_balance(session, to),
        )
        return
    _send(
        session,
        to,
        "sms.likelemba.payout_others",
        f"likelemba:payout:{cycle.id}:{to.id}",
        group=group_name(group),
        amount=amount,
        number=cycle.number,
        name=person(winner),
    )


def payout_blocked(
    session: Session, group: LikelembaGroup, cycle: LikelembaCycle, to: Customer, amount: int
) -> None:
    """The pot waits: the beneficiary's wallet would pass its balance cap."""
    _send(
        session,
        to,
        "sms.likelemba.payout_blocked",
        f"likelemba:blocked:{cycle.id}",
        group=group_name(group),
        amount=format_amount(amount, group.currency),
    )
