"""Opaque page cursors over an id ("before this row"), one namespace per listing.

The audit trail and the reconciliation runs page newest first by id. The
cursor names its listing, so a cursor from one endpoint is refused by another
instead of silently paging the wrong table.
"""

from __future__ import annotations

import base64
import binascii

from app.errors import ValidationFailed


def encode_id_cursor(listing: str, before_id: int | None) -> str | None:
    if before_id is None:
        return None
    return base64.urlsafe_b64encode(f"{listing}:{before_id}".encode()).decode().rstrip("=")


def decode_id_cursor(listing: str, cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != listing or not number.isdigit():
            raise ValueError(text)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed({"cursor": ["Not a cursor returned by this endpoint."]}) from exc
