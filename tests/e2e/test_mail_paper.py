"""Paper letters end to end: paid, printed in a batch (one A4 PDF: an address sheet with
the tracking number before each letter), dispatched, at the post office (the recipient
is texted), delivered against the ID; only the right agents touch them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.db import transaction
from app.notify.gateways import recording_outbox
from tests import factories
from tests.mail_support import ADDRESS, letter_form, make_pdf, page_count, pdf_text
from tests.problems import problem

API = "/api/v1"
CENTRE = "BZV-CI"


@pytest.fixture
def config_overrides(tmp_path: Path) -> dict[str, object]:
    return {"MAIL_STORAGE_DIR": str(tmp_path / "mail")}


@pytest.fixture
def staff(runtime, app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        printer = factories.agent(
            session, post_office="Centre d'impression de Brazzaville", post_office_code=CENTRE
        )
        counter = factories.agent(
            session,
            post_office="Bureau de poste central de Brazzaville",
            post_office_code="BZV-CE",
        )
        elsewhere = factories.agent(
            session, post_office="Centre d'impression de Pointe-Noire", post_office_code="PNR-CI"
        )
    return {
        "printer": factories.headers_for(app, printer),
        "counter": factories.headers_for(app, counter),
        "elsewhere": factories.headers_for(app, elsewhere),
    }


@pytest.fixture
def sender_headers(runtime) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        _client, key = factories.sender(session, balance=50_000, name="Mairie de Brazzaville")
    return {"X-API-Key": key}


BRUNO = {"name": "Bruno Ngoma", "msisdn": "+242065550001", "address": ADDRESS}


def send(client: Any, headers: dict[str, str], form: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(
        f"{API}/mail/letters",
        data=form,
        content_type="multipart/form-data",
        headers={**headers, "Idempotency-Key": factories.key()},
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def scan(client: Any, headers: dict[str, str], number: str, event: str, **more: Any) -> Any:
    return client.post(
        f"{API}/agent/mail/{number}/scan", json={"event": event, **more}, headers=headers
    )


def test_a_registered_paper_letter_from_payment_to_the_recipients_hand(
    client, app, awa, staff, sender_headers
) -> None:
    # paid by a customer with the SMS code
    awa_headers = factories.headers_for(app, awa)
    registered = send(
        client,
        awa_headers,
        letter_form(
            make_pdf(2, text="Recommandee"), recipient=BRUNO, service="registered", delivery="paper"
        ),
    )
    code = factories.sms_code(app, awa.msisdn, digits=6)
    confirmed = client.post(
        f"{API}/transfers/{registered['payment']['transfer_id']}/confirm",
        json={"otp": code},
        headers=awa_headers,
    )
    assert confirmed.status_code == 200
    # and an ordinary one paid by an organisation
    ordinary = send(
        client,
        sender_headers,
        letter_form(
            make_pdf(3, text="Ordinaire"), recipient={"name": "Chantal", "address": ADDRESS}
        ),
    )
    # the print centre's queue
    queue = client.get(f"{API}/print/queue?centre={CENTRE}", headers=staff["printer"]).get_json()
    assert {i["tracking_number"] for i in queue["items"]} == {
        registered["tracking_number"],
        ordinary["tracking_number"],
    }
    # one batch, one PDF: a sheet before each letter
    made = client.post(f"{API}/print/batches", json={"centre": CENTRE}, headers=staff["printer"])
    assert made.status_code == 201, made.get_json()
    batch = made.get_json()
    assert batch["letters"] == 2 and batch["pages"] == (1 + 2) + (1 + 3)
    pdf = client.get(batch["pdf"], headers=staff["printer"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert page_count(pdf.data) == 7
    text = pdf_text(pdf.data)
    assert registered["tracking_number"] in text and ordinary["tracking_number"] in text
    assert "Bruno Ngoma" in text and "12 rue Mbochi" in text and "Awa M." in text
    assert (
        client.get(f"{API}/print/queue?centre={CENTRE}", headers=staff["printer"]).get_json()[
            "items"
        ]
        == []
    )
    printed = client.post(f"{API}/print/batches/{batch['id']}/printed", headers=staff["printer"])
    assert printed.status_code == 200 and printed.get_json()["status"] == "printed"
    number = registered["tracking_number"]
    # carried to the post office; the recipient is told to collect it
    assert scan(client, staff["printer"], number, "dispatched").get_json()["status"] == "dispatched"
    assert scan(client, staff["counter"], number, "at_post_office").status_code == 200
    texts = [t for to, t in recording_outbox(app.extensions["postcash"]) if to == BRUNO["msisdn"]]
    assert any(number in t and "Bureau de poste central" in t for t in texts), texts
    # a registered letter is handed over against the ID number only
    problem(scan(client, staff["counter"], number, "delivered"), 400, "validation_error")
    delivered = scan(
        client, staff["counter"], number, "delivered", recipient_id_number="CNI 0123456789"
    )
    assert delivered.status_code == 200 and delivered.get_json()["status"] == "delivered"
    # the evidence and the public tracking
    proof = client.get(f"{API}/mail/letters/{registered['id']}/evidence", headers=awa_headers)
    events = proof.get_json()["events"]
    assert [e["status"] for e in events] == [
        "accepted",
        "queued_for_print",
        "printed",
        "dispatched",
        "at_post_office",
        "delivered",
    ]
    assert events[-1]["detail"] == "ID ...6789"
    public = client.get(f"{API}/track/{number}").get_json()
    assert public["status"] == "delivered"
    assert public["events"][-1]["place"] == "Bureau de poste central de Brazzaville"
    assert "6789" not in str(public) and "Bruno" not in str(public)
    assert app.test_cli_runner().invoke(args=["mail", "verify-evidence"]).exit_code == 0


@pytest.fixture
def printed(client, staff, sender_headers) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    letter = send(
        client,
        sender_headers,
        letter_form(make_pdf(1), recipient={"name": "Chantal", "address": ADDRESS}),
    )
    batch = client.post(
        f"{API}/print/batches", json={"centre": CENTRE}, headers=staff["printer"]
    ).get_json()
    client.post(f"{API}/print/batches/{batch['id']}/printed", headers=staff["printer"])
    return {"letter": letter, "batch": batch}


def test_an_ordinary_letter_is_delivered_without_an_id(client, staff, printed) -> None:
    number = printed["letter"]["tracking_number"]
    scan(client, staff["printer"], number, "dispatched")
    assert scan(client, staff["counter"], number, "delivered").get_json()["status"] == "delivered"


def test_a_letter_nobody_collects_is_returned(client, staff, printed) -> None:
    number = printed["letter"]["tracking_number"]
    scan(client, staff["printer"], number, "dispatched")
    scan(client, staff["counter"], number, "at_post_office")
    assert scan(client, staff["counter"], number, "returned").get_json()["status"] == "returned"


def test_the_same_scan_twice_is_recorded_once(client, staff, printed, sender_headers) -> None:
    number = printed["letter"]["tracking_number"]
    scan(client, staff["printer"], number, "dispatched")
    assert scan(client, staff["printer"], number, "dispatched").status_code == 200
    events = client.get(
        f"{API}/mail/letters/{printed['letter']['id']}/events", headers=sender_headers
    ).get_json()["items"]
    assert [e["status"] for e in events].count("dispatched") == 1


def test_a_scan_out_of_order_is_refused(client, staff, printed) -> None:
    number = printed["letter"]["tracking_number"]
    problem(scan(client, staff["counter"], number, "at_post_office"), 422, "invalid_state")


def test_a_letter_for_another_post_office_is_not_received_here(
    client, app, runtime, staff, printed
) -> None:
    number = printed["letter"]["tracking_number"]
    scan(client, staff["printer"], number, "dispatched")
    with transaction(runtime) as session:
        other = factories.agent(session, post_office_code="BZV-OZ", post_office="Ouenzé")
    problem(
        scan(client, factories.headers_for(app, other), number, "at_post_office"),
        422,
        "invalid_state",
    )


def test_a_wrong_check_digit_or_an_unknown_number_is_named(client, staff, printed) -> None:
    number = printed["letter"]["tracking_number"]
    wrong = number[:10] + str((int(number[10]) + 1) % 10) + number[11:]
    body = problem(scan(client, staff["counter"], wrong, "dispatched"), 400, "validation_error")
    assert "check digit" in body["errors"]["tracking_number"][0]
    problem(scan(client, staff["counter"], "RR999999995CG", "dispatched"), 404, "not_found")


def test_an_electronic_letter_is_not_scanned(client, runtime, staff, sender_headers) -> None:
    with transaction(runtime) as session:
        bruno = factories.customer(session)
    letter = send(
        client,
        sender_headers,
        letter_form(make_pdf(1), recipient={"name": "B", "msisdn": bruno.msisdn}),
    )
    problem(
        scan(client, staff["counter"], letter["tracking_number"], "dispatched"),
        422,
        "invalid_state",
    )


def test_nothing_to_print_is_said(client, staff) -> None:
    made = client.post(f"{API}/print/batches", json={"centre": CENTRE}, headers=staff["printer"])
    problem(made, 422, "invalid_state")


# -- who touches the print centre's work -----------------------------------------------------


def test_an_agent_of_another_centre_sees_neither_queue_nor_batches(client, staff, printed) -> None:
    batch_id = printed["batch"]["id"]
    problem(
        client.get(f"{API}/print/queue?centre={CENTRE}", headers=staff["elsewhere"]),
        403,
        "forbidden",
    )
    made = client.post(f"{API}/print/batches", json={"centre": CENTRE}, headers=staff["elsewhere"])
    problem(made, 403, "forbidden")
    for path in ("", "/pdf"):
        problem(
            client.get(f"{API}/print/batches/{batch_id}{path}", headers=staff["elsewhere"]),
            404,
            "not_found",
        )
    problem(
        client.post(f"{API}/print/batches/{batch_id}/printed", headers=staff["elsewhere"]),
        404,
        "not_found",
    )


def test_customers_and_senders_have_no_print_centre(client, app, awa, sender_headers) -> None:
    for headers in (factories.headers_for(app, awa), sender_headers):
        assert client.get(f"{API}/print/queue?centre={CENTRE}", headers=headers).status_code == 403
        assert (
            client.post(
                f"{API}/print/batches", json={"centre": CENTRE}, headers=headers
            ).status_code
            == 403
        )
        assert scan(client, headers, "RR123456785CG", "dispatched").status_code == 403


def test_an_unknown_centre_is_a_validation_error(client, staff) -> None:
    problem(
        client.get(f"{API}/print/queue?centre=NOPE", headers=staff["printer"]),
        400,
        "validation_error",
    )
