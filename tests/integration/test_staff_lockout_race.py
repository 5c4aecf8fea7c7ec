"""Fifty wrong staff sign-ins at once on PostgreSQL: at most five are evaluated, the
account ends locked, and the right password and code are refused after that; the right
password inside the burst never lets more than five failures in a row through."""

from collections import Counter

import pytest
from sqlalchemy import select

from app.agents.models import StaffUser
from app.agents.staff import authenticate_staff
from app.audit import AuditEvent
from app.db import transaction
from app.errors import DomainError
from tests import factories
from tests.concurrency import RACERS, together

pytestmark = pytest.mark.postgres_only


def test_fifty_racing_wrong_passwords_are_evaluated_at_most_five_times(app, runtime):
    with transaction(runtime) as session:
        agent = factories.agent(session, username="agent.race")

    def wrong_password(_i):
        with app.app_context():
            try:
                with transaction(runtime) as session:
                    authenticate_staff(session, "agent.race", "not-the-password", "000000")
            except DomainError as exc:
                return exc.code
        return "signed_in"

    outcomes = together(RACERS, wrong_password)
    assert outcomes.count("unauthorized") == 5
    assert outcomes.count("account_locked") == RACERS - 5
    with transaction(runtime) as session:
        row = session.get(StaffUser, agent.id)
        assert (row.failed_logins, row.locked_at is not None) == (5, True)
        failures = session.scalars(
            select(AuditEvent.after).where(AuditEvent.action == "staff.login_failed")
        ).all()
        reasons = Counter(after["reason"] for after in failures)
        assert reasons == {"password": 5, "locked": RACERS - 5}
        with pytest.raises(DomainError) as refused:
            authenticate_staff(session, "agent.race", factories.PASSWORD, factories.totp_code())
        assert refused.value.code == "account_locked"


def test_the_right_password_racing_wrong_ones_never_outlives_the_lock(app, runtime):
    with transaction(runtime) as session:
        agent = factories.agent(session, username="agent.mixed")

    def attempt(i):
        password = factories.PASSWORD if i == RACERS - 1 else "not-the-password"
        with app.app_context():
            try:
                with transaction(runtime) as session:
                    authenticate_staff(session, "agent.mixed", password, factories.totp_code())
            except DomainError as exc:
                return exc.code
        return "signed_in"

    outcomes = together(RACERS, attempt)
    wrong, signed_in = outcomes.count("unauthorized"), outcomes.count("signed_in")
    # The right password signs in only if evaluated before the fifth failure; it then
    # starts the count over, and five more failures lock the account again.
    assert signed_in in (0, 1), outcomes
    assert wrong == 5 if signed_in == 0 else 5 <= wrong <= 9, outcomes
    assert outcomes.count("account_locked") == RACERS - wrong - signed_in
    with transaction(runtime) as session:
        row = session.get(StaffUser, agent.id)
        assert (row.failed_logins, row.locked_at is not None) == (5, True)
