"""A crash between payment and storage leaves a paid letter with its file, or nothing;
every letter's evidence chain holds, and ``flask mail verify-evidence`` finds a break."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from app import ledger
from app.db import transaction
from app.ledger import chart
from app.mail import evidence, letters
from app.mail.models import Letter, LetterEvent
from app.mail.pdf import check_pdf
from app.mail.storage import FileStorage
from tests import factories
from tests.mail_support import ADDRESS, make_pdf


class Crash(Exception):
    """The worker dies here."""


class FailingStorage(FileStorage):
    """The disk fails when the file is written."""

    def put(self, data: bytes) -> str:
        raise Crash("disk full")


@pytest.fixture
def sender_id(runtime) -> str:  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        client, _key = factories.sender(session, balance=10_000)
    return str(client.id)


def request() -> letters.LetterRequest:
    return letters.clean_meta({"recipient": {"name": "Bruno", "address": ADDRESS}}, ["CG"])


def pdf() -> Any:
    return check_pdf(make_pdf(2), max_bytes=10 * 1024 * 1024, max_pages=50)


def state(runtime, sender_id: str) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        count = int(session.scalar(select(func.count()).select_from(Letter)) or 0)
        prefunding = ledger.balance(session, chart.sender(sender_id)).available
        fees = ledger.balance(session, chart.fees("mail")).available
    return count, prefunding, fees


def files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_storage_failing_leaves_no_letter_and_no_money(runtime, sender_id, tmp_path) -> None:
    with pytest.raises(Crash), transaction(runtime) as session:
        letters.send_as_sender(
            session, FailingStorage(tmp_path / "mail"), sender_id, request(), pdf()
        )
    assert state(runtime, sender_id) == (0, 10_000, 0)
    assert files(tmp_path / "mail") == []


def test_a_crash_after_the_file_before_the_commit_leaves_nothing_charged(
    runtime, sender_id, tmp_path
) -> None:
    storage = FileStorage(tmp_path / "mail")
    with pytest.raises(Crash), transaction(runtime) as session:
        letters.send_as_sender(session, storage, sender_id, request(), pdf())
        raise Crash("killed before the commit")
    assert state(runtime, sender_id) == (0, 10_000, 0)
    # At most an unreferenced file, content-addressed: sending again reuses it.
    with transaction(runtime) as session:
        letter = letters.send_as_sender(session, storage, sender_id, request(), pdf())
        digest = letter.sha256
    assert state(runtime, sender_id) == (1, 10_000 - 300, 300)
    assert storage.get(digest) == pdf().data and len(files(tmp_path / "mail")) == 1


def test_a_committed_letter_always_has_its_file(runtime, sender_id, tmp_path) -> None:
    storage = FileStorage(tmp_path / "mail")
    with transaction(runtime) as session:
        letter = letters.send_as_sender(session, storage, sender_id, request(), pdf())
        digest = letter.sha256
    assert storage.exists(digest)


# -- evidence ---------------------------------------------------------------------------------


@pytest.fixture
def letter_id(runtime, sender_id, tmp_path) -> str:  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        letter = letters.send_as_sender(
            session, FileStorage(tmp_path / "mail"), sender_id, request(), pdf()
        )
        return str(letter.id)


def test_the_chain_starts_from_the_content_and_links_every_event(runtime, letter_id) -> None:
    with transaction(runtime) as session:
        letter = session.get(Letter, letter_id)
        assert letter is not None
        chain = evidence.events(session, letter_id)
        assert [e.status for e in chain] == ["accepted", "queued_for_print"]
        assert chain[0].previous_hash == letter.sha256
        assert chain[1].previous_hash == chain[0].hash
        assert letter.last_hash == chain[1].hash
        assert evidence.verify_letter(letter, chain) is None


def run_verify(app) -> Any:  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["mail", "verify-evidence"])


def test_the_command_passes_when_every_chain_holds(app, letter_id) -> None:
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "1 letters checked, 0 broken chains" in result.output


def test_the_command_names_a_letter_whose_event_was_altered(app, runtime, letter_id) -> None:
    with transaction(runtime) as session:
        session.execute(
            update(LetterEvent)
            .where(LetterEvent.letter_id == letter_id, LetterEvent.seq == 1)
            .values(place="Somewhere else")
        )
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"FAIL letter {letter_id} event 1: event was altered" in result.output


def test_the_command_names_a_letter_whose_event_was_removed(app, runtime, letter_id) -> None:
    with transaction(runtime) as session:
        first = session.scalar(
            select(LetterEvent).where(LetterEvent.letter_id == letter_id, LetterEvent.seq == 1)
        )
        session.delete(first)
    result = run_verify(app)
    assert result.exit_code == 1 and "an event is missing" in result.output


def test_the_command_names_a_letter_whose_content_hash_was_changed(app, runtime, letter_id) -> None:
    with transaction(runtime) as session:
        session.execute(update(Letter).where(Letter.id == letter_id).values(sha256="0" * 64))
    result = run_verify(app)
    assert result.exit_code == 1 and "previous hash does not match" in result.output
