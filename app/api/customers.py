"""/customers (registration, KYC, unlock) and /me (the signed-in customer's own data).

A customer only ever reaches their own data: every /me route reads the id from
the token, never from the request. Agents and admins act on a customer by id.
"""

from __future__ import annotations

from typing import Any

from flask_restx import Namespace, Resource
from marshmallow import Schema, validate
from marshmallow import fields as mf

from app.api.docs_schemas import BalanceOutSchema, OtpStateSchema
from app.api.openapi import operation
from app.api.ratelimit import limit_by_msisdn_and_ip, per_challenge, rate_limit
from app.api.responses import Body
from app.api.validation import load
from app.auth.decorators import require
from app.customers import limits, registration, service
from app.customers.models import ID_TYPES, KYC_TIERS, LANGUAGES, NAME_MAX_LENGTH, Customer
from app.customers.models import Registration as PendingRegistration
from app.db import transaction
from app.otp.service import otp_view
from app.principal import current_principal

ns = Namespace("customers", path="/customers", description="Registration, KYC and unlock")
me_ns = Namespace("me", path="/me", description="The signed-in customer")

_PIN = validate.Regexp(r"^[0-9]{4}$", error="A PIN is exactly 4 digits.")


class RegistrationSchema(Schema):
    msisdn = mf.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        metadata={
            "example": "06 123 4567",
            "description": "+242061234567, 242061234567, 061234567 or 06 123 4567",
        },
    )
    first_name = mf.String(
        required=True,
        validate=validate.Length(min=1, max=NAME_MAX_LENGTH),
        metadata={"example": "Awa"},
    )
    last_name = mf.String(
        required=True,
        validate=validate.Length(min=1, max=NAME_MAX_LENGTH),
        metadata={"example": "Mabiala"},
    )
    pin = mf.String(
        required=True, validate=_PIN, metadata={"example": "2580", "description": "not trivial"}
    )
    language = mf.String(load_default="fr", validate=validate.OneOf(LANGUAGES))


class VerificationSchema(Schema):
    otp = mf.String(
        required=True,
        validate=validate.Length(min=1, max=16),
        metadata={"example": "123456", "description": "the code sent by SMS"},
    )


class KycSchema(Schema):
    tier = mf.String(required=True, validate=validate.OneOf(KYC_TIERS))
    id_type = mf.String(required=True, validate=validate.OneOf(ID_TYPES))
    id_number = mf.String(
        required=True, validate=validate.Length(min=3, max=40), metadata={"example": "CG-1234567"}
    )


class PinChangeSchema(Schema):
    old_pin = mf.String(required=True, validate=_PIN)
    new_pin = mf.String(required=True, validate=_PIN)


class CustomerSchema(Schema):
    id = mf.String(metadata={"example": "6f1c2a7e-0d0b-4f0e-9a55-3d1f0c2b9e11"})
    msisdn = mf.String(metadata={"example": "+242061234567"})
    first_name = mf.String(metadata={"example": "Awa"})
    last_name = mf.String(metadata={"example": "Mabiala"})
    display_name = mf.String(metadata={"example": "Awa M."})
    language = mf.String(metadata={"enum": list(LANGUAGES)})
    kyc_tier = mf.String(metadata={"enum": list(KYC_TIERS)})
    status = mf.String(metadata={"enum": ["pending_verification", "active", "locked", "frozen"]})
    created_at = mf.AwareDateTime()


class PendingRegistrationSchema(CustomerSchema):
    otp = mf.Nested(OtpStateSchema, metadata={"description": "the registration expires with it"})


class RegisteredCustomerSchema(CustomerSchema):
    wallet = mf.Nested(BalanceOutSchema)


class LimitsSchema(Schema):
    tier = mf.String(metadata={"enum": list(KYC_TIERS)})
    currency = mf.String(metadata={"example": "XAF"})
    balance = mf.Integer(metadata={"description": "wallet balance cap"})
    single = mf.Integer(metadata={"description": "one outgoing payment"})
    daily = mf.Integer()
    monthly = mf.Integer()
    daily_used = mf.Integer()
    monthly_used = mf.Integer()
    daily_remaining = mf.Integer()
    monthly_remaining = mf.Integer()


class ProfileSchema(CustomerSchema):
    limits = mf.Nested(LimitsSchema)


def _customer(customer: Customer | PendingRegistration, **extra: Any) -> dict[str, Any]:
    return {**CustomerSchema().dump(customer), **extra}


