"""Headless Chromium against the app served for real: the counter as an agent sees it.

Debian's ``/usr/bin/chromium`` driven by selenium through ``/usr/bin/chromedriver``
(``.ci/run`` installs both when missing). The app under test is the ``app``
fixture's, so each test has its own database (a SQLite file, or PostgreSQL when
``TEST_DATABASE_URL`` is set) and the ledger invariants are checked after it;
werkzeug serves it from a thread on 127.0.0.1 and a free port. Without Chromium
the tests are skipped on a laptop and fail under CI.

Screenshots of every screen go to ``tmp/artefacts/browser`` (``BROWSER_ARTEFACTS``
to change it); the path is printed at the end of the run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from app.config import BASE_DIR
from tests.conftest import IN_CI

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
OFFICE_SCREEN = (1366, 768)
TABLET = (800, 1280)
ARTEFACTS = Path(os.environ.get("BROWSER_ARTEFACTS") or BASE_DIR / "tmp" / "artefacts" / "browser")
_shots: list[Path] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> str:
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        message = f"{CHROMIUM} or {CHROMEDRIVER} missing (apt-get install chromium chromium-driver)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument("--window-size={},{}".format(*OFFICE_SCREEN))
    options.binary_location = chromium
    # The console's errors, readable with get_log("browser"): a CSP refusal shows there.
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The app on 127.0.0.1, a free port, in a thread; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    browser.set_window_size(*OFFICE_SCREEN)
    browser.get(live_server + "/counter/login")
    browser.delete_all_cookies()
    browser.base_url = live_server
    yield browser


def screenshot(driver: Any, name: str) -> Path:
    """Save what the screen shows now as ``<name>.png`` among the artefacts."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    _shots.append(path)
    return path


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _shots:
        terminalreporter.write_line(f"browser screenshots ({len(_shots)}): {ARTEFACTS}")
