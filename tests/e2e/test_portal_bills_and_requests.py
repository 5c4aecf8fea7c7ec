"""Bills, remittances and merchants' requests paid from the portal."""

import pytest

from app.db import transaction
from app.payments import requests as payment_requests
from app.payments.models import PaymentRequest
from app.remittances.models import Remittance
from tests import factories
from tests.e2e.counter_support import hidden
from tests.e2e.payments_support import wallet_of
from tests.e2e.portal_support import post, sign_in, text_of


@pytest.fixture
def signed_in(client, app, awa):
    sign_in(client, app, awa)
    return client


@pytest.fixture
def biller(runtime):
    with transaction(runtime) as session:
        return factories.biller(session).biller


def _pay(client, app, who, slug, **fields):
    page = post(client, f"/compte/{slug}", **fields)
    assert page.status_code == 200, text_of(page)
    placed = post(
        client, f"/compte/{slug}/valider", payload=hidden(page, "payload"), key=hidden(page, "key")
    )
    assert placed.status_code == 303, text_of(placed)
    code = factories.sms_code(app, who.msisdn, digits=6)
    done = post(client, placed.headers["Location"], code=code)
    assert done.status_code == 303, text_of(done)
    return client.get(done.headers["Location"])


def test_the_bill_form_lists_the_active_billers(signed_in, biller):
    assert biller.name in text_of(signed_in.get("/compte/factures"))


def test_a_bill_is_paid_with_the_sms_code(signed_in, app, awa, biller):
    done = _pay(
        signed_in,
        app,
        awa,
        "factures",
        biller=biller.code,
        bill_reference="01234567890",
        amount=12_000,
    )
    assert "Opération réussie" in text_of(done)
    assert wallet_of(app.extensions["postcash"], awa) < 100_000 - 12_000 + 1


def test_a_malformed_bill_reference_is_said_with_the_billers_hint(signed_in, biller):
    answer = post(
        signed_in, "/compte/factures", biller=biller.code, bill_reference="12", amount=12_000
    )
    assert answer.status_code == 400
    assert "telle qu'elle figure sur votre facture" in text_of(answer)


def test_a_remittance_is_sent_and_the_recipient_is_told_how_to_collect(
    signed_in, app, runtime, awa
):
    done = _pay(
        signed_in,
        app,
        awa,
        "mandat",
        recipient_name="Jean Makaya",
        recipient_msisdn="+242055551111",
        amount=20_000,
    )
    assert "retirer au guichet" in text_of(done)
    with transaction(runtime) as session:
        (remittance,) = session.query(Remittance).filter_by(sender_customer_id=awa.id).all()
        assert remittance.status == "awaiting_payout" and remittance.channel == "web"


@pytest.fixture
def asked(runtime, awa):
    with transaction(runtime) as session:
        merchant = factories.merchant(session)
        request, _created = payment_requests.create_payment_request(
            session, merchant.client.id, msisdn=awa.msisdn, amount=7_500, reference="CMD-42"
        )
        return request


def test_a_merchants_request_is_listed_and_paid_with_the_pin(signed_in, runtime, awa, asked):
    page = signed_in.get("/compte/demandes")
    assert "CMD-42" in text_of(page) and "7 500" in text_of(page)
    paid = post(signed_in, f"/compte/demandes/{asked.id}/payer", pin=factories.PIN)
    assert paid.status_code == 303
    with transaction(runtime) as session:
        assert session.get(PaymentRequest, asked.id).status == "paid"
    again = post(signed_in, f"/compte/demandes/{asked.id}/payer", pin=factories.PIN)
    assert again.status_code in (303, 409)
    assert wallet_of(runtime, awa) == 100_000 - 7_500


def test_a_wrong_pin_pays_nothing(signed_in, runtime, awa, asked):
    answer = post(signed_in, f"/compte/demandes/{asked.id}/payer", pin="9999")
    assert answer.status_code == 422
    assert "PIN incorrect" in text_of(answer)
    assert wallet_of(runtime, awa) == 100_000


def test_a_declined_request_is_gone_from_the_list(signed_in, asked):
    assert post(signed_in, f"/compte/demandes/{asked.id}/refuser").status_code == 303
    assert "CMD-42" not in text_of(signed_in.get("/compte/demandes"))


def test_another_customers_request_cannot_be_paid_or_declined(app, runtime, asked):
    with transaction(runtime) as session:
        bob = factories.customer(session, first_name="Bob", balance=50_000)
    other = app.test_client()
    sign_in(other, app, bob)
    assert post(other, f"/compte/demandes/{asked.id}/payer", pin=factories.PIN).status_code == 404
    assert post(other, f"/compte/demandes/{asked.id}/refuser").status_code == 404
    assert wallet_of(runtime, bob) == 50_000
