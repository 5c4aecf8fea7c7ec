"""Creating and authenticating staff (agents and admins).

Sign-in needs three things: the username, the argon2-checked password and a
TOTP code from the authenticator enrolled at creation. Any failure is the same
``Unauthorized`` with the same words, so a guesser never learns which factor
was wrong or whether the username exists. Five failures in a row lock the
account (``lockout.py``): it then answers ``account_locked`` until an admin
unlocks it.
"""

from __future__ import annotations

import logging
import re
import secrets

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import ledger
from app.agents import lockout, totp
from app.agents.locks import lock_staff
from app.agents.models import StaffUser, new_id
from app.audit import record, record_by
from app.audit.reasons import operator_reason
from app.auth.hashing import hash_secret, verify_secret
from app.auth.tokens import revoke_other_tokens
from app.clock import clock
from app.db import rows_matched, settings
from app.errors import AccountLocked, Conflict, NotFound, Unauthorized, ValidationFailed
from app.ledger import chart
from app.principal import Principal

log = logging.getLogger(__name__)

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
_POST_OFFICE_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,19}")
_REFUSED = "Invalid username, password or code."
_LOCKED = "This account is locked; an administrator must unlock it."


def _validate(
    username: object,
    password: object,
    post_office: object = None,
    post_office_code: object = None,
    *,
    agent: bool,
) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    name = username.strip().lower() if isinstance(username, str) else ""
    if not _USERNAME.fullmatch(name):
        errors["username"] = ["3 to 64 lowercase letters, digits, '.', '_' or '-'."]
    values["username"] = name
    if not isinstance(password, str) or not (
        PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH
    ):
        errors["password"] = [
            f"Between {PASSWORD_MIN_LENGTH} and {PASSWORD_MAX_LENGTH} characters."
        ]
    if agent:
        values.update(_office(post_office, post_office_code, errors))
    if errors:
        raise ValidationFailed(errors)
    return values


def _office(
    post_office: object, post_office_code: object, errors: dict[str, list[str]]
) -> dict[str, str]:
    """The post office's name and code, cleaned; what does not fit goes into ``errors``."""
    office = " ".join(post_office.split()) if isinstance(post_office, str) else ""
    if not 2 <= len(office) <= 120:
        errors["post_office"] = ["The post office name, 2 to 120 characters."]
    code = post_office_code.strip().upper() if isinstance(post_office_code, str) else ""
    if not _POST_OFFICE_CODE.fullmatch(code):
        errors["post_office_code"] = ["2 to 20 letters, digits or '-' (e.g. BZV-PP)."]
    return {"post_office": office, "post_office_code": code}


