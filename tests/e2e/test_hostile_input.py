"""Odd input is refused with a 4xx, never a 5xx (API.md: "A 5xx is always a bug").

NUL characters (PostgreSQL text cannot hold them), JSON nested deeper than any
request needs, numbers written with non-ASCII digits or too many of them, days
outside the calendar the reports cover, cursors that were not ours.
"""

import base64
import json

import pytest
from sqlalchemy import func, select

from app.db import transaction
from tests import factories
from tests.e2e.cyber_support import API, api_key
from tests.e2e.payments_support import post, wallet_of
from tests.problems import problem


@pytest.fixture
def awa_balance():
    return 50_000


@pytest.fixture
def bob(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bob")


# -- NUL characters ---------------------------------------------------------------------


def test_a_note_with_a_nul_character_is_a_validation_error_naming_it(client, app, awa, bob):
    response = post(
        client,
        app,
        awa,
        "/transfers",
        {"type": "p2p", "to": bob.msisdn, "amount": 1_000, "note": "loyer\u0000novembre"},
    )

    body = problem(response, 400, "validation_error")
    assert "note" in body["errors"]


def test_a_nul_character_in_a_nested_field_names_its_path(client, app, runtime):
    with transaction(runtime) as session:
        counter = factories.agent(session, float_balance=100_000)
    response = post(
        client,
        app,
        counter,
        "/agent/remittances",
        {
            "sender": {"name": "Awa\u0000", "msisdn": "061234567"},
            "recipient": {"name": "Bob", "msisdn": "069876543"},
            "amount": 5_000,
        },
    )

    body = problem(response, 400, "validation_error")
    assert body["errors"] == {"sender": {"name": ["Must not contain NUL characters."]}}


def test_a_nul_in_a_field_name_is_a_validation_error(client, app, awa, bob):
    body = {
        "type": "p2p",
        "to": bob.msisdn,
        "amount": 1_000,
        "extra": {"a\u0000": 1, "b": "\u0000"},
    }

    response = post(client, app, awa, "/transfers", body)

    errors = problem(response, 400, "validation_error")["errors"]
    assert set(errors["extra"]) == {"a\u0000", "b"}


def test_a_nul_in_a_body_written_in_utf_16_is_a_validation_error(client, app, awa, bob):
    headers = factories.headers_for(app, awa)
    headers["Idempotency-Key"] = factories.key()
    body = {"type": "p2p", "to": bob.msisdn, "amount": 1_000, "note": "loyer\u0000novembre"}

    response = client.post(
        f"{API}/transfers",
        data=json.dumps(body).encode("utf-16"),
        headers=headers,
        content_type="application/json",
    )

    assert "note" in problem(response, 400, "validation_error")["errors"]


def test_a_transfer_id_with_a_nul_character_is_not_found(client, app, awa):
    response = client.get(f"{API}/transfers/ab%00cd", headers=factories.headers_for(app, awa))

    problem(response, 404, "not_found")


def test_cancelling_a_transfer_id_with_a_nul_character_is_not_found(client, app, awa):
    response = post(client, app, awa, "/transfers/ab%00cd/cancel", idempotent=False)

    problem(response, 404, "not_found")


def test_a_path_id_with_another_control_character_is_not_found(client, app, awa):
    response = client.get(f"{API}/transfers/ab%1Bcd", headers=factories.headers_for(app, awa))

    problem(response, 404, "not_found")


def test_a_query_parameter_with_a_nul_character_is_a_validation_error(client, app, awa):
    response = client.get(
        f"{API}/me/transactions?cursor=ab%00cd", headers=factories.headers_for(app, awa)
    )

    body = problem(response, 400, "validation_error")
    assert "cursor" in body["errors"]


def test_an_idempotency_key_with_a_control_character_is_a_validation_error(client, app, awa, bob):
    response = post(
        client,
        app,
        awa,
        "/transfers",
        {"type": "p2p", "to": bob.msisdn, "amount": 1_000},
        key="retry\u0001-1",
    )

    body = problem(response, 400, "validation_error")
    assert "Idempotency-Key" in body["errors"]


def test_a_merchant_callback_url_with_a_nul_character_is_a_validation_error(client, runtime, awa):
    with transaction(runtime) as session:
        shop = factories.merchant(session, name="Boutique Ndeko")
    response = client.post(
        f"{API}/merchant/payment-requests",
        json={
            "msisdn": awa.msisdn,
            "amount": 1_000,
            "reference": "CMD-1",
            "callback_url": "https://shop.example/cb\u0000",
        },
        headers=api_key(shop.api_key, factories.key()),
    )

    body = problem(response, 400, "validation_error")
    assert "callback_url" in body["errors"]


# -- JSON nested too deep ---------------------------------------------------------------


@pytest.mark.parametrize("depth", [100_000, 990])
def test_a_body_nested_too_deep_is_a_validation_error(client, app, awa, depth):
    headers = factories.headers_for(app, awa)
    headers["Idempotency-Key"] = factories.key()
    headers["Content-Type"] = "application/json"

    response = client.post(f"{API}/transfers", data="[" * depth + "]" * depth, headers=headers)

    problem(response, 400, "validation_error")


def test_a_body_nested_too_deep_without_an_idempotency_key_is_a_validation_error(client, app, awa):
    headers = factories.headers_for(app, awa)
    headers["Content-Type"] = "application/json"
    deep = '{"otp": ' + "[" * 100_000 + "]" * 100_000 + "}"

    response = client.post(f"{API}/transfers/some-id/confirm", data=deep, headers=headers)

    problem(response, 400, "validation_error")


# -- the last line of defence -----------------------------------------------------------


@pytest.mark.postgres_only
def test_a_nul_that_slips_past_the_guards_is_a_validation_error_and_nothing_is_kept(
    client, app, runtime, monkeypatch, awa, bob
):
    from app.api import validation
    from app.transfers.models import Transfer

    monkeypatch.setattr(validation, "refuse_unstorable_text", lambda data: None)  # forgotten
    key = factories.key()
    body = {"type": "p2p", "to": bob.msisdn, "amount": 1_000, "note": "loyer\u0000novembre"}

    response = post(client, app, awa, "/transfers", body, key=key)

    problem(response, 400, "validation_error")
    assert wallet_of(runtime, awa) == 50_000
    with transaction(runtime) as session:
        assert session.scalar(select(func.count()).select_from(Transfer)) == 0
    body["note"] = "loyer novembre"
    assert post(client, app, awa, "/transfers", body, key=key).status_code == 201


# -- integers written oddly -------------------------------------------------------------


@pytest.mark.parametrize("amount", ["²", "٣", "9" * 5000, "0x10", " 5", "+5"])
def test_a_fee_quote_for_an_amount_that_is_not_plain_ascii_digits_is_refused(client, amount):
    response = client.get(f"{API}/fees", query_string={"type": "p2p", "amount": amount})

    body = problem(response, 400, "validation_error")
    assert "amount" in body["errors"]


def test_a_fee_quote_still_answers_for_a_plain_amount(client):
    response = client.get(f"{API}/fees?type=p2p&amount=5000")

    assert response.status_code == 200
    assert response.get_json()["amount"] == 5000


@pytest.mark.parametrize("limit", ["²", "9" * 5000, "٣"])
def test_a_page_size_that_is_not_plain_ascii_digits_is_refused(client, app, awa, limit):
    response = client.get(
        f"{API}/me/transactions",
        query_string={"limit": limit},
        headers=factories.headers_for(app, awa),
    )

    body = problem(response, 400, "validation_error")
    assert "limit" in body["errors"]


def test_an_admin_list_refuses_a_page_size_in_superscript(client, app, runtime):
    with transaction(runtime) as session:
        boss = factories.admin(session)
    response = client.get(f"{API}/admin/audit?limit=²", headers=factories.headers_for(app, boss))

    problem(response, 400, "validation_error")


# -- days outside the calendar ----------------------------------------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "3000-01-01"])
def test_an_agent_report_for_a_day_outside_the_calendar_is_refused(client, app, runtime, day):
    with transaction(runtime) as session:
        counter = factories.agent(session)
    response = client.get(
        f"{API}/agent/report?date={day}", headers=factories.headers_for(app, counter)
    )

    body = problem(response, 400, "validation_error")
    assert "date" in body["errors"]


# -- cursors that were not ours ---------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2026-11-28T10:00:00|x",  # no time zone
        "2026-11-28T10:00:00+00:00|ab\u0000cd",  # a NUL in the id
        "0001-01-01T00:00:00+05:00|x",  # before the first UTC instant
        "garbage",
    ],
)
def test_a_biller_cursor_that_is_not_ours_is_a_validation_error(client, runtime, raw):
    with transaction(runtime) as session:
        created = factories.biller(session)
    cursor = base64.urlsafe_b64encode(raw.encode()).decode()

    response = client.get(
        f"{API}/billers/payments",
        query_string={"cursor": cursor},
        headers=api_key(created.api_key),
    )

    body = problem(response, 400, "validation_error")
    assert "cursor" in body["errors"]


