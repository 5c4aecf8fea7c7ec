"""The authenticated caller of a request.

Channels set it (``flask.g.principal``) once credentials are checked; domain
code receives ids, never the principal, so it stays free of Flask.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import Unauthorized

ROLES = (
    "customer",
    "agent",
    "admin",
    "supervisor",
    "operator",
    "auditor",
    "partner",
    "merchant",
    "biller",
    "payer",
    "sender",
)


@dataclass(frozen=True, slots=True)
class Principal:
    role: str
    id: str
    token_id: str | None = None

    @property
    def key(self) -> str:
        """Stable identity used to scope idempotency keys and rate limits."""
        return f"{self.role}:{self.id}"


def current_principal() -> Principal:
    from flask import g

    principal = g.get("principal")
    if principal is None:
        raise Unauthorized("Authentication required.")
    return principal
