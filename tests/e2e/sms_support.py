"""Helpers for the SMS channel's end-to-end tests: text the short code, read the answers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.db import transaction
from app.notify.gateways import recording_outbox
from app.sms.inbound.models import InboundSms
from tests import factories

SHORT_CODE = "20880"


def text(client: Any, sender: str, body: str, *, provider_id: str | None = None) -> Any:
    """Post what Africa's Talking posts when ``sender`` texts ``body`` to the short code."""
    return client.post(
        "/sms/inbound",
        data={
            "from": sender,
            "to": SHORT_CODE,
            "text": body,
            "date": "2026-11-28 10:00:00",
            "id": provider_id or factories.key("ATXid"),
            "linkId": factories.key("link"),
        },
    )


def texts_to(app: Any, msisdn: str) -> list[str]:
    """Every SMS sent to ``msisdn`` so far, codes included, oldest first."""
    return [body for to, body in recording_outbox(app.extensions["postcash"]) if to == msisdn]


def ask(client: Any, app: Any, sender: str, body: str, **kwargs: Any) -> list[str]:
    """Text ``body`` and return what ``sender`` received because of it (gateway got a 200)."""
    before = len(texts_to(app, sender))
    response = text(client, sender, body, **kwargs)
    assert response.status_code == 200
    assert response.get_data() == b""
    return texts_to(app, sender)[before:]


def answer(client: Any, app: Any, sender: str, body: str, **kwargs: Any) -> str:
    """The one SMS ``sender`` got back for ``body``."""
    received = ask(client, app, sender, body, **kwargs)
    assert len(received) == 1, received
    return received[0]


def code_in(reply: str) -> str:
    """The OTP carried by an ENVOI answer ('... OUI 482913 ...')."""
    words = [w.strip(".,()") for w in reply.split()]
    (code,) = [w for w in words if w.isdigit() and len(w) == 6]
    return code


def inbox(runtime: Any) -> list[InboundSms]:
    """Every stored inbound message, oldest first."""
    with transaction(runtime) as session:
        rows = session.scalars(select(InboundSms).order_by(InboundSms.received_at)).all()
        for row in rows:
            session.expunge(row)
        return list(rows)
