"""A batch whose worker dies mid-way is resumed, and no line is ever paid twice.

Six pensioners with wallets, 10 000 to 60 000 FCFA each, paid in chunks of two
lines. The "killed worker" raises once the chunk of lines 3-4 has posted its
entries, before its commit: the chunk rolls back, lines 1-2 stay paid, and the
resume sweep (a batch without progress for ten minutes) finishes the job.
"""

import threading

import pytest
from sqlalchemy import func, select, update

from app.db import transaction
from app.disbursements import processing
from app.disbursements.models import DisbursementBatch, DisbursementLine
from app.ledger import chart
from app.ledger.models import Entry
from tests import factories
from tests.concurrency import RACERS
from tests.e2e.cyber_support import API, api_key
from tests.e2e.payments_support import available, wallet_of
from workers.disbursements import process_batch, resume_stalled

AMOUNTS = [10_000, 20_000, 30_000, 40_000, 50_000, 60_000]


class WorkerKilled(Exception):
    """Stands for the worker process dying: nothing after it in the chunk happens."""


@pytest.fixture
def batch(client, runtime, monkeypatch):
    monkeypatch.setattr(processing, "CHUNK", 2)
    with transaction(runtime) as session:
        payer, key = factories.payer(session, balance=1_000_000)
        people = [
            factories.customer(session, first_name="Retraité", last_name="Test") for _ in AMOUNTS
        ]
    items = [
        {"msisdn": p.msisdn, "name": "Retraité Test", "amount": a, "reference": f"P-{i}"}
        for i, (p, a) in enumerate(zip(people, AMOUNTS, strict=True), start=1)
    ]
    response = client.post(
        f"{API}/disbursements/batches",
        json={"reference": "PENSIONS", "items": items},
        headers=api_key(key, factories.key()),
    )
    assert response.get_json()["valid"] == 6
    return payer, key, people, response.get_json()["id"]


def approve(client, key, batch_id):
    return client.post(f"{API}/disbursements/batches/{batch_id}/approve", headers=api_key(key))


def kill_at_line(monkeypatch, line_number):
    """Die once the chunk holding ``line_number`` has posted its entries, before its commit."""
    real = processing._record_transfers

    def dying(session, batch, payer, paid, *args, **kwargs):
        if any(payment.line.line == line_number for payment, _entry in paid):
            raise WorkerKilled()
        return real(session, batch, payer, paid, *args, **kwargs)

    monkeypatch.setattr(processing, "_record_transfers", dying)
    return real


def entries(runtime, batch_id):
    with transaction(runtime) as session:
        return session.scalar(
            select(func.count())
            .select_from(Entry)
            .where(Entry.idempotency_key.like(f"disbursement:{batch_id}:%"))
        )


def progress(client, key, batch_id):
    return client.get(f"{API}/disbursements/batches/{batch_id}", headers=api_key(key)).get_json()


def test_a_killed_worker_leaves_its_chunk_unpaid_and_the_rest_paid(
    client, runtime, monkeypatch, batch
):
    _payer, key, people, batch_id = batch
    kill_at_line(monkeypatch, 4)

    approve(client, key, batch_id)

    state = progress(client, key, batch_id)
    assert (state["status"], state["completed"], state["processed"]) == ("processing", 2, 2)
    assert [wallet_of(runtime, p) for p in people] == [10_000, 20_000, 0, 0, 0, 0]
    assert entries(runtime, batch_id) == 2


def test_the_resume_sweep_finishes_the_batch_paying_each_line_once(
    client, runtime, clock, monkeypatch, batch
):
    payer, key, people, batch_id = batch
    real = kill_at_line(monkeypatch, 4)
    approve(client, key, batch_id)
    monkeypatch.setattr(processing, "_record_transfers", real)

    assert resume_stalled() == 0  # the batch moved less than ten minutes ago
    clock.advance(minutes=11)
    assert resume_stalled() == 1

    state = progress(client, key, batch_id)
    assert (state["status"], state["completed"], state["paid_amount"]) == (
        "completed",
        6,
        sum(AMOUNTS),
    )
    assert [wallet_of(runtime, p) for p in people] == AMOUNTS
    assert available(runtime, chart.payer(payer.id)) == 1_000_000 - sum(AMOUNTS)
    assert entries(runtime, batch_id) == 6


def test_a_line_whose_result_was_lost_is_found_paid_not_paid_again(
    client, runtime, monkeypatch, batch
):
    _payer, key, people, batch_id = batch
    approve(client, key, batch_id)
    with transaction(runtime) as session:
        line = session.get(DisbursementLine, (batch_id, 3))
        transfer_id = line.transfer_id
        session.execute(
            update(DisbursementLine)
            .where(DisbursementLine.batch_id == batch_id, DisbursementLine.line == 3)
            .values(status="valid", transfer_id=None, processed_at=None)
        )
        session.execute(
            update(DisbursementBatch)
            .where(DisbursementBatch.id == batch_id)
            .values(
                status="processing",
                completed=DisbursementBatch.completed - 1,
                paid_amount=DisbursementBatch.paid_amount - AMOUNTS[2],
            )
        )

    process_batch(batch_id)

    with transaction(runtime) as session:
        line = session.get(DisbursementLine, (batch_id, 3))
        assert (line.status, line.transfer_id) == ("completed", transfer_id)
    assert wallet_of(runtime, people[2]) == AMOUNTS[2]
    assert entries(runtime, batch_id) == 6
    assert progress(client, key, batch_id)["paid_amount"] == sum(AMOUNTS)


def test_a_long_batch_continues_in_a_new_job(client, runtime, monkeypatch, batch):
    _payer, key, people, batch_id = batch
    monkeypatch.setattr("workers.disbursements.SLICE_SECONDS", 0.0)

    approve(client, key, batch_id)

    assert progress(client, key, batch_id)["status"] == "completed"
    assert [wallet_of(runtime, p) for p in people] == AMOUNTS


@pytest.mark.postgres_only
def test_workers_on_one_batch_pay_each_line_once(app, client, runtime, monkeypatch, batch):
    _payer, _key, people, batch_id = batch
    with transaction(runtime) as session:
        session.execute(
            update(DisbursementBatch)
            .where(DisbursementBatch.id == batch_id)
            .values(status="processing")
        )
    barrier = threading.Barrier(RACERS)

    def worker():
        with app.app_context():
            barrier.wait()
            process_batch(batch_id)

    threads = [threading.Thread(target=worker) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [wallet_of(runtime, p) for p in people] == AMOUNTS
    assert entries(runtime, batch_id) == 6
