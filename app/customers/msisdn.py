"""Phone numbers (MSISDN): parse whatever a customer types, store E.164.

Congo-Brazzaville's E.164 keeps the trunk 0 ("+242061234567"), so the national
"061234567", the international "+242061234567", the same without "+" and any
spacing all give one key. Only mobile numbers of the allowed regions (config
``ALLOWED_REGIONS``, Congo by default) are accepted: a wallet needs SMS.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from app.errors import ValidationFailed

DEFAULT_REGIONS = ["CG"]
_MAX_INPUT = 32
_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def normalize_msisdn(raw: str, regions: list[str] | None = None, *, field: str = "msisdn") -> str:
    """E.164 form of ``raw``, or ValidationFailed naming ``field``."""
    regions = regions or DEFAULT_REGIONS
    if not isinstance(raw, str) or not raw.strip() or len(raw) > _MAX_INPUT:
        raise ValidationFailed({field: ["Not a phone number."]})
    try:
        number = phonenumbers.parse(raw, regions[0])
    except NumberParseException as exc:
        raise ValidationFailed({field: ["Not a phone number."]}) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed({field: ["Not a valid phone number."]})
    if phonenumbers.region_code_for_number(number) not in regions:
        raise ValidationFailed({field: ["Numbers of this country are not accepted."]})
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise ValidationFailed({field: ["Must be a mobile number."]})
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def try_normalize_msisdn(raw: object, regions: list[str] | None = None) -> str | None:
    """Like ``normalize_msisdn`` but None for anything unparseable (lookups, rate-limit keys).

    The same rules, in fewer steps: a bulk payout checks 100 000 numbers in one request,
    and ``is_valid_number`` followed by ``number_type`` matches the number against its
    region's patterns twice. A number is valid exactly when its type is known, so the
    type alone says valid and mobile; the region is the country code's (tests/unit/
    test_msisdn.py holds the two functions to the same answers).
    """
    regions = regions or DEFAULT_REGIONS
    if not isinstance(raw, str) or not raw.strip() or len(raw) > _MAX_INPUT:
        return None
    try:
        number = phonenumbers.parse(raw, regions[0])
    except NumberParseException:
        return None
    if phonenumbers.region_code_for_number(number) not in regions:
        return None
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def mask_msisdn(e164: str) -> str:
    """'+242061234567' → '+24206*****67': country code, operator prefix, last two digits."""
    if len(e164) <= 8:
        return "*" * len(e164)
    return e164[:6] + "*" * (len(e164) - 8) + e164[-2:]
