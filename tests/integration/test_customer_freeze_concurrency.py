"""A freeze racing the customer's own confirmations on PostgreSQL: every pending payment
ends either completed (before the freeze) or cancelled with its money released, never both,
and nobody deadlocks."""

import pytest

from app.customers.freezing import freeze_customer
from app.db import transaction
from app.errors import DomainError
from app.ledger import chart
from app.principal import Principal
from app.transfers import p2p
from app.transfers.models import Transfer
from tests import factories
from tests.concurrency import RACERS, together
from tests.e2e.payments_support import available, otp_for

pytestmark = pytest.mark.postgres_only

PENDING = RACERS - 1  # and one freeze


def test_a_freeze_racing_confirmations_settles_each_payment_one_way(app, runtime):
    with transaction(runtime) as session:
        admin = factories.admin(session)
        awa = factories.customer(session, balance=100_000)
        bruno = factories.customer(session)
    placed = []
    for _ in range(PENDING):
        with transaction(runtime) as session:
            transfer = p2p.create_p2p(session, awa, to=bruno.msisdn, amount=1_000)
        placed.append((transfer.id, otp_for(app, awa)))

    def work(i):
        with app.app_context():
            try:
                with transaction(runtime) as session:
                    if i == PENDING:
                        by = Principal(role="admin", id=admin.id)
                        freeze_customer(session, awa.id, reason="race", by=by)
                        return "frozen"
                    transfer_id, otp = placed[i]
                    return p2p.confirm_transfer(session, transfer_id, awa.id, otp).status
            except DomainError as exc:
                return exc.code

    outcomes = together(PENDING + 1, work)

    assert outcomes[PENDING] == "frozen"
    with transaction(runtime) as session:
        final = [session.get(Transfer, transfer_id) for transfer_id, _ in placed]
        statuses = [t.status for t in final]
        paid = sum(t.amount + t.fee for t in final if t.status == "completed")
    assert set(statuses) <= {"completed", "cancelled"}
    assert [o == "completed" for o in outcomes[:PENDING]] == [s == "completed" for s in statuses]
    assert available(runtime, chart.wallet(awa.id)) == 100_000 - paid
    assert available(runtime, chart.wallet(bruno.id)) == 1_000 * statuses.count("completed")
