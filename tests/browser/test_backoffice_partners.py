"""A pension batch in the back office, in headless Chromium: uploaded by one operator,
approved by another, followed to completion on a page that reloads itself, and its
per-line results downloaded.

The worker is played by the test: while the batch runs, the jobs the approval
queued wait, the test pays one chunk, then the rest, and the browser, which is
never told to reload, sees the counts move on its own (``<meta http-equiv=
"refresh">``). After the test the ``app`` fixture checks the ledger.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from app.db import transaction
from app.disbursements import processing
from app.ledger import chart
from tests import factories
from tests.browser.conftest import screenshot
from tests.browser.waiting import wait
from tests.e2e.payments_support import available, wallet_of
from workers.outbox import run_in_process

AMOUNTS = (60_000, 45_000, 30_000)


@pytest.fixture
def backoffice(browser: Any, live_server: str) -> Any:
    browser.get(live_server + "/backoffice/login")
    browser.delete_all_cookies()
    browser.base_url = live_server
    return browser


@pytest.fixture
def setting(runtime: Any) -> Any:
    with transaction(runtime) as session:
        payer, _key = factories.payer(session, balance=1_000_000, name="Caisse de retraite CRF")
        people = [
            factories.customer(session, first_name="Retraité", last_name="Nkounkou")
            for _ in AMOUNTS
        ]
        factories.head_office(session, role="operator", username="ops.depot")
        factories.head_office(session, role="operator", username="ops.controle")
    return payer, people


def body(driver: Any) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def sign_in(driver: Any, username: str) -> None:
    driver.get(driver.base_url + "/backoffice/login")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(factories.PASSWORD)
    driver.find_element(By.NAME, "totp").send_keys(factories.totp_code())
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(driver).until(ec.url_to_be(driver.base_url + "/backoffice/"))


def sign_out(driver: Any) -> None:
    driver.find_element(By.CSS_SELECTOR, ".logout button").click()
    wait(driver).until(ec.url_contains("/backoffice/login"))


def test_a_batch_uploaded_by_one_operator_is_approved_by_another_and_followed_to_the_end(
    backoffice: Any, runtime: Any, setting: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    driver = backoffice
    payer, people = setting
    sheet = tmp_path / "pensions-decembre.csv"
    lines = ["msisdn;name;amount;reference"]
    lines += [
        f"{p.msisdn};Retraité Nkounkou;{a};CRF-{i}"
        for i, (p, a) in enumerate(zip(people, AMOUNTS, strict=True), 1)
    ]
    lines.append("06 12;Sans Numéro;5000;CRF-9")
    sheet.write_text("\n".join(lines), encoding="utf-8")

    # The first operator uploads the payer's CSV and reads the validation report.
    sign_in(driver, "ops.depot")
    driver.find_element(By.LINK_TEXT, "Partenaires et lots").click()
    driver.find_element(By.LINK_TEXT, "Lots de paiement").click()
    driver.find_element(By.LINK_TEXT, "Déposer un lot (CSV)").click()
    Select(driver.find_element(By.NAME, "payer_id")).select_by_visible_text(payer.name)
    driver.find_element(By.NAME, "reference").send_keys("PENSIONS-DEC-2026")
    driver.find_element(By.NAME, "file").send_keys(str(sheet))
    screenshot(driver, "bo-batch-01-upload")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit].primary").click()
    wait(driver).until(ec.presence_of_element_located((By.ID, "batch-status")))
    report = body(driver)
    assert "Lignes acceptées\n3" in report or "Lignes acceptées 3" in report
    assert "Numéro invalide" in report
    assert "il attend l'approbation d'un autre opérateur" in report
    assert not driver.find_elements(By.ID, "approve")
    screenshot(driver, "bo-batch-02-report")
    batch_url = driver.current_url
    sign_out(driver)

    # The worker is busy: what the approval queues waits until the test runs it.
    waiting: list[int] = []
    monkeypatch.setattr(runtime.queue, "runner", waiting.append)
    monkeypatch.setattr(processing, "CHUNK", 1)

    # The second operator approves; the page then reloads itself while the batch runs.
    sign_in(driver, "ops.controle")
    driver.get(batch_url)
    driver.find_element(By.ID, "approve").click()
    wait(driver).until(ec.text_to_be_present_in_element((By.ID, "batch-status"), "en cours"))
    assert driver.find_element(By.CSS_SELECTOR, 'meta[http-equiv="refresh"]')
    assert "3 en attente" in body(driver)
    screenshot(driver, "bo-batch-03-running")

    batch_id = batch_url.rstrip("/").rsplit("/", 1)[1]
    with transaction(runtime) as session:
        processing.process_chunk(session, batch_id)
    wait(driver).until(ec.text_to_be_present_in_element((By.ID, "count-paid"), "1 payée(s)"))
    assert "2 en attente" in body(driver)
    screenshot(driver, "bo-batch-04-progress")

    monkeypatch.undo()
    for outbox_id in waiting:
        run_in_process(outbox_id)
    wait(driver).until(ec.text_to_be_present_in_element((By.ID, "batch-status"), "Terminé"))
    assert "3 payée(s)" in body(driver) and "0 en attente" in body(driver)
    assert not driver.find_elements(By.CSS_SELECTOR, 'meta[http-equiv="refresh"]')
    screenshot(driver, "bo-batch-05-done")
    assert [wallet_of(runtime, p) for p in people] == list(AMOUNTS)
    assert available(runtime, chart.payer(payer.id)) == 1_000_000 - sum(AMOUNTS)

    # The per-line results, downloaded as the operator would.
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.find_element(By.ID, "download").click()
    wait(driver).until(lambda _d: any(p.suffix == ".csv" for p in downloads.iterdir()))
    (result,) = [p for p in downloads.iterdir() if p.suffix == ".csv"]
    with result.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["line"], r["status"], r["code"]) for r in rows] == [
        ("1", "completed", ""),
        ("2", "completed", ""),
        ("3", "completed", ""),
        ("4", "rejected", "invalid_msisdn"),
    ]
