"""/admin for cyber-finance: merchants, billers, settlements and undelivered callbacks."""

from __future__ import annotations

from datetime import date

from flask import request
from flask_restx import Namespace, Resource
from marshmallow import Schema, fields, validate

from app.api.docs_schemas import (
    BillerStatusSchema,
    CallbackPageSchema,
    CallbackQuerySchema,
    CallbackViewSchema,
    CreatedBillerSchema,
    CreatedMerchantSchema,
    DayQuerySchema,
    SettlementListSchema,
)
from app.api.openapi import operation
from app.api.responses import Body, Headers
from app.api.schemas import ReasonSchema
from app.api.validation import load, query_int
from app.auth.decorators import require
from app.db import transaction
from app.errors import Conflict, NotFound, ValidationFailed
from app.payments import callbacks, settlement
from app.payments.biller_status import disable_biller, enable_biller
from app.payments.billers import create_biller
from app.payments.errors import BillerNotFound
from app.payments.merchants import create_merchant
from app.payments.models import BILLER_CATEGORIES, DELIVERY_STATUSES, Biller
from app.principal import current_principal

ns = Namespace("admin-cyber", path="/admin", description="Merchants, billers and callbacks")

NO_STORE = {"Cache-Control": "no-store"}


class MerchantSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=120))
    fee_rate = fields.Integer(load_default=None, allow_none=True, strict=True)
    callback_url = fields.String(load_default=None, allow_none=True)


def biller_status_view(biller: Biller) -> dict[str, str]:
    return {"code": biller.code, "name": biller.name, "status": biller.status}


class BillerSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=2, max=24))
    name = fields.String(required=True, validate=validate.Length(min=2, max=60))
    category = fields.String(required=True, validate=validate.OneOf(BILLER_CATEGORIES))
    reference_pattern = fields.String(required=True, validate=validate.Length(min=1, max=200))
    reference_hint = fields.String(required=True, validate=validate.Length(min=2, max=120))
    reference_example = fields.String(load_default=None, allow_none=True)
    fixed_amount = fields.Integer(load_default=None, allow_none=True, strict=True)
    webhook_url = fields.String(load_default=None, allow_none=True)


@ns.route("/merchants")
class Merchants(Resource):
    @operation("createMerchant", body=MerchantSchema, status=201, response=CreatedMerchantSchema)
    @ns.doc(security="bearer")
    @require("admin")
    def post(self) -> tuple[Body, int, Headers]:
        """Create a merchant; its API key and callback secret are shown once."""
        data = load(MerchantSchema())
        with transaction() as session:
            created = create_merchant(session, by=current_principal(), **data)
            body = {
                "id": created.client.id,
                "name": created.client.name,
                "fee_rate": created.merchant.fee_rate_bp,
                "callback_url": created.merchant.callback_url,
                "api_key": created.api_key,
                "webhook_secret": created.webhook_secret,
            }
        return body, 201, NO_STORE


@ns.route("/billers")
class Billers(Resource):
    @operation(
        "createBiller",
        body=BillerSchema,
        status=201,
        response=CreatedBillerSchema,
        errors=[Conflict],
    )
    @ns.doc(security="bearer")
    @require("admin")
    def post(self) -> tuple[Body, int, Headers]:
        """Register a biller; its API key (to poll payments) and webhook secret are shown once."""
        data = load(BillerSchema())
        with transaction() as session:
            created = create_biller(session, by=current_principal(), **data)
            biller = created.biller
            body = {
                "id": biller.client_id,
                "code": biller.code,
                "name": biller.name,
                "category": biller.category,
                "reference_pattern": biller.reference_pattern,
                "reference_hint": biller.reference_hint,
                "reference_example": biller.reference_example,
                "fixed_amount": biller.fixed_amount,
                "webhook_url": biller.webhook_url,
                "api_key": created.api_key,
                "webhook_secret": created.webhook_secret,
            }
        return body, 201, NO_STORE


@ns.route("/billers/<string:code>/disable")
class BillerDisable(Resource):
    @operation(
        "disableBiller", body=ReasonSchema, response=BillerStatusSchema, errors=(BillerNotFound,)
    )
    @ns.doc(security="bearer")
    @require("admin")
    def post(self, code: str) -> Body:
        """Stop customers paying this biller (collected money is still settled to it)."""
        data = load(ReasonSchema())
        with transaction() as session:
            body = biller_status_view(disable_biller(session, code, by=current_principal(), **data))
        return body


@ns.route("/billers/<string:code>/enable")
class BillerEnable(Resource):
    @operation(
        "enableBiller", body=ReasonSchema, response=BillerStatusSchema, errors=(BillerNotFound,)
    )
    @ns.doc(security="bearer")
    @require("admin")
    def post(self, code: str) -> Body:
        """Offer a disabled biller to customers again."""
        data = load(ReasonSchema())
        with transaction() as session:
            body = biller_status_view(enable_biller(session, code, by=current_principal(), **data))
        return body


@ns.route("/billers/settlements")
class Settlements(Resource):
    @operation("listSettlements", query=DayQuerySchema, response=SettlementListSchema)
    @ns.doc(security="bearer", params={"date": "YYYY-MM-DD"})
    @require("admin")
    def get(self) -> Body:
        """The settlement reports of one business day."""
        try:
            day = date.fromisoformat(request.args.get("date", ""))
        except ValueError:
            raise ValidationFailed({"date": ["A date, YYYY-MM-DD."]}) from None
        with transaction() as session:
            items = [s.report for s in settlement.settlements_of(session, day)]
        return {"items": items}


@ns.route("/callbacks")
class Callbacks(Resource):
    @operation("listCallbacks", query=CallbackQuerySchema, response=CallbackPageSchema)
    @ns.doc(security="bearer", params={"status": "pending, delivered, undeliverable"})
    @require("admin")
    def get(self) -> Body:
        """Biller and merchant callbacks, newest first; ``?status=undeliverable`` needs care."""
        status = request.args.get("status") or None
        if status is not None and status not in DELIVERY_STATUSES:
            raise ValidationFailed({"status": [f"One of: {', '.join(DELIVERY_STATUSES)}."]})
        limit = query_int("limit", 20)
        cursor = request.args.get("cursor") or None
        if cursor is not None and not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 18):
            raise ValidationFailed({"cursor": ["Not a cursor of this list."]})
        with transaction() as session:
            rows = callbacks.list_deliveries(
                session, status=status, limit=limit + 1, after_id=int(cursor) if cursor else None
            )
            items = [callbacks.view(row) for row in rows[:limit]]
        next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
        return {"items": items, "next_cursor": next_cursor}


@ns.route("/callbacks/<string:delivery_id>/retry")
class CallbackRetry(Resource):
    @operation("retryCallback", response=CallbackViewSchema)
    @ns.doc(security="bearer")
    @require("admin")
    def post(self, delivery_id: str) -> Body:
        """Send an undeliverable callback again, with a fresh series of attempts."""
        if not (delivery_id.isascii() and delivery_id.isdigit() and len(delivery_id) <= 18):
            raise NotFound("No such callback.")
        with transaction() as session:
            delivery = callbacks.rearm(session, int(delivery_id), admin_id=current_principal().id)
            body = callbacks.view(delivery)
        return body
