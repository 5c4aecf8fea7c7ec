"""A pension reaches a wallet only if it is the wallet of the person named.

"Caisse de retraite" pays Awa Mabiala at her number. A line pays the wallet at
its number only when the number belongs to a registered (verified) customer
whose name is the line's, compared without case, accents or word order;
otherwise the line is a cash pickup, collected at a counter against an
identity document, so whoever registered a number that is not theirs gets
nothing.
"""

import pytest

from app import ledger
from app.db import transaction
from app.ledger import chart
from app.ledger.errors import AccountNotFound
from tests import factories
from tests.e2e.cyber_support import API, api_key
from tests.e2e.payments_support import available, wallet_of

JEAN = "+242069990001"


@pytest.fixture
def fund(runtime):
    with transaction(runtime) as session:
        _client, key = factories.payer(session, balance=1_000_000, name="Caisse de retraite")
    return key


@pytest.fixture
def awa_balance():
    return 0


def pay(client, key, msisdn, name, amount=25_000):
    """Submit and approve a one-line batch; the line as the payer sees it."""
    batch = client.post(
        f"{API}/disbursements/batches",
        json={
            "reference": "PENSIONS",
            "items": [{"msisdn": msisdn, "name": name, "amount": amount}],
        },
        headers=api_key(key, factories.key()),
    ).get_json()
    assert batch["valid"] == 1, batch
    client.post(f"{API}/disbursements/batches/{batch['id']}/approve", headers=api_key(key))
    lines = client.get(
        f"{API}/disbursements/batches/{batch['id']}/lines", headers=api_key(key)
    ).get_json()
    return lines["items"][0]


def test_a_line_for_the_registered_name_pays_the_wallet(client, runtime, fund, awa):
    line = pay(client, fund, awa.msisdn, "MABIALA  awa")

    assert line["status"] == "completed" and line["transfer_id"]
    assert wallet_of(runtime, awa) == 25_000


def test_accents_do_not_matter(client, runtime, fund):
    with transaction(runtime) as session:
        eloise = factories.customer(session, first_name="Éloïse", last_name="Nkounkou")

    line = pay(client, fund, eloise.msisdn, "Eloise NKOUNKOU")

    assert line["transfer_id"]
    assert wallet_of(runtime, eloise) == 25_000


def test_a_line_under_another_name_is_a_cash_pickup(client, app, runtime, fund, awa):
    line = pay(client, fund, awa.msisdn, "Jean Okemba")

    assert line["status"] == "completed"
    assert line["remittance_id"] and line.get("transfer_id") is None
    assert wallet_of(runtime, awa) == 0
    assert available(runtime, chart.REMIT_PAYABLE) == 25_000
    assert factories.sms_code(app, awa.msisdn)  # the cash-pickup code, texted to the number


def test_a_line_to_a_number_waiting_for_its_code_is_a_cash_pickup(client, app, runtime, fund):
    pending = factories.registration(client, msisdn=JEAN, first_name="Jean", last_name="Okemba")

    line = pay(client, fund, JEAN, "Jean Okemba")

    assert line["remittance_id"] and line.get("transfer_id") is None
    assert available(runtime, chart.REMIT_PAYABLE) == 25_000
    with pytest.raises(AccountNotFound), transaction(runtime) as session:
        ledger.get_account(session, chart.wallet(pending["id"]))


def test_a_line_to_a_lapsed_registration_is_a_cash_pickup(client, runtime, fund, clock):
    factories.registration(client, msisdn=JEAN, first_name="Jean", last_name="Okemba")
    clock.advance(minutes=16)

    line = pay(client, fund, JEAN, "Jean Okemba")

    assert line["remittance_id"] and line.get("transfer_id") is None
