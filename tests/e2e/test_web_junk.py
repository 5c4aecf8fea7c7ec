"""Every page of the three web applications, fed junk: a page, never a 5xx."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.db import transaction
from tests import factories
from tests.e2e import backoffice_support, counter_support, portal_support

# Long, unicode with a bidi override, a NUL, negative, past 64 bits, a lone percent.
JUNK = ["x" * 3000, "é\u202e💥", "a\x00b", "-1", "99999999999999999999999", "%"]


# Every query parameter and form field the pages read (grep of app/web and its templates).
ARGS = [
    "apres",
    "au",
    "cursor",
    "customer",
    "departement",
    "du",
    "format",
    "from",
    "montant",
    "next",
    "numero",
    "office",
    "operation",
    "q",
    "reason",
    "registered",
    "sens",
    "status",
    "to",
    "type",
    "since",
    "until",
    "welcome",
    "kind",
]
FIELDS = [
    "account",
    "account_number",
    "amount",
    "bill_reference",
    "biller",
    "biller_code",
    "code",
    "contribution",
    "counted_cash",
    "event",
    "first_name",
    "id_number",
    "id_type",
    "key",
    "language",
    "last_name",
    "members",
    "msisdn",
    "name",
    "note",
    "otp",
    "password",
    "payer_msisdn",
    "payer_name",
    "payload",
    "period",
    "pin",
    "pin_again",
    "product",
    "recipient_id_number",
    "recipient_id_type",
    "recipient_msisdn",
    "recipient_name",
    "registration",
    "sender_id_number",
    "sender_id_type",
    "sender_msisdn",
    "sender_name",
    "tier",
    "to",
    "totp",
    "tracking_number",
    "username",
    "action",
    "address",
    "agent_id",
    "approve",
    "bank_reference",
    "decision",
    "department",
    "department_code",
    "float_threshold",
    "form",
    "latitude",
    "longitude",
    "office",
    "once",
    "opening_hours",
    "operation",
    "payer_id",
    "print_centre_code",
    "q",
    "reason",
    "reference",
    "role",
    "service",
    "services",
    "status",
    "town",
    "viewport",
    "day",
    "since",
    "until",
]


def _routes(app: Any, prefix: str) -> list[tuple[str, str, list[str]]]:
    found = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if prefix == "/" and (path.startswith("/counter") or path.startswith("/backoffice")):
            continue
        if prefix != "/" and not path.startswith(prefix):
            continue
        if prefix == "/" and (path.startswith("/api") or path.startswith("/static")):
            continue
        if prefix == "/" and not (rule.endpoint or "").startswith("portal."):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, path, list(rule.arguments)))
    return found


def _counter_csrf(client: Any) -> str:
    """A supervisor's /counter/ sends to their office page: any page's token will do."""
    return counter_support.hidden(client.get("/counter/", follow_redirects=True), "csrf_token")


def _walk(client: Any, app: Any, prefix: str, csrf: Any, skip: tuple[str, ...] = ()) -> list[str]:
    failures = []
    for method, path, args in _routes(app, prefix):
        if any(s in path for s in skip):
            continue
        for junk in JUNK:
            url = path
            for arg in args:
                url = re.sub(
                    r"<(?:[^:<>]+:)?" + arg + ">", "J" if "\x00" in junk else junk[:200], url
                )
            if "<" in url:
                continue
            params = {k: junk for k in ARGS}
            if method == "GET":
                answer = client.get(url, query_string=params)
            else:
                data = dict(params)
                for k in FIELDS:
                    data[k] = junk
                data["csrf_token"] = csrf(client)
                answer = client.post(url, data=data)
            if answer.status_code >= 500:
                failures.append(f"{method} {url[:80]!r} {junk[:20]!r} -> {answer.status_code}")
    return failures


@pytest.mark.parametrize("area", ["/counter", "/backoffice"])
def test_a_nul_in_a_staff_sign_in_form_is_refused_as_invalid(client, area):
    page = client.get(f"{area}/login")
    form = {"csrf_token": counter_support.hidden(page, "csrf_token"), "password": "x", "totp": "1"}
    answer = client.post(f"{area}/login", data={**form, "username": "a\x00b"})
    assert answer.status_code == 400


def test_a_nul_in_a_portal_form_is_refused_as_invalid(client):
    answer = portal_support.post(client, "/compte/connexion", msisdn="06\x00", pin="1234")
    assert answer.status_code in (400, 401, 422)


def test_a_nul_in_a_query_string_is_a_page_not_a_failure(client, runtime):
    with transaction(runtime) as session:
        staff = factories.agent(session)
    counter_support.sign_in(client, staff.username)
    answer = client.get("/counter/history", query_string={"q": "a\x00b"})
    assert answer.status_code == 400


def test_a_counted_cash_past_64_bits_is_refused_as_invalid(client, runtime):
    with transaction(runtime) as session:
        staff = factories.agent(session)
    counter_support.sign_in(client, staff.username)
    answer = client.post(
        "/counter/till/close",
        data={"csrf_token": _counter_csrf(client), "counted_cash": "9" * 20},
    )
    assert answer.status_code == 422


def test_an_id_past_64_bits_is_a_page_not_found(client, runtime):
    with transaction(runtime) as session:
        staff = factories.head_office(session, role="auditor")
    backoffice_support.sign_in(client, staff.username)
    for path in ("/backoffice/controls/reconciliations/", "/backoffice/controls/ledger/entries/"):
        assert client.get(path + "9" * 25).status_code == 404, path


def test_portal_pages_signed_in_never_fail_on_junk(client, app, runtime):
    with transaction(runtime) as session:
        who = factories.customer(session, balance=10_000)
    portal_support.sign_in(client, app, who)
    failures = _walk(client, app, "/", portal_support.csrf, skip=("deconnexion",))
    assert failures == [], "\n".join(failures)


def test_portal_pages_signed_out_never_fail_on_junk(client, app):
    assert _walk(client, app, "/", portal_support.csrf) == []


@pytest.mark.parametrize("role", ["operator", "auditor"])
def test_back_office_pages_never_fail_on_junk(client, app, runtime, role):
    with transaction(runtime) as session:
        staff = factories.head_office(session, role=role)
    backoffice_support.sign_in(client, staff.username)
    failures = _walk(client, app, "/backoffice", backoffice_support.csrf, skip=("logout",))
    assert failures == [], "\n".join(failures)


def test_back_office_pages_for_a_supervisor_never_fail_on_junk(client, app, runtime):
    with transaction(runtime) as session:
        staff = factories.supervisor(session)
    backoffice_support.sign_in(client, staff.username)
    failures = _walk(client, app, "/backoffice", backoffice_support.csrf, skip=("logout",))
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("kind", ["agent", "supervisor"])
def test_counter_pages_never_fail_on_junk(client, app, runtime, kind):
    with transaction(runtime) as session:
        staff = getattr(factories, kind)(session)
    counter_support.sign_in(client, staff.username)
    failures = _walk(client, app, "/counter", _counter_csrf, skip=("logout",))
    assert failures == [], "\n".join(failures)
