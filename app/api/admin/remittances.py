"""/admin/prefunding and /admin/fx-rates: the operator's side of inbound remittances."""

from __future__ import annotations

from flask import request
from flask_restx import Namespace, Resource
from marshmallow import Schema, fields, validate

from app.api.docs_schemas import FxRateListSchema, FxRateSchema, PrefundingDoneSchema
from app.api.idempotency import idempotent
from app.api.openapi import operation
from app.api.responses import Body
from app.api.validation import Amount, load
from app.auth.decorators import require
from app.db import transaction
from app.principal import current_principal
from app.remittances import fx, prefunding

ns = Namespace("admin-remittances", path="/admin", description="Prefunding and exchange rates")


class Prefunding(Schema):
    account_holder = fields.String(
        required=True, validate=validate.OneOf(sorted(prefunding.HOLDERS))
    )
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    amount = Amount(required=True)


class RateUpdate(Schema):
    rate = fields.String(required=True, validate=validate.Length(min=1, max=32))


@ns.route("/prefunding")
class PrefundingResource(Resource):
    @operation(
        "recordPrefunding",
        body=Prefunding,
        status=201,
        response=PrefundingDoneSchema,
        codes={404: ("not_found",)},  # no such partner or payer
    )
    @ns.doc(security="bearer")
    @require("admin")
    @idempotent
    def post(self) -> tuple[Body, int]:
        """Record a partner's or payer's deposit: trust:bank → partner:<id> / payer:<id>."""
        data = load(Prefunding())
        admin = current_principal()
        with transaction() as session:
            result = prefunding.prefund(
                session,
                account_holder=data["account_holder"],
                holder_id=data["id"],
                amount=data["amount"],
                key=request.headers.get("Idempotency-Key", ""),
                admin_id=admin.id,
                ip=request.remote_addr,
            )
        return {
            "account_holder": result.account_holder,
            "id": result.holder_id,
            "amount": result.amount,
            "entry_id": result.entry_id,
            "balance": result.balance,
            "currency": result.currency,
        }, 201


@ns.route("/fx-rates")
class FxRates(Resource):
    @operation("listFxRates", response=FxRateListSchema)
    @ns.doc(security="bearer")
    @require("admin")
    def get(self) -> Body:
        """Every convertible currency: EUR at the CEMAC peg, the others as last set."""
        with transaction() as session:
            items = fx.list_rates(session)
        return {"items": items}


@ns.route("/fx-rates/<string:currency>")
class FxRateItem(Resource):
    @operation("setFxRate", body=RateUpdate, response=FxRateSchema)
    @ns.doc(security="bearer")
    @require("admin")
    def put(self, currency: str) -> Body:
        """Set the mid-market rate (XAF per unit, decimal string); FX_MARGIN_BP applies on top."""
        data = load(RateUpdate())
        admin = current_principal()
        with transaction() as session:
            row = fx.set_rate(
                session, currency, data["rate"], admin_id=admin.id, ip=request.remote_addr
            )
            body = {
                "currency": row.currency,
                "rate": row.rate,
                "updated_at": row.updated_at.isoformat(),
            }
        return body
