"""The signed-in portal's budgets, measured in headless Chromium like the public pages'
(``test_portal_budgets.py``): the balance, the send form and its confirmation, and a
full page of statement lines.

* Weight: every byte the page's load transfers, with the cache and the service worker
  bypassed (the session cookie kept), plus the manifest and the icon; at most 60 KB.
  A page carrying a CSRF token is sent uncompressed on purpose (BREACH,
  ``app/compression.py``): its bytes are counted as sent, and the figures record
  whether the document came compressed.
* First render under 2 s on slow 3G with the CPU slowed four times.
* axe-core finds no serious or critical violation.

The figures join the public pages' in ``portal-budgets.json`` beside the screenshots.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from app.customers.service import get_customer
from app.db import transaction
from app.payments.requests import create_payment_request
from app.savings.accounts import open_savings_account
from tests import factories, likelemba_support
from tests.browser.conftest import screenshot
from tests.browser.portal_browser import PHONE, at, fill, open_page, sign_in, submit
from tests.browser.test_portal_budgets import (
    AXE,
    BUDGET_BYTES,
    FIRST_RENDER_MS,
    SLOW_3G,
    WEIGHT,
    _figures,
    beside_the_page,
    loaded,
    painted,
    record,
)
from tests.e2e.payments_support import confirm, otp_for, send_p2p
from tests.mail_support import letter_form, make_pdf

STATEMENT_LINES = 26  # a full page of 25 and the link to older ones
FAST = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


@pytest.fixture
def account(browser: Any, live_server: str, app: Any, client: Any, runtime: Any) -> Iterator[Any]:
    """The browser as a phone, signed in as a customer with a full statement page;
    ``account.recipient`` is another customer's number."""
    with transaction(runtime) as session:
        payer = factories.customer(session, balance=500_000, first_name="Awa")
        recipient = factories.customer(session, first_name="Bob", last_name="Loubaki")
    for amount in range(1_000, 1_000 + 100 * STATEMENT_LINES, 100):
        sent = send_p2p(client, app, payer, recipient.msisdn, amount)
        assert sent.status_code == 201
        done = confirm(client, app, payer, sent.get_json()["id"], otp_for(app, payer))
        assert done.status_code == 200, done.get_json()
    browser.set_window_size(*PHONE)
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.base_url = live_server
    sign_in(browser, app, payer.msisdn)
    browser.recipient = recipient.msisdn
    browser.customer = payer
    browser.execute_cdp_cmd("Network.enable", {})
    yield browser
    browser.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 1})
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", FAST)
    browser.execute_cdp_cmd("Network.setBypassServiceWorker", {"bypass": False})
    browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})


def cold(driver: Any) -> None:
    """No cache, no service worker, but the cookies kept: the session stays."""
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    driver.execute_cdp_cmd("Network.setBypassServiceWorker", {"bypass": True})
    driver.execute_cdp_cmd(
        "Storage.clearDataForOrigin",
        {"origin": driver.base_url, "storageTypes": "cache_storage,service_workers"},
    )


def measure(driver: Any, name: str, load: Any) -> dict[str, Any]:
    """Figures of the page ``load(driver)`` brings, on slow 3G with a 4x slower CPU."""
    cold(driver)
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", SLOW_3G)
    driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 4})
    try:
        load(driver)
        loaded(driver)
        painted(driver)
        weight = driver.execute_script(WEIGHT)
    finally:
        driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 1})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", FAST)
    document = weight["document"]
    page_bytes = document["transfer"] + sum(f["transfer"] for f in weight["files"])
    figures = {
        "path": driver.current_url.removeprefix(driver.base_url),
        "bytes": page_bytes + beside_the_page(driver.base_url),
        "page_bytes": page_bytes,
        "document_encoded": document["encoded"],
        "document_decoded": document["decoded"],
        "document_compressed": document["encoded"] < document["decoded"],
        "files": weight["files"],
        "first_render_ms": round(weight["fcp"]) if weight["fcp"] is not None else None,
    }
    _figures.setdefault(name, {}).update(figures)
    record()
    return figures


def to(path: str) -> Any:
    return lambda driver: driver.get(driver.base_url + path)


def send_form_filled(driver: Any) -> Any:
    """The send form filled at full speed; measuring starts with the tap on Continue."""
    open_page(driver, "/compte/envoyer")
    fill(driver, to=driver.recipient, amount="7500")
    return lambda d: d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    driver.execute_script(AXE.read_text())
    found: list[dict[str, Any]] = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.length}))), e => done([{id: String(e), impact: 'critical'}]));"
    )
    return found


