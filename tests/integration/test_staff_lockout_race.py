"""Fifty wrong staff sign-ins at once on PostgreSQL: at most five are evaluated, the
account ends locked, and the right password and code are refused after that."""

from collections import Counter

import pytest
from sqlalchemy import select

from app.agents.models import StaffUser
from app.agents.staff import authenticate_staff
from app.audit import AuditEvent
from app.errors import DomainError
from app.runtime import transaction
from tests import factories
from tests.concurrency import together

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

    outcomes = together(50, wrong_password)
    assert outcomes.count("unauthorized") == 5
    assert outcomes.count("account_locked") == 45
    with transaction(runtime) as session:
        row = session.get(StaffUser, agent.id)
        assert (row.failed_logins, row.locked_at is not None) == (5, True)
        failures = session.scalars(
            select(AuditEvent.after).where(AuditEvent.action == "staff.login_failed")
        ).all()
        reasons = Counter(after["reason"] for after in failures)
        assert reasons == {"password": 5, "locked": 45}
        with pytest.raises(DomainError) as refused:
            authenticate_staff(session, "agent.race", factories.PASSWORD, factories.totp_code())
        assert refused.value.code == "account_locked"


def test_the_right_password_racing_wrong_ones_never_outlives_the_lock(app, runtime):
    with transaction(runtime) as session:
        factories.agent(session, username="agent.mixed")

    def attempt(i):
        password = factories.PASSWORD if i == 49 else "not-the-password"
        with app.app_context():
            try:
                with transaction(runtime) as session:
                    authenticate_staff(session, "agent.mixed", password, factories.totp_code())
            except DomainError as exc:
                return exc.code
        return "signed_in"

    outcomes = together(50, attempt)
    evaluated = outcomes.count("unauthorized") + outcomes.count("signed_in")
    assert evaluated <= 6  # five failures, and the right one only if it came before the fifth
    assert outcomes.count("account_locked") == 50 - evaluated
