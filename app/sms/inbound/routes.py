"""``POST /sms/inbound``: Africa's Talking hands us a text a customer sent to our short code.

Form fields ``from``, ``to``, ``text``, ``date``, ``id``, ``linkId``, cleaned of
control characters but newlines before anything is stored (a NUL, which
PostgreSQL text cannot hold, would otherwise fail even the fallback). The answer
to the customer is an SMS, never the HTTP body. Once the message is stored the
gateway gets an empty 200: an error status would only make it post the message
again. Should handling break on something unexpected, the unit of work is
rolled back and a second one stores the message as ``failed`` and sends the
generic error text, so the customer is not left without an answer.

Only when even that second unit of work fails (the database is unreachable)
is nothing kept; then, and only then, the gateway gets a 503 with Retry-After
so that it posts the message again later. A repeat is harmless: messages are
kept by the provider's id and a known id is never run twice.

Only the aggregator may post here (``app.gateway_access``: its addresses and
the secret token); anyone else gets a bare 403 and nothing is stored.
"""

from __future__ import annotations

import logging

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from app.db import transaction
from app.gateway_access import gateway_only
from app.sms.inbound.inbox import IncomingSms
from app.sms.inbound.service import handle_inbound

log = logging.getLogger(__name__)

blueprint = Blueprint("sms_inbound", __name__)

RETRY_AFTER_SECONDS = 60


@blueprint.post("/sms/inbound")
@gateway_only
def inbound() -> ResponseReturnValue:
    incoming = IncomingSms.from_form(request.form)
    try:
        with transaction() as session:
            handle_inbound(session, incoming)
    except Exception:
        log.exception("inbound sms %r could not be handled; answering the error text", incoming)
        try:
            with transaction() as session:
                handle_inbound(session, incoming, after_crash=True)
        except Exception:
            log.exception("inbound sms %r could not even be recorded; asking for a retry", incoming)
            return "", 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return "", 200
