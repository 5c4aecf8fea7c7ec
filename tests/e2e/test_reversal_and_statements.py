"""Reversal by an operator and the customer's statement (API.md GET /me/transactions)."""

import pytest

from app.db import transaction
from tests import factories
from tests.e2e.payments_support import API, confirm, otp_for, post, send_p2p, sms_to, wallet_of


@pytest.fixture
def people(runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=100_000)
        bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
        boss = factories.admin(session)
    return awa, bruno, boss


def paid(client, app, sender, to, amount):
    transfer = send_p2p(client, app, sender, to.msisdn, amount).get_json()
    response = confirm(client, app, sender, transfer["id"], otp_for(app, sender))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_admin_reverses_a_completed_transfer(client, app, runtime, people):
    awa, bruno, boss = people
    transfer = paid(client, app, awa, bruno, 5_000)
    response = post(
        client,
        app,
        boss,
        f"/transfers/{transfer['id']}/reversal",
        {"reason": "sent to the wrong number"},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "reversed"
    assert wallet_of(runtime, awa) == 100_000
    assert wallet_of(runtime, bruno) == 0
    assert transfer["reference"] in sms_to(app, awa.msisdn)[-1]
    assert "100 000 FCFA" in sms_to(app, awa.msisdn)[-1]
    again = post(client, app, boss, f"/transfers/{transfer['id']}/reversal", {"reason": "twice"})
    assert again.get_json()["status"] == "reversed"
    assert wallet_of(runtime, awa) == 100_000


def test_reversal_is_refused_when_the_recipient_spent_the_money(client, app, runtime, people):
    awa, bruno, boss = people
    transfer = paid(client, app, awa, bruno, 5_000)
    paid(client, app, bruno, awa, 4_000)
    response = post(client, app, boss, f"/transfers/{transfer['id']}/reversal", {"reason": "fraud"})
    assert response.status_code == 422 and response.get_json()["code"] == "insufficient_funds"
    assert wallet_of(runtime, bruno) == 5_000 - 4_050


def test_reversal_is_audited(client, app, runtime, people):
    from sqlalchemy import select

    from app.audit.models import AuditEvent

    awa, bruno, boss = people
    transfer = paid(client, app, awa, bruno, 5_000)
    post(client, app, boss, f"/transfers/{transfer['id']}/reversal", {"reason": "dispute"})
    with transaction(runtime) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "transfer.reversal")
        ).one()
        assert (event.actor_id, event.target_id) == (boss.id, transfer["id"])


def test_only_admins_reverse_and_only_completed_transfers(client, app, people):
    awa, bruno, boss = people
    pending = send_p2p(client, app, awa, bruno.msisdn, 1_000).get_json()
    assert (
        post(
            client, app, awa, f"/transfers/{pending['id']}/reversal", {"reason": "mine"}
        ).status_code
        == 403
    )
    refused = post(client, app, boss, f"/transfers/{pending['id']}/reversal", {"reason": "x y z"})
    assert refused.status_code == 422 and refused.get_json()["code"] == "invalid_state"
    missing = post(client, app, boss, f"/transfers/{pending['id']}/reversal", {})
    assert missing.status_code == 400


def test_statement_lines_explain_each_movement(client, app, runtime, people):
    awa, bruno, _boss = people
    first = paid(client, app, awa, bruno, 5_000)
    paid(client, app, bruno, awa, 1_000)
    response = client.get(f"{API}/me/transactions", headers=factories.headers_for(app, awa))
    lines = response.get_json()["items"]
    assert [line["direction"] for line in lines] == ["credit", "debit", "credit"]
    received, sent, funding = lines
    assert (received["amount"], received["fee"], received["balance_after"]) == (1_000, 0, 95_950)
    assert received["counterparty"]["name"] == "Bruno N."
    assert received["counterparty"]["msisdn"].count("*") == 5
    assert (sent["amount"], sent["fee"], sent["balance_after"]) == (5_000, 50, 94_950)
    assert sent["reference"] == first["reference"] and sent["type"] == "p2p"
    assert funding["balance_after"] == 100_000


def test_statement_pages_with_a_cursor(client, app, runtime, people):
    awa, bruno, _boss = people
    for amount in (1_000, 2_000, 3_000):
        paid(client, app, awa, bruno, amount)
    headers = factories.headers_for(app, awa)
    page = client.get(f"{API}/me/transactions?limit=2", headers=headers).get_json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get(
        f"{API}/me/transactions?limit=2&cursor={page['next_cursor']}", headers=headers
    ).get_json()
    assert [line["amount"] for line in page["items"] + rest["items"]] == [
        3_000,
        2_000,
        1_000,
        100_000,
    ]
    assert rest["next_cursor"] is None
    assert client.get(f"{API}/me/transactions?limit=500", headers=headers).status_code == 400
    assert client.get(f"{API}/me/transactions?cursor=garbage", headers=headers).status_code == 400


def test_receipts_reach_both_parties_in_their_language(client, app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=10_000)
        bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma", language="ln")
    paid(client, app, awa, bruno, 1_000)
    assert "Nouveau solde" in sms_to(app, awa.msisdn)[-1]
    assert "Solde na yo sika" in sms_to(app, bruno.msisdn)[-1]
