"""The livret on the portal: open it once, deposit at once, withdraw with the SMS code."""

import pytest

from app.db import transaction
from app.savings.models import SavingsAccount
from tests import factories
from tests.e2e.counter_support import hidden
from tests.e2e.payments_support import wallet_of
from tests.e2e.portal_support import post, sign_in, text_of


@pytest.fixture
def signed_in(client, app, awa):
    sign_in(client, app, awa)
    return client


def _open(client):
    page = client.get("/compte/epargne")
    return post(client, "/compte/epargne/ouvrir", product="livret", key=hidden(page, "key"))


def _livrets(runtime, who):
    with transaction(runtime) as session:
        return session.query(SavingsAccount).filter_by(customer_id=who.id).all()


def _move(client, slug, account_id, amount):
    page = post(client, f"/compte/{slug}", account=account_id, amount=amount)
    assert page.status_code == 200, text_of(page)
    return post(
        client, f"/compte/{slug}/valider", payload=hidden(page, "payload"), key=hidden(page, "key")
    )


def test_the_offer_shows_the_rate_and_the_minimum(signed_in):
    page = signed_in.get("/compte/epargne")
    assert "2,50 %" in text_of(page) and "5 000" in text_of(page)


def test_a_livret_is_opened_once_even_when_the_form_is_sent_twice(signed_in, runtime, awa):
    page = signed_in.get("/compte/epargne")
    key = hidden(page, "key")
    first = post(signed_in, "/compte/epargne/ouvrir", product="livret", key=key)
    second = post(signed_in, "/compte/epargne/ouvrir", product="livret", key=key)
    assert first.status_code == second.status_code == 303
    assert len(_livrets(runtime, awa)) == 1
    assert "Livret n°" in text_of(signed_in.get("/compte/epargne"))


def test_a_deposit_moves_money_at_once_and_a_withdrawal_waits_for_the_code(
    signed_in, app, runtime, awa
):
    _open(signed_in)
    (livret,) = _livrets(runtime, awa)
    deposited = _move(signed_in, "epargne-versement", livret.id, 20_000)
    assert deposited.status_code == 303
    assert "Opération réussie" in text_of(
        signed_in.get(deposited.headers["Location"], follow_redirects=True)
    )
    assert wallet_of(runtime, awa) == 80_000
    withdrawn = _move(signed_in, "epargne-retrait", livret.id, 5_000)
    assert withdrawn.status_code == 303
    code = factories.sms_code(app, awa.msisdn, digits=6)
    done = post(signed_in, withdrawn.headers["Location"], code=code)
    assert done.status_code == 303
    assert wallet_of(runtime, awa) == 85_000


def test_another_customers_livret_cannot_be_used(app, signed_in, runtime, awa):
    with transaction(runtime) as session:
        bob = factories.customer(session, first_name="Bob", balance=50_000)
    other = app.test_client()
    sign_in(other, app, bob)
    _open(other)
    (bobs,) = _livrets(runtime, bob)
    answer = post(signed_in, "/compte/epargne-versement", account=bobs.id, amount=1_000)
    assert answer.status_code == 404
    assert wallet_of(runtime, awa) == 100_000
