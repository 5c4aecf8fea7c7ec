"""Driving the counter's pages with Flask's test client: sign in, fill a form, confirm."""

from __future__ import annotations

import html
import re
from typing import Any

from tests import factories

_HIDDEN = re.compile(
    r'<input type="hidden" name="(csrf_token|payload|key|registration)" value="([^"]*)"'
)


def hidden(page: Any, name: str) -> str:
    text = page.get_data(as_text=True) if hasattr(page, "get_data") else page
    for found, value in _HIDDEN.findall(text):
        if found == name:
            return html.unescape(value)
    raise AssertionError(f"no hidden {name} on the page")


def text_of(page: Any) -> str:
    """The page's visible words, tags stripped, entities decoded, spaces squeezed."""
    body = page.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def sign_in(client: Any, username: str, code: str | None = None, *, area: str = "/counter") -> Any:
    """A staff member signs in to ``area`` (the counter, or ``/backoffice``) with the
    factories' password and the current TOTP code (or ``code``)."""
    page = client.get(f"{area}/login")
    return client.post(
        f"{area}/login",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "username": username,
            "password": factories.PASSWORD,
            "totp": factories.totp_code() if code is None else code,
        },
    )


def csrf(client: Any) -> str:
    return hidden(client.get("/counter/"), "csrf_token")


def preview(client: Any, slug: str, **fields: Any) -> Any:
    """Fill the operation's form and continue: the confirmation page (or the form again)."""
    data = {"csrf_token": csrf(client), **{k: str(v) for k, v in fields.items()}}
    return client.post(f"/counter/{slug}", data=data)


def confirm(client: Any, slug: str, page: Any, **extra: Any) -> Any:
    data = {
        "csrf_token": hidden(page, "csrf_token"),
        "payload": hidden(page, "payload"),
        "key": hidden(page, "key"),
        **{k: str(v) for k, v in extra.items()},
    }
    return client.post(f"/counter/{slug}/confirm", data=data)


def operate(client: Any, slug: str, *, extra: dict[str, Any] | None = None, **fields: Any) -> Any:
    shown = preview(client, slug, **fields)
    assert shown.status_code == 200, text_of(shown)
    return confirm(client, slug, shown, **(extra or {}))


def find(client: Any, msisdn: str) -> Any:
    """Search a customer by number (a POST: numbers stay out of URLs); the page shown."""
    return client.post(
        "/counter/", data={"csrf_token": csrf(client), "msisdn": msisdn}, follow_redirects=True
    )
