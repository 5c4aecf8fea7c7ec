"""Every page under /compte, walked: who may open it, and under which policy.

The walk finds the routes itself (Flask's URL map), so a page added tomorrow is
walked too. Without a session every page but the sign-in, sign-up and device
pages sends the browser to the sign-in (302). Signed in, placeholders that name
nothing never make a page fail (< 500), every HTML answer keeps the strict
policy (no inline script but the hashed ones, no inline style or event handler,
so neither needs ``'unsafe-inline'``), and another customer's payments, letters,
groups and merchants' requests are pages not found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest

from app.db import transaction
from app.payments import requests as payment_requests
from app.web.portal.account import OPEN_PAGES
from app.web.portal.catalog import KINDS, PAYMENTS
from tests import factories, likelemba_support
from tests.e2e.payments_support import post as api_post
from tests.e2e.payments_support import send_p2p
from tests.e2e.portal_support import csrf, sign_in
from tests.mail_support import letter_form, make_pdf

NOBODY = "00000000-0000-0000-0000-000000000000"
# Signing out ends the walk's session: walked last, on its own.
SIGN_OUT = {"portal.sign_out", "portal.sign_out_everywhere"}


def _routes(app: Any, values: dict[str, str] | None = None) -> Iterator[tuple[str, str, str]]:
    """(endpoint, method, path) of every /compte route, each placeholder given
    ``values[name]`` or an id that names nothing."""
    values = values or {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/compte"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values.get(m[1], NOBODY), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def _open(client: Any, method: str, path: str) -> Any:
    data = {"csrf_token": csrf(client)} if method == "POST" else None
    return client.open(path, method=method, data=data)


class _Inline(HTMLParser):
    """What in a page would need ``'unsafe-inline'``: style elements and attributes,
    event handler attributes, ``javascript:`` links."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "action") and (value or "").strip().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:>")


def _policy(response: Any) -> dict[str, list[str]]:
    found = {}
    for directive in response.headers["Content-Security-Policy"].split(";"):
        name, *sources = directive.split()
        found[name] = sources
    return found


def test_the_walk_covers_every_area_of_the_account(app):
    walked = {endpoint for endpoint, _method, _path in _routes(app)}
    for area in ("account_home", "statement", "pay_form", "pay_code", "savings", "likelemba"):
        assert f"portal.{area}" in walked
    assert {"portal.mailbox_page", "portal.payment_requests_page", "portal.letter_pdf"} <= walked


def test_without_a_session_every_account_page_sends_to_the_sign_in(app, client):
    for endpoint, method, path in _routes(app):
        if endpoint in OPEN_PAGES:
            continue
        response = _open(client, method, path)
        where = (method, path, response.status_code)
        assert response.status_code == 302, where
        assert response.headers["Location"].startswith("/compte/connexion"), where


def test_the_sign_in_sign_up_and_device_pages_open_without_a_session(app, client):
    for endpoint in OPEN_PAGES:
        path = next(p for e, m, p in _routes(app) if e == endpoint and m == "GET")
        response = client.get(path)
        # The device and code pages send back to their first step (303) when nothing
        # waits: their own answer, not the gate's 302.
        assert response.status_code in (200, 303), (path, response.status_code)


def test_signed_in_no_page_fails_and_every_page_keeps_the_strict_policy(app, client, awa):
    sign_in(client, app, awa)
    slugs = [{"slug": slug} for slug in PAYMENTS] + [{"kind": kind} for kind in KINDS]
    seen = set()
    for values in [{}, *slugs]:
        for endpoint, method, path in _routes(app, values):
            if endpoint in SIGN_OUT or (method, path) in seen:
                continue
            seen.add((method, path))
            response = _open(client, method, path)
            where = (method, path, response.status_code)
            assert response.status_code < 500, where
            assert response.headers.get("Cache-Control") == "no-store", where
            if response.mimetype != "text/html":
                continue
            policy = _policy(response)
            assert "'unsafe-inline'" not in policy["script-src"], where
            assert "'unsafe-eval'" not in policy["script-src"], where
            assert policy["style-src"] == ["'self'"], where
            assert policy["frame-ancestors"] == ["'none'"], where
            assert _Inline(response.get_data(as_text=True)).found == [], where
    assert client.get("/compte/").status_code == 200  # still signed in after the walk
    for endpoint in SIGN_OUT:
        path = next(p for e, m, p in _routes(app) if e == endpoint)
        assert _open(client, "POST", path).status_code == 303
        sign_in(client, app, awa)


@pytest.fixture
def bobs(app, client, runtime):
    """Bob's own things: a transfer and a remittance waiting for his code, a letter in
    his mailbox, a likelemba group of his, a merchant's request to him."""
    bob, carine, dieu = likelemba_support.people(runtime, 3)
    transfer = send_p2p(client, app, bob, carine.msisdn, 1_000).get_json()["id"]
    remittance = api_post(
        client,
        app,
        bob,
        "/remittances",
        {"recipient": {"name": "Jean Okemba", "msisdn": "+242055551234"}, "amount": 2_000},
    ).get_json()["id"]
    with transaction(runtime) as session:
        _sender, key = factories.sender(session, balance=50_000, name="Direction des Impôts")
        merchant = factories.merchant(session)
        asked, _new = payment_requests.create_payment_request(
            session, merchant.client.id, msisdn=bob.msisdn, amount=7_500, reference="CMD-42"
        )
    letter = client.post(
        "/api/v1/mail/letters",
        data=letter_form(make_pdf(1), recipient={"name": "Bob", "msisdn": bob.msisdn}),
        content_type="multipart/form-data",
        headers={"X-API-Key": key, "Idempotency-Key": factories.key()},
    ).get_json()["id"]
    group = likelemba_support.formed(runtime, [bob, carine, dieu], accept=False)
    return {
        "transfer": transfer,
        "remittance": remittance,
        "letter_id": letter,
        "group_id": group,
        "request_id": asked.id,
    }


def test_another_customers_payments_letters_groups_and_requests_are_not_found(
    app, client, awa, bobs
):
    sign_in(client, app, awa)
    walks = [{"kind": kind, "row_id": bobs[kind]} for kind in ("transfer", "remittance")] + [
        {"letter_id": bobs["letter_id"]},
        {"group_id": bobs["group_id"], "action": "accepter"},
        {"group_id": bobs["group_id"], "action": "quitter"},
        {"request_id": bobs["request_id"]},
    ]
    walked = 0
    for values in walks:
        for _endpoint, method, path in _routes(app, values):
            if not any(value in path for value in values.values() if len(value) > 20):
                continue
            response = _open(client, method, path)
            assert response.status_code == 404, (method, path, response.status_code)
            walked += 1
    assert walked >= 12
