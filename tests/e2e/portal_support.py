"""Driving the portal's pages with Flask's test client: sign in (with the SMS code on
a new browser), post a form with this session's CSRF token."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.e2e.counter_support import hidden, text_of

__all__ = ["csrf", "hidden", "post", "sign_in", "text_of"]


def csrf(client: Any) -> str:
    return hidden(client.get("/compte/connexion"), "csrf_token")


def post(client: Any, path: str, **fields: Any) -> Any:
    data = {"csrf_token": csrf(client), **{k: str(v) for k, v in fields.items()}}
    return client.post(path, data=data)


def enter_pin(client: Any, who: Any, pin: str = factories.PIN) -> Any:
    return post(client, "/compte/connexion", msisdn=who.msisdn, pin=pin)


def sign_in(client: Any, app: Any, who: Any, pin: str = factories.PIN) -> Any:
    """Number and PIN, then the SMS code if this browser is new: the account's page."""
    answer = enter_pin(client, who, pin)
    assert answer.status_code == 303, text_of(answer)
    if answer.headers["Location"].endswith("/compte/appareil"):
        code = factories.sms_code(app, who.msisdn, digits=6)
        answer = post(client, "/compte/appareil", code=code)
        assert answer.status_code == 303, text_of(answer)
    assert answer.headers["Location"].endswith("/compte/")
    return answer
