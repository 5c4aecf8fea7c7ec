"""Loading request input into plain values, or a validation_error.

Request bodies go through marshmallow (``load``); query integers through
``query_int``. Whatever a client sends that the database or Python itself
cannot take is refused here, once, for every endpoint:

* a NUL character in a JSON string (PostgreSQL text cannot hold one) or a lone
  surrogate (``"\\ud800"``: JSON may write one, UTF-8 cannot encode it, so no
  database, log line or hash can take it): a ``validation_error`` naming the
  field (``guard_request`` for every JSON body, before the idempotency
  fingerprint or a rate limit reads it; ``load`` for data given to it), or the
  query parameter (``guard_request``); a query string that is not UTF-8 is a
  ``validation_error`` too; a path id holding any control character or
  surrogate is simply not found (``guard_request``), since no id we issue
  contains one;
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
# Half of a UTF-16 pair, alone: JSON's "\ud800" decodes to one, UTF-8 cannot encode it.
SURROGATES = re.compile("[\ud800-\udfff]")
# What no id or key we issue contains: control characters and lone surrogates.
NOT_IN_IDS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NUL_MESSAGE = "Must not contain NUL characters."
_SURROGATE_MESSAGE = "Must be valid Unicode text: no lone surrogate (\\ud800-\\udfff)."
_FIELD_NAME_MESSAGES = {
    _NUL_MESSAGE: "Field names must not contain NUL characters.",
    _SURROGATE_MESSAGE: "Field names must be valid Unicode text: no lone surrogate.",
}
_NOT_UTF8_MESSAGE = "The query string must be UTF-8 (percent-encoded)."


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
    if not from_body:  # the body itself was checked by guard_request
        refuse_unstorable_text(data)
    try:
        return schema.load(data)
    except MarshmallowError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_body": exc.messages}
        raise ValidationFailed(messages) from exc


def _may_hold_unstorable_text(raw: bytes) -> bool:
    """Whether a JSON body may decode to a NUL or a lone surrogate; False only when
    it cannot: UTF-8 JSON writes a NUL only as ``\\u0000`` and a surrogate only as a
    ``\\udXXX`` escape or its (invalid) UTF-8 bytes ``ED A0``-``ED BF``, which the
    JSON parser lets through; a body in UTF-16 or UTF-32 (NUL bytes everywhere) is
    walked whatever it holds."""
    return b"\\u" in raw or b"\x00" in raw or b"\xed" in raw


def _unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored, logged or hashed as it is; None if it can."""
    if NUL in text:
        return _NUL_MESSAGE
    if SURROGATES.search(text):
        return _SURROGATE_MESSAGE
    return None


def refuse_unstorable_text(data: Any) -> None:
    """Refuse a document with a NUL or a lone surrogate in any string, naming each
    field as marshmallow does (nested fields nest: ``{"sender": {"name": [...]}}``;
    a body that is itself such a string is ``_body``)."""
    errors: dict[Any, Any] = {}
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                why = _unstorable(key) if isinstance(key, str) else None
                if why is not None:
                    _put(errors, (*path, _nameable(key)), _FIELD_NAME_MESSAGES[why])
                else:
                    stack.append((child, (*path, key)))
        elif isinstance(item, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(item))
        elif isinstance(item, str):
            why = _unstorable(item)
            if why is not None:
                _put(errors, path or ("_body",), why)
    if errors:
        raise ValidationFailed(errors)


def refuse_unstorable_form() -> None:
    """A web page's form (URL-encoded or multipart fields, not files) with a NUL or a
    lone surrogate in a field's name or value: a validation_error naming it, before any
    view reads it. PostgreSQL refuses a NUL in text (a 500 had the view queried with it,
    as the staff sign-in did); SQLite would store what no page can show. Only the web
    areas call it: a REST webhook may need its raw body unread."""
    bad = {
        name: why
        for name, value in request.form.items(multi=True)
        if (why := _unstorable(name + value)) is not None
    }
    if bad:
        raise ValidationFailed({_nameable(name): [bad[name]] for name in sorted(bad)})


def _nameable(name: str) -> str:
    """``name`` as an answer can spell it: a lone surrogate written as its escape."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


def _put(errors: dict[Any, Any], path: tuple[Any, ...], message: str) -> None:
    *parents, name = path
    for part in parents:
        errors = errors.setdefault(part, {})
    errors.setdefault(name, []).append(message)


def guard_request() -> None:
    """Before any view (and before the idempotency fingerprint, rate limits or auth
    read anything): a path id with a control character or a surrogate names nothing
    (404); a query string that is not UTF-8, a query parameter with a NUL or a
    surrogate, a JSON body with one in any string or field name are a
    validation_error naming what holds it. None of them reaches the database.
    A path with an empty segment (``//``) names nothing either; the raw PATH_INFO is
    read because werkzeug's ``request.path`` drops leading slashes (``//metrics``
    would otherwise be ``/metrics``)."""
    if "//" in request.environ.get("PATH_INFO", ""):
        raise NotFound()
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and NOT_IN_IDS.search(value):
            raise NotFound()
    try:
        args = request.args
    except UnicodeDecodeError:  # raw bytes a server passed on as they came
        raise ValidationFailed({"_query": [_NOT_UTF8_MESSAGE]}) from None
    bad = {
        name: why
        for name, value in args.items(multi=True)
        if (why := _unstorable(name + value)) is not None
    }
    if bad:
        raise ValidationFailed({_nameable(name): [bad[name]] for name in sorted(bad)})
    if request.is_json and _may_hold_unstorable_text(request.get_data(cache=True)):
        body = request.get_json(silent=True)
        if body is not None:  # what is not JSON, each reader refuses on its own
            refuse_unstorable_text(body)


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
