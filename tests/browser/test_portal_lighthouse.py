"""Lighthouse's mobile scores of the portal: performance ≥ 90, accessibility ≥ 95.

Runs wherever ``lighthouse`` 12.2.3 is installed (``make lighthouse``; ``.ci/run``
installs it when npm exists, so CI always runs it) and is skipped elsewhere with
the reason. The signed-in pages (balance, send) are audited with the session
cookie of a customer signed in through the portal (``audit(..., cookie=...)``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser import lighthouse
from tests.e2e.portal_support import sign_in

# Scores do not depend on the database behind the server: one backend is enough.
pytestmark = [pytest.mark.lighthouse, pytest.mark.sqlite_only]

PUBLIC_PAGES = ["/", "/bureaux"]
MINIMUM = {"performance": 90, "accessibility": 95}


@pytest.fixture
def installed(chromium: str) -> None:
    if lighthouse.binary() is None:
        pytest.skip(f"lighthouse {lighthouse.VERSION} not installed (make lighthouse)")


def test_the_public_pages_score_90_for_performance_and_95_for_accessibility(
    installed: None, live_server: str
) -> None:
    scores = lighthouse.audit([live_server + path for path in PUBLIC_PAGES])
    low = {
        url: {name: score for name, score in found.items() if score < MINIMUM[name]}
        for url, found in scores.items()
    }
    assert not any(low.values()), scores


SIGNED_IN_PAGES = ["/compte/", "/compte/envoyer"]


def test_the_balance_and_send_pages_score_90_for_performance_and_95_for_accessibility(
    installed: None, live_server: str, app: Any, client: Any, awa: Any
) -> None:
    """Signed in through the portal's own pages (the test client's session, then the
    cookie handed to Lighthouse): the pages audited are the customer's, not the sign-in."""
    sign_in(client, app, awa)
    cookie = client.get_cookie("postcash")
    assert cookie is not None
    scores = lighthouse.audit(
        [live_server + path for path in SIGNED_IN_PAGES], cookie=f"postcash={cookie.value}"
    )
    for path in SIGNED_IN_PAGES:
        report = lighthouse.ARTEFACTS / f"lighthouse-{lighthouse._slug(path)}.json"
        final = json.loads(report.read_text())["finalDisplayedUrl"]
        assert final == live_server + path, final  # not sent to the sign-in page
    low = {
        url: {name: score for name, score in found.items() if score < MINIMUM[name]}
        for url, found in scores.items()
    }
    assert not any(low.values()), scores