def _create(
    session: Session,
    *,
    role: str,
    password: str,
    values: dict[str, str],
    totp_secret: str | None,
    by: Principal | None,
) -> tuple[StaffUser, str]:
    config = settings(session)
    if session.scalar(select(StaffUser.id).where(StaffUser.username == values["username"])):
        raise Conflict("This username is taken.")
    secret = totp_secret or totp.new_secret()
    staff = StaffUser(
        id=new_id(),
        username=values["username"],
        role=role,
        password_hash=hash_secret(password, fast=config.TESTING),
        totp_secret_encrypted=totp.encrypt_secret(config.SECRET_KEY, secret),
        last_totp_step=None,
        post_office=values.get("post_office"),
        post_office_code=values.get("post_office_code"),
        status="active",
        created_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(staff)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("This username is taken.") from exc
    record_by(
        session,
        by,
        action=f"{role}.create",
        target_type="staff",
        target_id=staff.id,
        after={
            "username": staff.username,
            "role": role,
            "post_office": staff.post_office,
            "post_office_code": staff.post_office_code,
        },
    )
    return staff, totp.provisioning_uri(secret, staff.username)


def create_agent(
    session: Session,
    *,
    username: str,
    password: str,
    post_office: str,
    post_office_code: str,
    totp_secret: str | None = None,
    by: Principal | None = None,
) -> tuple[StaffUser, str]:
    """A post-office agent with their float account (empty, never overdrawn).

    Returns the agent and the ``otpauth://`` URI, which is shown once and never
    stored in clear. ``totp_secret`` is for the documented demo agent and tests;
    ``by`` is the admin who did it (None from the command line), for the audit trail.
    """
    values = _validate(username, password, post_office, post_office_code, agent=True)
    staff, uri = _create(
        session, role="agent", password=password, values=values, totp_secret=totp_secret, by=by
    )
    ledger.open_account(
        session,
        chart.float_account(staff.id),
        "liability",
        settings(session).CURRENCY,
        allow_overdraft=False,
        name=f"Float {staff.post_office_code} {staff.username}",
    )
    log.info("agent %s created at %s", staff.id, staff.post_office_code)
    return staff, uri


def create_supervisor(
    session: Session,
    *,
    username: str,
    password: str,
    post_office: str,
    post_office_code: str,
    totp_secret: str | None = None,
    by: Principal | None = None,
) -> tuple[StaffUser, str]:
    """A supervisor of one post office: reads its agents' tills and receipts.

    Like an agent they need a post office (it scopes what they see), but they
    get no float account: they never handle cash, so the cash services, which
    load the performer with ``get_agent``, refuse them.
    """
    values = _validate(username, password, post_office, post_office_code, agent=True)
    staff, uri = _create(
        session, role="supervisor", password=password, values=values, totp_secret=totp_secret, by=by
    )
    log.info("supervisor %s created at %s", staff.id, staff.post_office_code)
    return staff, uri


def create_admin(
    session: Session,
    *,
    username: str,
    password: str,
    totp_secret: str | None = None,
    by: Principal | None = None,
) -> tuple[StaffUser, str]:
    """An administrator; returns it and the ``otpauth://`` URI, shown once."""
    values = _validate(username, password, agent=False)
    staff, uri = _create(
        session, role="admin", password=password, values=values, totp_secret=totp_secret, by=by
    )
    log.info("admin %s created", staff.id)
    return staff, uri


def create_head_office(
    session: Session,
    *,
    role: str,
    username: str,
    password: str,
    totp_secret: str | None = None,
    by: Principal | None = None,
) -> tuple[StaffUser, str]:
    """A head-office member of the back office: an ``operator`` (acts, approves what
    another proposed) or an ``auditor`` (reads everything, changes nothing). Neither
    belongs to a post office. Returns it and the ``otpauth://`` URI, shown once."""
    if role not in ("operator", "auditor"):
        raise ValidationFailed({"role": ["Must be operator or auditor."]})
    values = _validate(username, password, agent=False)
    staff, uri = _create(
        session, role=role, password=password, values=values, totp_secret=totp_secret, by=by
    )
    log.info("%s %s created", role, staff.id)
    return staff, uri


def get_staff(session: Session, staff_id: str, role: str | None = None) -> StaffUser:
    staff = session.get(StaffUser, staff_id) if isinstance(staff_id, str) else None
    if staff is None or (role is not None and staff.role != role):
        raise NotFound("No such staff member.")
    return staff


def get_agent(session: Session, agent_id: str) -> StaffUser:
    return get_staff(session, agent_id, role="agent")


def list_staff(
    session: Session,
    *,
    role: str | None = None,
    status: str | None = None,
    after: str | None = None,
    limit: int = 100,
    post_office_code: str | None = None,
) -> list[StaffUser]:
    """Staff by username; ``after`` is the last username of the previous page;
    ``post_office_code`` keeps one office's."""
    query = select(StaffUser).order_by(StaffUser.username).limit(limit)
    if role is not None:
        query = query.where(StaffUser.role == role)
    if post_office_code is not None:
        query = query.where(StaffUser.post_office_code == post_office_code)
    if status is not None:
        query = query.where(StaffUser.status == status)
    if after:
        query = query.where(StaffUser.username > after)
    return list(session.scalars(query).all())


def find_staff(session: Session, username: str) -> StaffUser | None:
    if not isinstance(username, str):
        return None
    return session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))


def authenticate_staff(
    session: Session, username: str, password: str, totp_code: str, *, ip: str | None = None
) -> StaffUser:
    """The active staff member with this password and a fresh TOTP code, or a refusal.

    An unknown username, a wrong password or code, and a disabled account all get
    the same ``Unauthorized``; a locked account gets ``AccountLocked``, and so does
    an unknown username after as many failures (the lock is no oracle). The attempt
    is counted before the password is checked (``lockout.take_attempt``); five
    failures in a row lock the account. Every refusal is audited and kept
    (``commit=True``). ``ip`` is the caller's address, for the audit trail.

    The accepted time step is recorded with a guarded UPDATE (only if it is
    later than the stored one, and only while the account is active and
    unlocked), so the same code cannot sign in twice, even by two requests
    racing each other, and a sign-in racing an admin's disable cannot hand out
    a token after it. The same UPDATE resets the failure count.
    """
    staff = find_staff(session, username)
    if staff is None:
        if not lockout.take_unknown_attempt(session, username):
            lockout.failed(session, None, "locked", attempt=None, ip=ip)
            raise AccountLocked(_LOCKED, commit=True)
        verify_secret(None, password)  # as long as checking a real password
        lockout.failed(session, None, "unknown_username", attempt=None, ip=ip)
        raise Unauthorized(_REFUSED, commit=True)
    attempt = lockout.take_attempt(session, staff)
    if attempt is None:
        lockout.failed(session, staff, "locked", attempt=None, ip=ip)
        raise AccountLocked(_LOCKED, commit=True)
    reason = _refusal(session, staff, password, totp_code)
    if reason is not None:
        lockout.failed(session, staff, reason, attempt=attempt, ip=ip)
        raise Unauthorized(_REFUSED, commit=True)
    session.refresh(staff)
    record(
        session,
        actor_role=staff.role,
        actor_id=staff.id,
        action="staff.login",
        target_type="staff",
        target_id=staff.id,
        ip=ip,
    )
    log.info("staff %s signed in", staff.id)
    return staff


