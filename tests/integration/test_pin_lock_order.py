"""USSD sends both ways between two customers who each once typed a wrong PIN: the right
PIN resets the sender's counter (a write to their row), which must not come before both
customers are locked in id order, or the two sends deadlock (PostgreSQL)."""

import pytest
from sqlalchemy import update

from app.customers.models import Customer
from app.customers.service import get_customer
from app.transfers import p2p
from tests import factories
from tests.concurrency import RACERS, committed, meet_before_locking_a_pair, together

pytestmark = pytest.mark.postgres_only


def test_ussd_sends_both_ways_after_a_wrong_pin_do_not_deadlock(runtime, monkeypatch):
    def two(s):
        pair = [factories.customer(s, balance=100_000) for _ in range(2)]
        ids = [c.id for c in pair]
        s.execute(update(Customer).where(Customer.id.in_(ids)).values(failed_pin_attempts=1))
        return pair

    pair = committed(runtime, two)
    meet_before_locking_a_pair(monkeypatch, RACERS)

    def send(i):
        payer, payee = pair[i % 2], pair[1 - i % 2]
        return committed(
            runtime,
            lambda s: (
                p2p.send_with_pin(
                    s, get_customer(s, payer.id), to=payee.msisdn, amount=1_000, pin=factories.PIN
                ).status
            ),
        )

    assert together(RACERS, send) == ["completed"] * RACERS
