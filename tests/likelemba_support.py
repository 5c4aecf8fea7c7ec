"""Likelemba groups for tests: members, a group formed through the domain, the job, texts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app import ledger
from app.customers.service import get_customer
from app.db import transaction
from app.ledger import chart
from app.ledger.models import Entry
from app.likelemba import service
from app.likelemba.models import LikelembaGroup
from app.notify.gateways import recording_outbox
from tests import factories

FIRST_NAMES = ["Awa", "Bruno", "Chantal", "Didier", "Esther", "Fabrice", "Grace"]


def people(runtime: Any, n: int, balance: int = 100_000, **kwargs: Any) -> list[Any]:
    """``n`` customers named after FIRST_NAMES, each holding ``balance``."""
    with transaction(runtime) as session:
        return [
            factories.customer(session, balance=balance, first_name=FIRST_NAMES[i], **kwargs)
            for i in range(n)
        ]


def formed(
    runtime: Any,
    members: list[Any],
    *,
    contribution: int = 10_000,
    period: str = "weekly",
    accept: bool = True,
    name: str = "Tontine de Bacongo",
) -> str:
    """A group of ``members`` (the first creates it); every member accepted if ``accept``."""
    with transaction(runtime) as session:
        group = service.create_group(
            session,
            get_customer(session, members[0].id),
            name=name,
            contribution=contribution,
            period=period,
            members=[m.msisdn for m in members],
        )
        group_id = group.id
    if accept:
        for member in members[1:]:
            with transaction(runtime) as session:
                service.accept(session, get_customer(session, member.id), group_id)
    return group_id


def run_job() -> int:
    from workers.likelemba import run_due

    return run_due()


def view(runtime: Any, group_id: str) -> dict[str, Any]:
    with transaction(runtime) as session:
        group = session.get(LikelembaGroup, group_id)
        assert group is not None
        return service.group_view(session, group)


def available(runtime: Any, customer: Any) -> int:
    with transaction(runtime) as session:
        return ledger.balance(session, chart.wallet(customer.id)).available


def pot(runtime: Any, group_id: str) -> int:
    with transaction(runtime) as session:
        return ledger.balance(session, chart.likelemba_pot(group_id)).posted


def entries(runtime: Any, kind: str) -> int:
    with transaction(runtime) as session:
        return int(session.scalar(select(func.count()).where(Entry.kind == kind)) or 0)


def texts_to(runtime: Any, msisdn: str) -> list[str]:
    return [body for to, body in recording_outbox(runtime) if to == msisdn]
