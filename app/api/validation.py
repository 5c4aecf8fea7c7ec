"""Loading request input into plain values, or a validation_error.

Request bodies go through marshmallow (``load``); query integers through
``query_int``. Whatever a client sends that the database or Python itself
cannot take is refused here, once, for every endpoint:

* a NUL character in a JSON string (PostgreSQL text cannot hold one): a
  ``validation_error`` naming the field (``load``), or the query parameter
  (``guard_request``); a path id holding any control character is simply not
  found (``guard_request``), since no id we issue contains one;
* JSON nested deeper than ``MAX_JSON_DEPTH`` (no request needs more than a few
  levels; Python's parser raises ``RecursionError`` long before a megabyte of
  ``[``): ``RequestJSONProvider`` turns it into a parsing failure, so the body
  reads as "not JSON" everywhere it is read (``load``, the idempotency
  fingerprint, the rate limiter);
* integers written with non-ASCII digits (``"²".isdigit()`` is true, ``int``
  refuses it) or with more digits than any amount or page size has
  (``ascii_int``);
* instants that Python reads but cannot turn into UTC (``0001-01-01T00:00+05:00``
  is in year 0 there, an OverflowError): ``query_instant``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from flask import request
from flask.json.provider import DefaultJSONProvider
from marshmallow import Schema, fields
from marshmallow import ValidationError as MarshmallowError

from app.errors import NotFound, ValidationFailed

MAX_AMOUNT = 10**12
MAX_JSON_DEPTH = 32
# Longest integer a client may write in a query: MAX_AMOUNT's digits.
MAX_INT_DIGITS = len(str(MAX_AMOUNT))

NUL = "\x00"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NUL_MESSAGE = "Must not contain NUL characters."


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


class RequestJSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a body nested too deep is a parsing failure (a ValueError).

    ``request.get_json(silent=True)`` then answers None and ``get_json()`` a 400,
    instead of a ``RecursionError`` escaping as a 500 from whoever read the body first.
    """

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deep") from None
        if _nested_deeper_than(value, MAX_JSON_DEPTH):
            raise ValueError("JSON nested too deep")
        return value


def _nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels (iterative: no recursion)."""
    if not isinstance(value, dict | list):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


def load(schema: Schema, data: Any = None) -> dict[str, Any]:
    """Validate ``data`` (default: the JSON body) against ``schema``."""
    from_body = data is None
    if from_body:
        data = request.get_json(silent=True)
        if data is None:
            raise ValidationFailed({"_body": ["A JSON object body is required."]})
    if not isinstance(data, dict):
        raise ValidationFailed({"_body": ["A JSON object body is required."]})
    if not from_body or _may_hold_nul(request.get_data(cache=True)):
        refuse_nul(data)
    try:
        return schema.load(data)
    except MarshmallowError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_body": exc.messages}
        raise ValidationFailed(messages) from exc


def _may_hold_nul(raw: bytes) -> bool:
    """UTF-8 JSON can only write a NUL as the escape ``\\u0000``; a body in UTF-16 or
    UTF-32 (NUL bytes everywhere) is walked whatever it holds."""
    return b"\\u0000" in raw or b"\x00" in raw


def refuse_nul(data: dict[str, Any]) -> None:
    """Refuse a document with a NUL in any string, naming each field as marshmallow
    does (nested fields nest: ``{"sender": {"name": [...]}}``)."""
    errors: dict[Any, Any] = {}
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and NUL in key:
                    _put(errors, (*path, key), "Field names must not contain NUL characters.")
                else:
                    stack.append((child, (*path, key)))
        elif isinstance(item, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(item))
        elif isinstance(item, str) and NUL in item:
            _put(errors, path, _NUL_MESSAGE)
    if errors:
        raise ValidationFailed(errors)


def _put(errors: dict[Any, Any], path: tuple[Any, ...], message: str) -> None:
    *parents, name = path
    for part in parents:
        errors = errors.setdefault(part, {})
    errors.setdefault(name, []).append(message)


def guard_request() -> None:
    """Before any view: a path id with a control character names nothing (404), a query
    parameter with a NUL is a validation_error. Neither ever reaches the database."""
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise NotFound()
    bad = {name for name, value in request.args.items(multi=True) if NUL in name + value}
    if bad:
        raise ValidationFailed({name: [_NUL_MESSAGE] for name in sorted(bad)})


def ascii_int(raw: str, max_digits: int = MAX_INT_DIGITS) -> int | None:
    """``raw`` as an int if it is 1 to ``max_digits`` ASCII digits, else None."""
    if 0 < len(raw) <= max_digits and raw.isascii() and raw.isdigit():
        return int(raw)
    return None


def query_int(name: str, default: int, minimum: int = 1, maximum: int = 100) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    value = ascii_int(raw)
    if value is None or not minimum <= value <= maximum:
        raise ValidationFailed({name: [f"Must be an integer between {minimum} and {maximum}."]})
    return value


def parse_instant(raw: str, field: str, *, naive_is_utc: bool = False) -> datetime:
    """An ISO 8601 instant in UTC; without a zone it is refused, or read as UTC."""
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        if value.tzinfo is None:
            if not naive_is_utc:
                raise ValueError("no time zone")
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationFailed({field: ["An ISO 8601 instant with a time zone."]}) from None


def query_instant(name: str, *, naive_is_utc: bool = False) -> datetime | None:
    """The query parameter ``name`` as an instant in UTC, or None when absent."""
    raw = request.args.get(name)
    return parse_instant(raw, name, naive_is_utc=naive_is_utc) if raw else None
