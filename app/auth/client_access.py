"""Cutting an organisation's API access, restoring it, and replacing a leaked key.

A key is checked against the table on every request, so a disabled client or
a replaced key is refused from the next request on. Rotation shows the new
key once, like creation; the old one stops working in the same commit, which
is what an operator wants when a key has leaked (a partner that needs both to
work during its own roll-out asks for the new key when it is ready to switch).

Disabling cuts the API only: money the organisation holds with us stays in
its ledger account, and what customers do towards it (paying a biller's bill,
answering a merchant's request already sent) is governed by the biller's and
the request's own states, not by the key.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from app.audit import record_by
from app.audit.reasons import operator_reason
from app.auth.api_keys import ApiClient, issue_key
from app.auth.locks import lock_api_client
from app.errors import NotFound
from app.principal import Principal

log = logging.getLogger(__name__)


def disable_client(
    session: Session, client_id: str, *, reason: str, by: Principal | None = None
) -> ApiClient:
    """Refuse the client's key from the next request on; idempotent."""
    return _set_status(session, client_id, "disabled", operator_reason(reason), by)


def enable_client(
    session: Session, client_id: str, *, reason: str, by: Principal | None = None
) -> ApiClient:
    """Accept the client's current key again; idempotent."""
    return _set_status(session, client_id, "active", operator_reason(reason), by)


def rotate_key(
    session: Session, client_id: str, *, reason: str, by: Principal | None = None
) -> tuple[ApiClient, str]:
    """A new key for the client (shown once); the old one is refused from now on."""
    why = operator_reason(reason)
    client = _locked(session, client_id)
    old_prefix = client.key_prefix
    key = issue_key(client)
    session.flush()
    _audit(session, client, "rotate_key", by, {"prefix": old_prefix}, why)
    log.info("api client %s: key replaced", client.id)
    return client, key


def _set_status(
    session: Session, client_id: str, status: str, reason: str, by: Principal | None
) -> ApiClient:
    client = _locked(session, client_id)
    if client.status == status:
        return client
    before = {"status": client.status}
    client.status = status
    session.flush()
    _audit(session, client, "disable" if status == "disabled" else "enable", by, before, reason)
    log.info("api client %s %s", client.id, status)
    return client


def _locked(session: Session, client_id: str) -> ApiClient:
    client = lock_api_client(session, client_id)
    if client is None:
        raise NotFound("No such client.")
    return client


def _audit(
    session: Session,
    client: ApiClient,
    verb: str,
    by: Principal | None,
    before: dict[str, str],
    reason: str,
) -> None:
    # "prefix", not "key_prefix": the trail drops any field named like a key
    after = {"status": client.status, "prefix": client.key_prefix, "reason": reason}
    record_by(
        session,
        by,
        action=f"api_client.{verb}",
        target_type="api_client",
        target_id=client.id,
        before=before,
        after=after,
    )
