"""What a letter file must be: a readable, unencrypted PDF of 1 to 50 pages, ≤ 10 MB."""

from __future__ import annotations

import hashlib

import pytest

from app.config import Config
from app.errors import ValidationFailed
from app.mail.pdf import check_pdf
from app.mail.tariff import price
from tests.mail_support import encrypted_pdf, make_pdf, zero_page_pdf

LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_pages": 50}


def refusal(data: bytes, **limits: int) -> str:
    with pytest.raises(ValidationFailed) as caught:
        check_pdf(data, **{**LIMITS, **limits})
    return caught.value.extra["errors"]["file"][0]


def test_a_pdf_passes_with_its_pages_and_fingerprint() -> None:
    data = make_pdf(3)
    checked = check_pdf(data, **LIMITS)
    assert checked.pages == 3
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.size == len(data)


def test_something_else_than_a_pdf_is_refused() -> None:
    assert refusal(b"PK\x03\x04 a zip file") == "The file is not a PDF."


def test_an_empty_file_is_refused() -> None:
    assert "empty" in refusal(b"")


def test_a_damaged_pdf_is_refused() -> None:
    assert "cannot be read" in refusal(b"%PDF-1.7\n garbage without objects")


def test_an_encrypted_pdf_is_refused() -> None:
    assert "encrypted" in refusal(encrypted_pdf())


def test_a_pdf_without_pages_is_refused() -> None:
    assert refusal(zero_page_pdf()) == "The PDF has no page."


def test_more_pages_than_allowed_are_refused() -> None:
    assert refusal(make_pdf(4), max_pages=3) == "The PDF has 4 pages; at most 3."


def test_a_file_over_the_size_limit_is_refused() -> None:
    assert refusal(make_pdf(1), max_bytes=1000) == "The file is larger than 1000 bytes."
    assert "10 MB" in refusal(b"%PDF-" + b"0" * (10 * 1024 * 1024))


def test_fifty_pages_pass() -> None:
    assert check_pdf(make_pdf(50), **LIMITS).pages == 50


def test_the_price_is_the_first_page_then_each_further_page() -> None:
    config = Config(
        MAIL_TARIFF={"ordinary": {"first_page": 250, "next_page": 50}},
    )
    assert price(config, "ordinary", 1) == 250
    assert price(config, "ordinary", 4) == 400


def test_an_unknown_service_has_no_price() -> None:
    with pytest.raises(ValidationFailed):
        price(Config(), "express", 1)
