"""Checking a batch line by line before anything is paid.

Each line gets at most one code, the first that applies:

* ``invalid_line``: not an object (JSON) or a row without the columns (CSV);
* ``invalid_msisdn``, ``invalid_name``, ``invalid_amount`` (a positive integer),
  ``invalid_reference`` (at most 64 characters);
* ``duplicate``: the number, or the line's reference, already appears earlier in
  the batch (one payment per person and per reference in a batch);
* ``account_frozen``: the number's wallet is frozen by an operator;
* ``limit_exceeded``: the wallet would go above its tier's balance cap, or, for
  a line paid as a cash pickup, the amount is above what a basic-tier customer
  may receive in one transaction.

A line pays the wallet at its number only if the number is a registered
customer's and the line's name is theirs (``payee``: the rule of
``app.customers.names``); any other line is a cash pickup for the person named,
so a number registered by someone else never receives a pension.

Lookups are done in bulk (a few queries per thousand lines) so a 100 000-line
batch validates within the request.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ledger
from app.customers.models import Customer
from app.customers.msisdn import try_normalize_msisdn
from app.customers.names import same_person
from app.db import settings
from app.db.bulk import any_of, key_chunks
from app.errors import ValidationFailed
from app.ledger import chart
from app.remittances.models import NAME_MAX

MAX_LINES = 100_000
REFERENCE_MAX = 64
AMOUNT_MAX = 10**12
CSV_COLUMNS = ("msisdn", "name", "amount")


@dataclass(slots=True)
class CheckedLine:
    line: int
    msisdn: str
    name: str
    amount: int | None
    reference: str | None
    code: str | None = None
    customer_id: str | None = None


@dataclass(slots=True)
class Validation:
    lines: list[CheckedLine] = field(default_factory=list)

    @property
    def rejected(self) -> list[dict[str, Any]]:
        return [{"line": ln.line, "code": ln.code} for ln in self.lines if ln.code]

    @property
    def valid(self) -> list[CheckedLine]:
        return [ln for ln in self.lines if ln.code is None]


@dataclass(frozen=True, slots=True)
class Recipient:
    customer_id: str
    tier: str
    status: str
    language: str
    first_name: str
    last_name: str


def parse_csv(data: bytes | str) -> list[dict[str, Any]]:
    """Rows of a CSV upload with a header ``msisdn,name,amount[,reference]``.

    The separator is the one the header uses: ``,``, or ``;`` as French
    spreadsheets write (or a tab). Amounts stay text here; ``check_lines``
    accepts only digits, grouped or not ("5 000"). A file that is not UTF-8 or
    lacks a column is refused as a whole.
    """
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise ValidationFailed({"file": ["The CSV file must be UTF-8 text."]}) from None
    header_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header_line.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    rows: list[dict[str, Any]] = []
    try:
        header = [name.strip().lower() for name in reader.fieldnames or []]
        missing = [column for column in CSV_COLUMNS if column not in header]
        if missing:
            raise ValidationFailed({"file": [f"The header must name {', '.join(CSV_COLUMNS)}."]})
        reader.fieldnames = header
        for row in reader:
            if len(rows) > MAX_LINES:
                break
            rows.append({key: value for key, value in row.items() if key is not None})
    except csv.Error as exc:  # a NUL byte, an endless field: not a CSV we can read
        raise ValidationFailed({"file": [f"Not a readable CSV file: {exc}."]}) from None
    return rows


def _amount(value: object) -> int | None:
    if isinstance(value, str):
        text = "".join(value.split())  # "5 000", with any space a spreadsheet puts there
        value = int(text) if text.isascii() and text.isdigit() and len(text) <= 13 else None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= AMOUNT_MAX:
        return None
    return value


def _check_one(
    index: int, item: object, regions: list[str], cache: dict[str, str | None]
) -> CheckedLine:
    if not isinstance(item, dict):
        return CheckedLine(index, "", "", None, None, code="invalid_line")
    raw_msisdn = item.get("msisdn")
    key = raw_msisdn if isinstance(raw_msisdn, str) else ""
    if key not in cache:
        cache[key] = try_normalize_msisdn(key, regions)
    msisdn = cache[key]
    raw_name = item.get("name")
    name = " ".join(raw_name.split()) if isinstance(raw_name, str) else ""
    amount = _amount(item.get("amount"))
    raw_reference = item.get("reference")
    reference = raw_reference.strip() if isinstance(raw_reference, str) else None
    if reference is not None and len(reference) > REFERENCE_MAX:
        reference = None  # stored only when it fits; such a line is rejected below
    checked = CheckedLine(index, msisdn or key[:32], name[:NAME_MAX], amount, reference or None)
    if msisdn is None:
        checked.code = "invalid_msisdn"
    elif not 2 <= len(name) <= NAME_MAX or not any(ch.isalpha() for ch in name):
        checked.code = "invalid_name"
    elif amount is None:
        checked.code = "invalid_amount"
    elif raw_reference is not None and (
        not isinstance(raw_reference, str) or len(raw_reference.strip()) > REFERENCE_MAX
    ):
        checked.code = "invalid_reference"
    return checked


def recipients(session: Session, msisdns: Iterable[str]) -> dict[str, Recipient]:
    """The customers behind these numbers, by number (bulk lookup)."""
    found: dict[str, Recipient] = {}
    for chunk in key_chunks(session, sorted(set(msisdns))):
        rows = session.execute(
            select(
                Customer.msisdn,
                Customer.id,
                Customer.kyc_tier,
                Customer.status,
                Customer.language,
                Customer.first_name,
                Customer.last_name,
            ).where(any_of(session, Customer.msisdn, chunk))
        )
        for msisdn, *fields in rows:
            found[msisdn] = Recipient(*fields)
    return found


def payee(found: dict[str, Recipient], msisdn: str, name: str) -> Recipient | None:
    """Whose wallet a line for ``name`` at ``msisdn`` pays; None: a cash pickup."""
    recipient = found.get(msisdn)
    if recipient is None or not same_person(name, recipient.first_name, recipient.last_name):
        return None
    return recipient


def wallet_holdings(session: Session, customer_ids: Iterable[str]) -> dict[str, int]:
    """Posted balance plus pending credits of each wallet: what its balance cap counts."""
    codes = [chart.wallet(customer_id) for customer_id in set(customer_ids)]
    holdings: dict[str, int] = {}
    account = ledger.Account
    for chunk in key_chunks(session, codes):
        rows = session.execute(
            select(
                account.code,
                account.credits_posted - account.debits_posted + account.credits_pending,
            ).where(any_of(session, account.code, chunk))
        )
        for code, held in rows:
            holdings[code.partition(":")[2]] = int(held)
    return holdings


def limit_code(
    session: Session, recipient: Recipient | None, amount: int, holding: int
) -> str | None:
    """Why this amount may not be paid to this recipient now, or None."""
    tiers = settings(session).KYC_TIERS
    if recipient is None:
        return "limit_exceeded" if amount > tiers["basic"]["single"] else None
    if recipient.status == "frozen":
        return "account_frozen"
    if holding + amount > tiers[recipient.tier]["balance"]:
        return "limit_exceeded"
    return None


def check_lines(session: Session, items: list[Any]) -> Validation:
    """Validate every line; the result lists each line with its code (None when valid)."""
    if not isinstance(items, list) or not items:
        raise ValidationFailed({"items": ["At least one line is required."]})
    if len(items) > MAX_LINES:
        raise ValidationFailed({"items": [f"At most {MAX_LINES} lines per batch."]})
    regions = settings(session).ALLOWED_REGIONS
    cache: dict[str, str | None] = {}
    result = Validation()
    seen_numbers: set[str] = set()
    seen_references: set[str] = set()
    for index, item in enumerate(items, start=1):
        checked = _check_one(index, item, regions, cache)
        if checked.code is None:
            if checked.msisdn in seen_numbers or (
                checked.reference is not None and checked.reference in seen_references
            ):
                checked.code = "duplicate"
            seen_numbers.add(checked.msisdn)
            if checked.reference is not None:
                seen_references.add(checked.reference)
        result.lines.append(checked)
    valid = result.valid
    found = recipients(session, (ln.msisdn for ln in valid))
    holdings = wallet_holdings(session, (r.customer_id for r in found.values()))
    for checked in valid:
        recipient = payee(found, checked.msisdn, checked.name)
        assert checked.amount is not None
        holding = holdings.get(recipient.customer_id, 0) if recipient else 0
        checked.code = limit_code(session, recipient, checked.amount, holding)
        if recipient is not None:
            checked.customer_id = recipient.customer_id
    return result
