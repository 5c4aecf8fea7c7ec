"""The back office's float circuit in headless Chromium: the Poto-Poto supervisor asks
for a float top-up for their agent, a head-office operator approves it, the money is
on the agent's float and the map of float levels shows the office above its threshold.
Screenshots of each screen are kept as artefacts."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from app.db import transaction
from app.network.demo import seed_demo_network
from tests import factories
from tests.browser.conftest import screenshot
from tests.browser.waiting import wait
from tests.e2e.payments_support import float_of


@pytest.fixture
def poto_poto(runtime):
    with transaction(runtime) as session:
        seed_demo_network(session)
        agent = factories.agent(session, float_balance=150_000, username="agent.potopoto")
        factories.supervisor(session, username="chef.potopoto")
        factories.head_office(session, username="ops.siege")
    return agent


def body(driver: Any) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def sign_in(driver: Any, username: str) -> None:
    driver.get(driver.base_url + "/backoffice/login")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(factories.PASSWORD)
    driver.find_element(By.NAME, "totp").send_keys(factories.totp_code())
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(driver).until(ec.text_to_be_present_in_element((By.TAG_NAME, "header"), username))


def sign_out(driver: Any) -> None:
    driver.find_element(By.CSS_SELECTOR, "form.logout button").click()
    wait(driver).until(ec.url_contains("/backoffice/login"))


def test_a_supervisor_asks_for_float_and_an_operator_approves_it(page, runtime, poto_poto):
    sign_in(page, "chef.potopoto")
    page.find_element(By.LINK_TEXT, "Réseau").click()
    wait(page).until(ec.text_to_be_present_in_element((By.TAG_NAME, "main"), "Poto-Poto"))
    assert "Bacongo" not in body(page)  # a supervisor's network is their own office
    page.get(page.base_url + "/backoffice/network/float")
    form = page.find_element(By.ID, "float-request")
    Select(form.find_element(By.NAME, "agent_id")).select_by_visible_text("agent.potopoto (BZV-PP)")
    form.find_element(By.CSS_SELECTOR, "input[name=kind][value=topup]").click()
    form.find_element(By.NAME, "amount").send_keys("400000")
    form.find_element(By.NAME, "note").send_keys("Paie des fonctionnaires demain")
    screenshot(page, "bo-network-01-supervisor-asks")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(page).until(ec.presence_of_element_located((By.ID, "pending-requests")))
    assert "400 000 FCFA" in body(page) and "attend la validation d'un opérateur" in body(page)
    screenshot(page, "bo-network-02-request-pending")
    sign_out(page)

    sign_in(page, "ops.siege")
    page.get(page.base_url + "/backoffice/network/float")
    row = page.find_element(By.CSS_SELECTOR, "#pending-requests tbody tr")
    assert "Paie des fonctionnaires demain" in row.text
    screenshot(page, "bo-network-03-operator-sees-request")
    row.find_element(By.NAME, "approve").click()
    wait(page).until(ec.text_to_be_present_in_element((By.TAG_NAME, "main"), "Demande validée"))
    assert "Aucune demande en attente." in body(page)
    screenshot(page, "bo-network-04-approved")
    assert float_of(runtime, poto_poto) == 550_000

    page.get(page.base_url + "/backoffice/network/float/map")
    wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, "svg.office-map")))
    poto = page.find_element(By.XPATH, "//table[@id='float-levels']//tr[contains(., 'Poto-Poto')]")
    assert "550 000 FCFA" in poto.text and "au-dessus du seuil" in poto.text
    screenshot(page, "bo-network-05-float-map")
