"""Merchant payment requests: the merchant's side (/merchant/...) and the customer's."""

from __future__ import annotations

from flask_restx import Namespace, Resource
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.api.docs_schemas import (
    CustomerRequestPageSchema,
    CustomerRequestSchema,
    MerchantRequestSchema,
    RefundViewSchema,
)
from app.api.idempotency import idempotent
from app.api.openapi import operation
from app.api.ratelimit import per_account, per_challenge, rate_limit
from app.api.responses import Body
from app.api.validation import Amount, load
from app.auth.decorators import require
from app.customers.service import get_customer
from app.db import transaction
from app.errors import (
    AccountLocked,
    InsufficientFunds,
    InvalidOtp,
    InvalidPin,
    LimitExceeded,
    OtpAttemptsExceeded,
    OtpExpired,
    RecipientNotFound,
)
from app.otp.models import Challenge
from app.otp.service import otp_view
from app.payments import refunds, requests
from app.payments.errors import (
    MerchantReferenceReused,
    NotRefundable,
    PaymentRequestNotFound,
    RefundExceedsPayment,
    RequestNotPending,
)
from app.payments.models import PaymentRequest
from app.principal import current_principal

ns = Namespace("merchants", path="/", description="Merchant payment requests and refunds")


class CreateRequest(Schema):
    msisdn = fields.String(required=True, validate=validate.Length(min=6, max=32))
    amount = Amount(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=64))
    callback_url = fields.String(load_default=None, allow_none=True)


class Approve(Schema):
    """The PIN, or the SMS code of POST /payment-requests/{id}/otp: exactly one."""

    pin = fields.String(validate=validate.Regexp(r"^\d{4}$", error="Four digits."))
    otp = fields.String(validate=validate.Regexp(r"^\d{6}$", error="Six digits."))

    @validates_schema
    def _one_of(self, data: dict[str, str], **_kwargs: object) -> None:
        if ("pin" in data) == ("otp" in data):
            raise ValidationError("Send either pin or otp.", "pin")


class Refund(Schema):
    amount = Amount(required=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=140))


@ns.route("/merchant/payment-requests")
class PaymentRequests(Resource):
    @operation(
        "createPaymentRequest",
        body=CreateRequest,
        status=201,
        also=(200,),
        response=MerchantRequestSchema,
        errors=(MerchantReferenceReused, RecipientNotFound),
    )
    @ns.doc(security="apikey", params={"Idempotency-Key": {"in": "header", "required": True}})
    @require("merchant")
    @idempotent
    def post(self) -> tuple[Body, int]:
        """Ask a customer to pay; they approve with their PIN (app, USSD) before ``expires_at``.

        201 when created; 200 with the first request when this ``reference`` was
        already sent with the same body; 409 ``conflict`` with another body.
        """
        data = load(CreateRequest())
        with transaction() as session:
            request, created = requests.create_payment_request(
                session, current_principal().id, **data
            )
            body = requests.merchant_view(session, request)
        return body, 201 if created else 200


@ns.route("/merchant/payment-requests/<string:request_id>")
class PaymentRequestItem(Resource):
    @operation(
        "getPaymentRequest", response=MerchantRequestSchema, errors=(PaymentRequestNotFound,)
    )
    @ns.doc(security="apikey")
    @require("merchant")
    def get(self, request_id: str) -> Body:
        """Status for polling: pending, paid, declined or expired."""
        with transaction() as session:
            request = requests.get_for_merchant(session, current_principal().id, request_id)
            body = requests.merchant_view(session, request)
        return body


@ns.route("/merchant/payments/<string:request_id>/refunds")
class Refunds(Resource):
    @operation(
        "refundPayment",
        body=Refund,
        status=201,
        response=RefundViewSchema,
        errors=(PaymentRequestNotFound, RefundExceedsPayment, NotRefundable, InsufficientFunds),
    )
    @ns.doc(security="apikey", params={"Idempotency-Key": {"in": "header", "required": True}})
    @require("merchant")
    @idempotent
    def post(self, request_id: str) -> tuple[Body, int]:
        """Refund part or all of a paid request (never more than was paid, in total)."""
        data = load(Refund())
        with transaction() as session:
            refund = refunds.refund_payment(session, current_principal().id, request_id, **data)
            request = session.get(PaymentRequest, refund.payment_request_id)
            assert request is not None
            body = refunds.refund_view(refund, request)
        return body, 201


@ns.route("/me/payment-requests")
class MyPaymentRequests(Resource):
    @operation("listMyPaymentRequests", response=CustomerRequestPageSchema)
    @ns.doc(security="bearer")
    @require("customer")
    def get(self) -> Body:
        """What merchants are asking me to pay right now."""
        with transaction() as session:
            customer = get_customer(session, current_principal().id)
            items = [
                requests.customer_view(session, r)
                for r in requests.pending_requests_for(session, customer)
            ]
        return {"items": items, "next_cursor": None}


@ns.route("/payment-requests/<string:request_id>/approve")
class ApproveRequest(Resource):
    @operation(
        "approvePaymentRequest",
        body=Approve,
        response=CustomerRequestSchema,
        errors=(
            PaymentRequestNotFound,
            RequestNotPending,
            InsufficientFunds,
            LimitExceeded,
            InvalidPin,
            AccountLocked,
            InvalidOtp,
            OtpExpired,
            OtpAttemptsExceeded,
        ),
    )
    @ns.doc(security="bearer")
    @require("customer")
    @rate_limit(
        "RATELIMIT_OTP:approve",
        per_challenge("RATELIMIT_OTP", "request_id"),
        per_account("RATELIMIT_OTP_ACCOUNT"),
    )
    @idempotent(optional=True)
    def post(self, request_id: str) -> Body:
        """Pay the merchant with my PIN, or with the code texted by .../otp."""
        data = load(Approve())
        with transaction() as session:
            customer = get_customer(session, current_principal().id)
            if "pin" in data:
                request = requests.approve_request(session, request_id, customer, pin=data["pin"])
            else:
                request = requests.approve_request_with_otp(
                    session, request_id, customer, otp=data["otp"]
                )
            body = requests.customer_view(session, request)
        return body


@ns.route("/payment-requests/<string:request_id>/otp")
class RequestCode(Resource):
    @operation(
        "requestPaymentRequestCode",
        response=CustomerRequestSchema,
        errors=(PaymentRequestNotFound, RequestNotPending),
    )
    @ns.doc(security="bearer")
    @require("customer")
    @rate_limit(
        "RATELIMIT_OTP:merchant",
        per_challenge("RATELIMIT_OTP", "request_id"),
        per_account("RATELIMIT_OTP_ACCOUNT"),
    )
    def post(self, request_id: str) -> Body:
        """Text me a code that approves this request (instead of typing my PIN)."""
        with transaction() as session:
            customer = get_customer(session, current_principal().id)
            request = requests.request_otp(session, request_id, customer)
            challenge = session.get(Challenge, request.challenge_id)
            body = requests.customer_view(session, request)
            body["otp"] = otp_view(challenge)
        return body


@ns.route("/payment-requests/<string:request_id>/decline")
class DeclineRequest(Resource):
    @operation(
        "declinePaymentRequest",
        response=CustomerRequestSchema,
        errors=(PaymentRequestNotFound, RequestNotPending),
    )
    @ns.doc(security="bearer")
    @require("customer")
    @idempotent(optional=True)
    def post(self, request_id: str) -> Body:
        """Refuse to pay; the merchant is told."""
        with transaction() as session:
            customer = get_customer(session, current_principal().id)
            request = requests.decline_request(session, request_id, customer)
            body = requests.customer_view(session, request)
        return body
