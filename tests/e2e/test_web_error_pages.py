"""Every web area answers an error in its own words (``app/web/area.py``): a page that
fails is a 500 in French with nothing of the exception shown, a domain error no page
caught keeps its status and message, an unknown page is the area's 404, and the staff
areas' pages are never cached."""

from __future__ import annotations

from html import unescape

import pytest

from app.errors import InvalidState
from app.i18n.web import page_text, portal_text

# (an endpoint any visitor reaches, its path, the area's texts for a failure and a 404)
AREAS = {
    "counter": ("counter.login", "/counter/login", "error.page", "error.not_found"),
    "backoffice": ("backoffice.login", "/backoffice/login", "bo.error.page", "bo.error.not_found"),
    "portal": ("portal.home", "/", "portal.error.page", "portal.error.not_found"),
}


# What Chromium sends for a page.
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def said(area: str, key: str) -> str:
    return portal_text("fr", key) if area == "portal" else page_text(key)


def html(answer) -> str:
    return unescape(answer.get_data(as_text=True))


@pytest.fixture
def failing(app, monkeypatch):
    """Make the area's page raise ``error`` the next time it is asked for."""

    def make(area: str, error: Exception) -> str:
        endpoint, path, _failed, _missing = AREAS[area]

        def view(*_args, **_kwargs):
            raise error

        monkeypatch.setitem(app.view_functions, endpoint, view)
        return path

    return make


@pytest.mark.parametrize("area", AREAS)
def test_a_page_that_fails_is_a_500_in_the_areas_words_and_shows_nothing_of_the_error(
    client, failing, area
):
    path = failing(area, RuntimeError("secret internals"))
    answer = client.get(path)
    assert answer.status_code == 500
    assert said(area, AREAS[area][2]) in html(answer)
    assert "secret internals" not in html(answer) and "Traceback" not in html(answer)


@pytest.mark.parametrize("area", AREAS)
def test_a_domain_error_no_page_caught_keeps_its_status_and_is_said(client, failing, area):
    path = failing(area, InvalidState("not now"))
    answer = client.get(path)
    assert answer.status_code == InvalidState.status
    assert "not now" not in html(answer)
    assert "<html" in html(answer).lower()


@pytest.mark.parametrize(
    ("area", "path"),
    [
        ("backoffice", "/backoffice/no/such/page"),
        ("portal", "/compte/no/such/page"),
        ("portal", "/no-such-page"),
    ],
)
def test_an_address_nothing_serves_is_the_areas_own_404_page(client, area, path):
    answer = client.get(path, headers=BROWSER)
    assert answer.status_code == 404
    assert answer.mimetype == "text/html"
    assert said(area, AREAS[area][3]) in html(answer)


def test_an_unknown_counter_address_asks_to_sign_in_first_and_says_nothing_of_it(client):
    answer = client.get("/counter/no/such/page")
    assert answer.status_code == 302
    assert "/counter/login" in answer.headers["Location"]


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/ussd/nothing", "/sms/nothing"])
def test_an_address_of_the_machines_nothing_serves_stays_problem_json(client, path):
    answer = client.get(path, headers=BROWSER)
    assert answer.status_code == 404
    assert answer.mimetype == "application/problem+json"


@pytest.mark.parametrize("accept", [None, "application/json", "*/*"])
def test_a_program_asking_for_an_address_nothing_serves_gets_problem_json(client, accept):
    answer = client.get("/no-such-page", headers={"Accept": accept} if accept else {})
    assert answer.status_code == 404
    assert answer.mimetype == "application/problem+json"


@pytest.mark.parametrize("area", ["counter", "backoffice"])
def test_a_staff_page_is_never_cached(client, area):
    assert client.get(AREAS[area][1]).headers["Cache-Control"] == "no-store"
