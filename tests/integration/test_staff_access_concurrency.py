"""Two admins disabling each other at the same moment on PostgreSQL: one wins, one admin
is always left to run the service."""

import pytest

from app.agents.access import disable_staff
from app.agents.models import StaffUser
from app.db import transaction
from app.errors import DomainError
from app.principal import Principal
from tests import factories
from tests.concurrency import together

pytestmark = pytest.mark.postgres_only


def test_two_admins_disabling_each_other_leave_one_active(app, runtime):
    with transaction(runtime) as session:
        admins = [factories.admin(session), factories.admin(session)]

    def disable_the_other(i):
        me, other = admins[i], admins[1 - i]
        with app.app_context():
            try:
                with transaction(runtime) as session:
                    by = Principal(role="admin", id=me.id)
                    return disable_staff(session, other.id, reason="race", by=by).status
            except DomainError as exc:
                return exc.code

    for _ in range(5):
        outcomes = together(2, disable_the_other)
        assert sorted(outcomes) == ["conflict", "disabled"]
        with transaction(runtime) as session:
            statuses = sorted(session.get(StaffUser, a.id).status for a in admins)
            assert statuses == ["active", "disabled"]
            for a in admins:
                session.get(StaffUser, a.id).status = "active"
