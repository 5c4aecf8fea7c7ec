"""Row locks of hybrid mail, in one place.

A letter's row is locked while an event is appended to its chain (payment,
delivery, a scan, a first read), so two racing steps chain one after the other
and a status moves once. Print centres take their queued letters with
``SKIP LOCKED`` so two agents building batches at once never print a letter twice.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.mail.errors import LetterNotFound, PrintBatchNotFound
from app.mail.models import Letter, PrintBatch


def lock_letter(session: Session, letter_id: str) -> Letter:
    """The letter, locked for a status change and its event."""
    letter = session.get(Letter, letter_id, with_for_update=True, populate_existing=True)
    if letter is None:
        raise LetterNotFound()
    return letter


def lock_letter_by_tracking(session: Session, tracking_number: str) -> Letter | None:
    """The letter with this tracking number, locked (a scan at a counter)."""
    return session.scalar(
        select(Letter)
        .where(Letter.tracking_number == tracking_number)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def lock_letters_to_print(session: Session, centre: str, limit: int) -> list[Letter]:
    """Up to ``limit`` letters queued at ``centre``, oldest first, skipping those another
    batch being built holds."""
    return list(
        session.scalars(
            select(Letter)
            .where(
                Letter.print_centre == centre,
                Letter.status == "queued_for_print",
                Letter.print_batch_id.is_(None),
            )
            .order_by(Letter.created_at, Letter.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def lock_print_batch(session: Session, batch_id: str) -> PrintBatch:
    batch = session.get(PrintBatch, batch_id, with_for_update=True, populate_existing=True)
    if batch is None:
        raise PrintBatchNotFound()
    return batch
