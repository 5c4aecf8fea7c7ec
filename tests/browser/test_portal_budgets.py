"""The portal's public pages on the phones people have, measured in headless Chromium.

* Weight: every byte the page's load transfers (the document, its stylesheet and
  scripts, as Resource Timing's ``transferSize``: compressed bodies plus headers)
  with the cache and the service worker bypassed, plus the manifest and the icon
  a browser fetches beside it; at most 60 KB.
* First render: ``first-contentful-paint`` on an emulated slow 3G (400 ms round
  trip, 50 KB/s each way) with the CPU slowed four times, through the DevTools
  protocol (``execute_cdp_cmd``); under 2 s.
* Accessibility: axe-core 4 (``tests/browser/vendor/axe-core``, injected by the
  test, never served) finds no serious or critical violation.

The figures go to ``portal-budgets.json`` beside the screenshots.
"""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from app.db import transaction
from tests import portal_support
from tests.browser.conftest import ARTEFACTS, screenshot

BUDGET_BYTES = 60 * 1024
FIRST_RENDER_MS = 2_000
PHONE = (412, 915)
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 50 * 1024,
    "uploadThroughput": 50 * 1024,
}
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
BESIDE_EVERY_PAGE = ("/manifest.webmanifest", "/static/portal/icon-192.png")
_figures: dict[str, dict[str, Any]] = {}


@pytest.fixture
def portal(browser: Any, live_server: str, runtime: Any, client: Any, clock: Any) -> Iterator[Any]:
    """The browser as a phone, on the served app with post offices and a sent letter;
    ``portal.paths`` names the public pages."""
    clock.set(portal_support.MONDAY_10H_BRAZZAVILLE)
    with transaction(runtime) as session:
        portal_support.network(session)
    letter = portal_support.send_letter(client, runtime)
    browser.set_window_size(*PHONE)
    browser.base_url = live_server
    browser.paths = {
        "home": "/",
        "fees": "/tarifs?operation=p2p&montant=12500",
        "offices": "/bureaux",
        "tracking": f"/suivi/{letter['tracking_number']}",
        "offline": "/hors-ligne",
    }
    browser.execute_cdp_cmd("Network.enable", {})
    yield browser
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    browser.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 1})
    browser.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    browser.execute_cdp_cmd("Network.setBypassServiceWorker", {"bypass": False})
    browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})


def cold(driver: Any) -> None:
    """No cache, no service worker: every byte comes over the network."""
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    driver.execute_cdp_cmd("Network.setBypassServiceWorker", {"bypass": True})
    driver.execute_cdp_cmd(
        "Storage.clearDataForOrigin", {"origin": driver.base_url, "storageTypes": "all"}
    )


def loaded(driver: Any) -> None:
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def painted(driver: Any) -> None:
    """Wait for the first-contentful-paint entry: on a throttled CPU the browser may
    record it just after ``load``; a page that never paints still fails (None)."""
    with contextlib.suppress(TimeoutException):
        WebDriverWait(driver, 15).until(
            lambda d: d.execute_script(
                "return performance.getEntriesByName('first-contentful-paint').length"
            )
        )


WEIGHT = """
const nav = performance.getEntriesByType('navigation')[0];
const files = performance.getEntriesByType('resource').map(
  r => ({name: r.name, transfer: r.transferSize, encoded: r.encodedBodySize,
         decoded: r.decodedBodySize}));
const paint = performance.getEntriesByName('first-contentful-paint')[0];
return {document: {transfer: nav.transferSize, encoded: nav.encodedBodySize,
                   decoded: nav.decodedBodySize},
        files: files, fcp: paint ? paint.startTime : null};
"""


def beside_the_page(base_url: str) -> int:
    """Compressed bytes (and headers) of what a browser fetches beside each page."""
    total = 0
    for path in BESIDE_EVERY_PAGE:
        asked = urllib.request.Request(base_url + path, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(asked, timeout=10) as answer:
            total += len(answer.read()) + len(str(answer.headers))
    return total


def measure(driver: Any, name: str, path: str) -> dict[str, Any]:
    cold(driver)
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", SLOW_3G)
    driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 4})
    try:
        driver.get(driver.base_url + path)
        loaded(driver)
        painted(driver)
        weight = driver.execute_script(WEIGHT)
    finally:
        driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 1})
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
    page_bytes = weight["document"]["transfer"] + sum(f["transfer"] for f in weight["files"])
    figures = {
        "path": path,
        "bytes": page_bytes + beside_the_page(driver.base_url),
        "page_bytes": page_bytes,
        "document_encoded": weight["document"]["encoded"],
        "document_decoded": weight["document"]["decoded"],
        "files": weight["files"],
        "first_render_ms": round(weight["fcp"]) if weight["fcp"] is not None else None,
    }
    _figures.setdefault(name, {}).update(figures)
    record()
    return figures


