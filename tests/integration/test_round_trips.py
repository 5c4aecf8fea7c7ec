"""Round trips of the paths people wait on: a P2P create, its confirmation, the
USSD paying screen (issue 21).

Each count is every statement the request sends to the database (the ORM's,
the ledger's on the driver's cursor, the pool's pre-ping), from the first byte
to the answer; jobs are only handed over (as to rq), not run, so what is
counted is the request's own work. The bounds are today's counts: a change that
adds a round trip to one of these paths fails here and must say why, or find
the round trip a home elsewhere (a query that already runs, after the answer).
"""

import uuid

import pyotp
import pytest

from app.db import transaction
from app.db.statements import StatementCount, count_statements
from tests import factories
from tests.e2e.ussd_support import Phone

# Per backend: PostgreSQL claims the idempotency key inside the request's
# transaction (app/api/idempotency.py), reads the KYC caps from a running counter
# (app/customers/outflow.py) and pre-pings a pooled connection;
# SQLite commits the claim first and opens each transaction with BEGIN IMMEDIATE.
# Before issue 21 (PostgreSQL): create 32, confirm 27, USSD paying screen 40.
# Create and confirm: the OTP challenge written once and not read back (issue 21).
BOUNDS = {
    "postgresql": {"create": 21, "confirm": 15, "ussd_pay": 29},
    "sqlite": {"create": 30, "confirm": 18, "ussd_pay": 36},
}


@pytest.fixture
def jobs_handed_over(runtime):
    """Jobs stay in the outbox after the commit, as when rq takes them: not run here."""
    handed: list[int] = []
    runtime.queue.runner = handed.append
    return handed


@pytest.fixture
def people(runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=100_000)
        bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
    return awa, bruno


def counted(runtime, call):
    with count_statements(runtime.database.engine, keep_texts=True) as count:
        response = call()
    return response, count


def within(count: StatementCount, bound: int) -> bool:
    return count.total <= bound


def code_of(runtime, transfer_id: str) -> str:
    """The code the sender's phone received, recomputed as the handset's SMS shows it."""
    from app.otp.models import Challenge
    from app.otp.service import DIGITS, _seed
    from app.transfers.models import Transfer

    with runtime.unit_of_work() as uow:
        transfer = uow.session.get(Transfer, transfer_id)
        challenge = uow.session.get(Challenge, transfer.challenge_id)
        return pyotp.HOTP(_seed(uow.session, challenge.subject_id), digits=DIGITS).at(
            challenge.counter
        )


def create(client, headers, to):
    return client.post(
        "/api/v1/transfers",
        json={"type": "p2p", "to": to, "amount": 5_000},
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
    )


def test_a_p2p_create_stays_within_its_round_trips(
    app, runtime, client, people, jobs_handed_over, backend
):
    awa, bruno = people
    headers = factories.headers_for(app, awa)
    create(client, headers, bruno.msisdn)  # caches warm, as in a running server

    response, count = counted(runtime, lambda: create(client, headers, bruno.msisdn))

    assert response.status_code == 201, response.get_json()
    assert within(count, BOUNDS[backend]["create"]), count.summary()
    assert jobs_handed_over  # the OTP's SMS went to the queue after the commit


def test_a_p2p_confirm_stays_within_its_round_trips(
    app, runtime, client, people, jobs_handed_over, backend
):
    awa, bruno = people
    headers = factories.headers_for(app, awa)
    transfer_id = create(client, headers, bruno.msisdn).get_json()["id"]
    code = code_of(runtime, transfer_id)

    response, count = counted(
        runtime,
        lambda: client.post(
            f"/api/v1/transfers/{transfer_id}/confirm", json={"otp": code}, headers=headers
        ),
    )

    assert response.get_json()["status"] == "completed"
    assert within(count, BOUNDS[backend]["confirm"]), count.summary()


def test_the_ussd_paying_screen_stays_within_its_round_trips(
    runtime, client, people, jobs_handed_over, backend
):
    awa, bruno = people
    phone = Phone(client, awa.msisdn)
    phone.run("1", bruno.msisdn[4:], "5000", "1")

    screen, count = counted(runtime, lambda: phone.send(factories.PIN))

    assert screen.startswith("END Envoi réussi : 5 000 FCFA"), screen
    assert within(count, BOUNDS[backend]["ussd_pay"]), count.summary()


def test_the_counter_sees_the_ledgers_own_statements(runtime, people, backend):
    """The ledger writes an entry on the driver's cursor on PostgreSQL: a count
    that missed it would pin a number lower than the truth."""
    from app import ledger
    from app.ledger import chart

    awa, bruno = people
    with (
        count_statements(runtime.database.engine, keep_texts=True) as count,
        transaction(runtime) as session,
    ):
        ledger.post_entry(
            session,
            key=factories.key("count"),
            kind="p2p",
            legs=[
                ledger.debit(chart.wallet(awa.id), 100),
                ledger.credit(chart.wallet(bruno.id), 100),
            ],
        )
    assert any("ledger_entries" in text for text in count.texts), count.texts
