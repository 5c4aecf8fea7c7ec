"""Signing in on the portal: number and PIN, an SMS code on a new browser, which is
then remembered; signing out here or everywhere."""

import pytest

from app.db import transaction
from tests import factories
from tests.e2e.portal_support import enter_pin, post, sign_in, text_of


def test_a_new_browser_needs_the_pin_then_the_sms_code(client, app, awa):
    answer = enter_pin(client, awa)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/compte/appareil")
    assert client.get("/compte/").status_code == 302  # not signed in before the code
    code = factories.sms_code(app, awa.msisdn, digits=6)
    confirmed = post(client, "/compte/appareil", code=code)
    assert confirmed.status_code == 303
    assert "postcash_device=" in confirmed.headers.get("Set-Cookie", "")
    page = client.get("/compte/")
    assert page.status_code == 200
    assert "Bonjour Awa" in text_of(page)
    assert "100 000" in text_of(page)


def test_a_remembered_browser_needs_the_pin_alone(client, app, awa, clock):
    sign_in(client, app, awa)
    post(client, "/compte/deconnexion")
    answer = enter_pin(client, awa)
    assert answer.headers["Location"].endswith("/compte/")


def test_the_device_cookie_is_httponly_and_kept_to_the_account(client, app, awa):
    enter_pin(client, awa)
    code = factories.sms_code(app, awa.msisdn, digits=6)
    cookie = post(client, "/compte/appareil", code=code).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Path=/compte" in cookie


def test_a_wrong_sms_code_says_how_many_tries_are_left(client, app, awa):
    enter_pin(client, awa)
    answer = post(client, "/compte/appareil", code="000000")
    assert answer.status_code == 401
    assert "Il vous reste" in text_of(answer)
    assert client.get("/compte/").status_code == 302


def test_a_wrong_pin_is_counted_and_said(client, awa):
    answer = enter_pin(client, awa, pin="9999")
    assert answer.status_code == 401
    assert "PIN incorrect" in text_of(answer)


def test_an_unknown_number_is_answered_as_a_wrong_pin(client):
    answer = post(client, "/compte/connexion", msisdn="+242069999999", pin="1379")
    assert answer.status_code == 401
    assert "PIN incorrect" in text_of(answer)


def test_the_third_wrong_pin_locks_the_account(client, awa):
    for _ in range(2):
        enter_pin(client, awa, pin="9999")
    answer = enter_pin(client, awa, pin="9999")
    assert "bloqué" in text_of(answer)


def test_signing_out_everywhere_forgets_every_browser_and_ends_every_session(app, awa, clock):
    phone = app.test_client()
    laptop = app.test_client()
    sign_in(phone, app, awa)
    clock.advance(seconds=1)
    sign_in(laptop, app, awa)
    assert post(phone, "/compte/deconnexion-partout").status_code == 303
    assert laptop.get("/compte/").status_code == 302
    again = enter_pin(laptop, awa)
    assert again.headers["Location"].endswith("/compte/appareil")


def test_fifteen_idle_minutes_end_the_session(client, app, awa, clock):
    sign_in(client, app, awa)
    clock.advance(minutes=15, seconds=1)
    answer = client.get("/compte/")
    assert answer.status_code == 302
    assert "expired" in answer.headers["Location"]


def test_a_staff_or_other_customers_cookie_opens_nothing(client, app, awa, runtime):
    with transaction(runtime) as session:
        bob = factories.customer(session, first_name="Bob")
    sign_in(client, app, awa)
    assert "Bonjour Awa" in text_of(client.get("/compte/"))
    assert bob.first_name not in text_of(client.get("/compte/"))


@pytest.mark.parametrize("path", ["/compte/", "/compte/deconnexion", "/compte/deconnexion-partout"])
def test_account_pages_need_a_session(client, path):
    answer = client.get(path) if path == "/compte/" else post(client, path)
    assert answer.status_code == 302
    assert "/compte/connexion" in answer.headers["Location"]


def test_the_code_page_without_a_pending_sign_in_goes_back_to_the_sign_in(client):
    answer = client.get("/compte/appareil")
    assert answer.status_code == 303


def test_an_active_customer_stays_signed_in_past_the_tokens_lifetime(client, app, awa, clock):
    sign_in(client, app, awa)
    for _ in range(6):  # 30 minutes of activity, a page every 5 minutes
        clock.advance(minutes=5)
        assert client.get("/compte/").status_code == 200


def test_signing_in_returns_to_the_account_page_asked_for(client, app, awa):
    asked = client.get("/compte/releve?page=2")
    assert asked.status_code == 302 and "/compte/connexion" in asked.headers["Location"]
    answer = enter_pin(client, awa)
    code = factories.sms_code(app, awa.msisdn, digits=6)
    confirmed = post(client, "/compte/appareil", code=code)
    assert confirmed.status_code == 303
    assert confirmed.headers["Location"].endswith("/compte/releve?page=2")
    assert answer.headers["Location"].endswith("/compte/appareil")


def asked_while_signed_out(client, app, who, path):
    """A remembered browser, signed out, asks for ``path``; the sign-in's answer."""
    sign_in(client, app, who)
    post(client, "/compte/deconnexion")
    client.get(path)
    return enter_pin(client, who)


def test_a_remembered_browser_returns_to_the_page_asked_for_with_the_pin_alone(client, app, awa):
    answer = asked_while_signed_out(client, app, awa, "/compte/epargne")
    assert answer.headers["Location"].endswith("/compte/epargne")


def test_the_page_asked_for_is_followed_once(client, app, awa):
    asked_while_signed_out(client, app, awa, "/compte/epargne")
    post(client, "/compte/deconnexion")
    assert enter_pin(client, awa).headers["Location"].endswith("/compte/")


@pytest.mark.parametrize(
    "asked",
    [
        "/compte//evil.example/",
        "/compte/\\\\evil.example",
        "/compte/%0d%0aSet-Cookie:x",
        "/compte/connexion?next=https://evil.example/",
    ],
)
def test_the_sign_in_never_returns_anywhere_but_a_page_of_the_account(client, app, awa, asked):
    answer = asked_while_signed_out(client, app, awa, asked)
    assert answer.headers["Location"].endswith("/compte/")
