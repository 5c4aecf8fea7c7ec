"""HTTP edges of outbound SMS: the provider's delivery reports and the dev outbox.

``POST /sms/delivery-reports`` takes Africa's Talking's form fields (``id``,
``status``, ``phoneNumber``, ``failureReason``) and always answers 200 once the
report is recorded or ignored: the provider only retries on errors, and a
report for a message we do not know is not one. Its fields are cleaned like
an inbound SMS's (a NUL or a lone surrogate is dropped, never stored or a 500).
Only the aggregator may post it (``app.gateway_access``: a refused caller gets
a bare 403).

``GET /dev/outbox?msisdn=`` shows what the console gateway "sent", codes
included, so a developer can complete an OTP flow on a laptop. It exists only
when ``APP_ENV=development``; everywhere else it is a 404.
"""

from __future__ import annotations

import phonenumbers
from flask import Blueprint, Response, jsonify, request

from app.db import current_runtime, transaction
from app.errors import NotFound
from app.gateway_access import gateway_only
from app.notify.gateways import ConsoleGateway, gateway_of
from app.notify.service import record_delivery_report
from app.sms.inbound.inbox import clean_field

blueprint = Blueprint("sms_outbound", __name__)


@blueprint.post("/sms/delivery-reports")
@gateway_only
def delivery_report() -> tuple[str, int]:
    form = request.form
    with transaction() as session:
        record_delivery_report(
            session,
            provider_message_id=clean_field(form.get("id", "")).strip(),
            status=clean_field(form.get("status", "")).strip(),
            failure_reason=clean_field(form.get("failureReason", "")).strip() or None,
        )
    return "", 200


@blueprint.get("/dev/outbox")
def dev_outbox() -> Response:
    runtime = current_runtime()
    if not runtime.config.is_development:
        raise NotFound("No such page.")
    gateway = gateway_of(runtime)
    if not isinstance(gateway, ConsoleGateway):
        return jsonify({"items": [], "note": "SMS_BACKEND is not console"})
    wanted = _e164(request.args.get("msisdn", ""), runtime.config.DEFAULT_REGION)
    items = [
        {"id": e.message_id, "to": e.to, "text": e.text, "at": e.at.isoformat()}
        for e in gateway.messages(wanted)
    ]
    return jsonify({"items": items})


def _e164(raw: str, region: str) -> str | None:
    if not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return raw.strip()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
