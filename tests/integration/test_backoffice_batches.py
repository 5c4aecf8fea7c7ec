"""A payer's batch uploaded in the back office is approved by someone else, once.

The upload is the payer's own submission (same validation, same report) marked
with its uploader; the uploader can never approve it; two approvals racing
start it once and every line is paid once.
"""

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.db import transaction
from app.db.jobs import OutboxJob
from app.disbursements.batches import (
    PROCESS_JOB,
    OwnUpload,
    approve_upload,
    get_batch,
    submit_batch,
    upload_batch,
)
from app.errors import InvalidState
from app.ledger import chart
from app.principal import Principal
from tests import factories
from tests.concurrency import RACERS, race
from tests.e2e.payments_support import available, wallet_of


@pytest.fixture
def setting(runtime):
    """A pension fund holding 1 000 000 FCFA, two pensioners, three operators."""
    with transaction(runtime) as session:
        payer, _key = factories.payer(session, balance=1_000_000)
        people = [
            factories.customer(session, first_name="Retraité", last_name="Test") for _ in range(2)
        ]
        staff = [factories.head_office(session, role="operator") for _ in range(3)]
    items = [
        {"msisdn": p.msisdn, "name": "Retraité Test", "amount": str(50_000 * i)}
        for i, p in enumerate(people, start=1)
    ]
    items.append({"msisdn": "12", "name": "Personne", "amount": "1000"})
    operators = [Principal(role="operator", id=s.id) for s in staff]
    return payer, people, items, operators


def upload(runtime, payer, items, by):
    with transaction(runtime) as session:
        batch, created = upload_batch(
            session, payer.id, reference="PENSIONS-2026-12", items=items, by=by
        )
        assert created
        return batch


def count(runtime, model, *where):
    with transaction(runtime) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_upload_is_validated_like_the_payers_own_and_marks_its_uploader(runtime, setting):
    payer, _people, items, (maker, *_others) = setting
    batch = upload(runtime, payer, items, maker)
    assert (batch.total, batch.valid, batch.rejected) == (3, 2, 1)
    assert (batch.status, batch.submitted_by) == ("validated", maker.id)


def test_the_uploader_cannot_approve(runtime, setting):
    payer, _people, items, (maker, *_others) = setting
    batch = upload(runtime, payer, items, maker)
    with pytest.raises(OwnUpload), transaction(runtime) as session:
        approve_upload(session, batch.id, by=maker)
    assert available(runtime, chart.payer(payer.id)) == 1_000_000


def test_a_second_operator_approves_and_the_valid_lines_are_paid(runtime, setting):
    payer, people, items, (maker, checker, _other) = setting
    batch = upload(runtime, payer, items, maker)
    with transaction(runtime) as session:
        approve_upload(session, batch.id, by=checker)
    with transaction(runtime) as session:
        done = get_batch(session, batch.id, payer_id=None)
        assert (done.status, done.completed, done.approved_by) == ("completed", 2, checker.id)
    assert [wallet_of(runtime, p) for p in people] == [50_000, 100_000]
    assert available(runtime, chart.payer(payer.id)) == 850_000


def test_a_batch_the_payer_sent_through_the_api_is_not_approved_here(runtime, setting):
    payer, _people, items, (_maker, checker, _other) = setting
    with transaction(runtime) as session:
        batch, _created = submit_batch(session, payer.id, reference="API-1", items=items)
    with pytest.raises(InvalidState), transaction(runtime) as session:
        approve_upload(session, batch.id, by=checker)


def test_racing_approvals_start_the_batch_once(app, runtime, setting):
    payer, people, items, (maker, checker, other) = setting
    batch = upload(runtime, payer, items, maker)
    approvers = [checker, other]

    outcomes = race(
        app, runtime, RACERS, lambda s, i: approve_upload(s, batch.id, by=approvers[i % 2]).status
    )

    assert set(outcomes) <= {"processing", "completed"}
    approvals = (AuditEvent.action == "disbursement.approve", AuditEvent.target_id == batch.id)
    assert count(runtime, AuditEvent, *approvals) == 1
    # one approval's jobs: one per worker meant to share the batch, queued once
    jobs = count(runtime, OutboxJob, OutboxJob.name == PROCESS_JOB)
    assert jobs == runtime.config.DISBURSEMENT_JOBS
    assert [wallet_of(runtime, p) for p in people] == [50_000, 100_000]
    assert available(runtime, chart.payer(payer.id)) == 850_000
