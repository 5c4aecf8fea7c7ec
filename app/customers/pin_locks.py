"""PIN attempts and PIN locks: an attempt is taken before the PIN is hashed.

A check that reads the counter from a row loaded earlier lets a burst of wrong
PINs sent at once all be compared (each saw "no wrong PIN yet"), and a right
PIN hidden in the burst gets through. Here every check first *takes* an
attempt with one guarded UPDATE (``failed_pin_attempts + 1`` where the
customer is not locked and has an attempt left, returning the stored hash). On
PostgreSQL that row stays locked until the commit: concurrent checks of one
customer queue behind it and re-read the counter, so at most
``PIN_MAX_ATTEMPTS`` PINs are ever compared before a lock, and none while it
lasts. The right PIN gives the attempt back (counter to 0); a wrong one keeps
it (raised with ``commit=True``); the last one locks.

Locks are temporary and escalate, so that whoever knows a number cannot lock
its owner out for good: the n-th lock in a row lasts ``PIN_LOCK_DURATIONS[n-1]``
seconds (default 15 min, 1 h, 24 h) and the one after the last step lasts until
an agent or admin unlocks (``service.unlock_customer``, which also restarts the
escalation). A lock whose time has passed stops nothing: the next PIN check
lifts it (counter back to 0). A lock that comes ``PIN_LOCK_DECAY`` seconds
(30 days) or more after the previous one began is a first lock again. Each lock
signs the customer out everywhere, is audited and is told to them by SMS.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from sqlalchemy import Row, case, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.audit import record
from app.auth.tokens import revoke_other_tokens
from app.clock import clock
from app.config import Config
from app.customers.models import Customer
from app.db import settings
from app.errors import AccountLocked, InvalidPin
from app.notify import send_sms

log = logging.getLogger(__name__)

LOCKED_FOR_A_WHILE = "Too many wrong PINs; the account is locked until {until} UTC."
LOCKED_UNTIL_UNLOCKED = "Too many wrong PINs; an agent must unlock the account."


# What a PIN check reads of the customer, always from the row it has just written or
# read (the object a caller passes may have been loaded long before, or elsewhere).
_STATE = (
    Customer.status,
    Customer.failed_pin_attempts,
    Customer.pin_locked_until,
    Customer.pin_lock_level,
    Customer.pin_locked_at,
    Customer.updated_at,
)


def _sync(customer: Customer, row: Row[*tuple[Any, ...]]) -> None:
    for column in _STATE:
        set_committed_value(customer, column.key, getattr(row, column.key))


def lapsed(customer: Customer, now: datetime) -> bool:
    """A temporary lock whose time has passed (it no longer stops anything)."""
    until = customer.pin_locked_until
    return until is not None and until <= now


def pin_locked(customer: Customer, config: Config, now: datetime) -> bool:
    """Locked by wrong PINs at ``now``; a frozen customer can be too (the counter says so)."""
    if lapsed(customer, now):
        return False
    return customer.status == "locked" or customer.failed_pin_attempts >= config.PIN_MAX_ATTEMPTS


def locked_error(customer: Customer, **extra: Any) -> AccountLocked:
    """``account_locked`` saying until when (``locked_until``: null until an agent unlocks)."""
    until = customer.pin_locked_until
    if until is None:
        return AccountLocked(LOCKED_UNTIL_UNLOCKED, **extra)
    detail = LOCKED_FOR_A_WHILE.format(until=until.strftime("%Y-%m-%d %H:%M"))
    return AccountLocked(detail, until=until, **extra)


def until_text(at: datetime, timezone: str) -> str:
    """'08/12 14:35': the local day and time a lock ends, as SMS and USSD texts print it."""
    return at.astimezone(ZoneInfo(timezone)).strftime("%d/%m %H:%M")


def take_attempt(session: Session, customer: Customer) -> str:
    """Count one attempt before any hashing; the PIN hash to compare with, as stored now.

    ``AccountLocked`` (nothing counted) when the customer is locked or has no
    attempt left. A lock whose time has passed is lifted, then the attempt taken.
    """
    now = clock.now()
    limit = settings(session).PIN_MAX_ATTEMPTS
    taken = _take(session, customer.id, limit, now)
    if taken is None:  # locked, or a lock just over (lifted here or by a racing check)
        _lift_if_over(session, customer.id, now)
        taken = _take(session, customer.id, limit, now)
    if taken is None:
        _sync(customer, session.execute(select(*_STATE).where(Customer.id == customer.id)).one())
        raise locked_error(customer)
    _sync(customer, taken)
    return str(taken.pin_hash)


def _take(
    session: Session, customer_id: str, limit: int, now: datetime
) -> Row[*tuple[Any, ...]] | None:
    return session.execute(
        update(Customer)
        .where(
            Customer.id == customer_id,
            Customer.status != "locked",
            Customer.failed_pin_attempts < limit,
        )
        .values(failed_pin_attempts=Customer.failed_pin_attempts + 1, updated_at=now)
        .returning(*_STATE, Customer.pin_hash)
        .execution_options(synchronize_session=False)
    ).first()


def _lift_if_over(session: Session, customer_id: str, now: datetime) -> None:
    """End a temporary lock whose time has passed: active again (a frozen customer stays
    frozen), every attempt back."""
    lifted = session.execute(
        update(Customer)
        .where(
            Customer.id == customer_id,
            Customer.pin_locked_until.is_not(None),
            Customer.pin_locked_until <= now,
        )
        .values(
            status=case((Customer.status == "locked", "active"), else_=Customer.status),
            failed_pin_attempts=0,
            pin_locked_until=None,
            updated_at=now,
        )
        .returning(Customer.id)
        .execution_options(synchronize_session=False)
    ).first()
    if lifted is not None:
        log.info("customer %s: PIN lock over", customer_id)


def give_back(session: Session, customer: Customer, *, pin_hash: str | None = None) -> None:
    """The right PIN: the counter starts again from zero; with ``pin_hash``, the PIN's
    hash made again with the current pepper replaces the outdated one (one statement)."""
    values: dict[str, Any] = {"failed_pin_attempts": 0, "updated_at": clock.now()}
    if pin_hash is not None:
        values["pin_hash"] = pin_hash
    session.execute(
        update(Customer)
        .where(Customer.id == customer.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(customer, "failed_pin_attempts", 0)
    if pin_hash is not None:
        set_committed_value(customer, "pin_hash", pin_hash)
        log.info("customer %s: PIN hash renewed with the current pepper", customer.id)


def keep_wrong(session: Session, customer: Customer) -> NoReturn:
    """A wrong PIN: ``invalid_pin`` with the attempts left, or the lock on the last one.

    Both are raised with ``commit=True``: the attempt taken stays counted.
    """
    config = settings(session)
    left = config.PIN_MAX_ATTEMPTS - customer.failed_pin_attempts
    if left > 0:
        raise InvalidPin("Wrong PIN.", attempts_left=left, commit=True)
    _lock(session, customer, config)
    raise locked_error(customer, attempts_left=0, commit=True)


def _lock(session: Session, customer: Customer, config: Config) -> None:
    now = clock.now()
    level = next_level(customer, config, now)
    steps = config.PIN_LOCK_DURATIONS
    until = now + timedelta(seconds=steps[level - 1]) if level <= len(steps) else None
    locked = session.execute(
        update(Customer)
        .where(Customer.id == customer.id)
        .values(
            # a frozen customer stays frozen (and PIN-locked: the counter is full)
            status=case((Customer.status == "active", "locked"), else_=Customer.status),
            pin_locked_until=until,
            pin_lock_level=level,
            pin_locked_at=now,
            updated_at=now,
        )
        .returning(*_STATE)
        .execution_options(synchronize_session=False)
    ).one()
    _sync(customer, locked)
    revoke_other_tokens(session, "customer", customer.id, keep_token_id=None)
    record(
        session,
        actor_role="system",
        actor_id=None,
        action="customer.lock",
        target_type="customer",
        target_id=customer.id,
        after={
            "status": customer.status,
            "failed_pin_attempts": customer.failed_pin_attempts,
            "lock_level": level,
            "locked_until": until.isoformat() if until is not None else None,
        },
    )
    _tell(session, customer, config, until)
    log.warning(
        "customer %s PIN-locked (lock %d in a row, %s)",
        customer.id,
        level,
        until.isoformat() if until is not None else "until unlocked",
    )


def next_level(customer: Customer, config: Config, now: datetime) -> int:
    """The rank of a lock starting at ``now``: one more than the last, unless that was
    ``PIN_LOCK_DECAY`` seconds ago or more (or undone by an unlock)."""
    last = customer.pin_locked_at
    if last is None or now - last >= timedelta(seconds=config.PIN_LOCK_DECAY):
        return 1
    return customer.pin_lock_level + 1


def _tell(session: Session, customer: Customer, config: Config, until: datetime | None) -> None:
    """The SMS that says the account is locked, until when and how to open it sooner."""
    if until is None:
        template, params = "sms.pin_locked.agent", {}
    else:
        template, params = "sms.pin_locked.until", {"until": until_text(until, config.TIMEZONE)}
    assert customer.pin_locked_at is not None  # the lock just written (_sync)
    send_sms(
        session,
        to=customer.msisdn,
        template=template,
        language=customer.language,
        params=params,
        purpose="security",
        dedupe_key=f"pin-lock:{customer.id}:{customer.pin_locked_at.isoformat()}",
    )
