"""The one HTTP POST of a signed webhook (merchant, biller and partner callbacks).

Redirects are not followed and a 3xx is a failed delivery: the address that
was checked (``app.outbound_urls``) is the only one we POST to, and a receiver
that answers "look elsewhere" has not acknowledged anything.
"""

from __future__ import annotations

from collections.abc import Callable

import requests

CALLBACK_TIMEOUT = 10

Poster = Callable[[str, str, dict[str, str]], None]


def post_webhook(url: str, body: str, headers: dict[str, str]) -> None:
    response = requests.post(
        url, data=body.encode(), headers=headers, timeout=CALLBACK_TIMEOUT, allow_redirects=False
    )
    response.raise_for_status()
    if response.status_code >= 300:  # a redirect is not an acknowledgement
        raise requests.HTTPError(f"{response.status_code} redirect not followed", response=response)
