"""Likelemba against concurrency on PostgreSQL: a contribution and a P2P send racing for
one wallet never overdraw it, and a cycle pays out once however many workers run the job."""

import pytest
from sqlalchemy import func, select

from app import fees
from app.customers.service import get_customer
from app.db import settings
from app.ledger.models import Entry
from app.likelemba import service
from app.likelemba.cycles import run_group
from app.likelemba.models import LikelembaContribution, LikelembaMember
from app.transfers import p2p
from app.transfers.models import Transfer
from tests import factories
from tests.concurrency import RACERS, committed, race, together
from tests.likelemba_support import available, formed, people, pot, run_job

pytestmark = pytest.mark.postgres_only


def count(runtime, query):
    return committed(runtime, lambda s: int(s.scalar(query) or 0))


def test_a_contribution_and_sends_racing_for_one_wallet_never_overdraw_it(app, runtime, clock):
    trio = people(runtime, 2)
    fee = committed(runtime, lambda s: fees.quote(settings(s), "p2p", 10_000).fee)
    chantal = people(runtime, 1, balance=10_000 + fee)[0]  # enough for one of the racers
    group_id = formed(runtime, [*trio, chantal])
    clock.advance(days=7)

    def work(session, i):
        if i == 0:
            run_group(session, group_id)
            return "job"
        payer = get_customer(session, chantal.id)
        return p2p.send_with_pin(
            session,
            payer,
            to=trio[0].msisdn,
            amount=10_000,
            pin=factories.PIN,
            client_key=factories.key("ussd"),
        ).status

    outcomes = race(app, runtime, RACERS, work)  # the job, and her sends from many phones
    sent = count(
        runtime,
        select(func.count()).where(
            Transfer.from_customer_id == chantal.id, Transfer.status == "completed"
        ),
    )
    status = committed(
        runtime,
        lambda s: s.scalar(
            select(LikelembaContribution.status)
            .join(LikelembaMember, LikelembaMember.id == LikelembaContribution.member_id)
            .where(LikelembaMember.customer_id == chantal.id)
        ),
    )
    assert available(runtime, chantal) >= 0
    # Exactly one racer took her money: one send, or her contribution.
    assert (sent, status) in [(1, "pending"), (0, "collected")], (outcomes, sent, status)
    assert available(runtime, chantal) == (0 if sent else fee)


def test_workers_running_the_job_at_once_pay_the_cycle_once(app, runtime, clock):
    trio = people(runtime, 3)
    group_id = formed(runtime, trio)
    clock.advance(days=7)

    outcomes = together(RACERS, lambda i: _run_in_context(app))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    payouts = count(runtime, select(func.count()).where(Entry.kind == "likelemba_payout"))
    contributions = count(
        runtime, select(func.count()).where(Entry.kind == "likelemba_contribution")
    )
    assert (payouts, contributions) == (1, 3)
    assert available(runtime, trio[0]) == 100_000 - 10_000 + 30_000
    assert pot(runtime, group_id) == 0


def _run_in_context(app):
    with app.app_context():
        return run_job()


def test_runs_of_one_group_racing_pay_once(app, runtime, clock):
    trio = people(runtime, 3)
    group_id = formed(runtime, trio)
    clock.advance(days=7)
    race(app, runtime, RACERS, lambda session, i: run_group(session, group_id))
    payouts = count(runtime, select(func.count()).where(Entry.kind == "likelemba_payout"))
    assert payouts == 1


def test_a_member_leaving_while_the_job_runs_loses_at_most_a_paid_cycle(app, runtime, clock):
    four = people(runtime, 4)
    group_id = formed(runtime, four)
    clock.advance(days=7)

    def work(session, i):
        if i % 2 == 0:
            run_group(session, group_id)
            return "job"
        return service.leave(session, get_customer(session, four[3].id), group_id).status

    outcomes = race(app, runtime, RACERS, work)  # runs of the job, and her leaves from many phones

    leaves = outcomes[1::2]
    assert leaves.count("active") == 1, outcomes  # she left once; the other leaves are refused
    assert set(leaves) - {"active"} == {"invalid_state"}, outcomes  # NotAMember
    payouts = count(runtime, select(func.count()).where(Entry.kind == "likelemba_payout"))
    assert payouts == 1
    mine = committed(
        runtime,
        lambda s: list(
            s.scalars(
                select(LikelembaContribution.status)
                .join(LikelembaMember, LikelembaMember.id == LikelembaContribution.member_id)
                .where(LikelembaMember.customer_id == four[3].id)
            )
        ),
    )
    # Either she left first (her contribution to cycle 1 dropped, never pulled), or a job
    # paid cycle 1 first: her contribution went to its beneficiary, as the rules say
    # (app/likelemba/service.py), and the one to cycle 2 is dropped. Never pulled twice,
    # never pulled after she left.
    assert sorted(mine) in (["cancelled"], ["cancelled", "collected"]), mine
    assert available(runtime, four[3]) == 100_000 - 10_000 * mine.count("collected")