@ns.route("")
class Registration(Resource):
    @operation(
        "registerCustomer", body=RegistrationSchema, status=201, response=PendingRegistrationSchema
    )
    @ns.response(201, "Waiting for the code texted to the number")
    @ns.response(400, "validation_error")
    @ns.response(409, "conflict: number registered, or its registration awaits its code")
    @limit_by_msisdn_and_ip("RATELIMIT_REGISTER")
    def post(self) -> tuple[Body, int]:
        """Register a customer: a 6-digit code goes by SMS to the number, to verify."""
        data = load(RegistrationSchema())
        with transaction() as session:
            pending, challenge = registration.start_registration(session, **data)
        return _customer(pending, otp=otp_view(challenge)), 201


@ns.route("/<string:customer_id>/verify")
@ns.param("customer_id", "The id the registration answered")
class Verification(Resource):
    @operation("verifyCustomer", body=VerificationSchema, response=RegisteredCustomerSchema)
    @ns.response(200, "Verified: active, wallet opened, welcome SMS")
    @ns.response(404, "not_found: no such registration, or it was replaced")
    @ns.response(409, "conflict: the number was registered meanwhile (e.g. over USSD)")
    @ns.response(422, "invalid_otp, otp_expired, otp_attempts_exceeded or invalid_state")
    @rate_limit("RATELIMIT_OTP:registration", per_challenge("RATELIMIT_OTP", "customer_id"))
    def post(self, customer_id: str) -> Body:
        """Prove the number with the code texted to it; the customer becomes active."""
        data = load(VerificationSchema())
        with transaction() as session:
            customer = registration.verify_registration(session, customer_id, data["otp"])
            wallet = service.wallet_balance(session, customer)
        return _customer(customer, wallet=BalanceOutSchema().dump(wallet))


@ns.route("/<string:customer_id>/kyc")
@ns.param("customer_id", "The customer's id")
class KycUpgrade(Resource):
    @operation("upgradeCustomerKyc", body=KycSchema, response=CustomerSchema)
    @ns.response(200, "Tier raised")
    @ns.response(404, "not_found")
    @ns.response(409, "conflict: the document is registered to another customer")
    @ns.response(422, "invalid_state: already at this tier or higher")
    @require("agent")
    def post(self, customer_id: str) -> Body:
        """An agent raises a customer's KYC tier after checking an identity document."""
        data = load(KycSchema())
        with transaction() as session:
            customer = service.upgrade_kyc(session, customer_id, by=current_principal(), **data)
        return _customer(customer)


@ns.route("/<string:customer_id>/unlock")
@ns.param("customer_id", "The customer's id")
class Unlock(Resource):
    @operation("unlockCustomer", response=CustomerSchema)
    @ns.response(200, "Unlocked")
    @ns.response(404, "not_found")
    @ns.response(422, "invalid_state: the account is frozen")
    @require("agent", "admin")
    def post(self, customer_id: str) -> Body:
        """Lift the lock put by three wrong PINs."""
        with transaction() as session:
            customer = service.unlock_customer(session, customer_id, by=current_principal())
        return _customer(customer)


@me_ns.route("")
class Me(Resource):
    @operation("getMe", response=ProfileSchema)
    @me_ns.response(200, "Profile, KYC tier and limits")
    @require("customer")
    def get(self) -> Body:
        """The signed-in customer's profile, KYC tier and limits with today's usage."""
        with transaction() as session:
            customer = service.get_customer(session, current_principal().id)
            caps = limits.limits_for(session, customer)
        return _customer(customer, limits=caps)


@me_ns.route("/balance")
class MyBalance(Resource):
    @operation("getMyBalance", response=BalanceOutSchema)
    @me_ns.response(200, "Wallet balance")
    @require("customer")
    def get(self) -> Body:
        """Available, reserved and posted balance of the wallet."""
        with transaction() as session:
            customer = service.get_customer(session, current_principal().id)
            wallet = service.wallet_balance(session, customer)
        return BalanceOutSchema().dump(wallet)


@me_ns.route("/pin")
class MyPin(Resource):
    @operation("changeMyPin", body=PinChangeSchema, status=204)
    @me_ns.response(204, "PIN changed; every other session signed out")
    @me_ns.response(400, "validation_error: the new PIN is malformed or trivial")
    @me_ns.response(422, "invalid_pin (old PIN wrong) or account_locked")
    @require("customer")
    @limit_by_msisdn_and_ip("RATELIMIT_LOGIN", "RATELIMIT_LOGIN:pin")
    def post(self) -> tuple[str, int]:
        """Change the PIN; the old one is checked like at sign-in."""
        principal = current_principal()
        data = load(PinChangeSchema())
        with transaction() as session:
            customer = service.get_customer(session, principal.id)
            service.change_pin(session, customer, keep_token_id=principal.token_id, **data)
        return "", 204
