"""A likelemba runs to its end through the scheduled job, with the clock moved by hand.

Five members (Awa, Bruno, Chantal, Didier, Esther) put 10 000 FCFA a week each;
the pot of 50 000 goes to each in list order. Chantal holds just one
contribution: on the second due date she is short, gets reminders, is late
after 48 h, and the pot waits for her until she tops up.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.customers.models import Customer
from app.db import transaction
from app.ledger import chart, run_checks
from app.ledger.models import Entry, Posting
from app.likelemba.models import LikelembaContribution, LikelembaCycle
from tests import factories
from tests.likelemba_support import (
    available,
    entries,
    formed,
    people,
    pot,
    run_job,
    texts_to,
    view,
)
from workers.in_process import InProcessSweeps


def payouts_by_wallet(runtime):
    with transaction(runtime) as session:
        rows = session.execute(
            select(Posting.account_id, Posting.amount)
            .join(Entry, Entry.id == Posting.entry_id)
            .where(Entry.kind == "likelemba_payout", Posting.side == "credit")
        ).all()
        from app.ledger.models import Account

        codes = {a.id: a.code for a in session.scalars(select(Account))}
    return [(codes[account], amount) for account, amount in rows]


def test_a_likelemba_of_five_runs_to_its_end_with_one_member_late_once(app, runtime, clock):
    members = people(runtime, 2) + people(runtime, 1, balance=10_000) + people(runtime, 2)
    awa, bruno, chantal = members[0], members[1], members[2]
    group_id = formed(runtime, members)
    sweeps = InProcessSweeps(app)
    start = clock.now()

    clock.advance(days=6)  # the eve of cycle 1
    sweeps.tick()
    assert all(any("prélevée demain" in t for t in texts_to(runtime, m.msisdn)) for m in members)

    clock.advance(days=1)  # cycle 1 due: everyone pays, Awa gets the pot
    sweeps.tick()
    assert pot(runtime, group_id) == 0
    assert payouts_by_wallet(runtime) == [(chart.wallet(awa.id), 50_000)]

    clock.set(start + timedelta(days=14))  # cycle 2 due: Chantal's wallet is empty
    sweeps.tick()
    assert pot(runtime, group_id) == 40_000
    assert any("solde insuffisant" in t for t in texts_to(runtime, chantal.msisdn))
    assert view(runtime, group_id)["late"] == []

    clock.advance(days=1)
    sweeps.tick()
    shortfalls = [t for t in texts_to(runtime, chantal.msisdn) if "solde insuffisant" in t]
    assert len(shortfalls) == 2  # one reminder a day

    clock.advance(days=1)  # 48 h after the due date: late, and the group sees it
    sweeps.tick()
    group = view(runtime, group_id)
    assert group["late"] == [chantal.msisdn]
    assert [m["late"] for m in group["members"]] == [False, False, True, False, False]
    assert any("en retard" in t for t in texts_to(runtime, chantal.msisdn))
    assert pot(runtime, group_id) == 40_000  # the pot waits

    with transaction(runtime) as session:  # Chantal tops up at the counter
        factories.fund(session, chart.wallet(chantal.id), 40_000)
    clock.advance(hours=1)
    sweeps.tick()  # her late contribution is pulled, and Bruno gets the pot
    assert payouts_by_wallet(runtime)[-1] == (chart.wallet(bruno.id), 50_000)
    assert view(runtime, group_id)["late"] == []

    for week in (3, 4, 5):
        clock.set(start + timedelta(days=7 * week))
        sweeps.tick()

    group = view(runtime, group_id)
    assert group["status"] == "completed"
    assert group["next_beneficiary"] is None
    assert [c["beneficiary"] for c in group["cycles"]] == [m.msisdn for m in members]
    assert all(c["status"] == "paid" and c["collected"] == 50_000 for c in group["cycles"])
    assert sorted(payouts_by_wallet(runtime)) == sorted(
        (chart.wallet(m.id), 50_000) for m in members
    )  # every member paid exactly once
    assert pot(runtime, group_id) == 0
    with transaction(runtime) as session:
        late = session.scalars(
            select(LikelembaContribution).where(LikelembaContribution.late_at.is_not(None))
        ).all()
        assert [c.amount for c in late] == [10_000]  # late once
        assert all(r.ok for r in run_checks(session)), run_checks(session)
    # Everyone paid five contributions and received one pot: back where they started.
    assert [available(runtime, m) for m in members] == [100_000, 100_000, 50_000, 100_000, 100_000]
    receipts = [t for t in texts_to(runtime, chantal.msisdn) if "le pot de 50 000 FCFA" in t]
    assert len(receipts) == 5  # a receipt of every payout, hers included


def test_the_job_run_twice_pays_a_cycle_once_and_texts_once(runtime, clock):
    trio = people(runtime, 3)
    formed(runtime, trio)
    clock.advance(days=7)
    run_job()
    texts = [len(texts_to(runtime, m.msisdn)) for m in trio]
    run_job()
    assert entries(runtime, "likelemba_payout") == 1
    assert entries(runtime, "likelemba_contribution") == 3
    assert [len(texts_to(runtime, m.msisdn)) for m in trio] == texts


def test_nothing_is_pulled_before_the_due_date(runtime, clock):
    trio = people(runtime, 3)
    group_id = formed(runtime, trio)
    clock.advance(days=6, hours=23)
    run_job()
    assert entries(runtime, "likelemba_contribution") == 0
    assert pot(runtime, group_id) == 0


def test_a_monthly_group_is_due_one_calendar_month_after_the_last_acceptance(runtime, clock):
    trio = people(runtime, 3)
    clock.set(datetime(2027, 1, 31, 8, 0, tzinfo=UTC))
    group_id = formed(runtime, trio, period="monthly")
    due = view(runtime, group_id)["cycles"][0]["due_at"]
    assert due == datetime(2027, 2, 28, 8, 0, tzinfo=UTC)


# --- The beneficiary's wallet at its KYC cap ------------------------------------------


def test_a_pot_that_would_pass_the_balance_cap_waits_and_is_paid_once_there_is_room(runtime, clock):
    awa = people(runtime, 1, balance=190_000)[0]  # basic tier: at most 200 000
    others = people(runtime, 2)
    group_id = formed(runtime, [awa, *others])
    clock.advance(days=7)
    run_job()  # 180 000 after her contribution + a pot of 30 000 > 200 000
    cycle = view(runtime, group_id)["cycles"][0]
    assert cycle["status"] == "open" and cycle["payout_blocked"] == "balance_limit"
    assert pot(runtime, group_id) == 30_000
    assert any("plafond" in t for t in texts_to(runtime, awa.msisdn))
    run_job()
    assert sum("plafond" in t for t in texts_to(runtime, awa.msisdn)) == 1  # told once

    with transaction(runtime) as session:  # her KYC is upgraded at the post office
        session.get(Customer, awa.id).kyc_tier = "standard"
    clock.advance(minutes=15)
    run_job()
    cycle = view(runtime, group_id)["cycles"][0]
    assert cycle["status"] == "paid" and cycle["payout_blocked"] is None
    assert available(runtime, awa) == 210_000 and pot(runtime, group_id) == 0


def test_a_member_over_a_kyc_limit_is_short_like_one_without_funds(runtime, clock):
    trio = people(runtime, 3)
    group_id = formed(runtime, trio, contribution=150_000, name="Grosse tontine")
    with transaction(runtime) as session:
        for m in trio:
            factories.fund(session, chart.wallet(m.id), 60_000)
    clock.advance(days=7)
    run_job()  # 150 000 is above a basic customer's single payment of 100 000
    contributions = view(runtime, group_id)["cycles"][0]["contributions"]
    assert {c["shortfall"] for c in contributions} == {"limit_exceeded"}
    assert pot(runtime, group_id) == 0
    with transaction(runtime) as session:
        cycle = session.scalars(select(LikelembaCycle)).one()
        assert cycle.status == "open"


# --- The ledger check ------------------------------------------------------------------


def failing_checks(runtime):
    with transaction(runtime) as session:
        return {r.name: r.offending for r in run_checks(session) if not r.ok}


def test_the_ledger_check_holds_while_the_pot_waits_for_a_late_member(runtime, clock):
    members = people(runtime, 2) + people(runtime, 1, balance=0)
    group_id = formed(runtime, members)
    clock.advance(days=9)
    run_job()
    assert pot(runtime, group_id) == 20_000
    assert failing_checks(runtime) == {}


@pytest.mark.ledger_broken
def test_the_ledger_check_names_a_pot_that_differs_from_its_open_cycle(runtime, clock):
    trio = people(runtime, 3)
    group_id = formed(runtime, trio)
    with transaction(runtime) as session:  # money slipped into the pot behind the cycle's back
        factories.fund(session, chart.likelemba_pot(group_id), 5_000)
    failing = failing_checks(runtime)
    assert failing["likelemba_pots_match_open_cycles"] == [
        {
            "account": chart.likelemba_pot(group_id),
            "posted": 5_000,
            "pending": [0, 0],
            "collected_in_open_cycle": 0,
        }
    ]
