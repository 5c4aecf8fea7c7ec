"""The postal e-mailbox end to end: a letter sent, notified, opened with the PIN (the
proof of receipt), read (recorded once); only its recipient reaches it."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from app.db import transaction
from app.mail import delivery
from app.notify.gateways import recording_outbox
from tests import factories
from tests.mail_support import ADDRESS, letter_form, make_pdf
from tests.problems import problem

API = "/api/v1"


@pytest.fixture
def config_overrides(tmp_path: Path) -> dict[str, object]:
    return {"MAIL_STORAGE_DIR": str(tmp_path / "mail")}


@pytest.fixture
def bruno(runtime):  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bruno", last_name="Ngoma")


@pytest.fixture
def sender_headers(runtime) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        _client, key = factories.sender(session, balance=50_000, name="Lycée de la Libération")
    return {"X-API-Key": key}


def send(client: Any, headers: dict[str, str], form: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(
        f"{API}/mail/letters",
        data=form,
        content_type="multipart/form-data",
        headers={**headers, "Idempotency-Key": factories.key()},
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_a_registered_letter_from_one_customer_to_another_end_to_end(
    client, app, awa, bruno
) -> None:
    pdf = make_pdf(2, text="Mise en demeure")
    awa_headers = factories.headers_for(app, awa)
    letter = send(
        client,
        awa_headers,
        letter_form(
            pdf,
            recipient={"name": "Bruno Ngoma", "msisdn": bruno.msisdn},
            service="registered",
            delivery="electronic",
            subject="Loyer de novembre",
        ),
    )
    code = factories.sms_code(app, awa.msisdn, digits=6)
    paid = client.post(
        f"{API}/transfers/{letter['payment']['transfer_id']}/confirm",
        json={"otp": code},
        headers=awa_headers,
    )
    assert paid.status_code == 200, paid.get_json()
    # notified
    texts = [t for to, t in recording_outbox(app.extensions["postcash"]) if to == bruno.msisdn]
    assert any("recommandée de Awa M." in t and "PIN" in t for t in texts), texts
    # listed
    headers = factories.headers_for(app, bruno)
    box = client.get(f"{API}/me/mailbox", headers=headers).get_json()
    (item,) = box["items"]
    assert item["id"] == letter["id"] and item["sender"] == "Awa M."
    assert item["subject"] == "Loyer de novembre" and item["registered"] is True
    assert item["read_at"] is None and box["next_cursor"] is None
    # a registered letter is opened with the PIN first
    content = f"{API}/me/mailbox/{letter['id']}/content"
    problem(client.get(content, headers=headers), 422, "invalid_state")
    wrong = client.post(
        f"{API}/me/mailbox/{letter['id']}/open", json={"pin": "0000"}, headers=headers
    )
    problem(wrong, 422, "invalid_pin")
    opened = client.post(
        f"{API}/me/mailbox/{letter['id']}/open", json={"pin": factories.PIN}, headers=headers
    )
    assert opened.status_code == 200 and opened.get_json()["acknowledged_at"] is not None
    # read: the PDF itself, recorded once
    first = client.get(content, headers=headers)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data == pdf
    assert client.get(content, headers=headers).data == pdf
    # the evidence: every step chained from the content's fingerprint
    proof = client.get(f"{API}/mail/letters/{letter['id']}/evidence", headers=awa_headers)
    events = proof.get_json()["events"]
    assert [e["status"] for e in events] == [
        "accepted",
        "delivered_electronic",
        "acknowledged",
        "read",
    ]
    assert events[0]["previous_hash"] == letter["sha256"]
    assert all(b["previous_hash"] == a["hash"] for a, b in itertools.pairwise(events))
    now = client.get(f"{API}/mail/letters/{letter['id']}", headers=awa_headers).get_json()
    assert now["status"] == "read" and now["acknowledged_at"] and now["read_at"]
    assert app.test_cli_runner().invoke(args=["mail", "verify-evidence"]).exit_code == 0


def test_an_ordinary_letter_is_read_without_the_pin(client, app, bruno, sender_headers) -> None:
    letter = send(
        client,
        sender_headers,
        letter_form(make_pdf(1), recipient={"name": "Bruno", "msisdn": bruno.msisdn}),
    )
    headers = factories.headers_for(app, bruno)
    answer = client.get(f"{API}/me/mailbox/{letter['id']}/content", headers=headers)
    assert answer.status_code == 200
    item = client.get(f"{API}/me/mailbox/{letter['id']}", headers=headers).get_json()
    assert item["read_at"] is not None


def test_the_mailbox_is_paged_newest_first(client, app, clock, bruno, sender_headers) -> None:
    ids = []
    for _ in range(3):
        ids.append(
            send(
                client,
                sender_headers,
                letter_form(make_pdf(1), recipient={"name": "B", "msisdn": bruno.msisdn}),
            )["id"]
        )
        clock.advance(minutes=1)
    headers = factories.headers_for(app, bruno)
    first = client.get(f"{API}/me/mailbox?limit=2", headers=headers).get_json()
    second = client.get(
        f"{API}/me/mailbox?limit=2&cursor={first['next_cursor']}", headers=headers
    ).get_json()
    assert [i["id"] for i in first["items"] + second["items"]] == ids[::-1]
    assert second["next_cursor"] is None


def test_a_bad_cursor_is_a_validation_error(client, app, bruno) -> None:
    headers = factories.headers_for(app, bruno)
    problem(client.get(f"{API}/me/mailbox?cursor=nope", headers=headers), 400, "validation_error")


@pytest.mark.parametrize("path", ["", "/content"])
def test_another_customer_cannot_reach_the_letter(
    client, app, runtime, bruno, sender_headers, path
) -> None:
    letter = send(
        client,
        sender_headers,
        letter_form(make_pdf(1), recipient={"name": "B", "msisdn": bruno.msisdn}),
    )
    with transaction(runtime) as session:
        stranger = factories.customer(session)
    headers = factories.headers_for(app, stranger)
    problem(client.get(f"{API}/me/mailbox/{letter['id']}{path}", headers=headers), 404, "not_found")
    opened = client.post(
        f"{API}/me/mailbox/{letter['id']}/open", json={"pin": factories.PIN}, headers=headers
    )
    problem(opened, 404, "not_found")


def test_the_customer_who_sent_it_does_not_read_it_from_a_mailbox(
    client, app, awa, bruno, sender_headers
) -> None:
    letter = send(
        client,
        factories.headers_for(app, awa),
        letter_form(make_pdf(1), recipient={"name": "B", "msisdn": bruno.msisdn}),
    )
    headers = factories.headers_for(app, awa)
    problem(
        client.get(f"{API}/me/mailbox/{letter['id']}/content", headers=headers), 404, "not_found"
    )


def test_organisations_and_staff_have_no_mailbox(client, app, runtime, sender_headers) -> None:
    with transaction(runtime) as session:
        agent = factories.agent(session)
    assert client.get(f"{API}/me/mailbox", headers=sender_headers).status_code == 403
    assert (
        client.get(f"{API}/me/mailbox", headers=factories.headers_for(app, agent)).status_code
        == 403
    )


def test_a_customer_who_asked_for_paper_gets_auto_letters_on_paper(
    client, runtime, bruno, sender_headers
) -> None:
    with transaction(runtime) as session:
        delivery.set_accepts_electronic(session, bruno, False)
    letter = send(
        client,
        sender_headers,
        letter_form(
            make_pdf(1), recipient={"name": "B", "msisdn": bruno.msisdn, "address": ADDRESS}
        ),
    )
    assert letter["channel"] == "paper" and letter["status"] == "queued_for_print"
