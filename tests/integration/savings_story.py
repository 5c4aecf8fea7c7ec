"""Helpers of the savings stories: a clock set to a local day, livrets opened and moved
through the domain, the sweep run as the worker runs it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from app import ledger
from app.clock import LOCAL_TZ
from app.customers.service import get_customer
from app.db import transaction
from app.ledger import chart
from app.savings import accounts, movements
from app.savings.models import SavingsAccount
from tests import factories
from workers.savings import accrue_interest


def set_day(clock: Any, day: date, hour: int = 10) -> None:
    """The frozen clock at ``hour`` o'clock, Brazzaville time, on ``day``."""
    clock.set(datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ).astimezone(UTC))


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


def saver(runtime: Any, wallet: int = 5_000_000) -> tuple[str, str]:
    """A full-tier customer with ``wallet`` FCFA and an empty livret: (customer id, account id)."""
    with transaction(runtime) as session:
        person = factories.customer(session, tier="full", balance=wallet)
        account = accounts.open_savings_account(session, person, "livret")
        return person.id, account.id


def put(runtime: Any, customer_id: str, account_id: str, amount: int) -> None:
    with transaction(runtime) as session:
        person = get_customer(session, customer_id)
        movements.deposit_from_wallet(session, person, account_id, amount=amount)


def take(runtime: Any, customer_id: str, account_id: str, amount: int) -> None:
    with transaction(runtime) as session:
        person = get_customer(session, customer_id)
        movements.withdraw_with_pin(
            session, person, account_id=account_id, amount=amount, pin=factories.PIN
        )


def run_sweep(runtime: Any) -> int:
    with runtime.app.app_context() if hasattr(runtime, "app") else _nothing():
        return accrue_interest()


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def livret(runtime: Any, account_id: str) -> SavingsAccount:
    with transaction(runtime) as session:
        account = session.get(SavingsAccount, account_id)
        assert account is not None
        session.expunge(account)
        return account


def balance_of(runtime: Any, account_id: str) -> int:
    with transaction(runtime) as session:
        return ledger.balance(session, chart.savings(account_id)).posted
