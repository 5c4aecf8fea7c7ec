"""A process that dies mid-request never leaves a key stuck, a payment doubled or lost.

A gunicorn worker killed with ``kill -9`` runs no ``except`` and no ``finally``:
here a ``BaseException`` the handlers do not catch stands for it, and the key's
release is disabled, as it would never run. The money and the stored answer
commit together (one unit of work), so the dead attempt left both or neither.
On PostgreSQL the claim is in that unit of work too, so a dead attempt left no
claim and the retry runs at once; a claim committed first (SQLite, or an older
version on PostgreSQL) is taken over once the attempt is known dead: when its
advisory lock is free on PostgreSQL, after ``IN_PROGRESS_LEASE`` on SQLite.
"""

import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.agents import cash
from app.api import idempotency
from app.api.idempotency import CLAIM_GRACE, IN_PROGRESS_LEASE, IdempotencyRecord
from app.db import transaction
from tests import factories
from tests.e2e.payments_support import float_of, post, wallet_of


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs."""


@pytest.fixture
def people(runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=10_000)
        counter = factories.agent(session, float_balance=100_000)
    return awa, counter


@pytest.fixture
def dies(monkeypatch):
    """Make the process die where the test says; a dead process releases nothing."""
    monkeypatch.setattr(idempotency, "_release", lambda *args: None)

    @contextmanager
    def dying_in(target, name):
        real = getattr(target, name)

        def dying(*args, **kwargs):
            real(*args, **kwargs)
            raise WorkerKilled()

        with monkeypatch.context() as patch:
            patch.setattr(target, name, dying)
            with pytest.raises(WorkerKilled):
                yield

    return dying_in


def cash_in(client, app, counter, awa, key="till-9"):
    return post(
        client, app, counter, "/agent/cash-in", {"msisdn": awa.msisdn, "amount": 5_000}, key
    )


@pytest.mark.postgres_only
def test_killed_before_commit_the_retry_runs_at_once_on_postgresql(
    client, app, runtime, people, dies
):
    """The claim is in the request's own transaction there: it died with it."""
    awa, counter = people
    with dies(cash, "mark_completed"):  # the ledger entry is written, the commit never comes
        cash_in(client, app, counter, awa)
    assert wallet_of(runtime, awa) == 10_000

    retried = cash_in(client, app, counter, awa)
    assert retried.status_code == 201, retried.get_json()
    replayed = cash_in(client, app, counter, awa)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.get_json() == retried.get_json()
    assert (wallet_of(runtime, awa), float_of(runtime, counter)) == (15_000, 95_000 + 10)


@pytest.fixture
def older_version(monkeypatch):
    """Attempts inside the block claim their key as the version before did: the claim
    committed on its own first (what a rolling deploy may leave on PostgreSQL)."""

    @contextmanager
    def claiming_first():
        with monkeypatch.context() as patch:
            patch.setattr(idempotency, "_claims_in_the_request", lambda runtime: False)
            yield

    return claiming_first


@pytest.mark.postgres_only
def test_an_older_versions_dead_claim_is_taken_over_once_its_lock_is_free(
    client, app, runtime, people, dies, older_version, clock
):
    awa, counter = people
    with older_version(), dies(cash, "mark_completed"):
        cash_in(client, app, counter, awa)
    assert wallet_of(runtime, awa) == 10_000

    too_soon = cash_in(client, app, counter, awa)  # the claim may be a live attempt's
    assert too_soon.status_code == 409
    assert too_soon.get_json()["code"] == "request_in_progress"

    clock.advance(seconds=CLAIM_GRACE.total_seconds())
    taken_over = cash_in(client, app, counter, awa)
    assert taken_over.status_code == 201, taken_over.get_json()
    replayed = cash_in(client, app, counter, awa)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert (wallet_of(runtime, awa), float_of(runtime, counter)) == (15_000, 95_000 + 10)


