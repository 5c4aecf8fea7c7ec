"""The counter: cash-in, cash-out, float and the day's report (agents only)."""

from __future__ import annotations

from flask import request
from flask_restx import Namespace, Resource
from marshmallow import Schema, fields, validate

from app import ledger
from app.agents import cash, till
from app.agents.errors import TillClosed
from app.agents.models import TillClosure
from app.agents.staff import get_agent
from app.api.admin.reports import parse_day
from app.api.docs_schemas import (
    AgentReportSchema,
    BalanceOutSchema,
    DayQuerySchema,
    TillClosureSchema,
    TransferOutSchema,
)
from app.api.idempotency import idempotent
from app.api.openapi import operation
from app.api.ratelimit import per_account, per_number, rate_limit
from app.api.responses import Body
from app.api.schemas import dump_transfer
from app.api.validation import Amount, load
from app.auth.decorators import require
from app.clock import local_today
from app.db import transaction
from app.errors import (
    AccountFrozen,
    InsufficientFunds,
    InvalidOtp,
    LimitExceeded,
    OtpAttemptsExceeded,
    OtpExpired,
    RecipientNotFound,
    ValidationFailed,
)
from app.ledger import chart
from app.payments import counter as bill_counter
from app.payments.errors import BillerNotFound
from app.principal import current_principal

ns = Namespace("agent", path="/agent", description="Post-office counters")


class CashIn(Schema):
    msisdn = fields.String(required=True, validate=validate.Length(min=6, max=20))
    amount = Amount(required=True)


class WalkInBill(Schema):
    biller_code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    bill_reference = fields.String(required=True, validate=validate.Length(min=1, max=60))
    amount = Amount(required=True)
    payer_name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    payer_msisdn = fields.String(validate=validate.Length(min=6, max=20))


class CashOut(Schema):
    msisdn = fields.String(required=True, validate=validate.Length(min=6, max=20))
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="Six digits."))


@ns.route("/cash-in")
class CashInResource(Resource):
    @operation(
        "depositCash",
        body=CashIn,
        status=201,
        response=TransferOutSchema,
        errors=(RecipientNotFound, InsufficientFunds, LimitExceeded, AccountFrozen, TillClosed),
    )
    @ns.doc(security="bearer", params={"Idempotency-Key": {"in": "header", "required": True}})
    @require("agent")
    @idempotent
    def post(self) -> tuple[Body, int]:
        """Credit a customer's wallet from the counter's float, against cash."""
        data = load(CashIn())
        with transaction() as session:
            agent = get_agent(session, current_principal().id)
            transfer = cash.cash_in(session, agent, msisdn=data["msisdn"], amount=data["amount"])
            body = dump_transfer(transfer)
        return body, 201


@ns.route("/cash-out")
class CashOutResource(Resource):
    @operation(
        "payWithdrawal",
        body=CashOut,
        response=TransferOutSchema,
        errors=(
            InvalidOtp,
            OtpExpired,
            OtpAttemptsExceeded,
            InsufficientFunds,
            RecipientNotFound,
            TillClosed,
        ),
    )
    @ns.doc(security="bearer", params={"Idempotency-Key": {"in": "header", "required": True}})
    @require("agent")
    @rate_limit(
        "RATELIMIT_OTP:cash-out",
        per_number("RATELIMIT_OTP"),
        per_account("RATELIMIT_OTP_ACCOUNT"),
    )
    @idempotent
    def post(self) -> Body:
        """Pay a customer's withdrawal against the 6-digit code they show."""
        data = load(CashOut())
        with transaction() as session:
            agent = get_agent(session, current_principal().id)
            transfer = cash.cash_out(session, agent, msisdn=data["msisdn"], code=data["code"])
            body = dump_transfer(transfer)
        return body


@ns.route("/bill-payments")
class WalkInBillResource(Resource):
    @operation(
        "payBillAtCounter",
        body=WalkInBill,
        status=201,
        response=TransferOutSchema,
        errors=(BillerNotFound, InsufficientFunds, ValidationFailed, TillClosed),
    )
    @ns.doc(security="bearer", params={"Idempotency-Key": {"in": "header", "required": True}})
    @require("agent")
    @idempotent
    def post(self) -> tuple[Body, int]:
        """A walk-in customer pays a bill in cash; the counter's float pays the biller."""
        data = load(WalkInBill())
        with transaction() as session:
            agent = get_agent(session, current_principal().id)
            transfer = bill_counter.pay_bill_in_cash(session, agent, **data)
            body = dump_transfer(transfer)
        return body, 201


@ns.route("/float")
class FloatResource(Resource):
    @operation("getFloat", response=BalanceOutSchema)
    @ns.doc(security="bearer")
    @require("agent")
    def get(self) -> Body:
        """The counter's e-money float."""
        with transaction() as session:
            balance = ledger.balance(session, chart.float_account(current_principal().id))
        return {
            "available": balance.available,
            "pending": balance.pending,
            "posted": balance.posted,
            "currency": balance.currency,
        }


@ns.route("/report")
class ReportResource(Resource):
    @operation("getAgentReport", query=DayQuerySchema, response=AgentReportSchema)
    @ns.doc(security="bearer", params={"date": "YYYY-MM-DD, Brazzaville time (default today)"})
    @require("agent")
    def get(self) -> Body:
        """The day's operations, totals per type, commission earned, opening and closing float."""
        raw = request.args.get("date")
        day = parse_day(raw, "date") if raw else local_today()
        with transaction() as session:
            agent = get_agent(session, current_principal().id)
            # A closed day answers the figures stored when it was closed.
            return till.agent_report(session, agent, day)


class TillClose(Schema):
    date = fields.String(
        load_default=None, metadata={"description": "YYYY-MM-DD, Brazzaville time (default today)"}
    )
    counted_cash = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=10**12),
        metadata={"description": "the cash counted in the drawer, in francs"},
    )


def dump_closure(closure: TillClosure) -> Body:
    return {
        "date": closure.day.isoformat(),
        "closed_at": closure.closed_at.isoformat(),
        "currency": closure.currency,
        "opening_float": closure.opening_float,
        "closing_float": closure.closing_float,
        "commission": closure.commission,
        "operations_count": closure.operations_count,
        "counted_cash": closure.counted_cash,
    }


@ns.route("/till/close")
class TillCloseResource(Resource):
    @operation("recordTillClosure", body=TillClose, response=TillClosureSchema)
    @ns.doc(security="bearer")
    @require("agent")
    def post(self) -> Body:
        """Close the counter's day: its figures are frozen and cash operations refused until
        tomorrow. Closing again answers the first closure."""
        data = load(TillClose())
        day = parse_day(data["date"], "date") if data["date"] else local_today()
        with transaction() as session:
            agent = get_agent(session, current_principal().id)
            closure = till.close_day(session, agent, day, data["counted_cash"])
            return dump_closure(closure)
