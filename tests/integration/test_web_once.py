"""``app.web.once.run_once``: a form's work done once, whoever sends it again or at once."""

import pytest
from sqlalchemy import func, select

from app.api.idempotency import IdempotencyRecord
from app.errors import ValidationFailed
from app.web import once
from tests.concurrency import RACERS, together

OWNER = "backoffice:staff-1"


def _records(runtime):
    with runtime.unit_of_work() as uow:
        return uow.session.scalar(
            select(func.count())
            .select_from(IdempotencyRecord)
            .where(IdempotencyRecord.principal_key == OWNER)
        )


def test_the_first_submission_works_and_shows_what_it_made(app):
    key = once.new_key()

    done = once.run_once(OWNER, key, lambda db: ("/backoffice/x/1", {"password": "shown"}))

    assert done == once.Outcome("/backoffice/x/1", {"password": "shown"}, first=True)


def test_a_second_submission_goes_where_the_first_led_without_working(app):
    key = once.new_key()
    calls = []
    once.run_once(OWNER, key, lambda db: (calls.append(1), ("/backoffice/x/1", "made"))[1])

    again = once.run_once(OWNER, key, lambda db: (calls.append(2), ("/elsewhere", "again"))[1])

    assert again == once.Outcome("/backoffice/x/1", None, first=False)
    assert calls == [1]


def test_a_refused_form_records_nothing_and_may_be_sent_again(app, runtime):
    key = once.new_key()

    def refuse(db):
        raise ValidationFailed({"amount": ["too large"]})

    with pytest.raises(ValidationFailed):
        once.run_once(OWNER, key, refuse)
    assert _records(runtime) == 0
    done = once.run_once(OWNER, key, lambda db: ("/backoffice/x/2", "made"))
    assert done.first


def test_submissions_at_once_work_once_and_lead_to_the_same_page(app, runtime, backend):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: no race to lose")
    key = once.new_key()

    def submit(i):
        with app.app_context():
            return once.run_once(OWNER, key, lambda db: (f"/backoffice/x/{i}", i))

    outcomes = together(RACERS, submit)

    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    assert sorted(o.first for o in outcomes) == [False] * (RACERS - 1) + [True]
    assert len({o.target for o in outcomes}) == 1, outcomes
    assert _records(runtime) == 1
