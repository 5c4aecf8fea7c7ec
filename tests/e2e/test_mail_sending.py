"""Sending a letter (POST /mail/letters): a sender pays at once from its prefunding, a
customer from the wallet with the SMS code; bad input stores and charges nothing;
a letter is shown to its sender (and admins) only; tracking is public but bare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app import ledger
from app.db import transaction
from app.ledger import chart
from app.mail import s10
from app.mail.models import Letter
from tests import factories
from tests.mail_support import (
    ADDRESS,
    encrypted_pdf,
    letter_form,
    make_pdf,
    multipart,
    zero_page_pdf,
)
from tests.problems import problem

API = "/api/v1"


@pytest.fixture
def config_overrides(tmp_path: Path) -> dict[str, object]:
    return {"MAIL_STORAGE_DIR": str(tmp_path / "mail")}


@pytest.fixture
def store(config_overrides: dict[str, object]) -> Path:
    return Path(str(config_overrides["MAIL_STORAGE_DIR"]))


@pytest.fixture
def sender(runtime) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        client, key = factories.sender(session, balance=50_000, name="Direction des Impôts")
    return {"id": client.id, "headers": {"X-API-Key": key}}


@pytest.fixture
def bruno(runtime):  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bruno", last_name="Ngoma")


def send(client: Any, headers: dict[str, str], form: dict[str, Any], key: str | None = None) -> Any:
    return client.post(
        f"{API}/mail/letters",
        data=form,
        content_type="multipart/form-data",
        headers={**headers, "Idempotency-Key": key or factories.key()},
    )


def balance(runtime, code: str) -> int:  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        return ledger.balance(session, code).available


def letters_count(runtime) -> int:  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        return int(session.scalar(select(func.count()).select_from(Letter)) or 0)


def stored_files(store: Path) -> list[Path]:
    return [p for p in store.rglob("*") if p.is_file()] if store.exists() else []


# -- a sender ------------------------------------------------------------------------------


def test_a_sender_pays_at_once_and_a_paper_letter_waits_at_its_print_centre(
    client, runtime, sender, store
) -> None:
    pdf = make_pdf(3)
    form = letter_form(pdf, recipient={"name": "Bruno Ngoma", "address": ADDRESS})
    answer = send(client, sender["headers"], form)
    assert answer.status_code == 201, answer.get_json()
    letter = answer.get_json()
    assert letter["status"] == "queued_for_print"
    assert letter["channel"] == "paper" and letter["delivery"] == "auto"
    assert letter["pages"] == 3 and letter["price"] == 250 + 2 * 50
    assert letter["payment"] is None
    assert s10.is_valid(letter["tracking_number"]) and letter["tracking_number"].startswith("LA")
    assert letter["post_office_code"] == "BZV-CE"
    assert balance(runtime, chart.sender(sender["id"])) == 50_000 - 350
    assert balance(runtime, chart.fees("mail")) == 350
    (stored,) = stored_files(store)
    assert stored.read_bytes() == pdf and stored.name == letter["sha256"]


def test_a_letter_to_a_customer_goes_to_the_e_mailbox_with_an_sms(
    client, app, sender, bruno
) -> None:
    from app.notify.gateways import recording_outbox

    form = letter_form(make_pdf(1), recipient={"name": "Bruno Ngoma", "msisdn": bruno.msisdn})
    answer = send(client, sender["headers"], form)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["status"] == "delivered_electronic"
    texts = [
        text for to, text in recording_outbox(app.extensions["postcash"]) if to == bruno.msisdn
    ]
    assert any("Direction des Impots" in t and "Mon courrier" in t for t in texts), texts


def test_a_registered_letter_costs_its_tariff_and_carries_rr(client, sender) -> None:
    form = letter_form(
        make_pdf(2),
        recipient={"name": "Bruno Ngoma", "address": ADDRESS},
        service="registered",
    )
    letter = send(client, sender["headers"], form).get_json()
    assert letter["tracking_number"].startswith("RR") and letter["price"] == 1_050


def test_a_sender_without_enough_prefunding_is_refused_and_nothing_is_stored(
    client, runtime, store
) -> None:
    with transaction(runtime) as session:
        _client, key = factories.sender(session, balance=100)
    answer = send(
        client,
        {"X-API-Key": key},
        letter_form(make_pdf(1), recipient={"name": "B", "address": ADDRESS}),
    )
    assert problem(answer, 422, "insufficient_funds")
    assert stored_files(store) == [] and letters_count(runtime) == 0


def test_the_same_key_replays_the_first_letter(client, runtime, sender) -> None:
    form = lambda: letter_form(make_pdf(1), recipient={"name": "B", "address": ADDRESS})  # noqa: E731
    key = factories.key()
    first = send(client, sender["headers"], form(), key)
    again = send(client, sender["headers"], form(), key)
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert letters_count(runtime) == 1
    assert balance(runtime, chart.sender(sender["id"])) == 50_000 - 250


# -- a customer ----------------------------------------------------------------------------


def test_a_customer_pays_with_the_sms_code_then_the_letter_is_accepted(
    client, app, runtime, awa, bruno
) -> None:
    headers = factories.headers_for(app, awa)
    form = letter_form(make_pdf(2), recipient={"name": "Bruno Ngoma", "msisdn": bruno.msisdn})
    answer = send(client, headers, form)
    assert answer.status_code == 201, answer.get_json()
    letter = answer.get_json()
    assert letter["status"] == "pending_payment" and letter["price"] == 300
    transfer_id = letter["payment"]["transfer_id"]
    assert letter["payment"]["otp"]["attempts_left"] == 3
    assert balance(runtime, chart.wallet(awa.id)) == 100_000 - 300  # held
    code = factories.sms_code(app, awa.msisdn, digits=6)
    confirmed = client.post(
        f"{API}/transfers/{transfer_id}/confirm", json={"otp": code}, headers=headers
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["status"] == "completed"
    now = client.get(f"{API}/mail/letters/{letter['id']}", headers=headers).get_json()
    assert now["status"] == "delivered_electronic" and now["paid_at"] is not None
    assert balance(runtime, chart.fees("mail")) == 300
    events = client.get(f"{API}/mail/letters/{letter['id']}/events", headers=headers).get_json()
    assert [e["status"] for e in events["items"]] == ["accepted", "delivered_electronic"]


def test_a_cancelled_payment_cancels_the_letter(client, app, runtime, awa) -> None:
    headers = factories.headers_for(app, awa)
    form = letter_form(make_pdf(1), recipient={"name": "B", "address": ADDRESS})
    letter = send(client, headers, form).get_json()
    transfer_id = letter["payment"]["transfer_id"]
    client.post(f"{API}/transfers/{transfer_id}/cancel", headers=headers)
    now = client.get(f"{API}/mail/letters/{letter['id']}", headers=headers).get_json()
    assert now["status"] == "cancelled"
    assert balance(runtime, chart.wallet(awa.id)) == 100_000
    assert balance(runtime, chart.fees("mail")) == 0


def test_an_unconfirmed_payment_expires_and_the_letter_with_it(
    client, app, runtime, awa, clock
) -> None:
    headers = factories.headers_for(app, awa)
    form = letter_form(make_pdf(1), recipient={"name": "B", "address": ADDRESS})
    letter = send(client, headers, form).get_json()
    clock.advance(minutes=6)
    code = factories.sms_code(app, awa.msisdn, digits=6)
    late = client.post(
        f"{API}/transfers/{letter['payment']['transfer_id']}/confirm",
        json={"otp": code},
        headers=headers,
    )
    assert problem(late, 422, "otp_expired")
    headers = factories.headers_for(app, awa)
    now = client.get(f"{API}/mail/letters/{letter['id']}", headers=headers).get_json()
    assert now["status"] == "cancelled"


def test_a_customer_short_of_funds_is_refused_and_nothing_is_stored(
    client, app, runtime, store
) -> None:
    with transaction(runtime) as session:
        poor = factories.customer(session, balance=100)
    answer = send(
        client,
        factories.headers_for(app, poor),
        letter_form(make_pdf(1), recipient={"name": "B", "address": ADDRESS}),
    )
    assert problem(answer, 422, "insufficient_funds")
    assert stored_files(store) == [] and letters_count(runtime) == 0


# -- bad input: a clear error, nothing stored, nothing charged --------------------------------


BAD_FILES = {
    "not_a_pdf": (b"PK\x03\x04 a zip, not a letter", "The file is not a PDF."),
    "encrypted": (encrypted_pdf(), "encrypted"),
    "zero_pages": (zero_page_pdf(), "no page"),
    "too_many_pages": (make_pdf(51), "at most 50"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_with_a_clear_message(
    client, runtime, sender, store, case: str
) -> None:
    data, message = BAD_FILES[case]
    form = letter_form(data, recipient={"name": "B", "address": ADDRESS})
    body = problem(send(client, sender["headers"], form), 400, "validation_error")
    assert message in body["errors"]["file"][0]
    assert stored_files(store) == [] and letters_count(runtime) == 0
    assert balance(runtime, chart.sender(sender["id"])) == 50_000


def test_a_file_over_ten_megabytes_is_refused(client, runtime, sender, store) -> None:
    big = make_pdf(1) + b"%" + b"0" * (10 * 1024 * 1024)
    data, content_type = multipart(letter_form(big, recipient={"name": "B", "address": ADDRESS}))
    answer = client.post(
        f"{API}/mail/letters",
        data=data,
        content_type=content_type,
        headers={**sender["headers"], "Idempotency-Key": factories.key()},
    )
    body = problem(answer, 400, "validation_error")
    assert "10 MB" in body["errors"]["file"][0]
    assert stored_files(store) == [] and letters_count(runtime) == 0


BAD_META = {
    "no_number_nor_address": ({"name": "Bruno"}, "recipient"),
    "no_name": ({"address": ADDRESS}, "recipient.name"),
    "address_without_city": (
        {"name": "B", "address": {"line1": "12 rue"}},
        "recipient.address.city",
    ),
    "unknown_post_office": (
        {"name": "B", "address": {**ADDRESS, "post_office_code": "XXX-99"}},
        "recipient.address.post_office_code",
    ),
    "city_no_office_serves": (
        {"name": "B", "address": {"line1": "1 rue", "city": "Ouesso"}},
        "recipient.address.city",
    ),
    "paper_without_address": ({"name": "B", "msisdn": "+242061111111"}, "recipient.address"),
}


@pytest.mark.parametrize("case", sorted(BAD_META))
def test_a_recipient_we_cannot_reach_is_refused_by_field(
    client, runtime, sender, store, case: str
) -> None:
    recipient, field = BAD_META[case]
    form = letter_form(make_pdf(1), recipient=recipient)
    body = problem(send(client, sender["headers"], form), 400, "validation_error")
    assert field in body["errors"], body
    assert stored_files(store) == [] and letters_count(runtime) == 0
    assert balance(runtime, chart.sender(sender["id"])) == 50_000


def test_electronic_delivery_to_a_number_without_an_e_mailbox_is_refused(
    client, runtime, sender, store
) -> None:
    form = letter_form(
        make_pdf(1), recipient={"name": "B", "msisdn": "+242061111111"}, delivery="electronic"
    )
    assert problem(send(client, sender["headers"], form), 422, "recipient_not_found")
    assert stored_files(store) == [] and letters_count(runtime) == 0


def test_meta_that_is_not_json_is_refused(client, sender) -> None:
    form = {"meta": "{not json", "file": (__import__("io").BytesIO(make_pdf(1)), "a.pdf")}
    body = problem(send(client, sender["headers"], form), 400, "validation_error")
    assert body["errors"] == {"meta": ["Not valid JSON."]}


def test_a_missing_file_is_refused(client, sender) -> None:
    body = problem(send(client, sender["headers"], letter_form(None)), 400, "validation_error")
    assert "file" in body["errors"]


# -- who sees a letter ---------------------------------------------------------------------


@pytest.fixture
def sent(client, sender, bruno) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    form = letter_form(make_pdf(1), recipient={"name": "Bruno Ngoma", "msisdn": bruno.msisdn})
    answer = send(client, sender["headers"], form)
    assert answer.status_code == 201
    return answer.get_json()


@pytest.mark.parametrize("path", ["", "/events", "/evidence"])
def test_its_sender_and_an_admin_see_the_letter(client, app, runtime, sender, sent, path) -> None:
    with transaction(runtime) as session:
        admin = factories.admin(session)
    url = f"{API}/mail/letters/{sent['id']}{path}"
    assert client.get(url, headers=sender["headers"]).status_code == 200
    assert client.get(url, headers=factories.headers_for(app, admin)).status_code == 200


@pytest.mark.parametrize("path", ["", "/events", "/evidence"])
def test_another_sender_or_customer_is_told_it_does_not_exist(
    client, app, runtime, sent, path
) -> None:
    with transaction(runtime) as session:
        _other, key = factories.sender(session)
        stranger = factories.customer(session)
    url = f"{API}/mail/letters/{sent['id']}{path}"
    assert problem(client.get(url, headers={"X-API-Key": key}), 404, "not_found")
    problem(client.get(url, headers=factories.headers_for(app, stranger)), 404, "not_found")
    assert client.get(url).status_code == 401


@pytest.mark.parametrize("path", ["", "/events", "/evidence"])
def test_an_agent_may_not_read_letters(client, app, runtime, sent, path) -> None:
    with transaction(runtime) as session:
        agent = factories.agent(session)
    url = f"{API}/mail/letters/{sent['id']}{path}"
    assert client.get(url, headers=factories.headers_for(app, agent)).status_code == 403


def test_the_recipient_sees_the_evidence_but_not_the_senders_view(client, app, sent, bruno) -> None:
    headers = factories.headers_for(app, bruno)
    assert client.get(f"{API}/mail/letters/{sent['id']}", headers=headers).status_code == 404
    proof = client.get(f"{API}/mail/letters/{sent['id']}/evidence", headers=headers)
    assert proof.status_code == 200
    body = proof.get_json()
    assert body["sha256"] == sent["sha256"]
    assert body["events"][0]["previous_hash"] == sent["sha256"]
    assert body["events"][1]["previous_hash"] == body["events"][0]["hash"]


# -- public tracking ------------------------------------------------------------------------


def test_anyone_tracks_a_letter_without_names_or_content(client, sent) -> None:
    answer = client.get(f"{API}/track/{sent['tracking_number']}")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "delivered_electronic"
    assert [e["status"] for e in body["events"]] == ["accepted", "delivered_electronic"]
    text = answer.get_data(as_text=True)
    assert "Bruno" not in text and "Imp" not in text and sent["sha256"] not in text


def test_a_wrong_check_digit_is_a_clear_error(client, sent) -> None:
    number = sent["tracking_number"]
    wrong = number[:10] + str((int(number[10]) + 1) % 10) + number[11:]
    body = problem(client.get(f"{API}/track/{wrong}"), 400, "validation_error")
    assert "check digit" in body["errors"]["tracking_number"][0]


def test_an_unknown_valid_number_is_not_found(client) -> None:
    number = s10.build("RR", 99_999_999, "CG")
    assert problem(client.get(f"{API}/track/{number}"), 404, "not_found")


# -- the operator --------------------------------------------------------------------------


def test_an_admin_creates_a_sender_and_prefunds_it(client, app, runtime) -> None:
    with transaction(runtime) as session:
        admin = factories.admin(session)
    headers = factories.headers_for(app, admin)
    created = client.post(f"{API}/admin/senders", json={"name": "Lycée Savorgnan"}, headers=headers)
    assert created.status_code == 201
    sender = created.get_json()
    assert sender["api_key"] and sender["name"] == "Lycée Savorgnan"
    funded = client.post(
        f"{API}/admin/prefunding",
        json={"account_holder": "sender", "id": sender["id"], "amount": 10_000},
        headers={**headers, "Idempotency-Key": factories.key()},
    )
    assert funded.status_code == 201, funded.get_json()
    assert balance(runtime, chart.sender(sender["id"])) == 10_000


def test_a_letters_payment_is_not_reversed(client, app, runtime, awa) -> None:
    headers = factories.headers_for(app, awa)
    form = letter_form(make_pdf(1), recipient={"name": "B", "address": ADDRESS})
    letter = send(client, headers, form).get_json()
    transfer_id = letter["payment"]["transfer_id"]
    code = factories.sms_code(app, awa.msisdn, digits=6)
    client.post(f"{API}/transfers/{transfer_id}/confirm", json={"otp": code}, headers=headers)
    with transaction(runtime) as session:
        admin = factories.admin(session)
    answer = client.post(
        f"{API}/transfers/{transfer_id}/reversal",
        json={"reason": "customer changed their mind"},
        headers={**factories.headers_for(app, admin), "Idempotency-Key": factories.key()},
    )
    problem(answer, 422, "invalid_state")
    assert balance(runtime, chart.fees("mail")) == 250
