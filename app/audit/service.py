"""Recording one audit event in the caller's transaction.

The event commits or rolls back with the action it describes: a float top-up
that failed leaves no "float.topup" behind, and one that happened cannot lose
its trace. Secrets never enter the trail: keys that name a PIN, password, OTP,
code, token, secret or key are dropped from ``before``/``after`` at any depth.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from sqlalchemy.orm import Session

from app.audit.chain import HASHED_FIELDS, advance_head, event_hash, lock_head
from app.audit.models import AuditEvent
from app.clock import clock
from app.ops.observability import current_request_id
from app.principal import Principal

log = logging.getLogger(__name__)

ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")

# Whole words of a key (split on anything but letters and digits) ...
_SECRET_WORDS = frozenset({"pin", "pins", "code", "codes", "key", "hash", "cvv"})
# ... and fragments that are secret wherever they appear in a key.
_SECRET_FRAGMENTS = ("password", "passwd", "otp", "token", "secret", "credential", "apikey")
# Harmless identifiers that happen to contain a secret word.
_PUBLIC_KEYS = frozenset(
    {"post_office_code", "biller_code", "country_code", "currency_code", "error_code"}
)


def is_secret_key(key: str) -> bool:
    lowered = key.lower()
    if lowered in _PUBLIC_KEYS:
        return False
    if any(fragment in lowered for fragment in _SECRET_FRAGMENTS):
        return True
    return any(word in _SECRET_WORDS for word in re.split(r"[^a-z0-9]+", lowered))


def scrub(value: Any) -> Any:
    """Drop secret keys at any depth; everything else is kept as is."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if not is_secret_key(str(k))}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def _snapshot(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Scrubbed and reduced to plain JSON, so what is hashed is exactly what is read back."""
    if value is None:
        return None
    return json.loads(json.dumps(scrub(value), default=str, ensure_ascii=False))


def record(
    session: Session,
    *,
    actor_role: str,
    actor_id: str | None,
    action: str,
    target_type: str | None = None,
    target_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event to the audit trail (flushed, not committed).

    ``action`` is ``<object>.<verb>`` in lower case, e.g. ``float.topup``;
    ``target_type``/``target_id`` name what was acted on. The request id comes
    from the request or job in progress.
    """
    if not ACTION.match(action) or len(action) > 64:
        raise ValueError(f"audit action must look like 'object.verb': {action!r}")
    if not actor_role or len(actor_role) > 20:
        raise ValueError("audit actor_role is required (at most 20 characters)")
    last_id, last_hash = lock_head(session)
    event = AuditEvent(
        id=last_id + 1,
        occurred_at=clock.now(),
        actor_role=actor_role,
        actor_id=_bounded(actor_id, 64),
        action=action,
        target_type=_bounded(target_type, 40),
        target_id=_bounded(target_id, 64),
        ip=_bounded(ip, 45),
        request_id=current_request_id(),
        before=_snapshot(before),
        after=_snapshot(after),
        prev_hash=last_hash,
    )
    event.hash = event_hash(last_hash, {name: getattr(event, name) for name in HASHED_FIELDS})
    session.add(event)
    session.flush()
    advance_head(session, event.id, event.hash)
    log.info("audit event %s: %s", event.id, action)
    return event


def _bounded(value: object, length: int) -> str | None:
    """Ids may come as ints or UUIDs; they are stored, and hashed, as text."""
    if value is None:
        return None
    text = str(value)
    if len(text) > length:
        raise ValueError(f"audit field longer than {length} characters")
    return text


def record_by(session: Session, by: Principal | None, **event: Any) -> AuditEvent:
    """``record`` an action of ``by``, or of the server's shell (``flask …``) when None."""
    return record(
        session, actor_role=by.role if by else "cli", actor_id=by.id if by else None, **event
    )
