"""Opaque page cursors ("after this row"), one namespace per listing.

The audit trail and the reconciliation runs page newest first by id; staff page
by username and API clients by id. The cursor names its listing, so a cursor
from one endpoint is refused by another instead of silently paging the wrong
table, and clients treat it as opaque, as API.md says.
"""

from __future__ import annotations

import base64
import binascii

from app.errors import ValidationFailed

_MAX_LENGTH = 200


def encode_cursor(listing: str, value: str | None) -> str | None:
    if value is None:
        return None
    return base64.urlsafe_b64encode(f"{listing}:{value}".encode()).decode().rstrip("=")


def decode_cursor(listing: str, cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        if len(cursor) > _MAX_LENGTH:
            raise ValueError("too long")
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = text.partition(":")
        if prefix != listing or not value:
            raise ValueError(text)
        return value
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed({"cursor": ["Not a cursor returned by this endpoint."]}) from exc


def encode_id_cursor(listing: str, before_id: int | None) -> str | None:
    return encode_cursor(listing, None if before_id is None else str(before_id))


def decode_id_cursor(listing: str, cursor: str | None) -> int | None:
    value = decode_cursor(listing, cursor)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise ValidationFailed({"cursor": ["Not a cursor returned by this endpoint."]})
    return int(value)
