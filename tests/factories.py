"""Factories: build the rows a test needs, through the same services the app uses."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from typing import Any

import pyotp
from sqlalchemy.orm import Session

from app import ledger
from app.agents.models import StaffUser
from app.agents.staff import create_admin, create_agent
from app.auth.api_keys import create_api_client
from app.auth.onboarding import create_partner, create_payer, create_sender
from app.auth.tokens import issue_token
from app.clock import clock
from app.customers.models import Customer
from app.customers.service import register_customer
from app.db import transaction
from app.ledger import chart
from app.ledger.chart import TRUST_BANK

_seq = itertools.count(1)


def key(prefix: str = "test") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def wallet(session: Session, balance: int = 0, name: str | None = None) -> str:
    """Open a customer-like wallet (liability, no overdraft) funded from the trust bank."""
    code = f"wallet:{name or uuid.uuid4().hex[:12]}"
    ledger.open_account(session, code, "liability")
    if balance:
        fund(session, code, balance)
    return code


def fund(session: Session, code: str, amount: int) -> None:
    ledger.post_entry(
        session,
        key=key("fund"),
        kind="float_topup",
        legs=[ledger.debit(TRUST_BANK, amount), ledger.credit(code, amount)],
    )


# --- Identity: customers, staff, API clients, and signing in over HTTP ---------------
#
# Rows an HTTP call must see are built in a committed unit of work, for example
#     with transaction(runtime) as s:
#         awa = factories.customer(s, balance=10_000)
#     client.get("/api/v1/me", headers=factories.headers_for(app, awa))

PIN = "2580"
PASSWORD = "correct-horse-battery"
# Every factory-made staff member shares this TOTP secret, so a test can compute codes.
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def new_msisdn() -> str:
    """A fresh, valid Congo mobile number in E.164 (+24206xxxxxxx)."""
    return f"+24206{next(_seq) % 10_000_000:07d}"


def customer(
    session: Session,
    *,
    balance: int = 0,
    tier: str = "basic",
    msisdn: str | None = None,
    pin: str = PIN,
    language: str = "fr",
    first_name: str = "Awa",
    last_name: str = "Mabiala",
) -> Customer:
    """A registered customer (wallet open), at ``tier``, funded with ``balance`` from the
    trust bank. The tier is set directly: limits do not apply to the funding."""
    number = msisdn or new_msisdn()
    person = register_customer(
        session,
        msisdn=number,
        first_name=first_name,
        last_name=last_name,
        pin=pin,
        language=language,
    )
    if tier != "basic":
        person.kyc_tier = tier
        session.flush()
    if balance:
        fund(session, chart.wallet(person.id), balance)
    return person


def agent(
    session: Session,
    *,
    float_balance: int = 0,
    username: str | None = None,
    password: str = PASSWORD,
    post_office: str = "Bureau de poste de Poto-Poto",
    post_office_code: str = "BZV-PP",
) -> StaffUser:
    """A post-office agent with ``float_balance`` in their float (from the trust bank)."""
    staff, _uri = create_agent(
        session,
        username=username or f"agent{next(_seq)}",
        password=password,
        post_office=post_office,
        post_office_code=post_office_code,
        totp_secret=STAFF_TOTP_SECRET,
    )
    if float_balance:
        fund(session, chart.float_account(staff.id), float_balance)
    return staff


def supervisor(
    session: Session,
    *,
    username: str | None = None,
    password: str = PASSWORD,
    post_office: str = "Bureau de poste de Poto-Poto",
    post_office_code: str = "BZV-PP",
) -> StaffUser:
    """A post-office supervisor (TOTP secret ``STAFF_TOTP_SECRET``)."""
    from app.agents.staff import create_supervisor

    staff, _uri = create_supervisor(
        session,
        username=username or f"superviseur{next(_seq)}",
        password=password,
        post_office=post_office,
        post_office_code=post_office_code,
        totp_secret=STAFF_TOTP_SECRET,
    )
    return staff


def admin(session: Session, *, username: str | None = None, password: str = PASSWORD) -> StaffUser:
    """An administrator (TOTP secret ``STAFF_TOTP_SECRET``)."""
    staff, _uri = create_admin(
        session,
        username=username or f"admin{next(_seq)}",
        password=password,
        totp_secret=STAFF_TOTP_SECRET,
    )
    return staff


def head_office(
    session: Session, *, role: str = "operator", username: str | None = None
) -> StaffUser:
    """A back-office operator or auditor (TOTP secret ``STAFF_TOTP_SECRET``)."""
    from app.agents.staff import create_head_office

    staff, _uri = create_head_office(
        session,
        role=role,
        username=username or f"{role}{next(_seq)}",
        password=PASSWORD,
        totp_secret=STAFF_TOTP_SECRET,
    )
    return staff


def office(
    session: Session,
    *,
    code: str | None = None,
    name: str | None = None,
    kind: str = "post_office",
    department_code: str = "BZV",
    town: str = "Brazzaville",
    services: list[str] | None = None,
    print_centre_code: str | None = None,
    float_threshold: int = 0,
    latitude: float | None = -4.2634,
    longitude: float | None = 15.2429,
) -> Any:
    """A post office (or print centre) of the network, its département created if new."""
    from app.network.models import Department, Office

    if session.get(Department, department_code) is None:
        session.add(Department(code=department_code, name=department_code, capital=town))
    number = next(_seq)
    row = Office(
        code=code or f"T-{number}",
        kind=kind,
        name=name or f"Bureau de poste test {number}",
        department_code=department_code,
        town=town,
        address="Avenue de la Paix",
        latitude=latitude,
        longitude=longitude,
        opening_hours={day: [["08:00", "15:30"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        services=services if services is not None else ["cash", "remittances", "savings", "mail"],
        status="open",
        print_centre_code=print_centre_code,
        float_threshold=float_threshold,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return row


def api_client(session: Session, role: str = "partner", name: str | None = None) -> tuple[Any, str]:
    """An API client and its clear key. Partners and payers get their ledger account."""
    label = name or f"{role.title()} {next(_seq)}"
    if role == "partner":
        return create_partner(session, name=label, country="FR")
    if role == "payer":
        return create_payer(session, name=label)
    if role == "sender":
        return create_sender(session, name=label)
    return create_api_client(session, role=role, name=label)


def totp_code(at: datetime | None = None) -> str:
    """The staff TOTP code at ``at`` (default: the frozen clock's now)."""
    return pyotp.TOTP(STAFF_TOTP_SECRET).at(at or clock.now())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def headers_for(app: Any, who: Customer | StaffUser) -> dict[str, str]:
    """Authorization headers for ``who`` without going through a login endpoint
    (no PIN counter, no TOTP replay window, no rate limit): for tests about
    something else than signing in."""
    role = "customer" if isinstance(who, Customer) else who.role
    with transaction(app.extensions["postcash"]) as session:
        token, _ttl = issue_token(session, role, who.id)
    return bearer(token)


def login(client: Any, msisdn: str, pin: str = PIN) -> dict[str, str]:
    """Sign a customer in over HTTP; the headers to send with later calls."""
    response = client.post("/api/v1/auth/login", json={"msisdn": msisdn, "pin": pin})
    assert response.status_code == 200, response.get_json()
    return bearer(response.get_json()["access_token"])


def registration(
    client: Any,
    *,
    msisdn: str | None = None,
    first_name: str = "Awa",
    last_name: str = "Mabiala",
    pin: str = PIN,
    language: str = "fr",
) -> dict[str, Any]:
    """Register over HTTP (POST /customers): a registration waiting for the code texted
    to its number, not a customer yet. Its JSON (``id``, ``msisdn``, ``otp``…)."""
    response = client.post(
        "/api/v1/customers",
        json={
            "msisdn": msisdn or new_msisdn(),
            "first_name": first_name,
            "last_name": last_name,
            "pin": pin,
            "language": language,
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def verify(client: Any, app: Any, pending: dict[str, Any], code: str | None = None) -> Any:
    """POST /customers/{id}/verify with ``code`` (default: the code texted to the number)."""
    otp = sms_code(app, pending["msisdn"], digits=6) if code is None else code
    return client.post(f"/api/v1/customers/{pending['id']}/verify", json={"otp": otp})


def staff_login(
    client: Any, username: str, password: str = PASSWORD, code: str | None = None
) -> dict[str, str]:
    """Sign an agent or admin in over HTTP with the current TOTP code.

    A code signs in once: advance the clock 30 s before signing the same person in again.
    """
    totp = totp_code() if code is None else code
    response = client.post(
        "/api/v1/auth/agent/login",
        json={"username": username, "password": password, "totp": totp},
    )
    assert response.status_code == 200, response.get_json()
    return bearer(response.get_json()["access_token"])


# --- Remittances: codes travel only by SMS, so tests read them off the recording gateway.


def sms_code(app: Any, msisdn: str, digits: int = 10) -> str:
    """The last ``digits``-digit code texted to ``msisdn`` (6: an OTP, 10: a remittance code)."""
    import re

    from app.notify.gateways import recording_outbox

    pattern = re.compile(rf"(?<![0-9A-Z])[0-9]{{{digits}}}(?![0-9])")
    for to, text in reversed(recording_outbox(app.extensions["postcash"])):
        found = pattern.findall(text) if to == msisdn else []
        if found:
            return found[-1]
    raise AssertionError(f"no {digits}-digit code was texted to {msisdn}")


# --- Cyber-finance: billers, merchants and payers --------------------------------------


def biller(session: Session, **overrides: Any) -> Any:
    """A biller (``CreatedBiller``: biller, api_key, webhook_secret); electricity by default."""
    from app.payments.billers import create_biller

    values: dict[str, Any] = {
        "code": f"BILL{next(_seq)}",
        "name": "Energie Electrique du Congo",
        "category": "utility",
        "reference_pattern": r"\d{11}",
        "reference_hint": "Numéro de contrat (11 chiffres)",
        "reference_example": "01234567890",
    }
    values.update(overrides)
    return create_biller(session, **values)


def merchant(session: Session, **overrides: Any) -> Any:
    """A merchant (``CreatedMerchant``: client, merchant, api_key, webhook_secret)."""
    from app.payments.merchants import create_merchant

    values: dict[str, Any] = {"name": f"Boutique Ndeko {next(_seq)}", "fee_rate": 150}
    values.update(overrides)
    return create_merchant(session, **values)


def payer(session: Session, *, balance: int = 0, name: str | None = None) -> tuple[Any, str]:
    """A bulk payer and its API key, its account prefunded with ``balance``."""
    client, api_key = create_payer(session, name=name or f"Caisse de retraite {next(_seq)}")
    if balance:
        fund(session, chart.payer(client.id), balance)
    return client, api_key


# --- Hybrid mail -------------------------------------------------------------------------


def sender(session: Session, *, balance: int = 0, name: str | None = None) -> tuple[Any, str]:
    """A mail sender (API key role ``sender``) and its key, its account prefunded with
    ``balance``."""
    client, api_key = create_sender(session, name=name or f"Direction des Impôts {next(_seq)}")
    if balance:
        fund(session, chart.sender(client.id), balance)
    return client, api_key
