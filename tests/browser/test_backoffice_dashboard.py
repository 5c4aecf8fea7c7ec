"""The back office's dashboard in headless Chromium: the charts are drawn, with their numbers.

The activity is that of ``tests/e2e/dashboard_support.py`` (two offices, a
remittance waiting three days). The SVG is server-rendered: the browser only has
to draw it, and each bar it draws carries the figure the ledger holds.
Screenshots of the head office's and of a supervisor's view are artefacts.
"""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from app.db import transaction
from tests import factories
from tests.browser.conftest import TABLET, screenshot
from tests.e2e.dashboard_support import balance, build_network

CHARTS_OF_THE_HEAD_OFFICE = 8
CHARTS_OF_AN_OFFICE = 5


@pytest.fixture
def network(runtime, client, app, clock):
    return build_network(runtime, client, app, clock)


def sign_in(driver: Any, username: str) -> None:
    driver.get(driver.base_url + "/backoffice/login")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(factories.PASSWORD)
    driver.find_element(By.NAME, "totp").send_keys(factories.totp_code())
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 10).until(ec.url_to_be(driver.base_url + "/backoffice/"))


def drawn_charts(driver: Any) -> list[Any]:
    """The charts the browser laid out with a visible size."""
    WebDriverWait(driver, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, "svg.chart")))
    charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
    return [c for c in charts if c.size["width"] > 200 and c.size["height"] > 80]


def bar(driver: Any, chart: str, series: str, category: str) -> Any:
    return driver.find_element(
        By.CSS_SELECTOR,
        f'svg[data-chart="{chart}"] [data-series="{series}"][data-category="{category}"]',
    )


def test_the_head_office_sees_every_chart_drawn_with_the_ledgers_figures(page, runtime, network):
    with transaction(runtime) as session:
        operator = factories.head_office(session, role="operator", username="ops.siege")
    sign_in(page, operator.username)
    page.find_element(By.LINK_TEXT, "Tableau de bord").click()
    assert len(drawn_charts(page)) == CHARTS_OF_THE_HEAD_OFFICE
    fees = bar(page, "fees", "fees", "2026-11-28")
    assert int(fees.get_attribute("data-value")) == balance(runtime, "fees:p2p")
    assert fees.size["height"] > 0
    awaiting = bar(page, "remittances_awaiting", "amount", "3-7")
    assert int(awaiting.get_attribute("data-value")) == balance(runtime, "remit:payable")
    poto = bar(page, "float_by_office", "float", "BZV-PP")
    assert int(poto.get_attribute("data-value")) == balance(runtime, f"float:{network['poto'].id}")
    # The tooltip a pointer shows is the bar's <title>, in French figures.
    assert "30 000" in awaiting.find_element(By.TAG_NAME, "title").get_attribute("textContent")
    page.set_window_size(1366, 3600)
    screenshot(page, "backoffice-dashboard-head-office")
    page.set_window_size(*TABLET)
    assert len(drawn_charts(page)) == CHARTS_OF_THE_HEAD_OFFICE
    screenshot(page, "backoffice-dashboard-tablet")


def test_a_supervisor_sees_their_offices_charts(page, runtime, network):
    with transaction(runtime) as session:
        boss = factories.supervisor(
            session,
            username="chef.pnr",
            post_office="Bureau de poste de Pointe-Noire Centre-ville",
            post_office_code="PNR-CV",
        )
    sign_in(page, boss.username)
    page.get(page.base_url + "/backoffice/dashboard")
    assert len(drawn_charts(page)) == CHARTS_OF_AN_OFFICE
    cashin = bar(page, "values_by_type", "cashin", "2026-11-28")
    assert int(cashin.get_attribute("data-value")) == 10_000
    assert "Tableau de bord du bureau PNR-CV" in page.find_element(By.TAG_NAME, "h1").text
    page.set_window_size(1366, 2400)
    screenshot(page, "backoffice-dashboard-supervisor")
