"""A customer's journeys through the signed-in portal, in headless Chromium on a phone's
screen: opening an account, signing in on a new browser and again on a remembered one,
sending money, paying a bill, saving, reading and sending letters, and sending money
with JavaScript off. Every SMS code is the one the customer was texted (the recording
gateway; the dev outbox shows the same texts in development). The ``app`` fixture
checks the ledger's invariants after each test; screenshots go to the artefacts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from app.db import transaction
from tests import factories
from tests.browser.conftest import screenshot
from tests.browser.portal_browser import (
    PHONE,
    at,
    body,
    enter_sms_code,
    fill,
    open_page,
    pay,
    sign_in,
    submit,
)
from tests.e2e.payments_support import wallet_of
from tests.mail_support import letter_form, make_pdf


@pytest.fixture
def phone(browser: Any, live_server: str) -> Iterator[Any]:
    """The browser as a phone with no cookie at all (a device cookie is path /compte)."""
    browser.set_window_size(*PHONE)
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.base_url = live_server
    browser.get_log("browser")  # what earlier tests left in the console
    yield browser
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    console = browser.get_log("browser")
    refused = [e["message"] for e in console if "Security Policy" in e["message"]]
    assert not refused, refused  # the strict policy held on every page of the journey


@pytest.fixture
def bob(runtime: Any) -> Any:
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bob", last_name="Loubaki")


@pytest.fixture
def electricity(runtime: Any) -> Any:
    with transaction(runtime) as session:
        return factories.biller(session, code="E2C").biller


def test_open_an_account_with_the_sms_code(phone, app):
    open_page(phone, "/compte/inscription")
    msisdn = factories.new_msisdn()
    fill(phone, msisdn=msisdn, first_name="Prisca", last_name="Loubaki")
    fill(phone, pin="4826", pin_again="4826")
    screenshot(phone, "portal-sign-up")
    submit(phone)
    at(phone, "/compte/inscription/code")
    enter_sms_code(phone, app, msisdn)
    at(phone, "/compte/")
    assert "Bonjour Prisca" in body(phone)
    assert phone.find_element(By.ID, "available").text == "0 FCFA"
    screenshot(phone, "portal-welcome")


def test_a_new_browser_needs_the_sms_code_once_then_is_remembered(phone, app, awa):
    assert sign_in(phone, app, awa.msisdn) is True
    screenshot(phone, "portal-balance")
    assert "100 000 FCFA" in phone.find_element(By.ID, "available").text
    submit(phone, "form[action$='/compte/deconnexion']")
    at(phone, "/compte/connexion")
    assert sign_in(phone, app, awa.msisdn) is False


def test_send_money_naming_the_recipient_before_the_sms_code(phone, app, runtime, awa, bob):
    sign_in(phone, app, awa.msisdn)
    open_page(phone, "/compte/envoyer")
    screenshot(phone, "portal-send")
    preview = pay(phone, app, awa.msisdn, "envoyer", to=bob.msisdn, amount="5000", note="Loyer")
    assert "Bob L." in preview and "5 000 FCFA" in preview
    assert "Opération réussie" in body(phone)
    screenshot(phone, "portal-send-done")
    assert wallet_of(runtime, bob) == 5_000
    assert wallet_of(runtime, awa) < 100_000 - 5_000 + 1


def test_pay_a_bill_with_the_sms_code(phone, app, runtime, awa, electricity):
    sign_in(phone, app, awa.msisdn)
    preview = pay(
        phone,
        app,
        awa.msisdn,
        "factures",
        biller=electricity.code,
        bill_reference="01234567890",
        amount="12000",
    )
    assert electricity.name in preview and "12 000 FCFA" in preview
    assert "Opération réussie" in body(phone)
    screenshot(phone, "portal-bill-paid")
    assert wallet_of(runtime, awa) <= 100_000 - 12_000


def test_open_a_livret_then_deposit(phone, app, runtime, awa):
    sign_in(phone, app, awa.msisdn)
    open_page(phone, "/compte/epargne")
    submit(phone, "form[action$='/compte/epargne/ouvrir']")
    assert "Votre livret est ouvert" in body(phone)
    pay(phone, app, awa.msisdn, "epargne-versement", amount="20000")
    assert "Opération réussie" in body(phone)
    open_page(phone, "/compte/epargne")
    assert "20 000 FCFA" in phone.find_element(By.CSS_SELECTOR, ".card .amount").text
    screenshot(phone, "portal-savings")
    assert wallet_of(runtime, awa) == 80_000


def test_read_a_letter_in_the_e_mailbox(phone, app, client, runtime, awa):
    with transaction(runtime) as session:
        _sender, key = factories.sender(session, balance=50_000, name="Direction des Impôts")
    form = letter_form(make_pdf(1, "Avis"), recipient={"name": "Awa", "msisdn": awa.msisdn})
    sent = client.post(
        "/api/v1/mail/letters",
        data=form,
        content_type="multipart/form-data",
        headers={"X-API-Key": key, "Idempotency-Key": factories.key()},
    )
    assert sent.status_code == 201
    sign_in(phone, app, awa.msisdn)
    open_page(phone, "/compte/courrier")
    assert "non lue" in body(phone)
    screenshot(phone, "portal-mailbox")
    phone.find_element(By.CSS_SELECTOR, ".letters a").click()
    at(phone, "/compte/courrier/")
    assert sent.get_json()["tracking_number"] in body(phone)
    href = phone.find_element(By.CSS_SELECTOR, "a.button").get_attribute("href")
    kind = phone.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => done(r.headers.get('content-type')), e => done(String(e)));",
        href,
    )
    assert kind == "application/pdf"
    open_page(phone, "/compte/courrier")
    assert "non lue" not in body(phone)


def test_send_a_letter_pay_it_then_track_it_publicly(phone, app, runtime, awa, bob, tmp_path):
    pdf = Path(tmp_path) / "lettre.pdf"
    pdf.write_bytes(make_pdf(2, "Bonjour Bob"))
    sign_in(phone, app, awa.msisdn)
    open_page(phone, "/compte/courrier/envoyer")
    phone.find_element(By.ID, "file").send_keys(str(pdf))
    fill(phone, recipient_name="Bob Loubaki", recipient_msisdn=bob.msisdn, subject="Convocation")
    screenshot(phone, "portal-letter-send")
    submit(phone)
    at(phone, "/compte/code/transfer/")
    assert "FCFA" in body(phone)  # the price, held until the code
    enter_sms_code(phone, app, awa.msisdn)
    at(phone, "/compte/operations/")
    assert "Opération réussie" in body(phone)
    number = phone.find_element(
        By.XPATH, "//th[normalize-space()='Numéro de suivi']/following-sibling::td"
    ).text
    phone.execute_cdp_cmd("Network.clearBrowserCookies", {})
    open_page(phone, f"/suivi/{number}")
    assert number in body(phone)
    assert phone.find_elements(By.CSS_SELECTOR, "main li, main tr")  # its events
    screenshot(phone, "portal-letter-tracked")
    assert wallet_of(runtime, awa) < 100_000


def test_send_money_with_javascript_off(phone, app, runtime, awa, bob):
    phone.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    sign_in(phone, app, awa.msisdn)
    preview = pay(phone, app, awa.msisdn, "envoyer", to=bob.msisdn, amount="2500")
    assert "Bob L." in preview
    assert "Opération réussie" in body(phone)
    screenshot(phone, "portal-send-no-js")
    # The page's own script (it registers the service worker) never ran.
    assert not phone.execute_script("return navigator.serviceWorker.controller")
    assert wallet_of(runtime, bob) == 2_500
