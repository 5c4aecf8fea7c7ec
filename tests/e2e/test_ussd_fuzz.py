"""Whatever the gateway forwards, the USSD callback answers with a screen.

Thousands of random ``text`` values (keypad digits and ``*``, menu words, letters
of any script, very long input) for a registered, an unregistered and a locked
number, and random sessions typed one input at a time (to get past the lists of
billers and payment requests): always 200, plain text, ``CON``/``END``, at most 182
characters, nothing logged as an error. Money may move when a random walk happens to type the right
PIN at the right place; the ``app`` fixture checks every ledger invariant after
each test.
"""

from __future__ import annotations

import logging
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.customers.service import get_customer
from app.db import transaction
from app.payments import requests
from tests import factories

pytestmark = pytest.mark.slow

KEYPAD = "0123456789*#"
# Inputs that lead somewhere: menu choices, navigation, PINs (right and wrong),
# amounts, numbers, names.
MEANINGFUL = st.sampled_from(
    [
        "0",
        "00",
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "2580",
        "1357",
        "1111",
        "5000",
        "100000",
        "061234567",
        "069990002",
        "Marie Loubaki",
        "0123456789",
        "",
    ]
)
ANYTHING = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)
DIGITS = st.text(alphabet="0123456789", max_size=14)
# Meaningful inputs weigh three times as much as random ones, so walks go deep.
TOKENS = st.one_of(MEANINGFUL, MEANINGFUL, MEANINGFUL, DIGITS, ANYTHING)
# A walk into one of the menus, then anything.
WALKS = st.builds(
    lambda first, rest: "*".join([first, *rest]),
    st.sampled_from("12345678"),
    st.lists(TOKENS, max_size=8),
)
# A session typed one input at a time into a menu that lists rows of the database
# (billers, payment requests): a pick is read from what its screen showed, so only
# such a session gets past the list.
TYPED = st.builds(
    lambda first, rest: [first, *rest], st.sampled_from("48"), st.lists(TOKENS, max_size=8)
)
TEXTS = st.one_of(
    WALKS,
    WALKS,
    st.lists(TOKENS, max_size=14).map("*".join),
    st.text(alphabet=KEYPAD, max_size=80),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=200, max_size=3_000),
)
FUZZ = settings(
    max_examples=800,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@pytest.fixture
def config_overrides():
    """Random PINs must not lock the registered customer after three examples."""
    return {"PIN_MAX_ATTEMPTS": 1_000_000}


def answer(client, caplog, msisdn: str, text: str, session_id: str | None = None) -> str:
    caplog.clear()
    response = client.post(
        "/ussd",
        data={
            "sessionId": session_id or f"fuzz-{uuid.uuid4().hex}",
            "serviceCode": "*144#",
            "phoneNumber": msisdn,
            "networkCode": "62901",
            "text": text,
        },
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    screen = response.get_data(as_text=True)
    assert screen.startswith(("CON ", "END "))
    assert len(screen) <= 182
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    return screen


@pytest.fixture
def awa_msisdn():
    return "+242061234567"


@pytest.fixture
def bruno_and_e2c(runtime):
    """Whom Awa's screens may send money to, and a biller to pay."""
    with transaction(runtime) as session:
        factories.customer(session, first_name="Bruno", msisdn="+242069990002")
        factories.biller(session, code="E2C")


@pytest.fixture
def locked(runtime):
    with transaction(runtime) as session:
        customer = factories.customer(session, balance=10_000)
        # Locked as verify_pin leaves it after the last wrong PIN (the limit is lifted here).
        get_customer(session, customer.id).status = "locked"
    return customer


def test_a_registered_number_always_gets_a_screen(client, caplog, awa, bruno_and_e2c):
    @FUZZ
    @given(text=TEXTS)
    def check(text: str) -> None:
        answer(client, caplog, awa.msisdn, text)

    check()


def test_a_session_typed_one_input_at_a_time_always_gets_screens(
    client, caplog, runtime, awa, bruno_and_e2c
):
    with transaction(runtime) as session:
        shop = factories.merchant(session, name="Boutique Ndeko")
        for n in range(4):
            requests.create_payment_request(
                session, shop.client.id, msisdn=awa.msisdn, amount=5_000, reference=f"F-{n}"
            )

    @settings(FUZZ, max_examples=150)
    @given(inputs=TYPED)
    def check(inputs: list[str]) -> None:
        session_id = f"fuzz-{uuid.uuid4().hex}"
        for typed in range(1, len(inputs) + 1):
            text = "*".join(inputs[:typed])
            if answer(client, caplog, awa.msisdn, text, session_id).startswith("END "):
                break

    check()


def test_an_unregistered_number_always_gets_a_screen(client, caplog):
    @settings(FUZZ, max_examples=500)
    @given(text=TEXTS)
    def check(text: str) -> None:
        answer(client, caplog, factories.new_msisdn(), text)

    check()


def test_a_locked_number_always_gets_the_locked_screen(client, caplog, locked):
    @settings(FUZZ, max_examples=300)
    @given(text=TEXTS)
    def check(text: str) -> None:
        screen = answer(client, caplog, locked.msisdn, text)
        assert screen.startswith("END Votre compte est bloqué") or screen.startswith(
            "END Service PostCash indisponible"
        )

    check()
