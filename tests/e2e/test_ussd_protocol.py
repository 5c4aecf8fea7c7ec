"""The USSD callback's contract with the gateway, whatever the request holds."""

import logging

import pytest
from sqlalchemy import func, select

from app.db import transaction
from app.ussd.models import UssdSession
from tests import factories
from tests.e2e.ussd_support import Phone


@pytest.fixture
def phone(client, awa):
    return Phone(client, awa.msisdn)


def post(client, **fields):
    form = {"sessionId": "ATUid_x", "serviceCode": "*144#", "phoneNumber": "", "text": ""}
    form.update(fields)
    return client.post("/ussd", data=form)


def test_the_answer_is_plain_text_with_the_time_it_took(client, awa):
    response = post(client, phoneNumber=awa.msisdn)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Server-Timing"].startswith("app;dur=")


@pytest.mark.parametrize(
    "fields",
    [
        {"sessionId": ""},
        {"sessionId": "x" * 101},
        {"phoneNumber": ""},
        {"phoneNumber": "+33612345678"},  # not a number PostCash serves
        {"text": "1*" * 600},
    ],
)
def test_a_request_we_cannot_serve_still_gets_a_closing_screen(client, awa, fields):
    response = post(client, **{"phoneNumber": awa.msisdn, **fields})
    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith("END ")


def test_a_nul_in_the_text_is_dropped_not_read_as_an_input(phone):
    assert phone.run("5\x00").startswith("CON Entrez votre PIN")
    assert phone.send("25\x0080\x1f") == "END Solde disponible : 100 000 FCFA"


def test_control_characters_in_the_session_id_and_number_are_dropped_before_the_row_is_kept(
    client, runtime, awa
):
    fields = {"sessionId": "ATUid_\x00nul\n", "phoneNumber": f"{awa.msisdn}\x00"}
    assert post(client, **fields, text="5").get_data(as_text=True).startswith("CON Entrez")
    with transaction(runtime) as session:
        assert session.get(UssdSession, "ATUid_nul").msisdn == awa.msisdn


def test_the_number_may_come_in_any_format(client, awa):
    national = "0" + awa.msisdn[5:]
    assert post(client, phoneNumber=national).get_data(as_text=True).startswith("CON PostCash")


def test_a_session_id_belongs_to_the_number_that_opened_it(client, phone, awa, runtime):
    phone.run("5")
    with transaction(runtime) as session:
        bruno = factories.customer(session)
    stolen = post(client, sessionId=phone.session_id, phoneNumber=bruno.msisdn, text="5*2580")
    assert stolen.get_data(as_text=True) == "END Service PostCash indisponible pour ce numéro."


def test_inputs_after_a_closing_screen_only_say_the_session_is_over(phone, runtime, awa):
    phone.run("5", factories.PIN)
    assert phone.send("1", "2") == (
        "END Session terminée. Recomposez le code PostCash pour continuer."
    )


def test_a_session_resumed_after_its_row_expired_still_answers_from_its_inputs(
    phone, clock, runtime
):
    phone.run("5")
    clock.advance(minutes=10)
    assert phone.send(factories.PIN) == "END Solde disponible : 100 000 FCFA"


def test_expired_sessions_are_purged_by_the_worker(phone, clock, runtime):
    from workers.ussd import purge_sessions

    phone.run("5")
    Phone(phone.client, phone.msisdn).dial()
    clock.advance(minutes=10)
    Phone(phone.client, phone.msisdn).dial()
    assert purge_sessions() == 2
    with transaction(runtime) as session:
        assert session.scalar(select(func.count()).select_from(UssdSession)) == 1


@pytest.mark.parametrize("config_overrides", [{"USSD_BILLS_ENABLED": False}])
def test_the_bills_entry_is_hidden_when_disabled(phone):
    assert "Payer une facture" not in phone.dial()
    assert phone.send("4").startswith("CON Choix invalide.\nPostCash")


def test_neither_the_pin_nor_the_inputs_are_logged(phone, caplog):
    caplog.set_level(logging.DEBUG)
    phone.run("1", "069999999", "5000")
    phone.run("5", factories.PIN)
    assert factories.PIN not in caplog.text
    assert "069999999" not in caplog.text
    assert phone.msisdn not in caplog.text


def test_the_simulator_is_not_served_outside_development(client):
    assert client.get("/ussd/simulator").status_code == 404


@pytest.mark.parametrize("config_overrides", [{"APP_ENV": "development"}])
def test_the_simulator_is_a_page_that_drives_the_callback_in_development(client):
    response = client.get("/ussd/simulator")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'fetch("/ussd"' in page and "+242061234567" in page
