"""After a Redis outage the drain sends what is still useful first and drops dead codes.

Every job committed while Redis was down waits in the outbox. When Redis is
back, codes still valid go first, newest first (the customer who asked last is
still at the counter); receipts follow, oldest first; a code already dead is
marked failed without being sent (the customer asks for a new one: RENVOI).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from rq import SimpleWorker
from rq.job import Job

from app.db import transaction
from app.db.jobs import OutboxJob
from app.db.queue import URGENT
from app.notify import SmsMessage, send_sms
from app.notify.gateways import recording_outbox
from tests.conftest import need_env
from workers.outbox import DRAIN_AFTER, drain, drain_after_outage

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"

pytestmark = pytest.mark.redis


@pytest.fixture
def config_overrides():
    return {"REDIS_URL": need_env("TEST_REDIS_URL")}


@pytest.fixture
def redis_down(runtime):
    """Redis unreachable until the test calls the fixture's value (``back()``)."""
    working_url = runtime.queue.redis_url
    runtime.queue.use_namespace(f"test-{uuid.uuid4().hex[:12]}-")
    runtime.queue.use_redis(UNREACHABLE_REDIS)
    yield lambda: runtime.queue.use_redis(working_url)
    runtime.queue.use_redis(working_url)
    for rq_queue in runtime.queue.rq_queues():
        for job_id in rq_queue.get_job_ids() + rq_queue.finished_job_registry.get_job_ids():
            rq_queue.connection.delete(Job.key_for(job_id))
        rq_queue.connection.delete(rq_queue.finished_job_registry.key)
        rq_queue.delete(delete_jobs=True)


def code_sms(to, code, clock, minutes):
    with transaction() as session:
        return send_sms(
            session,
            to=to,
            template="sms.otp.withdrawal",
            language="fr",
            params={"amount": "5 000 FCFA", "minutes": minutes},
            secret=code,
            purpose="otp",
            expires_at=clock.now() + timedelta(minutes=minutes),
        ).id


def receipt_sms(to):
    with transaction() as session:
        return send_sms(
            session,
            to=to,
            template="sms.welcome",
            language="fr",
            params={"first_name": "Awa"},
            purpose="receipt",
        ).id


def status_of(runtime, message_id):
    with runtime.unit_of_work() as uow:
        message = uow.session.get(SmsMessage, message_id)
        return message.status, message.failure_reason


def work(runtime):
    queues = runtime.queue.rq_queues()
    SimpleWorker(queues, connection=queues[0].connection).work(burst=True)


def test_valid_codes_go_first_newest_first_then_receipts_oldest_first(runtime, redis_down, clock):
    older_code = code_sms("+242060000001", "111111", clock, minutes=10)
    first_receipt = receipt_sms("+242060000002")
    clock.advance(seconds=30)
    newer_code = code_sms("+242060000003", "333333", clock, minutes=10)
    second_receipt = receipt_sms("+242060000004")
    redis_down()
    clock.advance(seconds=DRAIN_AFTER.total_seconds() + 1)

    assert drain(runtime) == 4
    work(runtime)

    sent = [to for to, _text in recording_outbox(runtime)]
    assert sent == ["+242060000003", "+242060000001", "+242060000002", "+242060000004"]
    for message_id in (older_code, first_receipt, newer_code, second_receipt):
        assert status_of(runtime, message_id)[0] == "sent"


def test_a_code_that_died_during_the_outage_is_marked_and_never_sent(runtime, redis_down, clock):
    dead = code_sms("+242060000001", "111111", clock, minutes=1)
    alive = code_sms("+242060000002", "222222", clock, minutes=10)
    clock.advance(minutes=2)
    redis_down()

    assert drain(runtime) == 1
    work(runtime)

    assert [to for to, _text in recording_outbox(runtime)] == ["+242060000002"]
    assert status_of(runtime, dead) == ("failed", "expired before it could be sent")
    assert status_of(runtime, alive)[0] == "sent"


def test_the_drain_hands_over_every_waiting_job_in_one_go_not_a_batch_a_minute(
    runtime, redis_down, clock
):
    with transaction() as session:
        for n in range(1_203):  # more than two batches
            send_sms(
                session,
                to=f"+2420610{n:05d}",
                template="sms.welcome",
                language="fr",
                params={"first_name": "Awa"},
                purpose="receipt",
            )
    redis_down()
    clock.advance(seconds=DRAIN_AFTER.total_seconds() + 1)

    assert drain(runtime) == 1_203
    assert runtime.queue.rq_queue().count == 1_203


def test_right_after_an_outage_even_fresh_rows_are_handed_over(runtime, redis_down, clock):
    code = code_sms("+242060000001", "111111", clock, minutes=10)
    redis_down()

    assert drain(runtime) == 0  # the regular sweep leaves fresh rows to their own dispatch
    assert drain_after_outage(runtime) == 1
    assert runtime.queue.rq_queue(URGENT).get_job_ids() == [
        runtime.queue.job_id(outbox_id(runtime, code))
    ]


def outbox_id(runtime, message_id):
    with runtime.unit_of_work() as uow:
        for job in uow.session.query(OutboxJob):
            if job.kwargs.get("message_id") == message_id:
                return job.id
    raise AssertionError("no outbox row for that message")


def test_a_retry_lost_with_redis_is_handed_over_again(runtime, redis_down, clock):
    message = receipt_sms("+242060000001")
    with transaction() as session:
        session.get(OutboxJob, outbox_id(runtime, message)).status = "retrying"
    redis_down()  # back, empty: rq's scheduled retry went with it
    clock.advance(seconds=DRAIN_AFTER.total_seconds() + 1)

    assert drain(runtime) == 1
    work(runtime)
    assert status_of(runtime, message)[0] == "sent"
