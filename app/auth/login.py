"""Signing in: a customer with number and PIN, staff with password and TOTP.

Both end in an opaque token (``tokens.py``). The checks themselves belong to
the packages that own the people: ``customers.service.verify_pin`` counts wrong
PINs and locks, ``agents.staff.authenticate_staff`` checks password and TOTP.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.agents.staff import authenticate_staff
from app.auth.tokens import issue_token
from app.customers import service as customers

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int
    role: str
    principal_id: str


def login_customer(session: Session, *, msisdn: str, pin: str) -> IssuedToken:
    """A token for the customer behind ``msisdn`` if ``pin`` is right.

    A wrong PIN is ``invalid_pin`` with ``attempts_left`` and the last one
    ``account_locked`` with ``locked_until`` (both keep the counted attempt: they
    are raised with ``commit=True``). An unknown number is answered exactly as a
    first wrong PIN, after the same hashing work, so that it is not told apart.
    """
    customer = customers.find_by_msisdn(session, msisdn)
    if customer is None:
        customers.refuse_unknown_number(session, pin)
    customers.verify_pin(session, customer, pin)
    token, ttl = issue_token(session, "customer", customer.id)
    log.info("customer %s signed in", customer.id)
    return IssuedToken(token, ttl, "customer", customer.id)


def login_staff(
    session: Session, *, username: str, password: str, totp: str, ip: str | None = None
) -> IssuedToken:
    """A token for an agent or admin whose password and TOTP code are right (``ip``: the
    caller's address, for the audit trail of sign-ins and refusals)."""
    staff = authenticate_staff(session, username, password, totp, ip=ip)
    token, ttl = issue_token(session, staff.role, staff.id)
    return IssuedToken(token, ttl, staff.role, staff.id)
