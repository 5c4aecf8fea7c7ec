"""POST /admin/prefunding and /admin/fx-rates: the operator's side of inbound remittances."""

import pytest
from sqlalchemy import select

from app import ledger
from app.audit import AuditEvent
from app.db import transaction
from app.ledger import chart
from tests import factories

API = "/api/v1"


@pytest.fixture
def admin(runtime):
    with transaction(runtime) as session:
        return factories.admin(session)


@pytest.fixture
def partner(runtime):
    with transaction(runtime) as session:
        client, _key = factories.api_client(session, "partner")
    return client


@pytest.fixture
def payer(runtime):
    with transaction(runtime) as session:
        client, _key = factories.api_client(session, "payer")
    return client


def prefund(client, app, who, holder, holder_id, amount=500_000, key=None):
    return client.post(
        f"{API}/admin/prefunding",
        json={"account_holder": holder, "id": holder_id, "amount": amount},
        headers={**factories.headers_for(app, who), "Idempotency-Key": key or factories.key()},
    )


def posted(runtime, code):
    with transaction(runtime) as session:
        return ledger.balance(session, code).posted


def test_prefunding_moves_money_from_the_trust_bank_to_the_partner(
    client, app, runtime, admin, partner
):
    response = prefund(client, app, admin, "partner", partner.id)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["balance"] == 500_000
    assert posted(runtime, chart.partner(partner.id)) == 500_000
    assert posted(runtime, chart.TRUST_BANK) == 500_000


def test_the_longest_idempotency_key_prefunds_once(client, app, runtime, admin, partner):
    key = "k" * 255  # API.md: an Idempotency-Key is 1 to 255 characters
    first = prefund(client, app, admin, "partner", partner.id, key=key)
    again = prefund(client, app, admin, "partner", partner.id, key=key)
    assert (first.status_code, again.get_json()) == (201, first.get_json())
    assert posted(runtime, chart.partner(partner.id)) == 500_000


def test_payers_are_prefunded_the_same_way(client, app, runtime, admin, payer):
    prefund(client, app, admin, "payer", payer.id, amount=2_000_000)

    assert posted(runtime, chart.payer(payer.id)) == 2_000_000


def test_prefunding_is_audited(client, app, runtime, admin, partner):
    prefund(client, app, admin, "partner", partner.id)

    with transaction(runtime) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "prefunding.credit")
        ).one()
        assert (event.actor_id, event.target_id, event.after["amount"]) == (
            admin.id,
            partner.id,
            500_000,
        )


def test_a_replayed_prefunding_credits_once(client, app, runtime, admin, partner):
    prefund(client, app, admin, "partner", partner.id, key="wire-77")
    again = prefund(client, app, admin, "partner", partner.id, key="wire-77")

    assert again.headers["Idempotent-Replayed"] == "true"
    assert posted(runtime, chart.partner(partner.id)) == 500_000


def test_an_unknown_or_mismatched_holder_is_not_found(client, app, admin, partner):
    assert prefund(client, app, admin, "partner", "no-such-id").status_code == 404
    assert prefund(client, app, admin, "payer", partner.id).status_code == 404


def test_only_admins_prefund(client, app, runtime, partner):
    with transaction(runtime) as session:
        agent = factories.agent(session)

    assert prefund(client, app, agent, "partner", partner.id).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"account_holder": "merchant", "id": "x", "amount": 100},
        {"account_holder": "partner", "id": "x", "amount": -5},
        {"account_holder": "partner", "amount": 100},
    ],
)
def test_bad_prefunding_requests_are_validation_errors(client, app, admin, body):
    response = client.post(
        f"{API}/admin/prefunding",
        json=body,
        headers={**factories.headers_for(app, admin), "Idempotency-Key": factories.key()},
    )

    assert response.status_code == 400


def test_an_admin_sets_a_rate_and_it_is_listed_beside_the_peg(client, app, admin):
    headers = factories.headers_for(app, admin)

    put = client.put(f"{API}/admin/fx-rates/usd", json={"rate": "602.35"}, headers=headers)
    listed = client.get(f"{API}/admin/fx-rates", headers=headers).get_json()["items"]

    assert put.status_code == 200
    assert put.get_json()["rate"] == "602.35"
    rates = {item["currency"]: (item["rate"], item["margin_bp"]) for item in listed}
    assert rates["EUR"] == ("655.957", 0)
    assert rates["USD"] == ("602.35", 150)


def test_rate_changes_are_audited_with_the_old_rate(client, app, runtime, admin):
    headers = factories.headers_for(app, admin)
    client.put(f"{API}/admin/fx-rates/USD", json={"rate": "600"}, headers=headers)
    client.put(f"{API}/admin/fx-rates/USD", json={"rate": "610"}, headers=headers)

    with transaction(runtime) as session:
        last = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "fx_rate.update")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert (last.before, last.after) == ({"rate": "600"}, {"rate": "610"})


@pytest.mark.parametrize(
    ("currency", "rate"),
    [
        ("EUR", "650"),
        ("XAF", "1"),
        ("ZZZ", "10"),
        ("USD", "-1"),
        ("USD", "abc"),
        ("USD", "1.1234567"),
    ],
)
def test_fixed_unknown_or_bad_rates_are_refused(client, app, admin, currency, rate):
    response = client.put(
        f"{API}/admin/fx-rates/{currency}",
        json={"rate": rate},
        headers=factories.headers_for(app, admin),
    )

    assert response.status_code == 400