@pytest.mark.sqlite_only
def test_killed_before_commit_a_retry_takes_over_once_the_lease_is_over(
    client, app, runtime, people, dies, clock
):
    awa, counter = people
    with dies(cash, "mark_completed"):
        cash_in(client, app, counter, awa)
    clock.advance(seconds=IN_PROGRESS_LEASE.total_seconds() - 1)
    assert cash_in(client, app, counter, awa).status_code == 409
    clock.advance(seconds=1)
    taken_over = cash_in(client, app, counter, awa)
    assert taken_over.status_code == 201, taken_over.get_json()
    assert wallet_of(runtime, awa) == 15_000


def test_killed_after_commit_the_retry_replays_the_answer_and_moves_nothing(
    client, app, runtime, people, dies, clock
):
    awa, counter = people
    with dies(idempotency, "_finish"):  # money and answer committed, the response never sent
        cash_in(client, app, counter, awa)
    assert wallet_of(runtime, awa) == 15_000

    clock.advance(seconds=IN_PROGRESS_LEASE.total_seconds())
    retried = cash_in(client, app, counter, awa)
    assert retried.status_code == 201
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert wallet_of(runtime, awa) == 15_000


def test_a_refusal_is_remembered_and_changes_nothing(client, app, runtime, people):
    _awa, counter = people
    body = {"msisdn": "+242069999998", "amount": 5_000}
    first = post(client, app, counter, "/agent/cash-in", body, "till-10")
    again = post(client, app, counter, "/agent/cash-in", body, "till-10")
    assert first.status_code == again.status_code == 422
    assert again.headers["Idempotent-Replayed"] == "true"
    assert float_of(runtime, counter) == 100_000


@pytest.mark.postgres_only
def test_a_slow_attempt_keeps_its_key_while_it_is_alive(
    client, app, runtime, people, monkeypatch, clock
):
    """However long it runs, an attempt holding its lock is not taken over: a retry
    from another client thread is told it is still in progress."""
    awa, counter = people
    real_cash_in = cash.cash_in
    retry_answer = {}

    def retry():
        try:
            retry_answer["response"] = cash_in(app.test_client(), app, counter, awa)
        except BaseException as exc:
            retry_answer["error"] = exc

    def slow_cash_in(session, *args, **kwargs):
        transfer = real_cash_in(session, *args, **kwargs)
        clock.advance(seconds=IN_PROGRESS_LEASE.total_seconds() * 2)
        thread = threading.Thread(target=retry)
        thread.start()
        thread.join(timeout=30)
        return transfer

    monkeypatch.setattr(cash, "cash_in", slow_cash_in)
    slow = cash_in(client, app, counter, awa)
    assert "error" not in retry_answer, retry_answer
    assert retry_answer["response"].status_code == 409
    assert slow.status_code == 201
    assert wallet_of(runtime, awa) == 15_000


@pytest.mark.postgres_only
def test_an_attempt_whose_claim_was_taken_over_rolls_back(
    client, app, runtime, people, monkeypatch, older_version
):
    """The claim's time is its token: if another attempt took the key over while this
    one ran, this one cannot store its answer, so its payment rolls back. (Only a
    claim committed first can be taken over: the older version's, or SQLite's.)"""
    awa, counter = people
    real_cash_in = cash.cash_in

    def overtaken_cash_in(session, *args, **kwargs):
        transfer = real_cash_in(session, *args, **kwargs)
        with transaction(runtime) as other:  # what a takeover by a retry writes
            record = other.scalars(select(IdempotencyRecord)).one()
            record.created_at += timedelta(seconds=1)
        return transfer

    monkeypatch.setattr(cash, "cash_in", overtaken_cash_in)
    with older_version():
        response = cash_in(client, app, counter, awa)
    assert response.status_code == 409
    assert response.get_json()["code"] == "request_in_progress"
    assert (wallet_of(runtime, awa), float_of(runtime, counter)) == (10_000, 100_000)


@pytest.mark.sqlite_only
def test_a_claim_within_its_lease_is_never_taken_over(client, app, runtime, people, dies, clock):
    awa, counter = people
    with dies(cash, "mark_completed"):
        cash_in(client, app, counter, awa)
    clock.advance(seconds=IN_PROGRESS_LEASE.total_seconds() - 1)
    assert cash_in(client, app, counter, awa).status_code == 409
