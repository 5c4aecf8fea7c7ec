"""A number whose app registration waits for its code is unregistered for every purpose.

Someone registered Jean's number +242069990001 in the app but cannot type the
code texted to it. Money "to that number" must not find a wallet there: P2P by
app, USSD and SMS, a merchant's payment request and a counter cash-in all
answer as for a number nobody registered. (Payouts to it go to cash pickup:
tests/e2e/test_disbursement_payees.py, tests/e2e/test_partner_remittances.py.)
"""

import pytest
from sqlalchemy import func, select

from app.customers.service import find_by_msisdn
from app.db import transaction
from app.transfers.models import Transfer
from tests import factories
from tests.e2e.cyber_support import api_key
from tests.e2e.payments_support import post, send_p2p
from tests.e2e.sms_support import answer
from tests.e2e.ussd_support import Phone

JEAN = "+242069990001"


@pytest.fixture
def squatted(client):
    return factories.registration(client, msisdn=JEAN, first_name="Jean", last_name="Okemba")


def transfers(runtime) -> int:
    with transaction(runtime) as session:
        return session.scalar(select(func.count()).select_from(Transfer))


def test_p2p_to_it_is_recipient_not_found(client, app, runtime, awa, squatted):
    response = send_p2p(client, app, awa, JEAN, 5_000)

    assert (response.status_code, response.get_json()["code"]) == (422, "recipient_not_found")
    assert transfers(runtime) == 0


def test_a_ussd_send_to_it_ends_as_for_an_unknown_number(client, runtime, awa, squatted):
    screen = Phone(client, awa.msisdn).run("1", "069990001", "5000")

    assert screen == "END Destinataire introuvable : ce numéro n'a pas de compte PostCash."
    assert transfers(runtime) == 0


def test_an_sms_send_to_it_answers_as_for_an_unknown_number(client, app, runtime, awa, squatted):
    reply = answer(client, app, awa.msisdn, f"ENVOI {JEAN} 5000")

    assert reply == "Destinataire introuvable : ce numéro n'a pas de compte PostCash."
    assert transfers(runtime) == 0


def test_a_merchant_cannot_ask_it_to_pay(client, runtime, squatted):
    with transaction(runtime) as session:
        shop = factories.merchant(session, name="Boutique Ndeko")

    response = client.post(
        "/api/v1/merchant/payment-requests",
        json={"msisdn": JEAN, "amount": 1_000, "reference": "CMD-1"},
        headers=api_key(shop.api_key, factories.key()),
    )

    assert (response.status_code, response.get_json()["code"]) == (422, "recipient_not_found")


def test_a_counter_cannot_cash_in_to_it(client, app, runtime, squatted):
    with transaction(runtime) as session:
        counter = factories.agent(session, float_balance=100_000)

    response = post(client, app, counter, "/agent/cash-in", {"msisdn": JEAN, "amount": 5_000})

    assert (response.status_code, response.get_json()["code"]) == (422, "recipient_not_found")
    assert transfers(runtime) == 0


def test_its_holder_registers_over_ussd_and_the_app_registration_is_dropped(
    client, app, runtime, squatted
):
    phone = Phone(client, JEAN)
    phone.run("1", "Jean", "Okemba", "1357")

    assert phone.send("1357").startswith("CON Compte ouvert. Bienvenue Jean !")
    verify = factories.verify(client, app, squatted, code="000000")
    assert (verify.status_code, verify.get_json()["code"]) == (404, "not_found")
    with transaction(runtime) as session:
        assert find_by_msisdn(session, JEAN).id != squatted["id"]