def record() -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "portal-budgets.json").write_text(json.dumps(_figures, indent=2))


def test_each_public_page_fits_60_kb_and_renders_in_2_s_on_slow_3g(portal):
    over = []
    for name, path in portal.paths.items():
        figures = measure(portal, name, path)
        screenshot(portal, f"portal-{name}")
        assert figures["document_encoded"] < figures["document_decoded"], f"{name} not gzipped"
        if figures["bytes"] > BUDGET_BYTES:
            over.append(f"{name}: {figures['bytes']} bytes")
        if figures["first_render_ms"] is None or figures["first_render_ms"] >= FIRST_RENDER_MS:
            over.append(f"{name}: first render {figures['first_render_ms']} ms")
    assert not over, over


def test_axe_finds_no_serious_or_critical_violation_on_any_public_page(portal):
    axe = AXE.read_text()
    found = {}
    for name, path in portal.paths.items():
        portal.get(portal.base_url + path)
        loaded(portal)
        portal.execute_script(axe)
        result = portal.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
            " nodes: v.nodes.length}))), e => done([{id: String(e), impact: 'critical'}]));"
        )
        found[name] = result
        _figures.setdefault(name, {})["axe"] = result
    record()
    serious = {
        name: [v for v in violations if v["impact"] in ("serious", "critical")]
        for name, violations in found.items()
    }
    assert not any(serious.values()), serious


def test_the_map_loads_leaflet_only_when_asked_and_stays_within_the_budget(portal):
    cold(portal)
    portal.get(portal.base_url + "/bureaux")
    loaded(portal)
    names = portal.execute_script(
        "return performance.getEntriesByType('resource').map(r => r.name)"
    )
    assert not any("leaflet" in name for name in names)
    portal.find_element(By.CLASS_NAME, "map-button").click()
    WebDriverWait(portal, 20).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#map path.leaflet-interactive"))
    )
    markers = portal.find_elements(By.CSS_SELECTOR, "#map path.leaflet-interactive")
    assert len(markers) == len(portal.find_elements(By.CSS_SELECTOR, "li.office[data-lat]")) > 1
    ours = portal.execute_script(
        "const nav = performance.getEntriesByType('navigation')[0];"
        "return nav.transferSize + performance.getEntriesByType('resource')"
        ".filter(r => r.name.startsWith(location.origin))"
        ".reduce((sum, r) => sum + r.transferSize, 0)"
    )
    _figures.setdefault("offices", {})["with_map_bytes_without_tiles"] = ours
    record()
    screenshot(portal, "portal-offices-map")
    assert ours <= BUDGET_BYTES


def test_the_fee_calculator_and_the_office_list_work_with_javascript_off(portal):
    portal.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    portal.get(portal.base_url + "/tarifs")
    portal.find_element(By.ID, "montant").send_keys("75000")
    portal.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(portal, 10).until(
        ec.text_to_be_present_in_element((By.CLASS_NAME, "result"), "total à payer 75 500 FCFA")
    )
    portal.get(portal.base_url + "/bureaux")
    assert portal.find_elements(By.CSS_SELECTOR, "li.office")
    assert not portal.find_elements(By.CLASS_NAME, "map-button")
    portal.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def test_the_service_worker_shows_the_offline_page_when_the_server_is_gone(portal, app):
    """A server of its own for this test, stopped halfway: the network really fails."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    portal.execute_cdp_cmd("Network.setBypassServiceWorker", {"bypass": False})
    portal.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
    try:
        portal.get(base + "/")
        loaded(portal)
        scope = portal.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "navigator.serviceWorker.ready.then(r => done(r.scope), e => done(String(e)));"
        )
        assert scope == base + "/"
        cached = portal.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "caches.keys().then(names => Promise.all(names.map(n => caches.open(n)"
            ".then(c => c.keys())))).then(all => done([].concat(...all)"
            ".map(r => new URL(r.url).pathname)));"
        )
        assert "/hors-ligne" in cached and "/static/portal.css" in cached
        assert not [path for path in cached if path.startswith("/compte") or path == "/"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    portal.get(base + "/tarifs")
    WebDriverWait(portal, 10).until(
        ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Pas de connexion")
    )
    screenshot(portal, "portal-offline")