@pytest.mark.parametrize(
    "raw",
    [
        "0001-01-01T00:00:00+05:00|1",  # before the first UTC instant
        "2026-11-28T10:00:00+00:00|" + "9" * 30,  # not a row id
        "2026-11-28T10:00:00+00:00|\u00b2",
        "2026-11-28T10:00:00|1",  # no time zone
    ],
)
def test_a_statement_cursor_that_is_not_ours_is_a_validation_error(client, app, awa, raw):
    cursor = base64.urlsafe_b64encode(raw.encode()).decode()
    response = client.get(
        f"{API}/me/transactions",
        query_string={"cursor": cursor},
        headers=factories.headers_for(app, awa),
    )
    problem(response, 400, "validation_error")


def test_a_biller_since_before_the_first_utc_instant_is_a_validation_error(client, runtime):
    with transaction(runtime) as session:
        created = factories.biller(session)
    response = client.get(
        f"{API}/billers/payments",
        query_string={"since": "0001-01-01T00:00:00+05:00"},
        headers=api_key(created.api_key),
    )
    assert "since" in problem(response, 400, "validation_error")["errors"]


def test_an_audit_filter_before_the_first_utc_instant_is_a_validation_error(client, app, runtime):
    with transaction(runtime) as session:
        admin = factories.admin(session)
    response = client.get(
        f"{API}/admin/audit",
        query_string={"since": "0001-01-01T00:00:00+05:00"},
        headers=factories.headers_for(app, admin),
    )
    assert "since" in problem(response, 400, "validation_error")["errors"]


@pytest.mark.parametrize("path", ["/admin/callbacks?cursor=\u00b2", "/admin/audit?cursor=\u00b2"])
def test_an_admin_cursor_in_superscript_is_a_validation_error(client, app, runtime, path):
    with transaction(runtime) as session:
        admin = factories.admin(session)
    response = client.get(f"{API}{path}", headers=factories.headers_for(app, admin))
    problem(response, 400, "validation_error")
