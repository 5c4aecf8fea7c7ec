"""A number may submit only so many PIN screens over USSD (USSD_PIN_SCREENS, per number,
whatever the session): past that it gets an END screen saying how long to wait, in its
language, and the PIN is not looked at."""

import pytest

from app.db import transaction
from tests import factories
from tests.e2e.ussd_support import Phone

LIMITED = "END Trop de codes PIN saisis depuis ce numéro. Réessayez dans 15 min."


@pytest.fixture
def config_overrides():
    return {"USSD_PIN_SCREENS": "3/15 minutes"}


@pytest.fixture
def awa(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, balance=100_000)


@pytest.fixture
def phone(client, awa):
    return Phone(client, awa.msisdn)


def balance(phone):
    return phone.run("5", factories.PIN)


def test_the_pin_screens_of_the_window_are_answered(phone):
    assert [balance(phone) for _ in range(3)] == ["END Solde disponible : 100 000 FCFA"] * 3


def test_one_pin_screen_too_many_ends_the_session_saying_how_long_to_wait(phone):
    for _ in range(3):
        balance(phone)
    assert balance(phone) == LIMITED
    assert len(LIMITED) <= 182


def test_every_flow_that_checks_a_pin_counts(phone, awa):
    phone.run("6", factories.PIN)  # mini-statement
    phone.run("7", "3", factories.PIN)  # my limits
    phone.run("7", "1", "1111", "4826", "4826")  # PIN change, old PIN wrong
    assert phone.run("2", "5000", factories.PIN) == LIMITED  # withdrawal


def test_the_limit_is_per_number_not_per_gateway_address(client, phone, runtime):
    for _ in range(3):
        balance(phone)
    with transaction(runtime) as session:
        bruno = factories.customer(session, balance=5_000)
    assert balance(Phone(client, bruno.msisdn)) == "END Solde disponible : 5 000 FCFA"


def test_menus_and_page_turns_are_not_pin_screens(phone, awa):
    for _ in range(5):
        phone.run("1", "+242061111111")
        phone.run("7")
    phone.run("6", factories.PIN, "9", "0", "9")
    assert balance(phone) == "END Solde disponible : 100 000 FCFA"


def test_a_gateway_retry_is_not_counted_twice(phone):
    balance(phone)
    phone.repeat()
    phone.repeat()
    assert balance(phone).startswith("END Solde disponible")


def test_a_lingala_customer_reads_it_in_lingala(client, runtime):
    with transaction(runtime) as session:
        bruno = factories.customer(session, language="ln")
    phone = Phone(client, bruno.msisdn)
    for _ in range(3):
        balance(phone)
    assert balance(phone) == (
        "END Okotisi PIN mbala mingi na nimero oyo. Meka lisusu nsima ya miniti 15."
    )


def test_the_refused_screen_does_not_look_at_the_pin(phone, runtime, awa):
    for _ in range(3):
        balance(phone)
    phone.run("5", "9999")
    with transaction(runtime) as session:
        from app.customers.service import get_customer

        assert get_customer(session, awa.id).failed_pin_attempts == 0
