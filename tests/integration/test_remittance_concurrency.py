"""Real races on PostgreSQL: counters paying one code, payouts against the sweep.

Each racer is made to read the remittance *before* either takes its row lock
(a barrier inside the read), so the race is forced, not hoped for. The row lock
and the guarded transition must then let exactly one of them move the money.
"""

import threading
from functools import partial

import pytest
from sqlalchemy import select

from app import ledger
from app.agents.staff import get_agent
from app.db import transaction
from app.errors import DomainError
from app.ledger import chart
from app.remittances import counter as counter_module
from app.remittances import sweeps
from app.remittances.counter import pay_out, send_cash
from app.remittances.models import Remittance
from tests import factories
from tests.concurrency import RACERS
from workers.remittances import expire_due

pytestmark = pytest.mark.postgres_only

JEAN = "+242069990001"
MARIE = "+242055550001"


@pytest.fixture
def counters(runtime):
    with transaction(runtime) as session:
        return [factories.agent(session, float_balance=100_000) for _ in range(2)]


@pytest.fixture
def remittance_id(app, runtime, counters):
    with transaction(runtime) as session:
        remittance = send_cash(
            session,
            get_agent(session, counters[0].id),
            sender={"name": "Marie Nkounkou", "msisdn": MARIE},
            recipient={"name": "Jean Okemba", "msisdn": JEAN},
            amount=20_000,
        )
    return remittance.id


def run_together(*targets):
    """Run each target in its own thread; the barriers they meet at release them."""
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)


def meet_after(barrier, fn):
    def wrapper(*args, **kwargs):
        result = fn(*args, **kwargs)
        barrier.wait(timeout=10)
        return result

    return wrapper


def meet_before(barrier, fn):
    def wrapper(*args, **kwargs):
        barrier.wait(timeout=10)
        return fn(*args, **kwargs)

    return wrapper


@pytest.fixture
def tellers(runtime):
    """A counter for each racer: a payout locks its counter first (``lock_actor``), so
    racers at one counter queue before they ever read the code; at many they race."""
    with transaction(runtime) as session:
        return [factories.agent(session, float_balance=100_000) for _ in range(RACERS)]


def posted(runtime, code):
    with transaction(runtime) as session:
        return ledger.balance(session, code).posted


def test_counters_paying_the_same_code_at_once_pay_it_once(
    app, runtime, monkeypatch, counters, tellers, remittance_id
):
    code = factories.sms_code(app, JEAN)
    barrier = threading.Barrier(RACERS)
    monkeypatch.setattr(
        counter_module, "find_by_code", meet_after(barrier, counter_module.find_by_code)
    )
    outcomes: list[str] = []

    def pay(agent_id):
        def attempt():
            with app.app_context():
                try:
                    with transaction(runtime) as session:
                        pay_out(
                            session,
                            get_agent(session, agent_id),
                            code=code,
                            recipient_id_type="passport",
                            recipient_id_number="OA1234567",
                        )
                    outcomes.append("paid")
                except DomainError as exc:
                    outcomes.append(exc.code)

        return attempt

    run_together(*(pay(teller.id) for teller in tellers))

    assert sorted(outcomes) == ["invalid_state"] * (RACERS - 1) + ["paid"], outcomes
    floats = sum(posted(runtime, chart.float_account(c.id)) for c in [*counters, *tellers])
    sent = -20_500 + 150  # amount + fee out of the sending float, send commission back
    paid_once = 20_000 + 50  # amount + payout commission into the paying float
    assert floats == (2 + RACERS) * 100_000 + sent + paid_once
    assert posted(runtime, chart.REMIT_PAYABLE) == 0


def test_payouts_racing_the_expiry_sweep_move_the_money_once(
    app, runtime, clock, monkeypatch, tellers, remittance_id
):
    code = factories.sms_code(app, JEAN)
    clock.advance(days=31)
    barrier = threading.Barrier(RACERS)
    monkeypatch.setattr(
        counter_module, "find_by_code", meet_after(barrier, counter_module.find_by_code)
    )
    monkeypatch.setattr(sweeps, "lock_for_refund", meet_before(barrier, sweeps.lock_for_refund))
    outcomes: list[str] = []

    def pay(agent_id):
        with app.app_context():
            try:
                with transaction(runtime) as session:
                    pay_out(
                        session,
                        get_agent(session, agent_id),
                        code=code,
                        recipient_id_type="passport",
                        recipient_id_number="OA1234567",
                    )
                outcomes.append("paid")
            except DomainError as exc:
                outcomes.append(exc.code)

    def sweep():
        with app.app_context():
            outcomes.append(f"swept {expire_due()}")

    run_together(*(partial(pay, teller.id) for teller in tellers[1:]), sweep)

    # A payout that finds the code past its date expires the remittance itself (under its
    # lock) and refuses; the sweep then finds nothing left to do, or did it first.
    assert set(outcomes) - {"swept 0", "swept 1"} == {"invalid_state"}, outcomes
    assert {posted(runtime, chart.float_account(t.id)) for t in tellers[1:]} == {100_000}
    with transaction(runtime) as session:
        returns = session.scalars(
            select(Remittance).where(Remittance.returned_from_id == remittance_id)
        ).all()
    assert len(returns) == 1  # the cash sender's return remittance was issued once
    assert posted(runtime, chart.REMIT_PAYABLE) == 20_000


def test_sweeps_at_once_expire_a_remittance_once(app, runtime, clock, monkeypatch, remittance_id):
    clock.advance(days=31)
    barrier = threading.Barrier(RACERS)
    monkeypatch.setattr(sweeps, "lock_for_refund", meet_before(barrier, sweeps.lock_for_refund))
    counts: list[int] = []

    def sweep():
        with app.app_context():
            counts.append(expire_due())

    run_together(*[sweep] * RACERS)

    assert sorted(counts) == [0] * (RACERS - 1) + [1]
