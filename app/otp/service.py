"""One-time codes bound to one operation (DESIGN.md, "OTP").

Codes are HOTP (pyotp, 6 digits): pyotp's TOTP cannot stretch a time step to
the five minutes an SMS may take to arrive, so the server keeps what TOTP would
have put in the clock instead: a fresh counter per challenge, its expiry and
its remaining tries. A challenge is bound to a hash of the operation's fields,
so a code sent to confirm "5 000 FCFA to A" cannot confirm anything else; a
mismatch counts as a wrong code. Only ``issue_challenge`` ever returns a code
(the withdrawal flow shows its cash-out code); nothing else exposes one or the
seed that could recompute it.

Rows are locked (``SELECT … FOR UPDATE``) before they change, so two racing
verifications of one code cannot both succeed and two challenges of one
subject never share a counter.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pyotp
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import clock
from app.db import settings
from app.errors import (
    InvalidOtp,
    InvalidState,
    NotFound,
    OtpAttemptsExceeded,
    OtpExpired,
    RateLimited,
)
from app.notify.models import SmsMessage
from app.notify.service import send_sms
from app.otp.locks import lock_challenge, lock_secret
from app.otp.models import Challenge, OtpSecret
from app.secretbox import seal, unseal

log = logging.getLogger(__name__)

DIGITS = 6
SEED_PURPOSE = "otp-seed"
# However often a customer asks, one challenge costs at most this many SMS.
MAX_SENDS_PER_CHALLENGE = 4
# session.info key: the challenges issued in the session's transaction (see issue_challenge)
_ISSUED = "otp_issued"


@dataclass(frozen=True, slots=True)
class IssuedChallenge:
    challenge: Challenge
    code: str = field(repr=False)


def binding_hash(binding: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the operation's fields."""
    canonical = json.dumps(
        binding, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def issue_challenge(
    session: Session,
    *,
    subject_id: str,
    msisdn: str,
    language: str,
    purpose: str,
    binding: dict[str, Any],
    template: str | None = None,
    params: dict[str, Any] | None = None,
    ttl: int | None = None,
    max_attempts: int | None = None,
    send: bool = True,
) -> IssuedChallenge:
    """A new challenge for ``binding``; with ``send`` its code goes out by SMS.

    The SMS template is ``sms.otp.<purpose>`` unless given; ``{minutes}`` is
    filled in with the time left, ``{code}`` with the code at delivery only.
    """
    config = settings(session)
    seed, counter = _take_counter(session, subject_id)
    code = pyotp.HOTP(seed, digits=DIGITS).at(counter)
    now = clock.now()
    challenge = Challenge(
        subject_id=subject_id,
        purpose=purpose,
        binding_hash=binding_hash(binding),
        counter=counter,
        expires_at=now + timedelta(seconds=config.OTP_TTL if ttl is None else ttl),
        attempts=0,
        max_attempts=config.OTP_MAX_ATTEMPTS if max_attempts is None else max_attempts,
        status="pending",
        created_at=now,
        sends=0,
    )
    if send:  # texted before the challenge is written: one INSERT, no UPDATE of its send
        _send_code(
            session, challenge, code, msisdn, language, template or f"sms.otp.{purpose}", params
        )
    session.add(challenge)
    session.flush()
    # The identity map holds flushed objects weakly: kept here for the transaction,
    # the answer's ``otp_view`` reads this challenge without a second SELECT.
    session.info.setdefault(_ISSUED, []).append(challenge)
    log.info("otp challenge %s issued (%s)", challenge.id, purpose)
    return IssuedChallenge(challenge, code)


def verify_challenge(
    session: Session, challenge_id: str, code: str, binding: dict[str, Any]
) -> Challenge:
    """Accept ``code`` for the operation ``binding`` once, or count a wrong try.

    Wrong → ``InvalidOtp`` with ``attempts_left``; the last wrong try fails the
    challenge (``OtpAttemptsExceeded``); past its expiry → ``OtpExpired``. Each
    of these keeps its state change (``commit=True``).
    """
    challenge = _locked(session, challenge_id)
    _refuse_if_closed(challenge)
    if clock.now() >= challenge.expires_at:
        challenge.status = "expired"
        raise OtpExpired("The code has expired.", commit=True)
    expected = pyotp.HOTP(_seed(session, challenge.subject_id), digits=DIGITS).at(challenge.counter)
    candidate = "".join(code.split()) if isinstance(code, str) else ""
    code_ok = hmac.compare_digest(candidate.encode(), expected.encode())
    binding_ok = hmac.compare_digest(binding_hash(binding), challenge.binding_hash)
    if code_ok and binding_ok:
        challenge.status = "used"
        log.info("otp challenge %s used", challenge.id)
        return challenge
    challenge.attempts += 1
    if challenge.attempts >= challenge.max_attempts:
        challenge.status = "failed"
        log.info("otp challenge %s failed after %d tries", challenge.id, challenge.attempts)
        raise OtpAttemptsExceeded("Too many wrong codes.", commit=True, attempts_left=0)
    left = challenge.attempts_left
    raise InvalidOtp(f"Wrong code; {left} attempt(s) left.", commit=True, attempts_left=left)


def resend_challenge(
    session: Session, challenge_id: str, *, msisdn: str, language: str
) -> Challenge:
    """Send the same code again, in the same words (``language`` may change).

    Refused with ``RateLimited`` during ``OTP_RESEND_COOLDOWN`` after the last
    send, unless a delivery report said that SMS failed: then at once.
    """
    challenge = _locked(session, challenge_id)
    _refuse_if_closed(challenge)
    now = clock.now()
    if now >= challenge.expires_at:
        challenge.status = "expired"
        raise OtpExpired("The code has expired.", commit=True)
    last = session.get(SmsMessage, challenge.sms_message_id) if challenge.sms_message_id else None
    if last is None:
        raise InvalidState("This code was not sent by SMS; there is nothing to resend.")
    if challenge.sends >= MAX_SENDS_PER_CHALLENGE:
        raise RateLimited("This code was sent too many times; start again.")
    cooldown = timedelta(seconds=settings(session).OTP_RESEND_COOLDOWN)
    if challenge.last_sent_at is not None and not last.undelivered:
        ready_at = challenge.last_sent_at + cooldown
        if now < ready_at:
            wait = math.ceil((ready_at - now).total_seconds())
            raise RateLimited(f"Wait {wait} s before asking again.", retry_after=wait)
    code = pyotp.HOTP(_seed(session, challenge.subject_id), digits=DIGITS).at(challenge.counter)
    _send_code(session, challenge, code, msisdn, language, last.template, last.params)
    log.info("otp challenge %s resent (send %d)", challenge.id, challenge.sends)
    return challenge


def record_sent(session: Session, challenge_id: str, message: SmsMessage) -> Challenge:
    """Count a send of the code made by the caller (``issue_challenge(send=False)``).

    The SMS channel answers ``ENVOI`` with one reply carrying the summary and
    the code; recording that reply here lets ``resend_challenge`` repeat it in
    the same words, at once if a delivery report says it failed.
    """
    challenge = _locked(session, challenge_id)
    challenge.sms_message_id = message.id
    challenge.sends += 1
    challenge.last_sent_at = clock.now()
    return challenge


def expire_challenge(session: Session, challenge_id: str) -> None:
    """Close a pending challenge whose operation expired or was cancelled."""
    challenge = lock_challenge(session, challenge_id)
    if challenge is not None and challenge.status == "pending":
        challenge.status = "expired"


def otp_view(challenge: Challenge | None) -> dict[str, Any] | None:
    """The ``otp`` member of API.md's Transfer object."""
    if challenge is None:
        return None
    return {
        "expires_at": challenge.expires_at.isoformat(),
        "attempts_left": challenge.attempts_left,
    }


def _locked(session: Session, challenge_id: str) -> Challenge:
    challenge = lock_challenge(session, challenge_id)
    if challenge is None:
        raise NotFound("No such code request.")
    return challenge


def _refuse_if_closed(challenge: Challenge) -> None:
    if challenge.status == "failed":
        raise OtpAttemptsExceeded("Too many wrong codes.", attempts_left=0)
    if challenge.status != "pending":
        raise OtpExpired("The code is no longer valid.")


def _send_code(
    session: Session,
    challenge: Challenge,
    code: str,
    msisdn: str,
    language: str,
    template: str,
    params: dict[str, Any] | None,
) -> None:
    now = clock.now()
    minutes = max(1, math.ceil((challenge.expires_at - now).total_seconds() / 60))
    message = send_sms(
        session,
        to=msisdn,
        template=template,
        language=language,
        params={**(params or {}), "minutes": minutes},
        secret=code,
        purpose="otp",
        expires_at=challenge.expires_at,
    )
    challenge.sms_message_id = message.id
    challenge.sends += 1
    challenge.last_sent_at = now


def _take_counter(session: Session, subject_id: str) -> tuple[str, int]:
    """The subject's seed and a counter no other challenge will get (row-locked)."""
    row = lock_secret(session, subject_id)
    if row is None:
        secret_key = settings(session).SECRET_KEY
        try:
            with session.begin_nested():
                session.add(
                    OtpSecret(
                        subject_id=subject_id,
                        secret_encrypted=seal(secret_key, SEED_PURPOSE, pyotp.random_base32()),
                        next_counter=0,
                    )
                )
        except IntegrityError:  # created meanwhile by a concurrent first challenge
            pass
        row = lock_secret(session, subject_id)
        assert row is not None
    counter = row.next_counter
    row.next_counter = counter + 1
    return unseal(settings(session).SECRET_KEY, SEED_PURPOSE, row.secret_encrypted), counter


def _seed(session: Session, subject_id: str) -> str:
    row = session.get(OtpSecret, subject_id)
    if row is None:
        raise InvalidState("No code was ever issued to this subject.")
    return unseal(settings(session).SECRET_KEY, SEED_PURPOSE, row.secret_encrypted)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_issued(session: Session) -> None:
    session.info.pop(_ISSUED, None)
