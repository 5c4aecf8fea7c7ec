"""Request ids and structured JSON logs with secrets and phone numbers masked.

A request id is taken from ``X-Request-ID`` or made up, returned in the
response, stamped on every log line and stored with every job the request
enqueues, so one customer's payment can be followed from the HTTP call to the
SMS it caused.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# +242061234567 / 242061234567 / 061234567: keep the country code and last 2 digits.
_MSISDN = re.compile(r"(?<!\d)(\+?242)?(0\d)(\d{5})(\d{2})(?!\d)")
_SECRET_KEYS = re.compile(r"(pin|otp|code|token|password|secret|api_key|totp)", re.I)


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> contextvars.Token[str | None]:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token[str | None]) -> None:
    _request_id.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def mask_msisdn(text: str) -> str:
    """'+242061234567' → '+24206*****67' wherever a Congo number appears."""
    return _MSISDN.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}*****{m.group(4)}", text)


def mask_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if _SECRET_KEYS.search(k) else v) for k, v in data.items()}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": mask_msisdn(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            payload["request_id"] = request_id
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            payload.update({k: mask_msisdn(str(v)) for k, v in mask_fields(extra).items()})
        if record.exc_info:
            payload["exc"] = mask_msisdn(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_msisdn(super().format(record))


def configure_logging(level: str = "INFO", json_lines: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if json_lines else PlainFormatter("%(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_postcash", False):
            root.removeHandler(existing)
    handler._postcash = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
