"""POST /customers/{id}/kyc: an agent raises a customer's tier after seeing an ID document."""

import pytest

from app.audit import list_events
from app.db import transaction
from tests import factories


@pytest.fixture
def people(client, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session)
        agent = factories.agent(session)
    return awa, factories.headers_for(client.application, agent), agent


def upgrade(client, customer_id, headers, **overrides):
    data = {"tier": "standard", "id_type": "national_id", "id_number": "cg 123 456 78"}
    data.update(overrides)
    return client.post(f"/api/v1/customers/{customer_id}/kyc", json=data, headers=headers)


def test_an_agent_raises_the_tier_and_the_limits_follow(client, people):
    awa, headers, _agent = people
    response = upgrade(client, awa.id, headers)
    assert response.status_code == 200
    assert response.get_json()["kyc_tier"] == "standard"
    me = client.get("/api/v1/me", headers=factories.headers_for(client.application, awa)).get_json()
    assert me["limits"]["single"] == 500_000
    assert me["limits"]["balance"] == 1_000_000


def test_the_document_is_kept_normalised_with_who_checked_it(client, runtime, people):
    awa, headers, agent = people
    upgrade(client, awa.id, headers)
    with transaction(runtime) as session:
        from app.customers.service import get_customer

        stored = get_customer(session, awa.id)
        assert (stored.id_type, stored.id_number) == ("national_id", "CG12345678")
        assert stored.kyc_verified_by == agent.id
        assert stored.kyc_verified_at is not None


def test_the_upgrade_is_in_the_audit_trail(client, runtime, people):
    awa, headers, agent = people
    upgrade(client, awa.id, headers, tier="full")
    with transaction(runtime) as session:
        events = list_events(session, action="customer.kyc_upgrade").items
    assert [(e.actor_id, e.target_id, e.after["kyc_tier"]) for e in events] == [
        (agent.id, awa.id, "full")
    ]


def test_a_tier_can_skip_straight_to_full(client, people):
    awa, headers, _agent = people
    assert upgrade(client, awa.id, headers, tier="full").get_json()["kyc_tier"] == "full"


def test_the_same_or_a_lower_tier_is_an_invalid_state(client, people):
    awa, headers, _agent = people
    upgrade(client, awa.id, headers, tier="full")
    again = upgrade(client, awa.id, headers, tier="standard", id_number="OTHER123")
    assert again.status_code == 422
    assert again.get_json()["code"] == "invalid_state"


def test_one_document_backs_one_wallet(client, runtime, people):
    awa, headers, _agent = people
    with transaction(runtime) as session:
        bruno = factories.customer(session)
    upgrade(client, awa.id, headers)
    response = upgrade(client, bruno.id, headers, id_number="CG12345678")
    assert response.status_code == 409
    assert response.get_json()["code"] == "conflict"


@pytest.mark.parametrize(
    "field,value",
    [("tier", "gold"), ("id_type", "library_card"), ("id_number", "x"), ("id_number", "ab#cd")],
)
def test_bad_tiers_and_documents_are_validation_errors(client, people, field, value):
    awa, headers, _agent = people
    response = upgrade(client, awa.id, headers, **{field: value})
    assert response.status_code == 400
    assert field in response.get_json()["errors"]


def test_an_unknown_customer_is_not_found(client, people):
    _awa, headers, _agent = people
    assert upgrade(client, "4b1e6f5e-0000-4000-8000-000000000000", headers).status_code == 404


def test_an_admin_is_not_a_counter_and_cannot_upgrade(client, runtime, people):
    awa, _headers, _agent = people
    with transaction(runtime) as session:
        admin = factories.admin(session)
    response = upgrade(client, awa.id, factories.headers_for(client.application, admin))
    assert response.status_code == 403
