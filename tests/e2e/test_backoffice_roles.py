"""Every back-office route, walked with every role: the page's ``@allow`` holds.

The walk finds the routes itself (Flask's URL map), so a page added tomorrow is
walked too; a page that declares no roles fails here unless it is the sign-in.
Placeholders in a path get a value that names nothing: an allowed role then
meets the page's own "not found", a refused one the role's refusal, before
any lookup. Auditors' POSTs are refused everywhere but on pages declared
``changes_nothing``.
"""

import re

import pytest

from app.db import transaction
from app.web.backoffice.access import allowed_roles, changes_nothing
from tests import factories
from tests.e2e.backoffice_support import csrf, sign_in

PUBLIC = {"backoffice.login"}
ROLES = ("supervisor", "operator", "auditor", "admin")
NOBODY = "00000000-0000-0000-0000-000000000000"


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("backoffice."):
            path = re.sub(
                r"<(?:[^:>]+:)?[^>]+>",
                lambda m: "0" if m[0].startswith("<int") else NOBODY,
                rule.rule,
            )
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, path


def _staff(session, role):
    if role == "supervisor":
        return factories.supervisor(session)
    if role == "admin":
        return factories.admin(session)
    return factories.head_office(session, role=role)


def test_every_page_but_the_sign_in_declares_who_may_open_it(app):
    for endpoint, _method, _path in _routes(app):
        declared = allowed_roles(app.view_functions[endpoint])
        assert (declared is None) == (endpoint in PUBLIC), endpoint


def test_without_a_session_every_page_but_the_sign_in_asks_to_sign_in(app, client):
    for endpoint, method, path in _routes(app):
        if endpoint in PUBLIC:
            continue
        data = {"csrf_token": csrf(client)} if method == "POST" else None
        response = client.open(path, method=method, data=data)
        assert response.status_code == 302, (method, path, response.status_code)
        assert "/backoffice/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_the_pages_declared_for_it(app, runtime, role):
    with transaction(runtime) as session:
        staff = _staff(session, role)
    acts_as = "operator" if role == "admin" else role
    client = app.test_client()
    assert sign_in(client, staff.username).status_code == 303
    for endpoint, method, path in _routes(app):
        if endpoint in PUBLIC or endpoint == "backoffice.logout":
            continue
        view = app.view_functions[endpoint]
        data = {"csrf_token": csrf(client)} if method == "POST" else None
        response = client.open(path, method=method, data=data)
        allowed = acts_as in allowed_roles(view)
        if method == "POST" and acts_as == "auditor" and not changes_nothing(view):
            allowed = False
        where = (role, method, path, response.status_code)
        assert response.status_code < 500, where
        if allowed:
            assert response.status_code not in (302, 403), where
        else:
            assert response.status_code == 403, where
