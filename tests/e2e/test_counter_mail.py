"""The counter's "Courrier" screen: an agent scans a paper letter through the same
domain step as the REST door (app.mail.printing.scan), and every refusal is French."""

from typing import Any

import pytest

from app.db import transaction
from tests import factories
from tests.e2e import test_mail_paper as paper
from tests.e2e.counter_support import hidden, sign_in, text_of
from tests.e2e.test_mail_paper import API, BRUNO, CENTRE, send
from tests.mail_support import letter_form, make_pdf

# The paper-letter suite's fixtures: a sender, the print centre's agents, a printed letter.
config_overrides = paper.config_overrides
staff = paper.staff
sender_headers = paper.sender_headers
printed = paper.printed


@pytest.fixture
def desk(client, runtime):  # type: ignore[no-untyped-def]
    """Signed in at the central post office of Brazzaville, where the letters go."""
    with transaction(runtime) as session:
        agent = factories.agent(
            session,
            username="guichet.courrier",
            post_office="Bureau de poste central de Brazzaville",
            post_office_code="BZV-CE",
        )
    assert sign_in(client, agent.username).status_code == 303
    return client


def scan(client: Any, number: str, event: str, id_number: str = "") -> Any:
    page = client.get("/counter/mail")
    return client.post(
        "/counter/mail",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "key": hidden(page, "key"),
            "tracking_number": number,
            "event": event,
            "recipient_id_number": id_number,
        },
    )


def test_the_mail_screen_needs_a_signed_in_agent(client) -> None:
    response = client.get("/counter/mail")
    assert response.status_code == 302 and "/counter/login" in response.headers["Location"]


def test_the_menu_links_to_the_mail_screen(desk) -> None:
    assert 'href="/counter/mail"' in desk.get("/counter/").get_data(as_text=True)


def test_a_scan_without_its_csrf_token_is_refused(desk, printed) -> None:
    number = printed["letter"]["tracking_number"]
    response = desk.post("/counter/mail", data={"tracking_number": number, "event": "dispatched"})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in text_of(response)
    assert scan(desk, number, "at_post_office").status_code == 422  # still only printed


def test_each_step_of_a_paper_letter_is_scanned_with_its_tracking(desk, printed) -> None:
    number = printed["letter"]["tracking_number"]
    for event, word in (
        ("dispatched", "expédiée"),
        ("at_post_office", "arrivée au bureau de poste"),
        ("delivered", "remise au destinataire"),
    ):
        response = scan(desk, number, event)
        assert response.status_code == 200, text_of(response)
        assert f"La lettre {number} est maintenant : {word}" in text_of(response)
    assert "Bureau de poste central de Brazzaville" in text_of(response)


def test_a_letter_nobody_collects_is_returned(desk, printed) -> None:
    number = printed["letter"]["tracking_number"]
    scan(desk, number, "dispatched")
    scan(desk, number, "at_post_office")
    assert "retournée à l'expéditeur" in text_of(scan(desk, number, "returned"))


def test_the_same_form_sent_twice_scans_once(desk, printed, client, sender_headers) -> None:
    number = printed["letter"]["tracking_number"]
    page = desk.get("/counter/mail")
    data = {
        "csrf_token": hidden(page, "csrf_token"),
        "key": hidden(page, "key"),
        "tracking_number": number,
        "event": "dispatched",
    }
    assert desk.post("/counter/mail", data=data).status_code == 200
    assert desk.post("/counter/mail", data=data).status_code == 200
    events = client.get(
        f"{API}/mail/letters/{printed['letter']['id']}/events", headers=sender_headers
    ).get_json()["items"]
    assert [e["status"] for e in events].count("dispatched") == 1


@pytest.fixture
def registered(client, staff, sender_headers) -> str:  # type: ignore[no-untyped-def]
    letter = send(
        client,
        sender_headers,
        letter_form(make_pdf(1), recipient=BRUNO, service="registered", delivery="paper"),
    )
    batch = client.post(
        f"{API}/print/batches", json={"centre": CENTRE}, headers=staff["printer"]
    ).get_json()
    client.post(f"{API}/print/batches/{batch['id']}/printed", headers=staff["printer"])
    number: str = letter["tracking_number"]
    return number


def test_a_registered_letter_is_not_handed_over_without_the_id(desk, registered) -> None:
    scan(desk, registered, "dispatched")
    scan(desk, registered, "at_post_office")
    response = scan(desk, registered, "delivered")
    assert response.status_code == 400
    assert "contre le numéro de pièce d'identité du destinataire" in text_of(response)
    handed = scan(desk, registered, "delivered", id_number="CNI 123456789")
    assert "remise au destinataire" in text_of(handed)


def test_a_wrong_check_digit_is_named_in_french(desk, printed) -> None:
    number = printed["letter"]["tracking_number"]
    wrong = number[:10] + str((int(number[10]) + 1) % 10) + number[11:]
    response = scan(desk, wrong, "dispatched")
    assert response.status_code == 400
    assert "clé de contrôle" in text_of(response)


def test_an_unknown_tracking_number_is_said(desk) -> None:
    response = scan(desk, "RR999999995CG", "dispatched")
    assert response.status_code == 404
    assert "Aucune lettre ne porte ce numéro de suivi" in text_of(response)


def test_a_step_out_of_order_is_refused_in_french(desk, printed) -> None:
    response = scan(desk, printed["letter"]["tracking_number"], "at_post_office")
    assert response.status_code == 422
    assert "Ce passage n'est pas possible pour cette lettre maintenant" in text_of(response)
