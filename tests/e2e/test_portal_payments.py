"""Paying from the portal: preview, the SMS code, once per form, the customer's own only."""

import threading

import pytest

from app.db import transaction
from app.transfers.models import Transfer
from tests import factories
from tests.concurrency import RACERS
from tests.e2e.counter_support import hidden
from tests.e2e.payments_support import wallet_of
from tests.e2e.portal_support import post, sign_in, text_of


@pytest.fixture
def bob(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bob", last_name="Loubaki")


@pytest.fixture
def signed_in(client, app, awa):
    sign_in(client, app, awa)
    return client


def _preview(client, slug, **fields):
    page = post(client, f"/compte/{slug}", **fields)
    assert page.status_code == 200, text_of(page)
    return page


def _place(client, slug, page):
    return post(
        client,
        f"/compte/{slug}/valider",
        payload=hidden(page, "payload"),
        key=hidden(page, "key"),
    )


def _transfers(runtime, customer):
    with transaction(runtime) as session:
        return session.query(Transfer).filter_by(initiator_id=customer.id).all()


def test_the_preview_names_the_recipient_and_the_fee_and_holds_nothing(
    signed_in, runtime, awa, bob
):
    page = _preview(signed_in, "envoyer", to=bob.msisdn, amount=5000)
    assert "Bob L." in text_of(page)
    assert "5 000" in text_of(page)
    assert _transfers(runtime, awa) == []


def test_a_transfer_is_sent_with_the_sms_code(signed_in, app, runtime, awa, bob):
    page = _preview(signed_in, "envoyer", to=bob.msisdn, amount=5000)
    placed = _place(signed_in, "envoyer", page)
    assert placed.status_code == 303
    code_page = signed_in.get(placed.headers["Location"])
    assert "code à 6 chiffres" in text_of(code_page)
    code = factories.sms_code(app, awa.msisdn, digits=6)
    done = post(signed_in, placed.headers["Location"], code=code)
    assert done.status_code == 303
    assert "Opération réussie" in text_of(signed_in.get(done.headers["Location"]))
    assert wallet_of(runtime, bob) == 5000
    (transfer,) = _transfers(runtime, awa)
    assert transfer.channel == "web" and transfer.status == "completed"


def test_a_wrong_code_says_how_many_tries_are_left_and_pays_nothing(signed_in, runtime, awa, bob):
    placed = _place(
        signed_in, "envoyer", _preview(signed_in, "envoyer", to=bob.msisdn, amount=5000)
    )
    answer = post(signed_in, placed.headers["Location"], code="000000")
    assert answer.status_code == 422
    assert "Il vous reste" in text_of(answer)
    assert wallet_of(runtime, bob) == 0


def test_the_same_confirmation_sent_twice_places_one_transfer(signed_in, runtime, awa, bob):
    page = _preview(signed_in, "envoyer", to=bob.msisdn, amount=5000)
    first = _place(signed_in, "envoyer", page)
    second = _place(signed_in, "envoyer", page)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(_transfers(runtime, awa)) == 1


def test_a_double_tap_racing_itself_places_one_transfer(signed_in, app, runtime, awa, bob, backend):
    if backend == "sqlite":
        pytest.skip("SQLite serialises writers: the race is PostgreSQL's")
    page = _preview(signed_in, "envoyer", to=bob.msisdn, amount=5000)
    data = {"payload": hidden(page, "payload"), "key": hidden(page, "key")}
    token = hidden(signed_in.get("/compte/connexion"), "csrf_token")
    cookie = signed_in.get_cookie("postcash")
    answers = []
    barrier = threading.Barrier(RACERS)

    def tap():
        tab = app.test_client()
        tab.set_cookie("postcash", cookie.value)
        barrier.wait()
        answers.append(tab.post("/compte/envoyer/valider", data={"csrf_token": token, **data}))

    threads = [threading.Thread(target=tap) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == RACERS
    assert {a.status_code for a in answers} == {303}
    assert len({a.headers["Location"] for a in answers}) == 1
    assert len(_transfers(runtime, awa)) == 1


def test_an_edited_confirmation_is_refused(signed_in, runtime, awa, bob):
    page = _preview(signed_in, "envoyer", to=bob.msisdn, amount=5000)
    answer = post(
        signed_in,
        "/compte/envoyer/valider",
        payload=hidden(page, "payload")[:-4] + "AAAA",
        key=hidden(page, "key"),
    )
    assert answer.status_code == 400
    assert _transfers(runtime, awa) == []


def test_an_unknown_recipient_is_said_on_the_form(signed_in):
    answer = post(signed_in, "/compte/envoyer", to="+242069999998", amount=5000)
    assert answer.status_code == 422
    assert "introuvable" in text_of(answer)


def test_more_than_the_balance_is_refused_at_placing(signed_in, runtime, awa, bob):
    page = _preview(signed_in, "envoyer", to=bob.msisdn, amount=99_900)
    answer = _place(signed_in, "envoyer", page)
    assert answer.status_code == 422
    assert "insuffisant" in text_of(answer)
    assert _transfers(runtime, awa) == []


def test_cancelling_releases_the_held_amount(signed_in, runtime, awa, bob):
    placed = _place(
        signed_in, "envoyer", _preview(signed_in, "envoyer", to=bob.msisdn, amount=5000)
    )
    answer = post(signed_in, placed.headers["Location"] + "/annuler")
    assert answer.status_code == 303
    assert "annulée" in text_of(signed_in.get(answer.headers["Location"]))
    assert wallet_of(runtime, awa) == 100_000


def test_another_customers_payment_is_not_found(signed_in, app, runtime, awa, bob):
    placed = _place(
        signed_in, "envoyer", _preview(signed_in, "envoyer", to=bob.msisdn, amount=5000)
    )
    other = app.test_client()
    sign_in(other, app, bob)
    assert other.get(placed.headers["Location"]).status_code == 404
    assert post(other, placed.headers["Location"], code="123456").status_code == 404


def test_a_withdrawal_shows_its_code_once_and_where_to_take_it(signed_in, app, runtime, awa):
    with transaction(runtime) as session:
        factories.office(session, name="Bureau de poste de Poto-Poto", services=["cash"])
    page = _preview(signed_in, "retirer", amount=10_000)
    answer = _place(signed_in, "retirer", page)
    assert answer.status_code == 200
    code = factories.sms_code(app, awa.msisdn, digits=6)
    assert code in text_of(answer)
    assert "Poto-Poto" in text_of(answer)
    again = _place(signed_in, "retirer", page)  # the same form again: no second code shown
    assert again.status_code == 303
    assert code not in text_of(signed_in.get(again.headers["Location"]))


def test_payment_pages_need_a_session(client):
    assert client.get("/compte/envoyer").status_code == 302
    assert client.get("/compte/operations/transfer/x").status_code == 302


def test_an_unknown_payment_page_is_not_found(signed_in):
    assert signed_in.get("/compte/nowhere").status_code == 404
