"""PIN locks are temporary and escalate: 15 min, 1 h, 24 h, then until an agent unlocks.

Awa (PIN 2580) signs in at /auth/login; "1470" is a wrong PIN. Each lock is told to
her by SMS with the moment it ends; REST says it in ``locked_until``, USSD and SMS
in her words. An unknown number is answered as a first wrong PIN would be.
"""

from datetime import timedelta

import pytest

from app.auth import hashing
from app.customers.models import Customer
from app.customers.pin_locks import until_text
from app.db import transaction
from tests import factories
from tests.conftest import START
from tests.e2e.sms_support import answer, texts_to
from tests.e2e.ussd_support import Phone

LOGIN = "/api/v1/auth/login"
AWA = "+242061234567"
WRONG = "1470"


@pytest.fixture
def awa(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, msisdn=AWA, pin=factories.PIN, balance=5_000)


def login(client, pin=factories.PIN, msisdn=AWA):
    return client.post(LOGIN, json={"msisdn": msisdn, "pin": pin})


def lock(client):
    """Three wrong PINs; the answer to the third."""
    login(client, WRONG)
    login(client, WRONG)
    return login(client, WRONG)


def row(runtime, who):
    with transaction(runtime) as session:
        return session.get(Customer, who.id)


def unlock(client, runtime, who):
    with transaction(runtime) as session:
        agent = factories.agent(session)
    headers = factories.headers_for(client.application, agent)
    return client.post(f"/api/v1/customers/{who.id}/unlock", headers=headers)


def test_the_third_wrong_pin_locks_for_fifteen_minutes_and_says_until_when(client, awa):
    third = lock(client)
    assert (third.status_code, third.get_json()["code"]) == (422, "account_locked")
    assert third.get_json()["locked_until"] == (START + timedelta(minutes=15)).isoformat()


def test_a_locked_account_refuses_the_right_pin_until_the_lock_ends(client, awa, clock):
    lock(client)
    clock.advance(minutes=14, seconds=59)
    refused = login(client)
    assert refused.get_json()["code"] == "account_locked"
    assert refused.get_json()["locked_until"] == (START + timedelta(minutes=15)).isoformat()
    clock.advance(seconds=1)
    assert login(client).status_code == 200


def test_when_the_lock_ends_the_customer_has_every_attempt_again(client, runtime, awa, clock):
    lock(client)
    clock.advance(minutes=15)
    assert login(client, WRONG).get_json()["attempts_left"] == 2
    assert (row(runtime, awa).status, row(runtime, awa).failed_pin_attempts) == ("active", 1)


def test_each_lock_in_a_row_lasts_longer_and_the_fourth_waits_for_an_agent(client, awa, clock):
    for minutes in (15, 60, 24 * 60):
        locked = lock(client)
        expected = clock.now() + timedelta(minutes=minutes)
        assert locked.get_json()["locked_until"] == expected.isoformat()
        clock.advance(minutes=minutes)
    fourth = lock(client)
    assert fourth.get_json()["code"] == "account_locked"
    assert fourth.get_json()["locked_until"] is None
    clock.advance(days=365)
    assert login(client).get_json()["code"] == "account_locked"


def test_an_agent_unlock_opens_any_lock_and_restarts_the_escalation(client, runtime, awa, clock):
    for minutes in (15, 60):
        lock(client)
        clock.advance(minutes=minutes)
    lock(client)  # the third lock in a row: 24 h
    assert unlock(client, runtime, awa).get_json()["status"] == "active"
    assert login(client).status_code == 200
    again = lock(client)
    assert again.get_json()["locked_until"] == (clock.now() + timedelta(minutes=15)).isoformat()


def test_thirty_quiet_days_make_the_next_lock_a_first_one_again(client, awa, clock):
    lock(client)
    clock.advance(minutes=15)
    lock(client)  # the second in a row: 1 h
    clock.advance(days=30)
    again = lock(client)
    assert again.get_json()["locked_until"] == (clock.now() + timedelta(minutes=15)).isoformat()


def test_a_lock_within_thirty_days_of_the_last_one_climbs_a_step(client, awa, clock):
    lock(client)
    clock.advance(days=29, hours=23)
    again = lock(client)
    assert again.get_json()["locked_until"] == (clock.now() + timedelta(hours=1)).isoformat()


@pytest.mark.parametrize("config_overrides", [{"PIN_LOCK_DURATIONS": [60], "PIN_LOCK_DECAY": 3600}])
def test_the_steps_and_the_quiet_period_are_settings(client, awa, clock, config_overrides):
    assert lock(client).get_json()["locked_until"] == (START + timedelta(minutes=1)).isoformat()
    clock.advance(minutes=1)
    assert lock(client).get_json()["locked_until"] is None  # past the last step: an agent


