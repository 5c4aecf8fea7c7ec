"""An auditor in headless Chromium: reads every page of the menu, changes nothing.

The auditor signs in with a TOTP code, opens every link of the menu, and
submits every form those pages show (signing out aside). Then, since an
auditor's pages do not even show the forms that change something, every other
POST route of the back office is crafted in the browser, a form carrying the
page's own CSRF token, so the refusal tested is the role's, not a missing
token's. Each answer is the French refusal, and the database shows nothing
happened. Screenshots of each screen go with the other browser artefacts.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from app.audit.models import AuditEvent
from app.db import jobs, transaction
from app.reconciliation import reconcile
from app.reconciliation.models import Reconciliation
from app.web.backoffice.access import changes_nothing
from tests import factories
from tests.browser.conftest import screenshot
from tests.browser.waiting import wait

REFUSED = "Votre rôle ne permet pas d'ouvrir cette page ni d'y faire cette action."
NOBODY = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def auditor(runtime):
    with transaction(runtime) as session:
        return factories.head_office(session, role="auditor", username="audit.navigateur")


def body(driver: Any) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def sign_in(driver: Any, username: str) -> None:
    driver.get(driver.base_url + "/backoffice/login")
    wait(driver).until(lambda d: d.switch_to.active_element.get_attribute("name") == "username")
    driver.switch_to.active_element.send_keys(
        username, Keys.TAB, factories.PASSWORD, Keys.TAB, factories.totp_code(), Keys.ENTER
    )
    wait(driver).until(ec.url_to_be(driver.base_url + "/backoffice/"))
    assert "audit.navigateur (auditeur)" in body(driver)


def menu(driver: Any) -> list[str]:
    links = driver.find_elements(By.CSS_SELECTOR, "header nav a")
    return [str(link.get_attribute("href")) for link in links]


def posts(form: Any) -> bool:
    """A form that sends a POST, signing out aside (every role may sign out)."""
    method = (form.get_attribute("method") or "").lower()
    return method == "post" and not str(form.get_attribute("action")).endswith("/logout")


def changes_something(app: Any, form: Any) -> bool:
    """A POST form whose page is not declared ``changes_nothing`` (a search sent as a
    POST so that no phone number sits in a URL is an auditor's to use)."""
    path = urlsplit(str(form.get_attribute("action"))).path
    try:
        endpoint, _args = app.url_map.bind("localhost").match(path, method="POST")
    except HTTPException:
        return True
    return not changes_nothing(app.view_functions[endpoint])


def forms_that_post(driver: Any, app: Any) -> list[Any]:
    """The page's POST forms an auditor must be refused, signing out aside."""
    forms = driver.find_elements(By.TAG_NAME, "form")
    return [f for f in forms if posts(f) and changes_something(app, f)]


def submit_crafted(driver: Any, path: str) -> None:
    """POST an empty form to ``path`` from the current page, with its own CSRF token."""
    driver.execute_script(
        """
        const token = document.querySelector('input[name=csrf_token]').value;
        const form = document.createElement('form');
        form.method = 'post';
        form.action = arguments[0];
        const field = document.createElement('input');
        field.type = 'hidden'; field.name = 'csrf_token'; field.value = token;
        form.appendChild(field);
        document.body.appendChild(form);
        form.submit();
        """,
        path,
    )


def post_routes(app: Any) -> list[str]:
    """Every back-office POST path an auditor must be refused (placeholders name nothing)."""
    paths = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("backoffice.") or "POST" not in rule.methods:
            continue
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "backoffice.login" or changes_nothing(view):
            continue
        paths.append(
            re.sub(
                r"<(?:[^:>]+:)?[^>]+>",
                lambda m: "0" if m[0].startswith("<int") else NOBODY,
                rule.rule,
            )
        )
    return sorted(set(paths))


def changes(runtime: Any) -> tuple[int, int]:
    """What an auditor's refused POSTs must leave as they found it."""
    with transaction(runtime) as session:
        runs = session.scalar(select(func.count()).select_from(Reconciliation))
        events = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action != "staff.login")
        )
    return int(runs or 0), int(events or 0)


@pytest.fixture
def a_run_with_a_break(runtime):
    """Yesterday's reconciliation, broken by a job that failed for good: a page with an
    offender for the walk (and its screenshot)."""
    with transaction(runtime) as session:
        jobs.enqueue(session, "workers.no_such_module.run")
    with transaction(runtime) as session:
        return reconcile(session, date(2026, 11, 27), trigger="schedule").id


def test_an_auditor_reads_every_page_of_the_menu_and_every_post_is_refused(
    page, app, runtime, auditor, a_run_with_a_break
):
    sign_in(page, auditor.username)
    screenshot(page, "bo-auditor-01-home")
    before = changes(runtime)

    pages = menu(page)
    assert any(p.endswith("/backoffice/controls/reconciliations") for p in pages)
    inside: set[str] = set()
    for number, href in enumerate(pages, start=2):
        page.get(href)
        assert REFUSED not in body(page), href
        screenshot(page, f"bo-auditor-{number:02d}-{href.rstrip('/').rsplit('/', 1)[-1]}")
        for link in page.find_elements(By.CSS_SELECTOR, "main a[href*='/backoffice/']"):
            inside.add(str(link.get_attribute("href")))
    for number, href in enumerate(sorted(set(pages) | {h for h in inside if "csv" not in h})):
        page.get(href)
        assert REFUSED not in body(page), href
        name = re.sub(r"[^a-z0-9]+", "-", href.split("/backoffice/", 1)[-1]).strip("-") or "home"
        screenshot(page, f"bo-auditor-{number + 10:02d}-{name[:60]}")
        for index in range(len(forms_that_post(page, app))):
            page.get(href)
            form = forms_that_post(page, app)[index]
            page.execute_script("arguments[0].submit()", form)  # as shown, no validation
            wait(page).until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), REFUSED))

    run = next(h for h in inside if h.endswith(f"/reconciliations/{a_run_with_a_break}"))
    page.get(run)
    page.find_element(By.CSS_SELECTOR, "#failed-checks a").click()  # to the failed check
    assert "workers.no_such_module.run" in body(page)
    screenshot(page, "bo-auditor-80-failed-check-and-its-offender")
    routes = post_routes(app)
    assert "/backoffice/controls/reconciliations" in routes
    for number, path in enumerate(routes):
        page.get(page.base_url + "/backoffice/")
        submit_crafted(page, path)
        wait(page).until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), REFUSED))
        if number == 0:
            screenshot(page, "bo-auditor-90-post-refused")
    assert changes(runtime) == before


def test_the_run_form_is_not_even_shown_to_an_auditor(page, app, auditor):
    sign_in(page, auditor.username)
    page.get(page.base_url + "/backoffice/controls/reconciliations")
    assert "Réconciliations" in body(page)
    assert not page.find_elements(By.ID, "run-now")
    assert forms_that_post(page, app) == []
