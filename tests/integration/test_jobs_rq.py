"""The job path through a real Redis and a real rq worker (``SimpleWorker``, burst mode).

Each test gets its own queue name, so suites running side by side on one Redis
database never pick up each other's jobs.
"""

from __future__ import annotations

import uuid

import pytest
from rq import SimpleWorker
from rq.job import Job
from sqlalchemy import select

from app.db import transaction
from app.db.jobs import OutboxJob
from app.db.queue import URGENT
from app.notify import SmsMessage, send_sms
from app.notify.gateways import SERVICE_NAME, AfricasTalkingGateway, recording_outbox
from tests.conftest import need_env
from tests.fake_africastalking import Answer, FakeProvider
from workers.outbox import DRAIN_AFTER, drain
from workers.schedule import SWEEPS, enqueue_due_sweeps

TO = "+242061234567"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def config_overrides():
    return {"REDIS_URL": need_env("TEST_REDIS_URL")}


@pytest.fixture
def queue(runtime):
    """The urgent queue (codes) of this test's own namespace; every queue is forgotten after."""
    runtime.queue.use_namespace(f"test-{uuid.uuid4().hex[:12]}-")
    yield runtime.queue.rq_queue(URGENT)
    for rq_queue in runtime.queue.rq_queues():
        forget_queue(rq_queue)


def forget_queue(rq_queue):
    registries = [
        rq_queue.started_job_registry,
        rq_queue.finished_job_registry,
        rq_queue.failed_job_registry,
        rq_queue.scheduled_job_registry,
        rq_queue.deferred_job_registry,
        rq_queue.canceled_job_registry,
    ]
    job_ids = set(rq_queue.get_job_ids())
    for registry in registries:
        job_ids.update(registry.get_job_ids())
    for job_id in job_ids:
        rq_queue.connection.delete(Job.key_for(job_id))
    for registry in registries:
        rq_queue.connection.delete(registry.key)
    rq_queue.delete(delete_jobs=True)


def work(rq_queue):
    SimpleWorker([rq_queue], connection=rq_queue.connection).work(burst=True)


def release_scheduled(rq_queue):
    """What rq's scheduler does once a retry's backoff has passed."""
    registry = rq_queue.scheduled_job_registry
    released = 0
    for job_id in registry.get_job_ids():
        job = Job.fetch(job_id, connection=rq_queue.connection)
        registry.remove(job)
        rq_queue.enqueue_job(job)
        released += 1
    return released


def send():
    with transaction() as session:
        return send_sms(
            session,
            to=TO,
            template="sms.otp.withdrawal",
            language="fr",
            params={"amount": "5 000 FCFA", "minutes": 15},
            secret="482913",
            purpose="otp",
        ).id


def load(runtime, model, ident=None):
    with runtime.unit_of_work() as uow:
        row = uow.session.get(model, ident) if ident else uow.session.scalars(select(model)).one()
        uow.session.expunge(row)
        return row


def test_an_sms_waits_in_redis_until_a_worker_sends_it(runtime, queue):
    message_id = send()
    outbox_id = load(runtime, OutboxJob).id
    assert queue.get_job_ids() == [runtime.queue.job_id(outbox_id)]
    assert recording_outbox(runtime) == []
    work(queue)
    ((to, text),) = recording_outbox(runtime)
    assert to == TO
    assert "482913" in text
    assert load(runtime, SmsMessage, message_id).status == "sent"
    assert load(runtime, OutboxJob).status == "done"


def test_a_provider_5xx_is_retried_by_rq_until_it_goes_through(runtime, queue):
    provider = FakeProvider().start()
    try:
        runtime.services[SERVICE_NAME] = AfricasTalkingGateway(
            "postcash", "key", base_url=provider.base_url
        )
        provider.answers.append(Answer(500, "Internal Server Error", "text/plain"))
        message_id = send()
        work(queue)
        message = load(runtime, SmsMessage, message_id)
        assert (message.status, message.attempts) == ("queued", 1)
        assert load(runtime, OutboxJob).status == "retrying"
        (job_id,) = queue.scheduled_job_registry.get_job_ids()
        assert Job.fetch(job_id, connection=queue.connection).retries_left == 4

        assert release_scheduled(queue) == 1
        work(queue)
    finally:
        provider.stop()
    message = load(runtime, SmsMessage, message_id)
    assert (message.status, message.attempts, message.provider_message_id) == (
        "sent",
        2,
        "ATXid_0001",
    )
    assert load(runtime, OutboxJob).status == "done"
    assert len(provider.requests) == 2


def test_redis_down_at_commit_leaves_the_job_in_the_outbox_until_drained(runtime, queue, clock):
    working_url = runtime.queue.redis_url
    runtime.queue.use_redis(UNREACHABLE_REDIS)
    message_id = send()
    assert load(runtime, OutboxJob).status == "pending"

    runtime.queue.use_redis(working_url)
    assert drain(runtime) == 0  # too fresh: its own dispatch may still be on the way
    clock.advance(seconds=DRAIN_AFTER.total_seconds() + 1)
    assert drain(runtime) == 1
    assert drain(runtime) == 0  # already waiting in rq: not handed over twice
    work(queue)
    assert load(runtime, SmsMessage, message_id).status == "sent"
    assert len(recording_outbox(runtime)) == 1


def test_sweeps_are_enqueued_once_per_period(queue):
    now = 7_200.0
    first = enqueue_due_sweeps(queue, now)
    assert sorted(first) == sorted(
        f"{queue.name}-sweep-{name}-{int(now // every)}" for name, (_, every) in SWEEPS.items()
    )
    assert enqueue_due_sweeps(queue, now + 1) == []
    next_minute = enqueue_due_sweeps(queue, now + 60)
    assert f"{queue.name}-sweep-outbox-drain-{int((now + 60) // 15)}" in next_minute  # every 15 s
    assert not any("-sweep-idempotency-purge-" in job_id for job_id in next_minute)


def test_the_registered_sweeps_run_in_the_worker(runtime, queue):
    enqueued = enqueue_due_sweeps(queue, 7_200.0)
    work(queue)
    assert sorted(queue.finished_job_registry.get_job_ids()) == sorted(enqueued)
    assert queue.failed_job_registry.get_job_ids() == []
