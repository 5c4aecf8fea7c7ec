"""X-API-Key: organisations authenticate with a key shown once and stored hashed."""

import pytest
from flask import jsonify

from app.auth.api_keys import ApiClient, authenticate_api_key
from app.auth.decorators import require
from app.db import transaction
from app.principal import current_principal
from tests import factories


@pytest.fixture
def partner_route(app):
    """A route for partners only, standing in for the partner API of a later package."""

    @require("partner")
    def whoami():  # type: ignore[no-untyped-def]
        principal = current_principal()
        return jsonify(role=principal.role, id=principal.id)

    app.add_url_rule("/test/partner-only", "partner_only", whoami)
    return "/test/partner-only"


def test_a_valid_key_authenticates_its_client(client, runtime, partner_route):
    with transaction(runtime) as session:
        partner, key = factories.api_client(session, "partner")
    response = client.get(partner_route, headers={"X-API-Key": key})
    assert response.status_code == 200
    assert response.get_json() == {"role": "partner", "id": partner.id}


@pytest.mark.parametrize("key", ["", "short", "x" * 43, "y" * 500])
def test_an_unknown_key_is_unauthorized(client, runtime, partner_route, key):
    with transaction(runtime) as session:
        factories.api_client(session, "partner")
    response = client.get(partner_route, headers={"X-API-Key": key})
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"


def test_a_key_with_the_right_prefix_but_wrong_rest_is_refused(client, runtime, partner_route):
    with transaction(runtime) as session:
        _partner, key = factories.api_client(session, "partner")
    forged = key[:8] + ("A" if key[8] != "A" else "B") + key[9:]
    assert client.get(partner_route, headers={"X-API-Key": forged}).status_code == 401


def test_a_key_of_another_role_is_forbidden(client, runtime, partner_route):
    with transaction(runtime) as session:
        _payer, key = factories.api_client(session, "payer")
    response = client.get(partner_route, headers={"X-API-Key": key})
    assert response.status_code == 403


def test_a_disabled_client_is_refused(client, runtime, partner_route):
    with transaction(runtime) as session:
        partner, key = factories.api_client(session, "partner")
    with transaction(runtime) as session:
        session.get(ApiClient, partner.id).status = "disabled"
    assert client.get(partner_route, headers={"X-API-Key": key}).status_code == 401


def test_a_customer_token_cannot_reach_a_partner_route(client, runtime, partner_route):
    with transaction(runtime) as session:
        customer = factories.customer(session)
    headers = factories.headers_for(client.application, customer)
    assert client.get(partner_route, headers=headers).status_code == 403


def test_only_the_hash_and_a_lookup_prefix_are_stored(session):
    client, key = factories.api_client(session, "merchant")
    assert key not in (client.key_hash, client.key_prefix)
    assert client.key_prefix == key[:8]
    assert authenticate_api_key(session, key).id == client.id
