"""PINs sent at once (PostgreSQL): each check takes its attempt before the PIN is hashed,
so a burst of wrong PINs is compared at most three times, the account locks, and the
right PIN after the burst is refused, whatever the door (REST, USSD, every domain
function that asks for a PIN). The conftest checks the ledger after each test."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.customers import service
from app.customers.models import Customer
from app.db import transaction
from app.errors import AccountLocked, InvalidPin
from app.payments import bills, requests
from app.remittances import wallet as remittances
from app.transfers import p2p, withdrawals
from app.transfers.models import Transfer
from tests import factories
from tests.concurrency import RACERS, committed, together
from tests.e2e.ussd_support import Phone, balance_of

pytestmark = pytest.mark.postgres_only

LOGIN = "/api/v1/auth/login"
AWA = "+242061234567"
WRONG = "1470"


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_LOGIN": "10000/minute"}  # the PIN lockout is what is under test here


@pytest.fixture
def compared(monkeypatch):
    """Every PIN actually hashed and compared (argon2), in order."""
    seen = []
    guard = threading.Lock()
    original = service.check_pin

    def counting(pin_hash, pin, config):
        with guard:
            seen.append(pin)
        return original(pin_hash, pin, config)

    monkeypatch.setattr(service, "check_pin", counting)
    return seen


@pytest.fixture
def awa(runtime):
    return committed(runtime, lambda s: factories.customer(s, msisdn=AWA, balance=100_000))


@pytest.fixture
def bruno(runtime):
    return committed(runtime, lambda s: factories.customer(s, first_name="Bruno"))


def state_of(runtime, who):
    with transaction(runtime) as session:
        row = session.get(Customer, who.id)
        return row.status, row.failed_pin_attempts


def test_fifty_wrong_pins_at_once_at_login_are_compared_three_times(app, runtime, awa, compared):
    def wrong(_):
        return app.test_client().post(LOGIN, json={"msisdn": AWA, "pin": WRONG})

    codes = [r.get_json()["code"] for r in together(RACERS, wrong)]
    assert len(compared) == 3
    assert codes.count("invalid_pin") == 2 and codes.count("account_locked") == RACERS - 2
    assert state_of(runtime, awa) == ("locked", 3)
    right = app.test_client().post(LOGIN, json={"msisdn": AWA, "pin": factories.PIN})
    assert right.get_json()["code"] == "account_locked"
    assert len(compared) == 3


def test_fifty_wrong_pins_at_once_on_ussd_are_compared_three_times(app, runtime, awa, compared):
    def wrong(_):
        return Phone(app.test_client(), AWA).run("5", WRONG)  # balance, behind the PIN

    screens = together(RACERS, wrong)
    assert len(compared) == 3
    assert sum(s.startswith("END PIN incorrect") for s in screens) == 2, screens
    # The rest are refused: locked, or past the number's PIN-screen limit (USSD_PIN_SCREENS).
    refused = ("END Votre compte est bloqué", "END Trop de codes PIN")
    assert sum(s.startswith(refused) for s in screens) == RACERS - 2, screens
    assert state_of(runtime, awa) == ("locked", 3)
    right = Phone(app.test_client(), AWA).run("5", factories.PIN)
    assert right.startswith("END Votre compte est bloqué")
    assert len(compared) == 3


def test_wrong_pins_at_once_on_the_send_screen_then_the_right_one_send_nothing(
    app, runtime, awa, bruno, compared
):
    def send(pin):
        return Phone(app.test_client(), AWA).run("1", bruno.msisdn[4:], "5000", "1", pin)

    screens = together(RACERS, lambda _: send(WRONG))
    assert sum(s.startswith("END PIN incorrect") for s in screens) == 2, screens
    assert send(factories.PIN).startswith("END Votre compte est bloqué")
    assert len(compared) == 3
    assert balance_of(runtime, awa) == 100_000 and balance_of(runtime, bruno) == 0
    with transaction(runtime) as session:
        assert session.scalar(select(func.count()).select_from(Transfer)) == 0


def _p2p(s, who, pin, ctx):
    p2p.send_with_pin(s, who, to=ctx["bruno"].msisdn, amount=1_000, pin=pin)


def _bill(s, who, pin, ctx):
    bills.pay_bill_with_pin(
        s, who, biller_code=ctx["biller"], bill_reference="01234567890", amount=1_000, pin=pin
    )


def _remittance(s, who, pin, ctx):
    remittances.send_with_pin(
        s,
        who,
        recipient_name="Bruno Ngoma",
        recipient_msisdn="+242069876543",
        amount=1_000,
        pin=pin,
    )


def _withdrawal(s, who, pin, ctx):
    withdrawals.create_withdrawal(s, who, amount=1_000, channel="ussd", pin=pin)


def _merchant(s, who, pin, ctx):
    requests.approve_request(s, ctx["request"], who, pin=pin)


def _pin_change(s, who, pin, ctx):
    service.change_pin(s, who, pin, "3691")


@pytest.mark.parametrize(
    "check",
    [_p2p, _bill, _remittance, _withdrawal, _merchant, _pin_change],
    ids=lambda f: f.__name__,
)
def test_every_pin_check_takes_its_attempt_first(runtime, awa, bruno, compared, check):
    def setup(s):
        shop = factories.merchant(s)
        request, _ = requests.create_payment_request(
            s, shop.client.id, msisdn=AWA, amount=1_000, reference="CMD-1"
        )
        return {"bruno": bruno, "biller": factories.biller(s).biller.code, "request": request.id}

    ctx = committed(runtime, setup)

    def attempt(pin):
        with transaction(runtime) as s:  # keeps a counted wrong PIN (commit=True)
            check(s, service.get_customer(s, awa.id), pin, ctx)

    outcomes = together(RACERS, lambda _: attempt(WRONG))
    assert len(compared) == 3
    assert sum(isinstance(o, InvalidPin) for o in outcomes) == 2, outcomes
    assert sum(isinstance(o, AccountLocked) for o in outcomes) == RACERS - 2, outcomes
    assert isinstance(together(1, lambda _: attempt(factories.PIN))[0], AccountLocked)
    assert state_of(runtime, awa) == ("locked", 3)
    assert balance_of(runtime, awa) == 100_000


def lock_awa(app):
    for _ in range(3):
        app.test_client().post(LOGIN, json={"msisdn": AWA, "pin": WRONG})


def test_right_pins_at_once_when_a_lock_is_over_all_get_in(app, runtime, awa, clock):
    lock_awa(app)
    clock.advance(minutes=15)

    def right(_):
        return app.test_client().post(LOGIN, json={"msisdn": AWA, "pin": factories.PIN})

    assert [r.status_code for r in together(10, right)] == [200] * 10
    assert state_of(runtime, awa) == ("active", 0)


def test_wrong_pins_at_once_when_a_lock_is_over_lock_again_for_longer(
    app, runtime, awa, clock, compared
):
    lock_awa(app)
    clock.advance(minutes=15)
    compared.clear()

    def wrong(_):
        return app.test_client().post(LOGIN, json={"msisdn": AWA, "pin": WRONG})

    answers = [r.get_json() for r in together(RACERS, wrong)]
    assert len(compared) == 3
    assert sum(a["code"] == "invalid_pin" for a in answers) == 2, answers
    assert sum(a["code"] == "account_locked" for a in answers) == RACERS - 2, answers
    (locking,) = [a for a in answers if a.get("attempts_left") == 0]
    assert locking["locked_until"] == (clock.now() + timedelta(hours=1)).isoformat()
    assert state_of(runtime, awa) == ("locked", 3)
