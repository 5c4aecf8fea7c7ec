"""Remittances (mandats): /remittances for customers, /agent/remittances for counters.

The withdrawal code is never in a response, not even the first one: responses
of money-moving requests are kept for idempotent replays, and the code must
exist only in the recipient's SMS.
"""

from __future__ import annotations

from typing import Any

from flask_restx import Namespace, Resource
from marshmallow import Schema, fields, validate

from app.agents.errors import TillClosed
from app.agents.staff import get_agent
from app.api.docs_schemas import OtpStateSchema
from app.api.idempotency import idempotent
from app.api.openapi import operation
from app.api.pending import confirm_and_cancel
from app.api.ratelimit import per_account, per_challenge, rate_limit
from app.api.responses import Body
from app.api.validation import Amount, load
from app.auth.decorators import require
from app.customers.service import get_customer
from app.db import transaction
from app.errors import AccountFrozen, AccountLocked, InsufficientFunds, LimitExceeded
from app.principal import current_principal
from app.remittances import claims, counter, queries, wallet
from app.remittances.errors import (
    PayoutsLocked,
    RemittanceNotCancellable,
    RemittanceNotFound,
    RemittanceNotPayable,
    RemittanceNotPending,
    WrongRemittanceCode,
)
from app.remittances.models import Remittance

ns = Namespace("remittances", path="/remittances", description="Remittances (mandats)")
agent_ns = Namespace(
    "agent-remittances", path="/agent/remittances", description="Remittances at the counter"
)

_CODE = fields.String(required=True, validate=validate.Length(min=1, max=20))


class Party(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    msisdn = fields.String(required=True, validate=validate.Length(min=6, max=32))


class CashSender(Party):
    id_type = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=24))
    id_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))


class CreateRemittance(Schema):
    recipient = fields.Nested(Party, required=True)
    amount = Amount(required=True)


class Claim(Schema):
    code = _CODE


class CashSend(Schema):
    sender = fields.Nested(CashSender, required=True)
    recipient = fields.Nested(Party, required=True)
    amount = Amount(required=True)


class Payout(Schema):
    code = _CODE
    recipient_id_type = fields.String(required=True, validate=validate.Length(min=1, max=24))
    recipient_id_number = fields.String(required=True, validate=validate.Length(min=1, max=60))


class RecipientViewSchema(Schema):
    name = fields.String()
    msisdn = fields.String()


class SenderViewSchema(RecipientViewSchema):
    msisdn = fields.String(
        allow_none=True,
        metadata={"description": "null for a sender without a number (abroad, or PostCash)"},
    )


class _PartyOf(fields.Nested):
    """One party of a remittance, read from its ``<role>_name`` and ``<role>_msisdn``."""

    def __init__(self, role: str, schema: type[Schema]) -> None:
        super().__init__(schema)
        self.role = role

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return {
            "name": getattr(obj, f"{self.role}_name"),
            "msisdn": getattr(obj, f"{self.role}_msisdn"),
        }


class RemittanceSchema(Schema):
    """The remittance as its sender, an admin or the paying counter sees it (no code)."""

    id = fields.String()
    reference = fields.String()
    source = fields.String()
    status = fields.String()
    payout_method = fields.String(allow_none=True)
    amount = fields.Integer()
    fee = fields.Integer()
    currency = fields.String()
    sender = _PartyOf("sender", SenderViewSchema)
    recipient = _PartyOf("recipient", RecipientViewSchema)
    created_at = fields.AwareDateTime()
    confirmed_at = fields.AwareDateTime(allow_none=True)
    expires_at = fields.AwareDateTime(allow_none=True)
    paid_out_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)


class RemittanceRefundSchema(Schema):
    method = fields.String(metadata={"description": "wallet, cash_pickup or funder"})
    amount = fields.Integer()
    reference = fields.String()


class RemittanceOutSchema(RemittanceSchema):
    """The remittance with its OTP state and, once refunded, how the money went back."""

    otp = fields.Nested(OtpStateSchema, allow_none=True)
    refund = fields.Nested(RemittanceRefundSchema, allow_none=True)


_schema = RemittanceSchema()


def dump_remittance(session: Any, remittance: Remittance) -> dict[str, Any]:
    data: dict[str, Any] = _schema.dump(remittance)
    data["otp"] = queries.otp_state(session, remittance)
    data["refund"] = queries.refund_view(remittance)
    return data


