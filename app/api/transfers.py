"""POST /transfers, confirm, cancel, GET, reversal; POST /withdrawals; GET /fees."""

from __future__ import annotations

from flask import request
from flask_restx import Namespace, Resource
from marshmallow import Schema, fields, validate

from app.api.docs_schemas import FeeQuoteSchema, TransferOutSchema, WithdrawalOutSchema
from app.api.idempotency import idempotent
from app.api.openapi import operation
from app.api.pending import confirm_and_cancel
from app.api.ratelimit import per_account, per_challenge, rate_limit
from app.api.responses import Body
from app.api.schemas import dump_transfer, dump_transfer_with_otp
from app.api.validation import MAX_AMOUNT, Amount, ascii_int, load
from app.auth.decorators import require
from app.customers.service import get_customer
from app.db import current_runtime, transaction
from app.errors import (
    AccountFrozen,
    AccountLocked,
    InsufficientFunds,
    InvalidState,
    LimitExceeded,
    OtpExpired,
    RateLimited,
    RecipientNotFound,
    ValidationFailed,
)
from app.fees import quote
from app.principal import current_principal
from app.transfers import p2p, withdrawals
from app.transfers.errors import TransferNotFound, TransferNotPending
from app.transfers.lifecycle import expire_if_stale
from app.transfers.locks import lock_transfer
from app.transfers.models import Transfer
from app.transfers.reversal import reverse_transfer

ns = Namespace("transfers", path="/", description="Payments confirmed by OTP")


class CreateTransfer(Schema):
    type = fields.String(required=True, validate=validate.OneOf(["p2p"]))
    to = fields.String(required=True, validate=validate.Length(min=6, max=20))
    amount = Amount(required=True)
    note = fields.String(validate=validate.Length(max=140), allow_none=True)


class Reversal(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=200))


class CreateWithdrawal(Schema):
    amount = Amount(required=True)


class FeeQuery(Schema):
    type = fields.String(
        required=True, metadata={"description": "p2p, cashout, remittance, bill, merchant"}
    )
    amount = fields.Integer(required=True, metadata={"description": "XAF"})


@ns.route("/transfers")
class Transfers(Resource):
    @operation(
        "createTransfer",
        body=CreateTransfer,
        status=201,
        response=TransferOutSchema,
        errors=(InsufficientFunds, LimitExceeded, RecipientNotFound, AccountFrozen, AccountLocked),
    )
    @ns.doc(security="bearer", params={"Idempotency-Key": {"in": "header", "required": True}})
    @require("customer")
    @idempotent
    def post(self) -> tuple[Body, int]:
        """Send money: reserves amount + fee and sends an OTP by SMS."""
        data = load(CreateTransfer())
        with transaction() as session:
            sender = get_customer(session, current_principal().id)
            transfer = p2p.create_p2p(
                session, sender, to=data["to"], amount=data["amount"], note=data.get("note")
            )
            body = dump_transfer_with_otp(session, transfer)
        return body, 201


@ns.route("/transfers/<string:transfer_id>")
class TransferItem(Resource):
    @operation("getTransfer", response=TransferOutSchema, errors=(TransferNotFound,))
    @ns.doc(security="bearer")
    @require("customer", "agent", "admin")
    def get(self, transfer_id: str) -> Body:
        """A transfer; a pending one past its deadline is expired on the way."""
        principal = current_principal()
        with transaction() as session:
            transfer = session.get(Transfer, transfer_id)
            visible = transfer is not None and (
                principal.role == "admin"
                or transfer.initiator_id == principal.id
                or (principal.role == "agent" and transfer.agent_id == principal.id)
            )
            if not visible or transfer is None:
                raise TransferNotFound()
            if transfer.status == "pending_confirmation":
                transfer = lock_transfer(session, transfer_id)
                expire_if_stale(session, transfer)
            body = dump_transfer_with_otp(session, transfer)
        return body


