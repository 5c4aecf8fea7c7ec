"""/auth: sign in (customers with number + PIN, staff with password + TOTP) and out."""

from __future__ import annotations

from flask import request
from flask_restx import Namespace, Resource
from marshmallow import Schema, validate
from marshmallow import fields as mf

from app.agents.login import login_staff
from app.api.docs_schemas import TokenSchema
from app.api.openapi import operation
from app.api.ratelimit import limit_by_msisdn_and_ip, limit_by_username_and_ip
from app.api.responses import Body, Headers
from app.api.validation import load
from app.auth.decorators import require
from app.auth.tokens import IssuedToken, revoke_token
from app.customers.login import login_customer
from app.db import transaction
from app.errors import AccountLocked, InvalidPin
from app.principal import current_principal

ns = Namespace("auth", path="/auth", description="Sign in and out")

NO_STORE = {"Cache-Control": "no-store"}


class CustomerLoginSchema(Schema):
    msisdn = mf.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        metadata={"example": "+242061234567"},
    )
    pin = mf.String(
        required=True,
        validate=validate.Regexp(r"^[0-9]{4}$", error="A PIN is exactly 4 digits."),
        metadata={"example": "2580"},
    )


class StaffLoginSchema(Schema):
    username = mf.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"example": "agent.potopoto"},
    )
    password = mf.String(required=True, validate=validate.Length(min=1, max=128))
    totp = mf.String(
        required=True,
        validate=validate.Regexp(r"^[0-9]{6}$", error="The code is 6 digits."),
    )


def _token_body(issued: IssuedToken) -> dict[str, object]:
    return {
        "access_token": issued.access_token,
        "expires_in": issued.expires_in,
        "role": issued.role,
    }


@ns.route("/login")
class CustomerLogin(Resource):
    @operation(
        "loginCustomer",
        body=CustomerLoginSchema,
        response=TokenSchema,
        errors=(InvalidPin, AccountLocked),
    )
    @ns.response(200, "Signed in")
    @ns.response(
        422,
        "invalid_pin (with attempts_left; an unknown number too) or account_locked "
        "(with locked_until, null until an agent unlocks)",
    )
    @limit_by_msisdn_and_ip("RATELIMIT_LOGIN")
    def post(self) -> tuple[Body, int, Headers]:
        """A customer signs in with number and PIN. Three wrong PINs lock the account
        (15 min, then 1 h, then 24 h, then until an agent or admin unlocks it)."""
        data = load(CustomerLoginSchema())
        with transaction() as session:
            issued = login_customer(session, msisdn=data["msisdn"], pin=data["pin"])
        return _token_body(issued), 200, NO_STORE


@ns.route("/agent/login")
class StaffLogin(Resource):
    @operation("loginStaff", body=StaffLoginSchema, response=TokenSchema)
    @ns.response(200, "Signed in")
    @ns.response(401, "unauthorized: wrong username, password or code (never says which)")
    @ns.response(422, "account_locked: five failures in a row; an admin must unlock it")
    @limit_by_username_and_ip("RATELIMIT_LOGIN", "RATELIMIT_LOGIN:staff")
    def post(self) -> tuple[Body, int, Headers]:
        """An agent or admin signs in with password and a 30-second TOTP code (single use).

        Five failures in a row lock the account until an admin unlocks it."""
        data = load(StaffLoginSchema())
        with transaction() as session:
            issued = login_staff(session, **data, ip=request.remote_addr)
        return _token_body(issued), 200, NO_STORE


@ns.route("/logout")
class Logout(Resource):
    @operation("logout", status=204)
    @ns.response(204, "Token revoked")
    @require("customer", "agent", "admin")
    def post(self) -> tuple[str, int]:
        """Revoke the token this request was made with."""
        principal = current_principal()
        with transaction() as session:
            revoke_token(session, principal.token_id or "")
        return "", 204
