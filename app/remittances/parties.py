"""Checking who sends and who collects: names, numbers, identity documents.

Shared by every way of sending (wallet, counter, partner) so a name or a
number is accepted by the same rule whatever the channel. Errors name the
field as the REST body nests it (``recipient.msisdn``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.customers.models import ID_TYPES
from app.customers.msisdn import normalize_msisdn
from app.db import settings
from app.errors import ValidationFailed
from app.remittances.models import NAME_MAX


def clean_name(value: object, field: str) -> str:
    name = " ".join(value.split()) if isinstance(value, str) else ""
    if not 2 <= len(name) <= NAME_MAX or not any(ch.isalpha() for ch in name):
        raise ValidationFailed({field: [f"A name of 2 to {NAME_MAX} characters."]})
    return name


def clean_msisdn(session: Session, value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationFailed({field: ["Not a phone number."]})
    return normalize_msisdn(value, settings(session).ALLOWED_REGIONS, field=field)


def clean_id(id_type: object, id_number: object, prefix: str) -> tuple[str, str]:
    """An identity document: one of the known types and a plausible number."""
    errors: dict[str, list[str]] = {}
    if id_type not in ID_TYPES:
        errors[f"{prefix}id_type"] = [f"One of: {', '.join(ID_TYPES)}."]
    number = "".join(id_number.split()).upper() if isinstance(id_number, str) else ""
    if not 3 <= len(number) <= 40 or not number.replace("-", "").replace("/", "").isalnum():
        errors[f"{prefix}id_number"] = ["3 to 40 letters or digits."]
    if errors:
        raise ValidationFailed(errors)
    return str(id_type), number
