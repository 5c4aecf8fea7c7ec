"""Demo identities for development (``make run``): an admin, the Poto-Poto agent
with float and their supervisor, the back office's two operators and its
auditor, and three customers with balances (Awa also with a livret d'épargne).
Credentials are in docs/DEMO.md.

Find-or-create throughout, and ledger entries with fixed idempotency keys, so
seeding twice changes nothing. ``app.seed`` refuses to run this in production;
the TOTP secrets below are public on purpose and must never protect real money.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from sqlalchemy.orm import Session

from app import ledger
from app.agents.staff import (
    create_admin,
    create_agent,
    create_head_office,
    create_supervisor,
    find_staff,
)
from app.auth.api_keys import find_client, give_demo_key
from app.auth.onboarding import create_partner, create_payer
from app.customers.models import Customer
from app.customers.service import find_by_msisdn, register_customer
from app.ledger import chart


class DemoAdmin(TypedDict):
    username: str
    password: str
    totp_secret: str


class DemoAgent(DemoAdmin):
    post_office: str
    post_office_code: str


ADMIN: DemoAdmin = {
    "username": "admin",
    "password": "admin-demo-2026",
    "totp_secret": "POSTCASHDEMOADMINBRAZZAVILLEAAAA",
}
AGENT: DemoAgent = {
    "username": "agent.potopoto",
    "password": "agent-demo-2026",
    "post_office": "Bureau de poste de Poto-Poto",
    "post_office_code": "BZV-PP",
    "totp_secret": "POSTCASHDEMOPOTOPOTOAGENTBZVPPAA",
}
SUPERVISOR: DemoAgent = {
    "username": "chef.potopoto",
    "password": "chef-demo-2026",
    "post_office": "Bureau de poste de Poto-Poto",
    "post_office_code": "BZV-PP",
    "totp_secret": "POSTCASHDEMOPOTOPOTOSUPERVISORAA",
}
AGENT_FLOAT = 1_000_000


class DemoHeadOffice(DemoAdmin):
    role: str


# The back office (/backoffice): two operators, so that one approves what the other
# proposed (maker-checker), and an auditor who reads everything and changes nothing.
HEAD_OFFICE: list[DemoHeadOffice] = [
    {
        "role": "operator",
        "username": "ops.siege",
        "password": "ops-demo-2026",
        "totp_secret": "POSTCASHDEMOOPSSIEGEOPERATORAAAA",
    },
    {
        "role": "operator",
        "username": "ops.controle",
        "password": "ops-demo-2026",
        "totp_secret": "POSTCASHDEMOOPSCONTROLEOPERATORA",
    },
    {
        "role": "auditor",
        "username": "audit.siege",
        "password": "audit-demo-2026",
        "totp_secret": "POSTCASHDEMOAUDITSIEGEAUDITORAAA",
    },
]


@dataclass(frozen=True)
class DemoCustomer:
    msisdn: str
    first_name: str
    last_name: str
    pin: str
    language: str
    balance: int


CUSTOMERS = [
    DemoCustomer("+242061234567", "Awa", "Mabiala", "2580", "fr", 150_000),
    DemoCustomer("+242051234567", "Bruno", "Ngoma", "1470", "ln", 50_000),
    DemoCustomer("+242041234567", "Chantal", "Okemba", "3690", "fr", 0),
]


def seed_demo_identities(session: Session) -> None:
    if find_staff(session, ADMIN["username"]) is None:
        create_admin(session, **ADMIN)
    agent = find_staff(session, AGENT["username"])
    if agent is None:
        agent, _uri = create_agent(session, **AGENT)
    _fund(session, f"demo:float:{agent.username}", chart.float_account(agent.id), AGENT_FLOAT)
    if find_staff(session, SUPERVISOR["username"]) is None:
        create_supervisor(session, **SUPERVISOR)
    for member in HEAD_OFFICE:
        if find_staff(session, member["username"]) is None:
            create_head_office(session, **member)
    for person in CUSTOMERS:
        customer = find_by_msisdn(session, person.msisdn) or register_customer(
            session,
            msisdn=person.msisdn,
            first_name=person.first_name,
            last_name=person.last_name,
            pin=person.pin,
            language=person.language,
        )
        if person.balance:
            _fund(
                session, f"demo:fund:{customer.msisdn}", chart.wallet(customer.id), person.balance
            )
        if person.msisdn in SAVERS:
            _seed_livret(session, customer, SAVERS[person.msisdn])


# Demo customers with a livret d'épargne already holding some savings.
SAVERS = {"+242061234567": 75_000}


def _seed_livret(session: Session, customer: Customer, amount: int) -> None:
    """Awa's livret with ``amount`` in it (deposited today, earning from the next
    fortnight), opened once: a second seeding finds it."""
    from app.savings import accounts, movements

    if accounts.accounts_of(session, customer.id):
        return
    account = accounts.open_savings_account(session, customer, "livret")
    _fund(session, f"demo:savings:{customer.msisdn}", chart.savings(account.id), amount)
    movements.record_movement(session, account.id, "deposit", amount, None)


def _fund(session: Session, key: str, account: str, amount: int) -> None:
    """Money in from the trust bank, once per key."""
    ledger.post_entry(
        session,
        key=key,
        kind="opening_balance",
        legs=[ledger.debit(chart.TRUST_BANK, amount), ledger.credit(account, amount)],
        reference="DEMO",
    )


# API keys of the demo organisations: fixed, public (docs/DEMO.md), development only.
PARTNER = {"name": "Diaspora Transfert (démo)", "country": "FR"}
PARTNER_KEY = "demo-partner-key-diaspora-transfert-not-secret"
PARTNER_PREFUNDING = 5_000_000
PAYER = {"name": "Ministère de la Fonction publique (démo)"}
PAYER_KEY = "demo-payer-key-fonction-publique-not-secret"
PAYER_PREFUNDING = 10_000_000


def seed_demo_organisations(session: Session) -> None:
    """A remittance partner and a bulk payer, prefunded, with the keys of docs/DEMO.md."""
    partner = find_client(session, "partner", PARTNER["name"])
    if partner is None:
        partner, _key = create_partner(session, name=PARTNER["name"], country=PARTNER["country"])
    give_demo_key(session, partner, PARTNER_KEY)
    _fund(session, "demo:prefund:partner", chart.partner(partner.id), PARTNER_PREFUNDING)
    payer = find_client(session, "payer", PAYER["name"])
    if payer is None:
        payer, _key = create_payer(session, name=PAYER["name"])
    give_demo_key(session, payer, PAYER_KEY)
    _fund(session, "demo:prefund:payer", chart.payer(payer.id), PAYER_PREFUNDING)