def test_the_customer_is_told_by_sms_until_when_and_how_to_unlock_sooner(client, app, awa):
    lock(client)
    until = until_text(START + timedelta(minutes=15), app.config["TIMEZONE"])
    assert texts_to(app, AWA)[-1] == (
        f"PostCash : trop de PIN incorrects, compte bloqué jusqu'au {until}. Pour le débloquer "
        "avant, passez au guichet de la poste avec votre pièce d'identité."
    )


def test_the_lock_that_waits_for_an_agent_is_told_by_sms_in_lingala(client, app, runtime, clock):
    with transaction(runtime) as session:
        factories.customer(session, msisdn=AWA, language="ln")
    for minutes in (15, 60, 24 * 60):
        lock(client)
        clock.advance(minutes=minutes)
    lock(client)
    assert texts_to(app, AWA)[-1].startswith(
        "PostCash: PIN mabe mbala mingi, compte na yo ekangami."
    )
    assert sum("ekangami" in text for text in texts_to(app, AWA)) == 4


def test_a_lock_is_audited_with_its_step_and_end(client, runtime, awa):
    from app.audit import list_events

    lock(client)
    with transaction(runtime) as session:
        (event,) = list_events(session, action="customer.lock").items
    assert event.after["lock_level"] == 1
    assert event.after["locked_until"] == (START + timedelta(minutes=15)).isoformat()


# --- USSD and SMS say until when ----------------------------------------------------------


def test_a_locked_number_dialling_ussd_is_told_until_when_then_served_again(
    client, app, awa, clock
):
    lock(client)
    phone = Phone(client, AWA)
    until = until_text(START + timedelta(minutes=15), app.config["TIMEZONE"])
    assert phone.dial() == (
        f"END Votre compte est bloqué jusqu'au {until} après trop de PIN incorrects. Pour le "
        "débloquer avant, rendez-vous dans un bureau de poste avec votre pièce d'identité."
    )
    clock.advance(minutes=15)
    assert phone.dial().startswith("CON PostCash")
    assert phone.send("5", factories.PIN).startswith("END Solde disponible")


def test_the_third_wrong_pin_on_ussd_says_until_when_in_lingala(client, app, runtime):
    with transaction(runtime) as session:
        factories.customer(session, msisdn=AWA, language="ln")
    phone = Phone(client, AWA)
    phone.run("5", "1111")
    phone.run("5", "1112")
    until = until_text(START + timedelta(minutes=15), app.config["TIMEZONE"])
    assert phone.run("5", "1113") == (
        f"END Compte na yo ekangami tii {until} mpo na PIN mabe mbala mingi. Mpo bafungola "
        "yango liboso, kende na biro ya poste na karte ya identite."
    )


def test_a_locked_number_texting_is_told_until_when(client, app, awa, clock):
    lock(client)
    until = until_text(START + timedelta(minutes=15), app.config["TIMEZONE"])
    assert answer(client, app, AWA, "SOLDE") == (
        f"PostCash : compte bloqué jusqu'au {until} après trop de PIN incorrects. Pour le "
        "débloquer avant, passez au guichet de la poste avec votre pièce d'identité."
    )
    clock.advance(minutes=15)
    assert "5 000 FCFA" in answer(client, app, AWA, "SOLDE")


# --- An unknown number looks like a wrong PIN -----------------------------------------------


def test_an_unknown_number_gets_the_answer_of_a_first_wrong_pin(client, awa):
    unknown = login(client, factories.PIN, msisdn="+242069999999")
    wrong = login(client, WRONG)
    assert unknown.status_code == wrong.status_code == 422
    assert unknown.get_json() == wrong.get_json()
    assert unknown.get_json()["attempts_left"] == 2


def test_an_unknown_number_costs_the_same_hashing_as_a_wrong_pin(client, awa, monkeypatch):
    verified = []
    original = hashing.PepperRing.verify

    def counting(ring, stored, secret):
        verified.append(stored.split("$")[2:6])  # pepper version, argon2id, v=19, m=…,t=…,p=…
        return original(ring, stored, secret)

    monkeypatch.setattr(hashing.PepperRing, "verify", counting)
    login(client, WRONG)
    login(client, WRONG, msisdn="+242069999999")
    assert len(verified) == 2
    assert verified[0] == verified[1]


def test_an_unknown_number_never_locks_anything(client, runtime, awa):
    for _ in range(5):
        assert login(client, WRONG, msisdn="+242069999999").get_json()["code"] == "invalid_pin"
    assert row(runtime, awa).failed_pin_attempts == 0


# --- Freezing and lapsed locks ------------------------------------------------------------


def test_a_customer_unfrozen_after_the_lock_ended_is_active_again(client, runtime, awa, clock):
    from app.customers.freezing import freeze_customer, unfreeze_customer

    lock(client)
    with transaction(runtime) as session:
        freeze_customer(session, awa.id, reason="enquête de fraude")
    clock.advance(minutes=15)
    with transaction(runtime) as session:
        assert unfreeze_customer(session, awa.id, reason="levée").status == "active"
    assert login(client).status_code == 200
