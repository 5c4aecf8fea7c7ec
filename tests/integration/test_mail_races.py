"""Racing requests on PostgreSQL: a sender's prefunding pays each letter once and never
goes below zero; two agents building print batches at once never print a letter twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import ledger
from app.db import transaction
from app.ledger import chart
from app.mail import letters, printing
from app.mail.models import Letter
from app.mail.pdf import check_pdf
from app.mail.storage import FileStorage
from tests import factories
from tests.concurrency import RACERS, race
from tests.mail_support import ADDRESS, make_pdf

pytestmark = pytest.mark.postgres_only


def paper_letter() -> letters.LetterRequest:
    return letters.clean_meta({"recipient": {"name": "Chantal", "address": ADDRESS}}, ["CG"])


def test_racing_letters_never_overdraw_the_prefunding(app, runtime, tmp_path) -> None:
    with transaction(runtime) as session:
        client, _key = factories.sender(session, balance=1_000)  # four ordinary letters
    storage = FileStorage(tmp_path / "mail")
    pdf = check_pdf(make_pdf(1), max_bytes=10 * 1024 * 1024, max_pages=50)

    def work(session, _i):  # type: ignore[no-untyped-def]
        return letters.send_as_sender(session, storage, client.id, paper_letter(), pdf).id

    outcomes = race(app, runtime, RACERS, work)
    paid = [o for o in outcomes if o not in ("insufficient_funds",)]
    assert len(paid) == 4 and outcomes.count("insufficient_funds") == RACERS - 4, outcomes
    with transaction(runtime) as session:
        assert ledger.balance(session, chart.sender(client.id)).available == 0
        count = session.scalar(select(func.count()).select_from(Letter))
        assert count == 4


def test_agents_batching_at_once_never_print_a_letter_twice(app, runtime, tmp_path) -> None:
    storage = FileStorage(tmp_path / "mail")
    pdf = check_pdf(make_pdf(1), max_bytes=10 * 1024 * 1024, max_pages=50)
    with transaction(runtime) as session:
        client, _key = factories.sender(session, balance=10_000)
        for _ in range(6):
            letters.send_as_sender(session, storage, client.id, paper_letter(), pdf)
        agents = [
            factories.agent(session, post_office="Centre BZV", post_office_code="BZV-CI")
            for _ in range(2)
        ]

    def work(session, i):  # type: ignore[no-untyped-def]
        agent = session.merge(agents[i % 2])  # two agents, each pressing many times
        batch = printing.create_batch(session, storage, agent, "BZV-CI", limit=4)
        return [letter.id for letter in printing.batch_letters(session, batch.id)]

    outcomes = race(app, runtime, RACERS, work)
    batched = [
        letter_id for outcome in outcomes if isinstance(outcome, list) for letter_id in outcome
    ]
    assert len(batched) == len(set(batched)) == 6