def test_each_signed_in_page_fits_60_kb_renders_in_2_s_and_passes_axe(account):
    pages = {
        "account": to("/compte/"),
        "send": to("/compte/envoyer"),
        "send-confirm": None,  # the form is filled first, unthrottled
        "statement": to("/compte/releve"),
    }
    over = []
    serious = {}
    for name, load in pages.items():
        if load is None:
            load = send_form_filled(account)
        figures = measure(account, f"signed-in-{name}", load)
        assert "/compte/connexion" not in account.current_url, f"{name}: signed out"
        if name == "send-confirm":  # the preview, naming the recipient
            assert "Bob L." in account.find_element(By.TAG_NAME, "body").text
        screenshot(account, f"portal-signed-in-{name}")
        if figures["bytes"] > BUDGET_BYTES:
            over.append(f"{name}: {figures['bytes']} bytes")
        if figures["first_render_ms"] is None or figures["first_render_ms"] >= FIRST_RENDER_MS:
            over.append(f"{name}: first render {figures['first_render_ms']} ms")
        violations = axe_violations(account)
        _figures[f"signed-in-{name}"]["axe"] = violations
        serious[name] = [v for v in violations if v["impact"] in ("serious", "critical")]
    record()
    assert not over, over
    assert not any(serious.values()), serious


def test_the_statement_page_is_full_and_compressed_the_pages_with_a_csrf_token_are_not(account):
    open_page(account, "/compte/releve")
    assert len(account.find_elements(By.CSS_SELECTOR, "table.lines tbody tr")) == 25
    statement = measure(account, "signed-in-statement", to("/compte/releve"))
    assert statement["document_compressed"]
    balance = measure(account, "signed-in-account", to("/compte/"))
    assert not balance["document_compressed"]  # BREACH: its sign-out forms carry the token


def other_pages(driver: Any, app: Any, client: Any, runtime: Any) -> dict[str, str]:
    """The signed-in customer's other pages, each with something to show: a livret, a
    letter, a likelemba group, a merchant's request, a payment waiting for its code."""
    me = driver.customer
    with transaction(runtime) as session:
        livret = open_savings_account(session, get_customer(session, me.id), "livret")
        _sender, key = factories.sender(session, balance=50_000, name="Direction des Impôts")
        merchant = factories.merchant(session)
        create_payment_request(
            session, merchant.client.id, msisdn=me.msisdn, amount=7_500, reference="CMD-42"
        )
    assert livret.id
    letter = client.post(
        "/api/v1/mail/letters",
        data=letter_form(make_pdf(1), recipient={"name": "Awa", "msisdn": me.msisdn}),
        content_type="multipart/form-data",
        headers={"X-API-Key": key, "Idempotency-Key": factories.key()},
    ).get_json()["id"]
    others = likelemba_support.people(runtime, 2)
    group = likelemba_support.formed(runtime, [me, *others], accept=False)
    waiting = send_p2p(client, app, me, driver.recipient, 1_000).get_json()["id"]
    return {
        "savings": "/compte/epargne",
        "savings-deposit": "/compte/epargne-versement",
        "withdraw": "/compte/retirer",
        "remittance": "/compte/mandat",
        "bill": "/compte/factures",
        "mailbox": "/compte/courrier",
        "letter": f"/compte/courrier/{letter}",
        "letter-send": "/compte/courrier/envoyer",
        "likelemba": "/compte/likelemba",
        "likelemba-group": f"/compte/likelemba/{group}",
        "requests": "/compte/demandes",
        "code": f"/compte/code/transfer/{waiting}",
    }


def test_axe_finds_no_serious_violation_on_any_other_account_page(account, app, client, runtime):
    found = {}
    for name, path in other_pages(account, app, client, runtime).items():
        open_page(account, path)
        assert account.current_url == account.base_url + path, name
        found[name] = axe_violations(account)
    account.execute_cdp_cmd("Network.clearBrowserCookies", {})
    for name in ("connexion", "inscription"):
        open_page(account, f"/compte/{name}")
        found[name] = axe_violations(account)
    open_page(account, "/compte/connexion")  # a browser it does not know: the code asked
    fill(account, msisdn=account.customer.msisdn, pin=factories.PIN)
    submit(account)
    at(account, "/compte/appareil")
    found["appareil"] = axe_violations(account)
    for name, violations in found.items():
        _figures.setdefault(f"axe-{name}", {})["axe"] = violations
    record()
    serious = {
        name: [v for v in violations if v["impact"] in ("serious", "critical")]
        for name, violations in found.items()
    }
    assert not any(serious.values()), serious
