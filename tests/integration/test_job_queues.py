"""Jobs by urgency through a real Redis and rq: a code never waits behind receipts.

Each test puts its queues under a namespace of its own, so suites sharing one
Redis database never take each other's jobs.
"""

from __future__ import annotations

import uuid

import pytest
from rq import SimpleWorker
from rq.job import Job
from sqlalchemy import select

from app.db import transaction
from app.db.jobs import OutboxJob
from app.db.queue import PRIORITY, SWEEPS, URGENT
from app.notify import send_sms
from app.notify.gateways import recording_outbox
from tests.conftest import need_env
from workers.schedule import enqueue_due_sweeps

OTP_TO = "+242069999999"

pytestmark = pytest.mark.redis


@pytest.fixture
def config_overrides():
    return {"REDIS_URL": need_env("TEST_REDIS_URL")}


@pytest.fixture
def queues(runtime):
    runtime.queue.use_namespace(f"test-{uuid.uuid4().hex[:12]}-")
    queues = runtime.queue.rq_queues()
    yield queues
    for rq_queue in queues:
        for job_id in rq_queue.get_job_ids() + rq_queue.finished_job_registry.get_job_ids():
            rq_queue.connection.delete(Job.key_for(job_id))
        rq_queue.connection.delete(rq_queue.finished_job_registry.key)
        rq_queue.delete(delete_jobs=True)


def receipt(session, n):
    send_sms(
        session,
        to=f"+24206{n:07d}",
        template="sms.welcome",
        language="fr",
        params={"first_name": "Awa"},
        purpose="receipt",
    )


def test_an_otp_enqueued_after_a_thousand_receipts_is_sent_first(runtime, queues):
    with transaction(runtime) as session:
        for n in range(1_000):
            receipt(session, n)
    with transaction(runtime) as session:
        send_sms(
            session,
            to=OTP_TO,
            template="sms.otp.withdrawal",
            language="fr",
            params={"amount": "5 000 FCFA", "minutes": 15},
            secret="482913",
            purpose="otp",
        )
    assert [q.count for q in queues] == [0, 1, 1_000, 0]  # sweeps, urgent, default, bulk

    SimpleWorker(queues, connection=queues[0].connection).work(burst=True, max_jobs=1)

    ((to, text),) = recording_outbox(runtime)
    assert to == OTP_TO
    assert "482913" in text


def test_the_worker_listens_to_the_queues_in_priority_order(runtime, queues):
    assert [q.name for q in queues] == [runtime.queue.name_of(name) for name in PRIORITY]
    assert PRIORITY == ("sweeps", "urgent", "default", "bulk")


def test_each_outbox_row_remembers_its_queue(runtime, queues):
    with transaction(runtime) as session:
        receipt(session, 1)
        send_sms(
            session,
            to=OTP_TO,
            template="sms.otp.withdrawal",
            language="fr",
            params={"amount": "5 000 FCFA", "minutes": 15},
            secret="482913",
            purpose="otp",
        )
    with transaction(runtime) as session:
        assert sorted(session.scalars(select(OutboxJob.queue))) == ["default", URGENT]


def test_sweeps_wait_on_their_own_queue_not_behind_receipts(runtime, queues):
    with transaction(runtime) as session:
        for n in range(50):
            receipt(session, n)
    sweeps = runtime.queue.rq_queue(SWEEPS)
    enqueued = enqueue_due_sweeps(sweeps, 7_200.0)

    SimpleWorker(queues, connection=sweeps.connection).work(burst=True, max_jobs=len(enqueued))

    assert sorted(sweeps.finished_job_registry.get_job_ids()) == sorted(enqueued)
    assert recording_outbox(runtime) == []