TransferConfirmation, TransferCancellation = confirm_and_cancel(
    ns,
    "/transfers/<string:transfer_id>",
    confirm=p2p.confirm_transfer,
    cancel=p2p.cancel_transfer,
    dump=dump_transfer_with_otp,
    limit=rate_limit(
        "RATELIMIT_OTP",
        per_challenge("RATELIMIT_OTP", "transfer_id"),
        per_account("RATELIMIT_OTP_ACCOUNT"),
    ),
    confirm_summary="Confirm with the SMS code; three wrong codes fail the transfer.",
    cancel_summary="Cancel a transfer awaiting confirmation; the reserved funds are released.",
    noun="Transfer",
    response=TransferOutSchema,
    errors=(TransferNotFound, TransferNotPending),
)


@ns.route("/transfers/<string:transfer_id>/otp")
class TransferCode(Resource):
    @operation(
        "requestTransferCode",
        response=TransferOutSchema,
        errors=(TransferNotFound, TransferNotPending, OtpExpired, RateLimited),
    )
    @ns.doc(security="bearer")
    @require("customer")
    @rate_limit(
        "RATELIMIT_OTP:resend",
        per_challenge("RATELIMIT_OTP", "transfer_id"),
        per_account("RATELIMIT_OTP_ACCOUNT"),
    )
    def post(self, transfer_id: str) -> Body:
        """Text me the code of this transfer again (it did not arrive)."""
        with transaction() as session:
            customer = get_customer(session, current_principal().id)
            transfer = p2p.resend_code(session, transfer_id, customer)
            body = dump_transfer_with_otp(session, transfer)
        return body


@ns.route("/transfers/<string:transfer_id>/reversal")
class ReversalResource(Resource):
    @operation(
        "reverseTransfer",
        body=Reversal,
        response=TransferOutSchema,
        errors=(TransferNotFound, InvalidState, InsufficientFunds, LimitExceeded),
    )
    @ns.doc(security="bearer")
    @require("admin")
    @idempotent
    def post(self, transfer_id: str) -> Body:
        """Compensate a completed transfer (refused if the recipient already spent it)."""
        data = load(Reversal())
        with transaction() as session:
            transfer = reverse_transfer(
                session,
                transfer_id,
                reason=data["reason"],
                admin_id=current_principal().id,
                ip=request.remote_addr,
            )
            body = dump_transfer_with_otp(session, transfer)
        return body


@ns.route("/withdrawals")
class Withdrawals(Resource):
    @operation(
        "createWithdrawal",
        body=CreateWithdrawal,
        status=201,
        response=WithdrawalOutSchema,
        errors=(InsufficientFunds, LimitExceeded, AccountFrozen, AccountLocked, InvalidState),
    )
    @ns.doc(security="bearer", params={"Idempotency-Key": {"in": "header", "required": True}})
    @require("customer")
    @idempotent
    def post(self) -> tuple[Body, int]:
        """Reserve cash to collect at any counter: a 6-digit code, valid 15 minutes."""
        data = load(CreateWithdrawal())
        with transaction() as session:
            customer = get_customer(session, current_principal().id)
            issued = withdrawals.create_withdrawal(session, customer, amount=data["amount"])
            transfer = issued.transfer
            body = {
                "transfer": dump_transfer(transfer),
                "code": issued.code,
                "expires_at": transfer.expires_at.isoformat() if transfer.expires_at else None,
            }
        return body, 201


@ns.route("/fees")
class Fees(Resource):
    @operation("getFees", query=FeeQuery, response=FeeQuoteSchema)
    def get(self) -> Body:
        """Quote the fee of an operation."""
        fee_type = request.args.get("type", "")
        amount = ascii_int(request.args.get("amount", ""))
        if amount is None or not 0 < amount <= MAX_AMOUNT:
            raise ValidationFailed({"amount": ["Must be a positive integer amount."]})
        result = quote(current_runtime().config, fee_type, amount)
        return {
            "type": result.type,
            "amount": result.amount,
            "fee": result.fee,
            "total": result.total,
        }
