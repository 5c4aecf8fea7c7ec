"""Messages racing on PostgreSQL: a provider id is handled once, a number's budget holds.

Each thread is its own request (app context, unit of work); a barrier lines them
up so they really race for the same rows.
"""

import pytest
from sqlalchemy import func, select

from app.db import transaction
from app.sms.inbound.inbox import IncomingSms
from app.sms.inbound.models import InboundSms
from app.sms.inbound.service import handle_inbound
from app.transfers.models import Transfer
from tests import factories
from tests.concurrency import RACERS, race
from tests.e2e.sms_support import texts_to

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def config_overrides():
    return {"SMS_REPLIES_PER_HOUR": 4}


def deliver_together(app, runtime, messages):
    race(app, runtime, len(messages), lambda session, i: handle_inbound(session, messages[i]))


def incoming(sender, text, provider_id):
    return IncomingSms(provider_id, sender, "20880", text, None, None)


def count(runtime, model):
    with transaction(runtime) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_copies_of_one_message_arriving_together_run_it_once(app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=100_000)
        bruno = factories.customer(session)
    envoi = incoming(awa.msisdn, f"ENVOI {bruno.msisdn} 5000", "ATXid_same")
    deliver_together(app, runtime, [envoi] * RACERS)
    assert count(runtime, Transfer) == 1
    assert count(runtime, InboundSms) == 1
    assert len(texts_to(app, awa.msisdn)) == 2  # the welcome and one answer


def test_messages_from_one_number_arriving_together_get_the_hourly_budget_only(app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=100_000)
    messages = [incoming(awa.msisdn, "SOLDE", f"ATXid_{i}") for i in range(RACERS)]
    deliver_together(app, runtime, messages)
    assert len(texts_to(app, awa.msisdn)) == 1 + 4
    with transaction(runtime) as session:
        outcomes = session.scalars(select(InboundSms.outcome)).all()
    assert sorted(outcomes) == ["replied"] * 4 + ["silenced"] * (RACERS - 4)
