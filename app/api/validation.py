"""Loading request bodies with marshmallow into plain dicts, or a validation_error."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import Schema, fields
from marshmallow import ValidationError as MarshmallowError

from app.errors import ValidationFailed

MAX_AMOUNT = 10**12


class Amount(fields.Integer):
    """A JSON integer > 0: strings, fractions, booleans, zero and negatives are refused."""

    default_error_messages = {
        "invalid": "Must be a positive integer amount.",
        "range": "Must be a positive integer amount.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        if value <= 0 or value > MAX_AMOUNT:
            raise self.make_error("range")
        return value


def load(schema: Schema, data: Any = None) -> dict[str, Any]:
    """Validate ``data`` (default: the JSON body) against ``schema``."""
    if data is None:
        data = request.get_json(silent=True)
        if data is None:
            raise ValidationFailed({"_body": ["A JSON object body is required."]})
    if not isinstance(data, dict):
        raise ValidationFailed({"_body": ["A JSON object body is required."]})
    try:
        return schema.load(data)
    except MarshmallowError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_body": exc.messages}
        raise ValidationFailed(messages) from exc


def query_int(name: str, default: int, minimum: int = 1, maximum: int = 100) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not minimum <= int(raw) <= maximum:
        raise ValidationFailed({name: [f"Must be an integer between {minimum} and {maximum}."]})
    return int(raw)
