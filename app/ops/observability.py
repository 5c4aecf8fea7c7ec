"""Request ids and structured JSON logs with secrets and phone numbers masked.

A request id is taken from ``X-Request-ID`` or made up, returned in the
response, stamped on every log line and stored with every job the request
enqueues, so one customer's payment can be followed from the HTTP call to the
SMS it caused.
"""

from __future__ import annotations

import contextvars
import copy
import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime
from typing import Any, TextIO

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# +242061234567 / 242061234567 / 061234567 / "06 123 4567" / "+242 06-123-45-67":
# keep the country code, the operator prefix and the last 2 digits. A number stands
# alone: digits inside a word or an identifier (the last group of a UUID, a hex
# digest, "ref0612345678ab") are not a phone number and are left whole.
_MSISDN = re.compile(
    r"(?<![A-Za-z0-9+])(?<![A-Za-z0-9]-)"
    r"(?P<cc>\+?242[\s.-]?)?(?P<local>0\d(?:[\s.-]?\d){7})"
    r"(?![A-Za-z0-9])(?!-[A-Za-z0-9])"
)
_SECRET_KEYS = re.compile(r"(pin|otp|code|token|password|secret|pepper|api_key|totp)", re.I)
# "pin=1234", "'otp': '123456'", "api_key: abc" inside a message: keep the name, hide the value.
_SECRET_ASSIGNMENT = re.compile(
    r"(?P<name>\b[\w-]*(?:pin|otp|code|token|password|secret|pepper|api_?key|totp)[\w-]*)"
    r"(?P<sep>[\"']?\s*[:=]\s*[\"']?)(?P<value>[^\s\"',&;}\]]+)",
    re.I,
)
_BEARER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.I)


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> contextvars.Token[str | None]:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token[str | None]) -> None:
    _request_id.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def mask_msisdn(text: str) -> str:
    """'+242061234567' → '+24206*****67' wherever a Congo number appears, however spaced."""

    def masked(match: re.Match[str]) -> str:
        country = re.sub(r"[\s.-]", "", match.group("cc") or "")
        local = re.sub(r"[\s.-]", "", match.group("local"))
        return f"{country}{local[:2]}*****{local[-2:]}"

    return _MSISDN.sub(masked, text)


def mask_secrets(text: str) -> str:
    """Hide the values of secret-looking assignments and of Authorization credentials."""
    text = _BEARER.sub(lambda m: f"{m.group(1)} ***", text)
    return _SECRET_ASSIGNMENT.sub(lambda m: f"{m.group('name')}{m.group('sep')}***", text)


def mask_text(text: str) -> str:
    """What every log line goes through: secrets hidden, phone numbers masked."""
    return mask_msisdn(mask_secrets(text))


def mask_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if _SECRET_KEYS.search(k) else v) for k, v in data.items()}


def _field_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_text(str(value))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": mask_text(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            payload["request_id"] = request_id
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            payload.update({k: _field_value(v) for k, v in mask_fields(extra).items()})
        if record.exc_info:
            payload["exc"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """One line a person reads; the message and traceback masked, never the prefix
    (a logger named ``app.auth.api_keys:`` is not a secret being assigned)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        masked = copy.copy(record)
        masked.message = mask_text(record.message)
        return super().formatMessage(masked)

    def formatException(self, ei: Any) -> str:
        return mask_text(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return mask_text(super().formatStack(stack_info))


class _OwnHandler(logging.StreamHandler[TextIO]):
    """The handler ``configure_logging`` installs: a second call replaces it."""

    _postcash = True


PLAIN_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def configure_logging(level: str = "INFO", json_lines: bool = True) -> None:
    """JSON lines for a log collector, or plain lines a person reads (development)."""
    handler = _OwnHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if json_lines else PlainFormatter(PLAIN_FORMAT, "%H:%M:%S")
    )
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_postcash", False):
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