@ns.route("")
class Remittances(Resource):
    @operation(
        "sendRemittance",
        body=CreateRemittance,
        status=201,
        response=RemittanceOutSchema,
        errors=(InsufficientFunds, LimitExceeded, AccountFrozen, AccountLocked),
    )
    @ns.doc(security="bearer")
    @require("customer")
    @idempotent
    def post(self) -> tuple[Body, int]:
        """Send a remittance from the wallet: reserves amount + fee and sends an OTP."""
        data = load(CreateRemittance())
        with transaction() as session:
            sender = get_customer(session, current_principal().id)
            remittance = wallet.create_remittance(
                session,
                sender,
                recipient_name=data["recipient"]["name"],
                recipient_msisdn=data["recipient"]["msisdn"],
                amount=data["amount"],
            )
            body = dump_remittance(session, remittance)
        return body, 201


@ns.route("/claim")
class ClaimResource(Resource):
    @operation(
        "claimRemittance",
        body=Claim,
        response=RemittanceOutSchema,
        errors=(RemittanceNotFound, RemittanceNotPayable, WrongRemittanceCode, LimitExceeded),
    )
    @ns.doc(security="bearer")
    @require("customer")
    @idempotent(optional=True)
    def post(self) -> Body:
        """Credit a remittance sent to my number into my wallet, with its 10-digit code."""
        data = load(Claim())
        with transaction() as session:
            customer = get_customer(session, current_principal().id)
            remittance = claims.claim_to_wallet(session, customer, data["code"], channel="api")
            body = dump_remittance(session, remittance)
        return body


@ns.route("/<string:remittance_id>")
class RemittanceItem(Resource):
    @operation("getRemittance", response=RemittanceOutSchema, errors=(RemittanceNotFound,))
    @ns.doc(security="bearer")
    @require("customer", "admin")
    def get(self, remittance_id: str) -> Body:
        """A remittance, for its sender or an admin (the code is never shown)."""
        principal = current_principal()
        with transaction() as session:
            remittance = queries.get_remittance(
                session, remittance_id, role=principal.role, viewer_id=principal.id
            )
            body = dump_remittance(session, remittance)
        return body


RemittanceConfirmation, RemittanceCancellation = confirm_and_cancel(
    ns,
    "/<string:remittance_id>",
    confirm=wallet.confirm_remittance,
    cancel=wallet.cancel_remittance,
    dump=dump_remittance,
    limit=rate_limit(
        "RATELIMIT_OTP:remittance",
        per_challenge("RATELIMIT_OTP", "remittance_id"),
        per_account("RATELIMIT_OTP_ACCOUNT"),
    ),
    confirm_summary=(
        "Confirm with the SMS code → awaiting payout; the recipient gets the withdrawal code."
    ),
    cancel_summary=(
        "Cancel before payout: released, or refunded (the fee is kept unless configured)."
    ),
    noun="Remittance",
    response=RemittanceOutSchema,
    errors=(RemittanceNotFound, RemittanceNotPending, RemittanceNotCancellable),
)


@agent_ns.route("")
class CashRemittances(Resource):
    @operation(
        "sendCashRemittance",
        body=CashSend,
        status=201,
        response=RemittanceOutSchema,
        errors=(InsufficientFunds, LimitExceeded, TillClosed),
    )
    @agent_ns.doc(security="bearer")
    @require("agent")
    @idempotent
    def post(self) -> tuple[Body, int]:
        """A walk-in sender pays in cash; the counter's float funds it; awaiting payout at once."""
        data = load(CashSend())
        with transaction() as session:
            agent = get_agent(session, current_principal().id)
            remittance = counter.send_cash(
                session,
                agent,
                sender=data["sender"],
                recipient=data["recipient"],
                amount=data["amount"],
            )
            body = dump_remittance(session, remittance)
        return body, 201


@agent_ns.route("/payout")
class PayoutResource(Resource):
    @operation(
        "payRemittance",
        body=Payout,
        response=RemittanceOutSchema,
        errors=(
            RemittanceNotFound,
            RemittanceNotPayable,
            WrongRemittanceCode,
            PayoutsLocked,
            InsufficientFunds,
            TillClosed,
        ),
    )
    @agent_ns.doc(security="bearer")
    @require("agent")
    @rate_limit("RATELIMIT_OTP:payout", per_account("RATELIMIT_OTP"))
    @idempotent
    def post(self) -> Body:
        """Pay a remittance in cash against its code and the recipient's identity document."""
        data = load(Payout())
        with transaction() as session:
            agent = get_agent(session, current_principal().id)
            remittance = counter.pay_out(
                session,
                agent,
                code=data["code"],
                recipient_id_type=data["recipient_id_type"],
                recipient_id_number=data["recipient_id_number"],
            )
            body = dump_remittance(session, remittance)
        return body
