"""What differs per environment at run time: the SSRF guard on webhook addresses holds
in staging as in production; /metrics can be protected or turned off; the API docs
can be turned off (the production default)."""

from __future__ import annotations

import socket

import pytest

from app import outbound_urls
from app.db import transaction
from tests import factories
from tests.e2e.cyber_support import api_key
from tests.openapi_support import API


class TestStagingWebhookAddresses:
    """Staging checks webhook addresses as production does (the resolver is replaced:
    nothing is looked up, nothing leaves the machine)."""

    @pytest.fixture
    def config_overrides(self):
        return {"APP_ENV": "staging"}

    @pytest.fixture(autouse=True)
    def dns(self, monkeypatch):
        def resolve(host):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

        monkeypatch.setattr(outbound_urls, "resolve", resolve)

    def test_a_merchant_callback_into_our_network_is_refused(self, client, runtime):
        with transaction(runtime) as session:
            awa = factories.customer(session)
            shop = factories.merchant(session, name="Boutique Ndeko")
        response = client.post(
            f"{API}/merchant/payment-requests",
            json={
                "msisdn": awa.msisdn,
                "amount": 1_000,
                "reference": "CMD-1",
                "callback_url": "http://127.0.0.1:8123/hooks/postcash",
            },
            headers=api_key(shop.api_key, factories.key()),
        )

        assert response.status_code == 400, response.get_json()
        assert response.get_json()["errors"] == {"callback_url": ["A public address is required."]}

    @pytest.mark.parametrize("url", ["http://127.0.0.1:8123/hooks", "http://169.254.169.254/x"])
    def test_a_partner_webhook_into_our_network_is_refused(self, client, runtime, url):
        with transaction(runtime) as session:
            _partner, key = factories.api_client(session, "partner")
        response = client.put(
            f"{API}/partners/webhook", json={"url": url}, headers={"X-API-Key": key}
        )

        assert response.status_code == 400, response.get_json()
        assert "url" in response.get_json()["errors"]


# -- /metrics ---------------------------------------------------------------------------


class TestMetricsWithAToken:
    @pytest.fixture
    def config_overrides(self):
        return {"METRICS_TOKEN": "scrape-me-0123456789"}

    def test_a_scrape_without_the_token_is_unauthorized(self, client):
        response = client.get("/metrics")

        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "postcash_http_requests_total" not in response.get_data(as_text=True)

    @pytest.mark.parametrize("given", ["Bearer wrong", "scrape-me-0123456789", "Basic c2NyYXBl"])
    def test_a_scrape_with_another_credential_is_unauthorized(self, client, given):
        assert client.get("/metrics", headers={"Authorization": given}).status_code == 401

    def test_a_scrape_with_the_token_gets_the_metrics(self, client):
        response = client.get("/metrics", headers={"Authorization": "Bearer scrape-me-0123456789"})

        assert response.status_code == 200
        assert "postcash_http_requests_total" in response.get_data(as_text=True)


class TestMetricsTurnedOff:
    @pytest.fixture
    def config_overrides(self):
        return {"METRICS_ENABLED": False}

    def test_there_is_no_such_page(self, client):
        response = client.get("/metrics")

        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"


# -- API docs ---------------------------------------------------------------------------


class TestApiDocsTurnedOff:
    @pytest.fixture
    def config_overrides(self):
        return {"API_DOCS": False}

    @pytest.mark.parametrize("path", [f"{API}/docs", f"{API}/swagger.json", f"{API}/openapi.json"])
    def test_neither_swagger_ui_nor_the_specs_are_served(self, client, path):
        response = client.get(path)

        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"

    def test_the_api_itself_still_answers(self, client):
        assert client.get(f"{API}/fees?type=p2p&amount=5000").status_code == 200
