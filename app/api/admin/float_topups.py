"""POST /admin/float-topups: the operator funds a counter's float from the trust bank."""

from __future__ import annotations

from flask import request
from flask_restx import Namespace, Resource
from marshmallow import Schema, fields, validate

from app import ledger
from app.agents import cash
from app.agents.staff import get_agent
from app.api.docs_schemas import FloatTopupDoneSchema
from app.api.idempotency import idempotent
from app.api.openapi import operation
from app.api.responses import Body
from app.api.validation import Amount, load
from app.audit.service import record
from app.auth.decorators import require
from app.db import transaction
from app.ledger import chart
from app.principal import current_principal

ns = Namespace("admin-payments", path="/admin", description="Operator money operations")


class FloatTopup(Schema):
    agent = fields.String(required=True, validate=validate.Length(min=1, max=64))
    amount = Amount(required=True)


@ns.route("/float-topups")
class FloatTopups(Resource):
    @operation(
        "createFloatTopup",
        body=FloatTopup,
        status=201,
        response=FloatTopupDoneSchema,
        codes={404: ("not_found",)},  # no such agent
    )
    @ns.doc(security="bearer", params={"Idempotency-Key": {"in": "header", "required": True}})
    @require("admin")
    @idempotent
    def post(self) -> tuple[Body, int]:
        """Credit an agent's float from trust:bank (cash deposited at the bank)."""
        data = load(FloatTopup())
        admin = current_principal()
        key = request.headers.get("Idempotency-Key", "")
        with transaction() as session:
            agent = get_agent(session, data["agent"])
            entry = cash.topup_float(
                session, agent, amount=data["amount"], key=f"{admin.id}:{key}", by_admin_id=admin.id
            )
            balance = ledger.balance(session, chart.float_account(agent.id))
            record(
                session,
                actor_role="admin",
                actor_id=admin.id,
                action="float.topup",
                target_type="agent",
                target_id=agent.id,
                after={"amount": data["amount"], "entry_id": entry.id, "float": balance.available},
                ip=request.remote_addr,
            )
        return {
            "agent": agent.id,
            "amount": data["amount"],
            "entry_id": entry.id,
            "float_balance": balance.available,
            "currency": balance.currency,
        }, 201
