"""Signing in a customer: number and PIN, ending in an opaque token (``auth/tokens.py``).

The checks belong to this package: ``service.verify_pin`` counts wrong PINs and
locks. Staff sign in through ``agents/login.py``.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from app.auth.tokens import IssuedToken, issue_token
from app.customers import service as customers

log = logging.getLogger(__name__)


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
