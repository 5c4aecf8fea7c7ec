"""The e-mailbox and sending a letter on the portal."""

import io

import pytest

from app.db import transaction
from app.mail.models import Letter
from tests import factories
from tests.e2e.counter_support import hidden
from tests.e2e.payments_support import wallet_of
from tests.e2e.portal_support import csrf, post, sign_in, text_of
from tests.mail_support import encrypted_pdf, make_pdf, pdf_text


@pytest.fixture
def bob(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bob", last_name="Loubaki")


def _send(client, recipient, *, service="ordinary", pdf=None, key=None):
    page = client.get("/compte/courrier/envoyer")
    data = {
        "csrf_token": csrf(client),
        "key": key or hidden(page, "key"),
        "recipient_name": "Bob Loubaki",
        "recipient_msisdn": recipient.msisdn,
        "service": service,
        "subject": "Convocation",
        "file": (io.BytesIO(pdf or make_pdf(2, "Bonjour Bob")), "lettre.pdf", "application/pdf"),
    }
    return client.post("/compte/courrier/envoyer", data=data, content_type="multipart/form-data")


def _pay(client, app, who, answer):
    assert answer.status_code == 303, text_of(answer)
    code = factories.sms_code(app, who.msisdn, digits=6)
    return post(client, answer.headers["Location"], code=code)


def test_a_letter_is_priced_paid_with_the_code_and_read_by_its_recipient(
    client, app, runtime, awa, bob
):
    sign_in(client, app, awa)
    sent = _send(client, bob)
    code_page = client.get(sent.headers["Location"])
    assert "FCFA" in text_of(code_page)  # the price, held before the code
    assert _pay(client, app, awa, sent).status_code == 303
    assert wallet_of(runtime, awa) < 100_000
    reader = app.test_client()
    sign_in(reader, app, bob)
    box = reader.get("/compte/courrier")
    assert "Convocation" in text_of(box) and "non lue" in text_of(box)
    with transaction(runtime) as session:
        letter = session.query(Letter).one()
    content = reader.get(f"/compte/courrier/{letter.id}/lettre.pdf")
    assert content.mimetype == "application/pdf"
    assert "Bonjour Bob" in pdf_text(content.data)
    assert "non lue" not in text_of(reader.get("/compte/courrier"))


def test_a_registered_letter_opens_with_the_pin_first(client, app, runtime, awa, bob):
    sign_in(client, app, awa)
    _pay(client, app, awa, _send(client, bob, service="registered"))
    reader = app.test_client()
    sign_in(reader, app, bob)
    with transaction(runtime) as session:
        letter = session.query(Letter).one()
    page = reader.get(f"/compte/courrier/{letter.id}")
    assert "saisissez votre PIN" in text_of(page)
    refused = reader.get(f"/compte/courrier/{letter.id}/lettre.pdf")
    assert refused.mimetype != "application/pdf"
    wrong = post(reader, f"/compte/courrier/{letter.id}/ouvrir", pin="9999")
    assert wrong.status_code == 422
    opened = post(reader, f"/compte/courrier/{letter.id}/ouvrir", pin=factories.PIN)
    assert opened.status_code == 303
    assert reader.get(f"/compte/courrier/{letter.id}/lettre.pdf").mimetype == "application/pdf"


def test_the_same_upload_sent_twice_makes_one_letter(client, app, runtime, awa, bob):
    sign_in(client, app, awa)
    key = hidden(client.get("/compte/courrier/envoyer"), "key")
    first = _send(client, bob, key=key)
    second = _send(client, bob, key=key)
    assert first.headers["Location"] == second.headers["Location"]
    with transaction(runtime) as session:
        assert session.query(Letter).count() == 1


def test_an_encrypted_pdf_is_refused_and_nothing_is_held(client, app, runtime, awa, bob):
    sign_in(client, app, awa)
    answer = _send(client, bob, pdf=encrypted_pdf())
    assert answer.status_code in (400, 422)
    assert "PDF" in text_of(answer)
    assert wallet_of(runtime, awa) == 100_000


def test_another_customers_letter_is_not_found(client, app, runtime, awa, bob):
    sign_in(client, app, awa)
    _pay(client, app, awa, _send(client, bob))
    with transaction(runtime) as session:
        letter = session.query(Letter).one()
    assert client.get(f"/compte/courrier/{letter.id}").status_code == 404
    assert client.get(f"/compte/courrier/{letter.id}/lettre.pdf").status_code == 404


def test_the_paid_letters_page_gives_the_number_to_track_it_publicly(
    client, app, runtime, awa, bob
):
    sign_in(client, app, awa)
    paid = _pay(client, app, awa, _send(client, bob))
    with transaction(runtime) as session:
        number = session.query(Letter).one().tracking_number
    assert number in text_of(client.get(paid.headers["Location"]))
    assert client.get(f"/suivi/{number}").status_code == 200
