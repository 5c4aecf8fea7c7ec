"""Workers share a batch's chunks: each line is paid once, and a dead worker's chunk is
taken up again.

Six pensioners with wallets, paid in chunks of two lines. Worker A claims the first
chunk and is held inside it (its lines locked, nothing committed) while worker B runs:
B must take the other lines without waiting for A, and leave A's alone. The batch is
completed by whichever worker finds nothing left to pay, claimed or not.
"""

import threading

import pytest
from sqlalchemy import func, select, text, update

from app.db import transaction
from app.disbursements import processing
from app.disbursements.models import DisbursementBatch, DisbursementLine
from app.ledger import chart
from app.ledger.models import Entry
from tests import factories
from tests.concurrency import RACERS
from tests.e2e.payments_support import available, wallet_of
from workers.disbursements import process_batch

pytestmark = pytest.mark.postgres_only

AMOUNTS = [10_000, 20_000, 30_000, 40_000, 50_000, 60_000]
WAIT = 30  # seconds before a test gives up on a worker that never reached its step


@pytest.fixture
def batch(runtime, monkeypatch):
    """An approved batch of six wallet lines, paid two lines per chunk."""
    from app.disbursements.batches import submit_batch

    monkeypatch.setattr(processing, "CHUNK", 2)
    with transaction(runtime) as session:
        payer, _key = factories.payer(session, balance=1_000_000)
        people = [
            factories.customer(session, first_name="Retraité", last_name="Test") for _ in AMOUNTS
        ]
        items = [
            {"msisdn": p.msisdn, "name": "Retraité Test", "amount": a, "reference": f"P-{i}"}
            for i, (p, a) in enumerate(zip(people, AMOUNTS, strict=True), start=1)
        ]
        created, _ = submit_batch(session, payer.id, reference="PENSIONS", items=items)
        created.status = "processing"  # approved; its jobs are run by hand below
    return payer, people, created.id


def held_inside_first_chunk(monkeypatch):
    """Make the first chunk to claim lines stop there, its lines locked, until released.

    Returns (claimed, release): set when that worker holds its lines; set to let it go on.
    """
    claimed, release = threading.Event(), threading.Event()
    real = processing._within_limits
    first = threading.Lock()

    def holding(session, lines):
        if first.acquire(blocking=False):
            claimed.set()
            assert release.wait(WAIT), "the test never released worker A"
        return real(session, lines)

    monkeypatch.setattr(processing, "_within_limits", holding)
    return claimed, release


def line_states(runtime, batch_id):
    with transaction(runtime) as session:
        return dict(
            session.execute(
                select(DisbursementLine.line, DisbursementLine.status)
                .where(DisbursementLine.batch_id == batch_id)
                .order_by(DisbursementLine.line)
            ).all()
        )


def entries(runtime, batch_id):
    with transaction(runtime) as session:
        return session.scalar(
            select(func.count())
            .select_from(Entry)
            .where(Entry.idempotency_key.like(f"disbursement:{batch_id}:%"))
        )


def in_thread(app, target):
    errors: list[BaseException] = []

    def run():
        with app.app_context():
            try:
                target()
            except BaseException as exc:  # reported by the test, not lost in the thread
                errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_a_second_worker_pays_the_lines_the_first_does_not_hold(app, runtime, monkeypatch, batch):
    payer, people, batch_id = batch
    claimed, release = held_inside_first_chunk(monkeypatch)
    worker_a, errors = in_thread(app, lambda: process_batch(batch_id))
    assert claimed.wait(WAIT)

    process_batch(batch_id)  # worker B, while A holds lines 1-2

    assert line_states(runtime, batch_id) == {
        1: "valid",
        2: "valid",
        3: "completed",
        4: "completed",
        5: "completed",
        6: "completed",
    }
    with transaction(runtime) as session:
        assert session.get(DisbursementBatch, batch_id).status == "processing"  # A's to finish
    release.set()
    worker_a.join(WAIT)
    assert errors == []

    with transaction(runtime) as session:
        done = session.get(DisbursementBatch, batch_id)
        assert (done.status, done.completed, done.rejected, done.paid_amount) == (
            "completed",
            6,
            0,
            sum(AMOUNTS),
        )
    assert [wallet_of(runtime, p) for p in people] == AMOUNTS
    assert available(runtime, chart.payer(payer.id)) == 1_000_000 - sum(AMOUNTS)
    assert entries(runtime, batch_id) == 6


def test_workers_racing_on_a_batch_pay_each_line_exactly_once(app, runtime, batch):
    payer, people, batch_id = batch
    barrier = threading.Barrier(RACERS)

    def worker():
        barrier.wait(WAIT)
        process_batch(batch_id)

    workers = [in_thread(app, worker) for _ in range(RACERS)]
    for thread, _errors in workers:
        thread.join(WAIT)

    assert [errors for _thread, errors in workers] == [[]] * RACERS
    assert [wallet_of(runtime, p) for p in people] == AMOUNTS
    assert available(runtime, chart.payer(payer.id)) == 1_000_000 - sum(AMOUNTS)
    assert entries(runtime, batch_id) == 6
    with transaction(runtime) as session:
        done = session.get(DisbursementBatch, batch_id)
        assert (done.status, done.completed, done.paid_amount) == ("completed", 6, sum(AMOUNTS))


def test_a_worker_killed_inside_its_chunk_leaves_the_batch_to_resume_without_paying_twice(
    app, runtime, monkeypatch, batch
):
    payer, people, batch_id = batch
    claimed, release = held_inside_first_chunk(monkeypatch)
    backend: list[int] = []
    real_claim = processing.claim_lines

    def claim_noting_the_connection(session, *args):
        if not backend:
            backend.append(session.scalar(text("SELECT pg_backend_pid()")))
        return real_claim(session, *args)

    monkeypatch.setattr(processing, "claim_lines", claim_noting_the_connection)
    worker_a, errors = in_thread(app, lambda: process_batch(batch_id))
    assert claimed.wait(WAIT)

    # The worker's process dies: its connection goes, the server rolls its chunk back.
    with transaction(runtime) as session:
        assert session.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend[0]})
    release.set()
    worker_a.join(WAIT)
    assert len(errors) == 1  # worker A's job failed with its connection

    process_batch(batch_id)  # the batch's other worker, or the resume sweep's job

    assert [wallet_of(runtime, p) for p in people] == AMOUNTS
    assert available(runtime, chart.payer(payer.id)) == 1_000_000 - sum(AMOUNTS)
    assert entries(runtime, batch_id) == 6
    with transaction(runtime) as session:
        done = session.get(DisbursementBatch, batch_id)
        assert (done.status, done.completed, done.paid_amount) == ("completed", 6, sum(AMOUNTS))


def test_a_batch_is_completed_by_the_worker_that_finds_nothing_left(runtime, batch):
    _payer, _people, batch_id = batch
    with transaction(runtime) as session:
        session.execute(
            update(DisbursementLine)
            .where(DisbursementLine.batch_id == batch_id)
            .values(status="rejected", code="duplicate")
        )

    with transaction(runtime) as session:
        assert processing.process_chunk(session, batch_id) is False

    with transaction(runtime) as session:
        assert session.get(DisbursementBatch, batch_id).status == "completed"