def _refusal(session: Session, staff: StaffUser, password: str, totp_code: str) -> str | None:
    """Why the sign-in is refused, or None once its TOTP step is claimed and the count reset."""
    if not verify_secret(staff.password_hash, password):
        return "password"
    if staff.status != "active":
        return "disabled"
    secret = totp.decrypt_secret(settings(session).SECRET_KEY, staff.totp_secret_encrypted)
    step = totp.matching_step(secret, totp_code, clock.now())
    if step is None:
        return "totp"
    claimed = session.execute(
        update(StaffUser)
        .where(
            StaffUser.id == staff.id,
            StaffUser.status == "active",  # not disabled while we checked the password
            StaffUser.locked_at.is_(None),
            or_(StaffUser.last_totp_step.is_(None), StaffUser.last_totp_step < step),
        )
        .values(last_totp_step=step, failed_logins=0)
        .execution_options(synchronize_session=False)
    )
    if not rows_matched(claimed):
        log.warning("staff %s: replayed TOTP code (or account just disabled) refused", staff.id)
        return "totp_replayed"
    return None


def new_password() -> str:
    """A fresh password of 16 characters from an alphabet without look-alikes (0/O, 1/l),
    easy to read out to an agent over the phone, ~93 bits."""
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def reset_password(
    session: Session, staff_id: str, *, reason: object, by: Principal | None
) -> tuple[StaffUser, str]:
    """Give a staff member a new generated password (returned once, never stored in
    clear) and end every live session of theirs: whoever knew the old one is out.

    The operator never types a password: a generated one cannot be weak or reused
    from another account, and is read out to its owner once. The TOTP enrolment is
    kept (a lost phone is a new account). Audited with the reason, never the password.
    """
    why = operator_reason(reason)
    staff = lock_staff(session, staff_id) if isinstance(staff_id, str) else None
    if staff is None or staff.role == "admin":
        raise NotFound("No such staff member.")
    if by is not None and by.id == staff.id:
        raise Conflict("You cannot reset your own password here.")
    password = new_password()
    staff.password_hash = hash_secret(password, fast=settings(session).TESTING)
    revoked = revoke_other_tokens(session, staff.role, staff.id, keep_token_id=None)
    record_by(
        session,
        by,
        action="staff.password_reset",
        target_type="staff",
        target_id=staff.id,
        after={"reason": why, "sessions_ended": revoked},
    )
    log.info("staff %s: password reset, %d session(s) ended", staff.id, revoked)
    return staff, password


def move_staff(
    session: Session,
    staff_id: str,
    *,
    post_office: object,
    post_office_code: object,
    reason: object,
    by: Principal | None,
) -> StaffUser:
    """Attach an agent or supervisor to another post office; audited with the reason.

    The agent's float account is theirs, not the office's, so it moves with them:
    the old office's float level drops by it and the new one's rises.
    """
    why = operator_reason(reason)
    errors: dict[str, list[str]] = {}
    values = _office(post_office, post_office_code, errors)
    if errors:
        raise ValidationFailed(errors)
    staff = lock_staff(session, staff_id) if isinstance(staff_id, str) else None
    if staff is None or staff.role not in ("agent", "supervisor"):
        raise NotFound("No agent or supervisor has this id.")
    if staff.post_office_code == values["post_office_code"]:
        return staff
    before = {"post_office": staff.post_office, "post_office_code": staff.post_office_code}
    staff.post_office = values["post_office"]
    staff.post_office_code = values["post_office_code"]
    session.flush()
    record_by(
        session,
        by,
        action="staff.move",
        target_type="staff",
        target_id=staff.id,
        before=before,
        after={
            "post_office": staff.post_office,
            "post_office_code": staff.post_office_code,
            "reason": why,
        },
    )
    log.info("staff %s moved to %s", staff.id, staff.post_office_code)
    return staff
