"""Onboarding organisations that hold money with PostCash.

A partner (international remittance company) or a payer (a ministry paying
pensions, an employer paying salaries) prefunds an account before it can send
money, so creating one opens its API client and its ledger account together,
in one unit of work: a client without an account, or the reverse, never exists.
"""

from __future__ import annotations

import phonenumbers
from sqlalchemy.orm import Session

from app import ledger
from app.audit import record_by
from app.auth.api_keys import ApiClient, create_api_client
from app.db import settings
from app.errors import ValidationFailed
from app.ledger import chart
from app.principal import Principal


def _country(code: object) -> str:
    """ISO 3166-1 alpha-2 code of a real country (phonenumbers' list has no pseudo-regions)."""
    country = code.strip().upper() if isinstance(code, str) else ""
    if country not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationFailed({"country": ["An ISO 3166-1 alpha-2 country code, e.g. FR."]})
    return country


def create_partner(
    session: Session, *, name: str, country: str, by: Principal | None = None
) -> tuple[ApiClient, str]:
    """A partner, its API key (shown once) and its prefunding account (never overdrawn)."""
    client, key = create_api_client(
        session, role="partner", name=name, meta={"country": _country(country)}
    )
    ledger.open_account(
        session,
        chart.partner(client.id),
        "liability",
        settings(session).CURRENCY,
        allow_overdraft=False,
        name=f"Partner {client.name}",
    )
    _audit(session, client, by)
    return client, key


def create_payer(
    session: Session, *, name: str, by: Principal | None = None
) -> tuple[ApiClient, str]:
    """A bulk payer, its API key (shown once) and its prefunding account (never overdrawn)."""
    client, key = create_api_client(session, role="payer", name=name, meta={})
    ledger.open_account(
        session,
        chart.payer(client.id),
        "liability",
        settings(session).CURRENCY,
        allow_overdraft=False,
        name=f"Payer {client.name}",
    )
    _audit(session, client, by)
    return client, key


def create_sender(
    session: Session, *, name: str, by: Principal | None = None
) -> tuple[ApiClient, str]:
    """A mail sender (an administration, a school, a utility: app/mail), its API key
    (shown once) and its prefunding account (never overdrawn): letters are paid from it."""
    client, key = create_api_client(session, role="sender", name=name, meta={})
    ledger.open_account(
        session,
        chart.sender(client.id),
        "liability",
        settings(session).CURRENCY,
        allow_overdraft=False,
        name=f"Sender {client.name}",
    )
    _audit(session, client, by)
    return client, key


def _audit(session: Session, client: ApiClient, by: Principal | None) -> None:
    record_by(
        session,
        by,
        action=f"{client.role}.create",
        target_type="api_client",
        target_id=client.id,
        after={"name": client.name, "role": client.role, "meta": client.meta},
    )
