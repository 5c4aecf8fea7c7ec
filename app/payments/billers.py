"""The biller registry: who customers can pay, and what a valid bill reference looks like.

A biller is an organisation (the electricity or water company, a TV operator, a
city tax office, the passport service) with an API key (role ``biller``: it
polls its payments with it), a liability account ``biller:<code>`` collecting
what customers paid until settlement, and the shape of its bill references: a
regular expression the whole reference must match, a hint and an example
shown to customers. A biller with ``fixed_amount`` (a passport fee) accepts
exactly that amount. Creating one opens the client, the account and its
callback secret in one unit of work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ledger
from app.audit import record_by
from app.auth.api_keys import create_api_client
from app.clock import clock
from app.db import settings
from app.errors import Conflict, ValidationFailed
from app.ledger import chart
from app.payments import callbacks
from app.payments.errors import BillerNotFound
from app.payments.models import BILLER_CATEGORIES, Biller
from app.principal import Principal

CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{1,23}")
REFERENCE_MAX = 30
MAX_AMOUNT = 10**12
PATTERN_MAX = 200
# Customers type references on phones: spaces they add are not part of the reference.
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class CreatedBiller:
    biller: Biller
    api_key: str
    webhook_secret: str


def _text(value: object, field: str, low: int, high: int, errors: dict[str, list[str]]) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not low <= len(text) <= high:
        errors[field] = [f"{low} to {high} characters."]
    return text


def compile_pattern(pattern: object) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not 1 <= len(pattern) <= PATTERN_MAX:
        raise ValidationFailed({"reference_pattern": [f"1 to {PATTERN_MAX} characters."]})
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValidationFailed(
            {"reference_pattern": [f"Not a valid regular expression: {exc.msg}."]}
        ) from None


def create_biller(
    session: Session,
    *,
    code: str,
    name: str,
    category: str,
    reference_pattern: str,
    reference_hint: str,
    reference_example: str | None = None,
    fixed_amount: int | None = None,
    webhook_url: str | None = None,
    by: Principal | None = None,
) -> CreatedBiller:
    """Register a biller: its API key and webhook secret are returned once."""
    errors: dict[str, list[str]] = {}
    clean_code = code.strip().upper() if isinstance(code, str) else ""
    if not CODE.fullmatch(clean_code):
        errors["code"] = ["2 to 24 capital letters, digits, '-' or '_'."]
    clean_name = _text(name, "name", 2, 60, errors)
    hint = _text(reference_hint, "reference_hint", 2, 120, errors)
    if category not in BILLER_CATEGORIES:
        errors["category"] = [f"One of: {', '.join(BILLER_CATEGORIES)}."]
    pattern = None
    try:
        pattern = compile_pattern(reference_pattern)
    except ValidationFailed as exc:
        errors.update(exc.extra["errors"])
    example = None
    if reference_example is not None:
        example = _SPACES.sub("", reference_example) if isinstance(reference_example, str) else ""
        if not 1 <= len(example) <= REFERENCE_MAX:
            errors["reference_example"] = [f"1 to {REFERENCE_MAX} characters."]
        elif pattern is not None and not pattern.fullmatch(example):
            errors["reference_example"] = ["Does not match reference_pattern."]
    if fixed_amount is not None and (
        isinstance(fixed_amount, bool)
        or not isinstance(fixed_amount, int)
        or not 0 < fixed_amount <= MAX_AMOUNT
    ):
        errors["fixed_amount"] = ["Must be a positive integer amount."]
    url = None
    if webhook_url is not None:
        try:
            url = callbacks.clean_callback_url(session, webhook_url, "webhook_url")
        except ValidationFailed as exc:
            errors.update(exc.extra["errors"])
    if errors:
        raise ValidationFailed(errors)
    if session.get(Biller, clean_code) is not None:
        raise Conflict(f"A biller with code {clean_code} already exists.")

    client, key = create_api_client(
        session, role="biller", name=clean_name, meta={"biller_code": clean_code}
    )
    secret, sealed = callbacks.new_secret(session)
    biller = Biller(
        code=clean_code,
        client_id=client.id,
        name=clean_name,
        category=category,
        reference_pattern=reference_pattern,
        reference_hint=hint,
        reference_example=example,
        fixed_amount=fixed_amount,
        webhook_url=url,
        webhook_secret_sealed=sealed,
        status="active",
        created_at=clock.now(),
    )
    session.add(biller)
    session.flush()
    ledger.open_account(
        session,
        chart.biller(clean_code),
        "liability",
        settings(session).CURRENCY,
        allow_overdraft=False,
        name=f"Biller {clean_name}",
    )
    record_by(
        session,
        by,
        action="biller.create",
        target_type="biller",
        target_id=clean_code,
        after={"name": clean_name, "category": category, "fixed_amount": fixed_amount},
    )
    return CreatedBiller(biller, key, secret)


def list_billers(session: Session) -> list[Biller]:
    """Active billers, by category then name (what a customer picks from)."""
    return list(
        session.scalars(
            select(Biller).where(Biller.status == "active").order_by(Biller.category, Biller.name)
        )
    )


def get_biller(session: Session, code: object) -> Biller:
    """The active biller with this code (any case), or ``BillerNotFound``."""
    clean = code.strip().upper() if isinstance(code, str) else ""
    biller = session.get(Biller, clean) if CODE.fullmatch(clean) else None
    if biller is None or biller.status != "active":
        raise BillerNotFound(f"No biller with code {clean[:24]!r}.")
    return biller


def biller_for_client(session: Session, client_id: str) -> Biller:
    biller = session.scalar(select(Biller).where(Biller.client_id == client_id))
    if biller is None:
        raise BillerNotFound()
    return biller


def clean_reference(biller: Biller, reference: object) -> str:
    """The bill reference without spaces, if it has the biller's shape; else a
    validation error that tells the customer the expected format."""
    text = _SPACES.sub("", reference) if isinstance(reference, str) else ""
    if not 1 <= len(text) <= REFERENCE_MAX or not re.fullmatch(biller.reference_pattern, text):
        message = biller.reference_hint
        if biller.reference_example:
            message += f" (e.g. {biller.reference_example})"
        raise ValidationFailed({"bill_reference": [message]})
    return text


def check_amount(biller: Biller, amount: int) -> None:
    if biller.fixed_amount is not None and amount != biller.fixed_amount:
        raise ValidationFailed(
            {"amount": [f"{biller.name} takes exactly {biller.fixed_amount} per payment."]}
        )


def view(biller: Biller) -> dict[str, Any]:
    """API.md's biller item."""
    return {
        "code": biller.code,
        "name": biller.name,
        "category": biller.category,
        "reference_hint": biller.reference_hint,
        "reference_example": biller.reference_example,
        "fixed_amount": biller.fixed_amount,
    }
