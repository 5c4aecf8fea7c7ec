"""Driving the back office's pages with Flask's test client."""

from __future__ import annotations

from typing import Any

from tests.e2e import counter_support
from tests.e2e.counter_support import hidden, text_of

__all__ = ["csrf", "hidden", "post", "sign_in", "text_of"]


def sign_in(client: Any, username: str, code: str | None = None) -> Any:
    return counter_support.sign_in(client, username, code, area="/backoffice")


def csrf(client: Any) -> str:
    page = client.get("/backoffice/login")
    if page.status_code != 200:  # signed in already: the home page's sign-out form has it
        page = client.get("/backoffice/")
    return hidden(page, "csrf_token")


def post(client: Any, path: str, **fields: Any) -> Any:
    """A form sent with this session's CSRF token."""
    data = {"csrf_token": csrf(client), **{k: str(v) for k, v in fields.items()}}
    return client.post(path, data=data)
