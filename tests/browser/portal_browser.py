"""Driving the signed-in portal in headless Chromium, as a customer on a phone does:
fill a field by its label's ``for``, tap the form's button, read the SMS code the
recording gateway kept (``factories.sms_code``: what the dev outbox shows in
development)."""

from __future__ import annotations

from typing import Any

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from tests import factories
from tests.browser.waiting import wait

PHONE = (412, 915)


def open_page(driver: Any, path: str) -> None:
    driver.get(driver.base_url + path)
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def at(driver: Any, path: str) -> None:
    """Wait until the browser shows ``path`` (a prefix of the URL's path)."""
    wait(driver).until(ec.url_contains(driver.base_url + path))


def body(driver: Any) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)


def fill(driver: Any, **fields: str) -> None:
    for name, value in fields.items():
        box = driver.find_element(By.ID, name)
        box.clear()
        box.send_keys(value)


def gone(element: Any) -> bool:
    """Whether the page that held ``element`` was replaced. While Chromium swaps the
    document, asking about the old node may fail with an inspector error ("Node with
    given id does not belong to the document") instead of a stale reference: that too
    says the old page is gone."""
    try:
        element.is_enabled()
    except WebDriverException:  # StaleElementReferenceException is one of them
        return True
    return False


def submit(driver: Any, form: str = "main form") -> None:
    """Tap the submit button of the page's first form under ``form`` (a CSS selector)
    and wait for the next page."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, f"{form} button[type=submit]").click()
    wait(driver).until(lambda _d: gone(old))
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def enter_sms_code(driver: Any, app: Any, msisdn: str) -> None:
    fill(driver, code=factories.sms_code(app, msisdn, digits=6))
    submit(driver)


def sign_in(driver: Any, app: Any, msisdn: str, pin: str = factories.PIN) -> bool:
    """Number and PIN; the SMS code too if this browser is new. Whether it asked for it."""
    open_page(driver, "/compte/connexion")
    fill(driver, msisdn=msisdn, pin=pin)
    submit(driver)
    asked = "/compte/appareil" in driver.current_url
    if asked:
        enter_sms_code(driver, app, msisdn)
    at(driver, "/compte/")
    return asked


def pay(driver: Any, app: Any, msisdn: str, slug: str, **fields: str) -> str:
    """The payment form, its preview (the text shown is returned), the SMS code: the
    page that says where the payment stands."""
    open_page(driver, f"/compte/{slug}")
    for name, value in fields.items():
        box = driver.find_element(By.ID, name)
        if box.tag_name == "select":
            from selenium.webdriver.support.ui import Select

            Select(box).select_by_value(value)
        else:
            box.clear()
            box.send_keys(value)
    submit(driver)
    preview = body(driver)
    submit(driver)
    if "/compte/code/" in driver.current_url:
        enter_sms_code(driver, app, msisdn)
    at(driver, "/compte/operations/")
    return preview


def session_cookie(driver: Any) -> str:
    """``postcash=…``: the portal's session, for a tool that is not this browser."""
    cookie = driver.get_cookie("postcash")
    assert cookie is not None, "not signed in"
    return f"postcash={cookie['value']}"
