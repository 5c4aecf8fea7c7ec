"""Identity services below the HTTP layer: PIN counting, tokens, staff secrets, demo data."""

import threading

import pyotp
import pytest
from sqlalchemy import func, select

from app import ledger
from app.agents import totp
from app.agents.login import login_staff
from app.agents.staff import find_staff
from app.audit import list_events
from app.auth.tokens import AuthToken, authenticate_token, issue_token, purge_expired_tokens
from app.customers import service
from app.customers.login import login_customer
from app.customers.models import Customer
from app.db import settings, transaction
from app.demo import ADMIN, AGENT, CUSTOMERS, SUPERVISOR, seed_demo_identities
from app.errors import (
    AccountFrozen,
    AccountLocked,
    InvalidPin,
    InvalidState,
    Unauthorized,
    ValidationFailed,
)
from app.ledger import chart
from app.principal import Principal
from tests import factories
from tests.concurrency import RACERS, together


def test_ensure_can_transact_refuses_locked_and_frozen_customers(session):
    awa = factories.customer(session)
    service.ensure_can_transact(awa)
    awa.status = "locked"
    with pytest.raises(AccountLocked):
        service.ensure_can_transact(awa)
    awa.status = "frozen"
    with pytest.raises(AccountFrozen):
        service.ensure_can_transact(awa)


def test_a_frozen_customer_stays_frozen_when_unlocked(session):
    awa = factories.customer(session)
    awa.status = "frozen"
    agent = Principal("agent", "a-1")
    with pytest.raises(InvalidState):
        service.unlock_customer(session, awa.id, by=agent)


def test_the_lock_is_written_to_the_audit_trail(runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session)
    for _ in range(3):
        with pytest.raises((InvalidPin, AccountLocked)), transaction(runtime) as session:
            service.verify_pin(session, service.get_customer(session, awa.id), "1470")
    with transaction(runtime) as session:
        events = list_events(session, action="customer.lock").items
        assert [e.target_id for e in events] == [awa.id]


def test_the_language_can_be_switched_to_lingala(session):
    awa = factories.customer(session)
    service.set_language(session, awa, "ln")
    assert awa.language == "ln"
    with pytest.raises(ValidationFailed):
        service.set_language(session, awa, "en")


def test_find_by_msisdn_is_none_for_unknown_or_garbage(session):
    factories.customer(session, msisdn="+242061234567")
    assert service.find_by_msisdn(session, "06 123 4567").msisdn == "+242061234567"
    assert service.find_by_msisdn(session, "+242069999999") is None
    assert service.find_by_msisdn(session, "n'importe quoi") is None


def test_tokens_are_stored_only_as_hashes(session):
    awa = factories.customer(session)
    token, ttl = issue_token(session, "customer", awa.id)
    stored = session.scalars(select(AuthToken)).one()
    assert token not in (stored.token_hash, stored.id)
    assert ttl == 900
    assert authenticate_token(session, token) == Principal("customer", awa.id, stored.id)


def test_expired_tokens_are_purged_after_a_week(session, clock):
    awa = factories.customer(session)
    issue_token(session, "customer", awa.id)
    clock.advance(days=7, minutes=14)
    assert purge_expired_tokens(session) == 0
    clock.advance(minutes=2)
    assert purge_expired_tokens(session) == 1


def test_api_roles_never_get_tokens(session):
    with pytest.raises(ValueError):
        issue_token(session, "partner", "p-1")


def test_the_staff_totp_secret_is_encrypted_at_rest(session):
    agent = factories.agent(session)
    assert factories.STAFF_TOTP_SECRET not in agent.totp_secret_encrypted
    key = settings(session).SECRET_KEY
    assert totp.decrypt_secret(key, agent.totp_secret_encrypted) == factories.STAFF_TOTP_SECRET
    with pytest.raises(ValueError):
        totp.decrypt_secret("another-secret-key", agent.totp_secret_encrypted)


