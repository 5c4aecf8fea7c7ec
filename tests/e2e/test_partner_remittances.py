"""Inbound international remittances (POST /partners/remittances, /partners/quotes).

A partner in France, prefunded with 1 000 000 FCFA, sends money to Awa's wallet
or for cash pickup by Jean. EUR converts at the CEMAC peg 655.957 with no
margin; USD at the admin's rate less FX_MARGIN_BP (150 bp); always rounded
down to the franc.
"""

import hashlib
import hmac
import json
import socket

import pytest
from sqlalchemy import select

from app import ledger
from app.db import transaction
from app.ledger import chart
from app.ledger.errors import AccountNotFound
from app.remittances import fx, webhooks
from tests import factories

API = "/api/v1"
JEAN = "+242069990001"
AWA = "MABIALA Awa"  # the name the partner sends for Awa Mabiala: word order is no matter


@pytest.fixture
def partner(runtime):
    with transaction(runtime) as session:
        client, key = factories.api_client(session, "partner", name="Transfert Express Europe")
        factories.fund(session, chart.partner(client.id), 1_000_000)
    return client, {"X-API-Key": key}


@pytest.fixture
def awa_balance():
    return 0


@pytest.fixture
def usd_rate(runtime):
    with transaction(runtime) as session:
        admin = factories.admin(session)
        fx.set_rate(session, "USD", "600", admin_id=admin.id)


def posted(runtime, code):
    with transaction(runtime) as session:
        return ledger.balance(session, code).posted


def inbound(
    client,
    partner,
    *,
    reference="TEE-0001",
    msisdn=JEAN,
    name="Jean Okemba",
    payout="cash",
    amount=10_000,
    currency="EUR",
    key=None,
    **extra,
):
    _client, headers = partner
    body = {
        "partner_reference": reference,
        "sender": {"name": "Pierre Loubaki", "country": "FR"},
        "recipient": {"name": name, "msisdn": msisdn},
        "send_amount": amount,
        "send_currency": currency,
        "payout": payout,
        **extra,
    }
    return client.post(
        f"{API}/partners/remittances",
        json=body,
        headers={**headers, "Idempotency-Key": key or factories.key()},
    )


def quote(client, partner, amount=10_000, currency="USD"):
    return client.post(
        f"{API}/partners/quotes",
        json={"send_amount": amount, "send_currency": currency},
        headers=partner[1],
    )


def test_euros_go_into_the_wallet_at_the_peg_with_no_margin(client, runtime, partner, awa):
    response = inbound(client, partner, msisdn=awa.msisdn, name=AWA, payout="wallet", amount=10_000)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    # 100.00 EUR x 655.957 = 65 595.7 → 65 595 FCFA; fee of the 50 001 to 100 000 band.
    assert (body["status"], body["amount"], body["fee"], body["rate"]) == (
        "paid_out",
        65_595,
        1_500,
        "655.957",
    )
    assert posted(runtime, chart.wallet(awa.id)) == 65_595
    assert posted(runtime, chart.partner(partner[0].id)) == 1_000_000 - 65_595 - 1_500
    assert posted(runtime, chart.fees("fx")) == 0


def test_the_wallet_recipient_gets_a_receipt(client, app, runtime, partner, awa):
    from app.notify.gateways import recording_outbox

    body = inbound(client, partner, msisdn=awa.msisdn, name=AWA, payout="wallet").get_json()

    text = [text for to, text in recording_outbox(runtime) if to == awa.msisdn][-1]
    assert body["reference"] in text
    assert "65 595 FCFA" in text


def test_dollars_convert_at_the_rate_table_less_the_margin(client, runtime, partner, usd_rate):
    response = inbound(client, partner, currency="USD", amount=10_000)

    body = response.get_json()
    # 100,00 USD at 600 → 60 000 gross; at 600 x (1 - 1.5 %) = 591 → 59 100 to the recipient.
    assert (body["amount"], body["rate"], body["fee"]) == (59_100, "591", 1_500)
    assert posted(runtime, chart.fees("fx")) == 900
    assert posted(runtime, chart.partner(partner[0].id)) == 1_000_000 - 60_000 - 1_500


