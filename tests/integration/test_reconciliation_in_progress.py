"""One run of a business day at a time: a second run while the first has not
finished is refused at once (PostgreSQL), whoever started it (sweep, command,
operator); SQLite serialises the two, the second becoming the next version."""

from datetime import date

import pytest

from app.db import transaction
from app.reconciliation import versions_of
from app.reconciliation.service import ReconciliationRunning, claim_day, reconcile
from tests import factories

YESTERDAY = date(2026, 11, 27)


@pytest.mark.postgres_only
def test_a_second_run_of_a_day_being_reconciled_is_refused_and_stores_nothing(runtime):
    with runtime.unit_of_work() as first:
        claim_day(first.session, YESTERDAY)
        with pytest.raises(ReconciliationRunning), transaction(runtime) as session:
            reconcile(session, YESTERDAY, trigger="schedule")
        with transaction(runtime) as session:
            assert reconcile(session, date(2026, 11, 26), trigger="command").version == 1
    with transaction(runtime) as session:
        assert versions_of(session, YESTERDAY) == []
        assert reconcile(session, YESTERDAY, trigger="schedule").version == 1


def test_the_refusal_is_a_conflict_with_its_stable_code():
    assert ReconciliationRunning.code == "conflict" and ReconciliationRunning.status == 409


def test_a_run_claims_its_day_again_within_its_own_transaction(runtime):
    with transaction(runtime) as session:
        claim_day(session, YESTERDAY)
        assert reconcile(session, YESTERDAY, trigger="command").version == 1
        assert reconcile(session, YESTERDAY, trigger="command").version == 2


@pytest.mark.postgres_only
def test_the_admin_api_answers_409_conflict_while_the_day_is_being_reconciled(client, app, runtime):
    with transaction(runtime) as session:
        boss = factories.admin(session)
    with runtime.unit_of_work() as first:
        claim_day(first.session, YESTERDAY)
        response = client.post(
            "/api/v1/admin/reconciliations",
            json={"date": "2026-11-27"},
            headers=factories.headers_for(app, boss),
        )
    assert response.status_code == 409
    assert response.get_json()["code"] == "conflict"
    with transaction(runtime) as session:
        assert versions_of(session, YESTERDAY) == []
