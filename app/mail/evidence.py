"""The evidence of a letter: a hash chain over its content and every event.

The chain starts from the SHA-256 of the letter's file; each event's hash is
the SHA-256 of the previous hash and the event's own fields, written as one
line (``event_hash``), so anyone holding the PDF and the export of
``/mail/letters/{id}/evidence`` can recompute it, and a changed, removed or
reordered event breaks every hash after it. Events are appended under the
letter's row lock (``locks.lock_letter``), one after the other.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import clock
from app.mail.models import Letter, LetterEvent


def event_hash(
    previous_hash: str,
    seq: int,
    at: datetime,
    status: str,
    place: str | None,
    detail: str | None,
) -> str:
    """SHA-256 of ``previous|seq|at|status|place|detail`` (UTF-8; ``at`` in ISO 8601 UTC)."""
    line = "|".join((previous_hash, str(seq), at.isoformat(), status, place or "", detail or ""))
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def append(
    session: Session,
    letter: Letter,
    status: str,
    *,
    place: str | None = None,
    detail: str | None = None,
    actor: str | None = None,
) -> LetterEvent:
    """Chain an event to ``letter`` (whose row the caller holds locked or just wrote)."""
    seq = 1 + int(
        session.scalar(
            select(LetterEvent.seq)
            .where(LetterEvent.letter_id == letter.id)
            .order_by(LetterEvent.seq.desc())
            .limit(1)
        )
        or 0
    )
    at = clock.now().replace(microsecond=0)
    previous = letter.last_hash
    event = LetterEvent(
        letter_id=letter.id,
        seq=seq,
        at=at,
        status=status,
        place=place[:120] if place else None,
        detail=detail[:200] if detail else None,
        actor=actor,
        previous_hash=previous,
        hash=event_hash(previous, seq, at, status, place, detail),
    )
    session.add(event)
    letter.last_hash = event.hash
    session.flush()
    return event


def events(session: Session, letter_id: str) -> list[LetterEvent]:
    return list(
        session.scalars(
            select(LetterEvent).where(LetterEvent.letter_id == letter_id).order_by(LetterEvent.seq)
        )
    )


def view(session: Session, letter: Letter) -> dict[str, Any]:
    """``{sha256, events: [{at, status, hash, previous_hash, …}]}``: enough to recompute."""
    return {
        "letter_id": letter.id,
        "tracking_number": letter.tracking_number,
        "sha256": letter.sha256,
        "events": [
            {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "status": e.status,
                "place": e.place,
                "detail": e.detail,
                "hash": e.hash,
                "previous_hash": e.previous_hash,
            }
            for e in events(session, letter.id)
        ],
    }


@dataclass(frozen=True, slots=True)
class BrokenChain:
    letter_id: str
    seq: int | None
    reason: str


def verify_letter(letter: Letter, chain: list[LetterEvent]) -> BrokenChain | None:
    """The first break in one letter's chain, or None when it holds."""
    previous = letter.sha256
    for expected_seq, event in enumerate(chain, start=1):
        if event.seq != expected_seq:
            return BrokenChain(letter.id, event.seq, "an event is missing")
        if event.previous_hash != previous:
            return BrokenChain(letter.id, event.seq, "previous hash does not match")
        at = event.at.replace(microsecond=0)
        if event.hash != event_hash(
            previous, event.seq, at, event.status, event.place, event.detail
        ):
            return BrokenChain(letter.id, event.seq, "event was altered")
        previous = event.hash
    if letter.last_hash != previous:
        return BrokenChain(letter.id, None, "the letter's last hash is not its last event's")
    return None


def verify_all(session: Session, *, chunk: int = 500) -> tuple[int, list[BrokenChain]]:
    """Check every letter's chain: ``(letters checked, breaks)``."""
    checked = 0
    broken: list[BrokenChain] = []
    last_id = ""
    while True:
        letters = list(
            session.scalars(
                select(Letter).where(Letter.id > last_id).order_by(Letter.id).limit(chunk)
            )
        )
        if not letters:
            return checked, broken
        ids = [letter.id for letter in letters]
        by_letter: dict[str, list[LetterEvent]] = {i: [] for i in ids}
        for event in session.scalars(
            select(LetterEvent)
            .where(LetterEvent.letter_id.in_(ids))
            .order_by(LetterEvent.letter_id, LetterEvent.seq)
        ):
            by_letter[event.letter_id].append(event)
        for letter in letters:
            found = verify_letter(letter, by_letter[letter.id])
            if found is not None:
                broken.append(found)
        checked += len(letters)
        last_id = ids[-1]
        session.expunge_all()
