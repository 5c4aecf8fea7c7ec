"""Row locks on API clients, in one place.

Disabling or enabling a client happens while holding its row lock (``SELECT …
FOR UPDATE``; SQLite serialises writers), so whoever comes second sees what the
first one left.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.auth.api_keys import ApiClient


def lock_api_client(session: Session, client_id: str) -> ApiClient | None:
    return session.get(ApiClient, client_id, with_for_update=True, populate_existing=True)
