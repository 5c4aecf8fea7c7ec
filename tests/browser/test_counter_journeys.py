"""An agent's day at the Poto-Poto counter, in headless Chromium.

Every step is typed the way an agent works: the field with the focus first,
Tab between fields, Enter to continue and Enter again to confirm. After each
test the ``app`` fixture checks the ledger's invariants.
"""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from app.db import transaction
from app.ledger import chart
from tests import factories
from tests.browser.conftest import TABLET, screenshot
from tests.browser.waiting import wait
from tests.e2e.payments_support import available, float_of, post, wallet_of


@pytest.fixture
def counter(runtime):
    with transaction(runtime) as session:
        return factories.agent(session, float_balance=500_000, username="agent.potopoto")


@pytest.fixture
def electricity(runtime):
    with transaction(runtime) as session:
        return factories.biller(session, code="E2C").biller.code


def at(driver: Any, path: str) -> None:
    """Wait until the browser shows ``path`` (a prefix of the URL's path)."""
    wait(driver).until(ec.url_contains(driver.base_url + path))


def body(driver: Any) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def typed(driver: Any, *keys: str) -> None:
    """Type into whatever has the focus (autofocus, then Tab), as an agent does."""
    driver.switch_to.active_element.send_keys(*keys)


def sign_in(driver: Any, username: str) -> None:
    driver.get(driver.base_url + "/counter/login")
    focus_on(driver, "username")
    screenshot(driver, "01-sign-in")
    typed(driver, username, Keys.TAB, factories.PASSWORD, Keys.TAB, factories.totp_code())
    typed(driver, Keys.ENTER)
    at(driver, "/counter/")
    assert "agent.potopoto — Bureau de poste de Poto-Poto" in body(driver)
    focus_on(driver, "msisdn")


def focus_on(driver: Any, name: str) -> None:
    """Wait until the field ``name`` has the focus (autofocus), before typing."""
    wait(driver).until(lambda d: d.switch_to.active_element.get_attribute("name") == name)


def open_screen(driver: Any, path: str, focus: str | None = None) -> None:
    driver.get(driver.base_url + path)
    if focus is not None:
        focus_on(driver, focus)


def confirm_with_enter(driver: Any, name: str) -> None:
    """On the confirmation screen: amount, fee and total shown; Enter confirms."""
    wait(driver).until(ec.presence_of_element_located((By.ID, "confirm")))
    text = body(driver)
    assert "Montant" in text and "Frais" in text and "Total" in text
    screenshot(driver, name)
    typed(driver, Keys.ENTER)


def test_sign_in_with_a_computed_totp_and_find_a_customer(page, counter, awa):
    sign_in(page, counter.username)
    typed(page, "0" + awa.msisdn.removeprefix("+2420"), Keys.ENTER)
    wait(page).until(ec.presence_of_element_located((By.ID, "customer-name")))
    text = body(page)
    assert awa.msisdn in text and "Basique" in text and "Reste aujourd'hui" in text
    assert page.execute_script("return document.documentElement.scrollWidth") <= 1366
    screenshot(page, "02-customer")


def test_register_a_walk_in_customer_with_the_sms_code(page, app, counter):
    sign_in(page, counter.username)
    open_screen(page, "/counter/register", "msisdn")
    msisdn = factories.new_msisdn()
    typed(page, msisdn, Keys.TAB, "Prisca", Keys.TAB, "Loubaki", Keys.TAB, "4826")
    screenshot(page, "03-register")
    typed(page, Keys.ENTER)
    wait(page).until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), "envoyé par SMS"))
    typed(page, factories.sms_code(app, msisdn, digits=6), Keys.ENTER)
    wait(page).until(ec.presence_of_element_located((By.ID, "customer-name")))
    assert "Prisca" in body(page)
    screenshot(page, "04-registered")


