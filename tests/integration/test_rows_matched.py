"""``app.db.rows_matched``: how many rows an UPDATE or DELETE run by the session matched."""

import pytest
from sqlalchemy import delete, select, update

from app.customers.models import Customer, Registration
from app.db import rows_matched
from tests import factories


def test_an_update_counts_the_rows_it_matched(session):
    awa = factories.customer(session)
    factories.customer(session)
    result = session.execute(
        update(Customer)
        .where(Customer.id == awa.id)
        .values(language="ln")
        .execution_options(synchronize_session=False)
    )
    assert rows_matched(result) == 1


def test_an_update_that_matches_nothing_counts_zero(session):
    factories.customer(session)
    result = session.execute(
        update(Customer)
        .where(Customer.id == "nobody")
        .values(language="ln")
        .execution_options(synchronize_session=False)
    )
    assert rows_matched(result) == 0


def test_a_delete_counts_the_rows_it_removed(session):
    result = session.execute(delete(Registration).execution_options(synchronize_session=False))
    assert rows_matched(result) == 0


def test_a_select_is_refused_it_counts_no_rows(session):
    with pytest.raises(TypeError):
        rows_matched(session.execute(select(Customer.id)))
