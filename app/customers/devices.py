"""Devices a customer has signed in from on the portal: the first time, an SMS code.

A PIN is four digits and may be seen over a shoulder; the phone that holds the
number is the second factor. So a sign-in on the portal from a browser the
customer has not confirmed before ends with a one-time code sent by SMS to their
number; once the code is right the browser receives a long random secret (a
cookie) and the row here keeps only its SHA-256 hash. The next sign-ins from that
browser need the PIN alone. "Sign out everywhere" forgets every device and
revokes every token: each browser, the stolen one too, needs the SMS code again.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.auth.tokens import revoke_other_tokens
from app.clock import clock
from app.customers.models import Customer
from app.db import Base, UTCDateTime, rows_matched
from app.otp.service import issue_challenge, verify_challenge

log = logging.getLogger(__name__)

PURPOSE = "device"
SECRET_BYTES = 32
LABEL_MAX = 120


class CustomerDevice(Base):
    __tablename__ = "customer_devices"
    __table_args__ = (Index("ix_customer_devices_customer", "customer_id", "secret_hash"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    secret_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(LABEL_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@dataclass(frozen=True, slots=True)
class DeviceCheck:
    """A sign-in waiting for its SMS code: the challenge and what binds it."""

    challenge_id: str
    nonce: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def recognised(session: Session, customer_id: str, secret: str | None) -> bool:
    """True if this browser's device secret was confirmed by this customer and not
    forgotten since; its last use is noted."""
    if not secret or len(secret) > 128:
        return False
    device = session.scalar(
        select(CustomerDevice).where(
            CustomerDevice.customer_id == customer_id,
            CustomerDevice.secret_hash == _hash(secret),
            CustomerDevice.revoked_at.is_(None),
        )
    )
    if device is None:
        return False
    device.last_seen_at = clock.now()
    return True


def start_check(session: Session, customer: Customer) -> DeviceCheck:
    """Send the SMS code that confirms a new browser (after the PIN was right)."""
    nonce = secrets.token_urlsafe(16)
    issued = issue_challenge(
        session,
        subject_id=customer.id,
        msisdn=customer.msisdn,
        language=customer.language,
        purpose=PURPOSE,
        binding={"customer": customer.id, "nonce": nonce},
    )
    return DeviceCheck(issued.challenge.id, nonce)


def confirm(session: Session, customer_id: str, check: DeviceCheck, code: str, label: str) -> str:
    """Check the SMS code (``InvalidOtp``, ``OtpExpired``, ``OtpAttemptsExceeded``
    otherwise) and remember the browser: returns the secret its cookie will hold,
    shown nowhere else and stored only hashed."""
    verify_challenge(
        session, check.challenge_id, code, {"customer": customer_id, "nonce": check.nonce}
    )
    return remember(session, customer_id, label)


def remember(session: Session, customer_id: str, label: str) -> str:
    """Remember a browser whose holder just proved the phone (a device code, or the
    registration's code): returns the secret for its cookie, stored only hashed."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    now = clock.now()
    session.add(
        CustomerDevice(
            id=str(uuid.uuid4()),
            customer_id=customer_id,
            secret_hash=_hash(secret),
            label=label[:LABEL_MAX],
            created_at=now,
            last_seen_at=now,
            revoked_at=None,
        )
    )
    session.flush()
    log.info("customer %s confirmed a new device", customer_id)
    return secret


def sign_out_everywhere(session: Session, customer_id: str) -> int:
    """Forget every device and revoke every token of the customer (the REST app's
    too). Returns how many devices were forgotten."""
    now = clock.now()
    forgotten = rows_matched(
        session.execute(
            update(CustomerDevice)
            .where(CustomerDevice.customer_id == customer_id, CustomerDevice.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    )
    revoke_other_tokens(session, "customer", customer_id, None)
    log.info("customer %s signed out everywhere (%d devices forgotten)", customer_id, forgotten)
    return forgotten


def active_devices(session: Session, customer_id: str) -> list[CustomerDevice]:
    return list(
        session.scalars(
            select(CustomerDevice)
            .where(CustomerDevice.customer_id == customer_id, CustomerDevice.revoked_at.is_(None))
            .order_by(CustomerDevice.last_seen_at.desc())
        )
    )
