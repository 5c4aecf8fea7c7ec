"""Registration through the app: the number is proven by a code texted to it.

Anyone can type any number into ``POST /customers``; money sent "to the number"
must not reach whoever typed it. So the app's registration is kept aside
(``customer_registrations``), never as a customer, and a 6-digit code (an OTP
challenge bound to the registration and the number, ``REGISTRATION_TTL``,
3 tries) goes by SMS to the number. Only ``verify_registration`` with that code
turns it into an active customer with a wallet (same id). Until then the number
is unregistered for every purpose: no sign-in, P2P to it is
``recipient_not_found``, payouts to it go to cash pickup, because nothing that
resolves a number (``service.find_by_msisdn``, the bulk lookups) reads this table.

A number with a registration still waiting for its code cannot register again
(409 ``conflict``) until that registration expires; the number's holder can
always register at once over USSD (the gateway vouches for the number), which
drops the waiting registration. Two racing registrations of one number leave
one (unique number); two racing verifications activate once (row lock).
Lapsed registrations are deleted by an hourly sweep (``purge_lapsed``), so a
stranger's name and PIN hash are not kept for a number they never proved.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import clock
from app.customers.locks import lock_registration
from app.customers.models import Customer, Registration, new_id
from app.customers.pins import hash_pin
from app.customers.service import clean_registration, open_customer
from app.db import rows_matched, settings
from app.errors import Conflict, InvalidState, NotFound, OtpExpired
from app.otp.models import Challenge
from app.otp.service import issue_challenge, verify_challenge

log = logging.getLogger(__name__)

PURPOSE = "registration"
PENDING_CONFLICT = (
    "A registration of this number is waiting for the code sent to it; "
    "enter that code, or register again once it has expired."
)


def start_registration(
    session: Session,
    *,
    msisdn: str,
    first_name: str,
    last_name: str,
    pin: str,
    language: str = "fr",
) -> tuple[Registration, Challenge]:
    """Keep a registration aside and text its code to the number.

    A registered number is a Conflict, and so is one whose earlier registration
    still waits for its code; an expired one is dropped and replaced.
    """
    config = settings(session)
    values = clean_registration(
        session,
        msisdn=msisdn,
        first_name=first_name,
        last_name=last_name,
        pin=pin,
        language=language,
    )
    number = values["msisdn"]
    if session.scalar(select(Customer.id).where(Customer.msisdn == number)):
        raise Conflict("This number is already registered.")
    now = clock.now()
    session.execute(
        delete(Registration)
        .where(Registration.msisdn == number, Registration.expires_at <= now)
        .execution_options(synchronize_session=False)
    )
    if session.scalar(select(Registration.id).where(Registration.msisdn == number)):
        raise Conflict(PENDING_CONFLICT)
    registration_id = new_id()
    issued = issue_challenge(
        session,
        subject_id=registration_id,
        msisdn=number,
        language=values["language"],
        purpose=PURPOSE,
        binding=_binding(registration_id, number),
        ttl=config.REGISTRATION_TTL,
    )
    registration = Registration(
        id=registration_id,
        msisdn=number,
        first_name=values["first_name"],
        last_name=values["last_name"],
        language=values["language"],
        pin_hash=hash_pin(values["pin"], config),
        challenge_id=issued.challenge.id,
        expires_at=issued.challenge.expires_at,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(registration)
            session.flush()
    except IntegrityError as exc:  # a concurrent registration of the number won
        raise Conflict(PENDING_CONFLICT) from exc
    log.info("registration %s started, code sent", registration.id)
    return registration, issued.challenge


def verify_registration(session: Session, registration_id: str, otp: object) -> Customer:
    """The right code turns the registration into an active customer with a wallet.

    A wrong code counts (``invalid_otp`` with ``attempts_left``; the third is
    ``otp_attempts_exceeded`` and the registration can only expire); past
    ``expires_at`` it is ``otp_expired``. A registration already verified is
    ``invalid_state``; one that never existed or was replaced, ``not_found``.
    """
    registration = (
        lock_registration(session, registration_id) if isinstance(registration_id, str) else None
    )
    if registration is None:
        if isinstance(registration_id, str) and session.get(Customer, registration_id) is not None:
            raise InvalidState("This registration is already verified.")
        raise NotFound("No such registration.")
    if clock.now() >= registration.expires_at:
        raise OtpExpired("The registration has expired; register again.")
    verify_challenge(
        session,
        registration.challenge_id,
        otp if isinstance(otp, str) else "",
        _binding(registration.id, registration.msisdn),
    )
    values: dict[str, Any] = {
        "customer_id": registration.id,
        "msisdn": registration.msisdn,
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "language": registration.language,
        "pin_hash": registration.pin_hash,
    }
    session.delete(registration)
    session.flush()
    customer = open_customer(session, **values)
    log.info("registration %s verified", customer.id)
    return customer


def purge_lapsed(session: Session) -> int:
    """Delete registrations past their expiry (names, number, PIN hash); how many went."""
    result = session.execute(
        delete(Registration)
        .where(Registration.expires_at <= clock.now())
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result)


def _binding(registration_id: str, msisdn: str) -> dict[str, str]:
    return {"operation": PURPOSE, "registration": registration_id, "msisdn": msisdn}
