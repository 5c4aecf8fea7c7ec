"""Racing registrations on PostgreSQL: one number, one pending registration, one customer.

The number is unique among registrations (the loser of two racing
registrations gets ``conflict``), and verification holds the registration's
row lock (the second of two racing verifications finds it verified).
"""

import re
from string import ascii_lowercase

import pytest
from sqlalchemy import func, select

from app import ledger
from app.customers.models import Customer, Registration
from app.customers.registration import start_registration, verify_registration
from app.errors import Conflict, InvalidState
from app.ledger import chart
from app.notify.gateways import recording_outbox
from app.notify.models import SmsMessage
from tests import factories
from tests.concurrency import RACERS, committed, together

pytestmark = pytest.mark.postgres_only

AWA = "+242061234567"


def register(runtime, first_name="Awa"):
    return committed(
        runtime,
        lambda s: (
            start_registration(
                s, msisdn=AWA, first_name=first_name, last_name="Mabiala", pin=factories.PIN
            )[0].id
        ),
    )


def code_sent(runtime, msisdn):
    texts = [text for to, text in recording_outbox(runtime) if to == msisdn]
    return re.findall(r"(?<![0-9])[0-9]{6}(?![0-9])", texts[-1])[-1]


def count(runtime, query):
    with runtime.unit_of_work() as uow:
        return uow.session.scalar(query)


def test_racing_verifications_with_the_right_code_activate_once(runtime):
    registration_id = register(runtime)
    code = code_sent(runtime, AWA)

    outcomes = together(
        RACERS,
        lambda _: committed(runtime, lambda s: verify_registration(s, registration_id, code).id),
    )

    verified = [o for o in outcomes if isinstance(o, str)]
    refused = [o for o in outcomes if isinstance(o, InvalidState)]
    assert (verified, len(refused)) == ([registration_id], RACERS - 1), outcomes
    assert count(runtime, select(func.count()).select_from(Customer)) == 1
    assert count(runtime, select(func.count()).select_from(Registration)) == 0
    welcomes = (
        select(func.count()).select_from(SmsMessage).where(SmsMessage.template == "sms.welcome")
    )
    assert count(runtime, welcomes) == 1
    with runtime.unit_of_work() as uow:
        assert ledger.balance(uow.session, chart.wallet(registration_id)).posted == 0


def test_racing_registrations_of_one_number_leave_one_pending(runtime):
    outcomes = together(
        RACERS, lambda i: register(runtime, first_name=f"Awa{ascii_lowercase[i % 26]}")
    )

    assert sum(isinstance(o, str) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, Conflict) for o in outcomes) == RACERS - 1, outcomes
    assert count(runtime, select(func.count()).select_from(Registration)) == 1
