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
