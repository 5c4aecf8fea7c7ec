"""Lighthouse's mobile scores of the portal: performance ≥ 90, accessibility ≥ 95.

Runs wherever ``lighthouse`` 12.2.3 is installed (``make lighthouse``; ``.ci/run``
installs it when npm exists, so CI always runs it) and is skipped elsewhere with
the reason. To add a signed-in page (balance, send), sign in through the portal
in a fixture and call ``audit([...], cookie="postcash=<value>")``.
"""

from __future__ import annotations

import pytest

from tests.browser import lighthouse

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
