"""An admin takes a biller off the list customers pay from: new payments are refused, what is
under way finishes, and what was collected is still settled to the biller."""

import json

import pytest

from app import ledger
from app.audit.models import AuditEvent
from app.db import transaction
from app.ledger import chart
from tests import factories
from tests.e2e.cyber_support import API
from tests.e2e.payments_support import confirm, otp_for, post

CONTRACT = "01234567890"
REASON = {"reason": "Contract with E2C ended"}


@pytest.fixture(autouse=True)
def e2c(runtime):
    """The electricity company Awa pays."""
    with transaction(runtime) as session:
        factories.biller(session, code="E2C")


@pytest.fixture
def awa_balance():
    return 50_000


@pytest.fixture
def admin_headers(app, runtime):
    with transaction(runtime) as session:
        admin = factories.admin(session)
    return factories.headers_for(app, admin)


def set_status(client, headers, verb, code="E2C", body=REASON):
    return client.post(f"{API}/admin/billers/{code}/{verb}", json=body, headers=headers)


def pay(client, app, who, amount=5_000):
    body = {"biller": "E2C", "bill_reference": CONTRACT, "amount": amount}
    return post(client, app, who, "/bill-payments", body)


def listed(client):
    return [b["code"] for b in client.get(f"{API}/billers").get_json()["items"]]


def test_a_disabled_biller_leaves_the_list_and_refuses_new_payments(
    client, app, admin_headers, awa
):
    response = set_status(client, admin_headers, "disable")
    assert response.get_json() == {
        "code": "E2C",
        "name": response.get_json()["name"],
        "status": "disabled",
    }
    assert listed(client) == []
    refused = pay(client, app, awa)
    assert (refused.status_code, refused.get_json()["code"]) == (404, "not_found")


def test_a_payment_placed_before_can_still_be_confirmed(client, app, runtime, admin_headers, awa):
    placed = pay(client, app, awa).get_json()
    set_status(client, admin_headers, "disable")
    assert confirm(client, app, awa, placed["id"], otp_for(app, awa)).status_code == 200
    with transaction(runtime) as session:
        assert ledger.balance(session, chart.biller("E2C")).posted == 5_000


def test_what_a_disabled_biller_collected_is_still_settled(
    client, app, runtime, clock, admin_headers, awa
):
    placed = pay(client, app, awa).get_json()
    confirm(client, app, awa, placed["id"], otp_for(app, awa))
    set_status(client, admin_headers, "disable")
    clock.advance(days=1)
    result = app.test_cli_runner().invoke(
        args=["billers", "settle", "--date", "2026-11-28", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["settled"] == 5_000


def test_an_enabled_biller_is_offered_again(client, app, admin_headers, awa):
    set_status(client, admin_headers, "disable")
    response = set_status(client, admin_headers, "enable")
    assert response.get_json()["status"] == "active"
    assert listed(client) == ["E2C"]
    assert pay(client, app, awa).status_code == 201


def test_each_change_of_a_biller_is_audited_once(client, runtime, admin_headers, awa):
    set_status(client, admin_headers, "disable")
    set_status(client, admin_headers, "disable")
    with transaction(runtime) as session:
        (event,) = session.query(AuditEvent).filter(AuditEvent.action == "biller.disable").all()
        assert (event.target_id, event.after) == (
            "E2C",
            {"status": "disabled", "reason": "Contract with E2C ended"},
        )


def test_an_unknown_biller_cannot_be_disabled(client, admin_headers):
    response = set_status(client, admin_headers, "disable", code="NOPE")
    assert (response.status_code, response.get_json()["code"]) == (404, "not_found")


def test_disabling_a_biller_needs_a_reason(client, admin_headers, awa):
    response = set_status(client, admin_headers, "disable", body={"reason": " "})
    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")
    assert listed(client) == ["E2C"]