def test_cash_in_then_print_the_receipt(page, runtime, counter, awa):
    sign_in(page, counter.username)
    open_screen(page, f"/counter/cash-in?customer={awa.id}", "amount")
    typed(page, "15000", Keys.ENTER)  # the amount has the focus: the number came with the link
    confirm_with_enter(page, "05-cash-in-confirm")
    at(page, "/counter/receipts/")
    text = body(page)
    assert "15 000 FCFA" in text and "quinze mille francs CFA" in text
    # The print button is shown by the page's inline script: the CSP let it run.
    assert page.find_element(By.CSS_SELECTOR, "[data-print]").is_displayed()
    screenshot(page, "06-receipt-thermal")
    assert wallet_of(runtime, awa) == 115_000


def test_cash_out_with_the_customers_code(page, app, client, runtime, counter, awa):
    asked = post(client, app, awa, "/withdrawals", {"amount": 20_000})
    assert asked.status_code == 201
    code = factories.sms_code(app, awa.msisdn, digits=6)
    sign_in(page, counter.username)
    open_screen(page, "/counter/cash-out", "msisdn")
    typed(page, awa.msisdn, Keys.ENTER)
    wait(page).until(ec.presence_of_element_located((By.ID, "code")))
    assert "À remettre au client : 20 000 FCFA" in body(page)
    screenshot(page, "07-cash-out-confirm")
    typed(page, code, Keys.ENTER)  # the code field has the focus; Enter pays
    at(page, "/counter/receipts/")
    assert float_of(runtime, counter) > 500_000


def test_send_and_pay_out_a_remittance(page, app, runtime, counter):
    sign_in(page, counter.username)
    open_screen(page, "/counter/remittances/send", "sender_name")
    recipient = factories.new_msisdn()
    typed(page, "Joseph Mavoungou", Keys.TAB, "+242061112233", Keys.TAB, Keys.TAB)
    typed(page, Keys.TAB, "Marie Nkounkou", Keys.TAB, recipient, Keys.TAB, "50000")
    screenshot(page, "08-remittance-send")
    typed(page, Keys.ENTER)
    confirm_with_enter(page, "09-remittance-send-confirm")
    at(page, "/counter/receipts/")
    code = factories.sms_code(app, recipient, digits=10)
    open_screen(page, "/counter/remittances/payout", "code")
    typed(page, code, Keys.TAB)
    Select(page.find_element(By.NAME, "recipient_id_type")).select_by_value("national_id")
    page.find_element(By.NAME, "recipient_id_number").send_keys("CG-445566", Keys.ENTER)
    confirm_with_enter(page, "10-remittance-payout-confirm")
    at(page, "/counter/receipts/")
    assert available(runtime, chart.REMIT_PAYABLE) == 0


def test_a_walk_in_pays_a_bill_from_the_float(page, runtime, counter, electricity):
    sign_in(page, counter.username)
    open_screen(page, "/counter/bills", "biller_code")
    typed(page, Keys.TAB, "01234567890", Keys.TAB, "15000", Keys.TAB, "Joseph Mavoungou")
    screenshot(page, "11-bill")
    typed(page, Keys.ENTER)
    confirm_with_enter(page, "12-bill-confirm")
    at(page, "/counter/receipts/")
    assert float_of(runtime, counter) == 500_000 - 15_100
    assert available(runtime, chart.biller(electricity)) == 15_000


def test_a_domain_error_is_shown_in_french_next_to_the_form(page, counter):
    sign_in(page, counter.username)
    open_screen(page, "/counter/remittances/send", "sender_name")
    typed(page, "Joseph Mavoungou", Keys.TAB, "+242061112233", Keys.TAB, Keys.TAB)
    typed(page, Keys.TAB, "Marie Nkounkou", Keys.TAB, factories.new_msisdn(), Keys.TAB, "150000")
    typed(page, Keys.ENTER)
    wait(page).until(ec.presence_of_element_located((By.ID, "form-error")))
    assert "obligatoire au-delà de 100 000 FCFA" in body(page)
    assert "Traceback" not in page.page_source
    screenshot(page, "13-error")