def test_cash_pickup_awaits_payout_and_texts_the_code(client, app, runtime, partner):
    body = inbound(client, partner, payout="cash").get_json()

    assert body["status"] == "awaiting_payout"
    assert posted(runtime, chart.REMIT_PAYABLE) == 65_595
    assert len(factories.sms_code(app, JEAN)) == 10


def test_cash_pickup_is_paid_at_a_counter(client, app, runtime, partner):
    inbound(client, partner, payout="cash")
    with transaction(runtime) as session:
        counter = factories.agent(session)

    response = client.post(
        f"{API}/agent/remittances/payout",
        json={
            "code": factories.sms_code(app, JEAN),
            "recipient_id_type": "national_id",
            "recipient_id_number": "CG123",
        },
        headers={**factories.headers_for(app, counter), "Idempotency-Key": factories.key()},
    )

    assert response.get_json()["status"] == "paid_out"
    status = client.get(f"{API}/partners/remittances/TEE-0001", headers=partner[1]).get_json()
    assert (status["status"], status["payout"]) == ("paid_out", "cash")


def test_a_wallet_payout_to_an_unregistered_number_becomes_a_cash_pickup(
    client, app, runtime, partner
):
    body = inbound(client, partner, payout="wallet").get_json()

    assert (body["status"], body["payout"]) == ("awaiting_payout", "cash")
    assert posted(runtime, chart.REMIT_PAYABLE) == 65_595
    assert len(factories.sms_code(app, JEAN)) == 10


def test_a_wallet_payout_to_a_number_waiting_for_its_code_becomes_a_cash_pickup(
    client, app, runtime, partner
):
    pending = factories.registration(client, msisdn=JEAN, first_name="Jean", last_name="Okemba")

    body = inbound(client, partner, payout="wallet").get_json()

    assert (body["status"], body["payout"]) == ("awaiting_payout", "cash")
    with pytest.raises(AccountNotFound):
        posted(runtime, chart.wallet(pending["id"]))
    assert len(factories.sms_code(app, JEAN)) == 10


def test_a_wallet_payout_under_another_name_becomes_a_cash_pickup(
    client, app, runtime, partner, awa
):
    body = inbound(client, partner, msisdn=awa.msisdn, payout="wallet").get_json()  # Jean Okemba

    assert (body["status"], body["payout"]) == ("awaiting_payout", "cash")
    assert posted(runtime, chart.wallet(awa.id)) == 0
    assert posted(runtime, chart.REMIT_PAYABLE) == 65_595
    assert len(factories.sms_code(app, awa.msisdn)) == 10


def test_a_wallet_payout_matches_the_name_without_accents_case_or_order(client, runtime, partner):
    with transaction(runtime) as session:
        eloise = factories.customer(session, first_name="Éloïse", last_name="N'Goma")

    body = inbound(
        client, partner, msisdn=eloise.msisdn, name="NGOMA Eloise", payout="wallet"
    ).get_json()

    assert (body["status"], body["payout"]) == ("paid_out", "wallet")
    assert posted(runtime, chart.wallet(eloise.id)) == 65_595


def test_the_same_reference_after_a_cash_fallback_returns_the_first_remittance(client, partner):
    first = inbound(client, partner, payout="wallet")
    second = inbound(client, partner, payout="wallet")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.get_json() == first.get_json()


def test_exhausted_prefunding_is_insufficient_funds(client, runtime, partner):
    response = inbound(client, partner, amount=2_000_000)  # 20 000 EUR ≈ 13 M FCFA

    assert response.status_code == 422
    assert response.get_json()["code"] == "insufficient_funds"
    assert posted(runtime, chart.partner(partner[0].id)) == 1_000_000


def test_the_same_reference_and_body_returns_the_first_remittance(client, runtime, partner):
    first = inbound(client, partner)
    second = inbound(client, partner)  # a new Idempotency-Key: the reference decides

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.get_json() == first.get_json()
    assert posted(runtime, chart.REMIT_PAYABLE) == 65_595


def test_the_same_reference_with_another_body_is_a_conflict(client, runtime, partner):
    inbound(client, partner, amount=10_000)

    response = inbound(client, partner, amount=20_000)

    assert response.status_code == 409
    assert response.get_json()["code"] == "conflict"
    assert posted(runtime, chart.REMIT_PAYABLE) == 65_595


