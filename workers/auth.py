"""Auth jobs: forget access tokens that expired a week ago."""

from __future__ import annotations

from app.auth.tokens import purge_expired_tokens
from app.db import transaction


def purge_tokens() -> int:
    """Delete long-expired tokens; returns how many went."""
    with transaction() as session:
        return purge_expired_tokens(session)
