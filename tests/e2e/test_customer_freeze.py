"""An admin freezes a customer (fraud, court order): nothing leaves the wallet any more,
payments waiting for their code are cancelled with the money released, the customer can
still see their balance; unfreezing gives the wallet back."""

import pytest

from app.audit.models import AuditEvent
from app.customers.models import Customer
from app.db import transaction
from app.ledger import chart
from tests import factories
from tests.e2e.payments_support import (
    API,
    available,
    confirm,
    otp_for,
    post,
    send_p2p,
    wallet_of,
)
from tests.e2e.ussd_support import Phone

REASON = {"reason": "Réquisition judiciaire n° 2026/118"}


@pytest.fixture
def bruno(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bruno")


@pytest.fixture
def admin_headers(app, runtime):
    with transaction(runtime) as session:
        admin = factories.admin(session)
    return factories.headers_for(app, admin)


def freeze(client, headers, customer, verb="freeze", body=REASON):
    return client.post(f"{API}/admin/customers/{customer.id}/{verb}", json=body, headers=headers)


def status_of(runtime, customer):
    with transaction(runtime) as session:
        return session.get(Customer, customer.id).status


def test_a_frozen_customer_cannot_send_money(client, app, admin_headers, awa, bruno):
    assert freeze(client, admin_headers, awa).get_json()["status"] == "frozen"
    response = send_p2p(client, app, awa, bruno.msisdn, 5_000)
    assert (response.status_code, response.get_json()["code"]) == (422, "account_frozen")


def test_a_payment_waiting_for_its_code_is_cancelled_and_released(
    client, app, runtime, admin_headers, awa, bruno
):
    placed = send_p2p(client, app, awa, bruno.msisdn, 5_000).get_json()
    assert wallet_of(runtime, awa) < 100_000
    body = freeze(client, admin_headers, awa).get_json()
    assert body["cancelled_transfers"] == [placed["id"]]
    assert wallet_of(runtime, awa) == 100_000
    late = confirm(client, app, awa, placed["id"], otp_for(app, awa))
    assert late.status_code in (409, 422) and late.get_json()["code"] != "internal_error"
    assert wallet_of(runtime, bruno) == 0


def test_a_withdrawal_code_issued_before_cannot_be_cashed_out(
    client, app, runtime, admin_headers, awa
):
    with transaction(runtime) as session:
        counter = factories.agent(session, float_balance=500_000)
    code = post(client, app, awa, "/withdrawals", {"amount": 20_000}).get_json()["code"]
    freeze(client, admin_headers, awa)
    paid = post(client, app, counter, "/agent/cash-out", {"msisdn": awa.msisdn, "code": code})
    assert paid.status_code in (403, 422)
    assert (wallet_of(runtime, awa), available(runtime, chart.float_account(counter.id))) == (
        100_000,
        500_000,
    )


def test_a_remittance_waiting_for_its_code_is_cancelled(client, app, runtime, admin_headers, awa):
    body = {"recipient": {"name": "Jean Okemba", "msisdn": "+242055551234"}, "amount": 20_000}
    sent = post(client, app, awa, "/remittances", body).get_json()
    done = freeze(client, admin_headers, awa).get_json()
    assert done["cancelled_remittances"] == [sent["id"]]
    assert wallet_of(runtime, awa) == 100_000


def test_the_wallet_refuses_any_debit_while_frozen(client, runtime, admin_headers, awa):
    from app import ledger
    from app.errors import AccountFrozen

    freeze(client, admin_headers, awa)
    with pytest.raises(AccountFrozen), transaction(runtime) as session:
        ledger.post_entry(
            session,
            key=factories.key(),
            kind="p2p",
            legs=(
                ledger.debit(chart.wallet(awa.id), 1_000),
                ledger.credit(chart.TRUST_BANK, 1_000),
            ),
        )


def test_a_frozen_customer_is_told_so_on_ussd(client, runtime, admin_headers, awa, bruno):
    freeze(client, admin_headers, awa)
    screen = Phone(client, awa.msisdn).run("1", bruno.msisdn[4:], "5000", "1", factories.PIN)
    assert screen == "END Compte suspendu. Contactez le service client PostCash."
    assert wallet_of(runtime, bruno) == 0


def test_a_frozen_customer_still_sees_their_balance(client, app, admin_headers, awa):
    freeze(client, admin_headers, awa)
    response = client.get(f"{API}/me/balance", headers=factories.headers_for(app, awa))
    assert (response.status_code, response.get_json()["available"]) == (200, 100_000)


def test_unfreezing_gives_the_wallet_back(client, app, runtime, admin_headers, awa, bruno):
    freeze(client, admin_headers, awa)
    assert freeze(client, admin_headers, awa, "unfreeze").get_json()["status"] == "active"
    placed = send_p2p(client, app, awa, bruno.msisdn, 5_000).get_json()
    assert confirm(client, app, awa, placed["id"], otp_for(app, awa)).status_code == 200
    assert wallet_of(runtime, bruno) == 5_000


def test_a_customer_frozen_while_pin_locked_stays_locked_when_unfrozen(
    client, runtime, admin_headers, awa
):
    with transaction(runtime) as session:
        row = session.get(Customer, awa.id)
        row.status, row.failed_pin_attempts = "locked", 3
    freeze(client, admin_headers, awa)
    assert freeze(client, admin_headers, awa, "unfreeze").get_json()["status"] == "locked"


def test_freezing_twice_is_one_change_on_the_audit_trail(
    client, app, runtime, admin_headers, awa, bruno
):
    placed = send_p2p(client, app, awa, bruno.msisdn, 5_000).get_json()
    freeze(client, admin_headers, awa)
    again = freeze(client, admin_headers, awa)
    assert (again.status_code, again.get_json()["cancelled_transfers"]) == (200, [])
    with transaction(runtime) as session:
        (event,) = session.query(AuditEvent).filter(AuditEvent.action == "customer.freeze").all()
        assert event.after == {
            "status": "frozen",
            "reason": "Réquisition judiciaire n° 2026/118",
            "cancelled_transfers": [placed["id"]],
            "cancelled_remittances": [],
        }


def test_freezing_needs_a_reason(client, runtime, admin_headers, awa):
    response = freeze(client, admin_headers, awa, body={})
    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")
    assert status_of(runtime, awa) == "active"


def test_an_agent_cannot_freeze_a_customer(client, app, runtime, awa):
    with transaction(runtime) as session:
        counter = factories.agent(session)
    response = freeze(client, factories.headers_for(app, counter), awa)
    assert (response.status_code, response.get_json()["code"]) == (403, "forbidden")


def test_an_unknown_customer_is_not_found(client, admin_headers):
    response = client.post(
        f"{API}/admin/customers/nobody/freeze", json=REASON, headers=admin_headers
    )
    assert (response.status_code, response.get_json()["code"]) == (404, "not_found")


def test_a_customer_is_frozen_and_unfrozen_from_the_command_line(app, runtime, awa):
    runner = app.test_cli_runner()
    frozen = runner.invoke(args=["customers", "freeze", awa.msisdn, "--reason", "fraud report"])
    assert (frozen.exit_code, status_of(runtime, awa)) == (0, "frozen"), frozen.output
    thawed = runner.invoke(args=["customers", "unfreeze", awa.msisdn, "--reason", "cleared"])
    assert (thawed.exit_code, status_of(runtime, awa)) == (0, "active"), thawed.output


def sign_in(client, who, pin):
    return client.post(f"{API}/auth/login", json={"msisdn": who.msisdn, "pin": pin})


def test_wrong_pins_lock_a_frozen_account_all_the_same(client, admin_headers, awa):
    freeze(client, admin_headers, awa)
    for _ in range(5):
        assert sign_in(client, awa, "0000").status_code == 422
    right = sign_in(client, awa, factories.PIN)
    assert (right.status_code, right.get_json()["code"]) == (422, "account_locked")


def test_freezing_a_pin_locked_customer_keeps_the_pin_locked(client, runtime, admin_headers, awa):
    for _ in range(3):
        sign_in(client, awa, "0000")
    freeze(client, admin_headers, awa)
    assert sign_in(client, awa, factories.PIN).get_json()["code"] == "account_locked"
    freeze(client, admin_headers, awa, "unfreeze")
    assert status_of(runtime, awa) == "locked"