def test_references_belong_to_each_partner(client, runtime, partner):
    with transaction(runtime) as session:
        other, key = factories.api_client(session, "partner")
        factories.fund(session, chart.partner(other.id), 1_000_000)

    assert inbound(client, partner).status_code == 201
    assert inbound(client, (other, {"X-API-Key": key})).status_code == 201


def test_a_replayed_request_is_answered_from_the_first(client, partner):
    first = inbound(client, partner, key="k-1")
    second = inbound(client, partner, key="k-1")

    assert second.headers["Idempotent-Replayed"] == "true"
    assert (second.status_code, second.get_json()) == (201, first.get_json())


def test_a_quote_holds_rate_fee_and_amount(client, partner, usd_rate):
    response = quote(client, partner)

    assert response.status_code == 201
    body = response.get_json()
    assert (body["rate"], body["amount"], body["fee"], body["debit"]) == (
        "591",
        59_100,
        1_500,
        61_500,
    )
    assert body["expires_at"].startswith("2026-11-28T09:15")


def test_a_remittance_citing_a_quote_gets_its_price_even_if_the_rate_moved(
    client, runtime, partner, usd_rate
):
    quoted = quote(client, partner).get_json()
    with transaction(runtime) as session:
        admin = factories.admin(session)
        fx.set_rate(session, "USD", "550", admin_id=admin.id)

    body = inbound(client, partner, currency="USD", quote_id=quoted["id"]).get_json()

    assert (body["amount"], body["rate"], body["quote_id"]) == (59_100, "591", quoted["id"])


def test_an_expired_quote_is_refused(client, runtime, clock, partner, usd_rate):
    quoted = quote(client, partner).get_json()
    clock.advance(minutes=16)

    response = inbound(client, partner, currency="USD", quote_id=quoted["id"])

    assert response.status_code == 422
    assert response.get_json()["code"] == "invalid_state"
    assert posted(runtime, chart.partner(partner[0].id)) == 1_000_000


def test_a_quote_is_used_once(client, partner, usd_rate):
    quoted = quote(client, partner).get_json()
    inbound(client, partner, currency="USD", quote_id=quoted["id"])

    response = inbound(client, partner, reference="TEE-0002", currency="USD", quote_id=quoted["id"])

    assert response.status_code == 409


def test_a_quote_for_another_amount_does_not_apply(client, partner, usd_rate):
    quoted = quote(client, partner).get_json()

    response = inbound(client, partner, currency="USD", amount=20_000, quote_id=quoted["id"])

    assert response.status_code == 400
    assert "quote_id" in response.get_json()["errors"]


def test_a_currency_without_a_rate_is_a_validation_error(client, partner):
    response = inbound(client, partner, currency="GBP")

    assert response.status_code == 400
    assert "send_currency" in response.get_json()["errors"]


@pytest.mark.parametrize("encoded", ["INV/2026/001", "INV%2F2026%2F001"])
def test_a_reference_with_slashes_is_polled_too(client, partner, encoded):
    assert inbound(client, partner, reference="INV/2026/001").status_code == 201
    response = client.get(f"{API}/partners/remittances/{encoded}", headers=partner[1])
    assert (response.status_code, response.get_json()["partner_reference"]) == (
        200,
        "INV/2026/001",
    )


def test_status_is_polled_by_the_partners_reference(client, partner):
    inbound(client, partner)

    response = client.get(f"{API}/partners/remittances/TEE-0001", headers=partner[1])

    assert response.status_code == 200
    assert response.get_json()["partner_reference"] == "TEE-0001"
    assert client.get(f"{API}/partners/remittances/NOPE", headers=partner[1]).status_code == 404


def test_an_uncollected_pickup_is_refunded_to_the_prefunding_after_thirty_days(
    client, runtime, clock, partner
):
    from workers.remittances import expire_due

    inbound(client, partner)
    clock.advance(days=31)
    expire_due()

    # The amount comes back; the fee is kept.
    assert posted(runtime, chart.partner(partner[0].id)) == 1_000_000 - 1_500
    status = client.get(f"{API}/partners/remittances/TEE-0001", headers=partner[1]).get_json()
    assert status["status"] == "expired"


def test_only_partners_send_inbound_remittances(client, app, awa):
    response = client.post(
        f"{API}/partners/quotes",
        json={"send_amount": 100, "send_currency": "EUR"},
        headers=factories.headers_for(app, awa),
    )

    assert response.status_code == 403
    assert client.post(f"{API}/partners/quotes", json={}).status_code == 401


