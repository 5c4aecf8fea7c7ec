"""Paper letters: the print centre's queue, print batches, and the scans that carry a
letter from the printer to the recipient's hand.

A print centre is an agent's post office whose code names a centre of
``MAIL_PRINT_CENTRES``; its agents see and print only its own letters. A batch
takes the oldest letters queued there (rows locked, ``SKIP LOCKED``: two agents
never print a letter twice) into one print-ready PDF, stored content-addressed
like the letters; marking it printed moves each letter to ``printed``. Counter
scans follow: ``dispatched`` → ``at_post_office`` (the recipient is texted to
collect it) → ``delivered`` (a registered letter only against the recipient's
ID number) or ``returned``. Every step is chained in the letter's evidence.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agents.models import StaffUser
from app.clock import clock
from app.db import settings
from app.errors import Forbidden, InvalidState, ValidationFailed
from app.mail import evidence, places, s10
from app.mail.errors import PrintBatchNotFound, TrackingNotFound
from app.mail.locks import lock_letter_by_tracking, lock_letters_to_print, lock_print_batch
from app.mail.models import Letter, PrintBatch
from app.mail.print_sheets import Sheet, batch_pdf
from app.mail.storage import Storage
from app.notify.gsm import gsm_cut
from app.notify.service import send_sms

MAX_BATCH = 500
SERVICE_LABELS = {
    "ordinary": "Lettre ordinaire",
    "registered": "Lettre recommandée",
    "registered_ar": "Recommandée avec avis de réception",
}
SCAN_EVENTS = ("dispatched", "at_post_office", "delivered", "returned")
# Which status each scan may follow.
SCAN_FROM: dict[str, tuple[str, ...]] = {
    "dispatched": ("printed",),
    "at_post_office": ("dispatched",),
    "delivered": ("dispatched", "at_post_office"),
    "returned": ("dispatched", "at_post_office"),
}
OFFICE_CUT = 40


def centre_of(session: Session, agent: StaffUser, centre: str) -> str:
    """``centre`` when the agent works there; else ``forbidden``."""
    config = settings(session)
    if not places.is_centre(config, centre):
        raise ValidationFailed({"centre": ["Unknown print centre."]})
    if agent.post_office_code != centre:
        raise Forbidden("You do not work at this print centre.")
    return centre


def queue(session: Session, agent: StaffUser, centre: str, *, limit: int) -> list[Letter]:
    """Letters waiting to be printed at the centre, oldest first."""
    centre_of(session, agent, centre)
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
        )
    )


def queue_view(letter: Letter) -> dict[str, Any]:
    """What the centre needs to print and route: never the content."""
    return {
        "id": letter.id,
        "tracking_number": letter.tracking_number,
        "service": letter.service,
        "pages": letter.pages,
        "post_office_code": letter.post_office_code,
        "queued_at": letter.paid_at.isoformat() if letter.paid_at else None,
    }


def _sheet(letter: Letter) -> Sheet:
    address = letter.address or {}
    lines = [address.get("line1") or "", address.get("po_box") or "", address.get("city") or ""]
    return Sheet(
        tracking_number=letter.tracking_number,
        sender=letter.sender_name,
        recipient=letter.recipient_name,
        address_lines=[line for line in lines if line],
        service_label=SERVICE_LABELS.get(letter.service, letter.service),
    )


def create_batch(
    session: Session, storage: Storage, agent: StaffUser, centre: str, *, limit: int = 100
) -> PrintBatch:
    """Take up to ``limit`` queued letters into one print-ready PDF (stored)."""
    centre_of(session, agent, centre)
    if not 1 <= limit <= MAX_BATCH:
        raise ValidationFailed({"limit": [f"From 1 to {MAX_BATCH}."]})
    letters = lock_letters_to_print(session, centre, limit)
    if not letters:
        raise InvalidState("Nothing waits to be printed at this centre.")
    data, pages = batch_pdf([(_sheet(letter), storage.get(letter.sha256)) for letter in letters])
    digest = storage.put(data)
    batch = PrintBatch(
        id=str(uuid.uuid4()),
        centre=centre,
        status="ready",
        letters=len(letters),
        pages=pages,
        sha256=digest,
        created_by=agent.id,
        created_at=clock.now(),
    )
    session.add(batch)
    session.flush()
    for letter in letters:
        letter.print_batch_id = batch.id
    session.flush()
    return batch


def batch_for(session: Session, agent: StaffUser, batch_id: str) -> PrintBatch:
    """A batch of the agent's centre; another centre's is ``not_found``."""
    batch = session.get(PrintBatch, batch_id) if isinstance(batch_id, str) else None
    if batch is None or batch.centre != agent.post_office_code:
        raise PrintBatchNotFound()
    return batch


def batch_letters(session: Session, batch_id: str) -> list[Letter]:
    return list(
        session.scalars(
            select(Letter)
            .where(Letter.print_batch_id == batch_id)
            .order_by(Letter.created_at, Letter.id)
        )
    )


def mark_printed(session: Session, agent: StaffUser, batch_id: str) -> PrintBatch:
    """The batch came out of the printer: each of its letters is ``printed``."""
    batch_for(session, agent, batch_id)
    batch = lock_print_batch(session, batch_id)
    if batch.status == "printed":
        return batch
    config = settings(session)
    place = places.centre_name(config, batch.centre)
    now = clock.now()
    for letter in batch_letters(session, batch.id):
        if letter.status == "queued_for_print":
            letter.status = "printed"
            evidence.append(
                session, letter, "printed", place=place, detail=None, actor=f"agent:{agent.id}"
            )
    batch.status = "printed"
    batch.printed_at = now
    session.flush()
    return batch


def batch_view(batch: PrintBatch, letters: list[Letter]) -> dict[str, Any]:
    return {
        "id": batch.id,
        "centre": batch.centre,
        "status": batch.status,
        "letters": batch.letters,
        "pages": batch.pages,
        "sha256": batch.sha256,
        "tracking_numbers": [letter.tracking_number for letter in letters],
        "created_at": batch.created_at.isoformat(),
        "printed_at": batch.printed_at.isoformat() if batch.printed_at else None,
    }


# -- scans at the counters -------------------------------------------------------------------


def _tracking(value: str) -> str:
    try:
        service, serial, country = s10.parse(value)
    except s10.S10Error as exc:
        raise ValidationFailed({"tracking_number": [str(exc)]}, detail=str(exc)) from None
    return f"{service}{serial}{s10.check_digit(serial)}{country}"


def _masked(id_number: str) -> str:
    return "ID ..." + id_number[-4:]


def scan(
    session: Session,
    agent: StaffUser,
    tracking_number: str,
    event: str,
    *,
    recipient_id_number: str | None = None,
) -> Letter:
    """Record a step of a paper letter at the agent's counter."""
    if event not in SCAN_EVENTS:
        raise ValidationFailed({"event": [f"One of: {', '.join(SCAN_EVENTS)}."]})
    number = _tracking(tracking_number)
    letter = lock_letter_by_tracking(session, number)
    if letter is None:
        raise TrackingNotFound()
    if letter.channel != "paper":
        raise InvalidState("This letter was delivered electronically.")
    if letter.status == event:
        return letter  # the same scan again: recorded once
    if letter.status not in SCAN_FROM[event]:
        raise InvalidState(f"The letter is {letter.status}; it cannot be {event} now.")
    if event == "at_post_office" and agent.post_office_code != letter.post_office_code:
        raise InvalidState("This letter is for another post office.")
    detail = None
    if event == "delivered":
        cleaned = " ".join((recipient_id_number or "").split())
        if letter.registered and not cleaned:
            raise ValidationFailed(
                {"recipient_id_number": ["A registered letter is handed over against an ID."]}
            )
        if cleaned:
            if len(cleaned) > 40 or not cleaned.isprintable():
                raise ValidationFailed({"recipient_id_number": ["At most 40 characters."]})
            letter.recipient_id_number = cleaned
            detail = _masked(cleaned)
        letter.delivered_at = clock.now()
    letter.status = event
    evidence.append(
        session,
        letter,
        event,
        place=agent.post_office,
        detail=detail,
        actor=f"agent:{agent.id}",
    )
    if event == "at_post_office":
        _tell_to_collect(session, letter, agent)
    return letter


def _tell_to_collect(session: Session, letter: Letter, agent: StaffUser) -> None:
    """Text the recipient that the letter waits at this post office."""
    if not letter.recipient_msisdn:
        return
    from app.customers.service import find_by_msisdn

    customer = find_by_msisdn(session, letter.recipient_msisdn)
    send_sms(
        session,
        to=letter.recipient_msisdn,
        template="sms.mail.at_post_office",
        language=customer.language if customer is not None else settings(session).DEFAULT_LANGUAGE,
        params={
            "tracking": letter.tracking_number,
            "office": gsm_cut(agent.post_office or "", OFFICE_CUT),
        },
        dedupe_key=f"mail:collect:{letter.id}",
    )
