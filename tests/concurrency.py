"""Running work in threads released at once, each in its own unit of work: the
PostgreSQL race tests."""

import threading

# How many requests race a guard of money or identity ("only one may win", "never
# above the cap", "never spent twice", "every wrong PIN counts"): fifty, the house
# rule. Scenarios that are two people by nature (maker and checker, a payment and
# its retry) race two. The test app's pool holds this many connections at once
# (tests/conftest.py, ``make_config``).
RACERS = 50


def together(count, work):
    """Run ``work(i)`` in ``count`` threads released at once; return each result or error."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def run(i):
        barrier.wait(timeout=30)
        try:
            outcomes[i] = work(i)
        except Exception as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return outcomes


def committed(runtime, write):
    """Run ``write(session)`` in its own unit of work and commit it; its result."""
    with runtime.unit_of_work() as uow:
        result = write(uow.session)
        uow.commit()
    return result


def race(app, runtime, n, work):
    """Run ``work(session, i)`` as ``n`` requests released at once; their results.

    Each thread is its own request: its own app context and unit of work
    (``transaction``), so it commits or rolls back alone. A domain error is
    returned as its ``code``.
    """
    from app.db import transaction
    from app.errors import DomainError

    barrier = threading.Barrier(n)
    outcomes = [None] * n

    def run(i):
        with app.app_context():
            barrier.wait()
            try:
                with transaction(runtime) as session:
                    outcomes[i] = work(session, i)
            except DomainError as exc:
                outcomes[i] = exc.code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def meet_before_locking_a_pair(monkeypatch, count=2):
    """Hold each of ``count`` threads at its first ``limits.lock_customers`` of two
    customers until all are there: what ``count`` phones pressing at the same moment
    do. Each has then done what comes before that lock (its PIN screen's lookups)."""
    from app.customers import limits

    all_there = threading.Barrier(count, timeout=10)
    original = limits.lock_customers
    waited = set()

    def lock_when_all_are_there(session, *customers):
        if len(customers) == 2 and threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            all_there.wait()
        return original(session, *customers)

    monkeypatch.setattr(limits, "lock_customers", lock_when_all_are_there)
