"""The reason an operator gives for a change of access or configuration.

It goes into the audit trail verbatim, so it is required, trimmed, and kept
short enough to read in a listing.
"""

from __future__ import annotations

from app.errors import ValidationFailed

REASON_MAX_LENGTH = 200


def operator_reason(reason: object) -> str:
    text = " ".join(reason.split()) if isinstance(reason, str) else ""
    if not 3 <= len(text) <= REASON_MAX_LENGTH:
        raise ValidationFailed({"reason": [f"3 to {REASON_MAX_LENGTH} characters."]})
    return text
