"""Bills: GET /billers, POST /bill-payments, receipts, and what a biller polls."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_restx import Namespace, Resource
from marshmallow import Schema, fields, validate

from app.api.docs_schemas import (
    BillerListSchema,
    BillerPaymentsQuerySchema,
    BillPaymentCreatedSchema,
    BillPaymentPageSchema,
    BillReceiptSchema,
)
from app.api.idempotency import idempotent
from app.api.openapi import operation
from app.api.responses import Body
from app.api.schemas import dump_transfer
from app.api.validation import Amount, load, query_instant, query_int
from app.auth.decorators import require
from app.customers.service import get_customer
from app.db import transaction
from app.errors import AccountFrozen, AccountLocked, InsufficientFunds, InvalidState, LimitExceeded
from app.otp.models import Challenge
from app.otp.service import otp_view
from app.payments import billers, bills
from app.payments.errors import BillerNotFound, BillPaymentNotFound
from app.principal import current_principal

ns = Namespace("bills", path="/", description="Bills and e-administration fees")


class CreateBillPayment(Schema):
    biller = fields.String(required=True, validate=validate.Length(min=2, max=24))
    bill_reference = fields.String(required=True, validate=validate.Length(min=1, max=64))
    amount = Amount(required=True)


@ns.route("/billers")
class Billers(Resource):
    @operation("listBillers", response=BillerListSchema)
    def get(self) -> Body:
        """Who can be paid: code, name, category, reference format, fixed amount."""
        with transaction() as session:
            items = [billers.view(b) for b in bills.list_billers(session)]
        return {"items": items}


@ns.route("/bill-payments")
class BillPayments(Resource):
    @operation(
        "payBill",
        body=CreateBillPayment,
        status=201,
        response=BillPaymentCreatedSchema,
        errors=(BillerNotFound, InsufficientFunds, LimitExceeded, AccountFrozen, AccountLocked),
    )
    @ns.doc(security="bearer", params={"Idempotency-Key": {"in": "header", "required": True}})
    @require("customer")
    @idempotent
    def post(self) -> tuple[Body, int]:
        """Pay a bill: amount + fee reserved, OTP by SMS; confirm at /transfers/{id}/confirm."""
        data = load(CreateBillPayment())
        with transaction() as session:
            customer = get_customer(session, current_principal().id)
            transfer = bills.create_bill_payment(
                session,
                customer,
                biller_code=data["biller"],
                bill_reference=data["bill_reference"],
                amount=data["amount"],
            )
            challenge = session.get(Challenge, transfer.challenge_id)
            body: dict[str, Any] = dump_transfer(transfer, otp_view(challenge))
            body["biller"] = (transfer.meta or {}).get("biller")
            body["bill_reference"] = (transfer.meta or {}).get("bill_reference")
        return body, 201


@ns.route("/bill-payments/<string:transfer_id>/receipt")
class BillReceipt(Resource):
    @operation(
        "getBillReceipt", response=BillReceiptSchema, errors=(BillPaymentNotFound, InvalidState)
    )
    @ns.doc(security="bearer")
    @require("customer", "admin")
    def get(self, transfer_id: str) -> Body:
        """The receipt of a completed bill payment: the biller's reference and ours."""
        principal = current_principal()
        owner = principal.id if principal.role == "customer" else None
        with transaction() as session:
            body = bills.receipt_view(bills.receipt(session, transfer_id, customer_id=owner))
        return body


@ns.route("/billers/payments")
class BillerPayments(Resource):
    @operation(
        "listBillerPayments", query=BillerPaymentsQuerySchema, response=BillPaymentPageSchema
    )
    @ns.doc(
        security="apikey",
        params={"since": "ISO 8601 instant", "limit": "1-100", "cursor": "opaque"},
    )
    @require("biller")
    def get(self) -> Body:
        """The calling biller's paid bills, oldest first (poll instead of, or besides, webhooks)."""
        since = query_instant("since")
        limit = query_int("limit", 20)
        with transaction() as session:
            biller = billers.biller_for_client(session, current_principal().id)
            items, next_cursor = bills.payments_for_biller(
                session, biller, since=since, limit=limit, cursor=request.args.get("cursor")
            )
        return {"items": items, "next_cursor": next_cursor}
