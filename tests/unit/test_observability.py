"""Masking of what goes into logs (no I/O)."""

from __future__ import annotations

import json
import logging

import pytest

from app.ops.observability import JsonFormatter, mask_msisdn, mask_text


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("+242061234567", "+24206*****67"),
        ("242061234567", "24206*****67"),
        ("call 061234567 now", "call 06*****67 now"),
        ("from 06 123 4567.", "from 06*****67."),
        ("+242 06-123-45-67", "+24206*****67"),
    ],
)
def test_congo_numbers_keep_only_the_prefix_and_last_two_digits(raw, masked):
    assert mask_msisdn(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("pin=1234", "pin=***"),
        ("new_pin: 9876", "new_pin: ***"),
        ('{"otp": "482913", "amount": 5000}', '{"otp": "***", "amount": 5000}'),
        ("withdrawal_code=0123456789", "withdrawal_code=***"),
        ("params {'pin_hash': '$argon2id$v=19$m=65536'}", "params {'pin_hash': '***'}"),
        ("api_key=k3y&limit=5", "api_key=***&limit=5"),
        ("Authorization: Bearer eyJ.abc.def", "Authorization: Bearer ***"),
        ("password = hunter2", "password = ***"),
        ("pepper=s3cr3t-p3pp3r", "pepper=***"),
    ],
)
def test_secret_values_are_hidden_and_their_names_kept(raw, masked):
    assert mask_text(raw) == masked


def test_ordinary_text_is_left_alone():
    text = "transfer 12 completed at 2026-11-28 09:00:00: 5000 XAF, fee 50, ref PC7K2Q9X"
    assert mask_text(text) == text


def test_a_json_line_masks_message_fields_and_exceptions():
    try:
        raise ValueError("bad otp=123456 for +242061234567")
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "pin=%s", ("1234",), exc_info)
    record.fields = {"status": 200, "pin": "1234", "msisdn": "+242061234567"}
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "pin=***"
    assert (line["status"], line["pin"], line["msisdn"]) == (200, "***", "+24206*****67")
    assert "123456" not in line["exc"] and "061234567" not in line["exc"]


@pytest.mark.parametrize(
    "text",
    [
        "transfer 3f2a9c1e-8d4b-4e6a-9b7c-0061234567bd completed",
        "request 5c0e7a2b-1f3d-4c5e-8a9b-00612345611bbd",
        "digest ab0612345678cd and ref0612345678",
        "customer 0c1d2e3f-0612-3456-7a8b-061234567890",
    ],
)
def test_digits_inside_an_identifier_are_not_a_phone_number(text):
    assert mask_msisdn(text) == text


def test_a_number_next_to_an_identifier_is_still_masked():
    assert mask_msisdn("customer 3f2a9c1e msisdn=061234567, ok") == (
        "customer 3f2a9c1e msisdn=06*****67, ok"
    )


def test_plain_log_lines_are_masked_and_read_by_a_person():
    from app.ops.observability import PLAIN_FORMAT, PlainFormatter

    record = logging.LogRecord(
        "app.x", logging.INFO, __file__, 1, "sent to %s", ("+242061234567",), None
    )
    line = PlainFormatter(PLAIN_FORMAT, "%H:%M:%S").format(record)
    assert line.endswith("INFO    app.x: sent to +24206*****67")
    assert not line.startswith("{")


def test_a_plain_line_keeps_a_logger_name_that_looks_like_a_secret():
    from app.ops.observability import PLAIN_FORMAT, PlainFormatter

    record = logging.LogRecord(
        "app.auth.api_keys", logging.INFO, __file__, 1, "api client %s created", ("c1",), None
    )
    line = PlainFormatter(PLAIN_FORMAT).format(record)
    assert line.endswith("app.auth.api_keys: api client c1 created")


def test_a_plain_line_masks_the_traceback():
    from app.ops.observability import PLAIN_FORMAT, PlainFormatter

    try:
        raise ValueError("bad otp=123456 for +242061234567")
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), exc_info)
    line = PlainFormatter(PLAIN_FORMAT).format(record)
    assert "otp=***" in line and "+24206*****67" in line and "123456" not in line
