"""Redis dies during payments (a Redis server of this test's own, killed for real).

Money still moves: the database is the record of what must be done, and each
notification waits in the outbox. When Redis is back the drain hands them to
rq and a worker sends each one, once; none is lost.
"""

from __future__ import annotations

import re

import pytest
from rq import SimpleWorker
from sqlalchemy import func, select

from app.db import transaction
from app.db.jobs import OutboxJob
from app.notify.gateways import recording_outbox
from app.notify.models import SmsMessage
from tests import factories
from tests.chaos.harness import RedisServer, tools_available
from tests.conftest import IN_CI
from tests.e2e.payments_support import confirm, post, send_p2p, wallet_of
from workers.outbox import DRAIN_AFTER, drain

pytestmark = pytest.mark.chaos


@pytest.fixture(scope="module")
def own_redis():
    if tools_available():
        if IN_CI:
            pytest.fail(f"chaos tools missing: {tools_available()}")
        pytest.skip(f"chaos tools missing: {tools_available()}")
    server = RedisServer().start()
    yield server
    server.destroy()


@pytest.fixture
def config_overrides(own_redis):
    return {"REDIS_URL": own_redis.url}


@pytest.fixture
def redis_up(own_redis):
    if own_redis.process is None:
        own_redis.start()
    yield own_redis
    if own_redis.process is None:
        own_redis.start()


def count(runtime, model, *where):
    with transaction(runtime) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def transfer_otp(runtime, customer):
    (text,) = [
        text
        for to, text in recording_outbox(runtime)
        if to == customer.msisdn and "confirme l'envoi" in text
    ]
    return re.search(r"code ([0-9]{6})", text).group(1)


def work(runtime):
    queues = runtime.queue.rq_queues()
    SimpleWorker(queues, connection=queues[0].connection).work(burst=True)


def test_payments_move_while_redis_is_down_and_their_sms_follow_once_it_is_back(
    app, runtime, client, redis_up, clock
):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=50_000)
        bruno = factories.customer(session, first_name="Bruno")
        counter = factories.agent(session, float_balance=100_000)
    work(runtime)  # the welcome messages, before the outage
    sent_before = len(recording_outbox(runtime))

    redis_up.kill()
    cash_in = post(
        client, app, counter, "/agent/cash-in", {"msisdn": bruno.msisdn, "amount": 7_000}
    )
    withdrawal = post(client, app, awa, "/withdrawals", {"amount": 2_000})
    created = send_p2p(client, app, awa, bruno.msisdn, 5_000)  # its OTP: the last code to Awa
    assert (cash_in.status_code, created.status_code, withdrawal.status_code) == (201, 201, 201)
    assert wallet_of(runtime, bruno) == 7_000  # the money moved without Redis
    waiting = count(runtime, OutboxJob, OutboxJob.status == "pending")
    assert waiting == count(runtime, SmsMessage, SmsMessage.status == "queued") >= 3

    redis_up.start()
    assert drain(runtime) == 0  # too fresh: their own dispatch might still be on its way
    clock.advance(seconds=DRAIN_AFTER.total_seconds() + 1)
    assert drain(runtime) == waiting
    work(runtime)
    assert count(runtime, SmsMessage, SmsMessage.status == "queued") == 0
    assert count(runtime, OutboxJob, OutboxJob.status != "done") == 0
    assert len(recording_outbox(runtime)) == sent_before + waiting

    # The drain sends the newest codes first: the transfer's OTP went out before the
    # withdrawal code of the same outage, so it is not the last text to Awa.
    confirmed = confirm(client, app, awa, created.get_json()["id"], transfer_otp(runtime, awa))
    assert confirmed.get_json()["status"] == "completed"
    work(runtime)
    texts = [text for _to, text in recording_outbox(runtime)]
    assert len(texts) == len(set(texts)), "an SMS was sent twice"
    assert wallet_of(runtime, bruno) == 12_000


def test_the_drain_does_not_hand_over_twice_what_rq_already_holds(
    app, runtime, client, redis_up, clock
):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=50_000)
        counter = factories.agent(session, float_balance=100_000)
    post(client, app, counter, "/agent/cash-in", {"msisdn": awa.msisdn, "amount": 1_000})
    clock.advance(seconds=DRAIN_AFTER.total_seconds() + 1)
    assert drain(runtime) == 0  # every job reached rq at commit
    work(runtime)
    texts = [text for to, text in recording_outbox(runtime) if to == awa.msisdn]
    assert len(texts) == len(set(texts))
