"""Telling billers what was paid: signed webhooks with retries, and polling with the API key.

The biller's endpoint is a real HTTP server on 127.0.0.1 that fails first.
Attempts are spaced WEBHOOK_BACKOFF_SECONDS (30 s) · 2^(attempts-1); the retry
sweep queues what is due; after WEBHOOK_MAX_ATTEMPTS the callback is
undeliverable and waits for an operator.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import transaction
from app.payments import callbacks
from app.payments.models import CallbackDelivery
from tests import factories
from tests.e2e.cyber_support import API, api_key, receiver
from tests.e2e.payments_support import confirm, otp_for, post
from workers.payments import retry_callbacks

CONTRACT = "01234567890"


@pytest.fixture
def config_overrides():
    return {"WEBHOOK_MAX_ATTEMPTS": 3}


@pytest.fixture
def awa_balance():
    return 50_000


def make_biller(runtime, url=None):
    with transaction(runtime) as session:
        return factories.biller(session, code="E2C", webhook_url=url)


def pay_bill(client, app, who, amount=12_500, reference=CONTRACT):
    body = {"biller": "E2C", "bill_reference": reference, "amount": amount}
    transfer = post(client, app, who, "/bill-payments", body).get_json()
    done = confirm(client, app, who, transfer["id"], otp_for(app, who))
    assert done.status_code == 200, done.get_json()
    return done.get_json()


def deliveries(runtime):
    with transaction(runtime) as session:
        return [
            (d.event, d.status, d.attempts)
            for d in session.scalars(select(CallbackDelivery).order_by(CallbackDelivery.id))
        ]


def test_a_paid_bill_is_posted_to_the_biller_signed_with_its_secret(client, app, runtime, awa):
    with receiver() as hook:
        created = make_biller(runtime, hook.url)
        done = pay_bill(client, app, awa)

    (request,) = hook.requests
    assert request.signed_with(created.webhook_secret)
    assert request.headers["X-PostCash-Event-Id"] == done["reference"]
    event = request.json
    assert event["event"] == "bill.paid"
    assert event["payment"] == {
        "reference": done["reference"],
        "biller": "E2C",
        "bill_reference": CONTRACT,
        "amount": 12_500,
        "currency": "XAF",
        "status": "completed",
        "paid_at": event["payment"]["paid_at"],
        "payer_name": "Awa M.",
    }
    assert deliveries(runtime) == [("bill.paid", "delivered", 1)]


def test_a_refused_webhook_is_retried_after_the_backoff_and_delivered_once(
    client, app, runtime, clock, awa
):
    with receiver(500) as hook:
        created = make_biller(runtime, hook.url)
        done = pay_bill(client, app, awa)
        assert deliveries(runtime) == [("bill.paid", "pending", 1)]

        clock.advance(seconds=29)
        retry_callbacks()
        assert len(hook.requests) == 1  # not due yet

        clock.advance(seconds=1)
        retry_callbacks()
        retry_callbacks()

    first, second = hook.requests
    assert first.body == second.body
    assert second.headers["X-PostCash-Event-Id"] == done["reference"]
    assert second.signed_with(created.webhook_secret)
    assert deliveries(runtime) == [("bill.paid", "delivered", 2)]


def test_the_delay_doubles_with_each_failed_attempt(client, app, runtime, clock, awa):
    with receiver(500, 503) as hook:
        make_biller(runtime, hook.url)
        pay_bill(client, app, awa)
        clock.advance(seconds=30)
        retry_callbacks()

        clock.advance(seconds=59)
        retry_callbacks()
        assert len(hook.requests) == 2

        clock.advance(seconds=1)
        retry_callbacks()

    assert len(hook.requests) == 3
    assert deliveries(runtime) == [("bill.paid", "delivered", 3)]


def test_after_the_last_attempt_the_callback_is_undeliverable_and_shown_to_operators(
    client, app, runtime, clock, awa
):
    with receiver(500, 500, 500, 500) as hook:
        make_biller(runtime, hook.url)
        done = pay_bill(client, app, awa)
        for _ in range(5):
            clock.advance(minutes=10)
            retry_callbacks()
        assert len(hook.requests) == 3
        assert deliveries(runtime) == [("bill.paid", "undeliverable", 3)]

        with transaction(runtime) as session:
            admin = factories.admin(session)
        headers = factories.headers_for(app, admin)
        listed = client.get(f"{API}/admin/callbacks?status=undeliverable", headers=headers)
        (item,) = listed.get_json()["items"]
        assert (item["event_id"], item["last_error"]) == (done["reference"], "HTTP 500")

        retried = client.post(f"{API}/admin/callbacks/{item['id']}/retry", headers=headers)
        assert retried.status_code == 200
        retry_callbacks()  # the receiver refuses once more, then accepts
        clock.advance(seconds=30)
        retry_callbacks()

    assert deliveries(runtime) == [("bill.paid", "delivered", 2)]


def test_an_unreachable_biller_counts_as_a_failed_attempt(client, app, runtime, awa):
    with receiver() as hook:
        url = hook.url
    make_biller(runtime, url)  # the server is gone: connection refused

    pay_bill(client, app, awa)

    with transaction(runtime) as session:
        (delivery,) = session.scalars(select(CallbackDelivery)).all()
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert delivery.last_error == "ConnectionError"


def test_a_biller_without_a_webhook_is_not_called(client, app, runtime, awa):
    make_biller(runtime)

    pay_bill(client, app, awa)

    assert deliveries(runtime) == []


def test_only_admins_see_callbacks(client, app, awa):
    response = client.get(f"{API}/admin/callbacks", headers=factories.headers_for(app, awa))

    assert response.status_code == 403


def test_a_bad_status_filter_is_a_validation_error(client, app, runtime):
    with transaction(runtime) as session:
        admin = factories.admin(session)

    response = client.get(
        f"{API}/admin/callbacks?status=lost", headers=factories.headers_for(app, admin)
    )

    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")


def test_backoff_is_capped_at_six_hours(runtime):
    with transaction(runtime) as session:
        assert callbacks.backoff(session, 1) == timedelta(seconds=30)
        assert callbacks.backoff(session, 4) == timedelta(seconds=240)
        assert callbacks.backoff(session, 30) == timedelta(hours=6)


# -- polling ------------------------------------------------------------------------


def test_a_biller_polls_its_paid_bills_since_an_instant(client, app, runtime, clock, awa):
    created = make_biller(runtime)
    first = pay_bill(client, app, awa, amount=1_000)
    clock.advance(hours=1)
    since = clock.now().isoformat()
    second = pay_bill(client, app, awa, amount=2_000)
    post(
        client,
        app,
        awa,
        "/bill-payments",
        {"biller": "E2C", "bill_reference": CONTRACT, "amount": 3_000},
    )  # pending: not paid yet

    everything = client.get(f"{API}/billers/payments", headers=api_key(created.api_key))
    recent = client.get(
        f"{API}/billers/payments", query_string={"since": since}, headers=api_key(created.api_key)
    )

    assert [p["reference"] for p in everything.get_json()["items"]] == [
        first["reference"],
        second["reference"],
    ]
    assert [p["amount"] for p in recent.get_json()["items"]] == [2_000]


def test_polling_pages_with_a_cursor(client, app, runtime, clock, awa):
    created = make_biller(runtime)
    references = []
    for amount in (1_000, 2_000, 3_000):
        references.append(pay_bill(client, app, awa, amount=amount)["reference"])
        clock.advance(minutes=1)
    headers = api_key(created.api_key)

    page1 = client.get(f"{API}/billers/payments?limit=2", headers=headers).get_json()
    page2 = client.get(
        f"{API}/billers/payments",
        query_string={"limit": 2, "cursor": page1["next_cursor"]},
        headers=headers,
    ).get_json()

    assert [p["reference"] for p in page1["items"] + page2["items"]] == references
    assert page2["next_cursor"] is None


def test_a_biller_sees_only_its_own_payments(client, app, runtime, awa):
    make_biller(runtime)
    pay_bill(client, app, awa)
    with transaction(runtime) as session:
        other = factories.biller(
            session, code="LCDE", reference_pattern=r"\d{9}", reference_example=None
        )

    response = client.get(f"{API}/billers/payments", headers=api_key(other.api_key))

    assert response.get_json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("since", ["yesterday", "2026-11-28T09:00:00"])
def test_since_must_be_an_instant_with_a_time_zone(client, runtime, since):
    created = make_biller(runtime)

    response = client.get(
        f"{API}/billers/payments", query_string={"since": since}, headers=api_key(created.api_key)
    )

    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")


def test_polling_needs_a_biller_key(client, app, runtime, awa):
    with transaction(runtime) as session:
        _payer, key = factories.payer(session)

    assert client.get(f"{API}/billers/payments").status_code == 401
    assert client.get(f"{API}/billers/payments", headers=api_key(key)).status_code == 403
