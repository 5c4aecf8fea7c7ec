"""In production a callback is sent only while its host still resolves to public addresses.

The URL was checked when the merchant gave it; DNS may point the name inward
later, so each delivery checks again just before the POST. Production is
simulated for the callbacks module only; the resolver and the HTTP client are
replaced: nothing leaves the machine.
"""

import socket

import pytest
from sqlalchemy import select

from app import outbound_urls
from app.db import transaction
from app.payments import callbacks
from app.payments.models import CallbackDelivery
from tests import factories
from tests.e2e.cyber_support import API, Production, api_key
from tests.e2e.payments_support import post

HOOK = "https://hooks.shop.example/postcash"


@pytest.fixture
def dns(monkeypatch):
    records = {"hooks.shop.example": ["93.184.216.34"]}

    def resolve(host):
        if host not in records:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return records[host]

    real = callbacks.settings
    monkeypatch.setattr(callbacks, "settings", lambda session: Production(real(session)))
    monkeypatch.setattr(outbound_urls, "resolve", resolve)
    return records


@pytest.fixture
def posted(runtime):
    sent = []
    runtime.services["callback_http_post"] = lambda url, body, headers: sent.append(url)
    return sent


@pytest.fixture
def awa_balance():
    return 50_000


def pay_a_request(client, app, runtime, awa):
    with transaction(runtime) as session:
        shop = factories.merchant(session, callback_url=HOOK)
    created = client.post(
        f"{API}/merchant/payment-requests",
        json={"msisdn": awa.msisdn, "amount": 1_000, "reference": "CMD-1"},
        headers=api_key(shop.api_key, factories.key()),
    )
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def approve(client, app, awa, request_id):
    path = f"/payment-requests/{request_id}/approve"
    response = post(client, app, awa, path, {"pin": factories.PIN}, idempotent=False)
    assert response.status_code == 200, response.get_json()


def the_delivery(runtime):
    with transaction(runtime) as session:
        (delivery,) = session.scalars(select(CallbackDelivery)).all()
        return delivery.status, delivery.attempts, delivery.last_error


def test_a_public_host_is_called_back(client, app, runtime, dns, posted, awa):
    request_id = pay_a_request(client, app, runtime, awa)

    approve(client, app, awa, request_id)

    assert posted == [HOOK]
    assert the_delivery(runtime)[:2] == ("delivered", 1)


def test_a_host_that_now_resolves_inward_is_not_posted_to_and_is_undeliverable(
    client, app, runtime, dns, posted, awa
):
    request_id = pay_a_request(client, app, runtime, awa)
    dns["hooks.shop.example"] = ["10.0.0.7"]  # the name was moved into our network

    approve(client, app, awa, request_id)

    assert posted == []
    status, _attempts, error = the_delivery(runtime)
    assert status == "undeliverable"
    assert error == "not sent: the host resolves to a non-public address (10.0.0.7)"


def test_a_host_that_stops_resolving_is_retried_later_unsent(
    client, app, runtime, dns, posted, awa
):
    request_id = pay_a_request(client, app, runtime, awa)
    del dns["hooks.shop.example"]

    approve(client, app, awa, request_id)

    assert posted == []
    assert the_delivery(runtime) == ("pending", 1, "not sent: the host name does not resolve")
