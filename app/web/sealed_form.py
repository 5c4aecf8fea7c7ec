"""A checked form carried from its confirmation page to its commit, sealed.

Between a preview and its commit the checked input rides in a hidden field,
sealed (``app.secretbox``, bound to its owner, its operation and its time), so a
confirmation page holds no readable code and cannot be edited into another
payment, nor replayed by someone else or much later. Shared by the counter and
the portal (each with its own ``purpose``).
"""

from __future__ import annotations

import json
from typing import Any

from app.clock import clock
from app.secretbox import InvalidToken, seal, unseal

CONFIRMATION_TTL = 15 * 60  # seconds a confirmation page may wait for its click


def seal_payload(
    secret_key: str, purpose: str, owner: str, operation: str, data: dict[str, Any]
) -> str:
    body = {"agent": owner, "op": operation, "at": clock.now().timestamp(), "data": data}
    return seal(secret_key, purpose, json.dumps(body, separators=(",", ":")))


def open_payload(
    secret_key: str, purpose: str, owner: str, operation: str, token: str
) -> dict[str, Any] | None:
    """The data sealed on the confirmation page, or None if it is not this owner's, not
    this operation's, too old, or not something we sealed."""
    try:
        body = json.loads(unseal(secret_key, purpose, token))
    except (InvalidToken, ValueError):
        return None
    if not isinstance(body, dict) or body.get("agent") != owner or body.get("op") != operation:
        return None
    at = body.get("at")
    if not isinstance(at, (int, float)) or clock.now().timestamp() - at > CONFIRMATION_TTL:
        return None
    data = body.get("data")
    return data if isinstance(data, dict) else None
