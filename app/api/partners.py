"""/partners: inbound international remittances from partners abroad (X-API-Key)."""

from __future__ import annotations

from typing import Any

from flask_restx import Namespace, Resource
from marshmallow import Schema, fields, validate

from app.api.docs_schemas import WebhookSetSchema
from app.api.idempotency import idempotent
from app.api.openapi import operation
from app.api.responses import Body, Headers
from app.api.validation import Amount, load
from app.auth.decorators import require
from app.db import transaction
from app.errors import InsufficientFunds, LimitExceeded
from app.principal import current_principal
from app.remittances import inbound, webhooks
from app.remittances.errors import PartnerReferenceReused, QuoteExpired, RemittanceNotFound
from app.remittances.models import Remittance, RemittanceQuote

ns = Namespace("partners", path="/partners", description="Inbound international remittances")

NO_STORE = {"Cache-Control": "no-store"}


class QuoteRequest(Schema):
    send_amount = Amount(required=True)
    send_currency = fields.String(required=True, validate=validate.Length(equal=3))


class Sender(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    country = fields.String(required=True, validate=validate.Length(equal=2))


class Recipient(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    msisdn = fields.String(required=True, validate=validate.Length(min=6, max=32))


class InboundRequest(Schema):
    partner_reference = fields.String(required=True, validate=validate.Length(min=1, max=64))
    sender = fields.Nested(Sender, required=True)
    recipient = fields.Nested(Recipient, required=True)
    send_amount = Amount(required=True)
    send_currency = fields.String(required=True, validate=validate.Length(equal=3))
    payout = fields.String(required=True, validate=validate.OneOf(inbound.PAYOUTS))
    quote_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))


class WebhookRequest(Schema):
    url = fields.String(required=True, validate=validate.Length(min=8, max=500))


class QuoteSchema(Schema):
    id = fields.String()
    send_amount = fields.Integer()
    send_currency = fields.String()
    rate = fields.String(metadata={"description": "XAF per unit of send_currency, margin applied"})
    amount = fields.Integer(metadata={"description": "XAF the recipient receives"})
    fee = fields.Integer()
    debit = fields.Function(lambda q: q.gross + q.fee)
    currency = fields.Constant("XAF")
    expires_at = fields.AwareDateTime()


class PartnerRemittanceSchema(Schema):
    id = fields.String()
    reference = fields.String()
    partner_reference = fields.String()
    status = fields.String()
    payout = fields.String(attribute="payout_method")
    amount = fields.Integer()
    fee = fields.Integer()
    currency = fields.String()
    send_amount = fields.Integer()
    send_currency = fields.String()
    rate = fields.String(attribute="fx_rate")
    quote_id = fields.String(allow_none=True)
    recipient = fields.Function(lambda r: {"name": r.recipient_name, "msisdn": r.recipient_msisdn})
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime(allow_none=True)
    paid_out_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)


_quote = QuoteSchema()
_remittance = PartnerRemittanceSchema()


def _dump_quote(quote: RemittanceQuote) -> dict[str, Any]:
    return _quote.dump(quote)


def _dump(remittance: Remittance) -> dict[str, Any]:
    return _remittance.dump(remittance)


@ns.route("/quotes")
class Quotes(Resource):
    @operation("quoteRemittance", body=QuoteRequest, status=201, response=QuoteSchema)
    @ns.doc(security="apikey")
    @require("partner")
    def post(self) -> tuple[Body, int]:
        """Price a transfer: rate, fee and XAF amount, held until ``expires_at``."""
        data = load(QuoteRequest())
        with transaction() as session:
            quote = inbound.create_quote(
                session,
                current_principal().id,
                send_amount=data["send_amount"],
                send_currency=data["send_currency"],
            )
            body = _dump_quote(quote)
        return body, 201


@ns.route("/remittances")
class PartnerRemittances(Resource):
    @operation(
        "createPartnerRemittance",
        body=InboundRequest,
        status=201,
        also=(200,),
        response=PartnerRemittanceSchema,
        errors=(PartnerReferenceReused, QuoteExpired, InsufficientFunds, LimitExceeded),
    )
    @ns.doc(security="apikey")
    @require("partner")
    @idempotent
    def post(self) -> tuple[Body, int]:
        """Send money to Congo: into a wallet, or for cash pickup with an SMS code.

        201 when created; 200 with the first remittance when this
        ``partner_reference`` was already sent with the same body; 409 with another.
        """
        data = load(InboundRequest())
        with transaction() as session:
            result = inbound.receive(session, current_principal().id, **data)
            body = _dump(result.remittance)
        return body, 201 if result.created else 200


@ns.route("/remittances/<path:partner_reference>")  # references may hold "/"
class PartnerRemittanceItem(Resource):
    @operation(
        "getPartnerRemittance", response=PartnerRemittanceSchema, errors=(RemittanceNotFound,)
    )
    @ns.doc(security="apikey")
    @require("partner")
    def get(self, partner_reference: str) -> Body:
        """Status of a remittance by the partner's own reference."""
        with transaction() as session:
            remittance = inbound.get_for_partner(session, current_principal().id, partner_reference)
            body = _dump(remittance)
        return body


@ns.route("/webhook")
class Webhook(Resource):
    @operation("setPartnerWebhook", body=WebhookRequest, response=WebhookSetSchema)
    @ns.doc(security="apikey")
    @require("partner")
    def put(self) -> tuple[Body, int, Headers]:
        """Set the status callback URL; returns a new signing secret, shown once."""
        data = load(WebhookRequest())
        with transaction() as session:
            hook, secret = webhooks.configure(session, current_principal().id, data["url"])
            body = {
                "url": hook.url,
                "secret": secret,
                "signature_header": webhooks.SIGNATURE_HEADER,
                "event_header": webhooks.EVENT_HEADER,
            }
        return body, 200, NO_STORE
