"""Customer lifecycle: registration, PIN checks and lockout, unlock, KYC, language.

Every function takes the caller's session and never commits. A wrong PIN is
raised with ``commit=True`` so the counted attempt (and the lock on the last
one) survives the refusal. Attempts are taken by guarded UPDATE statements
before the PIN is hashed (``pin_locks``), so PINs racing on PostgreSQL are
compared one after the other and never more than the limit allows.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import NoReturn

from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import ledger
from app.audit import record
from app.audit.reasons import operator_reason
from app.auth.tokens import revoke_other_tokens
from app.clock import clock
from app.customers import pin_locks
from app.customers.models import (
    ID_TYPES,
    KYC_TIERS,
    LANGUAGES,
    NAME_MAX_LENGTH,
    Customer,
    Registration,
    new_id,
)
from app.customers.msisdn import normalize_msisdn, try_normalize_msisdn
from app.customers.pins import (
    check_pin,
    check_pin_of_nobody,
    hash_pin,
    pin_hash_outdated,
    validate_pin,
)
from app.db import settings
from app.errors import (
    AccountFrozen,
    Conflict,
    Forbidden,
    InvalidPin,
    InvalidState,
    NotFound,
    ValidationFailed,
)
from app.ledger import chart
from app.notify import send_sms
from app.principal import Principal

log = logging.getLogger(__name__)

# Who may unlock a customer or raise their KYC tier: a counter agent, an administrator,
# or a head-office operator of the back office (customer service).
STAFF_ROLES = ("agent", "admin", "operator")
# Letters of any script, single spaces, hyphens, apostrophes and dots between them.
_NAME = re.compile(r"[^\W\d_]+(?:(?:[ '\-.]|\. )[^\W\d_]+)*\.?")
_ID_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9\-/]{2,39}")


def clean_person_name(value: object, field: str) -> str:
    """A customer's first or last name as registered; USSD checks each screen with it."""
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text:
        _fail(field, "Required.")
    if len(text) > NAME_MAX_LENGTH:
        _fail(field, f"At most {NAME_MAX_LENGTH} characters.")
    if not _NAME.fullmatch(text):
        _fail(field, "Letters, spaces, hyphens and apostrophes only.")
    return text


def _fail(field: str, message: str) -> NoReturn:
    raise ValidationFailed({field: [message]})


def _validate_language(language: object) -> str:
    if language not in LANGUAGES:
        _fail("language", f"One of: {', '.join(LANGUAGES)}.")
    return str(language)


def register_customer(
    session: Session,
    *,
    msisdn: str,
    first_name: str,
    last_name: str,
    pin: str,
    language: str = "fr",
) -> Customer:
    """Create a basic-tier customer at once, wallet and welcome SMS included.

    Only for channels that vouch for the number themselves (USSD: the gateway
    gives ``phoneNumber``) and for seed data; the app registers through
    ``app.customers.registration`` and proves possession with a code first.
    A number already registered is a Conflict (409), whatever format it was typed in.
    """
    values = clean_registration(
        session,
        msisdn=msisdn,
        first_name=first_name,
        last_name=last_name,
        pin=pin,
        language=language,
    )
    if session.scalar(select(Customer.id).where(Customer.msisdn == values["msisdn"])):
        raise Conflict("This number is already registered.")
    return open_customer(
        session,
        customer_id=new_id(),
        msisdn=values["msisdn"],
        first_name=values["first_name"],
        last_name=values["last_name"],
        language=values["language"],
        pin_hash=hash_pin(values["pin"], settings(session)),
    )


def clean_registration(
    session: Session,
    *,
    msisdn: str,
    first_name: str,
    last_name: str,
    pin: str,
    language: str,
) -> dict[str, str]:
    """The registration's fields cleaned (number in E.164), or every problem at once."""
    config = settings(session)
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    checks = {
        "msisdn": lambda: normalize_msisdn(msisdn, config.ALLOWED_REGIONS),
        "first_name": lambda: clean_person_name(first_name, "first_name"),
        "last_name": lambda: clean_person_name(last_name, "last_name"),
        "pin": lambda: validate_pin(pin),
        "language": lambda: _validate_language(language),
    }
    for field, check in checks.items():
        try:
            values[field] = check()
        except ValidationFailed as exc:
            errors.update(exc.extra["errors"])
    if errors:
        raise ValidationFailed(errors)
    return values


