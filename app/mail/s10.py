"""UPU S10 tracking numbers: ``RR123456785CG``.

Two service letters, eight serial digits, one check digit, then the
country's ISO code. The check digit weighs the serial with 8 6 4 2 3 5 9 7,
takes ``11 - sum mod 11`` and maps 10 to 0 and 11 to 5 (S10 section 6).
Pure functions: nothing here reads the database or the clock.
"""

from __future__ import annotations

import re

WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
SERIAL_DIGITS = 8
MAX_SERIAL = 10**SERIAL_DIGITS - 1
PATTERN = re.compile(r"^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$")


class S10Error(ValueError):
    """A string that is not an S10 tracking number; the message says what is wrong."""


def check_digit(serial: str) -> int:
    """The S10 check digit of an eight-digit serial."""
    if len(serial) != SERIAL_DIGITS or not serial.isascii() or not serial.isdigit():
        raise S10Error("The serial number must be eight digits.")
    total = sum(int(digit) * weight for digit, weight in zip(serial, WEIGHTS, strict=True))
    digit = 11 - total % 11
    if digit == 10:
        return 0
    if digit == 11:
        return 5
    return digit


def build(service: str, serial: int, country: str) -> str:
    """The tracking number of ``serial`` (0 to 99 999 999) under ``service`` letters."""
    if not re.fullmatch(r"[A-Z]{2}", service) or not re.fullmatch(r"[A-Z]{2}", country):
        raise S10Error("Service indicator and country are two capital letters each.")
    if not 0 <= serial <= MAX_SERIAL:
        raise S10Error("The serial number must fit in eight digits.")
    digits = f"{serial:08d}"
    return f"{service}{digits}{check_digit(digits)}{country}"


def normalize(value: str) -> str:
    """Upper case, without spaces: ``rr 1234 5678 5 cg`` → ``RR123456785CG``."""
    return "".join(value.split()).upper()


def parse(value: str) -> tuple[str, str, str]:
    """``(service, serial, country)`` of a valid number; ``S10Error`` says why it is not."""
    number = normalize(value)
    match = PATTERN.match(number)
    if match is None:
        raise S10Error(
            "A tracking number is two letters, nine digits and two letters (e.g. RR123456785CG)."
        )
    service, serial, digit, country = match.groups()
    if int(digit) != check_digit(serial):
        raise S10Error("Wrong check digit: please check the tracking number.")
    return service, serial, country


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except S10Error:
        return False
    return True