class TestCallbacks:
    @pytest.fixture
    def received(self, runtime):
        calls: list[tuple[str, str, dict]] = []
        runtime.services["partner_http_post"] = lambda url, body, headers: calls.append(
            (url, body, headers)
        )
        yield calls
        runtime.services.pop("partner_http_post", None)

    @pytest.fixture
    def secret(self, client, partner):
        response = client.put(
            f"{API}/partners/webhook",
            json={"url": "https://partner.example/hooks/postcash"},
            headers=partner[1],
        )
        assert response.status_code == 200
        return response.get_json()["secret"]

    def test_a_payout_is_called_back_signed_with_the_partners_secret(
        self, client, partner, awa, secret, received
    ):
        inbound(client, partner, msisdn=awa.msisdn, name=AWA, payout="wallet")

        ((url, body, headers),) = received
        assert url == "https://partner.example/hooks/postcash"
        timestamp, mac = (
            part.split("=", 1)[1] for part in headers["X-PostCash-Signature"].split(",")
        )
        expected = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
        assert hmac.compare_digest(mac, expected.hexdigest())
        event = json.loads(body)
        assert (event["event"], event["remittance"]["partner_reference"]) == (
            "remittance.paid_out",
            "TEE-0001",
        )

    def test_a_failed_callback_is_retried_and_delivered_once(
        self, client, runtime, partner, awa, secret, received
    ):
        from app.db.jobs import OutboxJob
        from app.remittances.models import WebhookDelivery
        from workers.outbox import retry_failed

        def refuse(url, body, headers):
            raise ConnectionError("partner down")

        runtime.services["partner_http_post"] = refuse
        inbound(client, partner, msisdn=awa.msisdn, name=AWA, payout="wallet")
        runtime.services["partner_http_post"] = lambda u, b, h: received.append((u, b, h))

        retry_failed(runtime)
        retry_failed(runtime)

        assert len(received) == 1
        with transaction(runtime) as session:
            (delivery,) = session.scalars(select(WebhookDelivery)).all()
            assert (delivery.status, delivery.attempts) == ("delivered", 2)
            assert (
                session.scalars(select(OutboxJob).where(OutboxJob.status == "failed")).all() == []
            )

    def test_without_a_webhook_nothing_is_called(self, client, partner, awa, received):
        inbound(client, partner, msisdn=awa.msisdn, name=AWA, payout="wallet")

        assert received == []


class TestCallbackAddressesInProduction:
    """In production a partner's webhook must point at the public internet, when it is set
    and again before each POST (the resolver is replaced: nothing leaves the machine)."""

    @pytest.fixture
    def dns(self, monkeypatch):
        from app import outbound_urls
        from tests.e2e.cyber_support import Production

        records = {"partner.example": ["93.184.216.34"]}

        def resolve(host):
            if host not in records:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return records[host]

        real = webhooks.settings
        monkeypatch.setattr(webhooks, "settings", lambda session: Production(real(session)))
        monkeypatch.setattr(outbound_urls, "resolve", resolve)
        return records

    def set_hook(self, client, partner, url):
        return client.put(f"{API}/partners/webhook", json={"url": url}, headers=partner[1])

    @pytest.mark.parametrize(
        "url", ["https://127.1/hooks", "https://169.254.169.254/latest", "https://localhost/x"]
    )
    def test_an_inward_webhook_url_is_refused(self, client, partner, dns, url):
        response = self.set_hook(client, partner, url)
        assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")

    def test_a_name_that_turned_inward_is_not_posted_to(self, client, runtime, partner, awa, dns):
        from app.remittances.models import WebhookDelivery

        sent = []
        runtime.services["partner_http_post"] = lambda url, body, headers: sent.append(url)
        assert self.set_hook(client, partner, "https://partner.example/hooks").status_code == 200
        dns["partner.example"] = ["10.0.0.7"]
        inbound(client, partner, msisdn=awa.msisdn, name=AWA, payout="wallet")
        runtime.services.pop("partner_http_post", None)
        assert sent == []
        with transaction(runtime) as session:
            (delivery,) = session.scalars(select(WebhookDelivery)).all()
            assert delivery.status == "pending"
            assert delivery.last_error.startswith("not sent: the host resolves to a non-public")