def open_customer(
    session: Session,
    *,
    customer_id: str,
    msisdn: str,
    first_name: str,
    last_name: str,
    language: str,
    pin_hash: str,
) -> Customer:
    """Insert an active basic-tier customer, open their wallet in the same unit of work
    and queue a welcome SMS (sent after commit, in their language).

    An app registration still waiting for its code on this number is dropped: the
    number now has its customer (a concurrent insert of the number is a Conflict).
    """
    config = settings(session)
    now = clock.now()
    session.execute(
        delete(Registration)
        .where(Registration.msisdn == msisdn)
        .execution_options(synchronize_session=False)
    )
    customer = Customer(
        id=customer_id,
        msisdn=msisdn,
        first_name=first_name,
        last_name=last_name,
        language=language,
        kyc_tier="basic",
        status="active",
        failed_pin_attempts=0,
        pin_hash=pin_hash,
        created_at=now,
        updated_at=now,
    )
    _add_unique(session, customer, "This number is already registered.")
    ledger.open_account(
        session,
        chart.wallet(customer.id),
        "liability",
        config.CURRENCY,
        allow_overdraft=False,
        name=f"Wallet {customer.id}",
    )
    send_sms(
        session,
        to=customer.msisdn,
        template="sms.welcome",
        language=customer.language,
        params={"first_name": customer.first_name},
        purpose="welcome",
        dedupe_key=f"welcome:{customer.id}",
    )
    log.info("customer %s registered", customer.id)
    return customer


def _add_unique(session: Session, row: Customer | None, conflict: str) -> None:
    """Flush inside a savepoint so a concurrent duplicate becomes a Conflict, not a 500."""
    try:
        with session.begin_nested():
            if row is not None:
                session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(conflict) from exc


def get_customer(session: Session, customer_id: str) -> Customer:
    customer = session.get(Customer, customer_id) if isinstance(customer_id, str) else None
    if customer is None:
        raise NotFound("No such customer.")
    return customer


def get_customers(session: Session, *customer_ids: str) -> list[Customer]:
    """The customers of ``customer_ids``, in that order; those not loaded yet in one query.

    A payment's follow-ups (receipts) need both parties: one round trip, or none
    when the payment loaded them already."""
    missing = [
        customer_id
        for customer_id in dict.fromkeys(customer_ids)
        if isinstance(customer_id, str)
        and session.identity_map.get(session.identity_key(Customer, customer_id)) is None
    ]
    # held here: the session's identity map keeps only weak references
    loaded = list(session.scalars(_by_ids(), {"ids": missing})) if len(missing) > 1 else []
    by_id = {customer.id: customer for customer in loaded}
    return [
        by_id.get(customer_id) or get_customer(session, customer_id) for customer_id in customer_ids
    ]


def wallet_balance(session: Session, customer: Customer) -> ledger.Balance:
    """The customer's wallet: available, pending (reserved), posted, currency."""
    return ledger.balance(session, chart.wallet(customer.id))


def find_by_msisdn(session: Session, raw_msisdn: str) -> Customer | None:
    """The customer behind a number typed in any accepted format; None if unknown or garbage."""
    e164 = try_normalize_msisdn(raw_msisdn, settings(session).ALLOWED_REGIONS)
    if e164 is None:
        return None
    return session.scalar(_by_msisdn(), {"msisdn": e164})


@cache
def _by_msisdn() -> Select[Customer]:
    # Built once: a payment's recipient is looked up on every transfer (issue 21).
    return select(Customer).where(Customer.msisdn == bindparam("msisdn"))


@cache
def _by_ids() -> Select[Customer]:
    return select(Customer).where(Customer.id.in_(bindparam("ids", expanding=True)))