def test_a_double_clicked_confirmation_pays_once(page, runtime, counter, awa):
    sign_in(page, counter.username)
    open_screen(page, f"/counter/cash-in?customer={awa.id}", "amount")
    typed(page, "10000", Keys.ENTER)
    button = wait(page).until(ec.element_to_be_clickable((By.ID, "confirm")))
    ActionChains(page).double_click(button).perform()
    at(page, "/counter/receipts/")
    assert wallet_of(runtime, awa) == 110_000


def test_the_same_confirmation_posted_twice_at_once_pays_once(page, runtime, counter, awa):
    sign_in(page, counter.username)
    open_screen(page, f"/counter/cash-in?customer={awa.id}", "amount")
    typed(page, "10000", Keys.ENTER)
    wait(page).until(ec.presence_of_element_located((By.ID, "confirm")))
    statuses = page.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const form = document.querySelector("form.confirm");
        const send = () => fetch(form.action, {method: "POST", body: new FormData(form)});
        Promise.all([send(), send()]).then(rs => done(rs.map(r => r.url)));
        """
    )
    assert len(set(statuses)) == 1 and "/counter/receipts/" in statuses[0]
    assert wallet_of(runtime, awa) == 110_000


def test_the_history_reprints_a_receipt(page, runtime, counter, awa):
    sign_in(page, counter.username)
    open_screen(page, f"/counter/cash-in?customer={awa.id}", "amount")
    typed(page, "15000", Keys.ENTER)
    confirm_with_enter(page, "14-cash-in-again")
    at(page, "/counter/receipts/")
    open_screen(page, "/counter/history")
    screenshot(page, "15-history")
    page.find_element(By.LINK_TEXT, "Réimprimer").click()
    at(page, "/counter/receipts/")
    assert "quinze mille francs CFA" in body(page)


def test_the_counter_works_at_tablet_width(page, counter, awa):
    page.set_window_size(*TABLET)
    sign_in(page, counter.username)
    typed(page, awa.msisdn, Keys.ENTER)
    wait(page).until(ec.presence_of_element_located((By.ID, "customer-name")))
    width = page.execute_script("return document.documentElement.scrollWidth")
    assert width <= TABLET[0]
    screenshot(page, "16-tablet")


def test_close_the_day_and_print_the_end_of_day_report(page, runtime, counter, awa):
    sign_in(page, counter.username)
    open_screen(page, f"/counter/cash-in?customer={awa.id}", "amount")
    typed(page, "20000", Keys.ENTER)
    confirm_with_enter(page, "17-cash-in-before-closing")
    at(page, "/counter/receipts/")
    open_screen(page, "/counter/till", "counted_cash")
    assert "Commissions gagnées" in body(page)
    screenshot(page, "18-till")
    page.find_element(By.ID, "counted_cash").send_keys("20000", Keys.ENTER)
    at(page, "/counter/till/report")
    text = body(page)
    assert "20 000 FCFA" in text
    screenshot(page, "19-end-of-day-report")
    open_screen(page, f"/counter/cash-in?customer={awa.id}", "amount")
    typed(page, "1000", Keys.ENTER)
    wait(page).until(ec.presence_of_element_located((By.ID, "form-error")))
    screenshot(page, "20-till-closed")
    assert wallet_of(runtime, awa) == 120_000


def test_a_savings_deposit_in_cash(page, runtime, counter, awa):
    from app.customers.models import Customer
    from app.savings.accounts import open_savings_account

    with transaction(runtime) as session:
        number = open_savings_account(session, session.get(Customer, awa.id), "livret").number
    sign_in(page, counter.username)
    open_screen(page, "/counter/savings/deposits", "account_number")
    typed(page, number, Keys.TAB, "25000", Keys.ENTER)
    confirm_with_enter(page, "21-savings-deposit-confirm")
    at(page, "/counter/receipts/")
    assert "vingt-cinq mille francs CFA" in body(page)
    assert float_of(runtime, counter) == 500_000 - 25_000
