"""A reversal proposed by one operator and approved by another, in headless Chromium.

Two head-office operators, one after the other at the same browser: the first
finds the payment by its reference and proposes its reversal with a reason; the
second finds it waiting, approves it, and the payment shows as reversed. The
``app`` fixture then checks the ledger's invariants. Screenshots of each screen
go to the browser artefacts.
"""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from app import ledger
from app.db import transaction
from app.ledger import chart
from app.transfers.models import Transfer
from tests import factories
from tests.browser.conftest import screenshot
from tests.desk_support import paid_p2p


@pytest.fixture
def story(runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=100_000)
        bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
        transfer = paid_p2p(session, awa, bruno, 7_500)
        factories.head_office(session, role="operator", username="ops.awa")
        factories.head_office(session, role="operator", username="ops.bruno")
        return transfer.id, transfer.reference, bruno.id


def body(driver: Any) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def wait_for_text(driver: Any, text: str) -> None:
    WebDriverWait(driver, 10).until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), text))


def sign_in(driver: Any, username: str) -> None:
    driver.delete_all_cookies()
    driver.get(driver.base_url + "/backoffice/login")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(factories.PASSWORD)
    driver.find_element(By.NAME, "totp").send_keys(factories.totp_code())
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for_text(driver, f"{username} (opérateur)")


def test_a_reversal_proposed_by_one_operator_is_approved_by_another(page, runtime, story):
    transfer_id, reference, bruno_id = story

    sign_in(page, "ops.awa")
    page.find_element(By.LINK_TEXT, "Clients et paiements").click()
    page.get(page.base_url + "/backoffice/payments")
    page.find_element(By.ID, "reference").send_keys(reference)
    page.find_element(By.CSS_SELECTOR, "#search button[type=submit]").click()
    wait_for_text(page, "Transferts et paiements")
    screenshot(page, "backoffice-reversal-01-search")
    page.find_element(By.LINK_TEXT, reference).click()
    wait_for_text(page, f"Paiement {reference}")
    page.find_element(By.ID, "propose-reason").send_keys("Envoyé au mauvais numéro")
    screenshot(page, "backoffice-reversal-02-propose")
    page.find_element(By.CSS_SELECTOR, "#propose button[type=submit]").click()
    wait_for_text(page, "Annulation proposée")
    assert "un autre opérateur doit la décider" in body(page)
    assert not page.find_elements(By.ID, "approve")
    screenshot(page, "backoffice-reversal-03-waiting")

    sign_in(page, "ops.bruno")
    page.get(page.base_url + "/backoffice/payments/reversals")
    wait_for_text(page, "Envoyé au mauvais numéro")
    assert "ops.awa" in body(page)
    screenshot(page, "backoffice-reversal-04-queue")
    page.find_element(By.LINK_TEXT, reference).click()
    wait_for_text(page, "Approuver et annuler le paiement")
    screenshot(page, "backoffice-reversal-05-approve")
    page.find_element(By.CSS_SELECTOR, "#approve button[type=submit]").click()
    wait_for_text(page, "Annulation approuvée")
    assert "contre-passé" in page.find_element(By.ID, "transfer-status").text
    screenshot(page, "backoffice-reversal-06-reversed")

    with transaction(runtime) as session:
        assert session.get(Transfer, transfer_id).status == "reversed"
        assert ledger.balance(session, chart.wallet(bruno_id)).available == 0