def verify_pin(session: Session, customer: Customer, pin: str) -> None:
    """Accept the right PIN (the counter starts again) or count a wrong one.

    The attempt is taken before the PIN is hashed (``pin_locks``), so a burst of
    PINs sent at once is compared at most ``PIN_MAX_ATTEMPTS`` times; the last
    wrong one locks the customer for a while (longer each time, in the end until
    an agent or admin unlocks) and ends their sessions. A frozen customer is
    PIN-locked all the same (the counter says so), so freezing never reopens
    PIN guessing.

    A right PIN whose stored hash is outdated (no pepper yet, an older pepper
    version, other argon2 costs: ``pins.pin_hash_outdated``) is hashed again with
    the current pepper in the same statement that gives the attempt back, so the
    upgrade commits with the check or not at all; a wrong PIN never changes it.
    """
    config = settings(session)
    pin_hash = pin_locks.take_attempt(session, customer)
    if check_pin(pin_hash, pin, config):
        renewed = hash_pin(pin, config) if pin_hash_outdated(pin_hash, config) else None
        pin_locks.give_back(session, customer, pin_hash=renewed)
        return
    pin_locks.keep_wrong(session, customer)


def refuse_unknown_number(session: Session, pin: str) -> NoReturn:
    """Answer a PIN typed for a number nobody holds as a first wrong PIN is answered.

    Same error, same text, same ``attempts_left`` and the same work (against a
    dummy hash of the current pepper and parameters), so that signing in does not tell
    whether a number has an account. (The next tries tell: a real account counts
    down and locks; see docs/PIN_LOCKS.md for why that is accepted.)
    """
    config = settings(session)
    check_pin_of_nobody(pin, config)
    raise InvalidPin("Wrong PIN.", attempts_left=max(config.PIN_MAX_ATTEMPTS - 1, 0))


def _set(session: Session, customer: Customer, **values: object) -> None:
    for name, value in values.items():
        setattr(customer, name, value)
    customer.updated_at = clock.now()
    session.flush()


def ensure_can_transact(customer: Customer) -> None:
    """Refuse any money movement by a PIN-locked (until the lock ends) or frozen customer."""
    if customer.status == "locked" and not pin_locks.lapsed(customer, clock.now()):
        raise pin_locks.locked_error(customer)
    if customer.status == "frozen":
        raise AccountFrozen("This account is frozen.")


def change_pin(
    session: Session,
    customer: Customer,
    old_pin: str,
    new_pin: str,
    *,
    keep_token_id: str | None = None,
) -> None:
    """Replace the PIN after checking the old one, and sign out every other session.

    The new PIN is validated first so a badly chosen PIN does not cost an attempt.
    """
    validate_pin(new_pin, field="new_pin")
    verify_pin(session, customer, old_pin)
    if old_pin == new_pin:
        _fail("new_pin", "The new PIN must differ from the old one.")
    _set(session, customer, pin_hash=hash_pin(new_pin, settings(session)))
    revoked = revoke_other_tokens(session, "customer", customer.id, keep_token_id)
    log.info("customer %s changed PIN; %d other session(s) revoked", customer.id, revoked)


def _require_staff(by: Principal, *roles: str) -> None:
    if by.role not in roles:
        raise Forbidden("Only a post-office agent, an operator or an administrator may do this.")


def unlock_customer(
    session: Session, customer_id: str, *, by: Principal, reason: str | None = None
) -> Customer:
    """Lift a PIN lockout (agent, operator or admin), temporary or not, and restart the
    escalation: the next lock is a first one again (``pin_locks``). Unlocking an active
    customer only resets the counter; a frozen customer stays frozen (a different
    decision). The back office gives a ``reason`` (kept in the audit trail); the counter,
    where the customer stands in front of the agent, does not."""
    _require_staff(by, *STAFF_ROLES)
    why = operator_reason(reason) if reason is not None else None
    customer = get_customer(session, customer_id)
    if customer.status == "frozen":
        raise InvalidState("A frozen account cannot be unlocked.")
    before = {
        "status": customer.status,
        "failed_pin_attempts": customer.failed_pin_attempts,
        "lock_level": customer.pin_lock_level,
    }
    _set(
        session,
        customer,
        status="active",
        failed_pin_attempts=0,
        pin_locked_until=None,
        pin_lock_level=0,
        pin_locked_at=None,
    )
    record(
        session,
        actor_role=by.role,
        actor_id=by.id,
        action="customer.unlock",
        target_type="customer",
        target_id=customer.id,
        before=before,
        after={
            "status": "active",
            "failed_pin_attempts": 0,
            "lock_level": 0,
            **({"reason": why} if why else {}),
        },
    )
    log.info("customer %s unlocked by %s", customer.id, by.key)
    return customer