def test_a_staff_sign_in_is_audited(session):
    agent = factories.agent(session)
    login_staff(
        session, username=agent.username, password=factories.PASSWORD, totp=factories.totp_code()
    )
    events = list_events(session, action="staff.login").items
    assert [(e.actor_role, e.actor_id) for e in events] == [("agent", agent.id)]


def test_the_demo_identities_sign_in_with_the_documented_credentials(session, clock):
    seed_demo_identities(session)
    for person in CUSTOMERS:
        assert login_customer(session, msisdn=person.msisdn, pin=person.pin).role == "customer"
    for staff, role in ((ADMIN, "admin"), (AGENT, "agent"), (SUPERVISOR, "supervisor")):
        code = pyotp.TOTP(staff["totp_secret"]).at(clock.now())
        issued = login_staff(
            session, username=staff["username"], password=staff["password"], totp=code
        )
        assert issued.role == role


def test_the_demo_data_has_the_documented_balances_and_seeds_once(session):
    seed_demo_identities(session)
    seed_demo_identities(session)
    awa = service.find_by_msisdn(session, "+242061234567")
    assert service.wallet_balance(session, awa).posted == 150_000
    agent = find_staff(session, AGENT["username"])
    assert ledger.balance(session, chart.float_account(agent.id)).posted == 1_000_000
    assert session.scalar(select(func.count()).select_from(Customer)) == 3


@pytest.mark.postgres_only
def test_concurrent_wrong_pins_are_each_counted(runtime):
    """Wrong PINs racing on PostgreSQL all count (the counter is one atomic UPDATE): two
    are told how many tries are left, the third locks, every other one finds it locked."""
    with transaction(runtime) as session:
        awa = factories.customer(session)
    read_the_customer = threading.Barrier(RACERS, timeout=30)

    def wrong_pin(_i):
        try:
            with transaction(runtime) as session:
                customer = service.get_customer(session, awa.id)
                read_the_customer.wait()  # every racer read the counter before any wrote it
                service.verify_pin(session, customer, "1470")
        except InvalidPin as exc:
            return exc.extra["attempts_left"]
        except AccountLocked:
            return "locked"
        return "right"

    outcomes = together(RACERS, wrong_pin)
    assert sorted(map(str, outcomes)) == ["1", "2"] + ["locked"] * (RACERS - 2), outcomes
    with transaction(runtime) as session:
        customer = service.get_customer(session, awa.id)
        assert (customer.status, customer.failed_pin_attempts) == ("locked", 3)


def test_an_unknown_number_cannot_sign_in_and_is_told_as_a_first_wrong_pin(session):
    with pytest.raises(InvalidPin) as refused:
        login_customer(session, msisdn="+242069999999", pin="2580")
    assert refused.value.extra == {"attempts_left": 2}


def test_an_agent_token_works_until_the_last_second_of_its_eight_hours(session, clock):
    agent = factories.agent(session)
    token, ttl = issue_token(session, "agent", agent.id)
    assert ttl == 8 * 3600
    clock.advance(seconds=ttl - 1)
    assert authenticate_token(session, token).role == "agent"
    clock.advance(seconds=1)
    with pytest.raises(Unauthorized):
        authenticate_token(session, token)


def test_the_token_purge_job_forgets_long_expired_tokens(app, runtime, clock):
    from workers.auth import purge_tokens

    with transaction(runtime) as session:
        person = factories.customer(session)
        issue_token(session, "customer", person.id)
    clock.advance(days=8)
    assert purge_tokens() == 1
    with transaction(runtime) as session:
        assert session.scalar(select(func.count()).select_from(AuthToken)) == 0


def test_a_supervisor_signs_in_with_password_and_totp_like_an_agent(session):
    supervisor = factories.supervisor(session)

    issued = login_staff(
        session,
        username=supervisor.username,
        password=factories.PASSWORD,
        totp=factories.totp_code(),
    )

    assert authenticate_token(session, issued.access_token).role == "supervisor"