def upgrade_kyc(
    session: Session,
    customer_id: str,
    *,
    tier: str,
    id_type: str,
    id_number: str,
    by: Principal,
    reason: str | None = None,
) -> Customer:
    """Raise a customer's KYC tier after an agent has seen an identity document.

    Only upwards: lowering a tier is a compliance decision, not a counter's. One
    document backs one wallet: a document already on another customer is a Conflict.
    The back office's review gives a ``reason`` (kept in the audit trail).
    """
    _require_staff(by, *STAFF_ROLES)
    errors: dict[str, list[str]] = {}
    why: str | None = None
    if reason is not None:
        try:
            why = operator_reason(reason)
        except ValidationFailed as exc:
            errors.update(exc.extra["errors"])
    if tier not in KYC_TIERS or tier not in settings(session).KYC_TIERS:
        errors["tier"] = [f"One of: {', '.join(KYC_TIERS)}."]
    if id_type not in ID_TYPES:
        errors["id_type"] = [f"One of: {', '.join(ID_TYPES)}."]
    number = re.sub(r"\s+", "", id_number).upper() if isinstance(id_number, str) else ""
    if not _ID_NUMBER.fullmatch(number):
        errors["id_number"] = ["3 to 40 letters, digits, '-' or '/'."]
    if errors:
        raise ValidationFailed(errors)
    customer = get_customer(session, customer_id)
    if KYC_TIERS.index(tier) <= KYC_TIERS.index(customer.kyc_tier):
        raise InvalidState(f"The customer is already at tier {customer.kyc_tier}.")
    taken = session.scalar(
        select(Customer.id).where(
            Customer.id_type == id_type, Customer.id_number == number, Customer.id != customer.id
        )
    )
    if taken:
        raise Conflict("This identity document is already registered to another customer.")
    before = {"kyc_tier": customer.kyc_tier, "id_type": customer.id_type}
    customer.kyc_tier = tier
    customer.id_type = id_type
    customer.id_number = number
    customer.kyc_verified_by = by.id
    customer.kyc_verified_at = clock.now()
    customer.updated_at = clock.now()
    _add_unique(session, None, "This identity document is already registered.")
    record(
        session,
        actor_role=by.role,
        actor_id=by.id,
        action="customer.kyc_upgrade",
        target_type="customer",
        target_id=customer.id,
        before=before,
        after={
            "kyc_tier": tier,
            "id_type": id_type,
            "id_number": number,
            **({"reason": why} if why else {}),
        },
    )
    log.info("customer %s upgraded to %s by %s", customer.id, tier, by.key)
    return customer


def refuse_kyc(session: Session, customer_id: str, *, reason: str, by: Principal) -> Customer:
    """Record that a KYC review did not raise the tier (a document unreadable, expired,
    not the customer's): nothing changes on the account, but the decision and its
    reason stay in the audit trail, where the next reviewer reads them."""
    _require_staff(by, *STAFF_ROLES)
    why = operator_reason(reason)
    customer = get_customer(session, customer_id)
    record(
        session,
        actor_role=by.role,
        actor_id=by.id,
        action="customer.kyc_refusal",
        target_type="customer",
        target_id=customer.id,
        before={"kyc_tier": customer.kyc_tier},
        after={"kyc_tier": customer.kyc_tier, "reason": why},
    )
    log.info("customer %s KYC review refused by %s", customer.id, by.key)
    return customer


def end_sessions(session: Session, customer_id: str, *, reason: str, by: Principal) -> int:
    """Sign a customer out of every app session (a stolen phone, a session nobody
    recognises); their PIN still works for the next sign-in. Audited; how many
    sessions were ended is returned (0 when none was live)."""
    _require_staff(by, "admin", "operator")
    why = operator_reason(reason)
    customer = get_customer(session, customer_id)
    ended = revoke_other_tokens(session, "customer", customer.id, keep_token_id=None)
    record(
        session,
        actor_role=by.role,
        actor_id=by.id,
        action="customer.sessions_end",
        target_type="customer",
        target_id=customer.id,
        after={"ended": ended, "reason": why},
    )
    log.info("customer %s: %d session(s) ended by %s", customer.id, ended, by.key)
    return ended


def set_language(session: Session, customer: Customer, language: str) -> None:
    _set(session, customer, language=_validate_language(language))
